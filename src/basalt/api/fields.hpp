// The `fields` query parameter (PocketBase §1.7, §4.5): picks paths from any 2xx JSON response,
// with `*` wildcards and the `:excerpt(max[,withEllipsis])` modifier.
#pragma once

#include <string_view>

#include <boost/json/value.hpp>

namespace basalt::api {

/// Applies `fields` to `v` in place. For a list result (an object with "items") the paths apply
/// to each item and the pagination keys are kept.
void PickFields(boost::json::value& v, std::string_view fields);

/// Plain-text excerpt of HTML: tags stripped (script/style/... subtrees dropped), whitespace
/// collapsed, truncated to `max` code points, "..." appended when truncated and `ellipsis`.
std::string Excerpt(std::string_view html, std::size_t max, bool ellipsis);

}  // namespace basalt::api
