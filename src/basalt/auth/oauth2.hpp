// OAuth2 sign-in mechanics, free of records and collections: a provider's effective settings,
// the authorization URL with PKCE (RFC 7636 S256), a small HTTPS client over libcurl, the code
// exchange and the user-info fetch mapped to PocketBase's AuthUser fields.
//
// Threading: HttpFetch, ExchangeCode and FetchUser block for up to the HttpOptions timeout per
// request (the user fetch may make two requests) — run them on the blocking pool, never on a
// network thread. Everything else is pure and thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/auth/oauth2_providers.hpp"
#include "basalt/base/result.hpp"
#include "basalt/base/time.hpp"

namespace basalt::auth {

/// A provider as one collection configured it: the catalogue defaults with the collection's
/// non-empty overrides (PocketBase's OAuth2ProviderConfig.InitProvider).
struct ProviderConfig {
    const ProviderInfo* info = nullptr;
    std::string name;
    std::string display_name;
    std::string client_id;
    std::string client_secret;
    std::string auth_url;
    std::string token_url;
    std::string user_info_url;
    std::vector<std::string> scopes;
    bool pkce = true;
    boost::json::object extra;
};

/// Resolves one entry of a collection's `oauth2.providers`; nullopt for an unknown name.
std::optional<ProviderConfig> ResolveProvider(const boost::json::object& config);

/// Go's url.QueryEscape: everything but [A-Za-z0-9-_.~] percent-encoded, space as '+'.
std::string QueryEscape(std::string_view s);

/// base64url(SHA-256(verifier)) without padding (RFC 7636 §4.2).
std::string S256Challenge(std::string_view verifier);

/// The provider's consent URL for `state` (sorted query: client_id, code_challenge[_method]
/// when PKCE, response_mode for Apple, response_type, scope, state) — without redirect_uri.
std::string BuildAuthUrl(const ProviderConfig& p, std::string_view state, std::string_view code_challenge);

/// What auth-methods hands to the client for one provider.
struct AuthStart {
    std::string state;                  // 30 random alphanumerics
    std::string code_verifier;          // 43 random alphanumerics, "" without PKCE
    std::string code_challenge;         // "" without PKCE
    std::string code_challenge_method;  // "S256", "" without PKCE
    std::string auth_url;               // BuildAuthUrl + "&redirect_uri="
};
AuthStart StartAuth(const ProviderConfig& p);

struct HttpOptions {
    std::chrono::milliseconds timeout{10'000};
    std::size_t max_response_bytes = std::size_t{1} << 20;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
};

struct HttpResponse {
    long status = 0;
    std::string content_type;
    std::string body;
};

/// One HTTP(S) request: TLS verified, http/https only, at most 5 redirects, `timeout` for the
/// whole exchange, bodies over `max_response_bytes` fail. Transport failures are kUnavailable;
/// any HTTP status is a response.
Result<HttpResponse> HttpFetch(const HttpRequest& req, const HttpOptions& opts = {});

struct OAuth2Token {
    std::string access_token;
    std::string refresh_token;
    std::string token_type;
    std::string id_token;
    std::optional<TimePoint> expiry;
    boost::json::object raw;  // the whole token response (form responses as strings)
};

/// Parses a token endpoint response (JSON, or form-encoded as GitHub answers by default).
Result<OAuth2Token> ParseTokenResponse(const HttpResponse& r);

/// Exchanges an authorization code at the token URL (client credentials in the form body,
/// retried with HTTP Basic when the server rejects them there). Errors are kInvalidArgument.
Result<OAuth2Token> ExchangeCode(const ProviderConfig& p,
                                 std::string_view code,
                                 std::string_view code_verifier,
                                 std::string_view redirect_url,
                                 const HttpOptions& opts = {});

/// PocketBase's AuthUser: the normalized provider account.
struct OAuth2User {
    std::string id;
    std::string name;
    std::string username;
    std::string email;  // only when the provider vouches for it
    std::string avatar_url;
    boost::json::object raw_user;
    std::string access_token;
    std::string refresh_token;
    std::optional<TimePoint> expiry;
};

/// Maps a user-info document (pure; the per-provider rules live here).
OAuth2User MapUser(const ProviderConfig& p, const boost::json::object& raw);

/// The unverified claims of a JWT's payload, checked for `aud` = client id and exp/iat (5 min
/// leeway). Used by OIDC without a userInfoURL and by Apple.
Result<boost::json::object> IdTokenClaims(std::string_view id_token, std::string_view client_id);

/// Verifies the RS256/RS384/RS512 signature of a JWT with the key its `kid` header names in
/// the JSON Web Key Set `jwks` (a key with an `alg` must match the token's). Pure.
Status VerifyJwtSignature(std::string_view jwt, std::string_view jwks);

/// Fetches and maps the provider user for `token` (kInvalidArgument on any failure). Without a
/// user info URL, OIDC providers read the id_token (signature checked when `extra.jwksURL` is
/// set, `iss` when `extra.issuers` is) and Apple always verifies it against Apple's keys.
Result<OAuth2User> FetchUser(const ProviderConfig& p, const OAuth2Token& token, const HttpOptions& opts = {});

}  // namespace basalt::auth
