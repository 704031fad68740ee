// String utilities.
#include "basalt/base/strings.hpp"

#include <zlib.h>

#include <charconv>

namespace basalt {

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string Sentenize(std::string_view s) {
    s = Trim(s);
    if (s.empty()) {
        return {};
    }
    std::string out(s);
    if (out[0] >= 'a' && out[0] <= 'z') {
        out[0] = static_cast<char>(out[0] - 'a' + 'A');
    }
    char last = out.back();
    if (last != '.' && last != '?' && last != '!') {
        out.push_back('.');
    }
    return out;
}

std::uint32_t Crc32(std::string_view s) {
    return static_cast<std::uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

bool IEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') {
            x = static_cast<char>(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = static_cast<char>(y - 'A' + 'a');
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

bool StartsWithI(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

std::string ToLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        std::size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

std::string NormalizeHeaderName(std::string_view name) {
    std::string out = ToLower(name);
    for (char& c : out) {
        if (c == '-') {
            c = '_';
        }
    }
    return out;
}

bool ParseInt64(std::string_view s, std::int64_t& out) {
    if (s.empty()) {
        return false;
    }
    const char* b = s.data();
    if (*b == '+') {
        ++b;
    }
    auto [p, ec] = std::from_chars(b, s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

bool ParseGoBool(std::string_view s, bool& out) {
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
        out = true;
        return true;
    }
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
        out = false;
        return true;
    }
    return false;
}

}  // namespace basalt
