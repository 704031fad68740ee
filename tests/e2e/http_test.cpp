// Transport-level scenarios: health, routing fallbacks, body decoding and limits, CORS, security
// headers, gzip and SQL-injection attempts (pocketbase-api.md §1, §2.1, §9).
#include <gtest/gtest.h>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

constexpr std::string_view kNotFound =
    R"({"data":{},"message":"The requested resource wasn't found.","status":404})";

/// Every injection scenario must leave these intact.
void FixtureIntact(Db& db) {
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo1"), 3);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _superusers"), 4);
    EXPECT_EQ(db.QueryText("SELECT title FROM demo2 WHERE id='llvuca81nly1qls'"), "test1");
}

std::vector<Scenario> HttpScenarios() {
    return {
        {.name = "health",
         .url = "/api/health",
         .expected_content = {R"("message":"API is healthy.")", R"("code":200)", R"("data":{})"},
         .expected_headers = {{"Content-Type", "application/json"}}},
        {.name = "health HEAD",
         .method = "HEAD",
         .url = "/api/health",
         .not_expected_content = {"healthy"}},
        {.name = "security headers",
         .url = "/api/health",
         .expected_headers = {{"X-XSS-Protection", "1; mode=block"},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "SAMEORIGIN"}}},
        {.name = "unknown route",
         .url = "/api/does-not-exist",
         .expected_status = 404,
         .expected_content = {std::string(kNotFound)},
         .body_prefix = std::string(kNotFound)},
        {.name = "unknown route outside api",
         .url = "/definitely/not/here",
         .expected_status = 404},
        {.name = "wrong method on known path",
         .method = "PUT",
         .url = "/api/health",
         .expected_status = 404,
         .expected_content = {std::string(kNotFound)}},
        {.name = "trailing slash is a different route",
         .url = "/api/collections/demo2/records/",
         .expected_status = 404},
        {.name = "malformed json",
         .method = "POST",
         .url = "/api/collections/demo2/records",
         .headers = JsonHeaders(),
         .body = R"({"title":)",
         .expected_status = 400,
         .expected_content = {R"("data":{})", R"("status":400})"},
         .body_prefix = R"({"data":{},"message":")"},
        {.name = "unsupported content type",
         .method = "POST",
         .url = "/api/collections/demo2/records",
         .headers = {{"Content-Type", "text/plain"}},
         .body = "title=abc",
         .expected_status = 400,
         .expected_content = {R"("status":400)"}},
        {.name = "cors preflight",
         .method = "OPTIONS",
         .url = "/api/collections/demo2/records",
         .headers = {{"Origin", "http://example.com"},
                     {"Access-Control-Request-Method", "POST"},
                     {"Access-Control-Request-Headers", "content-type,authorization"}},
         .expected_status = 204,
         .expected_headers = {{"Access-Control-Allow-Origin", "*"},
                              {"Access-Control-Allow-Methods", "POST"},
                              {"Access-Control-Allow-Headers", "content-type,authorization"}}},
        {.name = "cors simple request",
         .url = "/api/health",
         .headers = {{"Origin", "http://example.com"}},
         .expected_headers = {{"Access-Control-Allow-Origin", "*"}}},
        // Bodies of 1 KiB and more are compressed (smaller ones are not worth the CPU).
        {.name = "gzip when accepted",
         .url = "/api/collections/demo1/records",
         .headers = {{"Accept-Encoding", "gzip"}, {"Authorization", std::string(kSuperuserToken)}},
         .expected_content = {R"("totalItems":3)"},
         .expected_headers = {{"Content-Encoding", "gzip"}}},
        {.name = "no gzip when not accepted",
         .url = "/api/collections/demo1/records",
         .headers = {{"Authorization", std::string(kSuperuserToken)}},
         .expected_content = {R"("totalItems":3)"},
         .absent_headers = {"Content-Encoding"}},
        {.name = "filter injection with statement",
         .url = "/api/collections/demo2/records?filter=" +
                UrlEncode("title='test1'; DROP TABLE demo2; --"),
         .expected_status = 400,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "filter injection inside literal",
         .url = "/api/collections/demo2/records?filter=" + UrlEncode("title=\"' OR 1=1 --\""),
         .expected_content = {R"("totalItems":0)"},
         .fresh = true,
         .after = FixtureIntact},
        {.name = "filter injection with subquery",
         .url = "/api/collections/demo2/records?filter=" +
                UrlEncode("id != '' && (SELECT count(*) FROM _superusers) > 0"),
         .expected_status = 400,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "filter injection via backslash",
         .url = "/api/collections/demo2/records?filter=" + UrlEncode(R"(title='\' OR 1=1 --')"),
         .not_expected_content = {"achvryl401bhse3"},
         .fresh = true,
         .after = FixtureIntact},
        {.name = "sort injection",
         .url = "/api/collections/demo2/records?sort=" + UrlEncode("title;DELETE FROM demo2"),
         .expected_status = 400,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "sort injection subquery",
         .url = "/api/collections/demo2/records?sort=" + UrlEncode("(SELECT 1)"),
         .expected_status = 400,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "id injection on view",
         .url = "/api/collections/demo2/records/" + UrlEncode("llvuca81nly1qls' OR '1'='1"),
         .expected_status = 404,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "id injection on delete",
         .method = "DELETE",
         .url = "/api/collections/demo2/records/" + UrlEncode("x' OR 1=1 --"),
         .expected_status = 404,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "collection name injection",
         .url = "/api/collections/" + UrlEncode("demo2\"; DROP TABLE demo2; --") + "/records",
         .expected_status = 404,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "collection name injection with backtick",
         .method = "DELETE",
         .url = "/api/collections/" + UrlEncode("demo2` WHERE 1=1; --") + "/records/x",
         .expected_status = 404,
         .fresh = true,
         .after = FixtureIntact},
        {.name = "injection in record field value",
         .method = "POST",
         .url = "/api/collections/demo2/records",
         .headers = JsonHeaders(),
         .body = R"({"title":"x'); DROP TABLE demo2; --"})",
         .expected_content = {R"("title":"x'); DROP TABLE demo2; --")"},
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 4);
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _superusers"), 4);
         }},
        {.name = "injection in json key",
         .method = "POST",
         .url = "/api/collections/demo2/records",
         .headers = JsonHeaders(),
         .body = R"({"title":"ok title","title` = 'x', `id":"y"})",
         .expected_content = {R"("title":"ok title")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 4); }},
    };
}

