// Minimal HS256 JSON Web Tokens (RFC 7519) compatible with golang-jwt v5 as used by PocketBase.
// Pure functions over strings; no I/O. Part of the auth layer (deps: base, OpenSSL).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"

namespace basalt::auth {

/// Encodes bytes as base64url without padding (RFC 4648 §5), as JWT segments are.
std::string Base64UrlEncode(std::string_view bytes);

/// Decodes unpadded base64url; fails on '=' padding, foreign characters or an impossible length.
[[nodiscard]] Result<std::string> Base64UrlDecode(std::string_view text);

/// Signs `claims` with HMAC-SHA256 under `key`. Header `{"alg":"HS256","typ":"JWT"}`, claims
/// serialized Go-style with keys sorted alphabetically (as PocketBase's map claims are).
std::string SignJwtHs256(const boost::json::object& claims, std::string_view key);

/// Splits and decodes a token without checking its signature or time claims. Fails (never
/// throws) unless the token has three segments, a JSON-object header with `"alg":"HS256"` and a
/// JSON-object payload.
[[nodiscard]] Result<boost::json::object> DecodeJwtUnverified(std::string_view token);

/// Validates the registered time claims like golang-jwt v5 (with WithIssuedAt): `exp` (if
/// present) must be a number and now < exp; `nbf` (if present) now >= nbf; `iat` (if present)
/// now >= iat. A present but non-numeric claim is an error.
[[nodiscard]] Status ValidateTimeClaims(const boost::json::object& claims, std::int64_t now_unix);

/// Only the constant-time HMAC-SHA256 comparison of the signature segment with `key`, for a
/// token whose structure, `alg` and time claims were checked already. kUnauthenticated on a
/// mismatch or a malformed signature.
[[nodiscard]] Status VerifyJwtSignatureHs256(std::string_view token, std::string_view key);

/// Full verification: structure and `alg` as DecodeJwtUnverified, constant-time HMAC-SHA256
/// signature comparison, then ValidateTimeClaims. Every failure is kUnauthenticated.
[[nodiscard]] Status VerifyJwtHs256(std::string_view token,
                                    std::string_view key,
                                    std::int64_t now_unix);

}  // namespace basalt::auth
