#include "basalt/store/count_cache.hpp"

namespace basalt::store {

namespace {

constexpr std::size_t kMaxKeySize = 16 * 1024;

}  // namespace

std::string CountCache::Key(std::string_view sql, const SqlParams& params) {
    std::string key;
    if (!AppendSqlKey(key, sql, params, kMaxKeySize)) {
        return {};
    }
    return key;
}

}  // namespace basalt::store
