// The route table.
#include "basalt/api/routes.hpp"

#include <algorithm>
#include <cstdint>

#include <boost/beast/http/verb.hpp>

#include "basalt/api/internal_handlers.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::api {

namespace net = boost::asio;

namespace {

using boost::beast::http::verb;
using Fn = net::awaitable<http::Response> (*)(Services*, http::Request&);

/// PocketBase's action name of a route (rate-limit labels `<collection>:<action>`); `auth` marks
/// the auth-with-* routes, which also match the `auth` tag.
struct Action {
    std::string_view name;
    bool auth = false;
};

// A coroutine with its arguments by value (CP.51): the handler runs after the rate limit.
net::awaitable<http::Response> Limited(Services* s, Fn fn, Action action, http::Request& req) {
    if (s->limiter != nullptr && s->settings != nullptr) {
        auto settings = s->settings->Peek();
        if (!settings) {
            auto loaded = co_await s->settings->Current();
            settings = loaded ? *loaded : nullptr;
        }
        if (settings && service::RateLimiter::Active(*settings)) {  // off by default: no work
            const service::Auth& auth = internal::AuthOf(req);
            service::RateLimitRequest r;
            r.method = req.method_string;
            r.path = req.path;
            r.collection = std::string(req.Param("collection"));
            r.action = std::string(action.name);
            r.auth_action = action.auth;
            r.guest = auth.IsGuest();
            r.superuser = auth.IsSuperuser();
            r.client = req.remote_ip;
            if (!s->limiter->Allow(*settings, r)) {
                co_return ErrorResponse(Error(ErrorCode::kResourceExhausted, "Too Many Requests."));
            }
        }
    }
    co_return co_await fn(s, req);
}

/// Multipart bodies (files) are streamed to the staging area instead of read whole first.
bool IsMultipart(const http::Request& req) {
    return StartsWithI(req.Header("Content-Type"), "multipart/form-data");
}

http::Handler Bind(Services* s, Fn fn, Action action = {}) {
    return [s, fn, action](http::Request& req) { return Limited(s, fn, action, req); };
}

}  // namespace

namespace internal {

net::awaitable<http::Response> Health(Services* s, http::Request& req) {
    (void)s;
    boost::json::object data;
    if (AuthOf(req).IsSuperuser()) {
        data["canBackup"] = true;
        data["realIP"] = req.remote_ip;
        data["possibleProxyHeader"] = "";
    }
    boost::json::object out;
    out["message"] = "API is healthy.";
    out["code"] = 200;
    out["data"] = std::move(data);
    co_return JsonOk(req, std::move(out));
}

}  // namespace internal

