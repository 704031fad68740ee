// Record use cases: the order of checks and the status of each outcome follow PocketBase
// (pocketbase-api.md §2.3, §5, §9): null rule -> 403 before lookup; list filters silently;
// view/update/delete -> 404; create -> 400 on a virtual row.
#include "basalt/service/records.hpp"

#include <set>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "basalt/auth/password.hpp"
#include "basalt/base/json.hpp"
#include "basalt/base/offload.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/schema/record_values.hpp"
#include "basalt/schema/validate.hpp"
#include "basalt/service/internal/cascade.hpp"
#include "basalt/service/internal/expand.hpp"
#include "basalt/service/internal/passwords.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/service/record_export.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

using schema::Collection;
using schema::Field;
using schema::FieldType;
using schema::Record;
using store::CollectionPtr;
using internal::PasswordCost;
using internal::PasswordInput;
using internal::TakePasswordInput;
using internal::ValidatePassword;

constexpr std::int64_t kMaxProbeDelayMs = 500;

namespace {

constexpr std::string_view kMissingCollection = "Missing collection context.";
constexpr std::string_view kOnlySuperusers = "Only superusers can perform this action.";

Error FailedRecord(bool create, boost::json::object data = {}) {
    return InvalidArgument(create ? "Failed to create record." : "Failed to update record.", std::move(data));
}

void MergeErrors(boost::json::object& into, const boost::json::object& from) {
    for (const auto& kv : from) {
        if (!into.contains(kv.key())) {
            into[kv.key()] = kv.value();
        }
    }
}

/// Body keys a client may not write: system helpers, autodates, hidden fields (non-superusers).
boost::json::object SanitizeBody(const Collection& c, const boost::json::object& body, bool superuser) {
    boost::json::object out;
    for (const auto& kv : body) {
        std::string_view key = kv.key();
        if (key == "expand" || key == "collectionId" || key == "collectionName" || key == "password" ||
            key == "passwordConfirm" || key == "oldPassword" || key == "tokenKey") {
            continue;
        }
        // strip modifiers to find the field: "+tags", "tags+", "tags-", "title:autogenerate"
        std::string_view name = key;
        if (!name.empty() && name.front() == '+') {
            name.remove_prefix(1);
        }
        if (auto p = name.find(':'); p != std::string_view::npos) {
            name = name.substr(0, p);
        }
        if (!name.empty() && (name.back() == '+' || name.back() == '-')) {
            name.remove_suffix(1);
        }
        const Field* f = c.FindField(name);
        if (f == nullptr || f->type == FieldType::kAutodate || f->type == FieldType::kPassword) {
            continue;
        }
        if (f->hidden && !superuser) {
            continue;
        }
        out[key] = kv.value();
    }
    return out;
}

std::string GenerateText(const Field& f) {
    auto it = f.options.find("autogeneratePattern");
    if (it == f.options.end() || !it->value().is_string() || it->value().get_string().empty()) {
        return {};
    }
    return RandomFromPattern(it->value().get_string());
}

/// Fields named by a unique-constraint message ("UNIQUE constraint failed: t.a, t.b" or
/// "... failed: index 'name'").
std::vector<std::string> UniqueViolationFields(const Collection& c, std::string_view msg) {
    std::vector<std::string> out;
    auto p = msg.find("failed:");
    if (p == std::string_view::npos) {
        return out;
    }
    std::string_view rest = Trim(msg.substr(p + 7));
    if (StartsWithI(rest, "index")) {
        auto q1 = rest.find('\'');
        auto q2 = rest.rfind('\'');
        std::string name = q1 != q2 ? std::string(rest.substr(q1 + 1, q2 - q1 - 1)) : std::string();
        for (const auto& idx : c.indexes) {
            if (name.empty() || idx.find(name) == std::string::npos) {
                continue;
            }
            auto open = idx.find('(');
            std::string cols = open == std::string::npos ? std::string() : idx.substr(open);
            for (const auto& f : c.fields) {
                if (cols.find(f.name) != std::string::npos) {
                    out.push_back(f.name);
                }
            }
        }
        return out;
    }
    for (auto part : Split(rest, ',')) {
        part = Trim(part);
        if (auto dot = part.rfind('.'); dot != std::string_view::npos) {
            part = part.substr(dot + 1);
        }
        if (c.FindField(part) != nullptr) {
            out.emplace_back(part);
        }
    }
    return out;
}

Error UniqueError(const Collection& c, const Error& e, bool create) {
    boost::json::object data;
    for (const auto& name : UniqueViolationFields(c, e.message)) {
        data[name] = FieldError("validation_not_unique", "Value must be unique.");
    }
    return FailedRecord(create, std::move(data));
}

/// validation_missing_rel_records for relation values pointing nowhere.
Status CheckRelations(store::Tx& tx, const schema::Schema& s, const Record& r, boost::json::object& errors) {
    for (const auto& f : r.collection->fields) {
        if (f.type != FieldType::kRelation || errors.contains(f.name)) {
            continue;
        }
        auto it = r.values.find(f.name);
        if (it == r.values.end()) {
            continue;
        }
        std::vector<std::string> ids = internal::RelationIds(it->value());
        if (ids.empty()) {
            continue;
        }
        auto target = s.FindById(f.collection_id);
        if (!target) {
            errors[f.name] = FieldError("validation_missing_rel_collection",
                                        "Missing or invalid relation collection.");
            continue;
        }
        BASALT_TRY(auto found, store::ExistingIds(tx, *target, ids));
        std::set<std::string> have(found.begin(), found.end());
        for (const auto& id : ids) {
            if (!have.contains(id)) {
                errors[f.name] = FieldError("validation_missing_rel_records",
                                            "Failed to find all relation records with the provided ids.");
                break;
            }
        }
    }
    return Ok();
}

using RuleField = std::optional<std::string> Collection::*;

internal::ExpandTree ExpandOf(const RequestCtx& ctx) {
    auto it = ctx.info.query.find("expand");
    return it == ctx.info.query.end() ? internal::ExpandTree{} : internal::ParseExpand(it->second);
}

/// Expands a single written record for the response (create/update answer like view).
net::awaitable<Result<Record>> ExpandWritten(store::Store& store, const schema::SchemaPtr& s, const RequestCtx& ctx,
                                             Result<Record> written) {
    internal::ExpandTree tree = ExpandOf(ctx);
    if (!written || tree.children.empty()) {
        co_return written;
    }
    std::vector<Record> one{std::move(*written)};
    auto unit = [&](store::Tx& tx) -> Result<Record> {
        BASALT_RETURN_IF_ERROR(internal::Expand(tx, *s, ctx, one, tree));
        return std::move(one.front());
    };
    co_return co_await store.Read(std::move(unit));
}

/// PocketBase's first checks on every records route, in its order: the collection exists (404
/// "Missing collection context."), writes are refused on views (400), and a null rule admits
/// only superusers (403, before the record is looked up).
Result<CollectionPtr> Preflight(const schema::Schema& s, const std::string& name, RuleField rule, bool write,
                                bool superuser) {
    CollectionPtr c = s.Find(name);
    if (!c) {
        return NotFound(std::string(kMissingCollection));
    }
    if (write && c->IsView()) {
        return InvalidArgument("Unsupported collection type.");
    }
    if (!((*c).*rule) && !superuser) {
        return PermissionDenied(std::string(kOnlySuperusers));
    }
    return c;
}

/// The manageRule compiled for the requester, when it can grant anything (auth collection,
/// authenticated non-superuser, non-empty rule).
Result<std::optional<filter::SqlExpr>> ManageRuleFor(const filter::Dialect& d, const RequestCtx& ctx,
                                                     const schema::Schema& s, const Collection& c,
                                                     const std::string& alias, std::size_t first_param) {
    if (!c.IsAuth() || ctx.auth.IsGuest() || ctx.auth.IsSuperuser()) {
        return std::optional<filter::SqlExpr>{};
    }
    std::optional<std::string> rule = c.ManageRule();
    if (!rule || rule->empty()) {
        return std::optional<filter::SqlExpr>{};
    }
    BASALT_TRY(auto expr, internal::CompileRule(d, *rule, ctx, s, c, alias, first_param));
    return std::optional<filter::SqlExpr>(std::move(expr));
}

/// Whether the collection's manageRule may grant the requester anything: an auth collection,
/// an authenticated non-superuser, a non-empty rule.
bool ManageRuleMayApply(const RequestCtx& ctx, const Collection& c) {
    if (!c.IsAuth() || ctx.auth.IsGuest() || ctx.auth.IsSuperuser()) {
        return false;
    }
    auto rule = c.ManageRule();
    return rule && !rule->empty();
}

/// Marks the records the requester manages (one query for the whole page).
Status MarkManaged(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, const CollectionPtr& c,
                   std::vector<Record>& records) {
    // Cheap exits first: this runs on every list and view.
    if (records.empty() || !ManageRuleMayApply(ctx, *c)) {
        return Ok();
    }
    const auto& d = tx.dialect();
    std::vector<std::string> ids;
    ids.reserve(records.size());
    filter::SqlExpr in;
    in.sql = d.QuoteIdent(c->name) + "." + d.QuoteIdent("id") + " IN (";
    for (std::size_t i = 0; i < records.size(); ++i) {
        in.sql += (i != 0 ? ", " : "") + d.Placeholder(i + 1);
        in.params.emplace_back(std::string(records[i].Id()));
    }
    in.sql += ")";
    BASALT_TRY(auto rule, ManageRuleFor(d, ctx, s, *c, c->name, records.size() + 1));
    if (!rule) {
        return Ok();
    }
    store::RecordQuery q;
    q.where = {std::move(in), std::move(*rule)};
    BASALT_TRY(auto managed, store::SelectRecords(tx, c, q));
    std::set<std::string> managed_ids;
    for (const auto& m : managed) {
        managed_ids.emplace(m.Id());
    }
    for (auto& r : records) {
        r.managed = managed_ids.contains(std::string(r.Id()));
    }
    return Ok();
}

/// The common start of every prepared write: the schema snapshot, the requester's powers and
/// PocketBase's preflight checks for the action's rule.
Result<WritePlan> StartPlan(WritePlan::Kind kind, const RequestCtx& ctx, schema::SchemaPtr schema,
                            const std::string& collection, RuleField rule, ChangeSink* sink) {
    WritePlan plan;
    plan.kind = kind;
    plan.sink = sink;
    plan.schema = std::move(schema);
    plan.superuser = ctx.auth.IsSuperuser();
    BASALT_TRY(plan.collection, Preflight(*plan.schema, collection, rule, true, plan.superuser));
    return plan;
}

/// The end of every record write: relation targets must exist, then insert or update, with
/// unique violations reported as validation_not_unique. `errors` holds earlier field errors.
Result<Record> SaveChecked(store::Tx& tx, const schema::Schema& s, Record rec, boost::json::object errors, bool create) {
    BASALT_RETURN_IF_ERROR(CheckRelations(tx, s, rec, errors));
    if (!errors.empty()) {
        return FailedRecord(create, std::move(errors));
    }
    Status st = create ? store::InsertRecord(tx, rec) : store::UpdateRecord(tx, rec);
    if (!st) {
        if (st.error().code == ErrorCode::kAlreadyExists) {
            return UniqueError(*rec.collection, st.error(), create);
        }
        return st.error();
    }
    return rec;
}


/// A kept page as List's result: its items after the caller's items_prefix.
ListResult FromKeptPage(const internal::CachedListPage& kept, const ListParams& p) {
    ListResult out;
    out.page = p.page;
    out.per_page = p.per_page;
    out.total_items = kept.total_items;
    out.total_pages = kept.total_pages;
    out.item_count = kept.item_count;
    out.items_json.emplace();
    out.items_json->reserve(p.items_prefix.size() + kept.items.size());
    *out.items_json += p.items_prefix;
    *out.items_json += kept.items;
    return out;
}

/// The page `out` (items_json after `prefix`) as kept for the next identical list.
std::shared_ptr<const internal::CachedListPage> KeptPageOf(const store::CollectionPtr& c,
                                                           const ListResult& out,
                                                           std::size_t prefix) {
    auto kept = std::make_shared<internal::CachedListPage>();
    kept->collection = c;
    kept->items.assign(*out.items_json, prefix);
    kept->item_count = out.item_count;
    kept->total_items = out.total_items;
    kept->total_pages = out.total_pages;
    return kept;
}

}  // namespace

