// Percent-decoding and query-string parsing for the http transport (internal to http/).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::http::internal {

/// Decodes %XX escapes (and '+' as space when `plus_as_space`); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space = false);

/// Parses "a=1&b=x+y" like Go's url.ParseQuery: pairs with bad escapes are dropped, empty
/// pieces skipped, a key without '=' gets "".
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view q);

/// Splits an origin-form request-target into raw path and raw query (without '?').
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target);

}  // namespace basalt::http::internal
