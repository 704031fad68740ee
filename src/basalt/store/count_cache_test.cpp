#include "basalt/store/count_cache.hpp"

#include <gtest/gtest.h>

namespace basalt::store {
namespace {

TEST(CountCacheTest, HitsOnlyAtTheSameEpoch) {
    CountCache cache;
    const auto key = CountCache::Key("SELECT COUNT(*) FROM t WHERE a = ?", {std::string("x")});
    EXPECT_FALSE(cache.Get(key, 1));
    cache.Put(key, 1, 42);
    EXPECT_EQ(cache.Get(key, 1), 42);
    EXPECT_FALSE(cache.Get(key, 2));  // a write committed since
    cache.Put(key, 2, 43);
    EXPECT_EQ(cache.Get(key, 2), 43);
    cache.Put(key, 1, 42);  // a slow reader from before the write never overwrites newer counts
    EXPECT_EQ(cache.Get(key, 2), 43);
}

TEST(CountCacheTest, KeysDistinguishParameterTypesAndBoundaries) {
    const std::string sql = "SELECT COUNT(*) FROM t WHERE a = ? AND b = ?";
    EXPECT_NE(CountCache::Key(sql, {std::string("1"), std::string("2")}),
              CountCache::Key(sql, {std::int64_t{1}, std::int64_t{2}}));
    EXPECT_NE(CountCache::Key(sql, {std::string("a"), std::string("bc")}),
              CountCache::Key(sql, {std::string("ab"), std::string("c")}));
    EXPECT_NE(CountCache::Key(sql, {true, std::monostate{}}), CountCache::Key(sql, {false, std::monostate{}}));
    EXPECT_TRUE(CountCache::Key(sql, {std::string(20000, 'x')}).empty());  // not worth caching
}

TEST(CountCacheTest, EvictsTheLeastRecentlyUsed) {
    CountCache cache(2);
    cache.Put("a", 1, 1);
    cache.Put("b", 1, 2);
    ASSERT_TRUE(cache.Get("a", 1));  // b is now the oldest
    cache.Put("c", 1, 3);
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_TRUE(cache.Get("a", 1));
    EXPECT_FALSE(cache.Get("b", 1));
    EXPECT_TRUE(cache.Get("c", 1));
}

}  // namespace
}  // namespace basalt::store
