// Per-type option shapes/defaults (PocketBase v0.39 Go structs) and the shape-driven normalizer.
#include "basalt/schema/field_defaults.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "basalt/base/error.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"

namespace basalt::schema {

namespace {

namespace bj = boost::json;

// Default email templates (PocketBase core/collection_model_auth_templates.go).
constexpr std::string_view kAuthAlertSubject = R"PBT(Login from a new location)PBT";
constexpr std::string_view kAuthAlertBody = R"PBT(<p>Hello,</p>
<p>We noticed a login to your {APP_NAME} account from a new location:</p>
<p><em>{ALERT_INFO}</em></p>
<p><strong>If this wasn't you, you should immediately change your {APP_NAME} account password to revoke access from all other locations.</strong></p>
<p>If this was you, you may disregard this email.</p>
<p>
  Thanks,<br/>
  {APP_NAME} team
</p>)PBT";
constexpr std::string_view kOtpSubject = R"PBT(OTP for {APP_NAME})PBT";
constexpr std::string_view kOtpBody = R"PBT(<p>Hello,</p>
<p>Your one-time password is: <strong>{OTP}</strong></p>
<p><i>If you didn't ask for the one-time password, you can ignore this email.</i></p>
<p>
  Thanks,<br/>
  {APP_NAME} team
</p>)PBT";
constexpr std::string_view kVerificationSubject = R"PBT(Verify your {APP_NAME} email)PBT";
constexpr std::string_view kVerificationBody = R"PBT(<p>Hello,</p>
<p>Thank you for joining us at {APP_NAME}.</p>
<p>Click on the button below to verify your email address.</p>
<p>
  <a class="btn" href="{APP_URL}/_/#/auth/confirm-verification/{TOKEN}" target="_blank" rel="noopener">Verify</a>
</p>
<p>
  Thanks,<br/>
  {APP_NAME} team
</p>)PBT";
constexpr std::string_view kResetSubject = R"PBT(Reset your {APP_NAME} password)PBT";
constexpr std::string_view kResetBody = R"PBT(<p>Hello,</p>
<p>Click on the button below to reset your password.</p>
<p>
  <a class="btn" href="{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}" target="_blank" rel="noopener">Reset password</a>
</p>
<p><i>If you didn't ask to reset your password, you can ignore this email.</i></p>
<p>
  Thanks,<br/>
  {APP_NAME} team
</p>)PBT";
constexpr std::string_view kConfirmEmailSubject = R"PBT(Confirm your {APP_NAME} new email address)PBT";
constexpr std::string_view kConfirmEmailBody = R"PBT(<p>Hello,</p>
<p>Click on the button below to confirm your new email address.</p>
<p>
  <a class="btn" href="{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}" target="_blank" rel="noopener">Confirm new email</a>
</p>
<p><i>If you didn't ask to change your email address, you can ignore this email.</i></p>
<p>
  Thanks,<br/>
  {APP_NAME} team
</p>)PBT";

using K = OptionKind;

bj::value Str(std::string_view s) { return bj::value(bj::string(s)); }

std::vector<OptionSpec> TemplateSpec(std::string_view subject, std::string_view body) {
    return {{"subject", K::kString, Str(subject), {}}, {"body", K::kString, Str(body), {}}};
}

std::vector<OptionSpec> TokenSpec(std::int64_t duration) {
    return {{"secret", K::kString, Str(""), {}}, {"duration", K::kInt, bj::value(duration), {}}};
}

bool IsIntegral(const bj::value& v) {
    if (v.is_int64() || v.is_uint64()) {
        return true;
    }
    return v.is_double() && std::isfinite(v.get_double()) && std::floor(v.get_double()) == v.get_double() &&
           std::fabs(v.get_double()) < 9.2e18;
}

std::int64_t ToInt(const bj::value& v) {
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64()) {
        return static_cast<std::int64_t>(v.get_uint64());
    }
    return static_cast<std::int64_t>(v.get_double());
}

bool IsStringArray(const bj::value& v) {
    if (v.is_null()) {
        return true;
    }
    if (!v.is_array()) {
        return false;
    }
    for (const auto& e : v.get_array()) {
        if (!e.is_string()) {
            return false;
        }
    }
    return true;
}