void RegisterRoutes(http::Router& router, Services* s) {
    using namespace internal;
    router.Use([s](http::Request& req, const http::Next& next) { return ResolveAuth(s, req, next); });

    router.Add(verb::get, "/api/health", Bind(s, &Health));

    router.Add(verb::get, "/api/collections", Bind(s, &ListCollections));
    router.Add(verb::post, "/api/collections", Bind(s, &CreateCollection));
    router.Add(verb::put, "/api/collections/import", Bind(s, &ImportCollections));
    router.Add(verb::get, "/api/collections/meta/scaffolds", Bind(s, &Scaffolds));
    router.Add(verb::get, "/api/collections/meta/oauth2-providers", Bind(s, &OAuth2Providers));
    router.Add(verb::post, "/api/collections/meta/dry-run-view", Bind(s, &DryRunView));
    router.Add(verb::get, "/api/collections/{collection}", Bind(s, &ViewCollection));
    router.Add(verb::patch, "/api/collections/{collection}", Bind(s, &UpdateCollection));
    router.Add(verb::delete_, "/api/collections/{collection}", Bind(s, &DeleteCollection));
    router.Add(verb::delete_, "/api/collections/{collection}/truncate", Bind(s, &TruncateCollection));

    router.Add(verb::get, "/api/collections/{collection}/records", Bind(s, &ListRecords, {"list"}));
    // Record writes may carry files: 32 MiB + each file field's maxSize * maxSelect (§1.9).
    http::RouteOptions record_write;
    record_write.body_limit_fn = [s](const http::Request& req) -> std::size_t {
        auto c = s->registry->Get()->Find(std::string(req.Param("collection")));
        return c ? static_cast<std::size_t>(std::min<std::uint64_t>(service::RecordBodyLimit(*c), SIZE_MAX))
                 : std::size_t{32} << 20;
    };
    record_write.stream_body = &IsMultipart;
    router.Add(verb::post, "/api/collections/{collection}/records", Bind(s, &CreateRecord, {"create"}), record_write);
    router.Add(verb::get, "/api/collections/{collection}/records/{id}", Bind(s, &ViewRecord, {"view"}));
    router.Add(verb::patch, "/api/collections/{collection}/records/{id}", Bind(s, &UpdateRecord, {"update"}), record_write);
    router.Add(verb::delete_, "/api/collections/{collection}/records/{id}", Bind(s, &DeleteRecord, {"delete"}));

    router.Add(verb::get, "/api/settings", Bind(s, &GetSettings));
    router.Add(verb::patch, "/api/settings", Bind(s, &UpdateSettings));

    http::RouteOptions batch_limits;
    batch_limits.body_limit = std::size_t{128} << 20;  // PocketBase: settings.batch.maxBodySize or 128 MiB
    batch_limits.stream_body = &IsMultipart;
    router.Add(verb::post, "/api/batch", Bind(s, &Batch), batch_limits);

    router.Add(verb::post, "/api/files/token", Bind(s, &FileToken));
    router.Add(verb::get, "/api/files/{collection}/{recordId}/{filename}", Bind(s, &DownloadFile, {"file"}));

    router.Add(verb::post, "/api/collections/{collection}/auth-with-password", Bind(s, &AuthWithPassword, {"authWithPassword", true}));
    router.Add(verb::post, "/api/collections/{collection}/auth-refresh", Bind(s, &AuthRefresh, {"authRefresh"}));
    router.Add(verb::get, "/api/collections/{collection}/auth-methods", Bind(s, &AuthMethods, {"listAuthMethods"}));
    router.Add(verb::post, "/api/collections/{collection}/auth-with-oauth2", Bind(s, &AuthWithOAuth2, {"authWithOAuth2", true}));
    router.Add(verb::post, "/api/collections/{collection}/request-otp", Bind(s, &RequestOtp, {"requestOTP"}));
    router.Add(verb::post, "/api/collections/{collection}/auth-with-otp", Bind(s, &AuthWithOtp, {"authWithOTP", true}));
    router.Add(verb::post, "/api/collections/{collection}/request-verification", Bind(s, &RequestVerification, {"requestVerification"}));
    router.Add(verb::post, "/api/collections/{collection}/confirm-verification", Bind(s, &ConfirmVerification, {"confirmVerification"}));
    router.Add(verb::post, "/api/collections/{collection}/request-password-reset", Bind(s, &RequestPasswordReset, {"requestPasswordReset"}));
    router.Add(verb::post, "/api/collections/{collection}/confirm-password-reset", Bind(s, &ConfirmPasswordReset, {"confirmPasswordReset"}));
    router.Add(verb::post, "/api/collections/{collection}/request-email-change", Bind(s, &RequestEmailChange, {"requestEmailChange"}));
    router.Add(verb::post, "/api/collections/{collection}/confirm-email-change", Bind(s, &ConfirmEmailChange, {"confirmEmailChange"}));
    router.Add(verb::post, "/api/collections/{collection}/impersonate/{id}", Bind(s, &Impersonate));
    router.Add(verb::post, "/api/settings/test/email", Bind(s, &TestEmail));

    router.Add(verb::get, "/api/realtime", Bind(s, &RealtimeConnect));
    router.Add(verb::post, "/api/realtime", Bind(s, &RealtimeSubscribe));

    // The OAuth2 popup flow's provider callback (GET, or POST for response_mode=form_post), and
    // the page its redirects land on (/_/#/auth/oauth2-redirect-*) until a dashboard serves /_/.
    router.Add(verb::get, "/api/oauth2-redirect", Bind(s, &OAuth2Redirect));
    router.Add(verb::post, "/api/oauth2-redirect", Bind(s, &OAuth2Redirect));
    router.Add(verb::get, "/_/{$}", Bind(s, &DashboardPlaceholder));

    router.SetFallback([](http::Request&) -> net::awaitable<http::Response> { co_return StatusResponse(404); });
}

}  // namespace basalt::api
