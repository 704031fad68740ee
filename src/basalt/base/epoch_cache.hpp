// EpochCache: a bounded, thread-safe LRU map whose entries are valid for one data epoch.
//
// The store advances its data epoch after every committed write, before the writer's caller
// hears of the commit (store::Store::DataEpoch). A value computed in a snapshot taken after
// epoch E was read is therefore current for as long as the epoch is still E: a lookup at any
// other epoch misses, so nothing cached is ever older than a write a client has seen succeed.
// Writes the store cannot see (another process on the same file) are bounded by an optional
// maximum age instead. Used for list totals, list pages and the auth records of tokens.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace basalt {

template <class V>
class EpochCache {
public:
    using Clock = std::chrono::steady_clock;

    struct Limits {
        std::size_t max_entries = 1024;
        /// Sum of the entries' costs (see Put); 0 = no limit beyond max_entries.
        std::size_t max_cost = 0;
        /// Entries older than this miss; zero = no maximum age.
        Clock::duration max_age{};
    };

    explicit EpochCache(Limits limits) : limits_(limits) {}

    /// The value stored for `key` at exactly `epoch` (and younger than the maximum age).
    std::optional<V> Get(const std::string& key, std::uint64_t epoch, Clock::time_point now = Clock::now()) {
        std::lock_guard lock(mu_);
        Entry* e = FindCurrent(key, epoch, now);
        if (e == nullptr) {
            return std::nullopt;
        }
        return e->value;
    }

    /// Calls `fn(V&)` on the value stored for `key` at exactly `epoch`, under the cache's lock;
    /// false when there is none (or it is too old).
    template <class F>
    bool Update(const std::string& key, std::uint64_t epoch, F&& fn, Clock::time_point now = Clock::now()) {
        std::lock_guard lock(mu_);
        Entry* e = FindCurrent(key, epoch, now);
        if (e == nullptr) {
            return false;
        }
        std::forward<F>(fn)(e->value);
        return true;
    }

    /// Stores a value computed in a snapshot taken after `epoch` was read, unless a value of a
    /// later epoch is stored already. `cost` counts against Limits::max_cost (the key's size is
    /// added); a value costing more than an eighth of it is not stored.
    void Put(std::string key, std::uint64_t epoch, V value, std::size_t cost = 0, Clock::time_point now = Clock::now()) {
        cost += key.size();
        if (limits_.max_entries == 0 || (limits_.max_cost != 0 && cost > limits_.max_cost / 8)) {
            return;
        }
        std::lock_guard lock(mu_);
        if (auto it = map_.find(key); it != map_.end()) {
            Entry& e = it->second;
            if (epoch >= e.epoch) {
                cost_ -= e.cost;
                e.epoch = epoch;
                e.stored = now;
                e.value = std::move(value);
                e.cost = cost;
                cost_ += cost;
            }
            lru_.splice(lru_.begin(), lru_, e.lru);
            Trim();
            return;
        }
        lru_.push_front(key);
        map_.emplace(std::move(key), Entry{epoch, now, std::move(value), cost, lru_.begin()});
        cost_ += cost;
        Trim();
    }

    std::size_t size() const {
        std::lock_guard lock(mu_);
        return map_.size();
    }

    /// The sum of the stored entries' costs.
    std::size_t cost() const {
        std::lock_guard lock(mu_);
        return cost_;
    }

private:
    struct Entry {
        std::uint64_t epoch = 0;
        Clock::time_point stored;
        V value;
        std::size_t cost = 0;
        std::list<std::string>::iterator lru;
    };

    Entry* FindCurrent(const std::string& key, std::uint64_t epoch, Clock::time_point now) {
        auto it = map_.find(key);
        if (it == map_.end() || it->second.epoch != epoch ||
            (limits_.max_age != Clock::duration::zero() && now - it->second.stored >= limits_.max_age)) {
            return nullptr;
        }
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        return &it->second;
    }

    /// Drops least recently used entries until both limits hold again (the newest stays).
    void Trim() {
        while (map_.size() > 1 &&
               (map_.size() > limits_.max_entries || (limits_.max_cost != 0 && cost_ > limits_.max_cost))) {
            auto it = map_.find(lru_.back());
            cost_ -= it->second.cost;
            map_.erase(it);
            lru_.pop_back();
        }
    }

    const Limits limits_;
    mutable std::mutex mu_;
    std::list<std::string> lru_;  // most recently used first
    std::unordered_map<std::string, Entry> map_;
    std::size_t cost_ = 0;
};

}  // namespace basalt
