// Tests for record value casting, zero values and write modifiers.
#include "basalt/schema/record_values.hpp"

#include <gtest/gtest.h>

#include "basalt/base/json.hpp"
#include "basalt/schema/field_defaults.hpp"

namespace basalt::schema {
namespace {

namespace bj = boost::json;

bj::value J(std::string_view s) { return *json::Parse(s); }

Field Multi(FieldType t, std::string_view name, int max) {
    bj::object o;
    o["maxSelect"] = max;
    return MakeField(t, name, std::move(o));
}

TEST(RecordValues, Casts) {
    auto text = MakeField(FieldType::kText, "t");
    EXPECT_EQ(NormalizeInput(text, J("12.5")), "12.5");
    EXPECT_EQ(NormalizeInput(text, J("\" a \"")), " a ");
    EXPECT_EQ(NormalizeInput(text, J("true")), "true");
    EXPECT_EQ(NormalizeInput(text, J("null")), "");
    EXPECT_EQ(NormalizeInput(text, J("[1]")), "");
    auto num = MakeField(FieldType::kNumber, "n");
    EXPECT_EQ(NormalizeInput(num, J("\"12\"")), 12.0);
    EXPECT_EQ(NormalizeInput(num, J("\"abc\"")), 0.0);
    EXPECT_EQ(NormalizeInput(num, J("true")), 1.0);
    auto b = MakeField(FieldType::kBool, "b");
    EXPECT_EQ(NormalizeInput(b, J("\"true\"")), true);
    EXPECT_EQ(NormalizeInput(b, J("1")), true);
    EXPECT_EQ(NormalizeInput(b, J("\"yes\"")), false);
    auto d = MakeField(FieldType::kDate, "d");
    EXPECT_EQ(NormalizeInput(d, J("\"2022-01-02T03:04:05Z\"")), "2022-01-02 03:04:05.000Z");
    EXPECT_EQ(NormalizeInput(d, J("\"garbage\"")), "");
    auto js = MakeField(FieldType::kJson, "j");
    EXPECT_EQ(json::Serialize(NormalizeInput(js, J("\"[1,2]\""))), "[1,2]");
    EXPECT_EQ(json::Serialize(NormalizeInput(js, J("\"hello\""))), "\"hello\"");
    EXPECT_EQ(json::Serialize(NormalizeInput(js, J("\"\""))), "\"\"");
    EXPECT_EQ(json::Serialize(NormalizeInput(js, J("\"null\""))), "null");
    EXPECT_EQ(json::Serialize(NormalizeInput(js, J("{\"a\":1}"))), "{\"a\":1}");
    auto g = MakeField(FieldType::kGeoPoint, "g");
    EXPECT_EQ(json::Serialize(NormalizeInput(g, J("{\"lat\":\"1.5\",\"lon\":2}"))), R"({"lon":2,"lat":1.5})");
    EXPECT_EQ(json::Serialize(NormalizeInput(g, J("5"))), R"({"lon":0,"lat":0})");
}

TEST(RecordValues, Lists) {
    auto single = MakeField(FieldType::kSelect, "s");
    auto multi = Multi(FieldType::kSelect, "m", 3);
    EXPECT_EQ(NormalizeInput(single, J("[\"a\",\"b\"]")), "b");
    EXPECT_EQ(NormalizeInput(single, J("[]")), "");
    EXPECT_EQ(json::Serialize(NormalizeInput(multi, J("\"a\""))), R"(["a"])");
    EXPECT_EQ(json::Serialize(NormalizeInput(multi, J("[\"a\",\"a\",\"\",\"b\"]"))), R"(["a","b"])");
    EXPECT_EQ(json::Serialize(NormalizeInput(multi, J("\"[\\\"x\\\",\\\"y\\\"]\""))), R"(["x","y"])");
    EXPECT_EQ(json::Serialize(NormalizeInput(multi, J("\"\""))), "[]");
    EXPECT_EQ(json::Serialize(ZeroValue(multi)), "[]");
    EXPECT_EQ(json::Serialize(ZeroValue(single)), "\"\"");
}

TEST(RecordValues, Modifiers) {
    Collection c;
    c.fields.push_back(MakeField(FieldType::kNumber, "total"));
    c.fields.push_back(Multi(FieldType::kRelation, "rel", 5));
    c.fields.push_back(MakeField(FieldType::kSelect, "one"));
    bj::object slug;
    slug["autogeneratePattern"] = "[a-z]{5}";
    c.fields.push_back(MakeField(FieldType::kText, "slug", slug));
    c.fields.push_back(MakeField(FieldType::kAutodate, "created"));
    bj::object values = J(R"({"total":10,"rel":["a","b"],"one":"x","slug":"","created":"2020-01-01 00:00:00.000Z"})").get_object();
    auto body = J(R"({"total+":5,"total-":"2","+rel":["z"],"rel+":"c","rel-":["a"],"one+":"y",
                      "slug:autogenerate":"p-","created":"2030-01-01","unknown":1})").get_object();
    ASSERT_TRUE(ApplyModifiers(c, values, body));
    EXPECT_EQ(values.at("total"), 13.0);
    EXPECT_EQ(json::Serialize(values.at("rel")), R"(["z","b","c"])");
    EXPECT_EQ(values.at("one"), "y");
    EXPECT_EQ(values.at("slug").get_string().size(), 7u);
    EXPECT_TRUE(values.at("slug").get_string().starts_with("p-"));
    EXPECT_EQ(values.at("created"), "2020-01-01 00:00:00.000Z");
    EXPECT_FALSE(values.contains("unknown"));
}

TEST(RecordValues, FillDefaults) {
    Collection c;
    bj::object id;
    id["autogeneratePattern"] = "[a-z0-9]{15}";
    id["primaryKey"] = true;
    c.fields.push_back(MakeField(FieldType::kText, "id", id));
    c.fields.push_back(MakeField(FieldType::kGeoPoint, "p"));
    bj::object values;
    FillDefaults(c, values, true);
    EXPECT_EQ(values.at("id").get_string().size(), 15u);
    EXPECT_EQ(json::Serialize(values.at("p")), R"({"lon":0,"lat":0})");
}

}  // namespace
}  // namespace basalt::schema
