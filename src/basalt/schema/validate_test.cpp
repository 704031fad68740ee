// Tests for record and collection validation codes/messages.
#include "basalt/schema/validate.hpp"

#include <gtest/gtest.h>

#include "basalt/base/json.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/field_defaults.hpp"
#include "basalt/schema/system_collections.hpp"

namespace basalt::schema {
namespace {

namespace bj = boost::json;

bj::object O(std::string_view s) { return json::Parse(s)->get_object(); }

std::string Leaf(const Status& st, std::string_view field) {
    if (st) {
        return "ok";
    }
    const Error err = st.error();  // error() returns a copy: keep it alive while iterating
    auto it = err.data.find(field);
    return it == err.data.end() ? "none" : json::Serialize(it->value());
}

Collection Demo() {
    auto c = CollectionFromApiJson(*json::Parse(R"({"name":"demo","fields":[
        {"name":"title","type":"text","required":true,"min":3,"max":10,"pattern":"^[a-z]+$"},
        {"name":"n","type":"number","min":1,"max":5,"onlyInt":true},
        {"name":"e","type":"email","onlyDomains":["example.com"]},
        {"name":"u","type":"url"},
        {"name":"s","type":"select","values":["a","b"],"maxSelect":2},
        {"name":"r","type":"relation","collectionId":"pbc_1","minSelect":2,"maxSelect":3},
        {"name":"b","type":"bool","required":true},
        {"name":"j","type":"json","maxSize":10},
        {"name":"d","type":"date","min":"2020-01-01 00:00:00.000Z"},
        {"name":"g","type":"geoPoint"},
        {"name":"ed","type":"editor","maxSize":5}
    ]})"), nullptr);
    EXPECT_TRUE(c);
    return *c;
}

TEST(ValidateRecord, RequiredAndText) {
    auto c = Demo();
    auto st = ValidateRecord(c, O(R"({"id":"abcdefghijklmno","b":true})"), true);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().message, "Failed to create record.");
    EXPECT_EQ(Leaf(st, "title"), R"({"code":"validation_required","message":"Cannot be blank."})");
    EXPECT_EQ(st.error().data.size(), 1u);
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"abcdefghijklmno","b":true,"title":"ab"})"), true), "title"),
              R"({"code":"validation_min_text_constraint","message":"Must be at least 3 character(s).","params":{"min":3}})");
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"abcdefghijklmno","b":true,"title":"abcdefghijk"})"), true), "title"),
              R"({"code":"validation_max_text_constraint","message":"Must be no more than 10 character(s).","params":{"max":10}})");
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"abcdefghijklmno","b":true,"title":"ABC"})"), true), "title"),
              R"({"code":"validation_invalid_format","message":"Invalid value format."})");
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"abc","b":true,"title":"abc"})"), true), "id"),
              R"({"code":"validation_min_text_constraint","message":"Must be at least 15 character(s).","params":{"min":15}})");
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"ABCDEFGHIJKLMNO","b":true,"title":"abc"})"), true), "id"),
              R"({"code":"validation_invalid_format","message":"Invalid value format."})");
    RecordValidationContext ctx;
    ctx.old_id = "abcdefghijklmno";
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"abcdefghijklmnp","b":true,"title":"abc"})"), false, ctx), "id"),
              R"({"code":"validation_pk_change","message":"The record primary key cannot be changed."})");
    EXPECT_TRUE(ValidateRecord(c, O(R"({"id":"abcdefghijklmno","b":true,"title":"abc"})"), false, ctx));
}

