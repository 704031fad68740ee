// Unit tests for internal/auth_record_cache.hpp: epoch validity, maximum age, LRU bound.
#include "basalt/service/internal/auth_record_cache.hpp"

#include <gtest/gtest.h>

namespace basalt::service::internal {
namespace {

using std::chrono::milliseconds;

schema::Record Rec(std::string_view id, std::string_view token_key) {
    schema::Record r;
    r.values["id"] = id;
    r.values["tokenKey"] = token_key;
    return r;
}

TEST(AuthRecordCacheTest, HitsOnlyAtTheSameEpoch) {
    AuthRecordCache cache;
    const auto t0 = AuthRecordCache::Clock::now();
    EXPECT_FALSE(cache.Get("users", "a", 1, t0));
    cache.Put("users", "a", 1, Rec("a", "k1"), t0);
    auto hit = cache.Get("users", "a", 1, t0);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->GetString("tokenKey"), "k1");
    EXPECT_FALSE(cache.Get("users", "a", 2, t0));  // a write happened since
    EXPECT_FALSE(cache.Get("other", "a", 1, t0));  // the same id in another collection
    EXPECT_FALSE(cache.Get("users", "b", 1, t0));
}

TEST(AuthRecordCacheTest, ExpiresAfterTheMaximumAge) {
    AuthRecordCache cache(16, milliseconds(1000));
    const auto t0 = AuthRecordCache::Clock::now();
    cache.Put("users", "a", 1, Rec("a", "k1"), t0);
    EXPECT_TRUE(cache.Get("users", "a", 1, t0 + milliseconds(999)));
    EXPECT_FALSE(cache.Get("users", "a", 1, t0 + milliseconds(1000)));
}

TEST(AuthRecordCacheTest, ANewerReadReplacesAnOlderOneButNotTheReverse) {
    AuthRecordCache cache;
    const auto t0 = AuthRecordCache::Clock::now();
    cache.Put("users", "a", 5, Rec("a", "new"), t0);
    cache.Put("users", "a", 4, Rec("a", "old"), t0);  // a slow read that started earlier
    EXPECT_FALSE(cache.Get("users", "a", 4, t0));
    auto hit = cache.Get("users", "a", 5, t0);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->GetString("tokenKey"), "new");
}

TEST(AuthRecordCacheTest, EvictsTheLeastRecentlyUsed) {
    AuthRecordCache cache(2);
    const auto t0 = AuthRecordCache::Clock::now();
    cache.Put("users", "a", 1, Rec("a", "ka"), t0);
    cache.Put("users", "b", 1, Rec("b", "kb"), t0);
    EXPECT_TRUE(cache.Get("users", "a", 1, t0));  // b is now the least recently used
    cache.Put("users", "c", 1, Rec("c", "kc"), t0);
    EXPECT_EQ(cache.size(), 2U);
    EXPECT_TRUE(cache.Get("users", "a", 1, t0));
    EXPECT_FALSE(cache.Get("users", "b", 1, t0));
    EXPECT_TRUE(cache.Get("users", "c", 1, t0));
}

// A token whose signature was checked is remembered with the record: the same token and
// secret at the same epoch need no new check; another token, another secret, a later epoch
// (a new tokenKey is a write) or a mark made for an older epoch do.
TEST(AuthRecordCacheTest, RemembersAVerifiedTokenForOneRecordSecretAndEpoch) {
    AuthRecordCache cache;
    const auto t0 = AuthRecordCache::Clock::now();
    bool verified = true;
    cache.Put("users", "a", 1, Rec("a", "k1"), t0);
    ASSERT_TRUE(cache.Get("users", "a", 1, "tok1", "s1", verified, t0));
    EXPECT_FALSE(verified);
    cache.MarkVerified("users", "a", 1, "tok1", "s1");
    ASSERT_TRUE(cache.Get("users", "a", 1, "tok1", "s1", verified, t0));
    EXPECT_TRUE(verified);
    ASSERT_TRUE(cache.Get("users", "a", 1, "tok2", "s1", verified, t0));
    EXPECT_FALSE(verified);  // another token of the same record
    ASSERT_TRUE(cache.Get("users", "a", 1, "tok1", "s2", verified, t0));
    EXPECT_FALSE(verified);  // the collection's secret was rotated
    ASSERT_TRUE(cache.Get("users", "a", 1, "", "s1", verified, t0));
    EXPECT_FALSE(verified);
    EXPECT_FALSE(cache.Get("users", "b", 1, "tok1", "s1", verified, t0));
    EXPECT_FALSE(verified);

    cache.Put("users", "a", 2, Rec("a", "k2"), t0);  // re-read after a write
    ASSERT_TRUE(cache.Get("users", "a", 2, "tok1", "s1", verified, t0));
    EXPECT_FALSE(verified);
    cache.MarkVerified("users", "a", 1, "tok1", "s1");  // a check that began before the write
    ASSERT_TRUE(cache.Get("users", "a", 2, "tok1", "s1", verified, t0));
    EXPECT_FALSE(verified);
}

TEST(AuthRecordCacheTest, SameTokenComparesWholeTokens) {
    EXPECT_TRUE(auth::SameToken("abc.def.ghi", "abc.def.ghi"));
    EXPECT_FALSE(auth::SameToken("abc.def.ghi", "abc.def.gh"));
    EXPECT_FALSE(auth::SameToken("abc.def.ghi", "abc.def.ghj"));
    EXPECT_FALSE(auth::SameToken("", "a"));
}

}  // namespace
}  // namespace basalt::service::internal
