// Auth routes of issue #2: auth-with-password and auth-refresh; the auth-resolving middleware.
#include "basalt/api/internal_handlers.hpp"

#include "basalt/service/record_export.hpp"

namespace basalt::api::internal {

namespace {

std::string StringField(const boost::json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) {
        return {};
    }
    return std::string(it->value().get_string());
}

http::Response AuthResponse(const http::Request& req, const service::AuthResult& r) {
    service::ExportOptions o = service::ExportOptionsFor(AuthOf(req), r.record);
    o.show_email = true;
    boost::json::object out;
    out["record"] = service::ExportRecord(r.record, o, AuthOf(req));
    out["token"] = r.token;
    return JsonOk(req, std::move(out));
}

}  // namespace

net::awaitable<http::Response> ResolveAuth(Services* s, http::Request& req, const http::Next& next) {
    std::string_view header = req.Header("Authorization");
    if (!header.empty()) {
        req.user_data = co_await s->auth->ResolveToken(std::string(header));
    }
    co_return co_await next(req);
}

net::awaitable<http::Response> AuthWithPassword(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto r = co_await s->auth->AuthWithPassword(MakeCtx(req), std::string(req.Param("collection")),
                                                StringField(body->data, "identity"),
                                                StringField(body->data, "password"),
                                                StringField(body->data, "identityField"));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return AuthResponse(req, *r);
}

net::awaitable<http::Response> AuthRefresh(Services* s, http::Request& req) {
    auto r = co_await s->auth->Refresh(MakeCtx(req), std::string(req.Param("collection")),
                                       std::string(req.Header("Authorization")));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return AuthResponse(req, *r);
}

}  // namespace basalt::api::internal
