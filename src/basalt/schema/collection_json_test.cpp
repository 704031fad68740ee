// Tests for the collection codecs: fixture round trips, API shape, create/patch defaults.
#include "basalt/schema/collection_json.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "basalt/base/json.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/schema/field_defaults.hpp"
#include "basalt/schema/validate.hpp"

namespace basalt::schema {
namespace {

namespace bj = boost::json;

std::vector<CollectionRow> FixtureRows() {
    std::ifstream in(BASALT_SCHEMA_TESTDATA "/fixture_collections.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto v = json::Parse(ss.str());
    EXPECT_TRUE(v.has_value());
    std::vector<CollectionRow> rows;
    for (const auto& r : v->get_array()) {
        const auto& o = r.get_object();
        CollectionRow row;
        row.id = o.at("id").get_string();
        row.system = o.at("system").to_number<int>() != 0;
        row.type = o.at("type").get_string();
        row.name = o.at("name").get_string();
        row.fields = o.at("fields").get_string();
        auto rule = [&](const char* k) -> std::optional<std::string> {
            const auto& x = o.at(k);
            return x.is_null() ? std::nullopt : std::optional<std::string>(std::string(x.get_string()));
        };
        row.list_rule = rule("listRule");
        row.view_rule = rule("viewRule");
        row.create_rule = rule("createRule");
        row.update_rule = rule("updateRule");
        row.delete_rule = rule("deleteRule");
        row.options = o.at("options").get_string();
        row.created = o.at("created").get_string();
        row.updated = o.at("updated").get_string();
        row.indexes = o.at("indexes").get_string();
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<std::string> Keys(const bj::object& o) {
    std::vector<std::string> k;
    for (const auto& kv : o) {
        k.emplace_back(kv.key());
    }
    return k;
}

TEST(CollectionJson, LoadsEveryFixtureCollection) {
    auto rows = FixtureRows();
    ASSERT_EQ(rows.size(), 16u);
    for (const auto& row : rows) {
        auto c = CollectionFromStorage(row);
        ASSERT_TRUE(c.has_value()) << row.name << ": " << c.error().message;
        // storage round trip keeps fields byte-for-byte (they are stored sorted)
        auto back = CollectionToStorage(*c);
        auto a = json::Parse(row.fields);
        auto b = json::Parse(back.fields);
        ASSERT_TRUE(a && b);
        EXPECT_EQ(a->get_array().size(), b->get_array().size()) << row.name;
        EXPECT_EQ(back.indexes, json::Serialize(*json::Parse(row.indexes)));
    }
}

TEST(CollectionJson, FixtureUsersApiShape) {
    for (const auto& row : FixtureRows()) {
        if (row.name != "users") {
            continue;
        }
        auto c = CollectionFromStorage(row);
        ASSERT_TRUE(c);
        EXPECT_EQ(c->TokenSecret("authToken"), "PjVU4hAV7CZIWbCByJHkDcMUlSEWCLI6M5aWSZOpEq0a3rYxKT");
        EXPECT_EQ(c->TokenDuration("authToken"), 1209600);
        auto api = CollectionToApiJson(*c);
        std::vector<std::string> expected = {
            "id", "listRule", "viewRule", "createRule", "updateRule", "deleteRule", "name", "type", "fields",
            "indexes", "created", "updated", "system", "authRule", "manageRule", "authAlert", "oauth2",
            "passwordAuth", "mfa", "otp", "authToken", "passwordResetToken", "emailChangeToken",
            "verificationToken", "fileToken", "verificationTemplate", "resetPasswordTemplate",
            "confirmEmailChangeTemplate"};
        EXPECT_EQ(Keys(api), expected);
        std::string s = json::Serialize(api);
        EXPECT_EQ(s.find("PjVU4hAV7CZ"), std::string::npos);
        EXPECT_EQ(s.find("clientSecret"), std::string::npos);
        EXPECT_EQ(s.find("\"secret\""), std::string::npos);
        EXPECT_EQ(json::Serialize(api.at("authToken")), R"({"duration":1209600})");
        EXPECT_EQ(api.at("listRule"), nullptr);
        // field objects sorted; the id field as in §3.3 (plus the fixture's own id)
        EXPECT_EQ(json::Serialize(api.at("fields").get_array()[0]),
                  R"({"autogeneratePattern":"[a-z0-9]{15}","help":"","hidden":false,"id":"_pbf_text_id_",)"
                  R"("max":15,"min":15,"name":"id","pattern":"^[a-z0-9]+$","presentable":false,)"
                  R"("primaryKey":true,"required":true,"system":true,"type":"text"})");
        // storage keeps the secrets
        auto row2 = CollectionToStorage(*c);
        EXPECT_NE(row2.options.find("PjVU4hAV7CZ"), std::string::npos);
        EXPECT_NE(row2.options.find("\"clientSecret\":\"test2\""), std::string::npos);
    }
}

TEST(CollectionJson, ViewApiShape) {
    for (const auto& row : FixtureRows()) {
        if (row.name != "view1") {
            continue;
        }
        auto c = CollectionFromStorage(row);
        ASSERT_TRUE(c);
        auto api = CollectionToApiJson(*c);
        auto keys = Keys(api);
        EXPECT_EQ(keys.back(), "viewQuery");
        EXPECT_EQ(keys.size(), 14u);
    }
}

TEST(CollectionJson, CreateBaseDefaults) {
    auto body = json::Parse(R"({"name":"posts","fields":[{"name":"title","type":"text","required":true}]})");
    auto c = CollectionFromApiJson(*body, nullptr);
    ASSERT_TRUE(c) << c.error().message;
    EXPECT_EQ(c->id, "pbc_" + std::to_string(Crc32("baseposts")));
    ASSERT_EQ(c->fields.size(), 2u);
    EXPECT_EQ(c->fields[0].name, "id");
    EXPECT_EQ(c->fields[0].id, "text3208210256");
    EXPECT_EQ(c->fields[1].id, "text" + std::to_string(Crc32("title")));
    EXPECT_TRUE(c->fields[1].required);
    EXPECT_EQ(c->type, CollectionType::kBase);
    EXPECT_FALSE(c->list_rule.has_value());
    EXPECT_TRUE(ValidateCollection(*c, Schema{}, nullptr));
}

TEST(CollectionJson, CreateAuthDefaults) {
    auto body = json::Parse(R"({"name":"members","type":"auth"})");
    auto c = CollectionFromApiJson(*body, nullptr);
    ASSERT_TRUE(c);
    std::vector<std::string> names;
    for (const auto& f : c->fields) {
        names.push_back(f.name);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"id", "password", "tokenKey", "email", "emailVisibility", "verified"}));
    ASSERT_EQ(c->indexes.size(), 2u);
    EXPECT_EQ(c->indexes[0], "CREATE UNIQUE INDEX `idx_tokenKey_" + c->id + "` ON `members` (`tokenKey`)");
    EXPECT_EQ(c->indexes[1], "CREATE UNIQUE INDEX `idx_email_" + c->id + "` ON `members` (`email`) WHERE `email` != ''");
    EXPECT_EQ(c->TokenSecret("authToken").size(), 50u);
    EXPECT_NE(c->TokenSecret("authToken"), c->TokenSecret("fileToken"));
    EXPECT_EQ(c->AuthRule(), std::optional<std::string>(""));
    EXPECT_FALSE(c->ManageRule().has_value());
    EXPECT_TRUE(ValidateCollection(*c, Schema{}, nullptr));
}

TEST(CollectionJson, PatchKeepsSecretsAndReplacesFields) {
    auto created = CollectionFromApiJson(*json::Parse(R"({"name":"members","type":"auth",
        "oauth2":{"enabled":true,"providers":[{"name":"google","clientId":"a","clientSecret":"s3cr3t"}]}})"), nullptr);
    ASSERT_TRUE(created);
    std::string secret = created->TokenSecret("authToken");
    auto patched = CollectionFromApiJson(*json::Parse(R"({"authToken":{"duration":100},
        "oauth2":{"providers":[{"name":"google","clientId":"b"}]},
        "fields":[{"name":"nick","type":"text"}]})"), &*created);
    ASSERT_TRUE(patched) << patched.error().message;
    EXPECT_EQ(patched->TokenSecret("authToken"), secret);
    EXPECT_EQ(patched->TokenDuration("authToken"), 100);
    auto storage = CollectionToStorage(*patched);
    EXPECT_NE(storage.options.find("\"clientId\":\"b\",\"clientSecret\":\"s3cr3t\""), std::string::npos);
    // fields replaced, system fields re-added
    EXPECT_NE(patched->FindField("nick"), nullptr);
    EXPECT_NE(patched->FindField("password"), nullptr);
    EXPECT_TRUE(patched->options.at("oauth2").get_object().at("enabled").get_bool());
}

TEST(CollectionJson, MalformedBodies) {
    for (const char* text : {R"([])", R"("x")", R"({"name":5})", R"({"fields":{}})", R"({"fields":[1]})",
                             R"({"fields":[{"name":"a","type":"nope"}]})", R"({"listRule":true})",
                             R"({"indexes":[1]})", R"({"type":"auth","authToken":{"duration":"x"}})",
                             R"({"fields":[{"name":"a","type":"text","min":"3"}]})"}) {
        auto c = CollectionFromApiJson(*json::Parse(text), nullptr);
        ASSERT_FALSE(c) << text;
        EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument) << text;
    }
    auto bad_type = CollectionFromApiJson(*json::Parse(R"({"name":"x","type":"weird"})"), nullptr);
    ASSERT_FALSE(bad_type);
    EXPECT_EQ(bad_type.error().data.at("type").at("code"), "validation_in_invalid");
}

TEST(CollectionJson, Scaffolds) {
    auto s = Scaffolds();
    EXPECT_EQ(Keys(s), (std::vector<std::string>{"auth", "base", "view"}));
    EXPECT_EQ(s.at("base").at("id"), "");
    EXPECT_EQ(s.at("base").at("name"), "");
    EXPECT_EQ(s.at("base").at("fields").get_array().size(), 1u);
    EXPECT_EQ(s.at("auth").at("fields").get_array().size(), 6u);
    EXPECT_EQ(s.at("view").at("viewQuery"), "");
    EXPECT_EQ(json::Serialize(s).find("\"secret\""), std::string::npos);
}

TEST(CollectionJson, ParseIndex) {
    auto p = ParseIndex("CREATE UNIQUE INDEX `idx_email_x` ON `users` (`email`) WHERE `email` != ''");
    EXPECT_TRUE(p.valid);
    EXPECT_TRUE(p.unique);
    EXPECT_EQ(p.name, "idx_email_x");
    EXPECT_EQ(p.columns, std::vector<std::string>{"email"});
    EXPECT_EQ(p.where, "`email` != ''");
    EXPECT_FALSE(ParseIndex("DROP TABLE x").valid);
    EXPECT_TRUE(HasSingleColumnUniqueIndex({"CREATE UNIQUE INDEX \"idx_unique_demo2_title\" on \"demo2\" (\"title\")"},
                                           "title"));
    EXPECT_FALSE(HasSingleColumnUniqueIndex({"CREATE INDEX a ON t (title)"}, "title"));
}

}  // namespace
}  // namespace basalt::schema
