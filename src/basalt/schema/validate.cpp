// Record and collection validation with PocketBase / ozzo-validation codes, messages and params.
#include "basalt/schema/validate.hpp"

#include <cmath>
#include <cstdio>
#include <optional>
#include <regex>
#include <unordered_map>
#include <utility>

#include "basalt/base/json.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/field_defaults.hpp"
#include "basalt/schema/record_values.hpp"

namespace basalt::schema {

namespace {

namespace bj = boost::json;

constexpr std::int64_t kDefaultTextMax = 5000;
constexpr std::int64_t kDefaultPasswordMax = 71;
constexpr std::int64_t kDefaultJsonMaxSize = 1 << 20;
constexpr std::int64_t kDefaultEditorMaxSize = 5 << 20;

bj::object Params(std::string_view key, bj::value v) {
    bj::object p;
    p[key] = std::move(v);
    return p;
}

bj::object Required() { return Leaf("validation_required", "cannot be blank"); }

std::int64_t OptInt(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end()) {
        return 0;
    }
    if (it->value().is_int64()) {
        return it->value().get_int64();
    }
    if (it->value().is_uint64()) {
        return static_cast<std::int64_t>(it->value().get_uint64());
    }
    if (it->value().is_double()) {
        return static_cast<std::int64_t>(it->value().get_double());
    }
    return 0;
}

bool OptBool(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

std::string OptStr(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

std::optional<double> OptNum(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_number()) {
        return std::nullopt;
    }
    return it->value().to_number<double>();
}

std::vector<std::string> OptStrings(const bj::object& o, std::string_view key) {
    std::vector<std::string> out;
    auto it = o.find(key);
    if (it != o.end() && it->value().is_array()) {
        for (const auto& e : it->value().get_array()) {
            if (e.is_string()) {
                out.emplace_back(e.get_string());
            }
        }
    }
    return out;
}

std::size_t RuneCount(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++n;
        }
    }
    return n;
}

std::string GoPercentF(double d) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%f", d);
    return buf;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

bool IsAtomChar(unsigned char c) {
    return std::isalnum(c) != 0 || c >= 0x80 || std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsDomainLabel(std::string_view l) {
    if (l.empty() || l.size() > 63) {
        return false;
    }
    for (char ch : l) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) == 0 && c != '-' && c != '_' && c < 0x80) {
            return false;
        }
    }
    return l.front() != '-' && l.back() != '-';
}

