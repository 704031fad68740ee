// Collections import and API-rule behaviours the runnable examples (examples/) rely on:
// importing new collections (views included, fields inferred like PocketBase), rules that see
// modifier-resolved bodies (`stock-`), and user filters through relations whose listRule joins
// its own collection (memberships). pocketbase-api.md §2.2, §2.3.6, §4.3.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

HttpResponse Import(int port, const std::string& collections) {
    return Send(port, {.method = "PUT",
                       .target = "/api/collections/import",
                       .headers = JsonHeaders(kSuperuserToken),
                       .body = R"({"deleteMissing":false,"collections":)" + collections + "}"});
}

HttpResponse Post(int port, const std::string& target, const std::string& body, std::string_view token) {
    return Send(port, {.method = "POST", .target = target, .headers = JsonHeaders(token), .body = body});
}

HttpResponse Patch(int port, const std::string& target, const std::string& body, std::string_view token) {
    return Send(port, {.method = "PATCH", .target = target, .headers = JsonHeaders(token), .body = body});
}

std::string FieldType(const std::string& collection_json, const std::string& name) {
    const boost::json::value doc = boost::json::parse(collection_json);
    for (const auto& f : doc.at("fields").as_array()) {
        if (f.at("name").as_string() == name) {
            return std::string(f.at("type").as_string());
        }
    }
    return "<missing>";
}

TEST(CollectionsImport, CreatesNewCollectionsAndInfersViewFields) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    // The view comes first: it reads tables imported with it, so it must be created last.
    const std::string collections = R"([
        {"id":"imp_totals","name":"imp_totals","type":"view","listRule":"","viewRule":"",
         "viewQuery":"SELECT t.id, t.name, CAST(COALESCE(SUM(s.points), 0) AS INTEGER) AS total, CAST(t.name AS TEXT) AS label, COUNT(s.id) AS scores, SUM(s.points) AS raw FROM imp_teams t LEFT JOIN imp_scores s ON s.team = t.id GROUP BY t.id"},
        {"id":"imp_teams","name":"imp_teams","type":"base","listRule":"","fields":[{"name":"name","type":"text"}]},
        {"id":"imp_scores","name":"imp_scores","type":"base","listRule":"",
         "fields":[{"name":"team","type":"relation","collectionId":"imp_teams","maxSelect":1},{"name":"points","type":"number"}]}
    ])";
    HttpResponse imported = Import(server.port(), collections);
    ASSERT_EQ(imported.status, 204) << imported.body;

    HttpResponse view = Send(server.port(), {.target = "/api/collections/imp_totals", .headers = AuthHeader(kSuperuserToken)});
    ASSERT_EQ(view.status, 200) << view.body;
    EXPECT_EQ(FieldType(view.body, "name"), "text");
    EXPECT_EQ(FieldType(view.body, "total"), "number");  // CAST(... AS INTEGER)
    EXPECT_EQ(FieldType(view.body, "label"), "text");    // CAST(... AS TEXT)
    EXPECT_EQ(FieldType(view.body, "scores"), "number");  // COUNT(...)
    EXPECT_EQ(FieldType(view.body, "raw"), "json");       // any other expression

    HttpResponse team = Post(server.port(), "/api/collections/imp_teams/records", R"({"name":"red"})", kSuperuserToken);
    ASSERT_EQ(team.status, 200) << team.body;
    const std::string team_id(boost::json::parse(team.body).at("id").as_string());
    for (int points : {3, 4}) {
        ASSERT_EQ(Post(server.port(), "/api/collections/imp_scores/records",
                       R"({"team":")" + team_id + R"(","points":)" + std::to_string(points) + "}", kSuperuserToken)
                      .status,
                  200);
    }
    HttpResponse total = Send(server.port(), {.target = "/api/collections/imp_totals/records/" + team_id});
    ASSERT_EQ(total.status, 200) << total.body;
    EXPECT_NE(total.body.find(R"("total":7)"), std::string::npos) << total.body;

    // Importing the same definitions again updates them in place.
    HttpResponse again = Import(server.port(), collections);
    EXPECT_EQ(again.status, 204) << again.body;
    EXPECT_EQ(Send(server.port(), {.target = "/api/collections/imp_totals/records/" + team_id}).status, 200);

    // Without deleteMissing, fields the import leaves out stay (with their data), and a listed
    // field with an existing field's name and type is that field, whatever id it was given.
    HttpResponse partial = Import(server.port(), R"([{"id":"imp_teams","name":"imp_teams","type":"base","listRule":"",
        "fields":[{"id":"some_other_id","name":"name","type":"text"},{"name":"color","type":"text"}]}])");
    EXPECT_EQ(partial.status, 204) << partial.body;
    HttpResponse kept = Send(server.port(), {.target = "/api/collections/imp_teams/records/" + team_id,
                                             .headers = AuthHeader(kSuperuserToken)});
    EXPECT_NE(kept.body.find(R"("name":"red")"), std::string::npos) << kept.body;
    EXPECT_NE(kept.body.find(R"("color":"")"), std::string::npos) << kept.body;
    HttpResponse scores = Import(server.port(), R"([{"id":"imp_scores","name":"imp_scores","type":"base","fields":[]}])");
    EXPECT_EQ(scores.status, 204) << scores.body;
    EXPECT_NE(Send(server.port(), {.target = "/api/collections/imp_totals/records/" + team_id}).body.find(R"("total":7)"),
              std::string::npos);

    // A failing import says which collection and why (PocketBase's raw validation errors).
    HttpResponse bad = Import(server.port(), R"([{"name":"imp_ok","type":"base"},{"name":"bad name","type":"base"}])");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("validation_collections_import_failure"), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find(R"(Data validations failed for collection \"bad name\")"), std::string::npos) << bad.body;
    EXPECT_NE(bad.body.find("validation_match_invalid"), std::string::npos) << bad.body;
    EXPECT_EQ(Send(server.port(), {.target = "/api/collections/imp_ok", .headers = AuthHeader(kSuperuserToken)}).status,
              404)
        << "a failed import changes nothing";
    EXPECT_EQ(server.Stop(), 0) << server.Output();
}

