// Collections API scenarios (pocketbase-api.md §2.2, §3.3): superuser-only guards and schema
// changes reflected in SQLite.
#include <gtest/gtest.h>

#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

constexpr std::string_view kNewCollection =
    R"({"name":"e2e_books","type":"base","listRule":"","fields":[)"
    R"({"name":"title","type":"text","required":true,"max":100},)"
    R"({"name":"pages","type":"number","onlyInt":true}],)"
    R"js("indexes":["CREATE UNIQUE INDEX idx_e2e_books_title ON e2e_books (title)"]})js";

std::vector<Scenario> CollectionScenarios() {
    return {
        {.name = "list as guest",
         .url = "/api/collections",
         .expected_status = 401,
         .expected_content = {R"("status":401)"}},
        {.name = "list as user",
         .url = "/api/collections",
         .headers = AuthHeader(kUserToken),
         .expected_status = 403},
        {.name = "list as superuser",
         .url = "/api/collections?perPage=100",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("name":"demo2")", R"("name":"_superusers")", R"("totalItems":16)"},
         .not_expected_content = {"MyN3nDlzmHnuCjd35vb6cyIdqNr7Os0PmgiPVDMxmbFToSpBvS"},
         .body_prefix = R"({"items":[{)"},
        {.name = "list filtered by name",
         .url = "/api/collections?filter=" + UrlEncode("name='demo2'"),
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("totalItems":1)", R"("id":"sz5l5z67tg7gku0")"}},
        {.name = "view demo2",
         .url = "/api/collections/demo2",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("id":"sz5l5z67tg7gku0")", R"("name":"demo2")", R"("type":"base")",
                              R"("fields":[)", R"("indexes":[)"},
         .body_prefix = R"({"id":"sz5l5z67tg7gku0","listRule":"","viewRule":"","createRule":"","updateRule":"","deleteRule":"","name":"demo2","type":"base","fields":[)"},
        {.name = "view auth collection hides secrets",
         .url = "/api/collections/_superusers",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("id":"pbc_3142635823")", R"("authToken":{"duration":)"},
         .not_expected_content = {"MyN3nDlzmHnuCjd35vb6cyIdqNr7Os0PmgiPVDMxmbFToSpBvS",
                                  R"("secret")"}},
        {.name = "view missing",
         .url = "/api/collections/missing",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 404},
        {.name = "view as user",
         .url = "/api/collections/demo2",
         .headers = AuthHeader(kUserToken),
         .expected_status = 403},
        {.name = "scaffolds",
         .url = "/api/collections/meta/scaffolds",
         .headers = AuthHeader(kSuperuserToken),
         .expected_content = {R"("auth":{)", R"("base":{)", R"("view":{)", R"("id":"")"}},
        {.name = "scaffolds as guest",
         .url = "/api/collections/meta/scaffolds",
         .expected_status = 401},
        {.name = "create as guest",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(),
         .body = std::string(kNewCollection),
         .expected_status = 401,
         .fresh = true,
         .after = [](Db& db) { EXPECT_FALSE(db.HasTable("e2e_books")); }},
        {.name = "create as user",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(kUserToken),
         .body = std::string(kNewCollection),
         .expected_status = 403,
         .fresh = true,
         .after = [](Db& db) { EXPECT_FALSE(db.HasTable("e2e_books")); }},
        {.name = "create as superuser",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(kSuperuserToken),
         .body = std::string(kNewCollection),
         .expected_content = {R"("name":"e2e_books")", R"("listRule":"")", R"("viewRule":null)",
                              R"("name":"title")", R"("name":"pages")", R"("name":"id")"},
         .body_prefix = R"({"id":")",
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_TRUE(db.HasTable("e2e_books"));
             EXPECT_TRUE(db.HasColumn("e2e_books", "id"));
             EXPECT_TRUE(db.HasColumn("e2e_books", "title"));
             EXPECT_TRUE(db.HasColumn("e2e_books", "pages"));
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _collections WHERE name='e2e_books'"), 1);
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM sqlite_master WHERE type='index' AND "
                                   "name='idx_e2e_books_title'"),
                       1);
         }},
        {.name = "create with duplicate name",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(kSuperuserToken),
         .body = R"({"name":"DEMO2","type":"base"})",
         .expected_status = 400,
         .expected_content = {R"("message":"Failed to create collection.")",
                              R"("name":{"code":"validation_collection_name_exists")"},
         .fresh = true},
        {.name = "create with invalid name",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(kSuperuserToken),
         .body = R"({"name":"bad name!","type":"base"})",
         .expected_status = 400,
         .expected_content = {R"("name":{"code":)"},
         .fresh = true},
        {.name = "create with sql in name",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(kSuperuserToken),
         .body = R"({"name":"x; DROP TABLE demo2; --","type":"base"})",
         .expected_status = 400,
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_TRUE(db.HasTable("demo2"));
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3);
         }},
        {.name = "create with invalid rule",
         .method = "POST",
         .url = "/api/collections",
         .headers = JsonHeaders(kSuperuserToken),
         .body = R"({"name":"e2e_rules","type":"base","listRule":"missing_field = 1"})",
         .expected_status = 400,
         .expected_content = {R"("listRule":{"code":"validation_invalid_rule")"},
         .fresh = true,
         .after = [](Db& db) { EXPECT_FALSE(db.HasTable("e2e_rules")); }},
        {.name = "delete as user",
         .method = "DELETE",
         .url = "/api/collections/demo2",
         .headers = AuthHeader(kUserToken),
         .expected_status = 403,
         .fresh = true,
         .after = [](Db& db) { EXPECT_TRUE(db.HasTable("demo2")); }},
        {.name = "delete referenced collection",
         .method = "DELETE",
         .url = "/api/collections/demo2",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 400,
         .fresh = true,
         .after = [](Db& db) { EXPECT_TRUE(db.HasTable("demo2")); }},
        {.name = "delete system collection",
         .method = "DELETE",
         .url = "/api/collections/_superusers",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 400,
         .fresh = true,
         .after = [](Db& db) { EXPECT_TRUE(db.HasTable("_superusers")); }},
        {.name = "delete view collection",
         .method = "DELETE",
         .url = "/api/collections/numeric_id_view",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 204,
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _collections WHERE name='numeric_id_view'"),
                       0);
         }},
        {.name = "truncate as guest",
         .method = "DELETE",
         .url = "/api/collections/demo2/truncate",
         .expected_status = 401,
         .fresh = true,
         .after = [](Db& db) { EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3); }},
        {.name = "truncate as superuser",
         .method = "DELETE",
         .url = "/api/collections/demo2/truncate",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 204,
         .fresh = true,
         .after = [](Db& db) {
             EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 0);
             EXPECT_TRUE(db.HasTable("demo2"));
         }},
        {.name = "truncate view collection",
         .method = "DELETE",
         .url = "/api/collections/view1/truncate",
         .headers = AuthHeader(kSuperuserToken),
         .expected_status = 400,
         .fresh = true},
    };
}

