// Collection codecs: storage row <-> model <-> PocketBase API JSON, defaults and scaffolds.
#include "basalt/schema/collection_json.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "basalt/base/json.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/schema/field_defaults.hpp"

namespace basalt::schema {

namespace {

namespace bj = boost::json;

constexpr std::string_view kFormatError = "Failed to load the submitted data due to invalid formatting.";

bool IsCommonKey(std::string_view k) {
    return k == "id" || k == "name" || k == "type" || k == "system" || k == "hidden" ||
           k == "presentable" || k == "help";
}

bj::value NullableString(const std::optional<std::string>& s) {
    return s ? bj::value(bj::string(*s)) : bj::value(nullptr);
}

Error FormatError() { return InvalidArgument(std::string(kFormatError)); }

std::string SaveMessage(const Collection* existing) {
    return existing == nullptr ? "Failed to create collection." : "Failed to update collection.";
}

// Strips `"x"`, `` `x` ``, `[x]` quoting from an identifier.
std::string Unquote(std::string_view s) {
    s = Trim(s);
    if (s.size() >= 2 && ((s.front() == '`' && s.back() == '`') || (s.front() == '"' && s.back() == '"') ||
                          (s.front() == '[' && s.back() == ']') || (s.front() == '\'' && s.back() == '\''))) {
        s = s.substr(1, s.size() - 2);
    }
    return std::string(s);
}

std::string SqliteIndex(std::string_view name,
                        bool unique,
                        std::string_view table,
                        std::string_view columns,
                        std::string_view where) {
    std::string out = "CREATE ";
    if (unique) {
        out += "UNIQUE ";
    }
    out += "INDEX `";
    out += name;
    out += "` ON `";
    out += table;
    out += "` (";
    out += columns;
    out += ")";
    if (!where.empty()) {
        out += " WHERE ";
        out += where;
    }
    return out;
}

std::string FieldIndexName(const Collection& c, std::string_view field) {
    std::string name = "idx_" + std::string(field) + "_";
    name += !c.id.empty() ? c.id : c.name;
    if (name.size() > 64) {
        name.resize(64);
    }
    return name;
}

Field* FindMutable(Collection& c, std::string_view name) {
    for (auto& f : c.fields) {
        if (f.name == name) {
            return &f;
        }
    }
    return nullptr;
}

void SetOpt(Field& f, std::string_view key, bj::value v) { f.options[key] = std::move(v); }

void SyncRequired(Field& f, bool required) {
    f.required = required;
    if (f.options.contains("required")) {
        f.options["required"] = required;
    }
}

Field DefaultIdField() {
    bj::object o;
    o["primaryKey"] = true;
    o["required"] = true;
    o["min"] = 15;
    o["max"] = 15;
    o["pattern"] = "^[a-z0-9]+$";
    o["autogeneratePattern"] = "[a-z0-9]{15}";
    return MakeField(FieldType::kText, "id", std::move(o), true, false);
}

void InitIdField(Collection& c) {
    Field* f = FindMutable(c, "id");
    if (f == nullptr || f->type != FieldType::kText) {
        c.fields.insert(c.fields.begin(), DefaultIdField());
        return;
    }
    f->system = true;
    f->hidden = false;
    SyncRequired(*f, true);
    SetOpt(*f, "primaryKey", true);
    auto pat = f->options.find("pattern");
    if (pat == f->options.end() || !pat->value().is_string() || pat->value().get_string().empty()) {
        SetOpt(*f, "pattern", bj::string("^[a-z0-9]+$"));
    }
}

void EnsureAuthField(Collection& c, std::string_view name, FieldType type, Field def, bool enforce_hidden,
                     bool hidden, bool enforce_required) {
    Field* f = FindMutable(c, name);
    if (f == nullptr || f->type != type) {
        c.fields.push_back(std::move(def));
        return;
    }
    f->system = true;
    if (enforce_hidden) {
        f->hidden = hidden;
    }
    if (enforce_required) {
        SyncRequired(*f, true);
    }
}

void InitAuthFields(Collection& c) {
    {
        bj::object o;
        o["required"] = true;
        o["min"] = 8;
        EnsureAuthField(c, "password", FieldType::kPassword,
                        MakeField(FieldType::kPassword, "password", std::move(o), true, true), true, true, true);
    }
    {
        bj::object o;
        o["required"] = true;
        o["min"] = 30;
        o["max"] = 60;
        o["autogeneratePattern"] = "[a-zA-Z0-9]{50}";
        EnsureAuthField(c, "tokenKey", FieldType::kText,
                        MakeField(FieldType::kText, "tokenKey", std::move(o), true, true), true, true, true);
        if (!HasSingleColumnUniqueIndex(c.indexes, "tokenKey")) {
            c.indexes.push_back(SqliteIndex(FieldIndexName(c, "tokenKey"), true, c.name, "`tokenKey`", ""));
        }
    }
    {
        bj::object o;
        o["required"] = true;
        EnsureAuthField(c, "email", FieldType::kEmail,
                        MakeField(FieldType::kEmail, "email", std::move(o), true, false), true, false, false);
        if (!HasSingleColumnUniqueIndex(c.indexes, "email")) {
            c.indexes.push_back(
                SqliteIndex(FieldIndexName(c, "email"), true, c.name, "`email`", "`email` != ''"));
        }
    }
    EnsureAuthField(c, "emailVisibility", FieldType::kBool,
                    MakeField(FieldType::kBool, "emailVisibility", {}, true, false), false, false, false);
    EnsureAuthField(c, "verified", FieldType::kBool, MakeField(FieldType::kBool, "verified", {}, true, false),
                    false, false, false);
}

void UnsetMissingMappedFields(Collection& c) {
    auto it = c.options.find("oauth2");
    if (it == c.options.end() || !it->value().is_object()) {
        return;
    }
    auto mf = it->value().get_object().find("mappedFields");
    if (mf == it->value().get_object().end() || !mf->value().is_object()) {
        return;
    }
    for (auto& kv : mf->value().get_object()) {
        if (kv.value().is_string() && !kv.value().get_string().empty() &&
            c.FindField(kv.value().get_string()) == nullptr) {
            kv.value() = "";
        }
    }
}

Result<std::vector<std::string>> ParseIndexes(const bj::value& v) {
    std::vector<std::string> out;
    if (v.is_null()) {
        return out;
    }
    if (!v.is_array()) {
        return FormatError();
    }
    for (const auto& e : v.get_array()) {
        if (!e.is_string()) {
            return FormatError();
        }
        out.emplace_back(e.get_string());
    }
    return out;
}

// Keeps old OAuth2 client secrets for providers resubmitted without one.
void KeepProviderSecrets(bj::object& options, const bj::object& old_options) {
    auto find_providers = [](const bj::object& o) -> const bj::array* {
        auto it = o.find("oauth2");
        if (it == o.end() || !it->value().is_object()) {
            return nullptr;
        }
        auto p = it->value().get_object().find("providers");
        if (p == it->value().get_object().end() || !p->value().is_array()) {
            return nullptr;
        }
        return &p->value().get_array();
    };
    const bj::array* old_providers = find_providers(old_options);
    const bj::array* cur = find_providers(options);
    if (old_providers == nullptr || cur == nullptr) {
        return;
    }
    auto& providers = options["oauth2"].get_object()["providers"].get_array();
    for (auto& p : providers) {
        if (!p.is_object()) {
            continue;
        }
        auto& po = p.get_object();
        auto cs = po.find("clientSecret");
        if (cs != po.end() && cs->value().is_string() && !cs->value().get_string().empty()) {
            continue;
        }
        for (const auto& op : *old_providers) {
            if (op.is_object() && op.get_object().contains("name") && po.contains("name") &&
                op.get_object().at("name") == po.at("name") && op.get_object().contains("clientSecret")) {
                po["clientSecret"] = op.get_object().at("clientSecret");
            }
        }
    }
}

}  // namespace

ParsedIndex ParseIndex(std::string_view sql) {
    ParsedIndex r;
    std::string s(Trim(sql));
    std::string lower = ToLower(s);
    std::size_t pos = 0;
    auto skip_ws = [&] {
        while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos])) != 0) {
            ++pos;
        }
    };
    auto keyword = [&](std::string_view kw) {
        skip_ws();
        if (lower.compare(pos, kw.size(), kw) == 0 &&
            (pos + kw.size() == s.size() || std::isspace(static_cast<unsigned char>(s[pos + kw.size()])) != 0)) {
            pos += kw.size();
            return true;
        }
        return false;
    };
    auto ident = [&]() -> std::string {
        skip_ws();
        std::size_t start = pos;
        if (pos < s.size() && (s[pos] == '`' || s[pos] == '"' || s[pos] == '[' || s[pos] == '\'')) {
            char close = s[pos] == '[' ? ']' : s[pos];
            auto end = s.find(close, pos + 1);
            if (end == std::string::npos) {
                return {};
            }
            pos = end + 1;
        } else {
            while (pos < s.size() && (std::isalnum(static_cast<unsigned char>(s[pos])) != 0 || s[pos] == '_' ||
                                      s[pos] == '.')) {
                ++pos;
            }
        }
        return Unquote(std::string_view(s).substr(start, pos - start));
    };
    if (!keyword("create")) {
        return r;
    }
    r.unique = keyword("unique");
    if (!keyword("index")) {
        return r;
    }
    if (keyword("if")) {
        if (!keyword("not") || !keyword("exists")) {
            return r;
        }
    }
    r.name = ident();
    if (r.name.empty() || !keyword("on")) {
        return r;
    }
    r.table = ident();
    skip_ws();
    if (r.table.empty() || pos >= s.size() || s[pos] != '(') {
        return r;
    }
    // columns up to the matching ')'
    int depth = 0;
    std::size_t start = pos + 1;
    std::size_t end = std::string::npos;
    for (std::size_t i = pos; i < s.size(); ++i) {
        if (s[i] == '(') {
            ++depth;
        } else if (s[i] == ')') {
            --depth;
            if (depth == 0) {
                end = i;
                break;
            }
        }
    }
    if (end == std::string::npos) {
        return r;
    }
    std::string cols = s.substr(start, end - start);
    depth = 0;
    std::size_t last = 0;
    for (std::size_t i = 0; i <= cols.size(); ++i) {
        if (i == cols.size() || (cols[i] == ',' && depth == 0)) {
            std::string col = Unquote(std::string_view(cols).substr(last, i - last));
            if (col.empty()) {
                return r;
            }
            r.columns.push_back(std::move(col));
            last = i + 1;
        } else if (cols[i] == '(') {
            ++depth;
        } else if (cols[i] == ')') {
            --depth;
        }
    }
    pos = end + 1;
    skip_ws();
    if (pos < s.size()) {
        if (!keyword("where")) {
            return r;
        }
        r.where = std::string(Trim(std::string_view(s).substr(pos)));
        if (r.where.empty()) {
            return r;
        }
    }
    r.valid = !r.columns.empty();
    return r;
}