RecordService::RecordService(store::Store& store,
                             SchemaRegistry& registry,
                             net::any_io_executor blocking,
                             files::FileStorage* files,
                             std::size_t list_cache_bytes)
    : store_(store), registry_(registry), blocking_(std::move(blocking)), files_(files) {
    if (list_cache_bytes != 0) {
        list_pages_ = std::make_unique<internal::ListPageCache>(internal::ListPageCache::Limits{
            .max_entries = 1u << 16, .max_cost = list_cache_bytes, .max_age = internal::kListPageMaxAge});
    }
}

net::awaitable<Result<ListResult>> RecordService::List(RequestCtx ctx, std::string collection, ListParams p) {
    schema::SchemaPtr s = registry_.Get();
    const bool su = ctx.auth.IsSuperuser();
    BASALT_CO_TRY(CollectionPtr c, Preflight(*s, collection, &Collection::list_rule, false, su));
    if (!su) {
        for (std::string_view needle : {"@collection.", "@request."}) {
            if (p.filter.find(needle) != std::string::npos || p.sort.find(needle) != std::string::npos) {
                co_return PermissionDenied("Only superusers can filter by " + std::string(needle));
            }
        }
    }
    NormalizePaging(p);

    store::RecordQuery q;
    std::size_t next_param = 1;
    if (!su && c->list_rule && !c->list_rule->empty()) {
        BASALT_CO_TRY(auto rule, internal::CompileRule(store_.dialect(), *c->list_rule, ctx, *s, *c, c->name, next_param));
        next_param += rule.params.size();
        q.where.push_back(std::move(rule));
    }
    if (!p.filter.empty()) {
        BASALT_CO_TRY(auto f, internal::CompileClientFilter(store_.dialect(), p.filter, ctx, *s, *c, c->name, next_param));
        next_param += f.params.size();
        q.where.push_back(std::move(f));
    }
    bool order_varies = false;
    if (!p.sort.empty()) {
        BASALT_CO_TRY(auto order, internal::CompileClientSort(store_.dialect(), p.sort, ctx, *s, *c, c->name, next_param));
        q.order_by = std::move(order.sql);
        q.order_params = std::move(order.params);
        order_varies = order.varies;
    }
    q.limit = p.per_page;
    q.offset = (p.page - 1) * p.per_page;
    if (q.offset < 0 || p.page > (std::int64_t{1} << 40)) {
        co_return InvalidArgument("Invalid page.");
    }
    const internal::ExpandTree tree = ExpandOf(ctx);
    // Rows are written straight into JSON unless records are needed: for expand, or to learn
    // which records the viewer manages (MarkManaged).
    const bool write_rows = p.write_items && tree.children.empty() && !ManageRuleMayApply(ctx, *c);
    // A page written from rows is kept for the next identical request while nothing is written.
    std::string page_key;
    const std::optional<std::uint64_t> epoch = store_.DataEpoch();
    if (write_rows && list_pages_ && epoch) {
        page_key = internal::ListPageKey(*c, ctx.auth, q, order_varies, p.fields ? p.fields->source() : std::string(),
                                         p.skip_total);
    }
    std::optional<Result<ListResult>> result;
    if (!page_key.empty()) {
        if (auto hit = list_pages_->Get(page_key, *epoch); hit && (*hit)->collection == c) {
            result.emplace(FromKeptPage(**hit, p));
        }
    }
    auto unit = [&](store::Tx& tx) -> Result<ListResult> {
        ListResult out;
        out.page = p.page;
        out.per_page = p.per_page;
        store::RecordQuery page = q;
        if (!p.skip_total) {
            // Counted first: the total also tells the store how to scan for the page.
            BASALT_TRY(out.total_items, store::CountRecords(tx, c, q.where));
            out.total_pages = (out.total_items + p.per_page - 1) / p.per_page;
            page.known_matches = out.total_items;
        }
        if (write_rows) {
            // Straight from the rows into JSON: no records, no values built.
            RowWriter writer(tx, *c, ctx.auth, p.fields.get());
            std::string json;
            json.reserve(p.items_prefix.size() + static_cast<std::size_t>(std::min<std::int64_t>(p.per_page, 64)) * 384);
            json += p.items_prefix;
            auto each = [&](std::span<const Field* const> fields, std::span<const store::SqlValueRef> row) {
                if (out.item_count++ != 0) {
                    json.push_back(',');
                }
                writer.Write(json, fields, row);
            };
            BASALT_RETURN_IF_ERROR(store::ScanRecords(tx, c, page, each));
            out.items_json = std::move(json);
            // Kept unless a write committed meanwhile: such a page could never be served.
            if (!page_key.empty() && store_.DataEpoch() == tx.epoch()) {
                auto kept = KeptPageOf(c, out, p.items_prefix.size());
                const std::size_t cost = internal::ListPageCost(*kept);
                list_pages_->Put(page_key, tx.epoch(), std::move(kept), cost);
            }
            return out;
        }
        BASALT_TRY(out.items, store::SelectRecords(tx, c, page));
        BASALT_RETURN_IF_ERROR(MarkManaged(tx, *s, ctx, c, out.items));
        BASALT_RETURN_IF_ERROR(internal::Expand(tx, *s, ctx, out.items, tree));
        out.item_count = out.items.size();
        return out;
    };
    if (!result) {
        auto read = co_await store_.Read(std::move(unit));
        result.emplace(std::move(read));
    }
    // PocketBase's timing hardening: a client probing a rule-protected collection with filters
    // that keep finding nothing is slowed down (a random delay of up to 500 ms once it had 3
    // empty results within 3 s), so response times reveal less about hidden rows.
    if (*result && (*result)->item_count == 0 && !su && !p.filter.empty() && c->list_rule && !c->list_rule->empty() &&
        !empty_lists_.Allow(c->id + "|" + ctx.remote_ip)) {
        net::steady_timer timer(co_await net::this_coro::executor,
                                std::chrono::milliseconds(RandomInt(0, kMaxProbeDelayMs)));
        co_await timer.async_wait(net::use_awaitable);
    }
    co_return std::move(*result);
}

