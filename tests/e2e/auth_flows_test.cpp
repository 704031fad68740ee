// Auth flows with real mail (pocketbase-api.md §2.5): a copy of the fixture, a real SMTP server
// on loopback (tests/support/smtp_sink.py) configured through PATCH /api/settings, and the
// links, tokens and codes read back from the delivered messages.
#include <gtest/gtest.h>

#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

namespace bj = boost::json;

class AuthFlows : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string sink_err = sink_.Start();
        ASSERT_TRUE(sink_err.empty()) << sink_err;
        const std::string err = server_.Start();
        ASSERT_TRUE(err.empty()) << err;
        HttpResponse r = Post("/api/settings",
                              R"({"smtp":{"enabled":true,"host":"127.0.0.1","port":)" + std::to_string(sink_.port()) +
                                  R"(},"meta":{"appName":"Basalt Test","senderAddress":"no-reply@example.com"}})",
                              kSuperuserToken, "PATCH");
        ASSERT_EQ(r.status, 200) << r.body;
    }

    HttpResponse Post(const std::string& url, const std::string& body, std::string_view token = {},
                      std::string method = "POST", Headers extra = {}) {
        Headers h = JsonHeaders(token);
        h.insert(h.end(), extra.begin(), extra.end());
        HttpResponse r = Send(server_.port(), {.method = std::move(method), .target = url, .headers = h, .body = body});
        EXPECT_TRUE(r.error.empty()) << url << ": " << r.error << "\nserver output:\n" << server_.Output();
        return r;
    }

    /// The n-th delivered message (1-based), waiting for it.
    bj::object Mail(std::size_t n) {
        auto msgs = sink_.WaitForMessages(n);
        if (msgs.size() < n) {
            ADD_FAILURE() << "expected " << n << " mails, got " << msgs.size();
            return {};
        }
        return bj::parse(msgs[n - 1]).as_object();
    }

    static std::string Str(const bj::object& o, std::string_view key) {
        auto it = o.find(key);
        return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
    }

    /// The token of a link ".../{TOKEN}" in the html of a mail.
    static std::string TokenIn(const bj::object& mail) {
        std::smatch m;
        const std::string html = Str(mail, "html");
        if (std::regex_search(html, m, std::regex(R"(([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+))"))) {
            return m[1];
        }
        return {};
    }

    std::int64_t Int(const std::string& sql) {
        Db db(server_.db_path().string());
        return db.QueryInt(sql);
    }
    std::string Text(const std::string& sql) {
        Db db(server_.db_path().string());
        return db.QueryText(sql).value_or("<none>");
    }

    SmtpSink sink_;
    ServerProcess server_;
};

TEST_F(AuthFlows, AuthMethodsReportTheCollectionsOptions) {
    HttpResponse r = Send(server_.port(), {.target = "/api/collections/users/auth-methods"});
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = bj::parse(r.body).as_object();
    EXPECT_EQ(o["password"].as_object()["enabled"], true);
    EXPECT_EQ(bj::serialize(o["password"].as_object()["identityFields"]), R"(["email","username"])");
    EXPECT_EQ(bj::serialize(o["mfa"]), R"({"enabled":true,"duration":1800})");
    EXPECT_EQ(bj::serialize(o["otp"]), R"({"enabled":true,"duration":300})");
    EXPECT_EQ(o["emailPassword"], true);
    r = Send(server_.port(), {.target = "/api/collections/nologin/auth-methods?fields=password,mfa"});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(bj::serialize(bj::parse(r.body)),
              R"({"mfa":{"enabled":false,"duration":0},"password":{"enabled":false,"identityFields":[]}})");
    EXPECT_EQ(Send(server_.port(), {.target = "/api/collections/demo1/auth-methods"}).status, 404);
}