bool HasSingleColumnUniqueIndex(const std::vector<std::string>& indexes, std::string_view column) {
    for (const auto& idx : indexes) {
        ParsedIndex p = ParseIndex(idx);
        if (p.valid && p.unique && p.columns.size() == 1) {
            // a column may carry a collation/order suffix: "`email` COLLATE NOCASE"
            std::string col = p.columns[0];
            if (auto sp = col.find_first_of(" \t\n"); sp != std::string::npos) {
                col = Unquote(std::string_view(col).substr(0, sp));
            }
            if (IEquals(col, column)) {
                return true;
            }
        }
    }
    return false;
}

bj::object FieldToJson(const Field& f) {
    bj::object o = f.options;
    o["id"] = f.id;
    o["name"] = f.name;
    o["type"] = FieldTypeName(f.type);
    o["system"] = f.system;
    o["hidden"] = f.hidden;
    o["presentable"] = f.presentable;
    if (FieldHasHelp(f.type)) {
        o["help"] = f.help;
    }
    if (o.contains("required")) {
        o["required"] = f.required;
    }
    return json::SortedKeys(o);
}

Result<Field> FieldFromJson(const bj::value& v, bool strict) {
    if (!v.is_object()) {
        return FormatError();
    }
    const auto& o = v.get_object();
    Field f;
    auto get_string = [&](std::string_view key, std::string& out) -> bool {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) {
            return true;
        }
        if (!it->value().is_string()) {
            return !strict;
        }
        out = std::string(it->value().get_string());
        return true;
    };
    auto get_bool = [&](std::string_view key, bool& out) -> bool {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) {
            return true;
        }
        if (!it->value().is_bool()) {
            return !strict;
        }
        out = it->value().get_bool();
        return true;
    };
    std::string type_name;
    if (!get_string("id", f.id) || !get_string("name", f.name) || !get_string("type", type_name) ||
        !get_bool("system", f.system) || !get_bool("hidden", f.hidden) ||
        !get_bool("presentable", f.presentable) || !get_string("help", f.help)) {
        return FormatError();
    }
    auto type = ParseFieldType(type_name);
    if (!type) {
        return strict ? FormatError() : Internal("unknown field type \"" + type_name + "\"");
    }
    f.type = *type;
    bj::object rest;
    for (const auto& kv : o) {
        if (!IsCommonKey(kv.key())) {
            rest.emplace(kv.key(), kv.value());
        }
    }
    bj::value rest_v(std::move(rest));
    std::string bad;
    if (!NormalizeBySpec(&rest_v, FieldOptionSpecs(f.type), strict, !strict, f.options, bad)) {
        return FormatError();
    }
    if (auto it = f.options.find("required"); it != f.options.end() && it->value().is_bool()) {
        f.required = it->value().get_bool();
    }
    if (!FieldHasHelp(f.type)) {
        f.help.clear();
    }
    f.Finalize();
    return f;
}