class CollectionsApi : public ::testing::TestWithParam<Scenario> {};

TEST_P(CollectionsApi, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         CollectionsApi,
                         ::testing::ValuesIn(CollectionScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

/// PATCH with the full field list plus one new field adds a column; dropping it removes it.
TEST(CollectionsSchema, AddAndDropFieldChangesTable) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;

    HttpResponse view = Send(server.port(),
                             {.target = "/api/collections/demo2",
                              .headers = AuthHeader(kSuperuserToken)});
    ASSERT_EQ(view.status, 200) << view.body;
    auto doc = boost::json::parse(view.body).as_object();
    auto fields = doc.at("fields").as_array();
    const auto original = fields;
    fields.push_back(boost::json::object{{"name", "subtitle"}, {"type", "text"}});
    const std::string patch = boost::json::serialize(boost::json::object{{"fields", fields}});

    HttpResponse updated = Send(server.port(),
                                {.method = "PATCH",
                                 .target = "/api/collections/demo2",
                                 .headers = JsonHeaders(kSuperuserToken),
                                 .body = patch});
    ASSERT_EQ(updated.status, 200) << updated.body;
    EXPECT_NE(updated.body.find(R"("name":"subtitle")"), std::string::npos);
    {
        Db db(server.db_path().string());
        ASSERT_TRUE(db.ok()) << db.error();
        EXPECT_TRUE(db.HasColumn("demo2", "subtitle"));
        EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3);  // data kept
    }

    // The new field is usable right away.
    HttpResponse rec = Send(server.port(),
                            {.method = "PATCH",
                             .target = "/api/collections/demo2/records/llvuca81nly1qls",
                             .headers = JsonHeaders(),
                             .body = R"({"subtitle":"sub"})"});
    EXPECT_EQ(rec.status, 200) << rec.body;
    EXPECT_NE(rec.body.find(R"("subtitle":"sub")"), std::string::npos) << rec.body;

    // Sending the original list drops the field and its column.
    HttpResponse dropped =
        Send(server.port(),
             {.method = "PATCH",
              .target = "/api/collections/demo2",
              .headers = JsonHeaders(kSuperuserToken),
              .body = boost::json::serialize(boost::json::object{{"fields", original}})});
    ASSERT_EQ(dropped.status, 200) << dropped.body;
    Db db(server.db_path().string());
    EXPECT_FALSE(db.HasColumn("demo2", "subtitle"));
    EXPECT_TRUE(db.HasColumn("demo2", "title"));
}

