// Records CRUD scenarios on PocketBase's fixture (pocketbase-api.md §2.3, §8.2, §9).
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

constexpr std::string_view kDemo2 = "/api/collections/demo2/records";

std::string Demo2(std::string_view query = {}) { return std::string(kDemo2) + std::string(query); }

std::vector<Scenario> RecordScenarios() {
    const auto su = std::string(kSuperuserToken);
    return {
        {.name = "demo2 list as guest",
         .url = Demo2(),
         .expected_content = {R"("id":"llvuca81nly1qls")",
                              R"("id":"achvryl401bhse3")",
                              R"("id":"0yxhwia2amd8gec")",
                              R"(],"page":1,"perPage":30,"totalItems":3,"totalPages":1})",
                              R"("collectionName":"demo2")"},
         .body_prefix = R"({"items":[{)"},
        {.name = "demo2 list records have sorted keys",
         .url = Demo2("?filter=" + UrlEncode("id='llvuca81nly1qls'")),
         .expected_content = {R"({"active":false,"collectionId":"sz5l5z67tg7gku0","collectionName":"demo2","created":"2022-10-12 11:42:51.509Z","id":"llvuca81nly1qls","title":"test1","updated":)"}},
        {.name = "demo1 list as guest is forbidden",
         .url = "/api/collections/demo1/records",
         .expected_status = 403,
         .expected_content = {R"("data":{})", R"("status":403)"},
         .not_expected_content = {"84nmscqy84lsi1t"}},
        {.name = "demo1 list as user is forbidden",
         .url = "/api/collections/demo1/records",
         .headers = AuthHeader(kUserToken),
         .expected_status = 403},
        {.name = "demo1 list as superuser",
         .url = "/api/collections/demo1/records",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("totalItems":3)", "84nmscqy84lsi1t", "al1h9ijdeojtsjy"}},
        {.name = "demo1 list with Bearer prefix",
         .url = "/api/collections/demo1/records",
         .headers = {{"Authorization", "Bearer " + su}},
         .expected_content = {R"("totalItems":3)"}},
        {.name = "invalid token is ignored on public list",
         .url = Demo2(),
         .headers = {{"Authorization", "invalid.token.value"}},
         .expected_content = {R"("totalItems":3)"}},
        {.name = "invalid token makes the request a guest",
         .url = "/api/collections/demo1/records",
         .headers = {{"Authorization", su.substr(0, su.size() - 2) + "xx"}},
         .expected_status = 403},
        {.name = "alg none token is ignored",
         .url = "/api/collections/demo1/records",
         .headers = {{"Authorization",
                      "eyJhbGciOiJub25lIn0.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsInR5cGUiOiJhdXRoIiwiY29s"
                      "bGVjdGlvbklkIjoicGJjXzMxNDI2MzU4MjMiLCJleHAiOjI1MjQ2MDQ0NjEsInJlZnJlc2hhYmxl"
                      "Ijp0cnVlfQ."}},
         .expected_status = 403},
        {.name = "perPage is capped at 1000",
         .url = Demo2("?perPage=5000"),
         .expected_content = {R"("perPage":1000)", R"("totalItems":3)"}},
        {.name = "perPage and page echoed",
         .url = Demo2("?page=2&perPage=2"),
         .expected_content = {R"("page":2,"perPage":2,"totalItems":3,"totalPages":2})"}},
        {.name = "non integer perPage",
         .url = Demo2("?perPage=abc"),
         .expected_status = 400},
        {.name = "skipTotal",
         .url = Demo2("?skipTotal=1"),
         .expected_content = {R"("totalItems":-1,"totalPages":-1)"}},
        {.name = "filter by title",
         .url = Demo2("?filter=" + UrlEncode("title='test1'")),
         .expected_content = {R"("totalItems":1)", "llvuca81nly1qls"},
         .not_expected_content = {"achvryl401bhse3", "0yxhwia2amd8gec"}},
        {.name = "filter contains",
         .url = Demo2("?filter=" + UrlEncode("title~'st2'")),
         .expected_content = {R"("totalItems":1)", "achvryl401bhse3"}},
        {.name = "filter with unknown field",
         .url = Demo2("?filter=" + UrlEncode("missing='x'")),
         .expected_status = 400,
         .expected_content = {R"("data":{})"}},
        {.name = "filter with @collection as guest",
         .url = Demo2("?filter=" + UrlEncode("@collection.demo2.title='test1'")),
         .expected_status = 403},
        {.name = "sort by -created",
         .url = Demo2("?sort=-created"),
         .expected_content = {R"("id":"0yxhwia2amd8gec")"},
         .body_prefix = R"({"items":[{"active":true,"collectionId":"sz5l5z67tg7gku0","collectionName":"demo2","created":"2022-10-12 11:42:58.215Z","id":"0yxhwia2amd8gec")"},
        {.name = "sort by title",
         .url = Demo2("?sort=title&perPage=1"),
         .expected_content = {R"("title":"test1")", R"("totalItems":3,"totalPages":3)"}},
        {.name = "sort by unknown field",
         .url = Demo2("?sort=nope"),
         .expected_status = 400},
        {.name = "view demo2 record",
         .url = Demo2("/llvuca81nly1qls"),
         .expected_content = {R"("id":"llvuca81nly1qls")", R"("title":"test1")"},
         .body_prefix = R"({"active":false,"collectionId":"sz5l5z67tg7gku0")"},
        {.name = "view missing demo2 record",
         .url = Demo2("/missing000000000"),
         .expected_status = 404,
         .expected_content = {R"({"data":{},"message":"The requested resource wasn't found.","status":404})"}},
        {.name = "view by collection id",
         .url = "/api/collections/sz5l5z67tg7gku0/records/llvuca81nly1qls",
         .expected_content = {R"("id":"llvuca81nly1qls")"}},
        {.name = "collection name is case insensitive",
         .url = "/api/collections/DEMO2/records/llvuca81nly1qls",
         .expected_content = {R"("id":"llvuca81nly1qls")"}},
        {.name = "missing collection",
         .url = "/api/collections/missing/records",
         .expected_status = 404},
        {.name = "view demo1 as guest is forbidden even if missing",
         .url = "/api/collections/demo1/records/missing000000000",
         .expected_status = 403},
        {.name = "user views own record",
         .url = "/api/collections/users/records/4q1xlclmfloku33",
         .headers = AuthHeader(kUserToken),
         .expected_content = {R"("id":"4q1xlclmfloku33")", R"("email":"test@example.com")"},
         .not_expected_content = {"tokenKey", "password"}},
        {.name = "user views other record",
         .url = "/api/collections/users/records/bgs820n361vj1qd",
         .headers = AuthHeader(kUserToken),
         .expected_status = 404},
        {.name = "guest views user record",
         .url = "/api/collections/users/records/4q1xlclmfloku33",
         .expected_status = 404},
        {.name = "users list as user is forbidden",
         .url = "/api/collections/users/records",
         .headers = AuthHeader(kUserToken),
         .expected_status = 403},
        {.name = "demo3 list as user is empty",
         .url = "/api/collections/demo3/records",
         .headers = AuthHeader(kUserToken),
         .expected_content = {R"("items":[])", R"("totalItems":0)"}},
        {.name = "demo3 list as client",
         .url = "/api/collections/demo3/records",
         .headers = AuthHeader(kClientToken),
         .expected_content = {R"("totalItems":4)"}},
        {.name = "users list as superuser shows every email",
         .url = "/api/collections/users/records?sort=id",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("totalItems":3)", R"("email":"test2@example.com")"},
         .not_expected_content = {"tokenKey", "\"password\""}},
        {.name = "fields picker",
         .url = Demo2("/llvuca81nly1qls?fields=id,title"),
         .expected_content = {R"({"id":"llvuca81nly1qls","title":"test1"})"}},
        {.name = "create into demo3 as guest fails the create rule",
         .method = "POST",
         .url = "/api/collections/demo3/records",
         .headers = JsonHeaders(),
         .body = R"({"title":"x"})",
         .expected_status = 400,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo3 WHERE title='x'"), 0);
         }},
        {.name = "create into view collection",
         .method = "POST",
         .url = "/api/collections/view1/records",
         .headers = JsonHeaders(kSuperuserToken),
         .body = "{}",
         .expected_status = 400},

        // --- mutating scenarios: each gets a fresh fixture copy ---
        {.name = "create demo2 without body",
         .method = "POST",
         .url = Demo2(),
         .headers = JsonHeaders(),
         .body = "{}",
         .expected_status = 400,
         .expected_content = {R"("title":{"code":"validation_required","message":"Cannot be blank."})",
                              R"("message":"Failed to create record.","status":400})"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3); }},
        {.name = "create demo2 with empty request",
         .method = "POST",
         .url = Demo2(),
         .expected_status = 400,
         .expected_content = {R"("title":{"code":"validation_required")"},
         .fresh = true},
        {.name = "create demo2 duplicate title",
         .method = "POST",
         .url = Demo2(),
         .headers = JsonHeaders(),
         .body = R"({"title":"test2"})",
         .expected_status = 400,
         .expected_content = {R"("title":{"code":"validation_not_unique")"},
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3);
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2 WHERE title='test2'"), 1);
         }},
        {.name = "create demo2 too short title",
         .method = "POST",
         .url = Demo2(),
         .headers = JsonHeaders(),
         .body = R"({"title":"a"})",
         .expected_status = 400,
         .expected_content = {R"("code":"validation_min_text_constraint")", R"("params":{"min":2})"},
         .fresh = true},
        {.name = "create demo2 as guest",
         .method = "POST",
         .url = Demo2(),
         .headers = JsonHeaders(),
         .body = R"({"title":"new <title>","active":true,"unknown":1})",
         .expected_content = {R"("title":"new \u003ctitle\u003e")",
                              R"("active":true)",
                              R"("collectionName":"demo2")"},
         .not_expected_content = {"unknown"},
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 4);
             EXPECT_EQ(db.QueryInt("SELECT active FROM demo2 WHERE title='new <title>'"), 1);
             EXPECT_EQ(db.QueryInt("SELECT length(id) FROM demo2 WHERE title='new <title>'"), 15);
         }},
        {.name = "create demo2 with custom id",
         .method = "POST",
         .url = Demo2(),
         .headers = JsonHeaders(),
         .body = R"({"id":"abcdefghij12345","title":"custom"})",
         .expected_content = {R"("id":"abcdefghij12345")"},
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryText("SELECT title FROM demo2 WHERE id='abcdefghij12345'"),
                       "custom");
         }},
        {.name = "create demo2 with invalid id",
         .method = "POST",
         .url = Demo2(),
         .headers = JsonHeaders(),
         .body = R"({"id":"bad id","title":"custom"})",
         .expected_status = 400,
         .expected_content = {R"("id":{"code":)"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3); }},
        {.name = "create demo2 form urlencoded",
         .method = "POST",
         .url = Demo2(),
         .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
         .body = "title=formtitle&active=true",
         .expected_content = {R"("title":"formtitle")", R"("active":true)"},
         .fresh = true},
        {.name = "update demo2 as guest",
         .method = "PATCH",
         .url = Demo2("/llvuca81nly1qls"),
         .headers = JsonHeaders(),
         .body = R"({"title":"changed"})",
         .expected_content = {R"("title":"changed")", R"("id":"llvuca81nly1qls")"},
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryText("SELECT title FROM demo2 WHERE id='llvuca81nly1qls'"),
                       "changed");
             EXPECT_NE(db.QueryText("SELECT updated FROM demo2 WHERE id='llvuca81nly1qls'"),
                       "2022-10-12 11:42:51.509Z");
         }},
        {.name = "update demo2 to duplicate title",
         .method = "PATCH",
         .url = Demo2("/llvuca81nly1qls"),
         .headers = JsonHeaders(),
         .body = R"({"title":"test3"})",
         .expected_status = 400,
         .expected_content = {R"("message":"Failed to update record.")", "validation_not_unique"},
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryText("SELECT title FROM demo2 WHERE id='llvuca81nly1qls'"),
                       "test1");
         }},
        {.name = "update missing record",
         .method = "PATCH",
         .url = Demo2("/missing000000000"),
         .headers = JsonHeaders(),
         .body = R"({"title":"zz"})",
         .expected_status = 404,
         .fresh = true},
        {.name = "delete demo2 as guest",
         .method = "DELETE",
         .url = Demo2("/achvryl401bhse3"),
         .expected_status = 204,
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 2);
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2 WHERE id='achvryl401bhse3'"), 0);
         }},
        {.name = "delete demo1 as guest is forbidden",
         .method = "DELETE",
         .url = "/api/collections/demo1/records/84nmscqy84lsi1t",
         .expected_status = 403,
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo1"), 3); }},
        {.name = "delete demo5 without query fails rule",
         .method = "DELETE",
         .url = "/api/collections/demo5/records/la4y2w4o98acwuj",
         .expected_status = 404,
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo5"), 2); }},
        {.name = "delete demo5 with query passes rule",
         .method = "DELETE",
         .url = "/api/collections/demo5/records/la4y2w4o98acwuj?test=1",
         .expected_status = 204,
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo5"), 1); }},
    };
}

class RecordsApi : public ::testing::TestWithParam<Scenario> {};

TEST_P(RecordsApi, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         RecordsApi,
                         ::testing::ValuesIn(RecordScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

/// Create → update → delete as superuser on demo1, checking SQLite after each step.
TEST(RecordsRoundTrip, SuperuserCreateUpdateDelete) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const auto headers = JsonHeaders(kSuperuserToken);

    HttpResponse created = Send(server.port(),
                                {.method = "POST",
                                 .target = "/api/collections/demo1/records",
                                 .headers = headers,
                                 .body = R"({"text":"round trip","number":12.5,"bool":true,)"
                                         R"("select_one":"optionB","json":{"a":[1,2]}})"});
    ASSERT_EQ(created.status, 200) << created.body;
    const auto doc = boost::json::parse(created.body);
    const std::string id(doc.at("id").as_string());
    ASSERT_EQ(id.size(), 15U);
    EXPECT_EQ(doc.at("number").as_double(), 12.5);
    EXPECT_EQ(doc.at("select_one").as_string(), "optionB");
    EXPECT_EQ(doc.at("created").as_string().size(), 24U);  // "YYYY-MM-DD HH:MM:SS.sssZ"

    {
        Db db(server.db_path().string());
        ASSERT_TRUE(db.ok()) << db.error();
        EXPECT_EQ(db.QueryText("SELECT text FROM demo1 WHERE id='" + id + "'"), "round trip");
        EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo1"), 4);
    }

    HttpResponse updated = Send(server.port(),
                                {.method = "PATCH",
                                 .target = "/api/collections/demo1/records/" + id,
                                 .headers = headers,
                                 .body = R"({"text":"updated","number+":2.5})"});
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_NE(updated.body.find(R"("number":15)"), std::string::npos) << updated.body;
    {
        Db db(server.db_path().string());
        EXPECT_EQ(db.QueryText("SELECT text FROM demo1 WHERE id='" + id + "'"), "updated");
        EXPECT_EQ(db.QueryInt("SELECT number FROM demo1 WHERE id='" + id + "'"), 15);
    }

    HttpResponse deleted = Send(server.port(),
                                {.method = "DELETE",
                                 .target = "/api/collections/demo1/records/" + id,
                                 .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    EXPECT_TRUE(deleted.body.empty()) << deleted.body;
    {
        Db db(server.db_path().string());
        EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo1 WHERE id='" + id + "'"), 0);
    }
    HttpResponse gone = Send(server.port(),
                             {.target = "/api/collections/demo1/records/" + id,
                              .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(server.Stop(), 0) << "SIGTERM must stop the server gracefully\n" << server.Output();
}

/// PocketBase's timing hardening: a client whose filters keep finding nothing in a collection
/// with a (non-empty) list rule is slowed down by random delays of up to 500 ms.
TEST(RecordsTiming, RepeatedEmptyFilteredListsAreDelayed) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const std::string url = "/api/collections/demo3/records?filter=" + UrlEncode("title = 'nothing'");
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(Send(server.port(), {.target = url}).status, 200);
    }
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) {
        HttpResponse r = Send(server.port(), {.target = url});
        ASSERT_EQ(r.status, 200);
        EXPECT_NE(r.body.find(R"("items":[])"), std::string::npos);
    }
    // Ten delays uniform in [0, 500] ms: below 500 ms in total with probability ~3e-7.
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    // Superusers are never delayed and see the same (empty) answer.
    HttpResponse su = Send(server.port(), {.target = url, .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(su.status, 200);
}

/// List totals are cached per query (store::CountCache) but never stale: every acknowledged
/// write, alone or in a batch, shows in the very next total; a rolled-back batch changes nothing.
TEST(RecordsTotals, FollowEveryAcknowledgedWrite) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const auto headers = JsonHeaders(kSuperuserToken);
    const std::string list = "/api/collections/demo1/records?perPage=1&filter=" + UrlEncode("text ~ 'total-'");
    auto total = [&] {
        HttpResponse r = Send(server.port(), {.target = list, .headers = headers});
        EXPECT_EQ(r.status, 200) << r.body;
        return boost::json::parse(r.body).at("totalItems").as_int64();
    };
    ASSERT_EQ(total(), 0);
    ASSERT_EQ(total(), 0);  // now cached
    std::vector<std::string> ids;
    for (int i = 1; i <= 5; ++i) {
        HttpResponse c = Send(server.port(), {.method = "POST",
                                              .target = "/api/collections/demo1/records",
                                              .headers = headers,
                                              .body = R"({"text":"total-)" + std::to_string(i) + R"("})"});
        ASSERT_EQ(c.status, 200) << c.body;
        ids.emplace_back(boost::json::parse(c.body).at("id").as_string());
        EXPECT_EQ(total(), i);
    }
    HttpResponse batch = Send(server.port(), {.method = "POST",
                                              .target = "/api/batch",
                                              .headers = headers,
                                              .body = R"({"requests":[)"
                                                      R"({"method":"POST","url":"/api/collections/demo1/records","body":{"text":"total-b1"}},)"
                                                      R"({"method":"DELETE","url":"/api/collections/demo1/records/)" + ids[0] + R"("}]})"});
    ASSERT_EQ(batch.status, 200) << batch.body;
    EXPECT_EQ(total(), 5);
    HttpResponse failed = Send(server.port(), {.method = "POST",
                                               .target = "/api/batch",
                                               .headers = headers,
                                               .body = R"({"requests":[)"
                                                       R"({"method":"POST","url":"/api/collections/demo1/records","body":{"text":"total-b2"}},)"
                                                       R"({"method":"DELETE","url":"/api/collections/demo1/records/missing"}]})"});
    EXPECT_EQ(failed.status, 400) << failed.body;
    EXPECT_EQ(total(), 5);
    HttpResponse updated = Send(server.port(), {.method = "PATCH",
                                                .target = "/api/collections/demo1/records/" + ids[1],
                                                .headers = headers,
                                                .body = R"({"text":"renamed"})"});
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_EQ(total(), 4);
    HttpResponse truncated = Send(server.port(), {.method = "DELETE",
                                                  .target = "/api/collections/demo1/truncate",
                                                  .headers = headers});
    ASSERT_EQ(truncated.status, 204) << truncated.body;
    EXPECT_EQ(total(), 0);
}

// A repeated list is served from memory (service/internal/list_pages.hpp) while nothing has been
// written; the pages must still follow every acknowledged write at once, never show one viewer
// what another may see, and follow schema changes.
TEST(ListPages, FollowEveryWriteAndNeverCrossViewers) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const auto su = JsonHeaders(kSuperuserToken);
    auto list = [&](const std::string& target, std::string_view token = {}) {
        HttpResponse r = Send(server.port(), {.target = target, .headers = JsonHeaders(token)});
        EXPECT_EQ(r.status, 200) << target << ": " << r.body;
        return r.body;
    };
    auto patch = [&](const std::string& target, const std::string& body) {
        HttpResponse r = PatchAsSuperuser(server.port(), target, body);
        EXPECT_EQ(r.status, 200) << r.body;
    };

    // Emails: superusers see all, an auth record its own, everyone those with emailVisibility.
    patch("/api/collections/users", R"({"listRule":""})");
    const std::string users = "/api/collections/users/records?sort=id&fields=id,email";
    const std::string all = R"({"items":[{"email":"test@example.com","id":"4q1xlclmfloku33"},)"
                            R"({"email":"test3@example.com","id":"bgs820n361vj1qd"},)"
                            R"({"email":"test2@example.com","id":"oap640cot4yru2s"}],)";
    const std::string own = R"({"items":[{"email":"test@example.com","id":"4q1xlclmfloku33"},)"
                            R"({"email":"test3@example.com","id":"bgs820n361vj1qd"},{"id":"oap640cot4yru2s"}],)";
    const std::string visible = R"({"items":[{"id":"4q1xlclmfloku33"},)"
                                R"({"email":"test3@example.com","id":"bgs820n361vj1qd"},{"id":"oap640cot4yru2s"}],)";
    for (int round = 0; round < 2; ++round) {
        EXPECT_TRUE(list(users, kUserToken).starts_with(own));
        EXPECT_TRUE(list(users).starts_with(visible));
        EXPECT_TRUE(list(users, kSuperuserToken).starts_with(all));
        EXPECT_TRUE(list(users, kClientToken).starts_with(visible));
    }

    // A rule on the viewer: each sees their own rows only, however the requests interleave.
    patch("/api/collections/users", R"({"listRule":"id = @request.auth.id"})");
    const std::string ids = "/api/collections/users/records?fields=id";
    for (int round = 0; round < 2; ++round) {
        EXPECT_TRUE(list(ids, kUserToken).starts_with(R"({"items":[{"id":"4q1xlclmfloku33"}],)"));
        EXPECT_TRUE(list(ids, kClientToken).starts_with(R"({"items":[],)"));
        EXPECT_TRUE(list(ids).starts_with(R"({"items":[],)"));
        EXPECT_TRUE(list(ids, kSuperuserToken).starts_with(R"({"items":[{"id":)"));
    }

    // Writes: the next list shows each one.
    const std::string demo2 = "/api/collections/demo2/records?sort=-created,id&perPage=2&fields=id,title";
    const std::string before = list(demo2);
    ASSERT_EQ(list(demo2), before);
    HttpResponse created = Send(server.port(), {.method = "POST",
                                                .target = "/api/collections/demo2/records",
                                                .headers = su,
                                                .body = R"({"title":"page-new"})"});
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string id(boost::json::parse(created.body).at("id").as_string());
    EXPECT_TRUE(list(demo2).starts_with(R"({"items":[{"id":")" + id + R"(","title":"page-new"},)")) << list(demo2);
    patch("/api/collections/demo2/records/" + id, R"({"title":"page-renamed"})");
    EXPECT_TRUE(list(demo2).starts_with(R"({"items":[{"id":")" + id + R"(","title":"page-renamed"},)"));
    HttpResponse deleted =
        Send(server.port(), {.method = "DELETE", .target = "/api/collections/demo2/records/" + id, .headers = su});
    ASSERT_EQ(deleted.status, 204) << deleted.body;
    EXPECT_EQ(list(demo2), before);

    // `fields` and paging are part of what is kept.
    const std::string page1 = list("/api/collections/demo2/records?sort=title&perPage=1&fields=title");
    EXPECT_TRUE(page1.starts_with(R"({"items":[{"title":"test1"}],"page":1,"perPage":1,"totalItems":3,)")) << page1;
    const std::string page2 = list("/api/collections/demo2/records?sort=title&perPage=1&page=2&fields=id");
    EXPECT_TRUE(page2.starts_with(R"({"items":[{"id":"achvryl401bhse3"}],"page":2,"perPage":1,)")) << page2;

    // A schema change: a field made hidden leaves the next page.
    const std::string whole = "/api/collections/demo2/records?sort=id&perPage=1";
    ASSERT_NE(list(whole).find(R"("title":"test3")"), std::string::npos);
    HttpResponse schema = Send(server.port(), {.target = "/api/collections/demo2", .headers = su});
    ASSERT_EQ(schema.status, 200);
    boost::json::object collection = boost::json::parse(schema.body).as_object();
    for (auto& f : collection.at("fields").as_array()) {
        if (f.at("name") == "title") {
            f.as_object()["hidden"] = true;
        }
    }
    patch("/api/collections/demo2", boost::json::serialize(boost::json::object{{"fields", collection.at("fields")}}));
    EXPECT_EQ(list(whole).find(R"("title")"), std::string::npos) << list(whole);
}

// A write behind Basalt's back (another process on data.db) is not seen by the store, so a kept
// page may be served for a moment; it shows within the pages' maximum age (5 s).
TEST(ListPages, AWriteFromOutsideShowsWithinTheMaximumAge) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const std::string target = "/api/collections/demo2/records?sort=title&fields=title&perPage=1";
    auto first = [&] {
        HttpResponse r = Send(server.port(), {.target = target});
        EXPECT_EQ(r.status, 200) << r.body;
        return r.body;
    };
    ASSERT_TRUE(first().starts_with(R"({"items":[{"title":"test1"}])"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((server.data_dir() / "data.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const int rc = sqlite3_exec(db, "UPDATE demo2 SET title = 'a-from-outside' WHERE title = 'test1'", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
    EXPECT_TRUE(first().starts_with(R"({"items":[{"title":"test1"}])"));  // kept: no write the store saw
    std::this_thread::sleep_for(std::chrono::milliseconds(5100));
    EXPECT_TRUE(first().starts_with(R"({"items":[{"title":"a-from-outside"}])")) << first();
}

}  // namespace
}  // namespace basalt::e2e

namespace basalt::e2e {
namespace {

// expand (pocketbase-api.md §3.1, §4.5): relations and back-relations, nested, each related
// record subject to its own collection's view rule for the requester.
std::vector<Scenario> ExpandScenarios() {
    const std::string demo4 = "/api/collections/demo4/records/";
    return {
        {.name = "expand hidden by the related view rule for a guest",
         .url = demo4 + "qzaqccwrmva4o1n?expand=rel_one_no_cascade",
         .expected_content = {R"("expand":{})"},
         .not_expected_content = {"mk5fmymtx4wsprk\"}"}},
        {.name = "expand visible to a client token",
         .url = demo4 + "qzaqccwrmva4o1n?expand=rel_one_no_cascade&fields=id,expand.rel_one_no_cascade.id",
         .headers = AuthHeader(kClientToken),
         .body_prefix = R"({"expand":{"rel_one_no_cascade":{"id":"mk5fmymtx4wsprk"}},"id":"qzaqccwrmva4o1n"})"},
        {.name = "nested expand two levels",
         .url = demo4 + "i9naidtvr6qsgb4?expand=self_rel_one.rel_one_no_cascade"
                        "&fields=id,expand.self_rel_one.id,expand.self_rel_one.expand.rel_one_no_cascade.id",
         .headers = AuthHeader(kClientToken),
         .body_prefix = R"({"expand":{"self_rel_one":{"expand":{"rel_one_no_cascade":{"id":"mk5fmymtx4wsprk"}},"id":"qzaqccwrmva4o1n"}},"id":"i9naidtvr6qsgb4"})"},
        {.name = "expand multi relation as superuser shows related emails",
         .url = "/api/collections/demo1/records/84nmscqy84lsi1t?expand=rel_many",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("expand":{"rel_many":[{)", R"("email":"test2@example.com")",
                              R"("id":"oap640cot4yru2s")"}},
        {.name = "expand back relation",
         .url = "/api/collections/demo2/records/llvuca81nly1qls?expand=users_via_rel&fields=id,expand.users_via_rel.id",
         .headers = AuthHeader(kSuperuserToken),
         .body_prefix = R"({"expand":{"users_via_rel":[{"id":"4q1xlclmfloku33"}]},"id":"llvuca81nly1qls"})"},
        {.name = "expand of unknown keys adds nothing",
         .url = "/api/collections/demo2/records/llvuca81nly1qls?expand=nope,title",
         .not_expected_content = {R"("expand")"}},
        {.name = "expand in a list",
         .url = "/api/collections/demo4/records?expand=self_rel_one&sort=id&fields=id,expand.self_rel_one.id",
         .body_prefix = R"({"items":[{"expand":{"self_rel_one":{"id":"qzaqccwrmva4o1n"}},"id":"i9naidtvr6qsgb4"},)"
                        R"({"expand":{"self_rel_one":{"id":"i9naidtvr6qsgb4"}},"id":"qzaqccwrmva4o1n"}])"},
    };
}

class ExpandApi : public ::testing::TestWithParam<Scenario> {};

TEST_P(ExpandApi, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         ExpandApi,
                         ::testing::ValuesIn(ExpandScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

}  // namespace
}  // namespace basalt::e2e

namespace basalt::e2e {
namespace {

// manageRule (pocketbase-api.md §2.3.3-2.3.4, §3.1, §9.6) on the fixture's `nologin`
// collection, whose manageRule is `@request.auth.collectionName = 'users'`.
std::vector<Scenario> ManageScenarios() {
    const std::string nologin = "/api/collections/nologin/records";
    const std::string new_pw = R"({"password":"newpassword1","passwordConfirm":"newpassword1"})";
    return {
        {.name = "emails hidden from a guest unless emailVisibility",
         .url = nologin + "?fields=id,email&sort=id",
         .expected_content = {R"({"email":"test2@example.com","id":"phhq3wr65cap535"})"},
         .not_expected_content = {"test@example.com", "test3@example.com"}},
        {.name = "a manager sees every email",
         .url = nologin + "?fields=id,email&sort=id",
         .headers = AuthHeader(kUserToken),
         .expected_content = {R"("email":"test@example.com")", R"("email":"test3@example.com")"}},
        {.name = "a non manager cannot verify",
         .method = "PATCH",
         .url = nologin + "/dc49k6jgejn40h3",
         .headers = JsonHeaders(kClientToken),
         .body = R"({"verified":true})",
         .expected_status = 400,
         .expected_content = {R"("verified":{"code":"validation_values_mismatch")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT verified FROM nologin WHERE id='dc49k6jgejn40h3'"), 0); }},
        {.name = "a manager verifies",
         .method = "PATCH",
         .url = nologin + "/dc49k6jgejn40h3",
         .headers = JsonHeaders(kUserToken),
         .body = R"({"verified":true})",
         .expected_content = {R"("verified":true)", R"("email":"test@example.com")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT verified FROM nologin WHERE id='dc49k6jgejn40h3'"), 1); }},
        {.name = "a password change needs oldPassword from a non manager",
         .method = "PATCH",
         .url = nologin + "/phhq3wr65cap535",
         .headers = JsonHeaders(),
         .body = new_pw,
         .expected_status = 400,
         .expected_content = {R"("oldPassword":{"code":"validation_invalid_old_password")"}},
        {.name = "a manager changes a password without oldPassword",
         .method = "PATCH",
         .url = nologin + "/phhq3wr65cap535",
         .headers = JsonHeaders(kUserToken),
         .body = new_pw,
         .fresh = true,
         .after =
             [](Db& db) {
                 // A new bcrypt hash, and a new tokenKey (every earlier token is invalid).
                 EXPECT_EQ(db.QueryInt("SELECT count(*) FROM nologin WHERE id='phhq3wr65cap535' AND "
                                       "password LIKE '$2a$%' AND "
                                       "password != '$2a$13$ldkBOjQbXIXP3.xvJ8AXJep5I3kMzmXWu7wC75mP5RN4qK7mwQIK.' AND "
                                       "tokenKey != '9Bsj2ogZ5b0Q3daAKZ5ZZrUuVb7lWHO0YDD4d5TbPCLfYE3COY'"),
                           1);
             }},
        {.name = "a guest cannot create a verified record",
         .method = "POST",
         .url = nologin,
         .headers = JsonHeaders(),
         .body = R"({"email":"n1@example.com","password":"12345678","passwordConfirm":"12345678","verified":true})",
         .expected_status = 400,
         .expected_content = {R"("verified":{"code":"validation_values_mismatch")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM nologin"), 3); }},
        {.name = "a manager creates a verified record",
         .method = "POST",
         .url = nologin,
         .headers = JsonHeaders(kUserToken),
         .body = R"({"email":"n2@example.com","password":"12345678","passwordConfirm":"12345678","verified":true})",
         .expected_content = {R"("verified":true)", R"("email":"n2@example.com")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT verified FROM nologin WHERE email='n2@example.com'"), 1); }},
    };
}

class ManageRule : public ::testing::TestWithParam<Scenario> {};

TEST_P(ManageRule, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         ManageRule,
                         ::testing::ValuesIn(ManageScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

}  // namespace
}  // namespace basalt::e2e