Result<Collection> CollectionFromStorage(const CollectionRow& row) {
    Collection c;
    c.id = row.id;
    c.name = row.name;
    c.system = row.system;
    auto type = ParseCollectionType(row.type);
    if (!type) {
        return Internal("collection " + row.name + ": unknown type \"" + row.type + "\"");
    }
    c.type = *type;
    c.list_rule = row.list_rule;
    c.view_rule = row.view_rule;
    c.create_rule = row.create_rule;
    c.update_rule = row.update_rule;
    c.delete_rule = row.delete_rule;
    c.created = row.created;
    c.updated = row.updated;

    auto fields = json::Parse(row.fields.empty() ? std::string_view("[]") : std::string_view(row.fields));
    if (!fields || !(fields->is_array() || fields->is_null())) {
        return Internal("collection " + row.name + ": invalid fields JSON");
    }
    if (fields->is_array()) {
        for (const auto& fv : fields->get_array()) {
            auto f = FieldFromJson(fv, false);
            if (!f) {
                return Internal("collection " + row.name + ": " + f.error().message);
            }
            c.fields.push_back(std::move(*f));
        }
    }
    auto indexes = json::Parse(row.indexes.empty() ? std::string_view("[]") : std::string_view(row.indexes));
    if (!indexes) {
        return Internal("collection " + row.name + ": invalid indexes JSON");
    }
    auto idx = ParseIndexes(*indexes);
    if (!idx) {
        return Internal("collection " + row.name + ": invalid indexes JSON");
    }
    c.indexes = std::move(*idx);

    auto options = json::Parse(row.options.empty() ? std::string_view("{}") : std::string_view(row.options));
    if (!options) {
        return Internal("collection " + row.name + ": invalid options JSON");
    }
    std::string bad;
    if (c.IsAuth()) {
        NormalizeBySpec(&*options, AuthOptionSpecs(), false, true, c.options, bad);
    } else if (c.IsView()) {
        NormalizeBySpec(&*options, ViewOptionSpecs(), false, true, c.options, bad);
    } else if (options->is_object()) {
        c.options = options->get_object();
    }
    return c;
}

