// Route table: Go 1.22 ServeMux-like path patterns -> handler + per-route options, and the user
// middleware chain. Pure logic, unit-testable without sockets.
#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/http/request.hpp"

namespace basalt::http {

struct RouteOptions {
    /// Max request body in bytes (413 beyond). kUnlimitedBody disables the limit.
    std::size_t body_limit = 32u << 20;
    /// When set, replaces `body_limit`: computed from the matched request (method, path and
    /// path params known, body not yet read), e.g. from what the path names.
    std::function<std::size_t(const Request&)> body_limit_fn;
    /// When set and true for the matched request (method, path, params and headers known, body
    /// not read), the body is not read up front: the handler pulls it through
    /// `Request::body_reader` (uploads to disk). The body limit, timeouts and the 413/400
    /// answers stay the session's.
    std::function<bool(const Request&)> stream_body;
    static constexpr std::size_t kUnlimitedBody = std::numeric_limits<std::size_t>::max();
};

/// A registered route. Owned by the Router; stable address for the Router's lifetime.
struct Route {
    boost::beast::http::verb method = boost::beast::http::verb::unknown;
    std::string pattern;
    Handler handler;
    RouteOptions options;
    std::vector<std::string> param_names;  // in pattern order (internal)
};

/// Result of Router::Match. `route` is never null: unmatched requests get the fallback route.
struct RouteMatch {
    const Route* route = nullptr;
    bool matched = false;  // false = fallback
    std::map<std::string, std::string, std::less<>> params;
};

/// Method + path pattern -> Route, plus global user middleware.
///
/// Patterns: "/api/collections/{collection}/records/{id}"; a final "{name...}" matches the
/// rest of the path (possibly empty); a pattern ending in "/" matches that prefix (Go's
/// semantics, so "/" matches everything) unless it ends in "/{$}" (exact). Literal segments
/// win over "{param}" which wins over "{rest...}"; the match backtracks, so a method that only
/// exists on a less specific pattern still matches it. No trailing-slash tolerance on paths.
/// Segments are compared and captured percent-decoded. HEAD falls back to GET routes.
///
/// Threading: build it on one thread (Add/Use/SetFallback throw std::invalid_argument on bad or
/// duplicate patterns), then share it as std::shared_ptr<const Router>; the const API is
/// thread-safe.
class Router {
public:
    Router();
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    void Add(boost::beast::http::verb method,
             std::string_view pattern,
             Handler h,
             RouteOptions o = {});
    /// Global middleware, run in registration order (first = outermost) around the handler.
    void Use(Middleware m);
    /// Handler for unmatched path/method. Without one, the server answers error_response(404).
    void SetFallback(Handler h);

    /// Matches a raw (still percent-encoded) path without query. Never returns a null route.
    RouteMatch Match(boost::beast::http::verb method, std::string_view raw_path) const;

    /// Runs the user middleware chain, then `handler` (normally route.handler).
    net::awaitable<Response> Dispatch(const Handler& handler, Request& req) const;

    const Route& fallback() const { return fallback_; }

    const std::vector<Middleware>& middleware() const { return middleware_; }

private:
    struct Node;
    bool MatchNode(const Node& node,
                   const std::vector<std::string_view>& raw_segs,
                   std::size_t i,
                   boost::beast::http::verb method,
                   std::vector<std::string>& values,
                   const Route*& out) const;

    std::unique_ptr<Node> root_;
    std::vector<Middleware> middleware_;
    Route fallback_;
};

}  // namespace basalt::http