net::awaitable<Result<Record>> RecordService::View(RequestCtx ctx, std::string collection, std::string id) {
    ViewParams p;
    BASALT_CO_TRY(ViewResult r, co_await View(std::move(ctx), std::move(collection), std::move(id), std::move(p)));
    co_return std::move(*r.record);
}

net::awaitable<Result<ViewResult>> RecordService::View(RequestCtx ctx,
                                                       std::string collection,
                                                       std::string id,
                                                       ViewParams p) {
    schema::SchemaPtr s = registry_.Get();
    const bool su = ctx.auth.IsSuperuser();
    BASALT_CO_TRY(CollectionPtr c, Preflight(*s, collection, &Collection::view_rule, false, su));
    std::vector<filter::SqlExpr> where;
    if (!su && !c->view_rule->empty()) {
        BASALT_CO_TRY(auto rule, internal::CompileRule(store_.dialect(), *c->view_rule, ctx, *s, *c, c->name, 2));
        where.push_back(std::move(rule));
    }
    const internal::ExpandTree tree = ExpandOf(ctx);
    if (p.write_json && tree.children.empty() && !ManageRuleMayApply(ctx, *c)) {
        // Straight from the row into JSON, as lists do (RowWriter).
        auto unit = [&](store::Tx& tx) -> Result<std::optional<std::string>> {
            RowWriter writer(tx, *c, ctx.auth, p.fields.get());
            std::optional<std::string> json;
            auto each = [&](std::span<const Field* const> fields, std::span<const store::SqlValueRef> row) {
                json.emplace();
                json->reserve(512);
                writer.Write(*json, fields, row);
            };
            BASALT_RETURN_IF_ERROR(store::ScanRecord(tx, c, id, where, each));
            return json;
        };
        BASALT_CO_TRY(auto json, co_await store_.Read(std::move(unit)));
        if (!json) {
            co_return NotFound();
        }
        ViewResult out;
        out.json = std::move(json);
        co_return out;
    }
    auto unit = [&](store::Tx& tx) -> Result<std::optional<Record>> {
        BASALT_TRY(auto found, store::FindRecord(tx, c, id, where));
        if (found) {
            std::vector<Record> one{std::move(*found)};
            BASALT_RETURN_IF_ERROR(MarkManaged(tx, *s, ctx, c, one));
            BASALT_RETURN_IF_ERROR(internal::Expand(tx, *s, ctx, one, tree));
            found = std::move(one.front());
        }
        return found;
    };
    BASALT_CO_TRY(auto found, co_await store_.Read(std::move(unit)));
    if (!found) {
        co_return NotFound();
    }
    ViewResult out;
    out.record = std::move(*found);
    co_return out;
}

