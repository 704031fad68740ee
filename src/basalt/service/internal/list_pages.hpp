// List pages as written for a viewer, kept while nothing has been written (see EpochCache).
// A read-mostly collection then serves a repeated page — the same query, paging, `fields` and
// viewer — from memory, without a database read. Any committed write anywhere starts a new
// data epoch, so a page is never older than a write a client has seen succeed; writes the store
// cannot see (another process on the same file) show within the maximum age.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "basalt/base/epoch_cache.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/service/context.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service::internal {

struct CachedListPage {
    /// The collection definition the page was written with: a schema change replaces it, and a
    /// page written with another definition is not served.
    std::shared_ptr<const schema::Collection> collection;
    std::string items;  // the items' JSON, comma-separated
    std::size_t item_count = 0;
    std::int64_t total_items = -1;
    std::int64_t total_pages = -1;
};

using ListPageCache = EpochCache<std::shared_ptr<const CachedListPage>>;

/// Entries older than this miss, bounding what writes the store cannot see leave stale.
inline constexpr std::chrono::seconds kListPageMaxAge{5};

/// The cache key of one page of `q` over `c` as `viewer` sees it, with `fields` (its source
/// text; empty = all) and without total when `skip_total`: every input the page's bytes depend
/// on. Empty when the page must not be cached: a view collection (its SELECT may read the
/// clock), a query that varies without writes (filter::SqlExpr::varies), or a key too large.
std::string ListPageKey(const schema::Collection& c,
                        const Auth& viewer,
                        const store::RecordQuery& q,
                        bool order_varies,
                        const std::string& fields,
                        bool skip_total);

/// The bytes a page holds in the cache, for its limit.
inline std::size_t ListPageCost(const CachedListPage& page) { return sizeof(CachedListPage) + page.items.size(); }

}  // namespace basalt::service::internal
