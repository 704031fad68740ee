// A value bound to a SQL statement parameter; produced by filter/service, consumed by stores.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace basalt {

/// NULL, boolean, integer, real or text. Stores map bool to their native type (SQLite: 0/1).
using SqlValue = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

using SqlParams = std::vector<SqlValue>;

}  // namespace basalt
