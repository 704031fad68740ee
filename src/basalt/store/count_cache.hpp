// Totals of list queries, cached per query text and parameters and valid for one data epoch
// (see EpochCache): a cached total is never older than any write a client has seen succeed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "basalt/base/epoch_cache.hpp"
#include "basalt/base/sql_value.hpp"

namespace basalt::store {

/// Query key -> count at an epoch. Thread-safe.
class CountCache : public EpochCache<std::int64_t> {
public:
    explicit CountCache(std::size_t capacity = 1024) : EpochCache({.max_entries = capacity}) {}

    /// The key of a query: its SQL and every parameter with its type. Empty when the query is
    /// too large to be worth caching.
    static std::string Key(std::string_view sql, const SqlParams& params);
};

}  // namespace basalt::store
