// PocketBase's rate limiter (pocketbase-api.md §1.8): settings.rateLimits rules matched by label
// in priority order, fixed windows per (rule, client), superusers exempt. Per node: a cluster
// multiplies the limits by its size (a shared store is the multi-node step).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

namespace basalt::service {

/// What a request is, for matching rules: its path and method, and for record and auth routes
/// the collection and PocketBase's action name (list, view, create, update, delete,
/// listAuthMethods, authRefresh, authWithPassword, authWithOTP, requestOTP, ...).
struct RateLimitRequest {
    std::string method;
    std::string path;
    std::string collection;
    std::string action;
    bool auth_action = false;  // one of the auth-with-* routes: also matches the `auth` tag
    bool guest = true;
    bool superuser = false;
    std::string client;  // the key the counters are kept per (the client IP)
};

/// Thread-safe; owned by the App.
class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    /// The labels a request matches, most specific first: `<collection>:<action>`,
    /// `*:<action>`, then `<collection>:auth`/`*:auth` for auth-with-* routes, `METHOD /path`,
    /// `/path`, and every `/prefix/` of the path from the longest.
    static std::vector<std::string> Labels(const RateLimitRequest& r);

    /// Whether `settings` enables rate limiting at all (checked before describing a request).
    static bool Active(const boost::json::object& settings);

    /// True when the request may proceed under `settings` (the whole settings object).
    bool Allow(const boost::json::object& settings, const RateLimitRequest& r);

private:
    struct Window {
        Clock::time_point start;
        std::int64_t count = 0;
    };

    std::mutex mu_;
    std::unordered_map<std::string, Window> windows_;
    std::uint64_t calls_ = 0;
};

}  // namespace basalt::service
