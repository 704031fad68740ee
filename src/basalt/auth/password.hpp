// bcrypt password hashing compatible with PocketBase (Go golang.org/x/crypto/bcrypt, `$2a$`).
// Backed by libxcrypt's crypt_rn/crypt_gensalt_rn. CPU-bound (cost 10 ≈ 60 ms, 13 ≈ 0.5 s):
// call from the blocking thread pool, never on an I/O thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace basalt::auth {

/// bcrypt only reads the first 72 bytes of a password. PocketBase's password field caps input at
/// 71 bytes (`max` ≤ 71), so a validated password never reaches this limit.
inline constexpr std::size_t kMaxBcryptPasswordBytes = 72;

inline constexpr int kDefaultBcryptCost = 10;

/// True if `pw` can be hashed faithfully: at most 72 bytes and no NUL byte (the C API is
/// NUL-terminated, Go's is not; refusing such input keeps both sides consistent).
bool IsHashablePassword(std::string_view pw);

/// Returns a `$2a$<cost>$...` hash (60 chars) with a 16-byte salt from the kernel CSPRNG.
/// Costs below 4 become 10 (Go's DefaultCost), above 31 become 31. Fails closed: returns an
/// empty string (which VerifyPassword never accepts) if !IsHashablePassword(pw) or libxcrypt fails.
/// Thread-safe.
std::string HashPassword(std::string_view pw, int cost = kDefaultBcryptCost);

/// Checks `pw` against a bcrypt hash (`$2a$`, `$2b$` or `$2y$`; any other scheme is rejected)
/// with a constant-time comparison. False for malformed hashes. Thread-safe.
bool VerifyPassword(std::string_view pw, std::string_view hash);

}  // namespace basalt::auth