/// Create, rename, then delete a collection; the table follows each step.
TEST(CollectionsSchema, CreateRenameDelete) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    HttpResponse created = Send(server.port(),
                                {.method = "POST",
                                 .target = "/api/collections",
                                 .headers = JsonHeaders(kSuperuserToken),
                                 .body = std::string(kNewCollection)});
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string id(boost::json::parse(created.body).at("id").as_string());

    HttpResponse renamed = Send(server.port(),
                                {.method = "PATCH",
                                 .target = "/api/collections/" + id,
                                 .headers = JsonHeaders(kSuperuserToken),
                                 .body = R"({"name":"e2e_novels"})"});
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    {
        Db db(server.db_path().string());
        EXPECT_FALSE(db.HasTable("e2e_books"));
        EXPECT_TRUE(db.HasTable("e2e_novels"));
    }
    HttpResponse rec = Send(server.port(),
                            {.method = "POST",
                             .target = "/api/collections/e2e_novels/records",
                             .headers = JsonHeaders(),
                             .body = R"({"title":"Dune","pages":412})"});
    EXPECT_EQ(rec.status, 403) << "createRule is null: " << rec.body;

    HttpResponse deleted = Send(server.port(),
                                {.method = "DELETE",
                                 .target = "/api/collections/e2e_novels",
                                 .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    Db db(server.db_path().string());
    EXPECT_FALSE(db.HasTable("e2e_novels"));
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _collections WHERE id='" + id + "'"), 0);
}


// View collections created through the API: fields inferred from the query as PocketBase does,
// read-only, and only a single SELECT is accepted.
TEST(CollectionsSchema, ViewCollectionFromQuery) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;

    HttpResponse created = Send(
        server.port(),
        {.method = "POST",
         .target = "/api/collections",
         .headers = JsonHeaders(kSuperuserToken),
         .body = R"({"name":"titles","type":"view","listRule":"","viewRule":"",
                     "viewQuery":"SELECT d.id, d.title AS name, d.active, count(*) AS n FROM demo2 d GROUP BY d.id"})"});
    ASSERT_EQ(created.status, 200) << created.body;
    auto doc = boost::json::parse(created.body).as_object();
    std::map<std::string, std::string> types;
    for (const auto& f : doc.at("fields").as_array()) {
        types[std::string(f.at("name").as_string())] = std::string(f.at("type").as_string());
    }
    EXPECT_EQ(types["id"], "text");
    EXPECT_EQ(types["name"], "text");    // cloned from demo2.title
    EXPECT_EQ(types["active"], "bool");  // cloned from demo2.active
    EXPECT_EQ(types["n"], "number");     // count()

    HttpResponse list = Send(server.port(), {.target = "/api/collections/titles/records?sort=name"});
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_NE(list.body.find(R"("name":"test1")"), std::string::npos) << list.body;
    EXPECT_NE(list.body.find(R"("totalItems":3)"), std::string::npos) << list.body;

    HttpResponse write = Send(server.port(),
                              {.method = "POST",
                               .target = "/api/collections/titles/records",
                               .headers = JsonHeaders(kSuperuserToken),
                               .body = R"({"name":"x"})"});
    EXPECT_EQ(write.status, 400) << write.body;

    for (const char* bad : {R"({"name":"v1","type":"view","viewQuery":"SELECT title FROM demo2"})",
                            R"({"name":"v2","type":"view","viewQuery":"DELETE FROM demo2"})",
                            R"({"name":"v3","type":"view","viewQuery":"SELECT id FROM demo2; DROP TABLE demo2"})"}) {
        HttpResponse r = Send(server.port(),
                              {.method = "POST", .target = "/api/collections", .headers = JsonHeaders(kSuperuserToken), .body = bad});
        EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
        EXPECT_NE(r.body.find("validation_invalid_view_query"), std::string::npos) << r.body;
    }
    // Dry run: the fields and a sample, nothing created.
    HttpResponse dry = Send(server.port(),
                            {.method = "POST",
                             .target = "/api/collections/meta/dry-run-view",
                             .headers = JsonHeaders(kSuperuserToken),
                             .body = R"({"query":"SELECT id, title FROM demo2 ORDER BY title"})"});
    ASSERT_EQ(dry.status, 200) << dry.body;
    EXPECT_NE(dry.body.find(R"("name":"title")"), std::string::npos) << dry.body;
    EXPECT_NE(dry.body.find(R"("sample":[{)"), std::string::npos) << dry.body;
    EXPECT_NE(dry.body.find(R"("title":"test1")"), std::string::npos) << dry.body;
    HttpResponse dry_bad = Send(server.port(),
                                {.method = "POST",
                                 .target = "/api/collections/meta/dry-run-view",
                                 .headers = JsonHeaders(kSuperuserToken),
                                 .body = R"({"query":"DROP TABLE demo2"})"});
    EXPECT_EQ(dry_bad.status, 400) << dry_bad.body;
    HttpResponse dry_guest = Send(server.port(),
                                  {.method = "POST",
                                   .target = "/api/collections/meta/dry-run-view",
                                   .headers = JsonHeaders(),
                                   .body = R"({"query":"SELECT id FROM demo2"})"});
    EXPECT_EQ(dry_guest.status, 401) << dry_guest.body;

    Db db(server.db_path().string());
    ASSERT_TRUE(db.ok()) << db.error();
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _collections WHERE name LIKE 'v_' OR name LIKE '__pb%'"), 0);
}

}  // namespace
}  // namespace basalt::e2e
