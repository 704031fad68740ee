// Go-compatible JSON writer and a bounded parser.
#include "basalt/base/json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

namespace basalt::json {

namespace {

// 1 for bytes that need escaping or special handling: control chars, '"', '\\', '<', '>', '&',
// and 0xE2 (the lead byte of U+2028/U+2029).
constexpr std::array<bool, 256> MakeSpecialTable() {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) {
        t[static_cast<std::size_t>(c)] = true;
    }
    for (unsigned char c : {'"', '\\', '<', '>', '&'}) {
        t[c] = true;
    }
    t[0xE2] = true;
    return t;
}

constexpr std::array<bool, 256> kSpecial = MakeSpecialTable();

// The first block boundary at or after `i` (up to `n`) that may hold a byte of kSpecial: whole
// blocks of plain bytes are skipped without looking at each byte. The byte loop of WriteString
// finds the exact position within the block.
#if defined(__SSE2__)
inline std::size_t SkipPlain(const char* p, std::size_t i, std::size_t n) {
    const __m128i below = _mm_set1_epi8(0x1F);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i lt = _mm_set1_epi8('<');
    const __m128i gt = _mm_set1_epi8('>');
    const __m128i amp = _mm_set1_epi8('&');
    const __m128i e2 = _mm_set1_epi8(static_cast<char>(0xE2));
    for (; i + 16 <= n; i += 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        __m128i hit = _mm_cmpeq_epi8(_mm_min_epu8(x, below), x);  // x <= 0x1F, unsigned
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, quote));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, backslash));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, lt));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, gt));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, amp));
        hit = _mm_or_si128(hit, _mm_cmpeq_epi8(x, e2));
        if (_mm_movemask_epi8(hit) != 0) {
            break;
        }
    }
    return i;
}
#else
inline std::size_t SkipPlain(const char*, std::size_t i, std::size_t) { return i; }  // byte by byte
#endif

}  // namespace

void WriteString(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    const std::size_t n = s.size();
    std::size_t start = 0;
    std::size_t i = 0;
    while (i < n) {
        // fast path: skip bytes that are copied verbatim, a block at a time, then byte by byte
        // up to the first one that needs a look
        i = SkipPlain(s.data(), i, n);
        while (i < n && !kSpecial[static_cast<unsigned char>(s[i])]) {
            ++i;
        }
        if (i == n) {
            break;
        }
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0xE2) {
            if (i + 2 < n && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
                out.append(s.data() + start, i - start);
                out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
                i += 3;
                start = i;
            } else {
                ++i;
            }
            continue;
        }
        out.append(s.data() + start, i - start);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                char ubuf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
                out.append(ubuf, 6);
                break;
            }
        }
        ++i;
        start = i;
    }
    out.append(s.data() + start, n - start);
    out.push_back('"');
}

void WriteDouble(std::string& out, double d) {
    if (!std::isfinite(d)) {
        out += "null";  // Go would fail; never emit invalid JSON
        return;
    }
    char buf[64];
    double a = std::fabs(d);
    bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
    auto [p, ec] = std::to_chars(buf,
                                 buf + sizeof buf,
                                 d,
                                 exp ? std::chars_format::scientific : std::chars_format::fixed);
    std::size_t len = static_cast<std::size_t>(p - buf);
    if (exp && len >= 4 && buf[len - 4] == 'e' && buf[len - 3] == '-' && buf[len - 2] == '0') {
        buf[len - 2] = buf[len - 1];
        --len;
    }
    out.append(buf, len);
}

void Write(std::string& out, const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null: out += "null"; break;
        case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
        case boost::json::kind::int64: {
            char buf[24];
            auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.get_int64());
            out.append(buf, p);
            break;
        }
        case boost::json::kind::uint64: {
            char buf[24];
            auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
            out.append(buf, p);
            break;
        }
        case boost::json::kind::double_: WriteDouble(out, v.get_double()); break;
        case boost::json::kind::string: WriteString(out, v.get_string()); break;
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& e : v.get_array()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                Write(out, e);
            }
            out.push_back(']');
            break;
        }
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& kv : v.get_object()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                WriteString(out, kv.key());
                out.push_back(':');
                Write(out, kv.value());
            }
            out.push_back('}');
            break;
        }
    }
}

std::string Serialize(const boost::json::value& v, bool newline) {
    std::string out;
    out.reserve(256);
    Write(out, v);
    if (newline) {
        out.push_back('\n');
    }
    return out;
}

Result<boost::json::value> Parse(std::string_view text, std::size_t max_depth) {
    boost::json::parse_options opts;
    opts.max_depth = max_depth;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec, {}, opts);
    if (ec) {
        return InvalidArgument("Failed to parse JSON: " + ec.message());
    }
    return v;
}

boost::json::object SortedKeys(const boost::json::object& o, bool deep) {
    std::vector<const boost::json::key_value_pair*> kvs;
    kvs.reserve(o.size());
    for (const auto& kv : o) {
        kvs.push_back(&kv);
    }
    std::sort(kvs.begin(), kvs.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    boost::json::object out;
    out.reserve(o.size());
    for (const auto* kv : kvs) {
        if (deep && kv->value().is_object()) {
            out.emplace(kv->key(), SortedKeys(kv->value().get_object(), true));
        } else {
            out.emplace(kv->key(), kv->value());
        }
    }
    return out;
}

}  // namespace basalt::json
