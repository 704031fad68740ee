// PocketBase token issuing and checking on top of jwt.hpp.
#include "basalt/auth/token.hpp"

#include <limits>

#include <openssl/crypto.h>

#include "basalt/auth/jwt.hpp"
#include "basalt/base/time.hpp"

namespace basalt::auth {
namespace {

boost::json::object BaseClaims(std::string_view record_id,
                               std::string_view collection_id,
                               std::string_view type,
                               std::int64_t duration_s) {
    boost::json::object claims;
    claims["id"] = record_id;
    claims["type"] = type;
    claims["collectionId"] = collection_id;
    claims["exp"] = UnixNow() + duration_s;
    return claims;
}

/// A required, non-empty string claim.
Result<std::string> StringClaim(const boost::json::object& claims, std::string_view name) {
    const auto* v = claims.if_contains(name);
    if (v == nullptr || !v->is_string() || v->get_string().empty()) {
        return Unauthenticated("missing or invalid token claim " + std::string(name));
    }
    return std::string(v->get_string());
}

/// A numeric claim (already validated as finite) as int64, saturating instead of overflowing.
std::int64_t ClampedSeconds(const boost::json::value& v) {
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64()) {
        return v.get_uint64() > static_cast<std::uint64_t>(kMax)
                   ? kMax
                   : static_cast<std::int64_t>(v.get_uint64());
    }
    const double d = v.is_double() ? v.get_double() : 0.0;
    if (d >= 9.2e18) {
        return kMax;
    }
    if (d <= -9.2e18) {
        return kMin;
    }
    return static_cast<std::int64_t>(d);
}

std::string OptionalStringClaim(const boost::json::object& claims, std::string_view name) {
    const auto* v = claims.if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string NewAuthToken(std::string_view record_id,
                         std::string_view collection_id,
                         std::string_view token_key,
                         std::string_view secret,
                         std::int64_t duration_s,
                         bool refreshable) {
    auto claims = BaseClaims(record_id, collection_id, kTokenTypeAuth, duration_s);
    claims["refreshable"] = refreshable;
    return SignJwtHs256(claims, SigningKey(token_key, secret));
}

std::string NewFileToken(std::string_view record_id,
                         std::string_view collection_id,
                         std::string_view token_key,
                         std::string_view secret,
                         std::int64_t duration_s) {
    return SignJwtHs256(BaseClaims(record_id, collection_id, kTokenTypeFile, duration_s),
                        SigningKey(token_key, secret));
}

std::string NewVerificationToken(std::string_view record_id,
                                 std::string_view collection_id,
                                 std::string_view email,
                                 std::string_view token_key,
                                 std::string_view secret,
                                 std::int64_t duration_s) {
    auto claims = BaseClaims(record_id, collection_id, kTokenTypeVerification, duration_s);
    claims["email"] = email;
    return SignJwtHs256(claims, SigningKey(token_key, secret));
}

std::string NewPasswordResetToken(std::string_view record_id,
                                  std::string_view collection_id,
                                  std::string_view email,
                                  std::string_view token_key,
                                  std::string_view secret,
                                  std::int64_t duration_s) {
    auto claims = BaseClaims(record_id, collection_id, kTokenTypePasswordReset, duration_s);
    claims["email"] = email;
    return SignJwtHs256(claims, SigningKey(token_key, secret));
}

std::string NewEmailChangeToken(std::string_view record_id,
                                std::string_view collection_id,
                                std::string_view email,
                                std::string_view new_email,
                                std::string_view token_key,
                                std::string_view secret,
                                std::int64_t duration_s) {
    auto claims = BaseClaims(record_id, collection_id, kTokenTypeEmailChange, duration_s);
    claims["email"] = email;
    claims["newEmail"] = new_email;
    return SignJwtHs256(claims, SigningKey(token_key, secret));
}

Result<TokenClaims> ParseToken(std::string_view token, std::int64_t now_unix) {
    BASALT_TRY(boost::json::object raw, DecodeJwtUnverified(token));
    BASALT_RETURN_IF_ERROR(ValidateTimeClaims(raw, now_unix));
    TokenClaims c;
    BASALT_TRY(c.id, StringClaim(raw, "id"));
    BASALT_TRY(c.collection_id, StringClaim(raw, "collectionId"));
    BASALT_TRY(c.type, StringClaim(raw, "type"));
    if (const auto* exp = raw.if_contains("exp")) {
        c.exp = ClampedSeconds(*exp);
    }
    if (const auto* r = raw.if_contains("refreshable"); r != nullptr && r->is_bool()) {
        c.refreshable = r->get_bool();
    }
    c.email = OptionalStringClaim(raw, "email");
    c.new_email = OptionalStringClaim(raw, "newEmail");
    c.raw = std::move(raw);
    return c;
}

Result<TokenClaims> ParseToken(std::string_view token) { return ParseToken(token, UnixNow()); }

Status CheckTokenSignature(std::string_view token,
                           std::string_view signing_key,
                           std::int64_t now_unix) {
    return VerifyJwtHs256(token, signing_key, now_unix);
}

Status CheckTokenSignature(std::string_view token, std::string_view signing_key) {
    return CheckTokenSignature(token, signing_key, UnixNow());
}

Status CheckParsedTokenSignature(std::string_view token, std::string_view signing_key) {
    return VerifyJwtSignatureHs256(token, signing_key);
}

bool SameToken(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace basalt::auth
