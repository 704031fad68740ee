// ValidateCollection: PocketBase's collectionValidator (core/collection_validate.go) minus the
// DB/rule-parser dependent checks.
#include <regex>
#include <set>
#include <utility>

#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/field_defaults.hpp"
#include "basalt/schema/validate.hpp"

namespace basalt::schema {

namespace {

namespace bj = boost::json;

constexpr std::int64_t kMaxSafeJsonInt = (std::int64_t{1} << 53) - 1;

bool IsWord(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
            return false;
        }
    }
    return true;
}

std::size_t Runes(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return n;
}

bj::object LengthLeaf(std::int64_t min, std::int64_t max) {
    bj::object p;
    p["min"] = min;
    p["max"] = max;
    return Leaf("validation_length_out_of_range",
                "the length must be between " + std::to_string(min) + " and " + std::to_string(max), std::move(p));
}

bj::object MinLeaf(bj::value threshold, const std::string& text) {
    bj::object p;
    p["threshold"] = std::move(threshold);
    return Leaf("validation_min_greater_equal_than_required", "must be no less than " + text, std::move(p));
}

bj::object MaxLeaf(bj::value threshold, const std::string& text) {
    bj::object p;
    p["threshold"] = std::move(threshold);
    return Leaf("validation_max_less_equal_than_required", "must be no greater than " + text, std::move(p));
}

bj::object RequiredLeaf() { return Leaf("validation_required", "cannot be blank"); }

std::string NumText(double d) {
    bj::value v(d);
    if (d == std::trunc(d) && std::fabs(d) < 1e15) {
        return std::to_string(static_cast<std::int64_t>(d));
    }
    return std::to_string(d);
}

std::int64_t OptInt(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_number()) {
        return 0;
    }
    return it->value().is_double() ? static_cast<std::int64_t>(it->value().get_double())
                                   : it->value().to_number<std::int64_t>();
}

