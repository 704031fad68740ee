// `expand`: attaching related records (relations and back-relations, up to 6 levels), each
// subject to its own collection's view rule for the requester (service-internal).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "basalt/base/result.hpp"
#include "basalt/service/context.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service::internal {

/// "a,b.c, x_via_y.z" as a tree of keys; segments past 6 levels are dropped, prefixes merge.
struct ExpandTree {
    std::map<std::string, ExpandTree, std::less<>> children;
};

ExpandTree ParseExpand(std::string_view expand);

inline constexpr int kMaxExpandDepth = 6;
inline constexpr std::int64_t kMaxBackRelationRows = 1000;

/// Expands `records` (all of the same collection) in place. Unknown keys and failures are
/// skipped silently, as PocketBase does; database errors are returned.
Status Expand(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<schema::Record>& records,
              const ExpandTree& tree);

}  // namespace basalt::service::internal
