// Unit tests of the provider catalogue, PKCE, the authorization URL and the user mapping.
#include "basalt/auth/oauth2.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <set>

#include <boost/json/parse.hpp>

namespace basalt::auth {
namespace {

namespace bj = boost::json;

ProviderConfig Resolve(std::string_view json) {
    auto p = ResolveProvider(bj::parse(json).as_object());
    EXPECT_TRUE(p.has_value()) << json;
    return p.value_or(ProviderConfig{});
}

TEST(OAuth2Catalogue, ListsPocketBaseProvidersSortedWithUniqueNames) {
    std::set<std::string_view> names;
    std::string_view prev;
    for (const auto& p : Providers()) {
        EXPECT_LT(prev, p.name);
        prev = p.name;
        names.insert(p.name);
        EXPECT_FALSE(p.display_name.empty()) << p.name;
        EXPECT_FALSE(p.mapping.id.empty()) << p.name;
    }
    for (std::string_view n : {"apple", "bitbucket", "box", "discord", "facebook", "gitea", "gitee", "github", "gitlab",
                               "google", "instagram2", "kakao", "lark", "linear", "livechat", "mailcow", "microsoft",
                               "monday", "notion", "oidc", "oidc2", "oidc3", "patreon", "planningcenter", "spotify",
                               "strava", "trakt", "twitch", "twitter", "vk", "wakatime", "yandex"}) {
        EXPECT_TRUE(names.count(n) == 1) << n;
    }
    EXPECT_EQ(FindProvider("nope"), nullptr);
    const ProviderInfo* g = FindProvider("google");
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->display_name, "Google");
    EXPECT_EQ(g->token_url, "https://oauth2.googleapis.com/token");
    EXPECT_TRUE(g->pkce);
    EXPECT_FALSE(FindProvider("linear")->pkce);
    EXPECT_FALSE(FindProvider("bitbucket")->pkce);
}

TEST(OAuth2Pkce, S256MatchesRfc7636TestVector) {
    // RFC 7636 Appendix B.
    EXPECT_EQ(S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    // Cross-checked with Python's hashlib + base64.urlsafe_b64encode, padding stripped.
    EXPECT_EQ(S256Challenge("dBjftJeZ4CVP-mJ92IGxiVLJWxb7tDvB2MMCg7Ag8gk"), "p7U_5ggUY7Ywsq70o2rShl9KEBBAmHOvoIRp2WMmak8");
}

TEST(OAuth2Config, CollectionValuesOverrideTheCatalogue) {
    ProviderConfig p = Resolve(R"({"name":"gitlab","clientId":"id1","clientSecret":"s","authURL":"https://git.example/oauth/authorize",
        "tokenURL":"","userInfoURL":"","displayName":"","pkce":false,"extra":null})");
    EXPECT_EQ(p.auth_url, "https://git.example/oauth/authorize");
    EXPECT_EQ(p.token_url, "https://gitlab.com/oauth/token");
    EXPECT_EQ(p.display_name, "GitLab");
    EXPECT_FALSE(p.pkce);
    EXPECT_EQ(p.client_secret, "s");
    EXPECT_FALSE(ResolveProvider(bj::parse(R"({"name":"myspace"})").as_object()).has_value());
    EXPECT_EQ(Resolve(R"({"name":"oidc","displayName":"Corp SSO"})").display_name, "Corp SSO");
}

TEST(OAuth2AuthUrl, SortedQueryLikeGoWithPkceAndTrailingRedirect) {
    ProviderConfig p = Resolve(R"({"name":"google","clientId":"test client"})");
    EXPECT_EQ(BuildAuthUrl(p, "st", "ch"),
              "https://accounts.google.com/o/oauth2/v2/auth?client_id=test+client&code_challenge=ch&"
              "code_challenge_method=S256&response_type=code&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile"
              "+https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.email&state=st");

    AuthStart s = StartAuth(p);
    EXPECT_EQ(s.state.size(), 30u);
    EXPECT_EQ(s.code_verifier.size(), 43u);
    EXPECT_EQ(s.code_challenge, S256Challenge(s.code_verifier));
    EXPECT_EQ(s.code_challenge_method, "S256");
    EXPECT_TRUE(s.auth_url.ends_with("&state=" + s.state + "&redirect_uri=")) << s.auth_url;
    EXPECT_NE(s.auth_url.find("code_challenge=" + s.code_challenge + "&"), std::string::npos);
    EXPECT_NE(StartAuth(p).state, s.state);

    ProviderConfig linear = Resolve(R"({"name":"linear","clientId":"x"})");
    AuthStart l = StartAuth(linear);
    EXPECT_EQ(l.code_verifier, "");
    EXPECT_EQ(l.code_challenge, "");
    EXPECT_EQ(l.code_challenge_method, "");
    EXPECT_EQ(l.auth_url, "https://linear.app/oauth/authorize?client_id=x&response_type=code&scope=read&state=" + l.state +
                              "&redirect_uri=");

    ProviderConfig apple = Resolve(R"({"name":"apple","clientId":"a","pkce":false})");
    EXPECT_EQ(BuildAuthUrl(apple, "s", ""),
              "https://appleid.apple.com/auth/authorize?client_id=a&response_mode=form_post&response_type=code&"
              "scope=name+email&state=s");
    ProviderConfig q = Resolve(R"({"name":"oidc","clientId":"c","authURL":"https://idp.example/auth?tenant=1","pkce":false})");
    EXPECT_EQ(BuildAuthUrl(q, "s", ""),
              "https://idp.example/auth?tenant=1&client_id=c&response_type=code&scope=openid+email+profile&state=s");
}

TEST(OAuth2MapUser, OidcAcceptsTheEmailOnlyWhenVerified) {
    ProviderConfig p = Resolve(R"({"name":"oidc"})");
    OAuth2User u = MapUser(p, bj::parse(R"({"sub":"alice-1","name":"Alice","preferred_username":"alice",
        "email":"alice@example.com","email_verified":true,"picture":"https://img/a.png"})").as_object());
    EXPECT_EQ(u.id, "alice-1");
    EXPECT_EQ(u.name, "Alice");
    EXPECT_EQ(u.username, "alice");
    EXPECT_EQ(u.email, "alice@example.com");
    EXPECT_EQ(u.avatar_url, "https://img/a.png");
    EXPECT_EQ(u.raw_user.at("sub"), "alice-1");
    EXPECT_EQ(MapUser(p, bj::parse(R"({"sub":"b","email":"b@example.com","email_verified":false})").as_object()).email, "");
    EXPECT_EQ(MapUser(p, bj::parse(R"({"sub":"b","email":"b@example.com"})").as_object()).email, "");
    EXPECT_EQ(MapUser(p, bj::parse(R"({"sub":"b","email":"b@example.com","email_verified":"true"})").as_object()).email,
              "b@example.com");
}

TEST(OAuth2MapUser, ProviderSpecificShapes) {
    OAuth2User gh = MapUser(Resolve(R"({"name":"github"})"),
                            bj::parse(R"({"id":12345,"login":"octo","name":"Octo Cat","email":"o@example.com",
                                "avatar_url":"https://a/o.png"})").as_object());
    EXPECT_EQ(gh.id, "12345");
    EXPECT_EQ(gh.username, "octo");
    EXPECT_EQ(gh.email, "o@example.com");

    OAuth2User gl = MapUser(Resolve(R"({"name":"gitlab"})"),
                            bj::parse(R"({"id":7,"username":"gl","name":"G L","email":"g@example.com"})").as_object());
    EXPECT_EQ(gl.id, "7");
    EXPECT_EQ(gl.username, "gl");

    OAuth2User d = MapUser(Resolve(R"({"name":"discord"})"),
                           bj::parse(R"({"id":"80351110224678912","username":"Nelly","discriminator":"1337",
                               "avatar":"8342729096ea3675442027381ff50dfe","verified":true,"email":"n@example.com"})")
                               .as_object());
    EXPECT_EQ(d.name, "Nelly#1337");
    EXPECT_EQ(d.username, "Nelly");
    EXPECT_EQ(d.email, "n@example.com");
    EXPECT_EQ(d.avatar_url, "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png");
    EXPECT_EQ(MapUser(Resolve(R"({"name":"discord"})"),
                      bj::parse(R"({"id":"1","verified":false,"email":"n@example.com"})").as_object())
                  .email,
              "");

    OAuth2User ms = MapUser(Resolve(R"({"name":"microsoft"})"),
                            bj::parse(R"({"id":"m1","displayName":"Meg","mail":"meg@example.com"})").as_object());
    EXPECT_EQ(ms.id, "m1");
    EXPECT_EQ(ms.name, "Meg");
    EXPECT_EQ(ms.email, "meg@example.com");

    OAuth2User g = MapUser(Resolve(R"({"name":"google"})"),
                           bj::parse(R"({"sub":"g1","name":"Gee","email":"g@example.com","email_verified":true,
                               "picture":"https://p"})").as_object());
    EXPECT_EQ(g.id, "g1");
    EXPECT_EQ(g.username, "");  // Google has no username
    EXPECT_EQ(g.email, "g@example.com");

    OAuth2User tw = MapUser(Resolve(R"({"name":"twitch"})"),
                            bj::parse(R"({"data":[{"id":"t","login":"tl","display_name":"T L"}]})").as_object());
    EXPECT_EQ(tw.id, "t");
    EXPECT_EQ(tw.username, "tl");
    EXPECT_EQ(tw.name, "T L");
}

TEST(OAuth2Token, ParsesJsonAndFormResponses) {
    auto j = ParseTokenResponse({200, "application/json; charset=utf-8",
                                 R"({"access_token":"at","refresh_token":"rt","expires_in":3600,"token_type":"Bearer"})"});
    ASSERT_TRUE(j) << j.error().message;
    EXPECT_EQ(j->access_token, "at");
    EXPECT_EQ(j->refresh_token, "rt");
    ASSERT_TRUE(j->expiry.has_value());
    EXPECT_GT(*j->expiry, Now() + std::chrono::seconds(3500));

    auto f = ParseTokenResponse({200, "application/x-www-form-urlencoded", "access_token=a%2Fb&scope=read%3Auser&token_type=bearer"});
    ASSERT_TRUE(f);
    EXPECT_EQ(f->access_token, "a/b");
    EXPECT_FALSE(f->expiry.has_value());

    auto bad = ParseTokenResponse({400, "application/json", R"({"error":"invalid_grant"})"});
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("invalid_grant"), std::string::npos);
    auto missing = ParseTokenResponse({200, "application/json", R"({"error":"bad_verification_code"})"});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("missing access_token"), std::string::npos);
}