std::string OptStr(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

bool OptBool(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

std::size_t ArrayLen(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_array() ? it->value().get_array().size() : 0;
}

bj::object NameError(std::string_view name) {
    if (name.empty()) {
        return RequiredLeaf();
    }
    if (Runes(name) > 100) {
        return LengthLeaf(1, 100);
    }
    if (!IsWord(name)) {
        return Leaf("validation_match_invalid", "must be in a valid format");
    }
    for (std::string_view bad : {"null", "true", "false", "_rowid_", "collectionId", "collectionName", "expand"}) {
        if (name == bad) {
            return Leaf("validation_not_in_invalid", "must not be in list");
        }
    }
    if (ToLower(name).find("_via_") != std::string::npos) {
        return Leaf("validation_found_via", "The value cannot contain \"_via_\".");
    }
    return {};
}

// Field.ValidateSettings: returns {member: leaf} errors.
bj::object FieldSettingsErrors(const Field& f, const Collection& c, const Schema& all, const Collection* old) {
    bj::object e;
    const auto& o = f.options;
    if (f.id.empty()) {
        e["id"] = RequiredLeaf();
    } else if (Runes(f.id) > 100) {
        e["id"] = LengthLeaf(1, 100);
    }
    if (auto ne = NameError(f.name); !ne.empty()) {
        e["name"] = std::move(ne);
    }
    switch (f.type) {
        case FieldType::kText: {
            const bool pk = OptBool(o, "primaryKey");
            if (pk && f.name != "id" && !e.contains("name")) {
                e["name"] = Leaf("validation_in_invalid", "The primary key must be named \"id\".");
            }
            if (pk) {
                int pks = 0;
                for (const auto& x : c.fields) {
                    pks += (x.type == FieldType::kText && OptBool(x.options, "primaryKey")) ? 1 : 0;
                }
                if (pks > 1) {
                    e["primaryKey"] = Leaf("validation_unsupported_composite_pk",
                                           "Composite PKs are not supported and the collection must have only 1 PK.");
                }
            }
            const auto min = OptInt(o, "min");
            const auto max = OptInt(o, "max");
            if (min < 0) {
                e["min"] = MinLeaf(0, "0");
            } else if (min > kMaxSafeJsonInt) {
                e["min"] = MaxLeaf(kMaxSafeJsonInt, std::to_string(kMaxSafeJsonInt));
            }
            if (max != 0 && max < min) {
                e["max"] = MinLeaf(min, std::to_string(min));
            } else if (max > kMaxSafeJsonInt) {
                e["max"] = MaxLeaf(kMaxSafeJsonInt, std::to_string(kMaxSafeJsonInt));
            }
            const std::string pattern = OptStr(o, "pattern");
            if (pk && pattern.empty()) {
                e["pattern"] = RequiredLeaf();
            } else if (!pattern.empty() && !IsValidRegex(pattern)) {
                e["pattern"] = Leaf("validation_invalid_regex", "Invalid regular expression");
            }
            if (pk && f.hidden) {
                e["hidden"] = Leaf("validation_empty", "must be blank");
            }
            if (pk && !f.required) {
                e["required"] = RequiredLeaf();
            }
            const std::string autogen = OptStr(o, "autogeneratePattern");
            if (!autogen.empty() && !IsValidRegex(autogen)) {
                e["autogeneratePattern"] = Leaf("validation_invalid_regex", "Invalid regular expression");
            }
            break;
        }
        case FieldType::kNumber: {
            auto min = o.contains("min") && o.at("min").is_number() ? std::optional(o.at("min").to_number<double>())
                                                                      : std::nullopt;
            auto max = o.contains("max") && o.at("max").is_number() ? std::optional(o.at("max").to_number<double>())
                                                                      : std::nullopt;
            const bool only_int = OptBool(o, "onlyInt");
            auto decimal = Leaf("validation_only_int_constraint", "Decimal numbers are not allowed.");
            if (only_int && min && *min != std::trunc(*min)) {
                e["min"] = decimal;
            }
            if (only_int && max && *max != std::trunc(*max)) {
                e["max"] = decimal;
            } else if (min && max && *max != 0 && *max < *min) {
                e["max"] = MinLeaf(*min, NumText(*min));
            }
            break;
        }
        case FieldType::kSelect: {
            const auto n = static_cast<std::int64_t>(ArrayLen(o, "values"));
            if (n == 0) {
                e["values"] = RequiredLeaf();
            }
            const auto max_select = OptInt(o, "maxSelect");
            const std::int64_t limit = n == 0 ? 1 : n;
            if (max_select < 0) {
                e["maxSelect"] = MinLeaf(0, "0");
            } else if (max_select > limit) {
                e["maxSelect"] = MaxLeaf(limit, std::to_string(limit));
            }
            break;
        }
        case FieldType::kRelation: {
            const std::string target = OptStr(o, "collectionId");
            if (target.empty()) {
                e["collectionId"] = RequiredLeaf();
            } else {
                const Field* old_field = old != nullptr ? old->FindFieldById(f.id) : nullptr;
                auto rel = all.FindById(target);
                if (old_field != nullptr && old_field->type == FieldType::kRelation &&
                    OptStr(old_field->options, "collectionId") != target) {
                    e["collectionId"] =
                        Leaf("validation_field_relation_change", "The relation collection cannot be changed.");
                } else if (rel == nullptr && target != c.id) {
                    e["collectionId"] = Leaf("validation_field_relation_missing_collection",
                                             "The relation collection doesn't exist.");
                } else if (rel != nullptr && !c.IsView() && rel->IsView()) {
                    e["collectionId"] = Leaf("validation_relation_field_non_view_base_collection",
                                             "Only view collections are allowed to have relations to other views.");
                }
            }
            const auto min_select = OptInt(o, "minSelect");
            const auto max_select = OptInt(o, "maxSelect");
            if (min_select < 0) {
                e["minSelect"] = MinLeaf(0, "0");
            }
            if (min_select > 0 && max_select == 0) {
                e["maxSelect"] = RequiredLeaf();
            } else if (max_select != 0 && max_select < min_select) {
                e["maxSelect"] = MinLeaf(min_select, std::to_string(min_select));
            }
            break;
        }
        case FieldType::kEmail:
        case FieldType::kUrl: {
            if (ArrayLen(o, "onlyDomains") > 0 && ArrayLen(o, "exceptDomains") > 0) {
                e["exceptDomains"] = Leaf("validation_empty", "must be blank");
                e["onlyDomains"] = Leaf("validation_empty", "must be blank");
            }
            break;
        }
        case FieldType::kDate: {
            auto min = ParseDateTime(OptStr(o, "min"));
            auto max = ParseDateTime(OptStr(o, "max"));
            if (min && max && *max < *min) {
                e["max"] = Leaf("validation_date_out_of_range", "the date is out of range");
            }
            break;
        }
        case FieldType::kFile:
        case FieldType::kJson:
        case FieldType::kEditor: {
            if (OptInt(o, "maxSize") < 0) {
                e["maxSize"] = MinLeaf(0, "0");
            }
            if (f.type == FieldType::kFile && OptInt(o, "maxSelect") < 0) {
                e["maxSelect"] = MinLeaf(0, "0");
            }
            break;
        }
        case FieldType::kPassword: {
            const auto min = OptInt(o, "min");
            const auto max = OptInt(o, "max");
            if (min < 0) {
                e["min"] = MinLeaf(0, "0");
            }
            if (max > 71) {
                e["max"] = MaxLeaf(71, "71");
            } else if (max != 0 && max < min) {
                e["max"] = MinLeaf(min, std::to_string(min));
            }
            break;
        }
        case FieldType::kAutodate:
        case FieldType::kBool:
        case FieldType::kGeoPoint: break;
    }
    return e;
}

// The "fields" entry: the first failing rule, as ozzo's ValidateStruct reports it.
bj::value FieldsError(const Collection& c, const Schema& all, const Collection* old) {
    // checkFieldDuplicates
    std::vector<std::string> ids;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < c.fields.size(); ++i) {
        const auto& f = c.fields[i];
        if (std::find(ids.begin(), ids.end(), f.id) != ids.end()) {
            bj::object inner;
            inner["id"] = Leaf("validation_duplicated_field_id", "Duplicated or invalid field id \"" + f.id + "\"");
            bj::object e;
            e[std::to_string(i)] = std::move(inner);
            return e;
        }
        std::string lower = ToLower(f.name);
        if (std::find(names.begin(), names.end(), lower) != names.end()) {
            bj::object p;
            p["fieldName"] = f.name;
            bj::object inner;
            inner["name"] = Leaf("validation_duplicated_field_name", "Duplicated or invalid field name " + f.name,
                                 std::move(p));
            bj::object e;
            e[std::to_string(i)] = std::move(inner);
            return e;
        }
        ids.push_back(f.id);
        names.push_back(std::move(lower));
    }
    // checkMinFields
    if (c.fields.empty()) {
        return RequiredLeaf();
    }
    const Field* id = c.FindField("id");
    if (id == nullptr || id->type != FieldType::kText || !OptBool(id->options, "primaryKey")) {
        return Leaf("validation_missing_primary_key", "Missing or invalid \"id\" PK field.");
    }
    if (c.IsAuth()) {
        struct Need {
            std::string_view name;
            FieldType type;
            bool hidden;
        };
        for (const auto& need : {Need{"password", FieldType::kPassword, true}, Need{"tokenKey", FieldType::kText, true},
                                 Need{"email", FieldType::kEmail, false},
                                 Need{"emailVisibility", FieldType::kBool, false},
                                 Need{"verified", FieldType::kBool, false}}) {
            const Field* f = c.FindField(need.name);
            if (f == nullptr || f->type != need.type) {
                return Leaf("validation_missing_" + std::string(need.name) + "_field",
                            "System \"" + std::string(need.name) + "\" field is required.");
            }
            if (!f->system || (need.hidden && !f->hidden)) {
                bj::object e;
                e[need.name] = need.hidden
                                   ? Leaf("validation_must_be_system_and_hidden",
                                          "The field must be marked as \"System\" and \"Hidden\".")
                                   : Leaf("validation_must_be_system", "The field must be marked as \"System\".");
                return e;
            }
        }
    }
    if (!c.IsView() && old != nullptr) {
        for (const auto& of : old->fields) {
            if (!of.system) {
                continue;
            }
            const Field* nf = c.FindFieldById(of.id);
            if (nf == nullptr || nf->name != of.name) {
                return Leaf("validation_system_field_change", "System fields cannot be deleted or renamed.");
            }
        }
        bj::object type_errs;
        for (std::size_t i = 0; i < c.fields.size(); ++i) {
            const Field* of = old->FindFieldById(c.fields[i].id);
            if (of != nullptr && of->type != c.fields[i].type) {
                type_errs[std::to_string(i)] = Leaf("validation_field_type_change", "Field type cannot be changed.");
            }
        }
        if (!type_errs.empty()) {
            return type_errs;
        }
    }
    if (c.IsAuth()) {
        bj::object errs;
        for (std::size_t i = 0; i < c.fields.size(); ++i) {
            if (c.fields[i].name == "passwordConfirm" || c.fields[i].name == "oldPassword") {
                bj::object inner;
                inner["name"] = Leaf("validation_reserved_field_name", "The field name is reserved and cannot be used.");
                errs[std::to_string(i)] = std::move(inner);
            }
        }
        if (!errs.empty()) {
            return errs;
        }
    }
    bj::object errs;
    for (std::size_t i = 0; i < c.fields.size(); ++i) {
        auto fe = FieldSettingsErrors(c.fields[i], c, all, old);
        if (!fe.empty()) {
            errs[std::to_string(i)] = std::move(fe);
        }
    }
    if (!errs.empty()) {
        return errs;
    }
    return nullptr;
}

bj::object TemplateErrors(const bj::value* v) {
    bj::object e;
    const bj::object empty;
    const bj::object& o = v != nullptr && v->is_object() ? v->get_object() : empty;
    if (OptStr(o, "subject").empty()) {
        e["subject"] = RequiredLeaf();
    }
    if (OptStr(o, "body").empty()) {
        e["body"] = RequiredLeaf();
    }
    return e;
}

const bj::value* Member(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() ? &it->value() : nullptr;
}

const bj::object& ObjOrEmpty(const bj::value* v) {
    static const bj::object kEmpty;
    return v != nullptr && v->is_object() ? v->get_object() : kEmpty;
}

void DurationCheck(bj::object& e, const bj::object& o, bool enabled, std::int64_t max) {
    if (!enabled) {
        return;
    }
    const auto d = OptInt(o, "duration");
    if (d == 0) {
        e["duration"] = RequiredLeaf();
    } else if (d < 10) {
        e["duration"] = MinLeaf(10, "10");
    } else if (d > max) {
        e["duration"] = MaxLeaf(max, std::to_string(max));
    }
}

void AuthOptionErrors(const Collection& c, const Collection* old, bj::object& data) {
    const auto& o = c.options;
    auto manage = Member(o, "manageRule");
    if (manage != nullptr && manage->is_string() && manage->get_string().empty()) {
        data["manageRule"] = Leaf("validation_nil_or_not_empty_required", "cannot be blank");
    }
    if (old != nullptr && old->system) {
        for (std::string_view key : {"authRule", "manageRule"}) {
            auto a = Member(o, key);
            auto b = Member(old->options, key);
            bj::value av = a != nullptr ? *a : bj::value(nullptr);
            bj::value bv = b != nullptr ? *b : bj::value(nullptr);
            if (av != bv) {
                data[key] = Leaf("validation_collection_system_rule_change", "System collection API rule cannot be changed.");
            }
        }
    }
    if (auto te = TemplateErrors(Member(ObjOrEmpty(Member(o, "authAlert")), "emailTemplate")); !te.empty()) {
        bj::object e;
        e["emailTemplate"] = std::move(te);
        data["authAlert"] = std::move(e);
    }
    const auto& pa = ObjOrEmpty(Member(o, "passwordAuth"));
    const auto& oauth2 = ObjOrEmpty(Member(o, "oauth2"));
    const auto& otp = ObjOrEmpty(Member(o, "otp"));
    const auto& mfa = ObjOrEmpty(Member(o, "mfa"));
    if (OptBool(oauth2, "enabled")) {
        bj::object perr;
        std::set<std::string> seen;
        auto providers = Member(oauth2, "providers");
        if (providers != nullptr && providers->is_array()) {
            const auto& arr = providers->get_array();
            for (std::size_t i = 0; i < arr.size(); ++i) {
                const auto& p = ObjOrEmpty(&arr[i]);
                bj::object pe;
                std::string name = OptStr(p, "name");
                if (name.empty()) {
                    pe["name"] = RequiredLeaf();
                } else if (!seen.insert(name).second) {
                    bj::object params;
                    params["name"] = name;
                    pe["name"] = Leaf("validation_duplicated_provider", "The provider " + name + " is already registered.",
                                      std::move(params));
                }
                if (OptStr(p, "clientId").empty()) {
                    pe["clientId"] = RequiredLeaf();
                }
                if (OptStr(p, "clientSecret").empty()) {
                    pe["clientSecret"] = RequiredLeaf();
                }
                if (!pe.empty()) {
                    perr[std::to_string(i)] = std::move(pe);
                }
            }
        }
        if (!perr.empty()) {
            bj::object e;
            e["providers"] = std::move(perr);
            data["oauth2"] = std::move(e);
        }
    }
    {
        bj::object e;
        DurationCheck(e, otp, OptBool(otp, "enabled"), 86400);
        if (OptBool(otp, "enabled")) {
            const auto len = OptInt(otp, "length");
            if (len == 0) {
                e["length"] = RequiredLeaf();
            } else if (len < 4) {
                e["length"] = MinLeaf(4, "4");
            }
        }
        if (auto te = TemplateErrors(Member(otp, "emailTemplate")); !te.empty()) {
            e["emailTemplate"] = std::move(te);
        }
        if (!e.empty()) {
            data["otp"] = std::move(e);
        }
    }
    {
        bj::object e;
        DurationCheck(e, mfa, OptBool(mfa, "enabled"), 86400);
        if (!e.empty()) {
            data["mfa"] = std::move(e);
        }
    }
    for (auto kind : kTokenKinds) {
        const auto& t = ObjOrEmpty(Member(o, kind));
        bj::object e;
        const std::string secret = OptStr(t, "secret");
        if (secret.empty()) {
            e["secret"] = RequiredLeaf();
        } else if (Runes(secret) < 30 || Runes(secret) > 255) {
            e["secret"] = LengthLeaf(30, 255);
        }
        DurationCheck(e, t, true, 94670856);
        if (!e.empty()) {
            data[kind] = std::move(e);
        }
    }
    for (std::string_view key : {"verificationTemplate", "resetPasswordTemplate", "confirmEmailChangeTemplate"}) {
        if (auto te = TemplateErrors(Member(o, key)); !te.empty()) {
            data[key] = std::move(te);
        }
    }
    if (data.contains("mfa") || data.contains("passwordAuth")) {
        return;
    }
    if (OptBool(mfa, "enabled")) {
        int auths = (OptBool(pa, "enabled") ? 1 : 0) + (OptBool(oauth2, "enabled") ? 1 : 0) + (OptBool(otp, "enabled") ? 1 : 0);
        if (auths < 2) {
            bj::object e;
            e["enabled"] = Leaf("validation_mfa_not_enough_auths", "MFA requires at least 2 auth methods to be enabled.");
            data["mfa"] = std::move(e);
            return;
        }
    }
    if (OptBool(pa, "enabled")) {
        auto fields_v = Member(pa, "identityFields");
        std::vector<std::string> names;
        if (fields_v != nullptr && fields_v->is_array()) {
            for (const auto& x : fields_v->get_array()) {
                if (x.is_string()) {
                    names.emplace_back(x.get_string());
                }
            }
        }
        bj::object err;
        if (names.empty()) {
            err = RequiredLeaf();
        }
        for (const auto& n : names) {
            bj::object params;
            params["fieldName"] = n;
            if (c.FindField(n) == nullptr) {
                err = Leaf("validation_missing_field", "Invalid or missing field " + n, std::move(params));
                break;
            }
            if (!HasSingleColumnUniqueIndex(c.indexes, n)) {
                err = Leaf("validation_missing_unique_constraint", "The field " + n + " doesn't have a UNIQUE constraint.",
                           std::move(params));
                break;
            }
        }
        if (!err.empty()) {
            bj::object e;
            e["identityFields"] = std::move(err);
            data["passwordAuth"] = std::move(e);
        }
    }
}

}  // namespace

