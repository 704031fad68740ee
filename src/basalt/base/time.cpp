// Datetime formatting and parsing (Howard Hinnant's civil-date algorithms via <chrono>).
#include "basalt/base/time.hpp"

#include <cstdio>

namespace basalt {

TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::int64_t UnixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string FormatDateTime(TimePoint t) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<milliseconds> hms{t - day};
    char buf[32];
    std::snprintf(buf,
                  sizeof buf,
                  "%04d-%02u-%02u %02d:%02d:%02d.%03dZ",
                  static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()),
                  static_cast<int>(hms.subseconds().count()));
    return buf;
}

namespace {

bool ReadInt(std::string_view s, std::size_t& pos, int digits, int& out) {
    if (pos + static_cast<std::size_t>(digits) > s.size()) {
        return false;
    }
    int v = 0;
    for (int i = 0; i < digits; ++i) {
        char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(digits);
    out = v;
    return true;
}

}  // namespace

std::optional<TimePoint> ParseDateTime(std::string_view s) {
    using namespace std::chrono;
    // trim
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!ReadInt(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !ReadInt(s, pos, 2, mo) ||
        pos >= s.size() || s[pos++] != '-' || !ReadInt(s, pos, 2, d)) {
        return std::nullopt;
    }
    long long frac_ms = 0;
    int offset_minutes = 0;
    if (pos < s.size()) {
        if (s[pos] != ' ' && s[pos] != 'T' && s[pos] != 't') {
            return std::nullopt;
        }
        ++pos;
        if (!ReadInt(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' || !ReadInt(s, pos, 2, mi)) {
            return std::nullopt;
        }
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            if (!ReadInt(s, pos, 2, sec)) {
                return std::nullopt;
            }
        }
        if (pos < s.size() && s[pos] == '.') {
            ++pos;
            int ndig = 0;
            long long scale = 100;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                if (ndig < 3) {
                    frac_ms += (s[pos] - '0') * scale;
                    scale /= 10;
                }
                ++ndig;
                ++pos;
            }
            if (ndig == 0) {
                return std::nullopt;
            }
        }
        if (pos < s.size()) {
            char z = s[pos];
            if (z == 'Z' || z == 'z') {
                ++pos;
            } else if (z == '+' || z == '-') {
                ++pos;
                int oh = 0, om = 0;
                if (!ReadInt(s, pos, 2, oh)) {
                    return std::nullopt;
                }
                if (pos < s.size() && s[pos] == ':') {
                    ++pos;
                }
                if (!ReadInt(s, pos, 2, om)) {
                    return std::nullopt;
                }
                offset_minutes = (oh * 60 + om) * (z == '+' ? 1 : -1);
            }
        }
        if (pos != s.size()) {
            return std::nullopt;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return std::nullopt;
    }
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    TimePoint t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{frac_ms};
    return t - minutes{offset_minutes};
}

}  // namespace basalt
