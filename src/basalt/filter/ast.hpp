// Stage 2 output: the parsed (unbound) filter tree. Produced by parser.cpp, consumed by binder.cpp.
// Identifiers are still plain text here; nothing is resolved against a schema.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace basalt::filter::ast {

enum class CompareOp { kEq, kNeq, kLike, kNotLike, kLt, kLte, kGt, kGte };

/// A comparison operand: an identifier, a literal or a function call `name(args...)`.
struct Operand {
    enum class Kind { kIdentifier, kText, kNumber, kFunction };
    Kind kind = Kind::kIdentifier;
    std::string text;            // identifier / literal text / function name
    std::vector<Operand> args;   // kFunction only
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// A node of the boolean tree. kAnd/kOr have >= 2 children; kCompare has lhs/op/rhs.
/// `any` marks the ?-variants (?=, ?~, ...): "at least one value" instead of "all values".
struct Expr {
    enum class Kind { kAnd, kOr, kCompare };
    Kind kind = Kind::kCompare;
    std::vector<ExprPtr> children;
    Operand lhs;
    CompareOp op = CompareOp::kEq;
    bool any = false;
    Operand rhs;
};

}  // namespace basalt::filter::ast
