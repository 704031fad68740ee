// OAuth2 on the PocketBase fixture (pocketbase-api.md §2.2, §2.5.1, §2.5.6): the providers that
// `users` configures (gitlab, google) in auth-methods, the provider catalogue, and the
// auth-with-oauth2 checks that need no provider. The full code flow against a real OpenID
// Connect provider is in tests/sdk (OAuth2 sign-in).
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

namespace bj = boost::json;

std::string S256(const std::string& verifier) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), md);
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (unsigned char b : md) {
        acc = (acc << 8) | b;
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

std::vector<std::string> Keys(const bj::object& o) {
    std::vector<std::string> keys;
    for (const auto& kv : o) {
        keys.emplace_back(kv.key());
    }
    return keys;
}

std::string Str(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

class OAuth2 : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string err = server_.Start();
        ASSERT_TRUE(err.empty()) << err;
    }

    HttpResponse Call(std::string method, const std::string& url, const std::string& body = {},
                      std::string_view token = {}) {
        HttpResponse r = Send(server_.port(), {.method = std::move(method), .target = url, .headers = JsonHeaders(token),
                                               .body = body});
        EXPECT_TRUE(r.error.empty()) << url << ": " << r.error;
        return r;
    }

    ServerProcess server_;
};

TEST_F(OAuth2, AuthMethodsListTheConfiguredProvidersWithPkce) {
    HttpResponse r = Call("GET", "/api/collections/users/auth-methods");
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = bj::parse(r.body).as_object();
    auto oauth2 = body["oauth2"].as_object();
    EXPECT_EQ(Keys(oauth2), (std::vector<std::string>{"providers", "enabled"}));
    EXPECT_EQ(oauth2["enabled"], true);
    auto& providers = oauth2["providers"].as_array();
    ASSERT_EQ(providers.size(), 2u) << r.body;
    const std::vector<std::string> expected_keys{"name", "displayName", "logo", "state", "authURL", "authUrl",
                                                 "codeVerifier", "codeChallenge", "codeChallengeMethod"};
    // The collection's order: gitlab (clientId test1), then google (clientId test).
    const std::vector<std::pair<std::string, std::string>> want{
        {"gitlab", "https://gitlab.com/oauth/authorize?client_id=test1&code_challenge="},
        {"google", "https://accounts.google.com/o/oauth2/v2/auth?client_id=test&code_challenge="}};
    for (std::size_t i = 0; i < want.size(); ++i) {
        auto& p = providers[i].as_object();
        EXPECT_EQ(Keys(p), expected_keys);
        EXPECT_EQ(Str(p, "name"), want[i].first);
        const std::string state = Str(p, "state");
        const std::string verifier = Str(p, "codeVerifier");
        const std::string challenge = Str(p, "codeChallenge");
        EXPECT_EQ(state.size(), 30u);
        EXPECT_EQ(verifier.size(), 43u);
        EXPECT_EQ(challenge, S256(verifier));
        EXPECT_EQ(Str(p, "codeChallengeMethod"), "S256");
        const std::string url = Str(p, "authURL");
        EXPECT_EQ(url, Str(p, "authUrl"));
        EXPECT_EQ(url.rfind(want[i].second + challenge + "&code_challenge_method=S256&response_type=code&scope=", 0), 0u)
            << url;
        EXPECT_TRUE(url.ends_with("&state=" + state + "&redirect_uri=")) << url;
    }
    EXPECT_EQ(Str(providers[0].as_object(), "displayName"), "GitLab");
    EXPECT_EQ(Str(providers[1].as_object(), "displayName"), "Google");
    EXPECT_NE(Str(providers[1].as_object(), "authURL").find("&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile+"),
              std::string::npos);

    // The legacy copy: the same entries without the logo.
    auto& legacy = body["authProviders"].as_array();
    ASSERT_EQ(legacy.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        bj::object expected;
        for (const auto& kv : providers[i].as_object()) {
            if (kv.key() != "logo") {
                expected[kv.key()] = kv.value();
            }
        }
        EXPECT_EQ(bj::serialize(legacy[i]), bj::serialize(expected));
    }

    // Fresh values on every call.
    auto again = bj::parse(Call("GET", "/api/collections/users/auth-methods").body).as_object();
    EXPECT_NE(Str(again["oauth2"].as_object()["providers"].as_array()[0].as_object(), "state"),
              Str(providers[0].as_object(), "state"));

    // OAuth2 disabled: nothing listed even though nologin configures gitlab.
    auto off = bj::parse(Call("GET", "/api/collections/nologin/auth-methods").body).as_object();
    EXPECT_EQ(bj::serialize(off["oauth2"]), R"({"providers":[],"enabled":false})");
    EXPECT_EQ(bj::serialize(off["authProviders"]), "[]");
}