// users has MFA on: the password answers 401 {mfaId}; an OTP by mail completes the sign-in.
TEST_F(AuthFlows, MfaWithPasswordThenOtpFromTheMail) {
    HttpResponse first = Post("/api/collections/users/auth-with-password",
                              R"({"identity":"test@example.com","password":"1234567890"})");
    ASSERT_EQ(first.status, 401) << first.body;
    const std::string mfa_id(bj::parse(first.body).as_object()["mfaId"].as_string());
    ASSERT_EQ(mfa_id.size(), 15u);
    EXPECT_EQ(Int("SELECT count(*) FROM _mfas WHERE id='" + mfa_id + "' AND method='password'"), 1);

    // The same method again is not a second factor.
    HttpResponse again = Post("/api/collections/users/auth-with-password?mfaId=" + mfa_id,
                              R"({"identity":"test@example.com","password":"1234567890"})");
    EXPECT_EQ(again.status, 400) << again.body;
    EXPECT_NE(again.body.find("A different authentication method is required."), std::string::npos) << again.body;

    HttpResponse otp = Post("/api/collections/users/request-otp", R"({"email":"test@example.com"})");
    ASSERT_EQ(otp.status, 200) << otp.body;
    const std::string otp_id(bj::parse(otp.body).as_object()["otpId"].as_string());
    bj::object mail = Mail(1);
    EXPECT_EQ(Str(mail, "subject"), "OTP for Basalt Test");
    EXPECT_EQ(bj::serialize(mail["rcpt_tos"]), R"(["test@example.com"])");
    std::smatch m;
    const std::string html = Str(mail, "html");
    ASSERT_TRUE(std::regex_search(html, m, std::regex(R"(<strong>([0-9]{8})</strong>)"))) << html;
    const std::string code = m[1];
    EXPECT_EQ(html.find("tokenKey"), std::string::npos);  // hidden fields never render

    HttpResponse wrong = Post("/api/collections/users/auth-with-otp",
                              R"({"otpId":")" + otp_id + R"(","password":"00000000","mfaId":")" + mfa_id + R"("})");
    EXPECT_EQ(wrong.status, 400) << wrong.body;
    EXPECT_NE(wrong.body.find("Invalid or expired OTP."), std::string::npos) << wrong.body;

    HttpResponse done = Post("/api/collections/users/auth-with-otp",
                             R"({"otpId":")" + otp_id + R"(","password":")" + code + R"(","mfaId":")" + mfa_id + R"("})");
    ASSERT_EQ(done.status, 200) << done.body;
    auto body = bj::parse(done.body).as_object();
    EXPECT_EQ(body["record"].as_object()["email"], "test@example.com");
    EXPECT_FALSE(Str(body, "token").empty());
    EXPECT_EQ(Int("SELECT count(*) FROM _mfas WHERE id='" + mfa_id + "'"), 0);
    EXPECT_EQ(Int("SELECT count(*) FROM _otps WHERE id='" + otp_id + "'"), 0);
    // The OTP went to the record's own email: the unverified record is now verified.
    EXPECT_EQ(Int("SELECT verified FROM users WHERE id='4q1xlclmfloku33'"), 1);

    // The token works.
    HttpResponse me = Send(server_.port(), {.target = "/api/collections/users/records/4q1xlclmfloku33",
                                            .headers = AuthHeader(Str(body, "token"))});
    EXPECT_EQ(me.status, 200) << me.body;
}