net::awaitable<Result<std::optional<Record>>> RecordService::FindById(std::string collection_id, std::string id) {
    schema::SchemaPtr s = registry_.Get();
    CollectionPtr c = s->FindById(collection_id);
    if (!c) {
        co_return std::optional<Record>{};
    }
    auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, id); };
    co_return co_await store_.Read(std::move(unit));
}

net::awaitable<Result<std::optional<Record>>> RecordService::FindFirstByField(std::string collection,
                                                                             std::string field,
                                                                             std::string value) {
    schema::SchemaPtr s = registry_.Get();
    CollectionPtr c = s->Find(collection);
    if (!c || c->FindField(field) == nullptr) {
        co_return NotFound(std::string(kMissingCollection));
    }
    auto unit = [&](store::Tx& tx) -> Result<std::optional<Record>> {
        const auto& d = tx.dialect();
        store::RecordQuery q;
        q.where.push_back({d.QuoteIdent(c->name) + "." + d.QuoteIdent(field) + " = " + d.Placeholder(1), {value}, {}});
        q.limit = 1;
        BASALT_TRY(auto rows, store::SelectRecords(tx, c, q));
        if (rows.empty()) {
            return std::optional<Record>{};
        }
        return std::optional<Record>(std::move(rows.front()));
    };
    co_return co_await store_.Read(std::move(unit));
}

