// RecordService: list/view/create/update/delete records with PocketBase's API-rule semantics.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "basalt/base/field_picker.hpp"
#include "basalt/base/result.hpp"
#include "basalt/filter/filter.hpp"
#include "basalt/service/changes.hpp"
#include "basalt/service/context.hpp"
#include "basalt/service/internal/list_pages.hpp"
#include "basalt/service/internal/throttle.hpp"
#include "basalt/service/record_files.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

namespace net = boost::asio;

struct ListParams {
    std::int64_t page = 1;
    std::int64_t per_page = 30;
    std::string sort;
    std::string filter;
    bool skip_total = false;
    /// Asks for the items as JSON text (ListResult::items_json) where the service can write them
    /// straight from the rows — no expand, no manageRule in play — with `fields` applied to each
    /// item when set; other pages come back as records.
    bool write_items = false;
    /// Text items_json starts with (the caller's envelope head), so that the caller can finish
    /// its body in place instead of copying the items into it.
    std::string items_prefix;
    std::shared_ptr<const json::FieldPicker> fields;
};

struct ListResult {
    std::vector<schema::Record> items;
    /// The items as JSON, comma-separated without brackets, after ListParams::items_prefix
    /// (ListParams::write_items); `items` is empty then.
    std::optional<std::string> items_json;
    std::size_t item_count = 0;  // either way
    std::int64_t page = 1;
    std::int64_t per_page = 30;
    std::int64_t total_items = -1;
    std::int64_t total_pages = -1;
};

struct ViewParams {
    /// Asks for the record as JSON text (ViewResult::json) where the service can write it
    /// straight from its row — no expand, no manageRule in play — with `fields` applied when set.
    bool write_json = false;
    std::shared_ptr<const json::FieldPicker> fields;
};

struct ViewResult {
    std::optional<schema::Record> record;  // when `json` is not set
    std::optional<std::string> json;       // ViewParams::write_json, where it applies
};

inline constexpr std::int64_t kMaxPerPage = 1000;
inline constexpr std::int64_t kDefaultPerPage = 30;

/// PocketBase's paging: page <= 0 -> 1, perPage <= 0 -> 30, perPage capped at 1000 (and echoed).
inline void NormalizePaging(ListParams& p) {
    if (p.page <= 0) {
        p.page = 1;
    }
    if (p.per_page <= 0) {
        p.per_page = kDefaultPerPage;
    }
    p.per_page = std::min(p.per_page, kMaxPerPage);
}

/// A write prepared outside any transaction — preflight checks, assembly, validation, rule
/// compilation, password hashing — and applied later inside one, alone or within a batch.
struct WritePlan {
    enum class Kind { kCreate, kUpdate, kDelete };
    Kind kind = Kind::kCreate;
    schema::SchemaPtr schema;
    std::shared_ptr<const schema::Collection> collection;
    std::string id;              // update/delete
    schema::Record record;       // create: the assembled record
    boost::json::object body;    // update: the submitted body
    boost::json::object errors;  // create: field errors, reported after the create rule
    bool superuser = false;
    bool check_rule = false;
    filter::SqlExpr rule;
    /// update with modifier keys (`stock-`): compiles the update rule from the body with the
    /// modifiers resolved against the row as stored when the write runs, so `@request.body.stock`
    /// is the new value (PocketBase's ReplaceModifiers); `rule` is unused then.
    std::function<Result<filter::SqlExpr>(const boost::json::object& resolved_body)> compile_rule;
    std::string alias;     // create: the virtual row's alias the rule was compiled against
    std::string new_hash;  // update: the new password hash
    /// Auth collections: the requester's manageRule (create: against `alias`), when it applies.
    std::optional<filter::SqlExpr> manage_rule;
    bool verify_by_manage = false;  // create: `verified` was asked for; allowed if a manager
    ChangeSink* sink = nullptr;     // receives the committed changes (realtime); may be null
    /// create/update: the staged uploads (discarded unless committed); delete: the storage the
    /// deleted records' directories are removed from.
    std::shared_ptr<RecordFiles> files;
};

/// One sub-request of POST /api/batch, already matched to an action by the api layer.
struct BatchAction {
    enum class Op { kCreate, kUpdate, kDelete, kUpsert };
    Op op = Op::kCreate;
    std::string collection;
    std::string id;  // update/delete
    boost::json::object body;
    std::string method;
    std::map<std::string, std::string, std::less<>> query;    // the sub-request's own query
    std::map<std::string, std::string, std::less<>> headers;  // normalized, overriding the parent's
    std::vector<Upload> uploads;  // multipart parts `requests.N.<field>`
};