CollectionRow CollectionToStorage(const Collection& c) {
    CollectionRow row;
    row.id = c.id;
    row.system = c.system;
    row.type = std::string(CollectionTypeName(c.type));
    row.name = c.name;
    bj::array fields;
    for (const auto& f : c.fields) {
        fields.emplace_back(FieldToJson(f));
    }
    row.fields = json::Serialize(fields);
    row.list_rule = c.list_rule;
    row.view_rule = c.view_rule;
    row.create_rule = c.create_rule;
    row.update_rule = c.update_rule;
    row.delete_rule = c.delete_rule;
    if (c.IsAuth() || c.IsView()) {
        row.options = json::Serialize(c.options);
    } else {
        row.options = "{}";
    }
    row.created = c.created;
    row.updated = c.updated;
    bj::array idx;
    for (const auto& i : c.indexes) {
        idx.emplace_back(bj::string(i));
    }
    row.indexes = json::Serialize(idx);
    return row;
}

bj::object CollectionToApiJson(const Collection& c) {
    bj::object o;
    o["id"] = c.id;
    o["listRule"] = NullableString(c.list_rule);
    o["viewRule"] = NullableString(c.view_rule);
    o["createRule"] = NullableString(c.create_rule);
    o["updateRule"] = NullableString(c.update_rule);
    o["deleteRule"] = NullableString(c.delete_rule);
    o["name"] = c.name;
    o["type"] = CollectionTypeName(c.type);
    bj::array fields;
    for (const auto& f : c.fields) {
        fields.emplace_back(FieldToJson(f));
    }
    o["fields"] = std::move(fields);
    bj::array idx;
    for (const auto& i : c.indexes) {
        idx.emplace_back(bj::string(i));
    }
    o["indexes"] = std::move(idx);
    o["created"] = c.created;
    o["updated"] = c.updated;
    o["system"] = c.system;
    if (c.IsAuth()) {
        bj::object opts;
        std::string bad;
        bj::value in(c.options);
        NormalizeBySpec(&in, AuthOptionSpecs(), false, false, opts, bad);
        for (auto kind : kTokenKinds) {
            opts[kind].get_object().erase("secret");
        }
        auto& oauth2 = opts["oauth2"].get_object();
        if (oauth2["providers"].is_null()) {
            oauth2["providers"] = bj::array();
        }
        for (auto& p : oauth2["providers"].get_array()) {
            p.get_object().erase("clientSecret");
        }
        for (auto& kv : opts) {
            o.emplace(kv.key(), std::move(kv.value()));
        }
    } else if (c.IsView()) {
        o["viewQuery"] = c.ViewQuery();
    }
    return o;
}

