// Unit tests for jwt.hpp: encoding, HS256 signing/verification and hostile input.
#include "basalt/auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "basalt/base/json.hpp"

namespace basalt::auth {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

std::string B64(std::string_view s) { return Base64UrlEncode(s); }

/// Builds "<b64(header)>.<b64(payload)>.<sig>" from raw JSON texts.
std::string RawToken(std::string_view header, std::string_view payload, std::string_view sig) {
    return B64(header) + "." + B64(payload) + "." + std::string(sig);
}

TEST(Base64Url, RoundTripsAllLengths) {
    std::string bytes;
    for (int i = 0; i < 70; ++i) {
        auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
        ASSERT_TRUE(decoded) << i;
        EXPECT_EQ(*decoded, bytes);
        bytes += static_cast<char>(i * 37 + 250);
    }
    EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsPaddingAndForeignCharacters) {
    EXPECT_FALSE(Base64UrlDecode("YQ=="));
    EXPECT_FALSE(Base64UrlDecode("a+b/"));
    EXPECT_FALSE(Base64UrlDecode("abcde"));  // length % 4 == 1 is impossible
    EXPECT_FALSE(Base64UrlDecode("ab c"));
    EXPECT_TRUE(Base64UrlDecode(""));
}

TEST(Jwt, SignsWithSortedKeysAndGoHeader) {
    boost::json::object claims{{"type", "auth"}, {"id", "abc"}, {"exp", 2524604461}};
    const std::string token = SignJwtHs256(claims, "k");
    EXPECT_TRUE(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
    const auto parts = token.find('.');
    const auto payload_end = token.rfind('.');
    auto payload = Base64UrlDecode(token.substr(parts + 1, payload_end - parts - 1));
    ASSERT_TRUE(payload);
    EXPECT_EQ(*payload, R"({"exp":2524604461,"id":"abc","type":"auth"})");
    EXPECT_TRUE(VerifyJwtHs256(token, "k", kNow));
    EXPECT_FALSE(VerifyJwtHs256(token, "K", kNow));
    EXPECT_FALSE(VerifyJwtHs256(token, "", kNow));
}

TEST(Jwt, SignatureMatchesKnownVector) {
    // The jwt.io HS256 example.
    const std::string token =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
        "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    EXPECT_TRUE(VerifyJwtHs256(token, "your-256-bit-secret", kNow));
    EXPECT_FALSE(VerifyJwtHs256(token, "your-256-bit-secreT", kNow));
    auto claims = DecodeJwtUnverified(token);
    ASSERT_TRUE(claims);
    EXPECT_EQ(claims->at("name").as_string(), "John Doe");
}

TEST(Jwt, SignatureIsOpenSslHmacForEveryKeyLength) {
    // Keys shorter than, equal to and longer than SHA-256's 64-byte block (PocketBase's signing
    // keys are tokenKey + secret, about 100 bytes), compared with OpenSSL's own HMAC().
    const boost::json::object claims{{"id", "abc"}, {"type", "auth"}};
    std::string key;
    for (int n = 0; n <= 200; ++n) {
        const std::string token = SignJwtHs256(claims, key);
        const std::string input = token.substr(0, token.rfind('.'));
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        ASSERT_NE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len),
                  nullptr);
        EXPECT_EQ(token.substr(token.rfind('.') + 1),
                  Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len)))
            << "key length " << n;
        EXPECT_TRUE(VerifyJwtHs256(token, key, kNow));
        key += static_cast<char>(n * 31 + 7);
    }
}

TEST(Jwt, EmptyKeyStillSigns) {
    const std::string token = SignJwtHs256({{"a", 1}}, "");
    EXPECT_TRUE(VerifyJwtHs256(token, "", kNow));
    EXPECT_FALSE(VerifyJwtHs256(token, "x", kNow));
}

TEST(Jwt, TimeClaims) {
    const auto check = [](boost::json::object c) {
        return static_cast<bool>(VerifyJwtHs256(SignJwtHs256(c, "k"), "k", kNow));
    };
    EXPECT_TRUE(check({{"exp", kNow + 1}}));
    EXPECT_FALSE(check({{"exp", kNow}}));  // golang-jwt: valid only while now < exp
    EXPECT_FALSE(check({{"exp", kNow - 1}}));
    EXPECT_TRUE(check({{"exp", static_cast<double>(kNow) + 10.5}}));
    EXPECT_FALSE(check({{"exp", static_cast<double>(kNow) + 0.5}}));  // truncated to seconds
    EXPECT_FALSE(check({{"exp", "2524604461"}}));                     // wrong type
    EXPECT_FALSE(check({{"exp", nullptr}}));
    EXPECT_TRUE(check({{"nbf", kNow}}));
    EXPECT_FALSE(check({{"nbf", kNow + 1}}));
    EXPECT_TRUE(check({{"iat", kNow}}));
    EXPECT_FALSE(check({{"iat", kNow + 100}}));
    EXPECT_FALSE(check({{"iat", true}}));
    EXPECT_TRUE(check({}));  // no exp: not required (PocketBase always sets one)
    EXPECT_TRUE(check({{"exp", 18446744073709551615ULL}}));
    EXPECT_FALSE(check({{"exp", -1e300}}));
}

