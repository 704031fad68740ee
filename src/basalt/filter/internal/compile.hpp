// Internal: the recursive entry point shared by filter.cpp and binder.cpp (joined collections'
// listRules are compiled with it). Not for use outside src/basalt/filter/.
#pragma once

#include <string>
#include <string_view>

#include "basalt/base/result.hpp"
#include "basalt/filter/bound_ast.hpp"
#include "basalt/filter/filter.hpp"

namespace basalt::filter::internal {

inline constexpr int kMaxRuleDepth = 3;

/// Compiles `expr` to a fragment whose placeholders are still kParamMarker. `depth` counts the
/// nested listRule compilations; join aliases are derived from `alias_prefix`.
[[nodiscard]] Result<SqlFragment> CompileFragment(std::string_view expr,
                                                  const CompileOptions& opts,
                                                  const Dialect& dialect,
                                                  int depth,
                                                  const std::string& alias_prefix);

}  // namespace basalt::filter::internal
