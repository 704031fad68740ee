// Unit tests of the filter parser (tree shape, limits, errors).
#include "basalt/filter/parser.hpp"

#include <gtest/gtest.h>

namespace basalt::filter {
namespace {

TEST(ParserTest, PrecedenceAndGroups) {
    auto r = Parse("a = 1 || b = 2 && c = 3");
    ASSERT_TRUE(r);
    const auto& e = **r;
    ASSERT_EQ(e.kind, ast::Expr::Kind::kOr);
    ASSERT_EQ(e.children.size(), 2u);
    EXPECT_EQ(e.children[1]->kind, ast::Expr::Kind::kAnd);

    auto g = Parse("(a = 1 || b = 2) && c ?~ 'x'");
    ASSERT_TRUE(g);
    ASSERT_EQ((*g)->kind, ast::Expr::Kind::kAnd);
    EXPECT_EQ((*g)->children[0]->kind, ast::Expr::Kind::kOr);
    const auto& cmp = *(*g)->children[1];
    EXPECT_EQ(cmp.op, ast::CompareOp::kLike);
    EXPECT_TRUE(cmp.any);
    EXPECT_EQ(cmp.rhs.kind, ast::Operand::Kind::kText);
}

TEST(ParserTest, FunctionsAndEmpty) {
    auto r = Parse("geoDistance(point.lon, point.lat, 1, -2.5) < 25");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)->lhs.kind, ast::Operand::Kind::kFunction);
    EXPECT_EQ((*r)->lhs.args.size(), 4u);
    auto empty = Parse("  // only a comment");
    ASSERT_TRUE(empty);
    EXPECT_EQ(*empty, nullptr);
}

TEST(ParserTest, Errors) {
    for (std::string_view bad : {"a", "a =", "= 1", "(a = 1", "a = 1)", "()", "a = 1 &&", "a = 1 b = 2",
                                 "a = 1 && || b = 2", "f(a = 1", "a = b = c"}) {
        auto r = Parse(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
}

TEST(ParserTest, Limits) {
    std::string deep(1000, '(');
    deep += "a = 1";
    deep += std::string(1000, ')');
    auto r = Parse(deep);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("nested"), std::string::npos);

    std::string many = "a = 1";
    for (int i = 0; i < 200; ++i) {
        many += " && a = 1";
    }
    ParseLimits limits;
    limits.max_expressions = 200;
    EXPECT_FALSE(Parse(many, limits));
    limits.max_expressions = 201;
    EXPECT_TRUE(Parse(many, limits));

    std::string nested_fn = "a = ";
    for (int i = 0; i < 100; ++i) {
        nested_fn += "f(";
    }
    nested_fn += std::string(100, ')');
    EXPECT_FALSE(Parse(nested_fn));
}

}  // namespace
}  // namespace basalt::filter
