// Collection codecs: the `_collections` storage row, PocketBase's API JSON (GET/POST/PATCH
// /api/collections) and the scaffolds. Pure functions over the model in collection.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "basalt/base/result.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::schema {

/// One `_collections` row as stored (JSON columns as text, rules nullable).
struct CollectionRow {
    std::string id;
    bool system = false;
    std::string type = "base";
    std::string name;
    std::string fields = "[]";
    std::optional<std::string> list_rule;
    std::optional<std::string> view_rule;
    std::optional<std::string> create_rule;
    std::optional<std::string> update_rule;
    std::optional<std::string> delete_rule;
    std::string options = "{}";
    std::string created;
    std::string updated;
    std::string indexes = "[]";
};

/// Decodes a stored row (lenient: unknown option keys are kept, wrong kinds fall back to
/// defaults). Fails (kInternal) only on unparseable JSON columns or an unknown field/collection
/// type.
[[nodiscard]] Result<Collection> CollectionFromStorage(const CollectionRow& row);

/// Encodes for writing back: fields with sorted keys, options in PocketBase's struct order
/// including every secret.
CollectionRow CollectionToStorage(const Collection& c);

/// A field as PocketBase serializes it: common keys + options (+ help except autodate), sorted.
boost::json::object FieldToJson(const Field& f);

/// Decodes one field object. `strict` (API input) rejects members of the wrong JSON kind and
/// drops unknown keys; otherwise (storage) unknown keys are kept. An empty id is left empty.
[[nodiscard]] Result<Field> FieldFromJson(const boost::json::value& v, bool strict);

/// The API JSON (§3.3 key order); token secrets and OAuth2 client secrets are never included.
boost::json::object CollectionToApiJson(const Collection& c);

/// A new collection with PocketBase's defaults (NewBaseCollection/NewAuthCollection/...): id
/// `pbc_<crc32(type+name)>` when `id` is empty, system fields and indexes, fresh auth options.
Collection NewCollection(CollectionType type, std::string_view name, std::string_view id = {});

/// PocketBase's save-time normalization: default field ids, the system id/auth fields (added or
/// enforced), the auth unique indexes, unset OAuth2 mapped fields that don't exist; Finalize().
void ApplyCollectionDefaults(Collection& c);

/// Decodes a POST (existing == nullptr) or PATCH body onto a fresh/copied collection and applies
/// the save-time defaults. `created`/`updated` are copied from `existing` (or left empty): the
/// caller stamps them. Malformed bodies give kInvalidArgument ("Failed to load the submitted data
/// due to invalid formatting." or "Failed to create/update collection." with `data`). Semantic
/// checks are ValidateCollection's job.
[[nodiscard]] Result<Collection> CollectionFromApiJson(const boost::json::value& body,
                                                       const Collection* existing);

/// `GET /api/collections/meta/scaffolds`: {"auth":{...},"base":{...},"view":{...}}.
boost::json::object Scaffolds();

/// Whether `indexes` has a UNIQUE index over exactly the single column `column`
/// (dbutils.FindSingleColumnUniqueIndex).
bool HasSingleColumnUniqueIndex(const std::vector<std::string>& indexes, std::string_view column);

/// Parsed shape of a `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (cols) [WHERE ...]`.
struct ParsedIndex {
    bool valid = false;
    bool unique = false;
    std::string name;
    std::string table;
    std::vector<std::string> columns;  // raw column expressions, unquoted when simple
    std::string where;
};

/// A loose parser for index definitions (dbutils.ParseIndex).
ParsedIndex ParseIndex(std::string_view sql);

}  // namespace basalt::schema
