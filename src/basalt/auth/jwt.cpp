// HS256 JWT encoding, decoding and verification (golang-jwt v5 semantics, see jwt.hpp).
#include "basalt/auth/jwt.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <new>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "basalt/base/json.hpp"

namespace basalt::auth {
namespace {

constexpr std::string_view kB64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kSha256Size = 32;
/// Claims nest a few levels at most; anything deeper is not a token we issued.
constexpr std::size_t kMaxJsonDepth = 16;

/// Base64url of `{"alg":"HS256","typ":"JWT"}` (the header golang-jwt emits).
constexpr std::string_view kHs256Header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

int DecodeChar(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

Error InvalidToken(std::string msg) { return Unauthenticated(std::move(msg)); }

/// SHA-256 fetched once: OpenSSL 3 looks the algorithm up in its provider store on every
/// one-shot HMAC() call, under shared locks and reference counts, which profiles of
/// auth-refresh showed as most of the cost of a token check. The fetched EVP_MD is immutable
/// and safe to share between threads; each thread keeps its own digest context.
const EVP_MD* Sha256() {
    static EVP_MD* const md = [] {
        EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
        if (m == nullptr) {
            throw std::bad_alloc();
        }
        return m;
    }();
    return md;
}

/// HMAC-SHA256 (RFC 2104) over the pre-fetched digest.
std::array<unsigned char, kSha256Size> HmacSha256(std::string_view key, std::string_view data) {
    constexpr std::size_t kBlock = 64;
    thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx) {
        throw std::bad_alloc();
    }
    std::array<unsigned char, kBlock> k0{};
    unsigned int len = 0;
    if (key.size() > kBlock) {
        if (EVP_Digest(key.data(), key.size(), k0.data(), &len, Sha256(), nullptr) != 1) {
            throw std::bad_alloc();
        }
    } else {
        std::copy(key.begin(), key.end(), k0.begin());
    }
    std::array<unsigned char, kBlock> pad{};
    std::array<unsigned char, kSha256Size> inner{};
    std::array<unsigned char, kSha256Size> out{};
    bool ok = true;
    for (std::size_t i = 0; i < kBlock; ++i) {
        pad[i] = static_cast<unsigned char>(k0[i] ^ 0x36);
    }
    ok = ok && EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), pad.data(), kBlock) == 1 &&
         EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), inner.data(), &len) == 1;
    for (std::size_t i = 0; i < kBlock; ++i) {
        pad[i] = static_cast<unsigned char>(k0[i] ^ 0x5c);
    }
    ok = ok && EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), pad.data(), kBlock) == 1 &&
         EVP_DigestUpdate(ctx.get(), inner.data(), inner.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1;
    OPENSSL_cleanse(k0.data(), k0.size());
    OPENSSL_cleanse(pad.data(), pad.size());
    if (!ok || len != kSha256Size) {
        // OpenSSL only fails here on allocation failure.
        throw std::bad_alloc();
    }
    return out;
}

Result<boost::json::object> DecodeJsonObjectSegment(std::string_view segment, const char* what) {
    auto raw = Base64UrlDecode(segment);
    if (!raw) {
        return InvalidToken(std::string("malformed token ") + what);
    }
    auto parsed = json::Parse(*raw, kMaxJsonDepth);
    if (!parsed || !parsed->is_object()) {
        return InvalidToken(std::string("malformed token ") + what);
    }
    return std::move(parsed->as_object());
}

struct Segments {
    std::string_view header;
    std::string_view payload;
    std::string_view signature;
};

Result<Segments> Split(std::string_view token) {
    const auto first = token.find('.');
    if (first == std::string_view::npos) {
        return InvalidToken("token contains an invalid number of segments");
    }
    const auto second = token.find('.', first + 1);
    if (second == std::string_view::npos ||
        token.find('.', second + 1) != std::string_view::npos) {
        return InvalidToken("token contains an invalid number of segments");
    }
    return Segments{token.substr(0, first),
                    token.substr(first + 1, second - first - 1),
                    token.substr(second + 1)};
}

