// Auth records of recently presented tokens, valid for one data epoch (see EpochCache):
// resolving a token then needs no database read while nothing has been written, and a cached
// record is never older than a change a client has seen succeed (a new password or tokenKey, a
// deleted or re-verified record). Writes the store cannot see (another process on the same
// file) are bounded by the entries' maximum age instead.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "basalt/auth/token.hpp"
#include "basalt/base/epoch_cache.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::service::internal {

struct CachedAuthRecord {
    schema::Record record;
    std::string verified_token;   // the last token whose signature matched `record`...
    std::string verified_secret;  // ...and this collection secret
};

/// (collection id, record id) -> record at an epoch. Thread-safe.
class AuthRecordCache {
public:
    using Clock = EpochCache<CachedAuthRecord>::Clock;

    explicit AuthRecordCache(std::size_t capacity = 1024, Clock::duration max_age = std::chrono::seconds(1))
        : cache_({.max_entries = capacity, .max_age = max_age}) {}

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
        std::optional<schema::Record> out;
        cache_.Update(
            Key(collection_id, record_id), epoch,
            [&](const CachedAuthRecord& e) {
                out = e.record;
                token_verified = !token.empty() && auth::SameToken(e.verified_token, token) &&
                                 e.verified_secret == secret;
            },
            now);
        return out;
    }

    /// Remembers that `token`'s signature matched the record stored for the key at `epoch`
    /// and the collection `secret` (nothing when another epoch's record is stored there now).
    void MarkVerified(std::string_view collection_id,
                      std::string_view record_id,
                      std::uint64_t epoch,
                      std::string_view token,
                      std::string_view secret) {
        cache_.Update(Key(collection_id, record_id), epoch, [&](CachedAuthRecord& e) {
            e.verified_token.assign(token);
            e.verified_secret.assign(secret);
        });
    }

    /// Stores a record read in a snapshot taken after `epoch` was read.
    void Put(std::string_view collection_id,
             std::string_view record_id,
             std::uint64_t epoch,
             schema::Record record,
             Clock::time_point now = Clock::now()) {
        cache_.Put(Key(collection_id, record_id), epoch, CachedAuthRecord{std::move(record), {}, {}}, 0, now);
    }

    std::size_t size() const { return cache_.size(); }

private:
    static std::string Key(std::string_view collection_id, std::string_view record_id) {
        std::string k(collection_id);
        k += '/';  // ids never contain '/'
        k += record_id;
        return k;
    }

    EpochCache<CachedAuthRecord> cache_;
};

}  // namespace basalt::service::internal