TEST(OAuth2IdToken, ChecksAudienceAndExpiry) {
    // {"alg":"none"} . {"sub":"s1","aud":"client","email":"e@x.io","email_verified":true,"exp":4102444800}
    const std::string ok = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzMSIsImF1ZCI6ImNsaWVudCIsImVtYWlsIjoiZUB4LmlvIiwiZW1haWxfdmVy"
                           "aWZpZWQiOnRydWUsImV4cCI6NDEwMjQ0NDgwMH0.";
    auto claims = IdTokenClaims(ok, "client");
    ASSERT_TRUE(claims) << claims.error().message;
    EXPECT_EQ(claims->at("sub"), "s1");
    EXPECT_FALSE(IdTokenClaims(ok, "other"));
    // {"sub":"s1","aud":["client"],"exp":1000}
    EXPECT_FALSE(IdTokenClaims("eyJhbGciOiJub25lIn0.eyJzdWIiOiJzMSIsImF1ZCI6WyJjbGllbnQiXSwiZXhwIjoxMDAwfQ.", "client"));
    EXPECT_FALSE(IdTokenClaims("", "client"));
    EXPECT_FALSE(IdTokenClaims("abc", "client"));
}

std::string B64Url(std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0) {
        out += kAlphabet[(acc << (6 - bits)) & 63];
    }
    return out;
}

