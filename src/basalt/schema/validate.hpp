// Validation with PocketBase's codes, messages and params: record values per field type and
// collection definitions. DB-dependent checks (relation existence, uniqueness, files, rules) are
// the service layer's.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "basalt/base/result.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::schema {

/// Extra inputs for ValidateRecord.
struct RecordValidationContext {
    /// The stored primary key for updates (validation_pk_change); empty for creates.
    std::string old_id;
    /// Plain passwords being set, by field name (the stored value is the hash).
    std::map<std::string, std::string, std::less<>> plain_passwords;
};

/// Validates one field value (already normalized). Returns the PocketBase leaf
/// {"code","message"[,"params"]} or an empty object when valid.
boost::json::object ValidateFieldValue(const Field& f,
                                       const boost::json::value& value,
                                       bool is_new,
                                       const RecordValidationContext& ctx);

/// Validates every field of `values` (missing ones count as zero values; autodate skipped).
/// On failure: kInvalidArgument "Failed to create record." / "Failed to update record." with
/// `data` = {field: leaf} for each failing field.
[[nodiscard]] Status ValidateRecord(const Collection& c,
                                    const boost::json::object& values,
                                    bool is_new,
                                    const RecordValidationContext& ctx = {});

/// Validates a collection definition against the current schema (`all`) and its previous
/// version (`old`, nullptr for a create): id, name (format, `_via_`, unique, id clash), type,
/// system flag/name/rules/fields protection, fields (names, duplicates, type changes, per-type
/// settings, relation targets), auth system fields and options, view rules, index syntax.
/// Rules are not parsed here. Failure: kInvalidArgument "Failed to create collection." /
/// "Failed to update collection." with PocketBase-shaped `data`.
[[nodiscard]] Status ValidateCollection(const Collection& c, const Schema& all, const Collection* old);

/// Go-style regexp search of `pattern` in `value` (std::regex ECMAScript); false when the
/// pattern does not compile.
bool RegexMatch(std::string_view pattern, std::string_view value);

/// Whether `pattern` compiles.
bool IsValidRegex(std::string_view pattern);

}  // namespace basalt::schema