/// A numeric date claim truncated to whole seconds, as golang-jwt's NumericDate is.
Result<double> NumericDate(const boost::json::value& v, std::string_view name) {
    double d = 0;
    if (v.is_int64()) {
        d = static_cast<double>(v.get_int64());
    } else if (v.is_uint64()) {
        d = static_cast<double>(v.get_uint64());
    } else if (v.is_double()) {
        d = v.get_double();
    } else {
        return InvalidToken("token has invalid claims: " + std::string(name) + " is invalid");
    }
    if (!std::isfinite(d)) {
        return InvalidToken("token has invalid claims: " + std::string(name) + " is invalid");
    }
    return std::floor(d);
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned n = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
        out += kB64Alphabet[(n >> 18U) & 63U];
        out += kB64Alphabet[(n >> 12U) & 63U];
        out += kB64Alphabet[(n >> 6U) & 63U];
        out += kB64Alphabet[n & 63U];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const unsigned n = byte(i) << 16U;
        out += kB64Alphabet[(n >> 18U) & 63U];
        out += kB64Alphabet[(n >> 12U) & 63U];
    } else if (rest == 2) {
        const unsigned n = (byte(i) << 16U) | (byte(i + 1) << 8U);
        out += kB64Alphabet[(n >> 18U) & 63U];
        out += kB64Alphabet[(n >> 12U) & 63U];
        out += kB64Alphabet[(n >> 6U) & 63U];
    }
    return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
    if (text.size() % 4 == 1) {
        return InvalidArgument("illegal base64 data");
    }
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = DecodeChar(c);
        if (v < 0) {
            return InvalidArgument("illegal base64 data");
        }
        acc = (acc << 6U) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> static_cast<unsigned>(bits)) & 0xFFU);
        }
    }
    return out;
}

std::string SignJwtHs256(const boost::json::object& claims, std::string_view key) {
    std::string signing_input(kHs256Header);
    signing_input += '.';
    signing_input += Base64UrlEncode(json::Serialize(json::SortedKeys(claims)));
    const auto mac = HmacSha256(key, signing_input);
    signing_input += '.';
    signing_input += Base64UrlEncode(
        std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    return signing_input;
}

Result<boost::json::object> DecodeJwtUnverified(std::string_view token) {
    BASALT_TRY(const Segments seg, Split(token));
    BASALT_TRY(const boost::json::object header, DecodeJsonObjectSegment(seg.header, "header"));
    const auto* alg = header.if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") {
        return InvalidToken("token signing method is not HS256");
    }
    return DecodeJsonObjectSegment(seg.payload, "claims");
}

Status ValidateTimeClaims(const boost::json::object& claims, std::int64_t now_unix) {
    const auto now = static_cast<double>(now_unix);
    if (const auto* exp = claims.if_contains("exp")) {
        BASALT_TRY(const double t, NumericDate(*exp, "exp"));
        if (!(now < t)) {
            return InvalidToken("token has invalid claims: token is expired");
        }
    }
    if (const auto* nbf = claims.if_contains("nbf")) {
        BASALT_TRY(const double t, NumericDate(*nbf, "nbf"));
        if (now < t) {
            return InvalidToken("token has invalid claims: token is not valid yet");
        }
    }
    if (const auto* iat = claims.if_contains("iat")) {
        BASALT_TRY(const double t, NumericDate(*iat, "iat"));
        if (now < t) {
            return InvalidToken("token has invalid claims: token used before issued");
        }
    }
    return Ok();
}

Status VerifyJwtHs256(std::string_view token, std::string_view key, std::int64_t now_unix) {
    BASALT_TRY(const boost::json::object claims, DecodeJwtUnverified(token));
    BASALT_RETURN_IF_ERROR(VerifyJwtSignatureHs256(token, key));
    return ValidateTimeClaims(claims, now_unix);
}

Status VerifyJwtSignatureHs256(std::string_view token, std::string_view key) {
    const auto last_dot = token.rfind('.');
    if (last_dot == std::string_view::npos) {
        return InvalidToken("token signature is invalid");
    }
    const std::string_view signing_input = token.substr(0, last_dot);
    auto sig = Base64UrlDecode(token.substr(last_dot + 1));
    if (!sig || sig->size() != kSha256Size) {
        return InvalidToken("token signature is invalid");
    }
    const auto expected = HmacSha256(key, signing_input);
    if (CRYPTO_memcmp(expected.data(), sig->data(), kSha256Size) != 0) {
        return InvalidToken("token signature is invalid");
    }
    return Ok();
}

}  // namespace basalt::auth
