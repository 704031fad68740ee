// A value bound to a SQL statement parameter; produced by filter/service, consumed by stores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace basalt {

/// NULL, boolean, integer, real or text. Stores map bool to their native type (SQLite: 0/1).
using SqlValue = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

using SqlParams = std::vector<SqlValue>;

/// Appends `sql` and every parameter with its type to a cache key, unambiguously: two calls
/// append the same text only for the same SQL and the same typed values. False (the key is
/// then unusable) once the key grows past `max_size`: not worth caching.
bool AppendSqlKey(std::string& key, std::string_view sql, const SqlParams& params, std::size_t max_size);

}  // namespace basalt
