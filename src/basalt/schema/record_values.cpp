// Record value casting and write modifiers, mirroring PocketBase's field setters.
#include "basalt/schema/record_values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "basalt/base/json.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"

namespace basalt::schema {

namespace {

namespace bj = boost::json;

bool IsListType(FieldType t) {
    return t == FieldType::kSelect || t == FieldType::kRelation || t == FieldType::kFile;
}

std::string FormatGoFloat(double d) {
    if (std::isnan(d)) {
        return "NaN";
    }
    if (std::isinf(d)) {
        return d > 0 ? "+Inf" : "-Inf";
    }
    char buf[400];
    auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
    return std::string(buf, res.ptr);
}

bool ParseGoFloat(std::string_view s, double& out) {
    if (!s.empty() && s.front() == '+') {
        s.remove_prefix(1);
    }
    if (s.empty()) {
        return false;
    }
    std::string lower = ToLower(s);
    std::string_view body = lower;
    bool neg = false;
    if (!body.empty() && body.front() == '-') {
        neg = true;
        body.remove_prefix(1);
    }
    if (body == "inf" || body == "infinity") {
        out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (body == "nan") {
        out = NAN;
        return true;
    }
    auto res = std::from_chars(s.data(), s.data() + s.size(), out, std::chars_format::general);
    return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

bj::value GeoPoint(double lon, double lat) {
    bj::object o;
    o["lon"] = lon;
    o["lat"] = lat;
    return o;
}

bj::value NormalizeJsonInput(const bj::value& raw) {
    if (!raw.is_string()) {
        return raw;
    }
    std::string_view s = raw.get_string();
    if (s.empty()) {
        return bj::string();
    }
    if (s == "null") {
        return nullptr;
    }
    if (s == "true" || s == "false") {
        return s == "true";
    }
    const char c = s.front();
    if ((c >= '0' && c <= '9') || c == '-' || c == '"' || c == '[' || c == '{') {
        if (auto parsed = json::Parse(s)) {
            return std::move(*parsed);
        }
    }
    return raw;
}

bj::value ListValue(const Field& f, std::vector<std::string> items) {
    if (!f.IsMulti()) {
        return items.empty() ? bj::value(bj::string()) : bj::value(bj::string(items.back()));
    }
    bj::array arr;
    for (auto& s : items) {
        arr.emplace_back(bj::string(s));
    }
    return arr;
}

std::vector<std::string> Unique(std::vector<std::string> in) {
    std::vector<std::string> out;
    for (auto& s : in) {
        if (!s.empty() && std::find(out.begin(), out.end(), s) == out.end()) {
            out.push_back(std::move(s));
        }
    }
    return out;
}

}  // namespace

std::string CastToString(const bj::value& v) {
    switch (v.kind()) {
        case bj::kind::string: return std::string(v.get_string());
        case bj::kind::int64: return std::to_string(v.get_int64());
        case bj::kind::uint64: return std::to_string(v.get_uint64());
        case bj::kind::double_: return FormatGoFloat(v.get_double());
        case bj::kind::bool_: return v.get_bool() ? "true" : "false";
        default: return {};
    }
}

double CastToFloat(const bj::value& v) {
    switch (v.kind()) {
        case bj::kind::int64: return static_cast<double>(v.get_int64());
        case bj::kind::uint64: return static_cast<double>(v.get_uint64());
        case bj::kind::double_: return v.get_double();
        case bj::kind::bool_: return v.get_bool() ? 1 : 0;
        case bj::kind::string: {
            double d = 0;
            return ParseGoFloat(v.get_string(), d) ? d : 0;
        }
        default: return 0;
    }
}

bool CastToBool(const bj::value& v) {
    switch (v.kind()) {
        case bj::kind::bool_: return v.get_bool();
        case bj::kind::int64: return v.get_int64() != 0;
        case bj::kind::uint64: return v.get_uint64() != 0;
        case bj::kind::double_: return v.get_double() != 0;
        case bj::kind::string: {
            bool b = false;
            return ParseGoBool(v.get_string(), b) && b;
        }
        default: return false;
    }
}

std::vector<std::string> ToUniqueStringSlice(const bj::value& v) {
    std::vector<std::string> out;
    if (v.is_string()) {
        std::string_view s = v.get_string();
        if (s.empty()) {
            return out;
        }
        if (s.find('[') != std::string_view::npos) {
            auto parsed = json::Parse(s);
            if (parsed && parsed->is_array()) {
                bool all_strings = true;
                for (const auto& e : parsed->get_array()) {
                    all_strings = all_strings && e.is_string();
                }
                if (all_strings) {
                    for (const auto& e : parsed->get_array()) {
                        out.emplace_back(e.get_string());
                    }
                    return Unique(std::move(out));
                }
            }
        }
        out.emplace_back(s);
        return out;
    }
    if (v.is_array()) {
        for (const auto& e : v.get_array()) {
            out.push_back(CastToString(e));
        }
        return Unique(std::move(out));
    }
    if (v.is_null() || v.is_object()) {
        return out;
    }
    out.push_back(CastToString(v));  // cast.ToStringSlice of a scalar
    return Unique(std::move(out));
}

bj::value ZeroValue(const Field& f) {
    switch (f.type) {
        case FieldType::kNumber: return 0.0;
        case FieldType::kBool: return false;
        case FieldType::kJson: return nullptr;
        case FieldType::kGeoPoint: return GeoPoint(0, 0);
        case FieldType::kSelect:
        case FieldType::kRelation:
        case FieldType::kFile:
            return f.IsMulti() ? bj::value(bj::array()) : bj::value(bj::string());
        default: return bj::string();
    }
}

bj::value NormalizeInput(const Field& f, const bj::value& raw) {
    switch (f.type) {
        case FieldType::kText:
        case FieldType::kEmail:
        case FieldType::kUrl:
        case FieldType::kEditor:
        case FieldType::kPassword: return bj::string(CastToString(raw));
        case FieldType::kNumber: return CastToFloat(raw);
        case FieldType::kBool: return CastToBool(raw);
        case FieldType::kDate:
        case FieldType::kAutodate: {
            std::optional<TimePoint> tp;
            if (raw.is_string()) {
                tp = ParseDateTime(raw.get_string());
            } else if (raw.is_number()) {
                // cast.ToTime: a number is Unix seconds
                double secs = CastToFloat(raw);
                if (std::isfinite(secs) && std::fabs(secs) < 1e13) {
                    tp = TimePoint(std::chrono::milliseconds(static_cast<std::int64_t>(secs) * 1000));
                }
            }
            return tp ? bj::value(bj::string(FormatDateTime(*tp))) : bj::value(bj::string());
        }
        case FieldType::kSelect:
        case FieldType::kRelation:
        case FieldType::kFile: return ListValue(f, ToUniqueStringSlice(raw));
        case FieldType::kJson: return NormalizeJsonInput(raw);
        case FieldType::kGeoPoint: {
            const bj::value* src = &raw;
            bj::value parsed;
            if (raw.is_string()) {
                auto p = json::Parse(raw.get_string());
                if (!p) {
                    return GeoPoint(0, 0);
                }
                parsed = std::move(*p);
                src = &parsed;
            }
            if (!src->is_object()) {
                return GeoPoint(0, 0);
            }
            const auto& o = src->get_object();
            double lon = o.contains("lon") ? CastToFloat(o.at("lon")) : 0;
            double lat = o.contains("lat") ? CastToFloat(o.at("lat")) : 0;
            return GeoPoint(lon, lat);
        }
    }
    return raw;
}

Status ApplyModifiers(const Collection& c, bj::object& values, const bj::object& body) {
    auto current = [&](const Field& f) -> bj::value {
        auto it = values.find(f.name);
        return it != values.end() ? it->value() : ZeroValue(f);
    };
    // 1. plain keys
    for (const auto& f : c.fields) {
        if (f.type == FieldType::kAutodate || f.type == FieldType::kPassword) {
            continue;
        }
        if (auto it = body.find(f.name); it != body.end()) {
            values[f.name] = NormalizeInput(f, it->value());
        }
    }
    // 2. list/number modifiers: prepend, append, subtract
    for (const auto& f : c.fields) {
        if (f.type == FieldType::kNumber) {
            if (auto it = body.find(f.name + "+"); it != body.end()) {
                values[f.name] = CastToFloat(current(f)) + CastToFloat(it->value());
            }
            if (auto it = body.find(f.name + "-"); it != body.end()) {
                values[f.name] = CastToFloat(current(f)) - CastToFloat(it->value());
            }
            continue;
        }
        if (!IsListType(f.type)) {
            continue;
        }
        if (auto it = body.find("+" + f.name); it != body.end()) {
            auto items = ToUniqueStringSlice(it->value());
            for (auto& s : ToUniqueStringSlice(current(f))) {
                items.push_back(std::move(s));
            }
            values[f.name] = ListValue(f, Unique(std::move(items)));
        }
        if (auto it = body.find(f.name + "+"); it != body.end()) {
            auto items = ToUniqueStringSlice(current(f));
            for (auto& s : ToUniqueStringSlice(it->value())) {
                items.push_back(std::move(s));
            }
            values[f.name] = ListValue(f, Unique(std::move(items)));
        }
        if (auto it = body.find(f.name + "-"); it != body.end()) {
            auto remove = ToUniqueStringSlice(it->value());
            std::vector<std::string> kept;
            for (auto& s : ToUniqueStringSlice(current(f))) {
                if (std::find(remove.begin(), remove.end(), s) == remove.end()) {
                    kept.push_back(std::move(s));
                }
            }
            values[f.name] = ListValue(f, std::move(kept));
        }
    }
    // 3. text autogenerate
    for (const auto& f : c.fields) {
        if (f.type != FieldType::kText) {
            continue;
        }
        if (auto it = body.find(f.name + ":autogenerate"); it != body.end()) {
            std::string v = CastToString(it->value());
            auto pat = f.options.find("autogeneratePattern");
            if (pat != f.options.end() && pat->value().is_string() && !pat->value().get_string().empty()) {
                v += RandomFromPattern(pat->value().get_string());
            }
            values[f.name] = bj::string(v);
        }
    }
    return Ok();
}

namespace {

/// The field a modifier key applies to (as ApplyModifiers reads it), or null for other keys.
const Field* ModifiedField(const Collection& c, std::string_view key) {
    auto field = [&](std::string_view name) { return c.FindField(std::string(name)); };
    if (key.ends_with(":autogenerate")) {
        const Field* f = field(key.substr(0, key.size() - 13));
        return f != nullptr && f->type == FieldType::kText ? f : nullptr;
    }
    if (key.starts_with('+')) {
        const Field* f = field(key.substr(1));
        return f != nullptr && IsListType(f->type) ? f : nullptr;
    }
    if (key.ends_with('+') || key.ends_with('-')) {
        const Field* f = field(key.substr(0, key.size() - 1));
        return f != nullptr && (f->type == FieldType::kNumber || IsListType(f->type)) ? f : nullptr;
    }
    return nullptr;
}

}  // namespace

bj::object ReplaceModifiers(const Collection& c, const bj::object& applied, const bj::object& body) {
    bj::object out;
    for (const auto& kv : body) {
        if (ModifiedField(c, kv.key()) == nullptr) {
            out[kv.key()] = kv.value();
        }
    }
    for (const auto& kv : body) {
        if (const Field* f = ModifiedField(c, kv.key()); f != nullptr) {
            auto it = applied.find(f->name);
            out[f->name] = it != applied.end() ? it->value() : ZeroValue(*f);
        }
    }
    return out;
}

bool HasModifiers(const Collection& c, const bj::object& body) {
    for (const auto& kv : body) {
        if (ModifiedField(c, kv.key()) != nullptr) {
            return true;
        }
    }
    return false;
}

void FillDefaults(const Collection& c, bj::object& values, bool is_new) {
    for (const auto& f : c.fields) {
        auto it = values.find(f.name);
        if (it == values.end()) {
            values[f.name] = ZeroValue(f);
            it = values.find(f.name);
        }
        if (is_new && f.type == FieldType::kText && it->value().is_string() &&
            it->value().get_string().empty()) {
            auto pat = f.options.find("autogeneratePattern");
            if (pat != f.options.end() && pat->value().is_string() && !pat->value().get_string().empty()) {
                it->value() = bj::string(RandomFromPattern(pat->value().get_string()));
            }
        }
    }
}

}  // namespace basalt::schema
