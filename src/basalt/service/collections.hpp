// CollectionService: the collections API (superusers only): list/view/create/update/delete,
// truncate, import, scaffolds. Every schema change runs as DDL in the same transaction as its
// `_collections` row; the new schema snapshot is published after commit.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/service/context.hpp"
#include "basalt/service/records.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

struct CollectionList {
    std::vector<std::shared_ptr<const schema::Collection>> items;
    std::int64_t page = 1;
    std::int64_t per_page = 30;
    std::int64_t total_items = -1;
    std::int64_t total_pages = -1;
};

/// References App-owned objects that outlive every request. Thread-safe.
class CollectionService {
public:
    /// `files`: where deleted and truncated collections' files are removed (null: not removed).
    CollectionService(store::Store& store, SchemaRegistry& registry, files::FileStorage* files = nullptr)
        : store_(store), registry_(registry), files_(files) {}

    /// Loads the schema from the store into the registry (startup).
    Status Reload();

    net::awaitable<Result<CollectionList>> List(RequestCtx ctx, ListParams p);
    Result<std::shared_ptr<const schema::Collection>> View(const std::string& id_or_name) const;
    net::awaitable<Result<std::shared_ptr<const schema::Collection>>> Create(RequestCtx ctx, boost::json::value body);
    net::awaitable<Result<std::shared_ptr<const schema::Collection>>> Update(RequestCtx ctx,
                                                                            std::string id_or_name,
                                                                            boost::json::value body);
    net::awaitable<Status> Delete(RequestCtx ctx, std::string id_or_name);
    net::awaitable<Status> Truncate(RequestCtx ctx, std::string id_or_name);
    net::awaitable<Status> Import(RequestCtx ctx, boost::json::value body);

    /// POST /api/collections/meta/dry-run-view: the fields a view over `query` would get and
    /// up to 10 sample records, without creating anything.
    struct DryRun {
        std::shared_ptr<const schema::Collection> collection;
        std::vector<schema::Record> sample;
    };
    net::awaitable<Result<DryRun>> DryRunView(RequestCtx ctx, std::string query);

private:
    store::Store& store_;
    SchemaRegistry& registry_;
    files::FileStorage* files_;
};

}  // namespace basalt::service