/// Modifiers are resolved before the rule runs: `@request.body.n` is the new value of `n`.
TEST(RulesSeeResolvedModifiers, UpdateCreateAndBatch) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    ASSERT_EQ(Import(server.port(), R"([{"id":"imp_stock","name":"imp_stock","type":"base","listRule":"","viewRule":"",
        "createRule":"@request.body.n = 5","updateRule":"@request.body.n:isset = true && @request.body.n < n",
        "fields":[{"name":"n","type":"number","min":0}]}])")
                  .status,
              204);
    const std::string records = "/api/collections/imp_stock/records";
    HttpResponse created = Post(server.port(), records, R"({"n":10})", kSuperuserToken);
    ASSERT_EQ(created.status, 200) << created.body;
    const std::string rec = records + "/" + std::string(boost::json::parse(created.body).at("id").as_string());

    HttpResponse down = Patch(server.port(), rec, R"({"n-":3})", kUserToken);
    EXPECT_EQ(down.status, 200) << down.body;
    EXPECT_NE(down.body.find(R"("n":7)"), std::string::npos) << down.body;
    EXPECT_EQ(Patch(server.port(), rec, R"({"n+":3})", kUserToken).status, 404);
    EXPECT_EQ(Patch(server.port(), rec, R"({"n":8})", kUserToken).status, 404);
    EXPECT_EQ(Patch(server.port(), rec, R"({})", kUserToken).status, 404);
    // Below the field's min: the rule passes (6 < 7 ... -1 < 7), the validation refuses.
    HttpResponse below = Patch(server.port(), rec, R"({"n-":8})", kUserToken);
    EXPECT_EQ(below.status, 400) << below.body;
    EXPECT_NE(below.body.find("validation_min_number_constraint"), std::string::npos) << below.body;

    // In a batch each modifier resolves against the row as the earlier requests left it.
    const std::string id = rec.substr(records.size() + 1);
    HttpResponse batch = Post(server.port(), "/api/batch",
                              R"({"requests":[{"method":"PATCH","url":")" + rec + R"(","body":{"n-":2}},)"
                              R"({"method":"PATCH","url":")" + rec + R"(","body":{"n-":2}}]})",
                              kUserToken);
    EXPECT_EQ(batch.status, 200) << batch.body;
    {
        Db db(server.db_path().string());
        EXPECT_EQ(db.QueryInt("SELECT n FROM imp_stock WHERE id='" + id + "'"), 3);
    }

    EXPECT_EQ(Post(server.port(), records, R"({"n+":5})", kUserToken).status, 200);
    EXPECT_EQ(Post(server.port(), records, R"({"n+":4})", kUserToken).status, 400);
    EXPECT_EQ(server.Stop(), 0) << server.Output();
}

