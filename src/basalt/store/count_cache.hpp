// Totals of list queries, cached per query text and parameters and valid for one data epoch:
// the store advances the epoch after every committed write, before the writer's caller hears
// of the commit, so a cached total is never older than any write a client has seen succeed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "basalt/base/sql_value.hpp"

namespace basalt::store {

/// A bounded LRU map (query key -> count at an epoch). Thread-safe.
class CountCache {
public:
    explicit CountCache(std::size_t capacity = 1024) : capacity_(capacity) {}

    /// The key of a query: its SQL and every parameter with its type. Empty when the query is
    /// too large to be worth caching.
    static std::string Key(std::string_view sql, const SqlParams& params);

    /// The count stored for `key` at exactly `epoch`.
    std::optional<std::int64_t> Get(const std::string& key, std::uint64_t epoch);

    /// Stores a count computed in a snapshot taken after `epoch` was read.
    void Put(const std::string& key, std::uint64_t epoch, std::int64_t count);

    std::size_t size() const;

private:
    struct Entry {
        std::uint64_t epoch = 0;
        std::int64_t count = 0;
        std::list<std::string>::iterator lru;
    };

    const std::size_t capacity_;
    mutable std::mutex mu_;
    std::list<std::string> lru_;  // most recently used first
    std::unordered_map<std::string, Entry> map_;
};

}  // namespace basalt::store