net::awaitable<Result<WritePlan>> RecordService::PrepareCreate(RequestCtx ctx,
                                                               std::string collection,
                                                               boost::json::object body,
                                                               std::vector<Upload> uploads) {
    BASALT_CO_TRY(WritePlan plan, StartPlan(WritePlan::Kind::kCreate, ctx, registry_.Get(), collection,
                                            &Collection::create_rule, sink_));
    const schema::Schema& s = *plan.schema;
    const bool su = plan.superuser;
    const CollectionPtr c = plan.collection;
    BASALT_CO_TRY(plan.files, BindUploads(files_, *c, body, std::move(uploads)));

    // Assemble the new record: zero values, then the submitted data (with modifiers), then
    // generated values.
    Record& rec = plan.record;
    rec.collection = c;
    for (const auto& f : c->fields) {
        rec.values[f.name] = schema::ZeroValue(f);
    }
    boost::json::object clean = SanitizeBody(*c, body, su);
    boost::json::object& errors = plan.errors;
    if (auto st = schema::ApplyModifiers(*c, rec.values, clean); !st) {
        MergeErrors(errors, st.error().data);
    }
    ValidateFileFields(*c, nullptr, rec.values, plan.files.get(), errors);
    for (const auto& f : c->fields) {
        if (f.type == FieldType::kText) {
            auto& v = rec.values[f.name];
            if (v.is_string() && v.get_string().empty()) {
                if (std::string gen = GenerateText(f); !gen.empty()) {
                    v = gen;
                }
            }
        }
        if (f.type == FieldType::kAutodate && f.on_create) {
            rec.values[f.name] = NowString();
        }
    }
    PasswordInput pw;
    if (c->IsAuth()) {
        pw = TakePasswordInput(body);
        ValidatePassword(*c, pw, true, errors);
        if (!su) {
            // `verified` may only be set by superusers and managers (decided on the virtual row).
            if (auto it = body.find("verified"); it != body.end() && it->value().is_bool() && it->value().get_bool()) {
                plan.verify_by_manage = true;
            }
            rec.values["verified"] = false;
        }
        rec.values["password"] = pw.password;
        if (const Field* tk = c->FindField("tokenKey"); tk != nullptr) {
            std::string key = GenerateText(*tk);
            rec.values["tokenKey"] = key.empty() ? RandomString(50) : key;
        }
    }
    {
        schema::RecordValidationContext vctx;
        boost::json::object to_validate = rec.values;
        if (c->IsAuth()) {
            to_validate["password"] = "-";  // checked on the plain text by ValidatePassword
        }
        if (auto st = schema::ValidateRecord(*c, to_validate, true, vctx); !st) {
            MergeErrors(errors, st.error().data);
        }
    }
    plan.check_rule = !su && c->create_rule && !c->create_rule->empty();
    plan.alias = c->name + "__pb_create__" + RandomString(6, kAlphabetLowerNum);
    if (plan.verify_by_manage) {
        BASALT_CO_TRY(plan.manage_rule, ManageRuleFor(store_.dialect(), ctx, s, *c, plan.alias,
                                                      store::VirtualRowParamCount(rec) + 1));
        if (!plan.manage_rule) {
            plan.verify_by_manage = false;
            errors["verified"] = FieldError("validation_values_mismatch", "Values don't match.");
        }
    }
    if (!errors.empty() && !plan.check_rule) {
        co_return FailedRecord(true, std::move(errors));
    }
    if (plan.check_rule) {
        // The rule sees the body with its modifiers resolved (`n+: 1` as `n`), like PocketBase.
        ctx.info.body = schema::ReplaceModifiers(*c, rec.values, body);
        BASALT_CO_TRY(plan.rule, internal::CompileRule(store_.dialect(), *c->create_rule, ctx, s, *c, plan.alias,
                                                       store::VirtualRowParamCount(rec) + 1));
    }
    if (errors.empty() && c->IsAuth()) {
        std::string plain = pw.password;
        int cost = PasswordCost(*c);
        auto hash_fn = [plain, cost] { return auth::HashPassword(plain, cost); };
        rec.values["password"] = co_await Offload(blocking_, std::move(hash_fn));
    }
    co_return plan;
}