// Converts `v` per `spec`; false when the kind does not fit.
bool ConvertMember(const bj::value& v,
                   const OptionSpec& spec,
                   bool strict,
                   bool keep_unknown,
                   bj::value& out,
                   std::string& bad_key) {
    switch (spec.kind) {
        case K::kBool:
            if (!v.is_bool()) {
                return false;
            }
            out = v;
            return true;
        case K::kNullableBool:
            if (!v.is_bool() && !v.is_null()) {
                return false;
            }
            out = v;
            return true;
        case K::kInt:
            if (!IsIntegral(v)) {
                return false;
            }
            out = ToInt(v);
            return true;
        case K::kNullableNumber:
            if (!v.is_number() && !v.is_null()) {
                return false;
            }
            out = v;
            return true;
        case K::kString:
            if (!v.is_string()) {
                return false;
            }
            out = v;
            return true;
        case K::kNullableString:
            if (!v.is_string() && !v.is_null()) {
                return false;
            }
            out = v;
            return true;
        case K::kDateString: {
            if (!v.is_string()) {
                return false;
            }
            std::string_view s = v.get_string();
            if (s.empty()) {
                out = Str("");
                return true;
            }
            auto tp = ParseDateTime(s);
            if (!tp) {
                return false;
            }
            out = Str(FormatDateTime(*tp));
            return true;
        }
        case K::kStringArray:
            if (!IsStringArray(v)) {
                return false;
            }
            out = v;
            return true;
        case K::kAnyObject:
            if (!v.is_object() && !v.is_null()) {
                return false;
            }
            out = v;
            return true;
        case K::kObject: {
            if (!v.is_object() && !v.is_null()) {
                return false;
            }
            bj::object o;
            if (!NormalizeBySpec(&v, spec.children, strict, keep_unknown, o, bad_key)) {
                return false;
            }
            out = std::move(o);
            return true;
        }
        case K::kObjectArray: {
            if (v.is_null()) {
                out = nullptr;
                return true;
            }
            if (!v.is_array()) {
                return false;
            }
            bj::array arr;
            for (const auto& e : v.get_array()) {
                if (!e.is_object()) {
                    return false;
                }
                bj::object o;
                if (!NormalizeBySpec(&e, spec.children, strict, keep_unknown, o, bad_key)) {
                    return false;
                }
                arr.emplace_back(std::move(o));
            }
            out = std::move(arr);
            return true;
        }
    }
    return false;
}

const OptionSpec* FindSpec(const std::vector<OptionSpec>& specs, std::string_view key) {
    for (const auto& s : specs) {
        if (s.key == key) {
            return &s;
        }
    }
    return nullptr;
}

const bj::value* FindMember(const bj::object& o, std::string_view key) {
    // Go's encoding/json matches keys case-insensitively when no exact match exists.
    if (auto it = o.find(key); it != o.end()) {
        return &it->value();
    }
    for (const auto& kv : o) {
        if (IEquals(kv.key(), key)) {
            return &kv.value();
        }
    }
    return nullptr;
}

}  // namespace

bool NormalizeBySpec(const bj::value* in,
                     const std::vector<OptionSpec>& specs,
                     bool strict,
                     bool keep_unknown,
                     bj::object& out,
                     std::string& bad_key) {
    out.clear();
    const bj::object* src = (in != nullptr && in->is_object()) ? &in->get_object() : nullptr;
    if (in != nullptr && !in->is_object() && !in->is_null() && strict) {
        bad_key = "";
        return false;
    }
    for (const auto& spec : specs) {
        const bj::value* v = src != nullptr ? FindMember(*src, spec.key) : nullptr;
        bj::value converted;
        if (v == nullptr) {
            if (spec.kind == K::kObject) {
                bj::object o;
                std::string ignored;
                NormalizeBySpec(nullptr, spec.children, false, false, o, ignored);
                converted = std::move(o);
            } else {
                converted = spec.def;
            }
        } else if (v->is_null() && spec.kind == K::kObject) {
            bj::object o;
            std::string ignored;
            NormalizeBySpec(nullptr, spec.children, false, false, o, ignored);
            converted = std::move(o);
        } else if (!ConvertMember(*v, spec, strict, keep_unknown, converted, bad_key)) {
            if (strict) {
                bad_key = bad_key.empty() ? std::string(spec.key)
                                          : std::string(spec.key) + "." + bad_key;
                return false;
            }
            converted = spec.def;
            if (spec.kind == K::kObject) {
                bj::object o;
                std::string ignored;
                NormalizeBySpec(nullptr, spec.children, false, false, o, ignored);
                converted = std::move(o);
            }
        }
        out.emplace(spec.key, std::move(converted));
    }
    if (keep_unknown && src != nullptr) {
        for (const auto& kv : *src) {
            if (!out.contains(kv.key()) && FindSpec(specs, kv.key()) == nullptr) {
                out.emplace(kv.key(), kv.value());
            }
        }
    }
    return true;
}

