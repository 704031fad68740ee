// Unit tests for password.hpp (bcrypt via libxcrypt), including the fixture's `$2a$13$` hashes.
#include "basalt/auth/password.hpp"

#include <gtest/gtest.h>

namespace basalt::auth {
namespace {

// `_superusers` test4@example.com (cost 10) and test@example.com (cost 13) from the fixture.
constexpr std::string_view kFixtureCost10 =
    "$2a$10$0CUWH81tPWUhxKqksZnO/eDfJiWTTG/xg7v5Yg8RhcLIGWY3oeCHe";
constexpr std::string_view kFixtureCost13 =
    "$2a$13$6PP1fpShEsQHpZElw4.BN.vMl/2CMIKc2kpumJM//T4qV4RGUgb6i";
constexpr std::string_view kFixturePassword = "1234567890";

TEST(Password, VerifiesFixtureHashes) {
    EXPECT_TRUE(VerifyPassword(kFixturePassword, kFixtureCost10));
    EXPECT_FALSE(VerifyPassword("1234567891", kFixtureCost10));
    EXPECT_TRUE(VerifyPassword(kFixturePassword, kFixtureCost13));  // ≈0.5 s
}

TEST(Password, HashesAsBcrypt2a) {
    const std::string hash = HashPassword("s3cret pass", 4);
    ASSERT_EQ(hash.size(), 60U);
    EXPECT_TRUE(hash.starts_with("$2a$04$"));
    EXPECT_TRUE(VerifyPassword("s3cret pass", hash));
    EXPECT_FALSE(VerifyPassword("s3cret pasS", hash));
    EXPECT_FALSE(VerifyPassword("", hash));
    EXPECT_NE(HashPassword("s3cret pass", 4), hash);  // random salt
}

TEST(Password, DefaultCostIsTen) {
    const std::string hash = HashPassword("x");
    EXPECT_TRUE(hash.starts_with("$2a$10$"));
    EXPECT_TRUE(HashPassword("x", 0).starts_with("$2a$10$"));
}

TEST(Password, EmptyPasswordHashes) {
    const std::string hash = HashPassword("", 4);
    ASSERT_FALSE(hash.empty());
    EXPECT_TRUE(VerifyPassword("", hash));
    EXPECT_FALSE(VerifyPassword("a", hash));
}

TEST(Password, RefusesUnhashableInputFailClosed) {
    EXPECT_TRUE(IsHashablePassword(std::string(72, 'a')));
    EXPECT_FALSE(IsHashablePassword(std::string(73, 'a')));
    EXPECT_EQ(HashPassword(std::string(73, 'a'), 4), "");
    EXPECT_EQ(HashPassword(std::string("a\0b", 3), 4), "");
    const std::string hash = HashPassword("a", 4);
    EXPECT_FALSE(VerifyPassword(std::string("a\0b", 3), hash));
    EXPECT_FALSE(VerifyPassword("a", ""));
}

TEST(Password, RejectsNonBcryptAndMalformedHashes) {
    EXPECT_FALSE(VerifyPassword("1234567890", ""));
    EXPECT_FALSE(VerifyPassword("1234567890", "*0"));
    EXPECT_FALSE(VerifyPassword("1234567890", kFixtureCost10.substr(0, 59)));
    EXPECT_FALSE(VerifyPassword("1234567890", std::string(kFixtureCost10) + "x"));
    EXPECT_FALSE(VerifyPassword("1234567890", "$2a$99$0CUWH81tPWUhxKqksZnO/eDfJiWTTG/xg7v5Yg8RhcLIGWY3oeCHe"));
    EXPECT_FALSE(VerifyPassword("1234567890", "$2x$10$0CUWH81tPWUhxKqksZnO/eDfJiWTTG/xg7v5Yg8RhcLIGWY3oeCHe"));
    // A DES crypt() hash of the same password must not be accepted.
    EXPECT_FALSE(VerifyPassword("1234567890", "abJnggxhB/yWI"));
    EXPECT_FALSE(VerifyPassword("1234567890", std::string(60, '$')));
}

}  // namespace
}  // namespace basalt::auth
