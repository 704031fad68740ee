// Auth endpoints on the fixture (pocketbase-api.md §2.5.2, §8.2): password login, token use and
// the guards that turn bad identities into 401/403.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

constexpr std::string_view kSuperuserLogin =
    R"({"identity":"test@example.com","password":"1234567890"})";

std::vector<Scenario> AuthScenarios() {
    return {
        {.name = "superuser auth with password",
         .method = "POST",
         .url = "/api/collections/_superusers/auth-with-password",
         .headers = JsonHeaders(),
         .body = std::string(kSuperuserLogin),
         .expected_content = {R"("token":")", R"("record":{)", R"("email":"test@example.com")",
                              R"("collectionName":"_superusers")"},
         .not_expected_content = {"tokenKey", "\"password\""},
         .fresh = true},
        {.name = "superuser wrong password",
         .method = "POST",
         .url = "/api/collections/_superusers/auth-with-password",
         .headers = JsonHeaders(),
         .body = R"({"identity":"test@example.com","password":"wrong-password"})",
         .expected_status = 400,
         .expected_content = {R"("message":"Failed to authenticate.")", R"("data":{})"},
         .not_expected_content = {"token"}},
        {.name = "superuser unknown identity",
         .method = "POST",
         .url = "/api/collections/_superusers/auth-with-password",
         .headers = JsonHeaders(),
         .body = R"({"identity":"nobody@example.com","password":"1234567890"})",
         .expected_status = 400,
         .expected_content = {R"("message":"Failed to authenticate.")"}},
        {.name = "auth with password missing fields",
         .method = "POST",
         .url = "/api/collections/_superusers/auth-with-password",
         .headers = JsonHeaders(),
         .body = "{}",
         .expected_status = 400,
         .expected_content = {R"("identity":{"code":"validation_required")",
                              R"("password":{"code":"validation_required")"}},
        {.name = "clients auth with password",
         .method = "POST",
         .url = "/api/collections/clients/auth-with-password",
         .headers = JsonHeaders(),
         .body = R"({"identity":"test@example.com","password":"1234567890"})",
         .expected_content = {R"("token":")", R"("email":"test@example.com")"},
         .not_expected_content = {"tokenKey", "\"password\""},
         .fresh = true},
        {.name = "clients unverified blocked by authRule",
         .method = "POST",
         .url = "/api/collections/clients/auth-with-password",
         .headers = JsonHeaders(),
         .body = R"({"identity":"test2@example.com","password":"1234567890"})",
         .expected_status = 403,
         .fresh = true},
        {.name = "auth with password on base collection",
         .method = "POST",
         .url = "/api/collections/demo1/auth-with-password",
         .headers = JsonHeaders(),
         .body = std::string(kSuperuserLogin),
         .expected_status = 404},
        {.name = "auth refresh as guest",
         .method = "POST",
         .url = "/api/collections/users/auth-refresh",
         .expected_status = 401},
        {.name = "auth refresh superuser on users",
         .method = "POST",
         .url = "/api/collections/users/auth-refresh",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 403},
        {.name = "auth refresh user",
         .method = "POST",
         .url = "/api/collections/users/auth-refresh",
         .headers = AuthHeader(kUserToken),
         .expected_content = {R"("token":")", R"("id":"4q1xlclmfloku33")"},
         .fresh = true},
    };
}

class AuthApi : public ::testing::TestWithParam<Scenario> {};

TEST_P(AuthApi, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         AuthApi,
                         ::testing::ValuesIn(AuthScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

TEST(AuthFlow, PasswordTokenIsUsable) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const HttpResponse login = Send(server.port(),
                                    {.method = "POST",
                                     .target = "/api/collections/_superusers/auth-with-password",
                                     .headers = JsonHeaders(),
                                     .body = std::string(kSuperuserLogin)});
    ASSERT_EQ(login.status, 200) << login.body;
    const auto doc = boost::json::parse(login.body);
    const std::string token(doc.at("token").as_string());
    EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);

    const HttpResponse list = Send(server.port(),
                                   {.target = "/api/collections/demo1/records",
                                    .headers = AuthHeader(token)});
    EXPECT_EQ(list.status, 200) << list.body;
    const HttpResponse collections =
        Send(server.port(), {.target = "/api/collections", .headers = AuthHeader(token)});
    EXPECT_EQ(collections.status, 200);
    const HttpResponse bearer = Send(server.port(),
                                     {.target = "/api/collections",
                                      .headers = {{"Authorization", "bearer " + token}}});
    EXPECT_EQ(bearer.status, 200);
    const HttpResponse tampered = Send(server.port(),
                                       {.target = "/api/collections",
                                        .headers = AuthHeader(token.substr(0, token.size() - 3))});
    EXPECT_EQ(tampered.status, 401);
}

/// The static user token's holder viewing their own record (users' viewRule: only themselves).
HttpResponse ViewOwnRecord(int port) {
    return Send(port, {.target = "/api/collections/users/records/4q1xlclmfloku33", .headers = AuthHeader(kUserToken)});
}

TEST(AuthFlow, PasswordChangeInvalidatesOldTokens) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    // Used once before the change, so that its record is in the token cache.
    const HttpResponse before = ViewOwnRecord(server.port());
    ASSERT_EQ(before.status, 200) << before.body;
    const HttpResponse changed =
        PatchAsSuperuser(server.port(), "/api/collections/users/records/4q1xlclmfloku33",
                         R"({"password":"new-password-1","passwordConfirm":"new-password-1"})");
    ASSERT_EQ(changed.status, 200) << changed.body;
    {
        Db db(server.db_path().string());
        EXPECT_NE(db.QueryText("SELECT tokenKey FROM users WHERE id='4q1xlclmfloku33'"),
                  "tfYe7rCTX4D2KuWQY3pJjBifgsrMbecyXBatEPjrSfGEGS2jh6");
        const auto hash = db.QueryText("SELECT password FROM users WHERE id='4q1xlclmfloku33'");
        ASSERT_TRUE(hash.has_value());
        EXPECT_TRUE(hash->starts_with("$2a$")) << *hash;
    }
    // The static user token was signed with the old tokenKey: now a guest.
    const HttpResponse own = ViewOwnRecord(server.port());
    EXPECT_EQ(own.status, 404);
}

// A new authToken secret for the collection refuses every token signed with the old one at
// once, also a token that was just accepted (and whose check the server remembers).
TEST(AuthFlow, RotatingTheTokenSecretInvalidatesOldTokens) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    for (int i = 0; i < 3; ++i) {
        const HttpResponse before = ViewOwnRecord(server.port());
        ASSERT_EQ(before.status, 200) << before.body;
    }
    const HttpResponse rotated =
        PatchAsSuperuser(server.port(), "/api/collections/users",
                         R"({"authToken":{"secret":"a-brand-new-secret-of-more-than-thirty-characters"}})");
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    const HttpResponse own = ViewOwnRecord(server.port());
    EXPECT_EQ(own.status, 404);
    const HttpResponse refresh =
        Send(server.port(),
             {.method = "POST", .target = "/api/collections/users/auth-refresh", .headers = AuthHeader(kUserToken)});
    EXPECT_EQ(refresh.status, 401) << refresh.body;
}

}  // namespace
}  // namespace basalt::e2e
