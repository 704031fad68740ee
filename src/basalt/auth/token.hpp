// PocketBase record tokens (auth, file, verification, password reset, email change): claims,
// issuing and the signature check. The signing key is always the record's `tokenKey` field value
// concatenated with the collection's per-type secret (e.g. `authToken.secret`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"

namespace basalt::auth {

/// Values of the `type` claim.
inline constexpr std::string_view kTokenTypeAuth = "auth";
inline constexpr std::string_view kTokenTypeFile = "file";
inline constexpr std::string_view kTokenTypeVerification = "verification";
inline constexpr std::string_view kTokenTypePasswordReset = "passwordReset";
inline constexpr std::string_view kTokenTypeEmailChange = "emailChange";

/// The claims of a PocketBase token after ParseToken. Plain value type.
struct TokenClaims {
    std::string id;             ///< record id (`id`)
    std::string collection_id;  ///< `collectionId`
    std::string type;           ///< `type`, one of the kTokenType* values
    std::int64_t exp = 0;       ///< `exp` (unix seconds), 0 when absent
    bool refreshable = false;   ///< `refreshable` (auth tokens only)
    std::string email;          ///< `email` (verification, passwordReset, emailChange)
    std::string new_email;      ///< `newEmail` (emailChange)
    boost::json::object raw;    ///< every claim as decoded
};

/// Concatenates the per-record and per-collection halves of a signing key.
inline std::string SigningKey(std::string_view token_key, std::string_view secret) {
    std::string key(token_key);
    key += secret;
    return key;
}

/// An `auth` token: claims {collectionId, exp, id, refreshable, type:"auth"}; exp = now +
/// duration_s. `secret` is the collection's `authToken.secret`.
std::string NewAuthToken(std::string_view record_id,
                         std::string_view collection_id,
                         std::string_view token_key,
                         std::string_view secret,
                         std::int64_t duration_s,
                         bool refreshable = true);

/// A `file` token (protected file access); `secret` is `fileToken.secret`.
std::string NewFileToken(std::string_view record_id,
                         std::string_view collection_id,
                         std::string_view token_key,
                         std::string_view secret,
                         std::int64_t duration_s);

/// A `verification` token carrying `email`; `secret` is `verificationToken.secret`.
std::string NewVerificationToken(std::string_view record_id,
                                 std::string_view collection_id,
                                 std::string_view email,
                                 std::string_view token_key,
                                 std::string_view secret,
                                 std::int64_t duration_s);

/// A `passwordReset` token carrying `email`; `secret` is `passwordResetToken.secret`.
std::string NewPasswordResetToken(std::string_view record_id,
                                  std::string_view collection_id,
                                  std::string_view email,
                                  std::string_view token_key,
                                  std::string_view secret,
                                  std::int64_t duration_s);

/// An `emailChange` token carrying `email` and `newEmail`; `secret` is `emailChangeToken.secret`.
std::string NewEmailChangeToken(std::string_view record_id,
                                std::string_view collection_id,
                                std::string_view email,
                                std::string_view new_email,
                                std::string_view token_key,
                                std::string_view secret,
                                std::int64_t duration_s);

/// First step of PocketBase's token check, before the record is loaded: decodes without the
/// signature, validates exp/nbf/iat against `now_unix` and requires non-empty string `id`,
/// `collectionId` and `type`. Errors are kUnauthenticated; callers treat a bad auth token as
/// "guest" (never a 401 by itself).
[[nodiscard]] Result<TokenClaims> ParseToken(std::string_view token, std::int64_t now_unix);

/// ParseToken at the current time.
[[nodiscard]] Result<TokenClaims> ParseToken(std::string_view token);

/// Second step, after loading the record named by the claims: verifies the HS256 signature (and
/// time claims) with `signing_key` = SigningKey(record tokenKey, collection secret for the type).
[[nodiscard]] Status CheckTokenSignature(std::string_view token,
                                         std::string_view signing_key,
                                         std::int64_t now_unix);

/// CheckTokenSignature at the current time.
[[nodiscard]] Status CheckTokenSignature(std::string_view token, std::string_view signing_key);

/// The signature alone, for a token ParseToken accepted (which checked its structure and time
/// claims): no second decoding of the claims.
[[nodiscard]] Status CheckParsedTokenSignature(std::string_view token, std::string_view signing_key);

/// Whether two tokens are the same, in time that depends only on their lengths.
[[nodiscard]] bool SameToken(std::string_view a, std::string_view b);

}  // namespace basalt::auth
