// bcrypt via libxcrypt (see password.hpp).
#include "basalt/auth/password.hpp"

#include <crypt.h>

#include <array>
#include <memory>

#include <openssl/crypto.h>

#include "basalt/base/random.hpp"

namespace basalt::auth {
namespace {

constexpr std::size_t kBcryptSaltBytes = 16;
constexpr std::size_t kBcryptHashLength = 60;
constexpr int kMinCost = 4;
constexpr int kMaxCost = 31;

bool IsBcryptHash(std::string_view hash) {
    return hash.size() == kBcryptHashLength &&
           (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

/// crypt_rn into a heap buffer (struct crypt_data is ~32 KiB); empty string on failure.
std::string Crypt(const std::string& phrase, const char* setting) {
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(phrase.c_str(), setting, data.get(), sizeof(crypt_data));
    // libxcrypt signals failure with NULL or with a string starting with '*'.
    if (out == nullptr || out[0] == '*') {
        return {};
    }
    std::string result(out);
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    return result;
}

}  // namespace

bool IsHashablePassword(std::string_view pw) {
    return pw.size() <= kMaxBcryptPasswordBytes && pw.find('\0') == std::string_view::npos;
}

std::string HashPassword(std::string_view pw, int cost) {
    if (!IsHashablePassword(pw)) {
        return {};
    }
    if (cost < kMinCost) {
        cost = kDefaultBcryptCost;
    }
    if (cost > kMaxCost) {
        cost = kMaxCost;
    }
    std::array<char, kBcryptSaltBytes> salt_bytes{};
    SecureRandomBytes(salt_bytes.data(), salt_bytes.size());
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> setting{};
    if (crypt_gensalt_rn("$2a$",
                         static_cast<unsigned long>(cost),
                         salt_bytes.data(),
                         static_cast<int>(salt_bytes.size()),
                         setting.data(),
                         static_cast<int>(setting.size())) == nullptr) {
        return {};
    }
    std::string hash = Crypt(std::string(pw), setting.data());
    return IsBcryptHash(hash) ? hash : std::string();
}

bool VerifyPassword(std::string_view pw, std::string_view hash) {
    if (!IsBcryptHash(hash) || !IsHashablePassword(pw)) {
        return false;
    }
    const std::string setting(hash);
    const std::string computed = Crypt(std::string(pw), setting.c_str());
    if (computed.size() != hash.size()) {
        return false;
    }
    return CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

}  // namespace basalt::auth
