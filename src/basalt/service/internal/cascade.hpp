// Relation-aware record deletion shared by the records and collections use cases.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "basalt/base/result.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/service/changes.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service::internal {

/// The ids held by a relation value (a string or an array of strings).
std::vector<std::string> RelationIds(const boost::json::value& v);

/// Deletes `r`: records referencing it through cascadeDelete relations are deleted too
/// (recursively), optional references are detached, and a required non-cascade reference
/// refuses the delete (400). `visited` breaks cycles. When `changes` is given, every record
/// deleted (as it was) or detached (as updated) is appended to it, for the realtime events.
Status DeleteWithReferences(store::Tx& tx, const schema::Schema& s, const schema::Record& r, int depth,
                            std::set<std::string>& visited, std::vector<RecordChange>* changes = nullptr);

}  // namespace basalt::service::internal
