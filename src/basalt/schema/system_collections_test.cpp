// Tests for the system collections of a new data dir.
#include "basalt/schema/system_collections.hpp"

#include <gtest/gtest.h>

#include "basalt/base/json.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/validate.hpp"

namespace basalt::schema {
namespace {

const Collection& ByName(const std::vector<Collection>& all, std::string_view name) {
    for (const auto& c : all) {
        if (c.name == name) {
            return c;
        }
    }
    static Collection none;
    ADD_FAILURE() << "missing " << name;
    return none;
}

TEST(SystemCollections, IdsAndOrder) {
    auto all = SystemCollections();
    std::vector<std::string> got;
    for (const auto& c : all) {
        got.push_back(c.id + ":" + c.name);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"pbc_2279338944:_mfas", "pbc_1638494021:_otps",
                                             "pbc_2281828961:_externalAuths", "pbc_4275539003:_authOrigins",
                                             "pbc_3142635823:_superusers", "_pb_users_auth_:users"}));
}

TEST(SystemCollections, MatchFixtureFields) {
    auto all = SystemCollections();
    // _externalAuths fields exactly as the fixture stores them (plus "help", which v0.39 writes).
    const auto& ext = ByName(all, "_externalAuths");
    EXPECT_TRUE(ext.system);
    EXPECT_EQ(*ext.list_rule,
              "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId");
    EXPECT_EQ(ext.delete_rule, ext.list_rule);
    EXPECT_FALSE(ext.create_rule.has_value());
    EXPECT_EQ(json::Serialize(FieldToJson(ext.fields[1])),
              R"({"autogeneratePattern":"","help":"","hidden":false,"id":"text455797646","max":0,"min":0,)"
              R"("name":"collectionRef","pattern":"","presentable":false,"primaryKey":false,"required":true,)"
              R"("system":true,"type":"text"})");
    EXPECT_EQ(json::Serialize(FieldToJson(ext.fields.back())),
              R"({"hidden":false,"id":"autodate3332085495","name":"updated","onCreate":true,"onUpdate":true,)"
              R"("presentable":false,"system":true,"type":"autodate"})");
    const auto& otps = ByName(all, "_otps");
    EXPECT_EQ(json::Serialize(FieldToJson(*otps.FindField("password"))),
              R"({"cost":8,"help":"","hidden":true,"id":"password901924565","max":0,"min":0,"name":"password",)"
              R"("pattern":"","presentable":false,"required":true,"system":true,"type":"password"})");
    EXPECT_FALSE(ByName(all, "_mfas").delete_rule.has_value());
}

TEST(SystemCollections, SuperusersAndUsers) {
    auto all = SystemCollections();
    const auto& su = ByName(all, "_superusers");
    EXPECT_TRUE(su.system);
    EXPECT_EQ(su.TokenDuration("authToken"), 86400);
    EXPECT_EQ(su.TokenSecret("authToken").size(), 50u);
    std::vector<std::string> names;
    for (const auto& f : su.fields) {
        names.push_back(f.id);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"text3208210256", "password901924565", "text2504183744",
                                               "email3885137012", "bool1547992806", "bool256245529",
                                               "autodate2990389176", "autodate3332085495"}));
    EXPECT_EQ(su.indexes[0], "CREATE UNIQUE INDEX `idx_tokenKey_pbc_3142635823` ON `_superusers` (`tokenKey`)");

    const auto& users = ByName(all, "users");
    EXPECT_FALSE(users.system);
    EXPECT_EQ(*users.view_rule, "id = @request.auth.id");
    EXPECT_EQ(*users.create_rule, "");
    const Field* avatar = users.FindField("avatar");
    ASSERT_NE(avatar, nullptr);
    EXPECT_EQ(avatar->id, "file376926767");
    EXPECT_EQ(json::Serialize(avatar->options.at("mimeTypes")),
              R"(["image/jpeg","image/png","image/svg+xml","image/gif","image/webp"])");
    EXPECT_EQ(users.options.at("oauth2").at("mappedFields").at("avatarURL"), "avatar");
    EXPECT_FALSE(users.FindField("created")->system);

    std::vector<std::shared_ptr<const Collection>> ptrs;
    for (const auto& c : all) {
        EXPECT_TRUE(ValidateCollection(c, Schema(ptrs), nullptr)) << c.name;
        ptrs.push_back(std::make_shared<Collection>(c));
    }
}

}  // namespace
}  // namespace basalt::schema
