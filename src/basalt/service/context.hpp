// Per-request context handed from the api layer to services: who is asking and what they sent.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "basalt/filter/filter.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::service {

inline constexpr std::string_view kSuperusersId = "pbc_3142635823";
inline constexpr std::string_view kSuperusersName = "_superusers";

/// The authenticated record of a request (nullopt = guest), resolved from a valid auth token.
struct Auth {
    std::optional<schema::Record> record;
    bool refreshable = true;

    bool IsGuest() const { return !record.has_value(); }
    bool IsSuperuser() const { return record && record->collection->id == kSuperusersId; }
};

/// What a service needs to know about the request. Copied into coroutines by value (CP.53).
struct RequestCtx {
    Auth auth;
    filter::RequestInfo info;  // method, context, query, headers, body (auth is mirrored here)
    std::string remote_ip;     // the client's address (auth alerts, rate limits)
};

/// The current schema snapshot; replaced atomically after every collection change.
/// Thread-safe; owned by the App.
class SchemaRegistry {
public:
    schema::SchemaPtr Get() const { return std::atomic_load(&current_); }
    void Set(schema::SchemaPtr s) { std::atomic_store(&current_, std::move(s)); }

private:
    schema::SchemaPtr current_ = std::make_shared<const schema::Schema>();
};

}  // namespace basalt::service
