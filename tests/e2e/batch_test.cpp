// POST /api/batch (pocketbase-api.md §2.4, §8.2): one transaction, per-item rules, PocketBase's
// failure envelope, and nothing persisted when any sub-request fails.
#include <gtest/gtest.h>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

std::vector<Scenario> BatchScenarios() {
    return {
        {.name = "batch with an invalid last item persists nothing",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[
             {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"batch1"}},
             {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"batch2"}},
             {"method":"POST","url":"/api/collections/demo2/records","body":{"title":""}}]})",
         .expected_status = 400,
         .expected_content = {R"("2":{"code":"batch_request_failed")",
                              R"("response":{"data":{"title":{"code":"validation_required")",
                              R"("message":"Batch transaction failed.")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3); }},
        {.name = "batch create update upsert delete",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[
             {"method":"POST","url":"/api/collections/demo2/records?fields=id,title","body":{"id":"batchid00000001","title":"b1"}},
             {"method":"PATCH","url":"/api/collections/demo2/records/batchid00000001?fields=title","body":{"title":"b1-upd"}},
             {"method":"PUT","url":"/api/collections/demo2/records?fields=title","body":{"id":"batchid00000001","title":"b1-upsert"}},
             {"method":"PUT","url":"/api/collections/demo2/records?fields=title","body":{"title":"b2-new"}},
             {"method":"DELETE","url":"/api/collections/demo2/records/0yxhwia2amd8gec"}]})",
         .body_prefix = R"([{"body":{"id":"batchid00000001","title":"b1"},"status":200},)"
                        R"({"body":{"title":"b1-upd"},"status":200},{"body":{"title":"b1-upsert"},"status":200},)"
                        R"({"body":{"title":"b2-new"},"status":200},{"body":null,"status":204}])",
         .fresh = true,
         .after =
             [](Db& db) {
                 EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2 WHERE id='batchid00000001' AND title='b1-upsert'"), 1);
                 EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2 WHERE title='b2-new'"), 1);
                 EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2 WHERE id='0yxhwia2amd8gec'"), 0);
             }},
        {.name = "batch items obey each collection's rules",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[
             {"method":"POST","url":"/api/collections/demo2/records","body":{"title":"ok item"}},
             {"method":"POST","url":"/api/collections/demo3/records","body":{"title":"guest not allowed"}}]})",
         .expected_status = 400,
         .expected_content = {R"("1":{"code":"batch_request_failed")", R"("message":"Failed to create record.")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2 WHERE title='ok item'"), 0); }},
        {.name = "batch unknown action",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[{"method":"GET","url":"/api/collections/demo2/records"}]})",
         .expected_status = 400,
         .expected_content = {R"("0":{"code":"batch_request_failed")"}},
        {.name = "batch without requests",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[]})",
         .expected_status = 400,
         .expected_content = {R"("requests":{"code":"validation_required")"}},
        {.name = "batch item missing url",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[{"method":"POST"}]})",
         .expected_status = 400,
         .expected_content = {R"("requests":{"0":{"url":{"code":"validation_required")"}},
        {.name = "batch is disabled on a new data dir",
         .method = "POST",
         .url = "/api/batch",
         .headers = JsonHeaders(),
         .body = R"({"requests":[{"method":"POST","url":"/api/collections/users/records","body":{}}]})",
         .expected_status = 403,
         .expected_content = {R"("message":"Batch requests are not allowed.")"},
         .fresh = true,
         .data = ServerProcess::Data::kEmpty},
    };
}

class BatchApi : public ::testing::TestWithParam<Scenario> {};

TEST_P(BatchApi, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         BatchApi,
                         ::testing::ValuesIn(BatchScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

}  // namespace
}  // namespace basalt::e2e

namespace basalt::e2e {
namespace {

// GET/PATCH /api/settings: superusers only, secrets never returned, validation with nested
// data, and the batch switch takes effect at once.
TEST(Settings, PatchEnablesBatchAndHidesSecrets) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    EXPECT_EQ(Send(server.port(), {.target = "/api/settings"}).status, 401);
    EXPECT_EQ(Send(server.port(), {.target = "/api/settings", .headers = AuthHeader(kUserToken)}).status, 403);

    HttpResponse bad = Send(server.port(), {.method = "PATCH",
                                            .target = "/api/settings",
                                            .headers = JsonHeaders(kSuperuserToken),
                                            .body = R"({"meta":{"appName":""}})"});
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_NE(bad.body.find(R"("meta":{"appName":{"code":"validation_required")"), std::string::npos) << bad.body;

    HttpResponse wrong_type = Send(server.port(), {.method = "PATCH",
                                                   .target = "/api/settings",
                                                   .headers = JsonHeaders(kSuperuserToken),
                                                   .body = R"({"batch":{"maxRequests":"many"}})"});
    EXPECT_EQ(wrong_type.status, 400) << wrong_type.body;

    HttpResponse off = Send(server.port(), {.method = "PATCH",
                                            .target = "/api/settings",
                                            .headers = JsonHeaders(kSuperuserToken),
                                            .body = R"({"batch":{"enabled":false},"smtp":{"password":"s3cret"}})"});
    ASSERT_EQ(off.status, 200) << off.body;
    EXPECT_EQ(off.body.find("s3cret"), std::string::npos);
    EXPECT_EQ(off.body.find(R"("password")"), std::string::npos);
    EXPECT_NE(off.body.find(R"("appName":"acme_test")"), std::string::npos) << off.body;

    const std::string batch = R"({"requests":[{"method":"POST","url":"/api/collections/demo2/records","body":{"title":"via batch"}}]})";
    EXPECT_EQ(Send(server.port(), {.method = "POST", .target = "/api/batch", .headers = JsonHeaders(), .body = batch}).status,
              403);
    Db db(server.db_path().string());
    ASSERT_TRUE(db.ok()) << db.error();
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _params WHERE id='settings' AND json_extract(value,'$.smtp.password')='s3cret'"),
              1);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _params WHERE id='settings' AND json_extract(value,'$.meta.appName')='acme_test'"),
              1);
}

}  // namespace
}  // namespace basalt::e2e
