// Stage 4 of the filter pipeline: BoundFilter -> SQL text + parameters for one Dialect.
// Shared joins become one correlated EXISTS around the expression; "all values" comparisons over
// multi-valued operands become independent NOT EXISTS subqueries (PocketBase's multi-match).
#pragma once

#include <string>

#include "basalt/filter/bound_ast.hpp"
#include "basalt/filter/dialect.hpp"

namespace basalt::filter {

/// The WHERE expression of a bound filter; placeholders are still kParamMarker.
/// `main_alias` is the already-quoted alias of the queried table. With `decorrelate`, shared
/// joins hanging off one relation hop become `col IN (SELECT …)` when that is equivalent.
SqlFragment GenerateFilter(const BoundFilter& filter,
                           const Dialect& dialect,
                           const std::string& main_alias,
                           bool decorrelate = true);

/// A scalar ORDER BY expression for one bound value (joins become a LIMIT 1 subquery).
SqlFragment GenerateSortValue(const BoundValue& value,
                              const BoundFilter& joins,
                              const Dialect& dialect,
                              const std::string& main_alias);

/// Replaces each kParamMarker with the dialect's numbered placeholder, from `first_index` on.
std::string RenderPlaceholders(const std::string& sql, const Dialect& dialect, std::size_t first_index);

/// PocketBase's LIKE parameter rewriting: `%value%` with `\`, `%`, `_` escaped, unless the value
/// already contains an unescaped `%` (then it is a pattern and used verbatim).
std::string WrapLikeValue(const std::string& value);

}  // namespace basalt::filter
