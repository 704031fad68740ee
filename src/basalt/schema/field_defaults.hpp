// Per-type option shapes and defaults for fields and auth collections, as PocketBase's Go structs
// serialize them, plus a small shape-driven normalizer shared by the collection codecs.
#pragma once

#include <cstdint>
#include <vector>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "basalt/schema/collection.hpp"

namespace basalt::schema {

/// The JSON kind a Go struct member accepts.
enum class OptionKind {
    kBool,
    kInt,             // Go int / int64 (integral JSON number)
    kNullableNumber,  // Go *float64
    kString,
    kNullableString,  // Go *string
    kDateString,      // types.DateTime: "" or a datetime, re-emitted canonical
    kStringArray,     // Go []string (null allowed, kept as null)
    kAnyObject,       // Go map[string]any (null allowed)
    kNullableBool,    // Go *bool
    kObject,          // nested struct: `children`
    kObjectArray,     // []struct: `children` per element (null allowed)
};

/// One member of a Go struct: JSON key, kind, zero/default value, nested members.
struct OptionSpec {
    std::string_view key;
    OptionKind kind;
    boost::json::value def;
    std::vector<OptionSpec> children;
};

/// Rebuilds `in` (may be null or absent) into an object with exactly the members of `specs`, in
/// their order, taking defaults for missing ones. When `strict`, a member of the wrong JSON kind
/// fails (returns false and sets `bad_key` to a dotted path), as Go's json.Unmarshal would;
/// otherwise wrong kinds fall back to the default. Unknown keys are dropped unless `keep_unknown`.
bool NormalizeBySpec(const boost::json::value* in,
                     const std::vector<OptionSpec>& specs,
                     bool strict,
                     bool keep_unknown,
                     boost::json::object& out,
                     std::string& bad_key);

/// Go json.Unmarshal onto an existing struct: objects merge member-wise, everything else (arrays,
/// scalars, null) replaces; null onto a nested struct is a no-op.
void MergeLikeGo(boost::json::object& target,
                 const boost::json::object& patch,
                 const std::vector<OptionSpec>& specs);

/// The type-specific options of a field type (everything except id, name, type, system, hidden,
/// presentable, help), with their zero values.
const std::vector<OptionSpec>& FieldOptionSpecs(FieldType t);

/// Whether the type's Go struct has a `help` member (all but autodate in v0.39).
bool FieldHasHelp(FieldType t);

/// Default field id: `<type>` + CRC32(name), e.g. "text3208210256" for "id".
std::string DefaultFieldId(FieldType t, std::string_view name);

/// Builds a field with all options at their zero values, then overlays `options`; sets `required`
/// from options and calls Finalize(). `id` defaults to DefaultFieldId.
Field MakeField(FieldType t,
                std::string_view name,
                boost::json::object options = {},
                bool system = false,
                bool hidden = false);

/// The `options` shape of an auth collection (authRule ... confirmEmailChangeTemplate).
const std::vector<OptionSpec>& AuthOptionSpecs();

/// The `options` shape of a view collection (viewQuery).
const std::vector<OptionSpec>& ViewOptionSpecs();

/// Fresh default auth options (PocketBase setDefaultAuthOptions) with new random 50-char secrets.
boost::json::object DefaultAuthOptions();

/// Token option kinds that carry a secret.
inline constexpr std::string_view kTokenKinds[] = {
    "authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken"};

/// A PocketBase validation leaf with the message sentenized: {"code","message"[,"params"]}.
boost::json::object Leaf(std::string_view code,
                         std::string_view message,
                         boost::json::object params = {});

}  // namespace basalt::schema
