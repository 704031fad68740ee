// Unit tests of the filter lexer.
#include "basalt/filter/lexer.hpp"

#include <gtest/gtest.h>

namespace basalt::filter {
namespace {

std::vector<TokenKind> Kinds(std::string_view in) {
    auto r = Tokenize(in);
    EXPECT_TRUE(r) << in;
    std::vector<TokenKind> out;
    if (r) {
        for (const auto& t : *r) {
            out.push_back(t.kind);
        }
    }
    return out;
}

TEST(LexerTest, BasicTokens) {
    auto r = Tokenize("title = 'a' && (n>=-4.5 || x ?!~ \"q\")");
    ASSERT_TRUE(r);
    const auto& t = *r;
    ASSERT_EQ(t.size(), 14u);
    EXPECT_EQ(t[0].kind, TokenKind::kIdentifier);
    EXPECT_EQ(t[1].text, "=");
    EXPECT_EQ(t[2].kind, TokenKind::kText);
    EXPECT_EQ(t[2].text, "a");
    EXPECT_EQ(t[3].kind, TokenKind::kAnd);
    EXPECT_EQ(t[4].kind, TokenKind::kLParen);
    EXPECT_EQ(t[6].text, ">=");
    EXPECT_EQ(t[7].kind, TokenKind::kNumber);
    EXPECT_EQ(t[7].text, "-4.5");
    EXPECT_EQ(t[10].text, "?!~");
    EXPECT_EQ(t[11].text, "q");
    EXPECT_EQ(t[13].kind, TokenKind::kEnd);
}

TEST(LexerTest, EscapedQuotesAndComments) {
    auto r = Tokenize("a = 'it\\'s' // trailing comment\n && b = \"say \\\"hi\\\" \\n\"");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[2].text, "it's");
    EXPECT_EQ((*r)[6].text, "say \"hi\" \\n");
}

TEST(LexerTest, IdentifiersWithPathsAndModifiers) {
    auto r = Tokenize("@request.auth.id tags:length #x _a data.items.0.name");
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[0].text, "@request.auth.id");
    EXPECT_EQ((*r)[1].text, "tags:length");
    EXPECT_EQ((*r)[2].text, "#x");
    EXPECT_EQ((*r)[4].text, "data.items.0.name");
    EXPECT_EQ(Kinds("f(a, 1)"), (std::vector<TokenKind>{TokenKind::kIdentifier, TokenKind::kLParen,
                                                        TokenKind::kIdentifier, TokenKind::kComma,
                                                        TokenKind::kNumber, TokenKind::kRParen,
                                                        TokenKind::kEnd}));
}

TEST(LexerTest, Errors) {
    for (std::string_view bad : {"a = 'open", "a & b", "a | b", "a == b", "a =! b", "a = 1.2.3",
                                 "a = 12abc", "a = $", "a = 1."}) {
        auto r = Tokenize(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
}

}  // namespace
}  // namespace basalt::filter