net::awaitable<Result<WritePlan>> RecordService::PrepareUpdate(RequestCtx ctx,
                                                               std::string collection,
                                                               std::string id,
                                                               boost::json::object body,
                                                               std::vector<Upload> uploads) {
    BASALT_CO_TRY(WritePlan plan, StartPlan(WritePlan::Kind::kUpdate, ctx, registry_.Get(), collection,
                                            &Collection::update_rule, sink_));
    const schema::Schema& s = *plan.schema;
    const bool su = plan.superuser;
    const CollectionPtr c = plan.collection;
    BASALT_CO_TRY(plan.files, BindUploads(files_, *c, body, std::move(uploads)));
    plan.id = id;
    plan.check_rule = !su && !c->update_rule->empty();
    if (plan.check_rule && schema::HasModifiers(*c, body)) {
        // Modifiers resolve against the row as it is when the write runs (inside its transaction),
        // so the rule is compiled there; a compile error is reported now all the same.
        ctx.info.body = body;
        BASALT_CO_RETURN_IF_ERROR(internal::CompileRule(store_.dialect(), *c->update_rule, ctx, s, *c, c->name, 2));
        const filter::Dialect* dialect = &store_.dialect();
        auto compile = [dialect, ctx, schema = plan.schema, c](const boost::json::object& resolved) {
            RequestCtx rc = ctx;
            rc.info.body = resolved;
            return internal::CompileRule(*dialect, *c->update_rule, rc, *schema, *c, c->name, 2);
        };
        plan.compile_rule = std::move(compile);
    } else if (plan.check_rule) {
        ctx.info.body = body;
        BASALT_CO_TRY(plan.rule, internal::CompileRule(store_.dialect(), *c->update_rule, ctx, s, *c, c->name, 2));
    }
    BASALT_CO_TRY(plan.manage_rule, ManageRuleFor(store_.dialect(), ctx, s, *c, c->name, 2));
    PasswordInput pw;
    if (c->IsAuth()) {
        pw = TakePasswordInput(body);
    }
    // Password changes need the stored hash (oldPassword) and a new hash, both off the writer.
    if (pw.present && pw.password.empty()) {
        pw.present = false;  // an empty password leaves the stored one unchanged
    }
    if (pw.present) {
        auto read = [&](store::Tx& tx) { return store::FindRecord(tx, c, id); };
        BASALT_CO_TRY(auto stored, co_await store_.Read(std::move(read)));
        if (!stored) {
            co_return NotFound();
        }
        boost::json::object errors;
        ValidatePassword(*c, pw, false, errors);
        bool manager = false;
        if (!su && plan.manage_rule) {
            auto check = [&](store::Tx& tx) { return store::FindRecord(tx, c, id, {*plan.manage_rule}); };
            BASALT_CO_TRY(auto managed, co_await store_.Read(std::move(check)));
            manager = managed.has_value();
        }
        if (!su && !manager && errors.empty()) {
            std::string hash = stored->GetString("password");
            std::string old = pw.old;
            auto verify_fn = [old, hash] { return auth::VerifyPassword(old, hash); };
            bool ok = pw.old_present && co_await Offload(blocking_, std::move(verify_fn));
            if (!ok) {
                errors["oldPassword"] = FieldError("validation_invalid_old_password", "Missing or invalid old password.");
            }
        }
        if (!errors.empty()) {
            co_return FailedRecord(false, std::move(errors));
        }
        std::string plain = pw.password;
        int cost = PasswordCost(*c);
        auto hash_fn = [plain, cost] { return auth::HashPassword(plain, cost); };
        plan.new_hash = co_await Offload(blocking_, std::move(hash_fn));
    }
    plan.body = std::move(body);
    co_return plan;
}

net::awaitable<Result<WritePlan>> RecordService::PrepareDelete(RequestCtx ctx, std::string collection, std::string id) {
    BASALT_CO_TRY(WritePlan plan, StartPlan(WritePlan::Kind::kDelete, ctx, registry_.Get(), collection,
                                            &Collection::delete_rule, sink_));
    const bool su = plan.superuser;
    const CollectionPtr c = plan.collection;
    plan.id = id;
    plan.files = std::make_shared<RecordFiles>(files_);
    plan.check_rule = !su && !c->delete_rule->empty();
    if (plan.check_rule) {
        BASALT_CO_TRY(plan.rule,
                      internal::CompileRule(store_.dialect(), *c->delete_rule, ctx, *plan.schema, *c, c->name, 2));
    }
    co_return plan;
}

