// Built-in request processing: panic recovery and PocketBase/echo CORS semantics.
#include "basalt/http/internal/middleware.hpp"

#include <boost/beast/http/status.hpp>

#include "basalt/base/error.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::http::internal {

namespace bhttp = boost::beast::http;

net::awaitable<Response> Process(const Router& router,
                                 const Handler& handler,
                                 Request& req,
                                 const ErrorBuilder& error_response) {
    Response res;
    // PocketBase treats every OPTIONS request as a CORS preflight and answers 204 before routing.
    const bool preflight = req.method == bhttp::verb::options;
    try {
        if (preflight) {
            res = Response::Empty(204);
        } else {
            res = co_await router.Dispatch(handler, req);
        }
    } catch (const basalt::ErrorException& e) {
        log::Error("request {}: unhandled error: {}", req.request_id, e.what());
        res = error_response(500);
    } catch (const std::exception& e) {
        log::Error("request {}: unhandled exception: {}", req.request_id, e.what());
        res = error_response(500);
    } catch (...) {
        log::Error("request {}: unhandled non-standard exception", req.request_id);
        res = error_response(500);
    }
    ApplyCors(req, res, preflight);
    co_return res;
}

void ApplyCors(const Request& req, Response& res, bool preflight) {
    const std::string_view origin = req.Header("Origin");
    if (origin.empty()) {
        return;
    }
    res.headers.emplace_back("Access-Control-Allow-Origin", "*");
    if (!preflight) {
        return;
    }
    res.headers.emplace_back("Vary", "Access-Control-Request-Method");
    res.headers.emplace_back("Vary", "Access-Control-Request-Headers");
    res.headers.emplace_back("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
    const std::string_view req_headers = req.Header("Access-Control-Request-Headers");
    if (!req_headers.empty()) {
        res.headers.emplace_back("Access-Control-Allow-Headers", std::string(req_headers));
    }
}

bool AcceptsGzip(std::string_view accept_encoding) {
    bool star = false;
    for (std::string_view item : Split(accept_encoding, ',')) {
        auto semi = item.find(';');
        std::string_view coding = Trim(item.substr(0, semi));
        bool zero = false;
        if (semi != std::string_view::npos) {
            for (std::string_view p : Split(item.substr(semi + 1), ';')) {
                p = Trim(p);
                if (StartsWithI(p, "q=")) {
                    std::string_view q = Trim(p.substr(2));
                    zero = !q.empty() && q.find_first_not_of("0.") == std::string_view::npos;
                }
            }
        }
        if (IEquals(coding, "gzip")) {
            return !zero;
        }
        if (coding == "*") {
            star = !zero;
        }
    }
    return star;
}

bool IsCompressibleType(std::string_view ct) {
    ct = Trim(ct.substr(0, ct.find(';')));
    return StartsWithI(ct, "text/") || IEquals(ct, "application/json") ||
           IEquals(ct, "application/javascript") || IEquals(ct, "application/x-javascript") ||
           IEquals(ct, "image/svg+xml") ||
           (StartsWithI(ct, "application/") && ct.size() > 5 &&
            IEquals(ct.substr(ct.size() - 5), "+json"));
}

Response DefaultErrorResponse(unsigned status) {
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    auto reason = bhttp::obsolete_reason(bhttp::int_to_status(status));
    r.body = std::string(reason.data(), reason.size());
    r.body.push_back('\n');
    return r;
}

}  // namespace basalt::http::internal
