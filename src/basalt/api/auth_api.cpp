// Auth collection routes (pocketbase-api.md §2.5): sign-in methods, OTP, MFA, verification,
// password reset, email change, impersonation; the auth-resolving middleware.
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
    if (!r.mfa_id.empty()) {
        // The first factor of an MFA flow: a plain object, not the error envelope.
        boost::json::object out;
        out["mfaId"] = r.mfa_id;
        return http::Response::Json(401, json::Serialize(out, false));
    }
    service::ExportOptions o = service::ExportOptionsFor(AuthOf(req), r.record);
    o.show_email = true;
    boost::json::object out;
    if (r.meta) {
        out["meta"] = *r.meta;
    }
    out["record"] = service::ExportRecord(r.record, o, AuthOf(req));
    out["token"] = r.token;
    return JsonOk(req, std::move(out));
}

/// `mfaId` from the query, else from the body.
service::AuthAttempt Attempt(const http::Request& req, const boost::json::object& body) {
    service::AuthAttempt a;
    if (auto q = req.Query("mfaId"); q && !q->empty()) {
        a.mfa_id = std::string(*q);
    } else {
        a.mfa_id = StringField(body, "mfaId");
    }
    return a;
}

http::Response NoContentOr(const Status& st) {
    return st ? http::Response::Empty(204) : ErrorResponse(st.error());
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
                                                StringField(body->data, "identityField"),
                                                Attempt(req, body->data));
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

namespace basalt::api::internal {

net::awaitable<http::Response> AuthMethods(Services* s, http::Request& req) {
    auto r = co_await s->auth->AuthMethods(std::string(req.Param("collection")));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return JsonOk(req, std::move(*r));
}

net::awaitable<http::Response> AuthWithOAuth2(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    const boost::json::object& b = body->data;
    service::OAuth2Input in;
    in.provider = StringField(b, "provider");
    in.code = StringField(b, "code");
    in.code_verifier = StringField(b, "codeVerifier");
    in.redirect_url = StringField(b, "redirectURL");
    if (in.redirect_url.empty()) {
        in.redirect_url = StringField(b, "redirectUrl");  // deprecated alias
    }
    if (auto it = b.find("createData"); it != b.end() && it->value().is_object()) {
        in.create_data = it->value().get_object();
    }
    auto r = co_await s->auth->AuthWithOAuth2(MakeCtx(req), std::string(req.Param("collection")), std::move(in),
                                              Attempt(req, b));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return AuthResponse(req, *r);
}

net::awaitable<http::Response> RequestOtp(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto r = co_await s->auth->RequestOtp(MakeCtx(req), std::string(req.Param("collection")),
                                          StringField(body->data, "email"));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    boost::json::object out;
    out["otpId"] = *r;
    co_return JsonOk(req, std::move(out));
}

net::awaitable<http::Response> AuthWithOtp(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto r = co_await s->auth->AuthWithOtp(MakeCtx(req), std::string(req.Param("collection")),
                                           StringField(body->data, "otpId"), StringField(body->data, "password"),
                                           Attempt(req, body->data));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return AuthResponse(req, *r);
}

net::awaitable<http::Response> RequestVerification(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    co_return NoContentOr(co_await s->auth->RequestVerification(MakeCtx(req), std::string(req.Param("collection")),
                                                                StringField(body->data, "email")));
}

net::awaitable<http::Response> ConfirmVerification(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    co_return NoContentOr(co_await s->auth->ConfirmVerification(MakeCtx(req), std::string(req.Param("collection")),
                                                                StringField(body->data, "token")));
}

net::awaitable<http::Response> RequestPasswordReset(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    co_return NoContentOr(co_await s->auth->RequestPasswordReset(MakeCtx(req), std::string(req.Param("collection")),
                                                                 StringField(body->data, "email")));
}

net::awaitable<http::Response> ConfirmPasswordReset(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    co_return NoContentOr(co_await s->auth->ConfirmPasswordReset(
        MakeCtx(req), std::string(req.Param("collection")), StringField(body->data, "token"),
        StringField(body->data, "password"), StringField(body->data, "passwordConfirm")));
}

net::awaitable<http::Response> RequestEmailChange(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    co_return NoContentOr(co_await s->auth->RequestEmailChange(MakeCtx(req), std::string(req.Param("collection")),
                                                               StringField(body->data, "newEmail")));
}

net::awaitable<http::Response> ConfirmEmailChange(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    co_return NoContentOr(co_await s->auth->ConfirmEmailChange(MakeCtx(req), std::string(req.Param("collection")),
                                                               StringField(body->data, "token"),
                                                               StringField(body->data, "password")));
}

net::awaitable<http::Response> Impersonate(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    std::int64_t duration = 0;
    if (auto it = body->data.find("duration"); it != body->data.end() && !it->value().is_null()) {
        if (!it->value().is_number()) {
            boost::json::object data;
            data["duration"] = FieldError("validation_invalid_number", "Must be a number.");
            co_return ErrorResponse(InvalidArgument("An error occurred while validating the submitted data.", data));
        }
        duration = it->value().to_number<std::int64_t>();
    }
    auto r = co_await s->auth->Impersonate(MakeCtx(req), std::string(req.Param("collection")),
                                           std::string(req.Param("id")), duration);
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return AuthResponse(req, *r);
}

}  // namespace basalt::api::internal
