// The collection model: collections, their fields and the immutable schema snapshot. Pure domain
// (no I/O); every other layer reads these types.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace basalt::schema {

enum class FieldType {
    kText,
    kNumber,
    kBool,
    kEmail,
    kUrl,
    kEditor,
    kDate,
    kAutodate,
    kSelect,
    kFile,
    kRelation,
    kJson,
    kPassword,
    kGeoPoint,
};

std::string_view FieldTypeName(FieldType t);
std::optional<FieldType> ParseFieldType(std::string_view name);

/// One field of a collection. `options` holds the type-specific options exactly as PocketBase
/// stores and serializes them (e.g. "min", "max", "values", "maxSelect", "collectionId"), so that
/// unknown keys survive a round trip. The typed members below are caches derived from `options`
/// by Finalize() for hot paths; keep them in sync by calling Finalize() after editing options.
struct Field {
    std::string id;
    std::string name;
    FieldType type = FieldType::kText;
    bool system = false;
    bool hidden = false;
    bool presentable = false;
    bool required = false;  // also stored in options for types that have it
    std::string help;
    boost::json::object options;

    // --- caches (Finalize) ---
    int max_select = 1;            // select/file/relation; 1 for single
    bool primary_key = false;      // text "id" field
    bool on_create = false;        // autodate
    bool on_update = false;        // autodate
    bool cascade_delete = false;   // relation
    std::string collection_id;     // relation target

    /// Recomputes the cached members from `options`.
    void Finalize();

    /// select/file/relation with maxSelect > 1: stored as a JSON array, serialized as an array.
    bool IsMulti() const {
        return (type == FieldType::kSelect || type == FieldType::kFile ||
                type == FieldType::kRelation) &&
               max_select > 1;
    }
};

enum class CollectionType { kBase, kAuth, kView };

std::string_view CollectionTypeName(CollectionType t);
std::optional<CollectionType> ParseCollectionType(std::string_view name);

/// A collection definition, as stored in `_collections`. Rules: nullopt = superusers only,
/// "" = everyone, otherwise a filter expression. `options` is the `_collections.options` JSON:
/// for auth collections authRule, manageRule, authAlert, oauth2, passwordAuth, mfa, otp, the
/// token configs (with their secrets) and templates; for view collections viewQuery.
struct Collection {
    std::string id;
    std::string name;
    CollectionType type = CollectionType::kBase;
    bool system = false;
    std::vector<Field> fields;
    std::vector<std::string> indexes;
    std::optional<std::string> list_rule;
    std::optional<std::string> view_rule;
    std::optional<std::string> create_rule;
    std::optional<std::string> update_rule;
    std::optional<std::string> delete_rule;
    boost::json::object options;
    std::string created;
    std::string updated;

    bool IsAuth() const { return type == CollectionType::kAuth; }
    bool IsView() const { return type == CollectionType::kView; }

    const Field* FindField(std::string_view name) const;        // exact name
    const Field* FindFieldById(std::string_view id) const;

    /// Auth-collection rule stored in options ("authRule"/"manageRule"); nullopt when null.
    std::optional<std::string> AuthRule() const;
    std::optional<std::string> ManageRule() const;
    std::string ViewQuery() const;

    /// Token options: options[<kind>] = {"secret":..,"duration":..}. kind is e.g. "authToken".
    std::string TokenSecret(std::string_view kind) const;
    std::int64_t TokenDuration(std::string_view kind) const;
};

/// An immutable snapshot of every collection. Published as shared_ptr<const Schema> and swapped
/// atomically when a collection changes; readers never lock.
class Schema {
public:
    Schema() = default;
    explicit Schema(std::vector<std::shared_ptr<const Collection>> collections);

    /// By id (exact) or by name (case-insensitive), as PocketBase resolves path parameters.
    std::shared_ptr<const Collection> Find(std::string_view id_or_name) const;
    std::shared_ptr<const Collection> FindById(std::string_view id) const;

    const std::vector<std::shared_ptr<const Collection>>& all() const { return collections_; }

private:
    std::vector<std::shared_ptr<const Collection>> collections_;
    std::map<std::string, std::shared_ptr<const Collection>, std::less<>> by_id_;
    std::map<std::string, std::shared_ptr<const Collection>, std::less<>> by_lower_name_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

/// A record: field name -> value in API JSON form (string, number, bool, array, object, null;
/// datetimes as canonical strings). Holds every column including hidden ones (password hash,
/// tokenKey); what a client may see is decided when serializing.
struct Record;

/// Related records attached to a record by `expand`: one record (single relation or unique
/// back-relation) or a list.
struct Expanded {
    bool multi = false;
    std::vector<Record> records;
};

struct Record {
    std::shared_ptr<const Collection> collection;
    boost::json::object values;
    /// Expanded relations by key (field name or `<collection>_via_<field>`); serialized as
    /// "expand" when `expand_requested` (as {} when nothing resolved).
    std::map<std::string, Expanded, std::less<>> expand;
    bool expand_requested = false;
    /// Request-scoped: the requester satisfies the auth collection's manageRule for this record
    /// (sees its email, may change its email/verified/password).
    bool managed = false;

    std::string_view Id() const;
    std::string GetString(std::string_view field) const;  // "" when absent or not a string
    bool GetBool(std::string_view field) const;
};

}  // namespace basalt::schema
