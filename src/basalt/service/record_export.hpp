// Turns a stored record into the JSON a given viewer may see (PocketBase §3.1): sorted keys,
// collectionId/collectionName, hidden fields and secrets removed, email visibility applied.
#pragma once

#include <boost/json/object.hpp>

#include "basalt/schema/collection.hpp"
#include "basalt/service/context.hpp"

namespace basalt::service {

struct ExportOptions {
    bool show_hidden = false;  // superusers
    bool show_email = false;   // the record itself, superusers, managers, auth responses
};

ExportOptions ExportOptionsFor(const Auth& viewer, const schema::Record& r);

/// `viewer` decides the visibility of expanded records (each by its own rules).
boost::json::object ExportRecord(const schema::Record& r, const ExportOptions& o, const Auth& viewer = {});

/// The same JSON as ExportRecord, appended straight to `out` (no intermediate object): the
/// fast path for responses without a `fields` picker.
void WriteRecordJson(std::string& out, const schema::Record& r, const ExportOptions& o, const Auth& viewer = {});

}  // namespace basalt::service
