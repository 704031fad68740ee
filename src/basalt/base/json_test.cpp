#include "basalt/base/json.hpp"

#include <gtest/gtest.h>

namespace basalt::json {
namespace {

TEST(JsonWriter, EscapesLikeGo) {
    EXPECT_EQ(Serialize(boost::json::value("<svg a=\"b\">&</svg>\n\x01")),
              R"("\u003csvg a=\"b\"\u003e\u0026\u003c/svg\u003e\n\u0001")");
    EXPECT_EQ(Serialize(boost::json::value("a\xE2\x80\xA8z")), R"("a\u2028z")");
    EXPECT_EQ(Serialize(boost::json::value("héllo")), "\"héllo\"");
}

TEST(JsonWriter, FormatsFloatsLikeGo) {
    EXPECT_EQ(Serialize(boost::json::value(123456.0)), "123456");
    EXPECT_EQ(Serialize(boost::json::value(-1.5)), "-1.5");
    EXPECT_EQ(Serialize(boost::json::value(0.1)), "0.1");
    EXPECT_EQ(Serialize(boost::json::value(0.0)), "0");
    EXPECT_EQ(Serialize(boost::json::value(1e21)), "1e+21");
    EXPECT_EQ(Serialize(boost::json::value(1e-7)), "1e-7");
    EXPECT_EQ(Serialize(boost::json::value(123456789012.0)), "123456789012");
}

TEST(JsonWriter, KeepsInsertionOrderAndNewline) {
    boost::json::object o;
    o["data"] = boost::json::object();
    o["message"] = "x";
    o["status"] = 400;
    EXPECT_EQ(Serialize(o, true), "{\"data\":{},\"message\":\"x\",\"status\":400}\n");
}

TEST(JsonWriter, SortedKeys) {
    boost::json::object o{{"b", 1}, {"a", boost::json::object{{"z", 1}, {"y", 2}}}};
    EXPECT_EQ(Serialize(SortedKeys(o)), R"({"a":{"z":1,"y":2},"b":1})");
    EXPECT_EQ(Serialize(SortedKeys(o, true)), R"({"a":{"y":2,"z":1},"b":1})");
}

TEST(JsonParse, RejectsMalformedAndDeepInput) {
    EXPECT_TRUE(Parse("{\"a\":[1,2]}"));
    EXPECT_FALSE(Parse("{\"a\":"));
    EXPECT_FALSE(Parse(std::string(100, '[') + std::string(100, ']'), 64));
}

}  // namespace
}  // namespace basalt::json