/// The batch's results in request order (nullopt = deleted), or the index and error of the
/// sub-request that failed (everything rolled back).
struct BatchOutcome {
    std::vector<std::optional<schema::Record>> results;
    std::optional<std::size_t> failed_index;
    Error failure;
};

/// Bytes of list pages RecordService keeps for repeated lists (see internal/list_pages.hpp).
inline constexpr std::size_t kDefaultListCacheBytes = std::size_t{32} << 20;

/// Record use cases. Holds references to App-owned objects (store, schema registry, blocking
/// executor) that outlive every request. Thread-safe: its only state is the thread-safe throttle
/// of empty filtered lists and cache of list pages.
class RecordService {
public:
    /// `list_cache_bytes`: the memory list pages may take; 0 = every list is read afresh.
    RecordService(store::Store& store,
                  SchemaRegistry& registry,
                  net::any_io_executor blocking,
                  files::FileStorage* files = nullptr,
                  std::size_t list_cache_bytes = kDefaultListCacheBytes);

    net::awaitable<Result<ListResult>> List(RequestCtx ctx, std::string collection, ListParams p);
    net::awaitable<Result<schema::Record>> View(RequestCtx ctx, std::string collection, std::string id);
    /// View, with the record as JSON text instead where the params ask for it and it applies.
    net::awaitable<Result<ViewResult>> View(RequestCtx ctx, std::string collection, std::string id, ViewParams p);
    net::awaitable<Result<schema::Record>> Create(RequestCtx ctx,
                                                  std::string collection,
                                                  boost::json::object body,
                                                  std::vector<Upload> uploads = {});
    net::awaitable<Result<schema::Record>> Update(RequestCtx ctx,
                                                  std::string collection,
                                                  std::string id,
                                                  boost::json::object body,
                                                  std::vector<Upload> uploads = {});
    net::awaitable<Status> Delete(RequestCtx ctx, std::string collection, std::string id);

    net::awaitable<Result<WritePlan>> PrepareCreate(RequestCtx ctx,
                                                    std::string collection,
                                                    boost::json::object body,
                                                    std::vector<Upload> uploads = {});
    net::awaitable<Result<WritePlan>> PrepareUpdate(RequestCtx ctx,
                                                    std::string collection,
                                                    std::string id,
                                                    boost::json::object body,
                                                    std::vector<Upload> uploads = {});
    net::awaitable<Result<WritePlan>> PrepareDelete(RequestCtx ctx, std::string collection, std::string id);

    /// Runs every action in one transaction, in order, with the parent's auth and each action's
    /// own rules; `timeout` bounds the whole batch (400 "batch transaction timeout").
    net::awaitable<Result<BatchOutcome>> Batch(RequestCtx ctx,
                                              std::vector<BatchAction> actions,
                                              std::chrono::milliseconds timeout);

    /// Applies a prepared write inside the caller's transaction: the written record, or nullopt
    /// for a delete.
    static Result<std::optional<schema::Record>> Apply(store::Tx& tx, const WritePlan& plan);

    /// Where committed record changes go (the realtime service); set once at startup.
    void SetChangeSink(ChangeSink* sink) { sink_ = sink; }

    /// The first record whose `field` equals `value`, without any rule (CLI, internal use).
    net::awaitable<Result<std::optional<schema::Record>>> FindFirstByField(std::string collection,
                                                                           std::string field,
                                                                           std::string value);

    /// Loads a record by collection id and record id without any rule (token resolution).
    net::awaitable<Result<std::optional<schema::Record>>> FindById(std::string collection_id, std::string id);

    /// Where record files are stored; null when uploads are refused.
    files::FileStorage* file_storage() const { return files_; }

private:
    store::Store& store_;
    SchemaRegistry& registry_;
    net::any_io_executor blocking_;
    internal::Throttle empty_lists_{3, std::chrono::seconds(3)};  // timing hardening of List
    std::unique_ptr<internal::ListPageCache> list_pages_;          // null: disabled
    ChangeSink* sink_ = nullptr;
    files::FileStorage* files_;  // null: uploads are refused
};

}  // namespace basalt::service