std::string BnBytes(const EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
}

std::string SignRs256(EVP_PKEY* key, const std::string& input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()), 1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
              1);
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return sig;
}

TEST(OAuth2IdToken, Rs256SignatureAgainstAJwks) {
    EVP_PKEY* key = EVP_RSA_gen(2048);
    ASSERT_NE(key, nullptr);
    const std::string jwks = R"({"keys":[{"kty":"RSA","kid":"other","n":"AQAB","e":"AQAB"},{"kty":"RSA","kid":"k1","alg":"RS256","n":")" +
                             B64Url(BnBytes(key, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
                             B64Url(BnBytes(key, OSSL_PKEY_PARAM_RSA_E)) + R"("}]})";
    const std::string signed_part = B64Url(R"({"alg":"RS256","kid":"k1"})") + "." + B64Url(R"({"sub":"s1","aud":"c"})");
    const std::string token = signed_part + "." + B64Url(SignRs256(key, signed_part));
    auto ok = VerifyJwtSignature(token, jwks);
    EXPECT_TRUE(ok) << (ok ? "" : ok.error().message);

    // Another payload under the same signature, an unknown kid, a mismatched alg, no kid.
    const std::string forged = B64Url(R"({"alg":"RS256","kid":"k1"})") + "." + B64Url(R"({"sub":"s2","aud":"c"})") +
                               token.substr(signed_part.size());
    EXPECT_FALSE(VerifyJwtSignature(forged, jwks));
    const std::string other_kid = B64Url(R"({"alg":"RS256","kid":"k9"})") + "." + B64Url(R"({"sub":"s1"})");
    EXPECT_FALSE(VerifyJwtSignature(other_kid + "." + B64Url(SignRs256(key, other_kid)), jwks));
    const std::string rs512 = B64Url(R"({"alg":"RS512","kid":"k1"})") + "." + B64Url(R"({"sub":"s1"})");
    EXPECT_FALSE(VerifyJwtSignature(rs512 + "." + B64Url(SignRs256(key, rs512)), jwks));
    const std::string no_kid = B64Url(R"({"alg":"RS256"})") + "." + B64Url(R"({"sub":"s1"})");
    EXPECT_FALSE(VerifyJwtSignature(no_kid + "." + B64Url(SignRs256(key, no_kid)), jwks));
    EXPECT_FALSE(VerifyJwtSignature(token, "not json"));
    EVP_PKEY_free(key);
}

TEST(OAuth2Http, UnreachableHostIsAnErrorNotAHang) {
    HttpOptions o;
    o.timeout = std::chrono::milliseconds(2000);
    auto r = HttpFetch({"GET", "http://127.0.0.1:1/", {}, {}}, o);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    auto scheme = HttpFetch({"GET", "file:///etc/passwd", {}, {}}, o);
    EXPECT_FALSE(scheme);
}

TEST(OAuth2Escape, QueryEscapeLikeGo) {
    EXPECT_EQ(QueryEscape("a b/c~d_e.f-g&h=i"), "a+b%2Fc~d_e.f-g%26h%3Di");
}

}  // namespace
}  // namespace basalt::auth
