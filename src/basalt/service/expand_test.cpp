#include "basalt/service/internal/expand.hpp"

#include <gtest/gtest.h>

namespace basalt::service::internal {
namespace {

TEST(ParseExpand, MergesPrefixesAndIgnoresSpaces) {
    ExpandTree t = ParseExpand(" a.b , a, c_via_d.e ,, ");
    ASSERT_EQ(t.children.size(), 2u);
    ASSERT_TRUE(t.children.contains("a"));
    EXPECT_TRUE(t.children.at("a").children.contains("b"));
    EXPECT_TRUE(t.children.at("c_via_d").children.contains("e"));
}

TEST(ParseExpand, StopsAtSixLevels) {
    ExpandTree t = ParseExpand("a.b.c.d.e.f.g.h");
    const ExpandTree* n = &t;
    int depth = 0;
    while (!n->children.empty()) {
        n = &n->children.begin()->second;
        ++depth;
    }
    EXPECT_EQ(depth, kMaxExpandDepth);
}

TEST(ParseExpand, EmptyInput) {
    EXPECT_TRUE(ParseExpand("").children.empty());
    EXPECT_TRUE(ParseExpand(" , .").children.empty());
}

}  // namespace
}  // namespace basalt::service::internal