Collection NewCollection(CollectionType type, std::string_view name, std::string_view id) {
    Collection c;
    c.type = type;
    c.name = std::string(name);
    c.id = !id.empty() ? std::string(id)
                       : "pbc_" + std::to_string(Crc32(std::string(CollectionTypeName(type)) + std::string(name)));
    if (type == CollectionType::kAuth) {
        c.options = DefaultAuthOptions();
    } else if (type == CollectionType::kView) {
        c.options["viewQuery"] = "";
    }
    ApplyCollectionDefaults(c);
    return c;
}

void ApplyCollectionDefaults(Collection& c) {
    // FieldsList.Add semantics: default ids, later duplicates by id replace earlier ones.
    std::vector<Field> list;
    for (auto& f : c.fields) {
        if (f.id.empty()) {
            f.id = !f.name.empty() ? DefaultFieldId(f.type, f.name)
                                   : std::string(FieldTypeName(f.type)) + RandomString(5);
        }
        auto same = std::find_if(list.begin(), list.end(), [&](const Field& x) { return x.id == f.id; });
        if (same != list.end()) {
            *same = std::move(f);
        } else {
            list.push_back(std::move(f));
        }
    }
    c.fields = std::move(list);
    switch (c.type) {
        case CollectionType::kBase: InitIdField(c); break;
        case CollectionType::kAuth:
            InitIdField(c);
            InitAuthFields(c);
            UnsetMissingMappedFields(c);
            break;
        case CollectionType::kView: break;
    }
    for (auto& f : c.fields) {
        f.Finalize();
    }
}

