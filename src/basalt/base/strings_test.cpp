#include "basalt/base/strings.hpp"

#include <gtest/gtest.h>

namespace basalt {
namespace {

TEST(Strings, Sentenize) {
    EXPECT_EQ(Sentenize("  failed to create record "), "Failed to create record.");
    EXPECT_EQ(Sentenize("Done!"), "Done!");
    EXPECT_EQ(Sentenize("Really?"), "Really?");
    EXPECT_EQ(Sentenize(""), "");
}

TEST(Strings, Crc32MatchesPocketBaseIds) {
    // pbc_3142635823 is the _superusers id: CRC32("auth_superusers").
    EXPECT_EQ(Crc32("auth_superusers"), 3142635823u);
    // text3208210256 is the default id field id: CRC32("id").
    EXPECT_EQ(Crc32("id"), 3208210256u);
}

TEST(Strings, ParseHelpers) {
    std::int64_t v = 0;
    EXPECT_TRUE(ParseInt64("42", v));
    EXPECT_EQ(v, 42);
    EXPECT_FALSE(ParseInt64("4x", v));
    EXPECT_FALSE(ParseInt64("", v));
    EXPECT_FALSE(ParseInt64("99999999999999999999", v));
    bool b = false;
    EXPECT_TRUE(ParseGoBool("True", b));
    EXPECT_TRUE(b);
    EXPECT_FALSE(ParseGoBool("yes", b));
    EXPECT_EQ(NormalizeHeaderName("X-Token"), "x_token");
}

}  // namespace
}  // namespace basalt
