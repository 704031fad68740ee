// The OAuth2 popup hand-off (pocketbase-api.md §2.5.6): GET|POST /api/oauth2-redirect passes the
// provider's answer to the realtime client named by `state` — only when it is subscribed to
// `@oauth2`, exactly once — and redirects to the success or failure page under /_/. Driven over
// raw sockets against the real binary; "nothing was sent" checks end with a marker record the
// same client must receive next (events reach a client in order).
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "scenario.hpp"
#include "sse_client.hpp"

namespace basalt::e2e {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::string_view kSuccess = "../_/#/auth/oauth2-redirect-success";
constexpr std::string_view kFailure = "../_/#/auth/oauth2-redirect-failure";

class OAuth2Redirect : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string err = server_.Start();
        ASSERT_TRUE(err.empty()) << err;
        port_ = server_.port();
    }

    HttpResponse Call(std::string method, std::string target, Headers headers = {}, std::string body = {}) {
        HttpRequest r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.headers = std::move(headers);
        r.body = std::move(body);
        HttpResponse res = Send(port_, r);
        EXPECT_TRUE(res.error.empty()) << res.error;
        return res;
    }

    HttpResponse Get(const std::string& query) { return Call("GET", "/api/oauth2-redirect" + query); }

    HttpResponse PostForm(const std::string& body) {
        return Call("POST", "/api/oauth2-redirect", {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
    }

    void Subscribe(const std::string& client_id, const std::vector<std::string>& subs) {
        HttpResponse r = SubscribeRealtime(port_, client_id, subs);
        ASSERT_EQ(r.status, 204) << r.body;
    }

    /// A demo2 record every guest may see; the client's next event must be its create event.
    void ExpectNextIsMarker(SseClient& sse, const std::string& title) {
        HttpResponse r = Call("POST", "/api/collections/demo2/records", JsonHeaders(kSuperuserToken),
                              R"({"title":")" + title + R"("})");
        ASSERT_EQ(r.status, 200) << r.body;
        auto e = sse.Next();
        ASSERT_TRUE(e) << "no marker event";
        EXPECT_EQ(e->event, "demo2/*") << e->data;
        EXPECT_NE(e->data.find(title), std::string::npos) << e->data;
    }

    ServerProcess server_;
    int port_ = 0;
};

void ExpectRedirect(const HttpResponse& r, int status, std::string_view location) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.Header("Location").value_or("<none>"), location);
}

TEST_F(OAuth2Redirect, MissingOrUnknownStateFails) {
    ExpectRedirect(Get(""), 307, kFailure);
    ExpectRedirect(Get("?code=123"), 307, kFailure);
    ExpectRedirect(Get("?code=123&state="), 307, kFailure);
    ExpectRedirect(Get("?code=123&state=missing"), 307, kFailure);
    ExpectRedirect(Get("?code=123&state=" + std::string(300, 'x')), 307, kFailure);
    ExpectRedirect(PostForm("code=123&state=missing"), 303, kFailure);
    ExpectRedirect(PostForm(""), 303, kFailure);
}

TEST_F(OAuth2Redirect, ClientNotSubscribedToOAuth2Fails) {
    SseClient sse(port_);
    const std::string id = sse.ReadConnect();
    ASSERT_FALSE(id.empty()) << sse.error();
    // Connected but with no subscriptions at all.
    ExpectRedirect(Get("?code=123&state=" + id), 307, kFailure);
    // Subscribed to something else, or to @oauth2 with options (not the topic itself).
    Subscribe(id, {"demo2/*", "@oauth2?options=%7B%7D", "@oauth"});
    ExpectRedirect(Get("?code=123&state=" + id), 307, kFailure);
    ExpectRedirect(PostForm("code=123&state=" + id), 303, kFailure);
    ExpectNextIsMarker(sse, "not subscribed");
}

TEST_F(OAuth2Redirect, SubscribedClientGetsTheCodeOnceThenIsUnsubscribed) {
    SseClient sse(port_);
    const std::string id = sse.ReadConnect();
    ASSERT_FALSE(id.empty()) << sse.error();
    Subscribe(id, {"demo2/*", "@oauth2"});

    ExpectRedirect(Get("?code=abc%20123&state=" + id + "&scope=openid"), 307, kSuccess);
    auto e = sse.Next();
    ASSERT_TRUE(e) << "no @oauth2 message";
    EXPECT_EQ(e->event, "@oauth2");
    EXPECT_EQ(e->id, id);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"abc 123"})");

    // The subscription was consumed: the same state again fails and sends nothing, while the
    // client's other subscriptions stay.
    ExpectRedirect(Get("?code=again&state=" + id), 307, kFailure);
    ExpectNextIsMarker(sse, "after consume");

    // Subscribing again re-arms it (the SDK does so for every popup attempt).
    Subscribe(id, {"demo2/*", "@oauth2"});
    ExpectRedirect(Get("?code=x%3Cy%26z&state=" + id), 307, kSuccess);
    e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"x\u003cy\u0026z"})");  // Go's JSON escaping
}

