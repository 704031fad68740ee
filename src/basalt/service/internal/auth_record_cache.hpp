// Auth records of recently presented tokens, valid for one data epoch (see store::CountCache):
// resolving a token then needs no database read while nothing has been written. Every
// committed write through the store advances the epoch before its writer hears of the commit,
// so a cached record is never older than a change a client has seen succeed (a new password or
// tokenKey, a deleted or re-verified record). Writes the store cannot see (another process on
// the same file) are bounded by the entries' maximum age instead.
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

#include "basalt/auth/token.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::service::internal {

/// A bounded LRU map (collection id, record id) -> record at an epoch. Thread-safe.
class AuthRecordCache {
public:
    using Clock = std::chrono::steady_clock;

    explicit AuthRecordCache(std::size_t capacity = 1024, Clock::duration max_age = std::chrono::seconds(1))
        : capacity_(capacity), max_age_(max_age) {}

    /// The record stored for the key at exactly `epoch` and younger than the maximum age.
    std::optional<schema::Record> Get(std::string_view collection_id,
                                      std::string_view record_id,
                                      std::uint64_t epoch,
                                      Clock::time_point now = Clock::now()) {
        bool verified = false;
        return Get(collection_id, record_id, epoch, {}, {}, verified, now);
    }

    /// Get, and whether `token` is the one MarkVerified remembered for this record at this
    /// epoch with the same collection `secret`: its signature was checked with this record's
    /// tokenKey (a new tokenKey is a write, which starts a new epoch) and that secret.
    std::optional<schema::Record> Get(std::string_view collection_id,
                                      std::string_view record_id,
                                      std::uint64_t epoch,
                                      std::string_view token,
                                      std::string_view secret,
                                      bool& token_verified,
                                      Clock::time_point now = Clock::now()) {
        token_verified = false;
        const std::string key = Key(collection_id, record_id);
        std::lock_guard lock(mu_);
        auto it = map_.find(key);
        if (it == map_.end() || it->second.epoch != epoch || now - it->second.stored >= max_age_) {
            return std::nullopt;
        }
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        token_verified = !token.empty() && auth::SameToken(it->second.verified_token, token) &&
                         it->second.verified_secret == secret;
        return it->second.record;
    }

    /// Remembers that `token`'s signature matched the record stored for the key at `epoch`
    /// and the collection `secret` (nothing when another epoch's record is stored there now).
    void MarkVerified(std::string_view collection_id,
                      std::string_view record_id,
                      std::uint64_t epoch,
                      std::string_view token,
                      std::string_view secret) {
        const std::string key = Key(collection_id, record_id);
        std::lock_guard lock(mu_);
        if (auto it = map_.find(key); it != map_.end() && it->second.epoch == epoch) {
            it->second.verified_token.assign(token);
            it->second.verified_secret.assign(secret);
        }
    }

    /// Stores a record read in a snapshot taken after `epoch` was read.
    void Put(std::string_view collection_id,
             std::string_view record_id,
             std::uint64_t epoch,
             schema::Record record,
             Clock::time_point now = Clock::now()) {
        std::string key = Key(collection_id, record_id);
        std::lock_guard lock(mu_);
        if (auto it = map_.find(key); it != map_.end()) {
            if (epoch >= it->second.epoch) {
                if (epoch != it->second.epoch) {
                    it->second.verified_token.clear();
                    it->second.verified_secret.clear();
                }
                it->second.epoch = epoch;
                it->second.stored = now;
                it->second.record = std::move(record);
            }
            lru_.splice(lru_.begin(), lru_, it->second.lru);
            return;
        }
        if (capacity_ == 0) {
            return;
        }
        if (map_.size() >= capacity_) {
            map_.erase(lru_.back());
            lru_.pop_back();
        }
        lru_.push_front(key);
        map_.emplace(std::move(key), Entry{epoch, now, std::move(record), lru_.begin(), {}, {}});
    }

    std::size_t size() const {
        std::lock_guard lock(mu_);
        return map_.size();
    }

private:
    struct Entry {
        std::uint64_t epoch = 0;
        Clock::time_point stored;
        schema::Record record;
        std::list<std::string>::iterator lru;
        std::string verified_token;   // the last token whose signature matched `record`...
        std::string verified_secret;  // ...and this collection secret
    };

    static std::string Key(std::string_view collection_id, std::string_view record_id) {
        std::string k(collection_id);
        k += '/';  // ids never contain '/'
        k += record_id;
        return k;
    }

    const std::size_t capacity_;
    const Clock::duration max_age_;
    mutable std::mutex mu_;
    std::list<std::string> lru_;  // most recently used first
    std::unordered_map<std::string, Entry> map_;
};

}  // namespace basalt::service::internal
