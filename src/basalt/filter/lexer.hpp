// Stage 1 of the filter pipeline: splits filter text into tokens (PocketBase's fexpr scanner).
// Consumed by parser.cpp; knows nothing about schemas or SQL.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/base/result.hpp"

namespace basalt::filter {

enum class TokenKind {
    kIdentifier,  // title, author.name, @request.auth.id, tags:length, true, null
    kText,        // 'quoted' or "quoted" (quotes removed, \' / \" unescaped)
    kNumber,      // 12, -4.5
    kSign,        // = != ~ !~ < <= > >= and the ?-variants
    kAnd,         // &&
    kOr,          // ||
    kLParen,
    kRParen,
    kComma,
    kEnd,
};

/// One lexical token. `text` is the literal's value (without quotes) or the operator/identifier
/// spelling; `pos` is the byte offset in the input, for error messages.
struct Token {
    TokenKind kind = TokenKind::kEnd;
    std::string text;
    std::size_t pos = 0;
};

/// Tokenizes a whole filter; the result always ends with a kEnd token. Comments (`// ...` up to
/// the end of the line) and whitespace are skipped. Errors are kInvalidArgument.
[[nodiscard]] Result<std::vector<Token>> Tokenize(std::string_view input);

}  // namespace basalt::filter
