// Route trie (literal > {param} > {rest...}, with backtracking) and the middleware chain runner.
#include "basalt/http/router.hpp"

#include <stdexcept>

#include "basalt/http/internal/url.hpp"

namespace basalt::http {

namespace verb_ns = boost::beast::http;

struct Router::Node {
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
    std::unique_ptr<Node> param;
    std::vector<std::unique_ptr<Route>> routes;       // patterns ending at this node
    std::vector<std::unique_ptr<Route>> rest_routes;  // patterns ending with "/{rest...}" here
};

namespace {

std::vector<std::string_view> SplitSegments(std::string_view path) {
    std::vector<std::string_view> out;
    path.remove_prefix(1);  // leading '/'
    while (true) {
        auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            break;
        }
        path.remove_prefix(slash + 1);
    }
    return out;
}

const Route* FindMethod(const std::vector<std::unique_ptr<Route>>& routes, verb_ns::verb m) {
    const Route* get = nullptr;
    for (const auto& r : routes) {
        if (r->method == m) {
            return r.get();
        }
        if (r->method == verb_ns::verb::get) {
            get = r.get();
        }
    }
    return m == verb_ns::verb::head ? get : nullptr;
}

void AddTo(std::vector<std::unique_ptr<Route>>& routes, std::unique_ptr<Route> r) {
    for (const auto& existing : routes) {
        if (existing->method == r->method) {
            throw std::invalid_argument("http::Router: pattern '" + r->pattern +
                                        "' conflicts with '" + existing->pattern + "'");
        }
    }
    routes.push_back(std::move(r));
}

bool IsWildcard(std::string_view seg) {
    return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// Non-capturing chain plumbing: a Next is a (context, index) pair small enough for
// std::function's inline storage, so building it does not allocate.
struct ChainCtx {
    const std::vector<Middleware>* middleware;
    const Handler* handler;
};

net::awaitable<Response> RunChain(const ChainCtx* ctx, std::size_t i, Request& req);

struct ChainNext {
    const ChainCtx* ctx;
    std::size_t i;

    net::awaitable<Response> operator()(Request& req) const { return RunChain(ctx, i, req); }
};

net::awaitable<Response> RunChain(const ChainCtx* ctx, std::size_t i, Request& req) {
    if (i == ctx->middleware->size()) {
        co_return co_await (*ctx->handler)(req);
    }
    const Next next = ChainNext{ctx, i + 1};
    co_return co_await (*ctx->middleware)[i](req, next);
}

net::awaitable<Response> RunChainRoot(const std::vector<Middleware>* middleware,
                                      const Handler* handler,
                                      Request& req) {
    const ChainCtx ctx{middleware, handler};
    co_return co_await RunChain(&ctx, 0, req);
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) { fallback_.pattern = "(fallback)"; }

Router::~Router() = default;

void Router::Add(verb_ns::verb method, std::string_view pattern, Handler h, RouteOptions o) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("http::Router: pattern must start with '/': " +
                                    std::string(pattern));
    }
    if (!h) {
        throw std::invalid_argument("http::Router: empty handler for " + std::string(pattern));
    }
    auto route = std::make_unique<Route>();
    route->method = method;
    route->pattern = std::string(pattern);
    route->handler = std::move(h);
    route->options = o;

