// Go-compatible JSON writer and a bounded parser.
#include "basalt/base/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

namespace basalt::json {

void WriteString(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t start = 0;
    const std::size_t n = s.size();
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        const char* esc = nullptr;
        char ubuf[7];
        switch (c) {
            case '"': esc = "\\\""; break;
            case '\\': esc = "\\\\"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            case '<':
            case '>':
            case '&':
                break;
            default:
                if (c >= 0x20) {
                    // U+2028 / U+2029 (E2 80 A8 / E2 80 A9)
                    if (c == 0xE2 && i + 2 < n && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
                        out.append(s.data() + start, i - start);
                        out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
                        i += 2;
                        start = i + 1;
                    }
                    continue;
                }
                break;
        }
        out.append(s.data() + start, i - start);
        if (esc != nullptr) {
            out += esc;
        } else {
            ubuf[0] = '\\';
            ubuf[1] = 'u';
            ubuf[2] = '0';
            ubuf[3] = '0';
            ubuf[4] = kHex[c >> 4];
            ubuf[5] = kHex[c & 0xF];
            out.append(ubuf, 6);
        }
        start = i + 1;
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