Status ValidateCollection(const Collection& c, const Schema& all, const Collection* old) {
    bj::object data;
    // id
    if (c.id.empty()) {
        data["id"] = RequiredLeaf();
    } else if (old == nullptr) {
        if (Runes(c.id) > 100) {
            data["id"] = LengthLeaf(1, 100);
        } else if (!IsWord(c.id)) {
            data["id"] = Leaf("validation_match_invalid", "must be in a valid format");
        } else if (all.FindById(c.id) != nullptr) {
            data["id"] = Leaf("validation_invalid_or_existing_id", "The model id is invalid or already exists.");
        }
    } else if (c.id != old->id) {
        data["id"] = Leaf("validation_values_mismatch", "Values don't match.");
    }
    // system flag / type
    if (old != nullptr && c.system != old->system) {
        data["system"] = Leaf("validation_collection_system_flag_change", "System collection state cannot be changed.");
    }
    if (old != nullptr && c.type != old->type) {
        data["type"] = Leaf("validation_collection_type_change", "Collection type cannot be changed.");
    }
    // name
    {
        bj::object e;
        if (c.name.empty()) {
            e = RequiredLeaf();
        } else if (Runes(c.name) > 255) {
            e = LengthLeaf(1, 255);
        } else if (ToLower(c.name).find("_via_") != std::string::npos) {
            e = Leaf("validation_found_via", "The value cannot contain \"_via_\".");
        } else if (!IsWord(c.name)) {
            e = Leaf("validation_match_invalid", "must be in a valid format");
        } else if (old != nullptr && old->system && c.name != old->name) {
            e = Leaf("validation_collection_system_name_change", "System collection name cannot be changed.");
        } else {
            const std::string self_id = old != nullptr ? old->id : std::string();
            for (const auto& other : all.all()) {
                if (other->id != self_id && IEquals(other->name, c.name)) {
                    e = Leaf("validation_collection_name_exists", "Collection name must be unique (case insensitive).");
                    break;
                }
                if (other->id == c.name && other->id != self_id) {
                    e = Leaf("validation_collection_name_id_duplicate", "The name must not match an existing collection id.");
                }
            }
            if (e.empty() && (old == nullptr || old->name != c.name)) {
                for (std::string_view internal : {"_collections", "_params", "_migrations"}) {
                    if (IEquals(c.name, internal)) {
                        e = Leaf("validation_collection_name_invalid",
                                 "The name shouldn't match with an existing internal table.");
                    }
                }
            }
        }
        if (!e.empty()) {
            data["name"] = std::move(e);
        }
    }
    // fields
    if (auto fe = FieldsError(c, all, old); !fe.is_null()) {
        data["fields"] = std::move(fe);
    }
    // rules
    struct RulePair {
        std::string_view key;
        const std::optional<std::string>* cur;
        const std::optional<std::string>* prev;
        bool nil_for_view;
    };
    const RulePair rules[] = {
        {"listRule", &c.list_rule, old != nullptr ? &old->list_rule : nullptr, false},
        {"viewRule", &c.view_rule, old != nullptr ? &old->view_rule : nullptr, false},
        {"createRule", &c.create_rule, old != nullptr ? &old->create_rule : nullptr, true},
        {"updateRule", &c.update_rule, old != nullptr ? &old->update_rule : nullptr, true},
        {"deleteRule", &c.delete_rule, old != nullptr ? &old->delete_rule : nullptr, true},
    };
    for (const auto& r : rules) {
        if (r.nil_for_view && c.IsView() && r.cur->has_value()) {
            data[r.key] = Leaf("validation_nil", "must be blank");
        } else if (old != nullptr && old->system && *r.cur != *r.prev) {
            data[r.key] = Leaf("validation_collection_system_rule_change", "System collection API rule cannot be changed.");
        }
    }
    // indexes
    if (c.IsView() && !c.indexes.empty()) {
        data["indexes"] = Leaf("validation_indexes_not_supported", "View collections don't support indexes.");
    } else {
        std::set<std::string> names;
        for (std::size_t i = 0; i < c.indexes.size(); ++i) {
            ParsedIndex p = ParseIndex(c.indexes[i]);
            bj::object e;
            if (!p.valid) {
                e[std::to_string(i)] = Leaf("validation_invalid_index_expression", "Invalid CREATE INDEX expression.");
            } else if (!names.insert(ToLower(p.name)).second) {
                e[std::to_string(i)] = Leaf("validation_duplicated_index_name", "The index name already exists.");
            }
            if (!e.empty()) {
                data["indexes"] = std::move(e);
                break;
            }
        }
    }
    // options
    if (c.IsAuth()) {
        AuthOptionErrors(c, old, data);
    } else if (c.IsView() && c.ViewQuery().empty()) {
        data["viewQuery"] = RequiredLeaf();
    }
    if (data.empty()) {
        return Ok();
    }
    return InvalidArgument(old == nullptr ? "Failed to create collection." : "Failed to update collection.",
                           std::move(data));
}

}  // namespace basalt::schema
