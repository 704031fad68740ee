// Realtime (pocketbase-api.md §2.6, §7, §9.8): the SSE stream, subscriptions and record events,
// driven over raw sockets against the real binary on a fixture copy. Negative checks ("nothing
// arrives") are made deterministic with a marker write the same client must receive next:
// events reach a client in commit order, so anything wrongly sent would come before the marker.
#include <atomic>
#include <set>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "scenario.hpp"
#include "sse_client.hpp"

namespace basalt::e2e {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

HttpResponse Call(int port,
                  std::string method,
                  std::string target,
                  std::string body = {},
                  std::string_view token = kSuperuserToken) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.headers = JsonHeaders(token);
    r.body = std::move(body);
    return Send(port, r);
}

std::string WithOptions(const std::string& topic, const std::string& options_json) {
    return topic + "?options=" + UrlEncode(options_json);
}

json::object Data(const SseEvent& e) {
    return json::parse(e.data).as_object();
}

std::string RecordField(const SseEvent& e, std::string_view key) {
    const auto d = Data(e);
    const auto& rec = d.at("record").as_object();
    auto it = rec.find(key);
    return it == rec.end() || !it->value().is_string() ? std::string("<absent>")
                                                       : std::string(it->value().as_string());
}

/// A connected client with its id (asserting the connect worked).
struct Conn {
    explicit Conn(int port) : sse(port) { id = sse.ReadConnect(); }

    SseClient sse;
    std::string id;
};

class RealtimeTest : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string err = server_.Start();
        ASSERT_TRUE(err.empty()) << err;
        port_ = server_.port();
    }

    /// A demo2 record created by the superuser (a write every guest may see: the marker).
    std::string Marker(const std::string& title) {
        auto r = Call(
            port_, "POST", "/api/collections/demo2/records", R"({"title":")" + title + R"("})");
        EXPECT_EQ(r.status, 200) << r.body;
        return std::string(json::parse(r.body).at("id").as_string());
    }

    /// rt_posts: list/view rule `owner = @request.auth.id`.
    void CreateOwnerCollection() {
        auto r = Call(port_,
                      "POST",
                      "/api/collections",
                      R"({"name":"rt_posts","type":"base","listRule":"owner = @request.auth.id",
                          "viewRule":"owner = @request.auth.id","createRule":null,
                          "fields":[{"name":"owner","type":"text"},{"name":"title","type":"text"}]})");
        ASSERT_EQ(r.status, 200) << r.body;
    }

    std::string CreatePost(const std::string& owner, const std::string& title) {
        auto r = Call(port_,
                      "POST",
                      "/api/collections/rt_posts/records",
                      R"({"owner":")" + owner + R"(","title":")" + title + R"("})");
        EXPECT_EQ(r.status, 200) << r.body;
        return std::string(json::parse(r.body).at("id").as_string());
    }

    ServerProcess server_;
    int port_ = 0;
};

constexpr std::string_view kUserId = "4q1xlclmfloku33";
constexpr std::string_view kClientId = "gk390qegs4y47wn";

TEST_F(RealtimeTest, ConnectSendsPbConnectWithTheClientIdOnTheIdLine) {
    SseClient sse(port_);
    ASSERT_EQ(sse.status(), 200) << sse.error();
    EXPECT_NE(sse.header().find("Content-Type: text/event-stream"), std::string::npos)
        << sse.header();
    EXPECT_NE(sse.header().find("Cache-Control: no-store"), std::string::npos) << sse.header();
    EXPECT_NE(sse.header().find("X-Accel-Buffering: no"), std::string::npos) << sse.header();
    EXPECT_EQ(sse.header().find("Content-Encoding"), std::string::npos);
    auto e = sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->event, "PB_CONNECT");
    EXPECT_EQ(e->id.size(), 40u);
    EXPECT_EQ(e->data, R"({"clientId":")" + e->id + R"("})");
    // every client gets its own id
    Conn other(port_);
    EXPECT_EQ(other.id.size(), 40u);
    EXPECT_NE(other.id, e->id);
}