    auto segs = SplitSegments(pattern);
    Node* node = root_.get();
    for (std::size_t i = 0; i < segs.size(); ++i) {
        std::string_view seg = segs[i];
        const bool last = i + 1 == segs.size();
        if (last && seg.empty()) {  // trailing slash: Go's prefix pattern
            route->param_names.emplace_back();
            AddTo(node->rest_routes, std::move(route));
            return;
        }
        if (IsWildcard(seg)) {
            std::string_view name = seg.substr(1, seg.size() - 2);
            if (name == "$") {
                if (!last) {
                    throw std::invalid_argument("http::Router: {$} must be last: " +
                                                route->pattern);
                }
                seg = {};  // exact match of the trailing empty segment
            } else if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
                if (!last) {
                    throw std::invalid_argument("http::Router: {name...} must be last: " +
                                                route->pattern);
                }
                route->param_names.emplace_back(name.substr(0, name.size() - 3));
                AddTo(node->rest_routes, std::move(route));
                return;
            } else {
                if (name.empty() || name.find_first_of("{}./") != std::string_view::npos) {
                    throw std::invalid_argument("http::Router: bad wildcard in " +
                                                route->pattern);
                }
                route->param_names.emplace_back(name);
                if (!node->param) {
                    node->param = std::make_unique<Node>();
                }
                node = node->param.get();
                continue;
            }
        }
        auto decoded = internal::PercentDecode(seg);
        if (!decoded) {
            throw std::invalid_argument("http::Router: bad escape in " + route->pattern);
        }
        Node* child = nullptr;
        for (auto& [lit, n] : node->literals) {
            if (lit == *decoded) {
                child = n.get();
                break;
            }
        }
        if (child == nullptr) {
            node->literals.emplace_back(std::move(*decoded), std::make_unique<Node>());
            child = node->literals.back().second.get();
        }
        node = child;
    }
    AddTo(node->routes, std::move(route));
}

void Router::Use(Middleware m) {
    if (!m) {
        throw std::invalid_argument("http::Router: empty middleware");
    }
    middleware_.push_back(std::move(m));
}

void Router::SetFallback(Handler h) { fallback_.handler = std::move(h); }

bool Router::MatchNode(const Node& node,
                       const std::vector<std::string_view>& raw_segs,
                       std::size_t i,
                       verb_ns::verb method,
                       std::vector<std::string>& values,
                       const Route*& out) const {
    if (i == raw_segs.size()) {
        out = FindMethod(node.routes, method);
        return out != nullptr;
    }
    const std::string_view raw = raw_segs[i];
    std::string decoded;
    if (raw.find('%') == std::string_view::npos) {
        decoded.assign(raw);
    } else if (auto d = internal::PercentDecode(raw)) {
        decoded = std::move(*d);
    } else {
        return false;
    }
    for (const auto& [lit, child] : node.literals) {
        if (lit == decoded && MatchNode(*child, raw_segs, i + 1, method, values, out)) {
            return true;
        }
    }
    if (node.param && !decoded.empty()) {
        values.push_back(std::move(decoded));
        if (MatchNode(*node.param, raw_segs, i + 1, method, values, out)) {
            return true;
        }
        values.pop_back();
    }
    if (const Route* r = FindMethod(node.rest_routes, method)) {
        const std::string_view last = raw_segs.back();
        const std::string_view rest(raw.data(),
                                    static_cast<std::size_t>(last.data() + last.size() - raw.data()));
        auto d = internal::PercentDecode(rest);
        if (!d) {
            return false;
        }
        values.push_back(std::move(*d));
        out = r;
        return true;
    }
    return false;
}

RouteMatch Router::Match(verb_ns::verb method, std::string_view raw_path) const {
    RouteMatch m;
    m.route = &fallback_;
    if (raw_path.empty() || raw_path.front() != '/') {
        return m;
    }
    const auto segs = SplitSegments(raw_path);
    std::vector<std::string> values;
    const Route* found = nullptr;
    if (!MatchNode(*root_, segs, 0, method, values, found)) {
        return m;
    }
    m.route = found;
    m.matched = true;
    for (std::size_t i = 0; i < values.size() && i < found->param_names.size(); ++i) {
        if (!found->param_names[i].empty()) {
            m.params.insert_or_assign(found->param_names[i], std::move(values[i]));
        }
    }
    return m;
}

net::awaitable<Response> Router::Dispatch(const Handler& handler, Request& req) const {
    if (middleware_.empty()) {
        return handler(req);
    }
    return RunChainRoot(&middleware_, &handler, req);
}

}  // namespace basalt::http
