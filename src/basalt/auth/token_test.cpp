// Unit tests for token.hpp, including PocketBase's static fixture tokens (pocketbase-api.md §8.1).
#include "basalt/auth/token.hpp"

#include <gtest/gtest.h>

#include "basalt/auth/jwt.hpp"
#include "basalt/base/time.hpp"

namespace basalt::auth {
namespace {

// Read once from the fixture's data.db (`_superusers`/`users`/`clients` tokenKey columns and
// `_collections.options.authToken.secret`).
constexpr std::string_view kSuperuserTokenKey = "O4rvW9FSUyTA3xUuQmXR3wHF2db9bHs19nBHeSgVTxerOsTAl4";
constexpr std::string_view kSuperusersAuthSecret =
    "MyN3nDlzmHnuCjd35vb6cyIdqNr7Os0PmgiPVDMxmbFToSpBvS";
constexpr std::string_view kUserTokenKey = "tfYe7rCTX4D2KuWQY3pJjBifgsrMbecyXBatEPjrSfGEGS2jh6";
constexpr std::string_view kClientTokenKey = "rMb1gUpn27s53t66gOGscSHfYsa272cgOgn4nhTZIl4fIC8XP8";
constexpr std::string_view kUsersAuthSecret = "PjVU4hAV7CZIWbCByJHkDcMUlSEWCLI6M5aWSZOpEq0a3rYxKT";

constexpr std::string_view kSuperuserToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoi"
    "cGJjXzMxNDI2MzU4MjMiLCJleHAiOjI1MjQ2MDQ0NjEsInJlZnJlc2hhYmxlIjp0cnVlfQ."
    "UXgO3j-0BumcugrFjbd7j0M4MQvbrLggLlcu_YNGjoY";
constexpr std::string_view kUserToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoi"
    "X3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0."
    "ZT3F0Z3iM-xbGgSG3LEKiEzHrPHr8t8IuHLZGGNuxLo";
constexpr std::string_view kClientToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImdrMzkwcWVnczR5NDd3biIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoi"
    "djg1MXE0cjc5MHJoa25sIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0."
    "0ONnm_BsvPRZyDNT31GN1CKUB6uQRxvVvQ-Wc9AZfG0";

TEST(Token, ParsesFixtureSuperuserToken) {
    auto claims = ParseToken(kSuperuserToken);
    ASSERT_TRUE(claims) << claims.error().message;
    EXPECT_EQ(claims->id, "sywbhecnh46rhm0");
    EXPECT_EQ(claims->collection_id, "pbc_3142635823");
    EXPECT_EQ(claims->type, kTokenTypeAuth);
    EXPECT_EQ(claims->exp, 2524604461);
    EXPECT_TRUE(claims->refreshable);
}

TEST(Token, VerifiesFixtureTokensWithTokenKeyPlusSecret) {
    EXPECT_TRUE(
        CheckTokenSignature(kSuperuserToken, SigningKey(kSuperuserTokenKey, kSuperusersAuthSecret)));
    EXPECT_TRUE(CheckTokenSignature(kUserToken, SigningKey(kUserTokenKey, kUsersAuthSecret)));
    EXPECT_TRUE(CheckTokenSignature(kClientToken, SigningKey(kClientTokenKey, kUsersAuthSecret)));

    // Wrong halves of the key.
    EXPECT_FALSE(
        CheckTokenSignature(kSuperuserToken, SigningKey(kSuperuserTokenKey, kUsersAuthSecret)));
    EXPECT_FALSE(CheckTokenSignature(kUserToken, SigningKey(kClientTokenKey, kUsersAuthSecret)));
    EXPECT_FALSE(CheckTokenSignature(kUserToken, kUsersAuthSecret));
    // Past the fixed expiry (2050).
    EXPECT_FALSE(CheckTokenSignature(
        kUserToken, SigningKey(kUserTokenKey, kUsersAuthSecret), 2524604461));
}

TEST(Token, IssuesAuthTokensPocketBaseStyle) {
    const std::string token = NewAuthToken("rec", "col", "tk", "sec", 3600, false);
    auto raw = DecodeJwtUnverified(token);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->size(), 5U);
    auto claims = ParseToken(token);
    ASSERT_TRUE(claims);
    EXPECT_EQ(claims->id, "rec");
    EXPECT_EQ(claims->collection_id, "col");
    EXPECT_EQ(claims->type, "auth");
    EXPECT_FALSE(claims->refreshable);
    EXPECT_NEAR(static_cast<double>(claims->exp), static_cast<double>(UnixNow() + 3600), 5.0);
    EXPECT_TRUE(CheckTokenSignature(token, "tksec"));
    EXPECT_FALSE(CheckTokenSignature(token, "tk"));
}

TEST(Token, IssuesOtherTokenTypes) {
    auto file = ParseToken(NewFileToken("r", "c", "tk", "s", 180));
    ASSERT_TRUE(file);
    EXPECT_EQ(file->type, kTokenTypeFile);
    EXPECT_FALSE(file->raw.contains("refreshable"));

    auto ver = ParseToken(NewVerificationToken("r", "c", "a@b.c", "tk", "s", 60));
    ASSERT_TRUE(ver);
    EXPECT_EQ(ver->type, kTokenTypeVerification);
    EXPECT_EQ(ver->email, "a@b.c");

    auto reset = ParseToken(NewPasswordResetToken("r", "c", "a@b.c", "tk", "s", 60));
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, kTokenTypePasswordReset);

    const std::string change = NewEmailChangeToken("r", "c", "a@b.c", "n@b.c", "tk", "s", 60);
    auto ch = ParseToken(change);
    ASSERT_TRUE(ch);
    EXPECT_EQ(ch->type, kTokenTypeEmailChange);
    EXPECT_EQ(ch->new_email, "n@b.c");
    EXPECT_TRUE(CheckTokenSignature(change, "tks"));
}

TEST(Token, ParseRequiresIdentityClaimsAndFreshness) {
    EXPECT_FALSE(ParseToken(SignJwtHs256({{"id", "r"}, {"type", "auth"}}, "k")));
    EXPECT_FALSE(ParseToken(SignJwtHs256({{"id", ""}, {"collectionId", "c"}, {"type", "auth"}}, "k")));
    EXPECT_FALSE(ParseToken(SignJwtHs256({{"id", 5}, {"collectionId", "c"}, {"type", "auth"}}, "k")));
    EXPECT_FALSE(ParseToken(NewAuthToken("r", "c", "tk", "s", -10)));
    EXPECT_FALSE(ParseToken("garbage"));
    EXPECT_FALSE(ParseToken(""));
    EXPECT_TRUE(ParseToken(SignJwtHs256({{"id", "r"}, {"collectionId", "c"}, {"type", "x"}}, "k")));
}

}  // namespace
}  // namespace basalt::auth