TEST(Jwt, RejectsOtherAlgorithms) {
    const std::string payload = R"({"id":"x","exp":2524604461})";
    // alg none with an empty signature, the classic bypass.
    EXPECT_FALSE(VerifyJwtHs256(RawToken(R"({"alg":"none"})", payload, ""), "k", kNow));
    EXPECT_FALSE(DecodeJwtUnverified(RawToken(R"({"alg":"none"})", payload, "")));
    EXPECT_FALSE(DecodeJwtUnverified(RawToken(R"({"alg":"HS512"})", payload, "")));
    EXPECT_FALSE(DecodeJwtUnverified(RawToken(R"({"alg":"RS256"})", payload, "")));
    EXPECT_FALSE(DecodeJwtUnverified(RawToken(R"({"alg":"hs256"})", payload, "")));
    EXPECT_FALSE(DecodeJwtUnverified(RawToken(R"({"typ":"JWT"})", payload, "")));
    EXPECT_FALSE(DecodeJwtUnverified(RawToken(R"({"alg":["HS256"]})", payload, "")));
    EXPECT_TRUE(DecodeJwtUnverified(RawToken(R"({"alg":"HS256"})", payload, "")));
}

TEST(Jwt, RejectsTamperedTokens) {
    const std::string token = SignJwtHs256({{"id", "a"}, {"exp", 2524604461}}, "k");
    const std::string forged_payload = B64(R"({"exp":2524604461,"id":"b"})");
    const auto first = token.find('.');
    const auto last = token.rfind('.');
    const std::string forged =
        token.substr(0, first + 1) + forged_payload + token.substr(last);
    EXPECT_FALSE(VerifyJwtHs256(forged, "k", kNow));
    // Truncated / extended signature.
    EXPECT_FALSE(VerifyJwtHs256(token.substr(0, token.size() - 1), "k", kNow));
    EXPECT_FALSE(VerifyJwtHs256(token + "A", "k", kNow));
    EXPECT_FALSE(VerifyJwtHs256(token + "=", "k", kNow));
}

TEST(Jwt, MalformedInputIsAnErrorValue) {
    const std::vector<std::string> bad = {
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJIUzI1NiJ9",
        "eyJhbGciOiJIUzI1NiJ9..",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        "eyJhbGciOiJIUzI1NiJ9.e30.x.",
        RawToken(R"({"alg":"HS256"})", "[1,2]", "AA"),
        RawToken(R"({"alg":"HS256"})", "\"str\"", "AA"),
        RawToken(R"({"alg":"HS256"})", "{", "AA"),
        RawToken(R"({"alg":"HS256"})", "{\"a\":\"\xff\"}", "AA"),
        RawToken("[]", "{}", "AA"),
        RawToken(R"({"alg":"HS256"})", std::string(10000, '[') + std::string(10000, ']'), "AA"),
        std::string(100000, '.'),
        std::string("ey\0J.e30.AA", 11),
    };
    for (const auto& t : bad) {
        EXPECT_FALSE(VerifyJwtHs256(t, "k", kNow)) << t.substr(0, 60);
    }
    EXPECT_FALSE(DecodeJwtUnverified(bad[15]));
    EXPECT_FALSE(DecodeJwtUnverified(bad[16]));
    // An empty-object payload is structurally fine.
    EXPECT_TRUE(DecodeJwtUnverified(RawToken(R"({"alg":"HS256"})", "{}", "")));
}

TEST(Jwt, SurvivesEveryByteMutation) {
    const std::string token = SignJwtHs256({{"id", "abc"}, {"exp", 2524604461}}, "secret");
    ASSERT_TRUE(VerifyJwtHs256(token, "secret", kNow));
    const std::string replacements = std::string(".=-_A\0\xff{", 8);
    for (std::size_t i = 0; i < token.size(); ++i) {
        for (const char r : replacements) {
            if (token[i] == r) {
                continue;
            }
            std::string m = token;
            m[i] = r;
            const auto st = VerifyJwtHs256(m, "secret", kNow);
            // Changing the last char of a segment may only flip ignored trailing bits.
            if (st) {
                auto a = Base64UrlDecode(m.substr(m.rfind('.') + 1));
                auto b = Base64UrlDecode(token.substr(token.rfind('.') + 1));
                ASSERT_TRUE(a && b);
                EXPECT_EQ(*a, *b) << m;
            }
        }
    }
}

}  // namespace
}  // namespace basalt::auth
