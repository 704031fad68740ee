#include "basalt/api/fields.hpp"

#include <gtest/gtest.h>

#include "basalt/base/json.hpp"

namespace basalt::api {
namespace {

boost::json::value P(std::string_view s) { return *json::Parse(s); }

TEST(Fields, PicksPathsAndKeepsPagination) {
    auto v = P(R"({"items":[{"id":"a","title":"t","n":1}],"page":1,"perPage":30,"totalItems":1,"totalPages":1})");
    PickFields(v, "id,n");
    EXPECT_EQ(json::Serialize(v), R"({"items":[{"id":"a","n":1}],"page":1,"perPage":30,"totalItems":1,"totalPages":1})");
}

TEST(Fields, WildcardAndNested) {
    auto v = P(R"({"b":1,"a":2,"expand":{"author":{"name":"x","id":"y"}}})");
    PickFields(v, "*,expand.author.name");
    EXPECT_EQ(json::Serialize(v), R"({"a":2,"b":1,"expand":{"author":{"name":"x"}}})");
}

TEST(Fields, Excerpt) {
    auto v = P(R"({"d":"<p>Hello <b>big</b>   world</p><script>x()</script>"})");
    PickFields(v, "d:excerpt(9,true)");
    EXPECT_EQ(json::Serialize(v), R"({"d":"Hello big..."})");
    EXPECT_EQ(Excerpt("<p>short</p>", 100, true), "short");
}

}  // namespace
}  // namespace basalt::api