TEST_F(RealtimeTest, SubscribeAnswers204AndRejectsUnknownOrMissingClients) {
    Conn c(port_);
    ASSERT_FALSE(c.id.empty());
    EXPECT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}).status, 204);
    auto unknown = SubscribeRealtime(port_, std::string(40, 'x'), {"demo2/*"});
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(unknown.body.find("Missing or invalid client id."), std::string::npos)
        << unknown.body;
    auto missing = Call(port_, "POST", "/api/realtime", R"({"subscriptions":["demo2/*"]})", {});
    EXPECT_EQ(missing.status, 400);
    EXPECT_NE(missing.body.find(R"("clientId":{"code":"validation_required")"), std::string::npos)
        << missing.body;
    std::vector<std::string> too_many(1001, "demo2/*");
    EXPECT_EQ(SubscribeRealtime(port_, c.id, too_many).status, 400);
}

TEST_F(RealtimeTest, AuthMayBeAddedButNeverChanged) {
    Conn c(port_);
    EXPECT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}).status, 204);              // guest
    EXPECT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}, kUserToken).status, 204);  // guest -> user
    EXPECT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}, kUserToken).status, 204);  // same user
    auto other = SubscribeRealtime(port_, c.id, {"demo2/*"}, kClientToken);          // user -> other
    EXPECT_EQ(other.status, 403);
    EXPECT_NE(other.body.find("The current and the previous request authorization don't match."),
              std::string::npos)
        << other.body;
    EXPECT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}).status, 403);  // user -> guest
}

TEST_F(RealtimeTest, CreateUpdateDeleteReachBothTopicFormsWithTheExactTopicAsEventName) {
    Conn c(port_);
    const std::string one = "demo2/achvryl401bhse3";
    ASSERT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*", one, "sz5l5z67tg7gku0/*"}).status, 204);

    const std::string id = Marker("rt created");
    std::set<std::string> names;
    for (int i = 0; i < 2; ++i) {
        auto e = c.sse.Next();
        ASSERT_TRUE(e) << "create event " << i;
        EXPECT_EQ(e->id, c.id);
        EXPECT_EQ(std::string(Data(*e).at("action").as_string()), "create");
        EXPECT_EQ(RecordField(*e, "id"), id);
        EXPECT_EQ(RecordField(*e, "title"), "rt created");
        names.insert(e->event);
    }
    EXPECT_EQ(
        names,
        (std::set<std::string>{"demo2/*", "sz5l5z67tg7gku0/*"}));  // not the other record's topic

    ASSERT_EQ(Call(port_,
                   "PATCH",
                   "/api/collections/demo2/records/achvryl401bhse3",
                   R"({"title":"rt upd"})")
                  .status,
              200);
    names.clear();
    for (int i = 0; i < 3; ++i) {
        auto e = c.sse.Next();
        ASSERT_TRUE(e) << "update event " << i;
        EXPECT_EQ(std::string(Data(*e).at("action").as_string()), "update");
        EXPECT_EQ(RecordField(*e, "title"), "rt upd");
        EXPECT_EQ(e->id, c.id);
        names.insert(e->event);
    }
    EXPECT_EQ(names, (std::set<std::string>{"demo2/*", one, "sz5l5z67tg7gku0/*"}));

    ASSERT_EQ(Call(port_, "DELETE", "/api/collections/demo2/records/achvryl401bhse3").status, 204);
    names.clear();
    for (int i = 0; i < 3; ++i) {
        auto e = c.sse.Next();
        ASSERT_TRUE(e) << "delete event " << i;
        EXPECT_EQ(std::string(Data(*e).at("action").as_string()), "delete");
        EXPECT_EQ(RecordField(*e, "title"), "rt upd");  // the record as it was
        names.insert(e->event);
    }
    EXPECT_EQ(names, (std::set<std::string>{"demo2/*", one, "sz5l5z67tg7gku0/*"}));
}

TEST_F(RealtimeTest, RolledBackBatchSendsNothing) {
    Conn c(port_);
    ASSERT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}).status, 204);
    auto batch = Call(port_, "POST", "/api/batch", R"({"requests":[
        {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"rolled back 1"}},
        {"method":"PATCH","url":"/api/collections/demo2/records/achvryl401bhse3","body":{"title":"rolled back 2"}},
        {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"test1"}}]})");
    ASSERT_EQ(batch.status, 400)
        << batch.body;  // the last item fails inside the transaction (unique title)
    ASSERT_NE(batch.body.find("validation_not_unique"), std::string::npos) << batch.body;
    Marker("after rollback");
    auto e = c.sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(RecordField(*e, "title"), "after rollback");
    // a committed batch sends one event per write, in order
    ASSERT_EQ(Call(port_, "POST", "/api/batch", R"({"requests":[
        {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"b1"}},
        {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"b2"}}]})")
                  .status,
              200);
    auto b1 = c.sse.Next();
    auto b2 = c.sse.Next();
    ASSERT_TRUE(b1 && b2);
    EXPECT_EQ(RecordField(*b1, "title"), "b1");
    EXPECT_EQ(RecordField(*b2, "title"), "b2");
}

TEST_F(RealtimeTest, TheSubscribersOwnAuthAndTheRuleDecideWhoReceives) {
    CreateOwnerCollection();
    Conn user(port_);
    Conn client(port_);
    Conn guest(port_);
    Conn super(port_);
    ASSERT_EQ(SubscribeRealtime(port_, user.id, {"rt_posts/*", "demo2/*"}, kUserToken).status, 204);
    ASSERT_EQ(SubscribeRealtime(port_, client.id, {"rt_posts/*", "demo2/*"}, kClientToken).status, 204);
    ASSERT_EQ(SubscribeRealtime(port_, guest.id, {"rt_posts/*", "demo2/*", "demo1/*"}).status, 204);
    ASSERT_EQ(SubscribeRealtime(port_, super.id, {"rt_posts/*", "demo1/*"}, kSuperuserToken).status, 204);

    const std::string mine = CreatePost(std::string(kUserId), "for the user");
    CreatePost(std::string(kClientId), "for the client");
    Marker("marker");

    auto u = user.sse.Next();
    ASSERT_TRUE(u);
    EXPECT_EQ(RecordField(*u, "title"), "for the user");
    auto u2 = user.sse.Next();
    ASSERT_TRUE(u2);
    EXPECT_EQ(RecordField(*u2, "title"), "marker");  // nothing about the client's post

    auto c1 = client.sse.Next();
    ASSERT_TRUE(c1);
    EXPECT_EQ(RecordField(*c1, "title"), "for the client");
    auto c2 = client.sse.Next();
    ASSERT_TRUE(c2);
    EXPECT_EQ(RecordField(*c2, "title"), "marker");

    auto g = guest.sse.Next();
    ASSERT_TRUE(g);
    EXPECT_EQ(RecordField(*g, "title"), "marker");  // the guest saw neither post

    auto s1 = super.sse.Next();
    auto s2 = super.sse.Next();
    ASSERT_TRUE(s1 && s2);
    EXPECT_EQ(RecordField(*s1, "title"), "for the user");
    EXPECT_EQ(RecordField(*s2, "title"), "for the client");

    // demo1 has null rules: only the superuser hears about it
    ASSERT_EQ(
        Call(port_, "PATCH", "/api/collections/demo1/records/84nmscqy84lsi1t", R"({"text":"rt"})")
            .status,
        200);
    auto s3 = super.sse.Next();
    ASSERT_TRUE(s3);
    EXPECT_EQ(s3->event, "demo1/*");
    Marker("marker 2");
    auto g2 = guest.sse.Next();
    ASSERT_TRUE(g2);
    EXPECT_EQ(RecordField(*g2, "title"), "marker 2");

    // A delete is judged on the record as it was: the owner hears of it, the other does not.
    ASSERT_EQ(Call(port_, "DELETE", "/api/collections/rt_posts/records/" + mine).status, 204);
    Marker("marker 3");
    auto u3 = user.sse.Next();
    ASSERT_TRUE(u3);
    EXPECT_EQ(RecordField(*u3, "title"), "marker 2");
    auto u4 = user.sse.Next();
    ASSERT_TRUE(u4);
    EXPECT_EQ(std::string(Data(*u4).at("action").as_string()), "delete");
    EXPECT_EQ(RecordField(*u4, "id"), mine);
    EXPECT_EQ(RecordField(*u4, "title"), "for the user");
    auto u5 = user.sse.Next();
    ASSERT_TRUE(u5);
    EXPECT_EQ(RecordField(*u5, "title"), "marker 3");
    auto c3 = client.sse.Next();
    ASSERT_TRUE(c3);
    EXPECT_EQ(RecordField(*c3, "title"), "marker 2");
    auto c4 = client.sse.Next();
    ASSERT_TRUE(c4);
    EXPECT_EQ(RecordField(*c4, "title"), "marker 3");
}

TEST_F(RealtimeTest, OptionsGiveFieldsExpandFilterAndRuleContext) {
    Conn c(port_);
    const std::string fields = WithOptions("demo2/*", R"({"query":{"fields":"id,title"}})");
    const std::string filtered = WithOptions("demo2/*", R"({"query":{"filter":"title ~ 'keep'"}})");
    const std::string expand = WithOptions("users/*", R"({"query":{"expand":"rel"}})");
    ASSERT_EQ(SubscribeRealtime(port_, c.id, {fields, filtered, expand}, kSuperuserToken).status, 204);

    Marker("drop me");
    auto f = c.sse.Next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, fields);  // the exact submitted string
    EXPECT_EQ(Data(*f).at("record").as_object().size(), 2u) << f->data;
    EXPECT_EQ(RecordField(*f, "title"), "drop me");
    // PocketBase's byte order: "record" first, then "action"
    EXPECT_EQ(f->data.rfind(R"({"record":{)", 0), 0u) << f->data;
    EXPECT_NE(f->data.find(R"(},"action":"create"})"), std::string::npos) << f->data;

    Marker("keep me");
    std::set<std::string> names;
    for (int i = 0; i < 2; ++i) {
        auto e = c.sse.Next();
        ASSERT_TRUE(e);
        EXPECT_EQ(RecordField(*e, "title"), "keep me");
        names.insert(e->event);
    }
    EXPECT_EQ(names, (std::set<std::string>{fields, filtered}));

    ASSERT_EQ(Call(port_,
                   "PATCH",
                   "/api/collections/users/records/" + std::string(kUserId),
                   R"({"name":"rt"})")
                  .status,
              200);
    auto u = c.sse.Next();
    ASSERT_TRUE(u);
    EXPECT_EQ(u->event, expand);
    const auto rec = Data(*u).at("record").as_object();
    EXPECT_EQ(std::string(rec.at("expand").at("rel").at("id").as_string()), "llvuca81nly1qls")
        << u->data;
    EXPECT_TRUE(rec.contains("email"));  // superusers see emails

    // @request.query / @request.headers of the options reach the rule
    auto r = Call(port_,
                  "PATCH",
                  "/api/collections/demo2",
                  R"({"listRule":"@request.query.k = 'v' && @request.headers.x_rt = 'yes'"})");
    ASSERT_EQ(r.status, 200) << r.body;
    Conn g(port_);
    const std::string ok =
        WithOptions("demo2/*", R"({"query":{"k":"v"},"headers":{"X-Rt":"yes"}})");
    const std::string no =
        WithOptions("demo2/*", R"({"query":{"k":"w"},"headers":{"X-Rt":"yes"}})");
    ASSERT_EQ(SubscribeRealtime(port_, g.id, {no, ok}).status, 204);
    Marker("ctx");
    auto e = g.sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->event, ok);
    EXPECT_TRUE(g.sse.Drain(milliseconds(300)).empty());
}

// 150 distinct (auth, options) checks are evaluated in batched queries; each must still get
// its own answer.
TEST_F(RealtimeTest, ManyDistinctChecksAreBatchedAndEachDecidedOnItsOwn) {
    auto r = Call(
        port_, "PATCH", "/api/collections/demo2", R"({"listRule":"@request.query.k = 'even'"})");
    ASSERT_EQ(r.status, 200) << r.body;
    Conn c(port_);
    std::vector<std::string> subs;
    std::set<std::string> expected;
    for (int i = 0; i < 150; ++i) {
        subs.push_back(WithOptions("demo2/*",
                                   R"({"query":{"n":")" + std::to_string(i) + R"(","k":")" +
                                       (i % 2 == 0 ? "even" : "odd") + R"("}})"));
        if (i % 2 == 0) {
            expected.insert(subs.back());
        }
    }
    ASSERT_EQ(SubscribeRealtime(port_, c.id, subs).status, 204);
    Marker("batched");
    std::set<std::string> got;
    for (auto& e : c.sse.Drain(milliseconds(1500))) {
        EXPECT_EQ(RecordField(e, "title"), "batched");
        got.insert(e.event);
    }
    EXPECT_EQ(got, expected);
}

TEST_F(RealtimeTest, AuthRecordsShowTheirEmailOnlyToTheOwner) {
    Conn owner(port_);
    ASSERT_EQ(SubscribeRealtime(port_, owner.id, {"users/" + std::string(kUserId)}, kUserToken).status,
              204);
    ASSERT_EQ(Call(port_,
                   "PATCH",
                   "/api/collections/users/records/" + std::string(kUserId),
                   R"({"name":"me"})")
                  .status,
              200);
    auto e = owner.sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(RecordField(*e, "email"), "test@example.com");
    // nologin: list rule "" lets a guest subscribe; emails stay hidden without emailVisibility
    Conn guest(port_);
    ASSERT_EQ(SubscribeRealtime(port_, guest.id, {"nologin/*"}).status, 204);
    ASSERT_EQ(Call(port_,
                   "PATCH",
                   "/api/collections/nologin/records/dc49k6jgejn40h3",
                   R"({"name":"x","emailVisibility":false})")
                  .status,
              200);
    auto g = guest.sse.Next();
    ASSERT_TRUE(g);
    EXPECT_EQ(RecordField(*g, "email"), "<absent>") << g->data;
    EXPECT_EQ(RecordField(*g, "tokenKey"), "<absent>");
    EXPECT_EQ(RecordField(*g, "password"), "<absent>");
}

TEST_F(RealtimeTest, AChangedPasswordOrDeletedAuthRecordStopsProtectedEvents) {
    CreateOwnerCollection();
    Conn user(port_);
    ASSERT_EQ(SubscribeRealtime(port_, user.id, {"rt_posts/*", "demo2/*"}, kUserToken).status, 204);
    CreatePost(std::string(kUserId), "before");
    auto e = user.sse.Next();
    ASSERT_TRUE(e);
    EXPECT_EQ(RecordField(*e, "title"), "before");

    // a new password regenerates tokenKey: the old token, and so the binding, is void
    ASSERT_EQ(Call(port_,
                   "PATCH",
                   "/api/collections/users/records/" + std::string(kUserId),
                   R"({"password":"1234567890new","passwordConfirm":"1234567890new"})")
                  .status,
              200);
    CreatePost(std::string(kUserId), "after");
    Marker("marker");
    auto m = user.sse.Next();
    ASSERT_TRUE(m);
    EXPECT_EQ(RecordField(*m, "title"), "marker");
}

TEST_F(RealtimeTest, ADeletedAuthRecordStopsProtectedEvents) {
    CreateOwnerCollection();
    Conn user(port_);
    ASSERT_EQ(SubscribeRealtime(port_, user.id, {"rt_posts/*", "demo2/*"}, kUserToken).status, 204);
    auto del = Call(port_, "DELETE", "/api/collections/users/records/" + std::string(kUserId));
    ASSERT_EQ(del.status, 204) << del.body;
    CreatePost(std::string(kUserId), "owned by a deleted user");
    Marker("marker");
    auto m = user.sse.Next();
    ASSERT_TRUE(m);
    EXPECT_EQ(RecordField(*m, "title"), "marker");
}

// A client that stops reading fills its socket, then its bounded queue (512 messages), and is
// dropped; a reading client receives every event meanwhile.
TEST_F(RealtimeTest, AStuckClientIsDroppedWithoutHoldingUpOthers) {
    SseClient stuck(port_, "/api/realtime", 1024);
    const std::string stuck_id = stuck.ReadConnect();
    ASSERT_FALSE(stuck_id.empty());
    Conn reader(port_);
    ASSERT_EQ(SubscribeRealtime(port_, stuck_id, {"demo2/*"}).status, 204);
    ASSERT_EQ(SubscribeRealtime(port_, reader.id, {"demo2/*"}).status, 204);

    constexpr int kBatches = 40;
    constexpr int kPerBatch = 50;
    constexpr int kEvents = kBatches * kPerBatch;  // ~10 MB of events, far past socket + queue
    std::atomic<int> received{0};
    std::thread drain([&] {
        while (received < kEvents) {
            if (!reader.sse.Next(std::chrono::seconds(10))) {
                return;
            }
            ++received;
        }
    });
    const std::string filler(4900, 'x');
    for (int b = 0; b < kBatches; ++b) {
        json::array requests;
        for (int i = 0; i < kPerBatch; ++i) {
            json::object body;
            body["title"] = filler + std::to_string(b * kPerBatch + i);
            requests.push_back(json::object{{"method", "POST"},
                                            {"url", "/api/collections/demo2/records"},
                                            {"body", std::move(body)}});
        }
        auto r = Call(
            port_, "POST", "/api/batch", json::serialize(json::object{{"requests", requests}}));
        if (r.status != 200) {
            ADD_FAILURE() << "batch " << b << ": " << r.status << " " << r.body.substr(0, 300);
            break;  // the drain thread ends on its own read timeout
        }
    }
    drain.join();
    EXPECT_EQ(received.load(), kEvents);
    // the stuck client was dropped and forgotten
    EXPECT_EQ(SubscribeRealtime(port_, stuck_id, {"demo2/*"}).status, 404);
}

TEST_F(RealtimeTest, EmptySubscriptionsStopEvents) {
    Conn c(port_);
    Conn control(port_);
    ASSERT_EQ(SubscribeRealtime(port_, c.id, {"demo2/*"}).status, 204);
    ASSERT_EQ(SubscribeRealtime(port_, control.id, {"demo2/*"}).status, 204);
    ASSERT_EQ(SubscribeRealtime(port_, c.id, {}).status, 204);
    Marker("unsubscribed");
    ASSERT_TRUE(control.sse.Next());
    EXPECT_TRUE(c.sse.Drain(milliseconds(300)).empty());
}

TEST_F(RealtimeTest, ShutdownEndsStreamsCleanly) {
    Conn c(port_);
    ASSERT_FALSE(c.id.empty());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(server_.Stop(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
    EXPECT_FALSE(c.sse.Next(milliseconds(2000)));
    EXPECT_TRUE(c.sse.ended());
    EXPECT_TRUE(c.sse.clean_end());
}

TEST_F(RealtimeTest, DisconnectedClientsAreForgotten) {
    std::string id;
    {
        Conn c(port_);
        id = c.id;
        ASSERT_EQ(SubscribeRealtime(port_, id, {"demo2/*"}).status, 204);
    }
    // the server notices the closed socket and drops the client
    int status = 0;
    for (int i = 0; i < 50 && status != 404; ++i) {
        std::this_thread::sleep_for(milliseconds(20));
        status = SubscribeRealtime(port_, id, {"demo2/*"}).status;
    }
    EXPECT_EQ(status, 404);
}

// PocketBase drops a client after 5 idle minutes; BASALT_REALTIME_IDLE_TIMEOUT shortens it here.
TEST(RealtimeIdle, AnIdleClientIsDisconnectedAndForgotten) {
    ::setenv("BASALT_REALTIME_IDLE_TIMEOUT", "1", 1);
    ServerProcess server;
    const std::string err = server.Start();
    ::unsetenv("BASALT_REALTIME_IDLE_TIMEOUT");
    ASSERT_TRUE(err.empty()) << err;
    Conn c(server.port());
    ASSERT_FALSE(c.id.empty());
    ASSERT_EQ(SubscribeRealtime(server.port(), c.id, {"demo2/*"}).status, 204);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(c.sse.Next(milliseconds(4000)));
    EXPECT_TRUE(c.sse.clean_end());
    EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(800));
    EXPECT_EQ(SubscribeRealtime(server.port(), c.id, {"demo2/*"}).status, 404);
}

}  // namespace
}  // namespace basalt::e2e
