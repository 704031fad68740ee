// Stage 2 of the filter pipeline: tokens -> ast::Expr by recursive descent, with limits on
// nesting depth and on the number of comparisons. No schema knowledge.
#pragma once

#include <cstddef>
#include <string_view>

#include "basalt/base/result.hpp"
#include "basalt/filter/ast.hpp"

namespace basalt::filter {

struct ParseLimits {
    std::size_t max_expressions = 200;  // comparisons; 0 = unlimited
    std::size_t max_depth = 32;         // nested parentheses / function calls
};

/// Parses a complete filter expression. An empty (or comment-only) input yields nullptr.
/// Errors are kInvalidArgument; never throws on user input.
[[nodiscard]] Result<ast::ExprPtr> Parse(std::string_view input, const ParseLimits& limits = {});

/// Parses a single operand (identifier, literal or function call), as used by sort terms.
[[nodiscard]] Result<ast::Operand> ParseOperand(std::string_view input);

}  // namespace basalt::filter
