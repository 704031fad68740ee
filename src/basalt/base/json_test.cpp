#include "basalt/base/json.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace basalt::json {
namespace {

TEST(JsonWriter, EscapesLikeGo) {
    EXPECT_EQ(Serialize(boost::json::value("<svg a=\"b\">&</svg>\n\x01")),
              R"("\u003csvg a=\"b\"\u003e\u0026\u003c/svg\u003e\n\u0001")");
    EXPECT_EQ(Serialize(boost::json::value("a\xE2\x80\xA8z")), R"("a\u2028z")");
    EXPECT_EQ(Serialize(boost::json::value("héllo")), "\"héllo\"");
}

// Go's encoding of one string, a byte at a time: the reference for WriteString's block scan.
std::string EscapeByteByByte(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
            (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
            out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
            i += 2;
        } else if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

TEST(JsonWriter, EscapesEveryByteAtEveryPositionOfABlock) {
    // Each byte value (and U+2028/U+2029, and a lone 0xE2) at each offset of strings that span
    // one to three 16-byte blocks, with plain text and with another special byte around it.
    std::vector<std::string> needles;
    for (int c = 0; c < 256; ++c) {
        needles.emplace_back(1, static_cast<char>(c));
    }
    needles.emplace_back("\xE2\x80\xA8");
    needles.emplace_back("\xE2\x80\xA9");
    needles.emplace_back("\xE2\x82\xAC");  // the euro sign: 0xE2 that stays as it is
    for (const std::size_t len : {1U, 15U, 16U, 17U, 31U, 33U, 47U}) {
        for (const auto& needle : needles) {
            for (std::size_t at = 0; at < len; ++at) {
                for (const char fill : {'a', '<'}) {
                    std::string s(len, fill);
                    s.replace(at, std::min(needle.size(), len - at), needle.substr(0, len - at));
                    std::string got;
                    WriteString(got, s);
                    ASSERT_EQ(got, EscapeByteByByte(s)) << "length " << len << ", at " << at;
                }
            }
        }
    }
    std::string appended = "x";
    WriteString(appended, "plain text that is longer than one block");
    EXPECT_EQ(appended, "x\"plain text that is longer than one block\"");
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
