// Collection model helpers.
#include "basalt/schema/collection.hpp"

#include <array>
#include <utility>

#include "basalt/base/strings.hpp"

namespace basalt::schema {

namespace {

constexpr std::array<std::pair<FieldType, std::string_view>, 14> kFieldTypes{{
    {FieldType::kText, "text"},
    {FieldType::kNumber, "number"},
    {FieldType::kBool, "bool"},
    {FieldType::kEmail, "email"},
    {FieldType::kUrl, "url"},
    {FieldType::kEditor, "editor"},
    {FieldType::kDate, "date"},
    {FieldType::kAutodate, "autodate"},
    {FieldType::kSelect, "select"},
    {FieldType::kFile, "file"},
    {FieldType::kRelation, "relation"},
    {FieldType::kJson, "json"},
    {FieldType::kPassword, "password"},
    {FieldType::kGeoPoint, "geoPoint"},
}};

bool OptBool(const boost::json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_bool() && it->value().get_bool();
}

std::int64_t OptInt(const boost::json::object& o, std::string_view key, std::int64_t def) {
    auto it = o.find(key);
    if (it == o.end()) {
        return def;
    }
    const auto& v = it->value();
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64()) {
        return static_cast<std::int64_t>(v.get_uint64());
    }
    if (v.is_double()) {
        return static_cast<std::int64_t>(v.get_double());
    }
    return def;
}

std::optional<std::string> OptNullableString(const boost::json::object& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string()) {
        return std::nullopt;
    }
    return std::string(it->value().get_string());
}

}  // namespace

std::string_view FieldTypeName(FieldType t) {
    for (const auto& [ft, name] : kFieldTypes) {
        if (ft == t) {
            return name;
        }
    }
    return "text";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
    for (const auto& [ft, n] : kFieldTypes) {
        if (n == name) {
            return ft;
        }
    }
    return std::nullopt;
}

std::string_view CollectionTypeName(CollectionType t) {
    switch (t) {
        case CollectionType::kAuth: return "auth";
        case CollectionType::kView: return "view";
        case CollectionType::kBase: break;
    }
    return "base";
}

std::optional<CollectionType> ParseCollectionType(std::string_view name) {
    if (name == "base") {
        return CollectionType::kBase;
    }
    if (name == "auth") {
        return CollectionType::kAuth;
    }
    if (name == "view") {
        return CollectionType::kView;
    }
    return std::nullopt;
}

void Field::Finalize() {
    max_select = 1;
    if (type == FieldType::kSelect || type == FieldType::kFile || type == FieldType::kRelation) {
        max_select = static_cast<int>(OptInt(options, "maxSelect", 1));
        if (max_select < 1) {
            max_select = 1;
        }
    }
    primary_key = type == FieldType::kText && OptBool(options, "primaryKey");
    on_create = type == FieldType::kAutodate && OptBool(options, "onCreate");
    on_update = type == FieldType::kAutodate && OptBool(options, "onUpdate");
    cascade_delete = type == FieldType::kRelation && OptBool(options, "cascadeDelete");
    collection_id.clear();
    if (type == FieldType::kRelation) {
        if (auto it = options.find("collectionId"); it != options.end() && it->value().is_string()) {
            collection_id = std::string(it->value().get_string());
        }
    }
}

const Field* Collection::FindField(std::string_view n) const {
    for (const auto& f : fields) {
        if (f.name == n) {
            return &f;
        }
    }
    return nullptr;
}

const Field* Collection::FindFieldById(std::string_view fid) const {
    for (const auto& f : fields) {
        if (f.id == fid) {
            return &f;
        }
    }
    return nullptr;
}

std::optional<std::string> Collection::AuthRule() const { return OptNullableString(options, "authRule"); }

std::optional<std::string> Collection::ManageRule() const {
    return OptNullableString(options, "manageRule");
}

std::string Collection::ViewQuery() const { return OptNullableString(options, "viewQuery").value_or(""); }

std::string Collection::TokenSecret(std::string_view kind) const {
    auto it = options.find(kind);
    if (it == options.end() || !it->value().is_object()) {
        return {};
    }
    return OptNullableString(it->value().get_object(), "secret").value_or("");
}

std::int64_t Collection::TokenDuration(std::string_view kind) const {
    auto it = options.find(kind);
    if (it == options.end() || !it->value().is_object()) {
        return 0;
    }
    return OptInt(it->value().get_object(), "duration", 0);
}

Schema::Schema(std::vector<std::shared_ptr<const Collection>> collections)
    : collections_(std::move(collections)) {
    for (const auto& c : collections_) {
        by_id_.emplace(c->id, c);
        by_lower_name_.emplace(ToLower(c->name), c);
    }
}

std::shared_ptr<const Collection> Schema::Find(std::string_view id_or_name) const {
    if (auto it = by_id_.find(id_or_name); it != by_id_.end()) {
        return it->second;
    }
    if (auto it = by_lower_name_.find(ToLower(id_or_name)); it != by_lower_name_.end()) {
        return it->second;
    }
    return nullptr;
}

std::shared_ptr<const Collection> Schema::FindById(std::string_view cid) const {
    if (auto it = by_id_.find(cid); it != by_id_.end()) {
        return it->second;
    }
    return nullptr;
}

std::string_view Record::Id() const {
    auto it = values.find("id");
    if (it == values.end() || !it->value().is_string()) {
        return {};
    }
    return it->value().get_string();
}

std::string Record::GetString(std::string_view field) const {
    auto it = values.find(field);
    if (it == values.end() || !it->value().is_string()) {
        return {};
    }
    return std::string(it->value().get_string());
}

bool Record::GetBool(std::string_view field) const {
    auto it = values.find(field);
    return it != values.end() && it->value().is_bool() && it->value().get_bool();
}

}  // namespace basalt::schema