// govalidator.IsEmail approximation: dot-atom local part, domain with at least one dot.
bool IsEmail(std::string_view s) {
    auto at = s.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= s.size()) {
        return false;
    }
    std::string_view local = s.substr(0, at);
    std::string_view domain = s.substr(at + 1);
    if (local.size() > 64 || domain.size() > 255 || local.front() == '.' || local.back() == '.' ||
        local.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : local) {
        if (c != '.' && !IsAtomChar(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    if (!domain.empty() && domain.back() == '.') {
        domain.remove_suffix(1);
    }
    auto labels = Split(domain, '.');
    if (labels.size() < 2) {
        return false;
    }
    for (auto l : labels) {
        if (!IsDomainLabel(l)) {
            return false;
        }
    }
    return true;
}

bool IsIPv4(std::string_view h) {
    auto parts = Split(h, '.');
    if (parts.size() != 4) {
        return false;
    }
    for (auto p : parts) {
        std::int64_t n = 0;
        if (p.empty() || p.size() > 3 || !ParseInt64(p, n) || n > 255) {
            return false;
        }
    }
    return true;
}

// govalidator.IsURL approximation. Sets `host` to url.Parse's Host (with port) when a scheme exists.
bool IsUrl(std::string_view s, std::string& host) {
    host.clear();
    if (s.size() <= 3 || s.size() >= 2083 || s.front() == '.' ||
        s.find_first_of(" \t\r\n") != std::string_view::npos) {
        return false;
    }
    std::string_view rest = s;
    bool has_scheme = false;
    if (auto p = s.find("://"); p != std::string_view::npos) {
        std::string_view scheme = s.substr(0, p);
        if (scheme.empty() || std::isalpha(static_cast<unsigned char>(scheme.front())) == 0) {
            return false;
        }
        for (char c : scheme) {
            if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        rest = s.substr(p + 3);
        has_scheme = true;
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (has_scheme) {
        host = std::string(authority.substr(authority.find('@') == std::string_view::npos ? 0 : authority.find('@') + 1));
    }
    if (auto a = authority.rfind('@'); a != std::string_view::npos) {
        authority = authority.substr(a + 1);
    }
    std::string_view h = authority;
    if (!h.empty() && h.front() == '[') {
        auto close = h.find(']');
        return close != std::string_view::npos && close > 1;
    }
    if (auto colon = h.rfind(':'); colon != std::string_view::npos) {
        std::int64_t port = 0;
        if (!ParseInt64(h.substr(colon + 1), port) || port < 0 || port > 65535) {
            return false;
        }
        h = h.substr(0, colon);
    }
    if (h.empty()) {
        return false;
    }
    if (h == "localhost" || IsIPv4(h)) {
        return true;
    }
    if (h.back() == '.') {
        h.remove_suffix(1);
    }
    auto labels = Split(h, '.');
    if (labels.size() < 2 && !has_scheme) {
        return false;
    }
    for (auto l : labels) {
        if (!IsDomainLabel(l)) {
            return false;
        }
    }
    return true;
}

// Go's time.Time %v for a UTC time, and its JSON (RFC 3339 nano) form.
std::pair<std::string, std::string> GoTimeForms(const std::string& canonical) {
    // canonical: "YYYY-MM-DD HH:MM:SS.sssZ"
    std::string date = canonical.substr(0, 10);
    std::string clock = canonical.substr(11, 8);
    std::string frac = canonical.size() >= 23 ? canonical.substr(20, 3) : "";
    while (!frac.empty() && frac.back() == '0') {
        frac.pop_back();
    }
    std::string f = frac.empty() ? "" : "." + frac;
    return {date + " " + clock + f + " +0000 UTC", date + "T" + clock + f + "Z"};
}

bj::object ValidatePlainText(const Field& f, std::string_view value, bool required) {
    if (required && value.empty()) {
        return Required();
    }
    if (value.empty()) {
        return {};
    }
    const auto len = static_cast<std::int64_t>(RuneCount(value));
    const std::int64_t min = OptInt(f.options, "min");
    if (min > 0 && len < min) {
        return Leaf("validation_min_text_constraint", "Must be at least " + std::to_string(min) + " character(s)",
                    Params("min", min));
    }
    std::int64_t max = OptInt(f.options, "max");
    if (max == 0) {
        max = kDefaultTextMax;
    }
    if (max > 0 && len > max) {
        return Leaf("validation_max_text_constraint", "Must be no more than " + std::to_string(max) + " character(s)",
                    Params("max", max));
    }
    std::string pattern = OptStr(f.options, "pattern");
    if (!pattern.empty() && !RegexMatch(pattern, value)) {
        return Leaf("validation_invalid_format", "Invalid value format");
    }
    return {};
}

std::string StringOf(const bj::value& v) { return v.is_string() ? std::string(v.get_string()) : CastToString(v); }

}  // namespace

namespace {

/// Compiling a std::regex costs far more than matching it, and the same few field patterns are
/// checked on every write: each thread keeps its compiled patterns (nullopt = invalid pattern).
const std::optional<std::regex>& CompiledRegex(std::string_view pattern) {
    constexpr std::size_t kMaxCached = 256;
    thread_local std::unordered_map<std::string, std::optional<std::regex>> cache;
    auto it = cache.find(std::string(pattern));
    if (it != cache.end()) {
        return it->second;
    }
    if (cache.size() >= kMaxCached) {
        cache.clear();
    }
    std::optional<std::regex> re;
    try {
        re.emplace(pattern.begin(), pattern.end(), std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        re.reset();
    }
    return cache.emplace(std::string(pattern), std::move(re)).first->second;
}

}  // namespace

bool IsValidRegex(std::string_view pattern) { return CompiledRegex(pattern).has_value(); }

bool RegexMatch(std::string_view pattern, std::string_view value) {
    const auto& re = CompiledRegex(pattern);
    if (!re) {
        return false;
    }
    try {
        return std::regex_search(value.begin(), value.end(), *re);
    } catch (const std::regex_error&) {
        return false;  // e.g. regex_constants::error_complexity on pathological input
    }
}

bj::object ValidateFieldValue(const Field& f, const bj::value& value, bool is_new, const RecordValidationContext& ctx) {
    switch (f.type) {
        case FieldType::kText: {
            std::string v = StringOf(value);
            if (f.primary_key) {
                if (!is_new) {
                    if (ctx.old_id != v) {
                        return Leaf("validation_pk_change", "The record primary key cannot be changed.");
                    }
                    if (!ctx.old_id.empty()) {
                        return {};
                    }
                } else {
                    for (std::string_view c : {"/", "\\"}) {
                        if (v.find(c) != std::string::npos) {
                            return Leaf("validation_pk_forbidden",
                                        "The record primary key contains forbidden characters.",
                                        Params("forbidden", bj::string(c)));
                        }
                    }
                }
            }
            return ValidatePlainText(f, v, f.required || f.primary_key);
        }
        case FieldType::kPassword: {
            auto plain_it = ctx.plain_passwords.find(f.name);
            std::string plain = plain_it != ctx.plain_passwords.end() ? plain_it->second : std::string();
            std::string hash = StringOf(value);
            if (f.required && hash.empty() && plain.empty()) {
                return Required();
            }
            if (plain.empty()) {
                return {};
            }
            const auto len = static_cast<std::int64_t>(RuneCount(plain));
            const std::int64_t min = OptInt(f.options, "min");
            if (len < min) {
                return Leaf("validation_min_text_constraint",
                            "Must be at least " + std::to_string(min) + " character(s)", Params("min", min));
            }
            std::int64_t max = OptInt(f.options, "max");
            if (max <= 0) {
                max = kDefaultPasswordMax;
            }
            if (len > max) {
                return Leaf("validation_max_text_constraint", "Must be less than " + std::to_string(max) + " character(s)",
                            Params("max", max));
            }
            std::string pattern = OptStr(f.options, "pattern");
            if (!pattern.empty() && !RegexMatch(pattern, plain)) {
                return Leaf("validation_invalid_format", "Invalid value format");
            }
            return {};
        }
        case FieldType::kNumber: {
            double v = value.is_number() ? value.to_number<double>() : CastToFloat(value);
            if (std::isinf(v) || std::isnan(v)) {
                return Leaf("validation_not_a_number", "The submitted number is not properly formatted");
            }
            if (v == 0) {
                return f.required ? Required() : bj::object();
            }
            if (OptBool(f.options, "onlyInt") && v != std::trunc(v)) {
                return Leaf("validation_only_int_constraint", "Decimal numbers are not allowed");
            }
            if (auto min = OptNum(f.options, "min"); min && v < *min) {
                return Leaf("validation_min_number_constraint", "Must be larger than " + GoPercentF(*min));
            }
            if (auto max = OptNum(f.options, "max"); max && v > *max) {
                return Leaf("validation_max_number_constraint", "Must be less than " + GoPercentF(*max));
            }
            return {};
        }
        case FieldType::kBool: {
            bool v = value.is_bool() ? value.get_bool() : CastToBool(value);
            return f.required && !v ? Required() : bj::object();
        }
        case FieldType::kEmail: {
            std::string v = StringOf(value);
            if (v.empty()) {
                return f.required ? Required() : bj::object();
            }
            if (!IsEmail(v)) {
                return Leaf("validation_is_email", "must be a valid email address");
            }
            std::string domain = v.substr(v.rfind('@') + 1);
            auto only = OptStrings(f.options, "onlyDomains");
            auto except = OptStrings(f.options, "exceptDomains");
            if ((!only.empty() && !Contains(only, domain)) || (!except.empty() && Contains(except, domain))) {
                return Leaf("validation_email_domain_not_allowed", "Email domain is not allowed");
            }
            return {};
        }
        case FieldType::kUrl: {
            std::string v = StringOf(value);
            if (v.empty()) {
                return f.required ? Required() : bj::object();
            }
            std::string host;
            if (!IsUrl(v, host)) {
                return Leaf("validation_invalid_url", "Must be a valid url");
            }
            auto only = OptStrings(f.options, "onlyDomains");
            auto except = OptStrings(f.options, "exceptDomains");
            if ((!only.empty() && !Contains(only, host)) || (!except.empty() && Contains(except, host))) {
                return Leaf("validation_url_domain_not_allowed", "Url domain is not allowed");
            }
            return {};
        }
        case FieldType::kEditor: {
            std::string v = StringOf(value);
            if (f.required && v.empty()) {
                return Required();
            }
            std::int64_t max = OptInt(f.options, "maxSize");
            if (max <= 0) {
                max = kDefaultEditorMaxSize;
            }
            if (static_cast<std::int64_t>(v.size()) > max) {
                return Leaf("validation_content_size_limit",
                            "The maximum allowed content size is " + std::to_string(max) + " bytes",
                            Params("maxSize", max));
            }
            return {};
        }
        case FieldType::kDate: {
            std::string v = StringOf(value);
            auto tp = v.empty() ? std::nullopt : ParseDateTime(v);
            if (!tp) {
                return f.required ? Required() : bj::object();
            }
            std::string min = OptStr(f.options, "min");
            std::string max = OptStr(f.options, "max");
            if (auto mt = min.empty() ? std::nullopt : ParseDateTime(min); mt && *tp < *mt) {
                auto [text, json_form] = GoTimeForms(FormatDateTime(*mt));
                return Leaf("validation_min_greater_equal_than_required", "must be no less than " + text,
                            Params("threshold", bj::string(json_form)));
            }
            if (auto mt = max.empty() ? std::nullopt : ParseDateTime(max); mt && *tp > *mt) {
                auto [text, json_form] = GoTimeForms(FormatDateTime(*mt));
                return Leaf("validation_max_less_equal_than_required", "must be no greater than " + text,
                            Params("threshold", bj::string(json_form)));
            }
            return {};
        }
        case FieldType::kAutodate: return {};
        case FieldType::kSelect:
        case FieldType::kRelation:
        case FieldType::kFile: {
            auto items = ToUniqueStringSlice(value);
            if (items.empty()) {
                return f.required ? Required() : bj::object();
            }
            if (f.type == FieldType::kRelation) {
                std::int64_t min_select = OptInt(f.options, "minSelect");
                if (min_select > 0 && static_cast<std::int64_t>(items.size()) < min_select) {
                    return Leaf("validation_not_enough_values", "Select at least " + std::to_string(min_select),
                                Params("minSelect", min_select));
                }
            }
            std::int64_t max_select = std::max<std::int64_t>(OptInt(f.options, "maxSelect"), 1);
            if (static_cast<std::int64_t>(items.size()) > max_select) {
                return Leaf("validation_too_many_values", "Select no more than " + std::to_string(max_select),
                            Params("maxSelect", max_select));
            }
            if (f.type == FieldType::kSelect) {
                auto allowed = OptStrings(f.options, "values");
                for (const auto& it : items) {
                    if (!Contains(allowed, it)) {
                        return Leaf("validation_invalid_value", "Invalid value " + it, Params("value", bj::string(it)));
                    }
                }
            }
            return {};
        }
        case FieldType::kJson: {
            std::string raw = json::Serialize(value);
            std::int64_t max = OptInt(f.options, "maxSize");
            if (max <= 0) {
                max = kDefaultJsonMaxSize;
            }
            if (static_cast<std::int64_t>(raw.size()) > max) {
                return Leaf("validation_json_size_limit",
                            "The maximum allowed JSON size is " + std::to_string(max) + " bytes",
                            Params("maxSize", max));
            }
            if (f.required && (raw == "null" || raw == "\"\"" || raw == "[]" || raw == "{}")) {
                return Required();
            }
            return {};
        }
        case FieldType::kGeoPoint: {
            double lon = 0;
            double lat = 0;
            if (value.is_object()) {
                const auto& o = value.get_object();
                lon = o.contains("lon") ? CastToFloat(o.at("lon")) : 0;
                lat = o.contains("lat") ? CastToFloat(o.at("lat")) : 0;
            }
            if (lat == 0 && lon == 0) {
                return f.required ? Required() : bj::object();
            }
            if (lat < -90 || lat > 90) {
                return Leaf("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.");
            }
            if (lon < -180 || lon > 180) {
                return Leaf("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.");
            }
            return {};
        }
    }
    return {};
}

Status ValidateRecord(const Collection& c, const bj::object& values, bool is_new, const RecordValidationContext& ctx) {
    bj::object data;
    for (const auto& f : c.fields) {
        auto it = values.find(f.name);
        bj::value v = it != values.end() ? it->value() : ZeroValue(f);
        bj::object leaf = ValidateFieldValue(f, v, is_new, ctx);
        if (!leaf.empty()) {
            data[f.name] = std::move(leaf);
        }
    }
    if (data.empty()) {
        return Ok();
    }
    return InvalidArgument(is_new ? "Failed to create record." : "Failed to update record.", std::move(data));
}

}  // namespace basalt::schema
