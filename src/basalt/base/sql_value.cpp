#include "basalt/base/sql_value.hpp"

#include <type_traits>

#include <fmt/format.h>

namespace basalt {

bool AppendSqlKey(std::string& key, std::string_view sql, const SqlParams& params, std::size_t max_size) {
    key += sql;
    for (const auto& p : params) {
        // A separator that cannot occur in generated SQL, then a type tag and the value's length
        // (values may contain anything).
        key += '\0';
        std::visit(
            [&key](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::monostate>) {
                    key += 'n';
                } else if constexpr (std::is_same_v<T, bool>) {
                    key += v ? "bt" : "bf";
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    key += fmt::format("i{}", v);
                } else if constexpr (std::is_same_v<T, double>) {
                    key += fmt::format("d{}", v);
                } else {
                    key += fmt::format("s{}:", v.size());
                    key += v;
                }
            },
            p);
        if (key.size() > max_size) {
            return false;
        }
    }
    return key.size() <= max_size;
}

}  // namespace basalt
