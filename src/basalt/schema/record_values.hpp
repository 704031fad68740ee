// Record field values: PocketBase's per-type input casting (PrepareValue / setters), zero values
// and the write modifiers (`field+`, `+field`, `field-`, `field:autogenerate`).
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "basalt/base/result.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::schema {

/// The value a new record holds for `f` (§3.1): "" for text-like/date/single select|file|relation,
/// 0, false, [] for multi, null for json, {"lon":0,"lat":0} for geoPoint.
boost::json::value ZeroValue(const Field& f);

/// Casts a raw input value to the field's stored/API form, like PocketBase's PrepareValue:
/// text-like → string (spf13/cast rules, no trimming), number → double ("12" → 12, junk → 0),
/// bool → Go ParseBool / non-zero, date/autodate → canonical datetime or "", select/relation/file
/// → unique non-empty strings (single keeps the last), json → PocketBase's string normalization,
/// geoPoint → {"lon","lat"}. Never fails: unusable input becomes the zero value.
boost::json::value NormalizeInput(const Field& f, const boost::json::value& raw);

/// spf13/cast ToString: strings as is, numbers Go-formatted, bools "true"/"false", else "".
std::string CastToString(const boost::json::value& v);

/// spf13/cast ToFloat64.
double CastToFloat(const boost::json::value& v);

/// spf13/cast ToBool (strings via strconv.ParseBool).
bool CastToBool(const boost::json::value& v);

/// PocketBase list.ToUniqueStringSlice: a string becomes [s] (or a parsed JSON array when it
/// looks like one), arrays are cast element-wise; empty strings and duplicates removed.
std::vector<std::string> ToUniqueStringSlice(const boost::json::value& v);

/// Applies a request body onto `values` (the stored row, or zero values for a create): plain
/// `field` keys first, then `+field`/`field+`/`field-`, then `field:autogenerate`. Unknown keys,
/// autodate and password fields are ignored (passwords are hashed by the service). Values are
/// normalized with NormalizeInput.
[[nodiscard]] Status ApplyModifiers(const Collection& c,
                                    boost::json::object& values,
                                    const boost::json::object& body);

/// PocketBase's Record.ReplaceModifiers for the request body the API rules see: each modifier
/// key (`+field`, `field+`, `field-`, `field:autogenerate`) of a field of `c` is dropped and
/// `field` set to its value in `applied` (the values after ApplyModifiers); other keys are kept.
[[nodiscard]] boost::json::object ReplaceModifiers(const Collection& c,
                                                   const boost::json::object& applied,
                                                   const boost::json::object& body);

/// True when `body` has a modifier key (see ReplaceModifiers) for a field of `c`.
bool HasModifiers(const Collection& c, const boost::json::object& body);

/// Fills every field missing from `values` with its zero value and, for a new record, text
/// fields with an `autogeneratePattern` that are still empty (PocketBase's create interceptor).
void FillDefaults(const Collection& c, boost::json::object& values, bool is_new);

}  // namespace basalt::schema