Result<Collection> CollectionFromApiJson(const bj::value& body, const Collection* existing) {
    if (!body.is_object()) {
        return FormatError();
    }
    const auto& b = body.get_object();
    auto str_member = [&](std::string_view key, std::optional<std::string>& out) -> bool {
        auto it = b.find(key);
        if (it == b.end() || it->value().is_null()) {
            return true;
        }
        if (!it->value().is_string()) {
            return false;
        }
        out = std::string(it->value().get_string());
        return true;
    };
    std::optional<std::string> type_s;
    std::optional<std::string> name_s;
    std::optional<std::string> id_s;
    if (!str_member("type", type_s) || !str_member("name", name_s) || !str_member("id", id_s)) {
        return FormatError();
    }

    Collection c;
    if (existing == nullptr) {
        std::string tn = type_s.value_or("");
        if (tn.empty()) {
            tn = "base";
        }
        auto type = ParseCollectionType(tn);
        if (!type) {
            bj::object data;
            data["type"] = Leaf("validation_in_invalid", "must be a valid value");
            return InvalidArgument(SaveMessage(existing), std::move(data));
        }
        c = NewCollection(*type, name_s.value_or(""), id_s.value_or(""));
    } else {
        c = *existing;
        if (type_s && !type_s->empty() && *type_s != CollectionTypeName(c.type)) {
            bj::object data;
            data["type"] = Leaf("validation_collection_type_change", "Collection type cannot be changed.");
            return InvalidArgument(SaveMessage(existing), std::move(data));
        }
        if (name_s) {
            c.name = *name_s;
        }
        if (id_s) {
            c.id = *id_s;  // ValidateCollection rejects a changed id
        }
    }

    // rules: null or string
    struct RuleKey {
        std::string_view key;
        std::optional<std::string>* target;
    };
    const RuleKey rules[] = {{"listRule", &c.list_rule},
                             {"viewRule", &c.view_rule},
                             {"createRule", &c.create_rule},
                             {"updateRule", &c.update_rule},
                             {"deleteRule", &c.delete_rule}};
    for (const auto& r : rules) {
        auto it = b.find(r.key);
        if (it == b.end()) {
            continue;
        }
        if (it->value().is_null()) {
            r.target->reset();
        } else if (it->value().is_string()) {
            *r.target = std::string(it->value().get_string());
        } else {
            return FormatError();
        }
    }
    if (auto it = b.find("system"); it != b.end() && !it->value().is_null()) {
        if (!it->value().is_bool()) {
            return FormatError();
        }
        c.system = it->value().get_bool();
    }
    if (auto it = b.find("fields"); it != b.end()) {
        std::vector<Field> fields;
        if (!it->value().is_null()) {
            if (!it->value().is_array()) {
                return FormatError();
            }
            for (const auto& fv : it->value().get_array()) {
                BASALT_TRY(Field f, FieldFromJson(fv, true));
                fields.push_back(std::move(f));
            }
        }
        c.fields = std::move(fields);
    }
    if (auto it = b.find("indexes"); it != b.end()) {
        BASALT_TRY(auto idx, ParseIndexes(it->value()));
        c.indexes = std::move(idx);
    }

    // type-specific options
    if (c.IsAuth() || c.IsView()) {
        const auto& specs = c.IsAuth() ? AuthOptionSpecs() : ViewOptionSpecs();
        bj::object patch;
        for (const auto& spec : specs) {
            if (auto it = b.find(spec.key); it != b.end()) {
                patch.emplace(spec.key, it->value());
            }
        }
        bj::object merged = c.options;
        MergeLikeGo(merged, patch, specs);
        bj::value merged_v(std::move(merged));
        bj::object normalized;
        std::string bad;
        if (!NormalizeBySpec(&merged_v, specs, true, false, normalized, bad)) {
            return FormatError();
        }
        if (existing != nullptr && c.IsAuth()) {
            KeepProviderSecrets(normalized, existing->options);
            for (auto kind : kTokenKinds) {
                auto& tok = normalized[kind].get_object();
                if (tok["secret"].is_string() && tok["secret"].get_string().empty()) {
                    tok["secret"] = bj::string(existing->TokenSecret(kind));
                }
            }
        }
        c.options = std::move(normalized);
    }

    ApplyCollectionDefaults(c);
    if (existing != nullptr) {
        c.created = existing->created;
        c.updated = existing->updated;
    } else {
        c.created.clear();
        c.updated.clear();
    }
    return c;
}

bj::object Scaffolds() {
    bj::object out;
    const std::pair<std::string_view, CollectionType> kinds[] = {
        {"auth", CollectionType::kAuth}, {"base", CollectionType::kBase}, {"view", CollectionType::kView}};
    for (const auto& [key, type] : kinds) {
        Collection c = NewCollection(type, "");
        c.id.clear();
        out[key] = CollectionToApiJson(c);
    }
    return out;
}

}  // namespace basalt::schema
