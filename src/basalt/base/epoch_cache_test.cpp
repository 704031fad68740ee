#include "basalt/base/epoch_cache.hpp"

#include <string>

#include <gtest/gtest.h>

namespace basalt {
namespace {

using Cache = EpochCache<std::string>;
using namespace std::chrono_literals;

TEST(EpochCacheTest, HitsOnlyAtTheSameEpoch) {
    Cache cache({});
    EXPECT_FALSE(cache.Get("k", 1));
    cache.Put("k", 1, "one");
    EXPECT_EQ(cache.Get("k", 1), "one");
    EXPECT_FALSE(cache.Get("k", 2));  // a write committed since
    cache.Put("k", 2, "two");
    EXPECT_EQ(cache.Get("k", 2), "two");
    cache.Put("k", 1, "one");  // a slow reader from before the write never overwrites newer values
    EXPECT_EQ(cache.Get("k", 2), "two");
    EXPECT_EQ(cache.size(), 1u);
}

TEST(EpochCacheTest, EvictsTheLeastRecentlyUsedBeyondMaxEntries) {
    Cache cache({.max_entries = 2});
    cache.Put("a", 1, "1");
    cache.Put("b", 1, "2");
    ASSERT_TRUE(cache.Get("a", 1));  // b is now the oldest
    cache.Put("c", 1, "3");
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_TRUE(cache.Get("a", 1));
    EXPECT_FALSE(cache.Get("b", 1));
    EXPECT_TRUE(cache.Get("c", 1));
}

TEST(EpochCacheTest, KeepsTheSumOfCostsWithinMaxCost) {
    Cache cache({.max_entries = 100, .max_cost = 1000});
    for (int i = 0; i < 10; ++i) {
        cache.Put("k" + std::to_string(i), 1, "v", 98);  // + 2 bytes of key = 100 each
    }
    EXPECT_EQ(cache.size(), 10u);
    EXPECT_EQ(cache.cost(), 1000u);
    ASSERT_TRUE(cache.Get("k0", 1));
    cache.Put("k10", 1, "v", 118);  // needs two entries' room: k1 and k2 go, k0 was used
    EXPECT_EQ(cache.size(), 9u);
    EXPECT_LE(cache.cost(), 1000u);
    EXPECT_TRUE(cache.Get("k0", 1));
    EXPECT_FALSE(cache.Get("k1", 1));
    EXPECT_FALSE(cache.Get("k2", 1));
    EXPECT_TRUE(cache.Get("k3", 1));
    cache.Put("k3", 2, "v", 8);  // replacing an entry gives its old cost back
    EXPECT_EQ(cache.cost(), 1000u - 200u + 121u - 100u + 10u);
}

TEST(EpochCacheTest, DoesNotStoreAValueCostingMoreThanAnEighthOfTheLimit) {
    Cache cache({.max_entries = 100, .max_cost = 800});
    cache.Put("small", 1, "v", 95);  // 100 with the key
    cache.Put("large", 1, "v", 96);  // 101
    EXPECT_TRUE(cache.Get("small", 1));
    EXPECT_FALSE(cache.Get("large", 1));
    EXPECT_EQ(cache.cost(), 100u);
}

TEST(EpochCacheTest, EntriesOlderThanMaxAgeMiss) {
    Cache cache({.max_age = 1s});
    const auto t0 = Cache::Clock::now();
    cache.Put("k", 1, "v", 0, t0);
    EXPECT_TRUE(cache.Get("k", 1, t0 + 999ms));
    EXPECT_FALSE(cache.Get("k", 1, t0 + 1s));
}

TEST(EpochCacheTest, UpdatesOnlyACurrentEntry) {
    Cache cache({});
    cache.Put("k", 1, "v");
    EXPECT_FALSE(cache.Update("k", 2, [](std::string& v) { v += "!"; }));
    EXPECT_FALSE(cache.Update("other", 1, [](std::string& v) { v += "!"; }));
    EXPECT_TRUE(cache.Update("k", 1, [](std::string& v) { v += "!"; }));
    EXPECT_EQ(cache.Get("k", 1), "v!");
}

}  // namespace
}  // namespace basalt