TEST(ValidateRecord, OtherTypes) {
    auto c = Demo();
    auto base = std::string(R"({"id":"abcdefghijklmno","b":true,"title":"abc",)");
    auto v = [&](std::string_view extra) { return ValidateRecord(c, O(base + std::string(extra) + "}"), true); };
    EXPECT_EQ(Leaf(v(R"("n":1.5)"), "n"), R"({"code":"validation_only_int_constraint","message":"Decimal numbers are not allowed."})");
    EXPECT_EQ(Leaf(v(R"("n":9)"), "n"), R"({"code":"validation_max_number_constraint","message":"Must be less than 5.000000."})");
    EXPECT_EQ(Leaf(v(R"("n":-1)"), "n"), R"({"code":"validation_min_number_constraint","message":"Must be larger than 1.000000."})");
    EXPECT_EQ(Leaf(v(R"("e":"nope")"), "e"), R"({"code":"validation_is_email","message":"Must be a valid email address."})");
    EXPECT_EQ(Leaf(v(R"("e":"a@other.com")"), "e"), R"({"code":"validation_email_domain_not_allowed","message":"Email domain is not allowed."})");
    EXPECT_EQ(Leaf(v(R"("e":"a@example.com")"), "e"), "ok");
    EXPECT_EQ(Leaf(v(R"("u":"not a url")"), "u"), R"({"code":"validation_invalid_url","message":"Must be a valid url."})");
    EXPECT_EQ(Leaf(v(R"("u":"https://example.com/x?y=1")"), "u"), "ok");
    EXPECT_EQ(Leaf(v(R"("s":["a","c"])"), "s"), R"({"code":"validation_invalid_value","message":"Invalid value c.","params":{"value":"c"}})");
    EXPECT_EQ(Leaf(v(R"("s":["a","b","c"])"), "s"), R"({"code":"validation_too_many_values","message":"Select no more than 2.","params":{"maxSelect":2}})");
    EXPECT_EQ(Leaf(v(R"("r":["x"])"), "r"), R"({"code":"validation_not_enough_values","message":"Select at least 2.","params":{"minSelect":2}})");
    EXPECT_EQ(Leaf(v(R"("j":"aaaaaaaaaaaaaaaaaaaa")"), "j"), R"({"code":"validation_json_size_limit","message":"The maximum allowed JSON size is 10 bytes.","params":{"maxSize":10}})");
    EXPECT_EQ(Leaf(v(R"("d":"2019-01-01 00:00:00.000Z")"), "d"), R"({"code":"validation_min_greater_equal_than_required","message":"Must be no less than 2020-01-01 00:00:00 +0000 UTC.","params":{"threshold":"2020-01-01T00:00:00Z"}})");
    EXPECT_EQ(Leaf(v(R"("g":{"lon":1,"lat":100})"), "g"), R"({"code":"validation_invalid_latitude","message":"Latitude must be between -90 and 90 degrees."})");
    EXPECT_EQ(Leaf(v(R"("g":{"lon":200,"lat":1})"), "g"), R"({"code":"validation_invalid_longitude","message":"Longitude must be between -180 and 180 degrees."})");
    EXPECT_EQ(Leaf(v(R"("ed":"123456")"), "ed"), R"({"code":"validation_content_size_limit","message":"The maximum allowed content size is 5 bytes.","params":{"maxSize":5}})");
    EXPECT_EQ(Leaf(ValidateRecord(c, O(R"({"id":"abcdefghijklmno","title":"abc"})"), true), "b"),
              R"({"code":"validation_required","message":"Cannot be blank."})");
}

TEST(ValidateRecord, Password) {
    auto users = SystemCollections().back();
    RecordValidationContext ctx;
    ctx.plain_passwords["password"] = "short";
    auto st = ValidateRecord(users, O(R"({"id":"abcdefghijklmno","tokenKey":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","email":"a@b.co"})"), true, ctx);
    EXPECT_EQ(Leaf(st, "password"), R"({"code":"validation_min_text_constraint","message":"Must be at least 8 character(s).","params":{"min":8}})");
}

TEST(ValidateCollection, NamesAndFields) {
    auto sys = SystemCollections();
    std::vector<std::shared_ptr<const Collection>> ptrs;
    for (auto& c : sys) {
        ptrs.push_back(std::make_shared<Collection>(c));
    }
    Schema schema(ptrs);
    auto make = [](std::string_view body) { return *CollectionFromApiJson(*json::Parse(body), nullptr); };
    auto st = ValidateCollection(make(R"({"name":"USERS"})"), schema, nullptr);
    EXPECT_EQ(Leaf(st, "name"), R"({"code":"validation_collection_name_exists","message":"Collection name must be unique (case insensitive)."})");
    EXPECT_EQ(st.error().message, "Failed to create collection.");
    EXPECT_EQ(Leaf(ValidateCollection(make(R"({"name":""})"), schema, nullptr), "name"),
              R"({"code":"validation_required","message":"Cannot be blank."})");
    EXPECT_EQ(Leaf(ValidateCollection(make(R"({"name":"a b"})"), schema, nullptr), "name"),
              R"({"code":"validation_match_invalid","message":"Must be in a valid format."})");
    EXPECT_EQ(Leaf(ValidateCollection(make(R"({"name":"a_via_b"})"), schema, nullptr), "name"),
              R"({"code":"validation_found_via","message":"The value cannot contain \"_via_\"."})");
    auto dup = ValidateCollection(make(R"({"name":"x","fields":[{"name":"a","type":"text"},{"name":"A","type":"bool"}]})"), schema, nullptr);
    EXPECT_EQ(Leaf(dup, "fields"), R"({"2":{"name":{"code":"validation_duplicated_field_name","message":"Duplicated or invalid field name A.","params":{"fieldName":"A"}}}})");
    auto sel = ValidateCollection(make(R"({"name":"x","fields":[{"name":"s","type":"select"}]})"), schema, nullptr);
    EXPECT_EQ(Leaf(sel, "fields"), R"({"1":{"values":{"code":"validation_required","message":"Cannot be blank."}}})");
    auto rel = ValidateCollection(make(R"({"name":"x","fields":[{"name":"r","type":"relation","collectionId":"missing"}]})"), schema, nullptr);
    EXPECT_EQ(Leaf(rel, "fields"), R"({"1":{"collectionId":{"code":"validation_field_relation_missing_collection","message":"The relation collection doesn't exist."}}})");
    auto num = ValidateCollection(make(R"({"name":"x","fields":[{"name":"n","type":"number","min":5,"max":1}]})"), schema, nullptr);
    EXPECT_EQ(Leaf(num, "fields"), R"({"1":{"max":{"code":"validation_min_greater_equal_than_required","message":"Must be no less than 5.","params":{"threshold":5}}}})");
}

TEST(ValidateCollection, UpdateProtections) {
    auto sys = SystemCollections();
    std::vector<std::shared_ptr<const Collection>> ptrs;
    for (auto& c : sys) {
        ptrs.push_back(std::make_shared<Collection>(c));
    }
    Schema schema(ptrs);
    const Collection& su = sys[4];
    auto renamed = CollectionFromApiJson(*json::Parse(R"({"name":"admins","listRule":""})"), &su);
    ASSERT_TRUE(renamed);
    auto st = ValidateCollection(*renamed, schema, &su);
    EXPECT_EQ(st.error().message, "Failed to update collection.");
    EXPECT_NE(Leaf(st, "name").find("validation_collection_system_name_change"), std::string::npos);
    EXPECT_NE(Leaf(st, "listRule").find("validation_collection_system_rule_change"), std::string::npos);

    const Collection& users = sys[5];
    auto body = CollectionToApiJson(users);
    body["fields"].get_array()[7].get_object()["type"] = "number";  // avatar: file -> number
    auto changed = CollectionFromApiJson(body, &users);
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_EQ(Leaf(ValidateCollection(*changed, schema, &users), "fields"),
              R"({"7":{"code":"validation_field_type_change","message":"Field type cannot be changed."}})");
    auto dropped = CollectionFromApiJson(*json::Parse(R"({"fields":[{"name":"id","type":"text","id":"text3208210256","primaryKey":true,"required":true,"pattern":"^[a-z0-9]+$","min":15,"max":15}]})"), &users);
    ASSERT_TRUE(dropped);
    // auth system fields are re-added automatically; dropping a plain field is fine
    EXPECT_TRUE(ValidateCollection(*dropped, schema, &users));
}

TEST(ValidateCollection, AuthOptions) {
    auto c = *CollectionFromApiJson(*json::Parse(R"({"name":"m","type":"auth","mfa":{"enabled":true},
        "passwordAuth":{"identityFields":["username"]},"authToken":{"secret":"short"}})"), nullptr);
    auto st = ValidateCollection(c, Schema{}, nullptr);
    ASSERT_FALSE(st);
    EXPECT_EQ(Leaf(st, "mfa"), R"({"enabled":{"code":"validation_mfa_not_enough_auths","message":"MFA requires at least 2 auth methods to be enabled."}})");
    EXPECT_EQ(Leaf(st, "authToken"), R"({"secret":{"code":"validation_length_out_of_range","message":"The length must be between 30 and 255.","params":{"min":30,"max":255}}})");
}

TEST(Regex, GoLike) {
    EXPECT_TRUE(RegexMatch("^[\\w][\\w\\.\\-]*$", "users75657"));
    EXPECT_TRUE(RegexMatch("b", "abc"));  // unanchored search
    EXPECT_FALSE(RegexMatch("(", "x"));
    EXPECT_FALSE(IsValidRegex("("));
}

}  // namespace
}  // namespace basalt::schema
