// Filter parser: recursive descent over lexer tokens. Grammar:
//   expr := and ('||' and)* ; and := primary ('&&' primary)* ; primary := '(' expr ')' | cmp
//   cmp := operand SIGN operand ; operand := IDENT | TEXT | NUMBER | IDENT '(' [operand (',' operand)*] ')'
#include "basalt/filter/parser.hpp"

#include <string>
#include <utility>
#include <vector>

#include "basalt/filter/lexer.hpp"

namespace basalt::filter {

namespace {

constexpr std::size_t kMaxFunctionArgs = 10;

Result<std::pair<ast::CompareOp, bool>> SignToOp(std::string_view s) {
    bool any = false;
    if (!s.empty() && s.front() == '?') {
        any = true;
        s.remove_prefix(1);
    }
    if (s == "=") {
        return std::pair{ast::CompareOp::kEq, any};
    }
    if (s == "!=") {
        return std::pair{ast::CompareOp::kNeq, any};
    }
    if (s == "~") {
        return std::pair{ast::CompareOp::kLike, any};
    }
    if (s == "!~") {
        return std::pair{ast::CompareOp::kNotLike, any};
    }
    if (s == "<") {
        return std::pair{ast::CompareOp::kLt, any};
    }
    if (s == "<=") {
        return std::pair{ast::CompareOp::kLte, any};
    }
    if (s == ">") {
        return std::pair{ast::CompareOp::kGt, any};
    }
    if (s == ">=") {
        return std::pair{ast::CompareOp::kGte, any};
    }
    return InvalidArgument("invalid filter: unknown operator");
}

class Parser {
public:
    Parser(std::vector<Token> tokens, const ParseLimits& limits)
        : tokens_(std::move(tokens)), limits_(limits) {}

    Result<ast::ExprPtr> ParseAll() {
        if (Peek().kind == TokenKind::kEnd) {
            return ast::ExprPtr{};
        }
        BASALT_TRY(auto e, ParseOr());
        if (Peek().kind != TokenKind::kEnd) {
            return Fail("unexpected token", Peek());
        }
        return e;
    }

    Result<ast::Operand> ParseSingleOperand() {
        BASALT_TRY(auto op, ParseOperandTok());
        if (Peek().kind != TokenKind::kEnd) {
            return Fail("unexpected token", Peek());
        }
        return op;
    }

private:
    const Token& Peek() const { return tokens_[pos_]; }

    const Token& Next() {
        const Token& t = tokens_[pos_];
        if (t.kind != TokenKind::kEnd) {
            ++pos_;
        }
        return t;
    }

    static Error Fail(std::string_view what, const Token& at) {
        return InvalidArgument("invalid filter: " + std::string(what) + " at position " +
                               std::to_string(at.pos));
    }

    Result<ast::ExprPtr> ParseOr() {
        BASALT_TRY(auto first, ParseAnd());
        if (Peek().kind != TokenKind::kOr) {
            return first;
        }
        auto node = std::make_unique<ast::Expr>();
        node->kind = ast::Expr::Kind::kOr;
        node->children.push_back(std::move(first));
        while (Peek().kind == TokenKind::kOr) {
            Next();
            BASALT_TRY(auto rhs, ParseAnd());
            node->children.push_back(std::move(rhs));
        }
        return node;
    }

    Result<ast::ExprPtr> ParseAnd() {
        BASALT_TRY(auto first, ParsePrimary());
        if (Peek().kind != TokenKind::kAnd) {
            return first;
        }
        auto node = std::make_unique<ast::Expr>();
        node->kind = ast::Expr::Kind::kAnd;
        node->children.push_back(std::move(first));
        while (Peek().kind == TokenKind::kAnd) {
            Next();
            BASALT_TRY(auto rhs, ParsePrimary());
            node->children.push_back(std::move(rhs));
        }
        return node;
    }

    Result<ast::ExprPtr> ParsePrimary() {
        if (Peek().kind == TokenKind::kLParen) {
            const Token& open = Next();
            if (++depth_ > limits_.max_depth) {
                return Fail("too deeply nested", open);
            }
            if (Peek().kind == TokenKind::kRParen) {
                return Fail("empty group", Peek());
            }
            BASALT_TRY(auto inner, ParseOr());
            if (Peek().kind != TokenKind::kRParen) {
                return Fail("expected ')'", Peek());
            }
            Next();
            --depth_;
            return inner;
        }
        return ParseComparison();
    }

    Result<ast::ExprPtr> ParseComparison() {
        BASALT_TRY(auto lhs, ParseOperandTok());
        const Token& sign = Peek();
        if (sign.kind != TokenKind::kSign) {
            return Fail("expected a comparison operator", sign);
        }
        Next();
        BASALT_TRY(auto op, SignToOp(sign.text));
        BASALT_TRY(auto rhs, ParseOperandTok());
        if (limits_.max_expressions != 0 && ++count_ > limits_.max_expressions) {
            return InvalidArgument("invalid filter: too many expressions (max " +
                                   std::to_string(limits_.max_expressions) + ")");
        }
        auto node = std::make_unique<ast::Expr>();
        node->kind = ast::Expr::Kind::kCompare;
        node->lhs = std::move(lhs);
        node->op = op.first;
        node->any = op.second;
        node->rhs = std::move(rhs);
        return node;
    }

    Result<ast::Operand> ParseOperandTok() {
        const Token& t = Peek();
        ast::Operand op;
        switch (t.kind) {
            case TokenKind::kText:
                op.kind = ast::Operand::Kind::kText;
                break;
            case TokenKind::kNumber:
                op.kind = ast::Operand::Kind::kNumber;
                break;
            case TokenKind::kIdentifier:
                op.kind = ast::Operand::Kind::kIdentifier;
                break;
            default:
                return Fail("expected an operand", t);
        }
        op.text = t.text;
        Next();
        if (op.kind == ast::Operand::Kind::kIdentifier && Peek().kind == TokenKind::kLParen) {
            const Token& open = Next();
            if (++depth_ > limits_.max_depth) {
                return Fail("too deeply nested", open);
            }
            op.kind = ast::Operand::Kind::kFunction;
            if (Peek().kind != TokenKind::kRParen) {
                while (true) {
                    BASALT_TRY(auto arg, ParseOperandTok());
                    op.args.push_back(std::move(arg));
                    if (op.args.size() > kMaxFunctionArgs) {
                        return Fail("too many function arguments", Peek());
                    }
                    if (Peek().kind == TokenKind::kComma) {
                        Next();
                        continue;
                    }
                    break;
                }
            }
            if (Peek().kind != TokenKind::kRParen) {
                return Fail("expected ')'", Peek());
            }
            Next();
            --depth_;
        }
        return op;
    }

    std::vector<Token> tokens_;
    ParseLimits limits_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::size_t count_ = 0;
};

}  // namespace

Result<ast::ExprPtr> Parse(std::string_view input, const ParseLimits& limits) {
    BASALT_TRY(auto tokens, Tokenize(input));
    Parser p(std::move(tokens), limits);
    return p.ParseAll();
}

Result<ast::Operand> ParseOperand(std::string_view input) {
    BASALT_TRY(auto tokens, Tokenize(input));
    if (tokens.size() == 1) {
        return InvalidArgument("invalid sort field");
    }
    Parser p(std::move(tokens), ParseLimits{});
    return p.ParseSingleOperand();
}

}  // namespace basalt::filter
