// CSPRNG-backed random helpers.
#include "basalt/base/random.hpp"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <vector>

namespace basalt {

void SecureRandomBytes(void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::runtime_error("getrandom failed");
        }
        p += got;
        n -= static_cast<std::size_t>(got);
    }
}

namespace {

// A small per-thread buffer so that short strings do not cost one syscall each.
unsigned char NextRandomByte() {
    thread_local std::array<unsigned char, 256> buf{};
    thread_local std::size_t pos = buf.size();
    if (pos == buf.size()) {
        SecureRandomBytes(buf.data(), buf.size());
        pos = 0;
    }
    return buf[pos++];
}

}  // namespace

std::int64_t RandomInt(std::int64_t lo, std::int64_t hi) {
    const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
    if (span == 0) {  // the whole 64-bit range
        std::uint64_t v = 0;
        SecureRandomBytes(&v, sizeof v);
        return static_cast<std::int64_t>(v);
    }
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % span);  // reject the biased tail
    std::uint64_t v = 0;
    do {
        SecureRandomBytes(&v, sizeof v);
    } while (v >= limit);
    return lo + static_cast<std::int64_t>(v % span);
}

std::string RandomString(std::size_t n, std::string_view alphabet) {
    std::string out;
    out.reserve(n);
    const std::size_t size = alphabet.size();
    const std::size_t limit = 256 - (256 % size);  // reject bytes that would bias the result
    while (out.size() < n) {
        unsigned char b = NextRandomByte();
        if (b < limit) {
            out.push_back(alphabet[b % size]);
        }
    }
    return out;
}

std::string RandomFromPattern(std::string_view pattern) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        std::string set;
        char c = pattern[i];
        if (c == '^' || c == '$') {
            ++i;
            continue;
        }
        if (c == '[') {
            std::size_t j = i + 1;
            while (j < pattern.size() && pattern[j] != ']') {
                if (pattern[j] == '\\' && j + 1 < pattern.size()) {
                    char e = pattern[j + 1];
                    if (e == 'w') {
                        set += std::string(kAlphabetAlnum) + "_";
                    } else if (e == 'd') {
                        set += "0123456789";
                    } else {
                        set.push_back(e);
                    }
                    j += 2;
                } else if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
                    for (char x = pattern[j]; x <= pattern[j + 2]; ++x) {
                        set.push_back(x);
                    }
                    j += 3;
                } else {
                    set.push_back(pattern[j]);
                    ++j;
                }
            }
            if (j >= pattern.size()) {
                return {};
            }
            i = j + 1;
        } else if (c == '\\' && i + 1 < pattern.size()) {
            char e = pattern[i + 1];
            set = e == 'w' ? std::string(kAlphabetAlnum) + "_" : e == 'd' ? "0123456789" : std::string(1, e);
            i += 2;
        } else {
            set.push_back(c);
            ++i;
        }
        std::size_t count = 1;
        if (i < pattern.size() && pattern[i] == '{') {
            std::size_t j = pattern.find('}', i);
            if (j == std::string_view::npos) {
                return {};
            }
            count = 0;
            for (std::size_t k = i + 1; k < j; ++k) {
                if (pattern[k] < '0' || pattern[k] > '9') {
                    return {};
                }
                count = count * 10 + static_cast<std::size_t>(pattern[k] - '0');
            }
            if (count > 4096) {
                return {};
            }
            i = j + 1;
        }
        if (set.size() == 1) {
            out.append(count, set[0]);
        } else {
            out += RandomString(count, set);
        }
    }
    return out;
}

}  // namespace basalt