void MergeLikeGo(bj::object& target, const bj::object& patch, const std::vector<OptionSpec>& specs) {
    for (const auto& kv : patch) {
        const OptionSpec* spec = FindSpec(specs, kv.key());
        if (spec != nullptr && spec->kind == K::kObject) {
            if (kv.value().is_null()) {
                continue;
            }
            auto it = target.find(kv.key());
            if (kv.value().is_object() && it != target.end() && it->value().is_object()) {
                MergeLikeGo(it->value().get_object(), kv.value().get_object(), spec->children);
                continue;
            }
        }
        if (spec != nullptr && spec->kind == K::kAnyObject && kv.value().is_object()) {
            auto it = target.find(kv.key());
            if (it != target.end() && it->value().is_object()) {
                for (const auto& e : kv.value().get_object()) {
                    it->value().get_object()[e.key()] = e.value();
                }
                continue;
            }
        }
        target[kv.key()] = kv.value();
    }
}

const std::vector<OptionSpec>& FieldOptionSpecs(FieldType t) {
    static const bj::value kF(false);
    static const bj::value kZero(std::int64_t{0});
    static const bj::value kNull(nullptr);
    static const bj::value kEmpty = Str("");
    static const std::vector<OptionSpec> kText = {
        {"autogeneratePattern", K::kString, kEmpty, {}}, {"max", K::kInt, kZero, {}},
        {"min", K::kInt, kZero, {}},          {"pattern", K::kString, kEmpty, {}},
        {"primaryKey", K::kBool, kF, {}},     {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kNumber = {{"max", K::kNullableNumber, kNull, {}},
                                                    {"min", K::kNullableNumber, kNull, {}},
                                                    {"onlyInt", K::kBool, kF, {}},
                                                    {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kRequiredOnly = {{"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kDomains = {{"exceptDomains", K::kStringArray, kNull, {}},
                                                     {"onlyDomains", K::kStringArray, kNull, {}},
                                                     {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kEditor = {{"convertURLs", K::kBool, kF, {}},
                                                    {"maxSize", K::kInt, kZero, {}},
                                                    {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kDate = {{"max", K::kDateString, kEmpty, {}},
                                                  {"min", K::kDateString, kEmpty, {}},
                                                  {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kAutodate = {{"onCreate", K::kBool, kF, {}},
                                                      {"onUpdate", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kSelect = {{"maxSelect", K::kInt, kZero, {}},
                                                    {"required", K::kBool, kF, {}},
                                                    {"values", K::kStringArray, kNull, {}}};
    static const std::vector<OptionSpec> kFile = {
        {"maxSelect", K::kInt, kZero, {}},          {"maxSize", K::kInt, kZero, {}},
        {"mimeTypes", K::kStringArray, kNull, {}},  {"protected", K::kBool, kF, {}},
        {"required", K::kBool, kF, {}},             {"thumbs", K::kStringArray, kNull, {}}};
    static const std::vector<OptionSpec> kRelation = {
        {"cascadeDelete", K::kBool, kF, {}}, {"collectionId", K::kString, kEmpty, {}},
        {"maxSelect", K::kInt, kZero, {}},   {"minSelect", K::kInt, kZero, {}},
        {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kJson = {{"maxSize", K::kInt, kZero, {}},
                                                  {"required", K::kBool, kF, {}}};
    static const std::vector<OptionSpec> kPassword = {
        {"cost", K::kInt, kZero, {}},         {"max", K::kInt, kZero, {}},
        {"min", K::kInt, kZero, {}},          {"pattern", K::kString, kEmpty, {}},
        {"required", K::kBool, kF, {}}};
    switch (t) {
        case FieldType::kText: return kText;
        case FieldType::kNumber: return kNumber;
        case FieldType::kBool: return kRequiredOnly;
        case FieldType::kEmail:
        case FieldType::kUrl: return kDomains;
        case FieldType::kEditor: return kEditor;
        case FieldType::kDate: return kDate;
        case FieldType::kAutodate: return kAutodate;
        case FieldType::kSelect: return kSelect;
        case FieldType::kFile: return kFile;
        case FieldType::kRelation: return kRelation;
        case FieldType::kJson: return kJson;
        case FieldType::kPassword: return kPassword;
        case FieldType::kGeoPoint: return kRequiredOnly;
    }
    return kRequiredOnly;
}

bool FieldHasHelp(FieldType t) { return t != FieldType::kAutodate; }

std::string DefaultFieldId(FieldType t, std::string_view name) {
    return std::string(FieldTypeName(t)) + std::to_string(Crc32(name));
}

Field MakeField(FieldType t, std::string_view name, bj::object options, bool system, bool hidden) {
    Field f;
    f.type = t;
    f.name = std::string(name);
    f.id = DefaultFieldId(t, name);
    f.system = system;
    f.hidden = hidden;
    bj::value in(std::move(options));
    std::string bad;
    NormalizeBySpec(&in, FieldOptionSpecs(t), false, false, f.options, bad);
    if (auto it = f.options.find("required"); it != f.options.end() && it->value().is_bool()) {
        f.required = it->value().get_bool();
    }
    f.Finalize();
    return f;
}

const std::vector<OptionSpec>& AuthOptionSpecs() {
    static const std::vector<OptionSpec> kSpecs = [] {
        const bj::value f(false);
        const bj::value t(true);
        std::vector<OptionSpec> s;
        s.push_back({"authRule", K::kNullableString, Str(""), {}});
        s.push_back({"manageRule", K::kNullableString, bj::value(nullptr), {}});
        s.push_back({"authAlert",
                     K::kObject,
                     {},
                     {{"enabled", K::kBool, t, {}},
                      {"emailTemplate", K::kObject, {}, TemplateSpec(kAuthAlertSubject, kAuthAlertBody)}}});
        std::vector<OptionSpec> provider = {
            {"pkce", K::kNullableBool, bj::value(nullptr), {}},
            {"name", K::kString, Str(""), {}},
            {"clientId", K::kString, Str(""), {}},
            {"clientSecret", K::kString, Str(""), {}},
            {"authURL", K::kString, Str(""), {}},
            {"tokenURL", K::kString, Str(""), {}},
            {"userInfoURL", K::kString, Str(""), {}},
            {"displayName", K::kString, Str(""), {}},
            {"extra", K::kAnyObject, bj::value(nullptr), {}},
        };
        s.push_back({"oauth2",
                     K::kObject,
                     {},
                     {{"providers", K::kObjectArray, bj::value(nullptr), provider},
                      {"mappedFields",
                       K::kObject,
                       {},
                       {{"id", K::kString, Str(""), {}},
                        {"name", K::kString, Str(""), {}},
                        {"username", K::kString, Str(""), {}},
                        {"avatarURL", K::kString, Str(""), {}}}},
                      {"enabled", K::kBool, f, {}}}});
        bj::array identity;
        identity.emplace_back("email");
        s.push_back({"passwordAuth",
                     K::kObject,
                     {},
                     {{"enabled", K::kBool, t, {}},
                      {"identityFields", K::kStringArray, bj::value(std::move(identity)), {}}}});
        s.push_back({"mfa",
                     K::kObject,
                     {},
                     {{"enabled", K::kBool, f, {}},
                      {"duration", K::kInt, bj::value(std::int64_t{1800}), {}},
                      {"rule", K::kString, Str(""), {}}}});
        s.push_back({"otp",
                     K::kObject,
                     {},
                     {{"enabled", K::kBool, f, {}},
                      {"duration", K::kInt, bj::value(std::int64_t{180}), {}},
                      {"length", K::kInt, bj::value(std::int64_t{8}), {}},
                      {"emailTemplate", K::kObject, {}, TemplateSpec(kOtpSubject, kOtpBody)}}});
        s.push_back({"authToken", K::kObject, {}, TokenSpec(604800)});
        s.push_back({"passwordResetToken", K::kObject, {}, TokenSpec(1800)});
        s.push_back({"emailChangeToken", K::kObject, {}, TokenSpec(1800)});
        s.push_back({"verificationToken", K::kObject, {}, TokenSpec(259200)});
        s.push_back({"fileToken", K::kObject, {}, TokenSpec(180)});
        s.push_back({"verificationTemplate",
                     K::kObject,
                     {},
                     TemplateSpec(kVerificationSubject, kVerificationBody)});
        s.push_back({"resetPasswordTemplate", K::kObject, {}, TemplateSpec(kResetSubject, kResetBody)});
        s.push_back({"confirmEmailChangeTemplate",
                     K::kObject,
                     {},
                     TemplateSpec(kConfirmEmailSubject, kConfirmEmailBody)});
        return s;
    }();
    return kSpecs;
}

const std::vector<OptionSpec>& ViewOptionSpecs() {
    static const std::vector<OptionSpec> kSpecs = {{"viewQuery", K::kString, Str(""), {}}};
    return kSpecs;
}

bj::object DefaultAuthOptions() {
    bj::object o;
    std::string bad;
    NormalizeBySpec(nullptr, AuthOptionSpecs(), false, false, o, bad);
    for (auto kind : kTokenKinds) {
        o[kind].get_object()["secret"] = RandomString(50);
    }
    return o;
}

bj::object Leaf(std::string_view code, std::string_view message, bj::object params) {
    return FieldError(code, Sentenize(message), std::move(params));
}

}  // namespace basalt::schema
