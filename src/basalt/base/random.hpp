// Cryptographically secure random strings and ids (PocketBase id/token alphabets).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace basalt {

inline constexpr std::string_view kAlphabetLowerNum = "abcdefghijklmnopqrstuvwxyz0123456789";
inline constexpr std::string_view kAlphabetAlnum =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Fills `out` with bytes from the kernel CSPRNG (getrandom). Thread-safe.
void SecureRandomBytes(void* out, std::size_t n);

/// A uniformly random string of `n` characters from `alphabet` (rejection sampling, no bias).
std::string RandomString(std::size_t n, std::string_view alphabet = kAlphabetAlnum);

/// A uniformly random integer in [lo, hi] (lo <= hi).
std::int64_t RandomInt(std::int64_t lo, std::int64_t hi);

/// A new default record id: 15 chars of [a-z0-9].
inline std::string NewRecordId() { return RandomString(15, kAlphabetLowerNum); }

/// Generates a string matching a simple regex-like pattern as used by PocketBase's
/// `autogeneratePattern`: literals, character classes `[a-z0-9_]`, escapes `\w \d`, and `{n}`
/// repetition. Unsupported constructs return an empty string.
std::string RandomFromPattern(std::string_view pattern);

}  // namespace basalt