/// A user filter through a relation enforces the related collection's listRule; that rule may
/// join its own collection (members see their group's memberships) without recursing.
TEST(UserFilters, ThroughRelationsWhoseListRuleJoinsItsOwnCollection) {
    ServerProcess server;
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    const std::string member = "@collection.imp_members:m.grp ?= grp && @collection.imp_members:m.user ?= @request.auth.id";
    const std::string member_of_id =
        "@collection.imp_members:m.grp ?= id && @collection.imp_members:m.user ?= @request.auth.id";
    HttpResponse imported = Import(server.port(), R"([
        {"id":"imp_groups","name":"imp_groups","type":"base","listRule":")" + member_of_id + R"(",
         "fields":[{"name":"name","type":"text"}]},
        {"id":"imp_members","name":"imp_members","type":"base","listRule":")" + member + R"(",
         "fields":[{"name":"grp","type":"relation","collectionId":"imp_groups","maxSelect":1},
                   {"name":"user","type":"relation","collectionId":"_pb_users_auth_","maxSelect":1}]},
        {"id":"imp_items","name":"imp_items","type":"base","listRule":")" + member + R"(",
         "fields":[{"name":"grp","type":"relation","collectionId":"imp_groups","maxSelect":1},{"name":"title","type":"text"}]}
    ])");
    ASSERT_EQ(imported.status, 204) << imported.body;
    auto create = [&](const std::string& collection, const std::string& body) {
        HttpResponse r = Post(server.port(), "/api/collections/" + collection + "/records", body, kSuperuserToken);
        EXPECT_EQ(r.status, 200) << r.body;
        return std::string(boost::json::parse(r.body).at("id").as_string());
    };
    const std::string g1 = create("imp_groups", R"({"name":"G1"})");
    const std::string g2 = create("imp_groups", R"({"name":"G2"})");
    create("imp_members", R"({"grp":")" + g1 + R"(","user":"4q1xlclmfloku33"})");
    create("imp_members", R"({"grp":")" + g2 + R"(","user":"oap640cot4yru2s"})");
    const std::string i1 = create("imp_items", R"({"grp":")" + g1 + R"(","title":"alpha"})");
    const std::string i2 = create("imp_items", R"({"grp":")" + g2 + R"(","title":"beta"})");

    for (const std::string filter : {"grp.name = 'G1'", "grp.name != ''", "grp.name ~ 'G'"}) {
        HttpResponse r = Send(server.port(), {.target = "/api/collections/imp_items/records?filter=" + UrlEncode(filter),
                                              .headers = AuthHeader(kUserToken)});
        EXPECT_EQ(r.status, 200) << filter << ": " << r.body;
        EXPECT_NE(r.body.find(i1), std::string::npos) << filter << ": " << r.body;
        EXPECT_EQ(r.body.find(i2), std::string::npos) << filter << ": " << r.body;
    }
    // The user is not in G2: filtering by its name finds nothing (the join obeys its listRule).
    HttpResponse none = Send(server.port(), {.target = "/api/collections/imp_members/records?filter=" +
                                                       UrlEncode("grp.name = 'G2'"),
                                             .headers = AuthHeader(kUserToken)});
    EXPECT_EQ(none.status, 200) << none.body;
    EXPECT_NE(none.body.find(R"("totalItems":0)"), std::string::npos) << none.body;
    EXPECT_EQ(server.Stop(), 0) << server.Output();
}

}  // namespace
}  // namespace basalt::e2e
