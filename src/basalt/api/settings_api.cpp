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

net::awaitable<http::Response> TestEmail(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto str = [&](std::string_view key) {
        auto it = body->data.find(key);
        return it != body->data.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                                 : std::string();
    };
    std::string collection = str("collection");
    if (collection.empty()) {
        collection = "_superusers";
    }
    auto c = s->registry->Get()->Find(collection);
    if (!c || !c->IsAuth()) {
        boost::json::object data;
        data["collection"] = FieldError("validation_invalid_collection", "Missing or invalid auth collection.");
        co_return ErrorResponse(InvalidArgument("An error occurred while validating the submitted data.", data));
    }
    auto st = co_await s->mail->SendTest(*c, str("template"), str("email"));
    if (!st) {
        co_return ErrorResponse(st.error());
    }
    co_return http::Response::Empty(204);
}

}  // namespace basalt::api::internal