TEST_F(AuthFlows, OtpAnswersTheSameForUnknownEmailsAndLimitsAttempts) {
    HttpResponse unknown = Post("/api/collections/users/request-otp", R"({"email":"nobody@example.com"})");
    ASSERT_EQ(unknown.status, 200) << unknown.body;
    EXPECT_EQ(std::string(bj::parse(unknown.body).as_object()["otpId"].as_string()).size(), 15u);
    EXPECT_EQ(Int("SELECT count(*) FROM _otps"), 0);
    EXPECT_EQ(Post("/api/collections/users/request-otp", R"({"email":"not-an-email"})").status, 400);
    EXPECT_EQ(Post("/api/collections/nologin/request-otp", R"({"email":"test@example.com"})").status, 403);

    HttpResponse otp = Post("/api/collections/users/request-otp", R"({"email":"test2@example.com"})");
    ASSERT_EQ(otp.status, 200) << otp.body;
    const std::string otp_id(bj::parse(otp.body).as_object()["otpId"].as_string());
    EXPECT_EQ(Int("SELECT count(*) FROM _otps WHERE id='" + otp_id + "' AND sentTo='test2@example.com'"), 1);
    EXPECT_TRUE(Text("SELECT password FROM _otps WHERE id='" + otp_id + "'").starts_with("$2"));  // stored hashed
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(Post("/api/collections/users/auth-with-otp",
                       R"({"otpId":")" + otp_id + R"(","password":"1111111)" + std::to_string(i) + R"("})")
                      .status,
                  400);
    }
    HttpResponse limited = Post("/api/collections/users/auth-with-otp",
                                R"({"otpId":")" + otp_id + R"(","password":"11111119"})");
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_NE(limited.body.find("Too many attempts"), std::string::npos) << limited.body;
    EXPECT_EQ(Mail(1).size() > 0, true);
    EXPECT_EQ(sink_.MessagesJson().size(), 1u);  // the unknown address got nothing
}

