// Percent-decoding and query parsing (Go net/url compatible where it matters).
#include "basalt/http/internal/url.hpp"

namespace basalt::http::internal {

namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) {
                return std::nullopt;
            }
            int hi = HexValue(s[i + 1]);
            int lo = HexValue(s[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>((hi << 4) | lo));
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view q) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!q.empty()) {
        auto amp = q.find('&');
        std::string_view piece = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        if (piece.empty()) {
            continue;
        }
        auto eq = piece.find('=');
        std::string_view k = piece.substr(0, eq);
        std::string_view v = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
        auto dk = PercentDecode(k, true);
        auto dv = PercentDecode(v, true);
        if (!dk || !dv) {
            continue;
        }
        out.emplace_back(std::move(*dk), std::move(*dv));
    }
    return out;
}

std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
    auto q = target.find('?');
    if (q == std::string_view::npos) {
        return {target, {}};
    }
    return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace basalt::http::internal
