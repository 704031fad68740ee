// JSON output compatible with Go's encoding/json (PocketBase): '<', '>', '&', U+2028/2029
// escaped, floats formatted like strconv.FormatFloat('f'/'e', -1), keys in insertion order.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "basalt/base/result.hpp"

namespace basalt::json {

/// Appends the Go-compatible encoding of `v` to `out` (no trailing newline).
void Write(std::string& out, const boost::json::value& v);
void WriteString(std::string& out, std::string_view s);
void WriteDouble(std::string& out, double d);

/// Serializes `v`; `newline` appends '\n' as Go's json.Encoder does.
std::string Serialize(const boost::json::value& v, bool newline = false);

/// Parses a document with a depth limit; returns kInvalidArgument on malformed input.
Result<boost::json::value> Parse(std::string_view text, std::size_t max_depth = 64);

/// Returns the object with its keys sorted (recursively for nested objects when `deep`).
boost::json::object SortedKeys(const boost::json::object& o, bool deep = false);

}  // namespace basalt::json
