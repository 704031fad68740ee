// GET/PATCH /api/settings (superusers only; secrets are never returned).
#include "basalt/api/internal_handlers.hpp"

namespace basalt::api::internal {

net::awaitable<http::Response> GetSettings(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto settings = co_await s->settings->Get();
    if (!settings) {
        co_return ErrorResponse(settings.error());
    }
    co_return JsonOk(req, service::PublicSettings(std::move(*settings)));
}

net::awaitable<http::Response> UpdateSettings(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto settings = co_await s->settings->Update(std::move(body->data));
    if (!settings) {
        co_return ErrorResponse(settings.error());
    }
    co_return JsonOk(req, service::PublicSettings(std::move(*settings)));
}

}  // namespace basalt::api::internal
