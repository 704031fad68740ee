// GET|POST /api/oauth2-redirect (pocketbase-api.md §2.5.6): the provider callback of the SDK's
// OAuth2 popup flow, handed to the waiting realtime client; and GET /_/, the page the popup lands
// on while Basalt has no dashboard of its own.
#include <optional>

#include "basalt/api/internal_handlers.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/service/realtime.hpp"

namespace basalt::api::internal {

namespace {

namespace bj = boost::json;

// PocketBase's Location values, relative to /api/oauth2-redirect: they resolve to /_/#/auth/...
constexpr std::string_view kSuccessLocation = "../_/#/auth/oauth2-redirect-success";
constexpr std::string_view kFailureLocation = "../_/#/auth/oauth2-redirect-failure";

/// 307 for GET; 303 for POST (form_post callbacks), so the browser follows with a GET.
http::Response Redirect(const http::Request& req, bool success) {
    http::Response res;
    res.status = req.method == boost::beast::http::verb::get ? 307 : 303;
    res.headers.emplace_back("Location",
                             std::string(success ? kSuccessLocation : kFailureLocation));
    return res;
}

/// One parameter of a POST body as the string PocketBase's binding reads. Form values arrive
/// typed by inference (`code=123` is the number 123, whose text is exactly what was sent) and
/// repeated keys as an array (the first one counts, as in Go's form binding); a JSON body must
/// hold a string (or null). nullopt when the value cannot be read as a string.
std::optional<std::string> BodyParam(const bj::object& body, std::string_view key, bool form) {
    auto it = body.find(key);
    if (it == body.end() || it->value().is_null()) {
        return std::string();
    }
    const bj::value* v = &it->value();
    if (form && v->is_array()) {
        if (v->get_array().empty()) {
            return std::string();
        }
        v = &v->get_array().front();
    }
    if (v->is_string()) {
        return std::string(v->get_string());
    }
    if (form && (v->is_number() || v->is_bool())) {
        return json::Serialize(*v);
    }
    return std::nullopt;
}

/// The page behind PocketBase's success/failure redirects: it reads the hash, says how the
/// sign-in went and closes the popup on success. Self-contained (no external resources).
constexpr std::string_view kDashboardPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Basalt</title>
<style>
body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
       font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f4f5f7; color: #1d1f23; }
main { max-width: 32rem; padding: 2rem; text-align: center; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
p { margin: 0; color: #555b66; }
</style>
</head>
<body>
<main>
<h1 id="title">Basalt</h1>
<p id="text">This server has no admin dashboard yet.</p>
</main>
<script>
(function () {
  var hash = window.location.hash || "";
  var title = document.getElementById("title");
  var text = document.getElementById("text");
  if (hash.indexOf("#/auth/oauth2-redirect-success") === 0) {
    document.title = title.textContent = "Signed in";
    text.textContent = "Signed in — you can close this window.";
    window.close();
  } else if (hash.indexOf("#/auth/oauth2-redirect-failure") === 0) {
    document.title = title.textContent = "Sign-in failed";
    text.textContent = "Sign-in failed. You can close this window and go back to the app to try again.";
  }
})();
</script>
</body>
</html>
)html";

}  // namespace

net::awaitable<http::Response> OAuth2Redirect(Services* s, http::Request& req) {
    std::string state;
    std::string code;
    std::string error;
    if (req.method == boost::beast::http::verb::post) {
        auto body = ParseBody(req);
        if (!body) {
            log::Debug("OAuth2 redirect: unreadable body: {}", body.error().message);
            co_return Redirect(req, false);
        }
        const bool form = !StartsWithI(req.Header("Content-Type"), "application/json");
        auto st = BodyParam(body->data, "state", form);
        auto cd = BodyParam(body->data, "code", form);
        auto er = BodyParam(body->data, "error", form);
        if (!st || !cd || !er) {
            log::Debug("OAuth2 redirect: state, code and error must be strings");
            co_return Redirect(req, false);
        }
        state = std::move(*st);
        code = std::move(*cd);
        error = std::move(*er);
    } else {
        state = std::string(req.Query("state").value_or(""));
        code = std::string(req.Query("code").value_or(""));
        error = std::string(req.Query("error").value_or(""));
    }
    if (!s->realtime->DeliverOAuth2Redirect(state, code, error)) {
        co_return Redirect(req, false);
    }
    co_return Redirect(req, error.empty() && !code.empty());
}

net::awaitable<http::Response> DashboardPlaceholder(Services* s, http::Request& req) {
    (void)s;
    (void)req;
    http::Response res;
    res.status = 200;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::string(kDashboardPage);
    co_return res;
}

}  // namespace basalt::api::internal