namespace {

/// A successful create/update moves its staged files into place (and deletes replaced ones)
/// once the transaction commits.
Result<Record> WithFiles(store::Tx& tx, const WritePlan& plan, const boost::json::object* old_values,
                         Result<Record> saved) {
    if (saved) {
        ScheduleFileChanges(tx, plan.files, *plan.collection, std::string(saved->Id()), old_values, saved->values);
    }
    return saved;
}

Result<Record> ApplyCreate(store::Tx& tx, const WritePlan& plan) {
    if (plan.check_rule) {
        Record virt = plan.record;
        virt.values["verified"] = false;
        BASALT_TRY(bool ok, store::VirtualRowMatches(tx, virt, plan.alias, plan.rule));
        if (!ok) {
            return FailedRecord(true);
        }
    }
    if (!plan.errors.empty()) {
        return FailedRecord(true, plan.errors);
    }
    if (plan.verify_by_manage) {
        Record virt = plan.record;  // verified stays false in the rule's view of the row
        BASALT_TRY(bool manager, store::VirtualRowMatches(tx, virt, plan.alias, *plan.manage_rule));
        if (!manager) {
            return FailedRecord(true, {{"verified", FieldError("validation_values_mismatch", "Values don't match.")}});
        }
        Record rec = plan.record;
        rec.values["verified"] = true;
        rec.managed = true;
        return WithFiles(tx, plan, nullptr, SaveChecked(tx, *plan.schema, std::move(rec), {}, true));
    }
    return WithFiles(tx, plan, nullptr, SaveChecked(tx, *plan.schema, plan.record, {}, true));
}

Result<Record> ApplyUpdate(store::Tx& tx, const WritePlan& plan) {
    const CollectionPtr& c = plan.collection;
    const bool su = plan.superuser;
    BASALT_TRY(auto stored, store::FindRecord(tx, c, plan.id));
    if (!stored) {
        return NotFound();
    }
    if (plan.check_rule) {
        filter::SqlExpr rule = plan.rule;
        if (plan.compile_rule) {
            boost::json::object applied = stored->values;
            (void)schema::ApplyModifiers(*c, applied, plan.body);  // invalid values are reported below
            BASALT_TRY(rule, plan.compile_rule(schema::ReplaceModifiers(*c, applied, plan.body)));
        }
        BASALT_TRY(auto allowed, store::FindRecord(tx, c, plan.id, {rule}));
        if (!allowed) {
            return NotFound();
        }
    }
    bool manager = su;
    if (!su && plan.manage_rule) {
        BASALT_TRY(auto managed, store::FindRecord(tx, c, plan.id, {*plan.manage_rule}));
        manager = managed.has_value();
    }
    Record rec = *stored;
    rec.managed = manager && !su;
    boost::json::object clean = SanitizeBody(*c, plan.body, su);
    clean.erase("id");
    boost::json::object errors;
    if (auto st = schema::ApplyModifiers(*c, rec.values, clean); !st) {
        MergeErrors(errors, st.error().data);
    }
    ValidateFileFields(*c, &stored->values, rec.values, plan.files.get(), errors);
    if (c->IsAuth()) {
        if (!manager) {
            if (auto it = clean.find("verified"); it != clean.end() && rec.values["verified"] != stored->values["verified"]) {
                errors["verified"] = FieldError("validation_values_mismatch", "Values don't match.");
            }
            if (rec.GetString("email") != stored->GetString("email")) {
                errors["email"] = FieldError("validation_values_mismatch", "Values don't match.");
            }
        }
        if (!plan.new_hash.empty()) {
            rec.values["password"] = plan.new_hash;
        }
        if (!plan.new_hash.empty() || rec.GetString("email") != stored->GetString("email")) {
            rec.values["tokenKey"] = RandomString(50);
        }
    }
    for (const auto& f : c->fields) {
        if (f.type == FieldType::kAutodate && f.on_update) {
            rec.values[f.name] = NowString();
        }
    }
    // Validate everything but the stored password hash (validated as plain text when prepared).
    boost::json::object to_validate = rec.values;
    if (c->IsAuth()) {
        to_validate["password"] = "********";
    }
    schema::RecordValidationContext vctx;
    vctx.old_id = std::string(stored->Id());
    if (auto st = schema::ValidateRecord(*c, to_validate, false, vctx); !st) {
        MergeErrors(errors, st.error().data);
    }
    if (c->IsAuth()) {
        errors.erase("password");
    }
    return WithFiles(tx, plan, &stored->values, SaveChecked(tx, *plan.schema, std::move(rec), std::move(errors), false));
}

Status ApplyDelete(store::Tx& tx, const WritePlan& plan) {
    const CollectionPtr& c = plan.collection;
    std::vector<filter::SqlExpr> where;
    if (plan.check_rule) {
        where.push_back(plan.rule);
    }
    BASALT_TRY(auto found, store::FindRecord(tx, c, plan.id, where));
    if (!found) {
        return NotFound();
    }
    if (c->id == kSuperusersId) {
        BASALT_TRY(auto n, store::CountRecords(tx, c, {}));
        if (n <= 1) {
            return InvalidArgument("You can't delete the only existing superuser.");
        }
    }
    std::set<std::string> visited;
    std::vector<RecordChange> changes;
    ChangeSink* sink = ListeningSink(plan.sink);
    BASALT_RETURN_IF_ERROR(internal::DeleteWithReferences(tx, *plan.schema, *found, 0, visited,
                                                          sink != nullptr ? &changes : nullptr));
    PublishOnCommit(tx, sink, std::move(changes));
    ScheduleRecordDirsDelete(tx, plan.files ? plan.files->storage() : nullptr, visited);
    if (c->IsAuth()) {
        // Auth bookkeeping rows of the deleted record (PocketBase deletes them too).
        const auto& d = tx.dialect();
        for (const char* sys : {"_externalAuths", "_mfas", "_otps", "_authOrigins"}) {
            if (plan.schema->Find(sys)) {
                BASALT_TRY(auto n, tx.Exec("DELETE FROM " + d.QuoteIdent(sys) + " WHERE " + d.QuoteIdent("recordRef") +
                                               " = " + d.Placeholder(1) + " AND " + d.QuoteIdent("collectionRef") +
                                               " = " + d.Placeholder(2),
                                           {plan.id, c->id}));
                (void)n;
            }
        }
    }
    return Ok();
}

/// A successful create/update reaches the plan's change sink after the commit (realtime).
Result<Record> Published(store::Tx& tx, const WritePlan& plan, Result<Record> written) {
    if (written && ListeningSink(plan.sink) != nullptr) {
        const auto action = plan.kind == WritePlan::Kind::kCreate ? RecordChange::Action::kCreate
                                                                  : RecordChange::Action::kUpdate;
        PublishOnCommit(tx, plan.sink, {RecordChange{action, *written}});
    }
    return written;
}

}  // namespace

Result<std::optional<Record>> RecordService::Apply(store::Tx& tx, const WritePlan& plan) {
    switch (plan.kind) {
        case WritePlan::Kind::kCreate: {
            BASALT_TRY(auto r, Published(tx, plan, ApplyCreate(tx, plan)));
            return std::optional<Record>(std::move(r));
        }
        case WritePlan::Kind::kUpdate: {
            BASALT_TRY(auto r, Published(tx, plan, ApplyUpdate(tx, plan)));
            return std::optional<Record>(std::move(r));
        }
        case WritePlan::Kind::kDelete: break;
    }
    BASALT_RETURN_IF_ERROR(ApplyDelete(tx, plan));
    return std::optional<Record>{};
}

