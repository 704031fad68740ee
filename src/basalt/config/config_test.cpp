#include "basalt/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace basalt::config {
namespace {

TEST(Config, ParsesHttpAddress) {
    auto a = ParseHttpAddress("127.0.0.1:8090");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "127.0.0.1");
    EXPECT_EQ(a->port, 8090);
    EXPECT_EQ(ParseHttpAddress("[::1]:0")->host, "::1");
    EXPECT_FALSE(ParseHttpAddress("localhost"));
    EXPECT_FALSE(ParseHttpAddress("x:70000"));
    EXPECT_FALSE(ParseHttpAddress("x:abc"));
}

TEST(Config, Validates) {
    ServeConfig c;
    EXPECT_TRUE(Validate(c));
    c.workers = -1;
    EXPECT_FALSE(Validate(c));
    c.workers = 0;
    c.log_level = "loud";
    EXPECT_FALSE(Validate(c));
    c.log_level = "info";
    EXPECT_EQ(c.sync, "full");
    c.sync = "normal";
    EXPECT_TRUE(Validate(c));
    c.sync = "off";
    EXPECT_FALSE(Validate(c));
    c.sync = "full";
    EXPECT_EQ(c.mmap_mb, 256);
    c.mmap_mb = 0;
    EXPECT_TRUE(Validate(c));
    c.mmap_mb = -1;
    EXPECT_FALSE(Validate(c));
    c.mmap_mb = 256;
    EXPECT_EQ(c.list_cache_mb, 32);
    c.list_cache_mb = 0;
    EXPECT_TRUE(Validate(c));
    c.list_cache_mb = -1;
    EXPECT_FALSE(Validate(c));
    c.list_cache_mb = kMaxListCacheMb + 1;
    EXPECT_FALSE(Validate(c));
}

// Integer settings from the environment apply when they parse and are in range; anything else
// leaves the default (flags, parsed after, win either way).
TEST(ConfigTest, IntegerEnvironmentSettingsApplyOnlyInRange) {
    setenv("BASALT_LIST_CACHE", "0", 1);
    setenv("BASALT_MMAP_SIZE", "-5", 1);
    setenv("BASALT_REALTIME_IDLE_TIMEOUT", "soon", 1);
    setenv("BASALT_WORKERS", "3", 1);
    ServeConfig c;
    ApplyEnvironment(c);
    EXPECT_EQ(c.list_cache_mb, 0);
    EXPECT_EQ(c.mmap_mb, 256);
    EXPECT_EQ(c.realtime_idle_timeout_seconds, 300);
    EXPECT_EQ(c.workers, 3);
    for (const char* name : {"BASALT_LIST_CACHE", "BASALT_MMAP_SIZE", "BASALT_REALTIME_IDLE_TIMEOUT", "BASALT_WORKERS"}) {
        unsetenv(name);
    }
}

}  // namespace
}  // namespace basalt::config