TEST_F(AuthFlows, VerificationByMail) {
    EXPECT_EQ(Post("/api/collections/users/request-verification", R"({"email":"nobody@example.com"})").status, 204);
    EXPECT_EQ(Post("/api/collections/users/request-verification", R"({"email":"test2@example.com"})").status,
              204);  // already verified: nothing sent
    ASSERT_EQ(Post("/api/collections/users/request-verification", R"({"email":"test@example.com"})").status, 204);
    bj::object mail = Mail(1);
    EXPECT_EQ(Str(mail, "subject"), "Verify your Basalt Test email");
    const std::string token = TokenIn(mail);
    ASSERT_FALSE(token.empty()) << Str(mail, "html");
    EXPECT_EQ(Post("/api/collections/users/request-verification", R"({"email":"test@example.com"})").status,
              204);  // throttled: no second mail
    HttpResponse bad = Post("/api/collections/users/confirm-verification", R"({"token":"abc"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("validation_invalid_token"), std::string::npos) << bad.body;
    HttpResponse other = Post("/api/collections/clients/confirm-verification", R"({"token":")" + token + R"("})");
    EXPECT_NE(other.body.find("validation_token_collection_mismatch"), std::string::npos) << other.body;
    EXPECT_EQ(Int("SELECT verified FROM users WHERE id='4q1xlclmfloku33'"), 0);
    ASSERT_EQ(Post("/api/collections/users/confirm-verification", R"({"token":")" + token + R"("})").status, 204);
    EXPECT_EQ(Int("SELECT verified FROM users WHERE id='4q1xlclmfloku33'"), 1);
    EXPECT_EQ(sink_.MessagesJson().size(), 1u);
    EXPECT_EQ(Post("/api/collections/_superusers/request-verification", R"({"email":"test@example.com"})").status,
              400);
}

// clients has no MFA: a reset by mail changes the password and voids every earlier token.
TEST_F(AuthFlows, PasswordResetByMailRevokesSessions) {
    EXPECT_EQ(Post("/api/collections/clients/auth-refresh", "", kClientToken).status, 200);
    ASSERT_EQ(Post("/api/collections/clients/request-password-reset", R"({"email":"test@example.com"})").status, 204);
    const std::string token = TokenIn(Mail(1));
    ASSERT_FALSE(token.empty());
    HttpResponse mismatch = Post("/api/collections/clients/confirm-password-reset",
                                 R"({"token":")" + token + R"(","password":"new-password-1","passwordConfirm":"x"})");
    EXPECT_EQ(mismatch.status, 400);
    EXPECT_NE(mismatch.body.find("validation_values_mismatch"), std::string::npos) << mismatch.body;
    ASSERT_EQ(Post("/api/collections/clients/confirm-password-reset",
                   R"({"token":")" + token + R"(","password":"new-password-1","passwordConfirm":"new-password-1"})")
                  .status,
              204);
    EXPECT_EQ(Post("/api/collections/clients/auth-refresh", "", kClientToken).status, 401);  // tokenKey rotated
    EXPECT_EQ(Post("/api/collections/clients/auth-with-password",
                   R"({"identity":"test@example.com","password":"1234567890"})")
                  .status,
              400);
    HttpResponse login = Post("/api/collections/clients/auth-with-password",
                              R"({"identity":"test@example.com","password":"new-password-1"})");
    EXPECT_EQ(login.status, 200) << login.body;
    // The reset token was single-use: the tokenKey it was signed with is gone.
    EXPECT_EQ(Post("/api/collections/clients/confirm-password-reset",
                   R"({"token":")" + token + R"(","password":"new-password-2","passwordConfirm":"new-password-2"})")
                  .status,
              400);
    EXPECT_EQ(Post("/api/collections/nologin/request-password-reset", R"({"email":"test@example.com"})").status, 400);
}

TEST_F(AuthFlows, EmailChangeByMailToTheNewAddress) {
    EXPECT_EQ(Post("/api/collections/clients/request-email-change", R"({"newEmail":"new@example.com"})").status, 401);
    EXPECT_EQ(Post("/api/collections/users/request-email-change", R"({"newEmail":"new@example.com"})", kClientToken)
                  .status,
              403);
    HttpResponse same = Post("/api/collections/clients/request-email-change", R"({"newEmail":"test@example.com"})",
                             kClientToken);
    EXPECT_EQ(same.status, 400);
    EXPECT_NE(same.body.find("validation_not_in_invalid"), std::string::npos) << same.body;
    ASSERT_EQ(Post("/api/collections/clients/request-email-change", R"({"newEmail":"new@example.com"})", kClientToken)
                  .status,
              204);
    bj::object mail = Mail(1);
    EXPECT_EQ(bj::serialize(mail["rcpt_tos"]), R"(["new@example.com"])");
    const std::string token = TokenIn(mail);
    ASSERT_FALSE(token.empty());
    HttpResponse wrong = Post("/api/collections/clients/confirm-email-change",
                              R"({"token":")" + token + R"(","password":"nope"})");
    EXPECT_EQ(wrong.status, 400);
    EXPECT_NE(wrong.body.find("validation_invalid_password"), std::string::npos) << wrong.body;
    ASSERT_EQ(Post("/api/collections/clients/confirm-email-change",
                   R"({"token":")" + token + R"(","password":"1234567890"})")
                  .status,
              204);
    EXPECT_EQ(Text("SELECT email FROM clients WHERE id='gk390qegs4y47wn'"), "new@example.com");
    EXPECT_EQ(Post("/api/collections/clients/auth-refresh", "", kClientToken).status, 401);
}

TEST_F(AuthFlows, ImpersonateIssuesANonRefreshableToken) {
    EXPECT_EQ(Post("/api/collections/clients/impersonate/gk390qegs4y47wn", "{}").status, 401);
    EXPECT_EQ(Post("/api/collections/clients/impersonate/gk390qegs4y47wn", "{}", kClientToken).status, 403);
    EXPECT_EQ(Post("/api/collections/clients/impersonate/missing", "{}", kSuperuserToken).status, 404);
    EXPECT_EQ(Post("/api/collections/clients/impersonate/gk390qegs4y47wn", R"({"duration":-1})", kSuperuserToken).status,
              400);
    HttpResponse r = Post("/api/collections/clients/impersonate/gk390qegs4y47wn", R"({"duration":100})", kSuperuserToken);
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string token(bj::parse(r.body).as_object()["token"].as_string());
    HttpResponse refreshed = Post("/api/collections/clients/auth-refresh", "", token);
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    EXPECT_EQ(std::string(bj::parse(refreshed.body).as_object()["token"].as_string()), token);  // not re-issued
}

TEST_F(AuthFlows, NewDeviceLoginAlertAndTestEmail) {
    auto login = [&](std::string_view agent) {
        return Post("/api/collections/clients/auth-with-password",
                    R"({"identity":"test@example.com","password":"1234567890"})", {}, "POST",
                    {{"User-Agent", std::string(agent)}});
    };
    ASSERT_EQ(login("device-one").status, 200);
    const auto origins = Int("SELECT count(*) FROM _authOrigins WHERE recordRef='gk390qegs4y47wn'");
    ASSERT_EQ(login("device-one").status, 200);
    EXPECT_EQ(Int("SELECT count(*) FROM _authOrigins WHERE recordRef='gk390qegs4y47wn'"), origins);
    ASSERT_EQ(login("device-two").status, 200);
    EXPECT_EQ(Int("SELECT count(*) FROM _authOrigins WHERE recordRef='gk390qegs4y47wn'"), origins + 1);

    HttpResponse t = Post("/api/settings/test/email", R"({"email":"admin@example.com","template":"password-reset"})",
                          kSuperuserToken);
    EXPECT_EQ(t.status, 204) << t.body;
    EXPECT_EQ(Post("/api/settings/test/email", R"({"email":"admin@example.com","template":"nope"})", kSuperuserToken)
                  .status,
              400);
    EXPECT_EQ(Post("/api/settings/test/email", R"({"email":"admin@example.com","template":"otp"})", kClientToken).status,
              403);
    // Three mails, in any order (alerts go out in the background): an alert for device-one (the
    // fixture already knows another origin of this record), one for device-two, the test mail.
    auto msgs = sink_.WaitForMessages(3, std::chrono::seconds(20));
    ASSERT_EQ(msgs.size(), 3u);
    bool alert = false;
    bool test = false;
    for (const auto& raw : msgs) {
        auto m = bj::parse(raw).as_object();
        alert = alert || (Str(m, "subject").find("Login from a new location") != std::string::npos &&
                          Str(m, "html").find("device-two") != std::string::npos);
        test = test || bj::serialize(m["rcpt_tos"]) == R"(["admin@example.com"])";
    }
    EXPECT_TRUE(alert);
    EXPECT_TRUE(test);
}

// Rate limits configured through the settings: the most specific rule wins, 429 with the
// envelope once exhausted, superusers exempt; disabling them lifts the limit.
TEST_F(AuthFlows, RateLimitsFromTheSettings) {
    ASSERT_EQ(Post("/api/settings",
                   R"({"rateLimits":{"enabled":true,"rules":[{"label":"*:create","duration":60,"maxRequests":2},)"
                   R"({"label":"/api/","duration":60,"maxRequests":1000}]}})",
                   kSuperuserToken, "PATCH")
                  .status,
              200);
    const std::string create = "/api/collections/demo2/records";
    EXPECT_EQ(Post(create, R"({"title":"limit-1"})").status, 200);
    EXPECT_EQ(Post(create, R"({"title":"limit-2"})").status, 200);
    HttpResponse limited = Post(create, R"({"title":"limit-3"})");
    EXPECT_EQ(limited.status, 429);
    EXPECT_EQ(limited.body, R"({"data":{},"message":"Too Many Requests.","status":429})" "\n");
    EXPECT_EQ(Int("SELECT count(*) FROM demo2 WHERE title='limit-3'"), 0);
    EXPECT_EQ(Post(create, R"({"title":"limit-4"})", kSuperuserToken).status, 200);
    EXPECT_EQ(Send(server_.port(), {.target = create}).status, 200);  // lists use another rule
    HttpResponse bad = Post("/api/settings", R"({"rateLimits":{"rules":[{"label":"","duration":0,"maxRequests":1}]}})",
                            kSuperuserToken, "PATCH");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find(R"("rateLimits":{"rules":{"0":{)"), std::string::npos) << bad.body;
    ASSERT_EQ(Post("/api/settings", R"({"rateLimits":{"enabled":false}})", kSuperuserToken, "PATCH").status, 200);
    EXPECT_EQ(Post(create, R"({"title":"limit-5"})").status, 200);
}

}  // namespace
}  // namespace basalt::e2e