net::awaitable<Result<Record>> RecordService::Create(RequestCtx ctx,
                                                     std::string collection,
                                                     boost::json::object body,
                                                     std::vector<Upload> uploads) {
    BASALT_CO_TRY(WritePlan plan,
                  co_await PrepareCreate(ctx, std::move(collection), std::move(body), std::move(uploads)));
    auto unit = [&](store::Tx& tx) { return Published(tx, plan, ApplyCreate(tx, plan)); };
    auto written = co_await store_.Write(std::move(unit));
    co_return co_await ExpandWritten(store_, plan.schema, ctx, std::move(written));
}

net::awaitable<Result<Record>> RecordService::Update(RequestCtx ctx,
                                                     std::string collection,
                                                     std::string id,
                                                     boost::json::object body,
                                                     std::vector<Upload> uploads) {
    BASALT_CO_TRY(WritePlan plan, co_await PrepareUpdate(ctx, std::move(collection), std::move(id), std::move(body),
                                                         std::move(uploads)));
    auto unit = [&](store::Tx& tx) { return Published(tx, plan, ApplyUpdate(tx, plan)); };
    auto written = co_await store_.Write(std::move(unit));
    co_return co_await ExpandWritten(store_, plan.schema, ctx, std::move(written));
}

net::awaitable<Status> RecordService::Delete(RequestCtx ctx, std::string collection, std::string id) {
    BASALT_CO_TRY(WritePlan plan, co_await PrepareDelete(ctx, std::move(collection), std::move(id)));
    auto unit = [&](store::Tx& tx) { return ApplyDelete(tx, plan); };
    co_return co_await store_.Write(std::move(unit));
}

net::awaitable<Result<BatchOutcome>> RecordService::Batch(RequestCtx ctx,
                                                          std::vector<BatchAction> actions,
                                                          std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    BatchOutcome out;
    // Per action: the plan to apply; for an upsert also the update alternative, chosen inside
    // the transaction (so an upsert sees records created earlier in the same batch).
    std::vector<Result<WritePlan>> plans;
    std::vector<std::optional<Result<WritePlan>>> upsert_updates;
    std::vector<RequestCtx> contexts;
    plans.reserve(actions.size());
    for (std::size_t i = 0; i < actions.size(); ++i) {
        BatchAction& a = actions[i];
        RequestCtx item = ctx;
        item.info.context = "batch";
        item.info.method = a.method;
        item.info.query = a.query;
        for (auto& [k, v] : a.headers) {
            item.info.headers[k] = v;
        }
        std::optional<Result<WritePlan>> alternative;
        Result<WritePlan> plan = InvalidArgument("Unknown batch request action.");
        switch (a.op) {
            case BatchAction::Op::kCreate:
                plan = co_await PrepareCreate(item, a.collection, a.body, std::move(a.uploads));
                break;
            case BatchAction::Op::kUpdate:
                plan = co_await PrepareUpdate(item, a.collection, a.id, a.body, std::move(a.uploads));
                break;
            case BatchAction::Op::kDelete: plan = co_await PrepareDelete(item, a.collection, a.id); break;
            case BatchAction::Op::kUpsert: {
                // PUT .../records: update when body.id names an existing record, else create.
                plan = co_await PrepareCreate(item, a.collection, a.body, a.uploads);
                if (auto it = a.body.find("id"); it != a.body.end() && it->value().is_string() &&
                                                 !it->value().get_string().empty()) {
                    boost::json::object update_body = a.body;
                    update_body.erase("id");
                    alternative = co_await PrepareUpdate(item, a.collection,
                                                         std::string(it->value().get_string()), update_body,
                                                         std::move(a.uploads));
                }
                break;
            }
        }
        if (!plan && !alternative) {
            out.failed_index = i;
            out.failure = plan.error();
            co_return out;
        }
        plans.push_back(std::move(plan));
        upsert_updates.push_back(std::move(alternative));
        contexts.push_back(std::move(item));
    }
    std::optional<std::size_t> failed;
    Error failure;
    std::vector<schema::SchemaPtr> schemas(plans.size());
    auto unit = [&](store::Tx& tx) -> Result<std::vector<std::optional<Record>>> {
        std::vector<std::optional<Record>> results;
        results.reserve(plans.size());
        for (std::size_t i = 0; i < plans.size(); ++i) {
            if (std::chrono::steady_clock::now() > deadline) {
                return InvalidArgument("Batch transaction timeout.");
            }
            const Result<WritePlan>* chosen = &plans[i];
            if (upsert_updates[i] && *upsert_updates[i]) {
                const WritePlan& up = **upsert_updates[i];
                BASALT_TRY(auto existing, store::FindRecord(tx, up.collection, up.id));
                if (existing) {
                    chosen = &*upsert_updates[i];
                }
            }
            if (!*chosen) {
                failed = i;
                failure = chosen->error();
                return chosen->error();
            }
            schemas[i] = (*chosen)->schema;
            auto r = Apply(tx, **chosen);
            if (!r) {
                failed = i;
                failure = r.error();
                return r.error();
            }
            results.push_back(std::move(*r));
        }
        return results;
    };
    auto written = co_await store_.Write(std::move(unit));
    if (!written) {
        if (failed) {
            out.failed_index = failed;
            out.failure = std::move(failure);
            co_return out;
        }
        co_return written.error();
    }
    out.results = std::move(*written);
    for (std::size_t i = 0; i < out.results.size(); ++i) {
        if (out.results[i]) {
            auto expanded = co_await ExpandWritten(store_, schemas[i], contexts[i], std::move(*out.results[i]));
            if (!expanded) {
                co_return expanded.error();
            }
            out.results[i] = std::move(*expanded);
        }
    }
    co_return out;
}

}  // namespace basalt::service