class HttpApi : public ::testing::TestWithParam<Scenario> {};

TEST_P(HttpApi, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         HttpApi,
                         ::testing::ValuesIn(HttpScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

TEST(HttpLimits, BodyOver32MiBIs413) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    std::string body = R"({"title":")";
    body.append(33U * 1024 * 1024, 'a');
    body += R"("})";
    const HttpResponse res = Send(server->port(),
                                  {.method = "POST",
                                   .target = "/api/collections/demo2/records",
                                   .headers = JsonHeaders(),
                                   .body = body},
                                  std::chrono::seconds(60));
    ASSERT_NE(res.status, 0) << res.error;
    EXPECT_EQ(res.status, 413) << res.body.substr(0, 500);
    // The server is still serving.
    EXPECT_EQ(Send(server->port(), {.target = "/api/health"}).status, 200);
}

TEST(HttpLimits, HugeHeaderIs431) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    const HttpResponse res = Send(server->port(),
                                  {.target = "/api/health",
                                   .headers = {{"X-Big", std::string(1024 * 1024, 'h')}}});
    ASSERT_NE(res.status, 0) << res.error;
    EXPECT_EQ(res.status, 431);
    EXPECT_EQ(Send(server->port(), {.target = "/api/health"}).status, 200);
}

TEST(HttpLimits, GarbageRequestLineDoesNotKillServer) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    const HttpResponse res = Send(server->port(), {.method = "\x01\x02 GARBAGE", .target = "\x7f"});
    if (res.status != 0) {
        EXPECT_GE(res.status, 400);
        EXPECT_LT(res.status, 500);
    }
    EXPECT_EQ(Send(server->port(), {.target = "/api/health"}).status, 200);
}

TEST(HttpLimits, KeepsServingManySequentialRequests) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(Send(server->port(), {.target = "/api/collections/demo2/records"}).status, 200)
            << i;
    }
}

}  // namespace
}  // namespace basalt::e2e