TEST_F(OAuth2Redirect, PostedFormVariantAnswers303) {
    SseClient sse(port_);
    const std::string id = sse.ReadConnect();
    ASSERT_FALSE(id.empty()) << sse.error();
    Subscribe(id, {"demo2/*", "@oauth2"});

    // response_mode=form_post: a urlencoded body; a numeric-looking code stays the text sent.
    ExpectRedirect(PostForm("state=" + id + "&code=0123&user=%7B%7D"), 303, kSuccess);
    auto e = sse.Next();
    ASSERT_TRUE(e) << "no @oauth2 message";
    EXPECT_EQ(e->event, "@oauth2");
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"0123"})");

    Subscribe(id, {"demo2/*", "@oauth2"});
    ExpectRedirect(PostForm("state=" + id + "&code=123"), 303, kSuccess);
    e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"123"})");

    // JSON and multipart bodies bind the same way.
    Subscribe(id, {"demo2/*", "@oauth2"});
    HttpResponse r = Call("POST", "/api/oauth2-redirect", JsonHeaders(),
                          R"({"state":")" + id + R"(","code":"json-code"})");
    ExpectRedirect(r, 303, kSuccess);
    e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"json-code"})");

    Subscribe(id, {"demo2/*", "@oauth2"});
    const std::string multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"state\"\r\n\r\n" + id +
                                  "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nmp\r\n--XyZ--\r\n";
    r = Call("POST", "/api/oauth2-redirect", {{"Content-Type", "multipart/form-data; boundary=XyZ"}}, multipart);
    ExpectRedirect(r, 303, kSuccess);
    e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"mp"})");

    // Unreadable bodies are a failure redirect, never an error page; nothing is sent and the
    // subscription stays armed.
    Subscribe(id, {"demo2/*", "@oauth2"});
    ExpectRedirect(Call("POST", "/api/oauth2-redirect", JsonHeaders(), "{not json"), 303, kFailure);
    ExpectRedirect(Call("POST", "/api/oauth2-redirect", JsonHeaders(), R"({"state":")" + id + R"(","code":7})"),
                   303, kFailure);
    ExpectRedirect(Call("POST", "/api/oauth2-redirect", {{"Content-Type", "text/plain"}}, "state=" + id), 303,
                   kFailure);
    ExpectNextIsMarker(sse, "bad bodies");
    ExpectRedirect(PostForm("state=" + id + "&code=last"), 303, kSuccess);
    e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"last"})");
}

TEST_F(OAuth2Redirect, ProviderErrorIsForwardedAndRedirectsToFailure) {
    SseClient sse(port_);
    const std::string id = sse.ReadConnect();
    ASSERT_FALSE(id.empty()) << sse.error();
    Subscribe(id, {"demo2/*", "@oauth2"});

    ExpectRedirect(Get("?error=access_denied&state=" + id), 307, kFailure);
    auto e = sse.Next();
    ASSERT_TRUE(e) << "no @oauth2 message";
    EXPECT_EQ(e->event, "@oauth2");
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":"","error":"access_denied"})");
    // Consumed as well.
    ExpectRedirect(Get("?code=late&state=" + id), 307, kFailure);
    ExpectNextIsMarker(sse, "after error");

    // A missing code is a failure too, though the message goes out.
    Subscribe(id, {"demo2/*", "@oauth2"});
    ExpectRedirect(PostForm("state=" + id + "&error=&code="), 303, kFailure);
    e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + id + R"(","code":""})");
}

TEST_F(OAuth2Redirect, OnlyTheStateClientIsTold) {
    SseClient a(port_);
    SseClient b(port_);
    const std::string ida = a.ReadConnect();
    const std::string idb = b.ReadConnect();
    ASSERT_FALSE(ida.empty());
    ASSERT_FALSE(idb.empty());
    Subscribe(ida, {"demo2/*", "@oauth2"});
    Subscribe(idb, {"demo2/*", "@oauth2"});
    ExpectRedirect(Get("?code=for-b&state=" + idb), 307, kSuccess);
    auto e = b.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, R"({"state":")" + idb + R"(","code":"for-b"})");
    ExpectNextIsMarker(a, "a untouched");
}

TEST_F(OAuth2Redirect, GoneClientFails) {
    std::string id;
    {
        SseClient sse(port_);
        id = sse.ReadConnect();
        ASSERT_FALSE(id.empty());
        Subscribe(id, {"@oauth2"});
    }
    // Wait until the server has forgotten the client (its subscription request then answers
    // 404); until then the request re-arms the same subscription, which changes nothing.
    const std::string body = R"({"clientId":")" + id + R"(","subscriptions":["@oauth2"]})";
    int status = 0;
    for (int i = 0; i < 100 && status != 404; ++i) {
        status = Call("POST", "/api/realtime", JsonHeaders(), body).status;
        if (status != 404) {
            std::this_thread::sleep_for(milliseconds(50));
        }
    }
    ASSERT_EQ(status, 404);
    ExpectRedirect(Get("?code=1&state=" + id), 307, kFailure);
}

TEST_F(OAuth2Redirect, LandingPageUnderDashboardPath) {
    HttpResponse r = Call("GET", "/_/");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/html; charset=utf-8");
    const std::string page = r.DecodedBody();
    EXPECT_NE(page.find("#/auth/oauth2-redirect-success"), std::string::npos);
    EXPECT_NE(page.find("#/auth/oauth2-redirect-failure"), std::string::npos);
    EXPECT_NE(page.find("Signed in — you can close this window"), std::string::npos);
    EXPECT_NE(page.find("Sign-in failed"), std::string::npos);
    EXPECT_NE(page.find("window.close()"), std::string::npos);
    EXPECT_EQ(page.find("src="), std::string::npos);  // self-contained
    EXPECT_EQ(Call("HEAD", "/_/").status, 200);
    // Only the page itself: nothing else lives under /_/ yet.
    EXPECT_EQ(Call("GET", "/_/index.html").status, 404);
}

}  // namespace
}  // namespace basalt::e2e
