// Reading and writing `_collections` rows and the `_params` settings row (dialect-neutral SQL).
#pragma once

#include <vector>

#include "basalt/base/result.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/store/store.hpp"

namespace basalt::store {

Result<std::vector<schema::Collection>> LoadCollectionRows(Tx& tx);
Status InsertCollectionRow(Tx& tx, const schema::Collection& c);
Status UpdateCollectionRow(Tx& tx, const schema::Collection& c);
Status DeleteCollectionRow(Tx& tx, const schema::Collection& c);

/// Creates PocketBase's system tables, the system collections, default settings and migration
/// markers in an empty data.db (`aux` = false) or auxiliary.db (`aux` = true).
Status Bootstrap(Tx& tx, bool aux);

/// True when the database already has PocketBase's `_collections` (or `_logs` for aux) table.
Result<bool> IsBootstrapped(Tx& tx, bool aux);

/// The `_params` settings JSON (default settings when the row is missing).
Result<boost::json::object> LoadSettings(Tx& tx);
Status SaveSettings(Tx& tx, const boost::json::object& settings);
boost::json::object DefaultSettings();

}  // namespace basalt::store
