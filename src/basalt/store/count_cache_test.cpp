#include "basalt/store/count_cache.hpp"

#include <gtest/gtest.h>

namespace basalt::store {
namespace {

TEST(CountCacheTest, KeysDistinguishParameterTypesAndBoundaries) {
    const std::string sql = "SELECT COUNT(*) FROM t WHERE a = ? AND b = ?";
    EXPECT_NE(CountCache::Key(sql, {std::string("1"), std::string("2")}),
              CountCache::Key(sql, {std::int64_t{1}, std::int64_t{2}}));
    EXPECT_NE(CountCache::Key(sql, {std::string("a"), std::string("bc")}),
              CountCache::Key(sql, {std::string("ab"), std::string("c")}));
    EXPECT_NE(CountCache::Key(sql, {true, std::monostate{}}), CountCache::Key(sql, {false, std::monostate{}}));
    EXPECT_TRUE(CountCache::Key(sql, {std::string(20000, 'x')}).empty());  // not worth caching
}

TEST(CountCacheTest, HoldsACountPerQueryAndEpoch) {
    CountCache cache(2);
    const auto key = CountCache::Key("SELECT COUNT(*) FROM t WHERE a = ?", {std::string("x")});
    cache.Put(key, 1, 42);
    EXPECT_EQ(cache.Get(key, 1), 42);
    EXPECT_FALSE(cache.Get(key, 2));
    cache.Put("b", 1, 1);
    cache.Put("c", 1, 1);  // the capacity is in entries
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_FALSE(cache.Get(key, 1));
}

}  // namespace
}  // namespace basalt::store
