#include "basalt/base/random.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace basalt {
namespace {

TEST(Random, RecordIdShape) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string id = NewRecordId();
        ASSERT_EQ(id.size(), 15u);
        ASSERT_TRUE(std::regex_match(id, std::regex("^[a-z0-9]+$")));
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(Random, FromPattern) {
    EXPECT_TRUE(std::regex_match(RandomFromPattern("[a-z0-9]{15}"), std::regex("^[a-z0-9]{15}$")));
    EXPECT_TRUE(std::regex_match(RandomFromPattern("users[0-9]{5}"), std::regex("^users[0-9]{5}$")));
    EXPECT_TRUE(std::regex_match(RandomFromPattern("[a-zA-Z0-9_]{50}"), std::regex("^\\w{50}$")));
    EXPECT_EQ(RandomFromPattern("[abc"), "");
}

}  // namespace
TEST(RandomTest, RandomIntStaysInRangeAndCoversIt) {
    std::set<std::int64_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const auto v = RandomInt(-3, 3);
        ASSERT_GE(v, -3);
        ASSERT_LE(v, 3);
        seen.insert(v);
    }
    EXPECT_EQ(seen.size(), 7u);
    EXPECT_EQ(RandomInt(5, 5), 5);
}

}  // namespace basalt