TEST_F(OAuth2, ProviderCatalogueIsForSuperusers) {
    EXPECT_EQ(Call("GET", "/api/collections/meta/oauth2-providers").status, 401);
    EXPECT_EQ(Call("GET", "/api/collections/meta/oauth2-providers", {}, kUserToken).status, 403);
    HttpResponse r = Call("GET", "/api/collections/meta/oauth2-providers", {}, kSuperuserToken);
    ASSERT_EQ(r.status, 200) << r.body;
    auto list = bj::parse(r.body).as_array();
    EXPECT_GE(list.size(), 30u);
    std::map<std::string, std::string> display;
    for (const auto& v : list) {
        const auto& o = v.as_object();
        EXPECT_EQ(Keys(o), (std::vector<std::string>{"name", "displayName", "logo"}));
        display[Str(o, "name")] = Str(o, "displayName");
    }
    EXPECT_EQ(display["google"], "Google");
    EXPECT_EQ(display["github"], "GitHub");
    EXPECT_EQ(display["gitlab"], "GitLab");
    EXPECT_EQ(display["oidc"], "OIDC");
    EXPECT_EQ(display["microsoft"], "Microsoft");
    EXPECT_EQ(display.count("oidc3"), 1u);
}

TEST_F(OAuth2, AuthWithOAuth2ChecksBeforeTalkingToTheProvider) {
    const std::string url = "/api/collections/users/auth-with-oauth2";
    HttpResponse r = Call("POST", url, "{}");
    EXPECT_EQ(r.status, 400) << r.body;
    auto data = bj::parse(r.body).as_object()["data"].as_object();
    EXPECT_EQ(Str(data["provider"].as_object(), "code"), "validation_required");
    EXPECT_EQ(Str(data["code"].as_object(), "code"), "validation_required");
    EXPECT_EQ(Str(bj::parse(r.body).as_object(), "message"), "An error occurred while loading the submitted data.");

    r = Call("POST", url, R"({"provider":"github","code":"c","redirectURL":"http://x/cb"})");
    EXPECT_EQ(r.status, 400) << r.body;
    data = bj::parse(r.body).as_object()["data"].as_object();
    EXPECT_EQ(bj::serialize(data), R"({"provider":{"code":"validation_invalid_provider",)"
                                    R"("message":"Provider with name github is missing or is not enabled.",)"
                                    R"("params":{"name":"github"}}})");

    // The deprecated redirectUrl alias satisfies the redirect requirement.
    r = Call("POST", url, R"({"provider":"nope","code":"c","redirectUrl":"http://x/cb"})");
    EXPECT_EQ(r.body.find("redirectURL"), std::string::npos) << r.body;

    EXPECT_EQ(Call("POST", "/api/collections/nologin/auth-with-oauth2", R"({"provider":"gitlab"})").status, 403);
    EXPECT_EQ(Call("POST", "/api/collections/demo1/auth-with-oauth2", R"({"provider":"gitlab"})").status, 404);
    EXPECT_EQ(Call("POST", "/api/collections/missing/auth-with-oauth2", R"({"provider":"gitlab"})").status, 404);
}

TEST_F(OAuth2, CollectionsMayOnlyEnableKnownProviders) {
    const std::string body = R"({"name":"fans","type":"auth","oauth2":{"enabled":true,"providers":[)"
                             R"({"name":"google","clientId":"a","clientSecret":"b"},)"
                             R"({"name":"myspace","clientId":"a","clientSecret":"b"},)"
                             R"({"name":"friendster"}]}})";
    HttpResponse r = Call("POST", "/api/collections", body, kSuperuserToken);
    ASSERT_EQ(r.status, 400) << r.body;
    auto providers = bj::parse(r.body).as_object()["data"].as_object()["oauth2"].as_object()["providers"].as_object();
    EXPECT_EQ(providers.count("0"), 0u);
    EXPECT_EQ(bj::serialize(providers["1"]), R"({"name":{"code":"validation_missing_provider",)"
                                             R"("message":"Invalid or missing provider with name myspace.",)"
                                             R"("params":{"name":"myspace"}}})");
    // Both problems of one entry are reported.
    auto third = providers["2"].as_object();
    EXPECT_EQ(Str(third["name"].as_object(), "code"), "validation_missing_provider");
    EXPECT_EQ(Str(third["clientId"].as_object(), "code"), "validation_required");

    // Disabled: not checked (PocketBase validates providers only when OAuth2 is on).
    EXPECT_EQ(Call("POST", "/api/collections",
                   R"({"name":"fans","type":"auth","oauth2":{"enabled":false,"providers":[{"name":"myspace"}]}})",
                   kSuperuserToken)
                  .status,
              200);
}

TEST_F(OAuth2, UnreachableTokenEndpointIsA400AndNothingIsWritten) {
    // Point google's token URL at a closed loopback port.
    HttpResponse patch = Call("PATCH", "/api/collections/users",
                              R"({"oauth2":{"providers":[{"name":"google","clientId":"test","clientSecret":"test2",)"
                              R"("tokenURL":"http://127.0.0.1:1/token"}]}})",
                              kSuperuserToken);
    ASSERT_EQ(patch.status, 200) << patch.body;
    Db db(server_.db_path().string());
    const std::int64_t links = db.QueryInt("SELECT count(*) FROM _externalAuths");
    HttpResponse r = Call("POST", "/api/collections/users/auth-with-oauth2",
                          R"({"provider":"google","code":"abc","codeVerifier":"v","redirectURL":"http://127.0.0.1/cb"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(bj::serialize(bj::parse(r.body)), R"({"data":{},"message":"Failed to fetch OAuth2 token.","status":400})");
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _externalAuths"), links);
}

}  // namespace
}  // namespace basalt::e2e
