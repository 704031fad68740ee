// Collections API use cases.
#include "basalt/service/collections.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "basalt/auth/oauth2_providers.hpp"
#include "basalt/base/json.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/validate.hpp"
#include "basalt/service/internal/cascade.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/store/collection_rows.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

using schema::Collection;
using schema::CollectionType;
using schema::Field;
using schema::FieldType;

namespace {

/// The `_collections` table seen as a collection, so that the filter compiler can run the
/// list endpoint's filter/sort (fields id, created, updated, name, system, type).
std::shared_ptr<const Collection> CollectionsMetaCollection() {
    auto c = std::make_shared<Collection>();
    c->id = "_collections";
    c->name = "_collections";
    auto add = [&](std::string name, FieldType t) {
        Field f;
        f.id = name;
        f.name = std::move(name);
        f.type = t;
        f.Finalize();
        c->fields.push_back(std::move(f));
    };
    add("id", FieldType::kText);
    add("created", FieldType::kText);
    add("updated", FieldType::kText);
    add("name", FieldType::kText);
    add("system", FieldType::kBool);
    add("type", FieldType::kText);
    return c;
}

/// Checks that every rule of `c` compiles against the schema that will hold it.
Status ValidateRules(const filter::Dialect& d, const Collection& c, const schema::Schema& s) {
    boost::json::object errors;
    RequestCtx ctx;
    auto check = [&](const char* key, const std::optional<std::string>& rule) {
        if (!rule || rule->empty()) {
            return;
        }
        filter::CompileOptions o;
        o.schema = &s;
        o.collection = &c;
        o.table_alias = c.name;
        o.superuser = true;
        o.request = &ctx.info;
        o.max_length = 0;
        o.max_expressions = 0;
        if (auto r = filter::CompileFilter(*rule, o, d); !r) {
            errors[key] = FieldError("validation_invalid_rule", "Invalid rule. Raw error: " + r.error().message);
        }
    };
    check("listRule", c.list_rule);
    check("viewRule", c.view_rule);
    check("createRule", c.create_rule);
    check("updateRule", c.update_rule);
    check("deleteRule", c.delete_rule);
    if (c.IsAuth()) {
        check("authRule", c.AuthRule());
        check("manageRule", c.ManageRule());
    }
    if (!errors.empty()) {
        return InvalidArgument("", std::move(errors));
    }
    return Ok();
}

std::shared_ptr<const schema::Schema> WithCollection(const schema::Schema& s, const Collection& c,
                                                     const std::string& replace_id = {}) {
    std::vector<std::shared_ptr<const Collection>> all;
    for (const auto& x : s.all()) {
        if (x->id != c.id && x->id != replace_id) {
            all.push_back(x);
        }
    }
    all.push_back(std::make_shared<const Collection>(c));
    return std::make_shared<const schema::Schema>(std::move(all));
}

/// Reloads the schema inside the transaction and publishes it after commit.
Status PublishAfterCommit(store::Tx& tx, SchemaRegistry& registry) {
    BASALT_TRY(auto cols, store::LoadCollectionRows(tx));
    std::vector<std::shared_ptr<const Collection>> all;
    all.reserve(cols.size());
    for (auto& c : cols) {
        all.push_back(std::make_shared<const Collection>(std::move(c)));
    }
    auto snapshot = std::make_shared<const schema::Schema>(std::move(all));
    tx.OnCommit([&registry, snapshot] { registry.Set(snapshot); });
    return Ok();
}

std::string ReferencingCollection(const schema::Schema& s, const Collection& c) {
    for (const auto& other : s.all()) {
        if (other->id == c.id) {
            continue;
        }
        for (const auto& f : other->fields) {
            if (f.type == FieldType::kRelation && f.collection_id == c.id) {
                return other->name;
            }
        }
    }
    return {};
}

/// Rewrites the table of "CREATE INDEX ... ON <table> (...)" from `from` to `to` (PocketBase
/// keeps a renamed collection's indexes on the renamed table).
std::string RetargetIndex(const std::string& sql, const std::string& from, const std::string& to) {
    std::string lower = ToLower(sql);
    std::size_t on = lower.find(" on ");
    if (on == std::string::npos) {
        return sql;
    }
    std::size_t start = on + 4;
    while (start < sql.size() && sql[start] == ' ') {
        ++start;
    }
    if (start >= sql.size()) {
        return sql;
    }
    char open = sql[start];
    std::size_t name_start = start;
    std::size_t end = 0;
    if (open == '`' || open == '"' || open == '[') {
        char close = open == '[' ? ']' : open;
        name_start = start + 1;
        end = sql.find(close, name_start);
        if (end == std::string::npos) {
            return sql;
        }
    } else {
        end = sql.find_first_of(" (", start);
        if (end == std::string::npos) {
            return sql;
        }
    }
    if (!IEquals(std::string_view(sql).substr(name_start, end - name_start), from)) {
        return sql;
    }
    return sql.substr(0, name_start) + to + sql.substr(end);
}

/// Maps each output alias of a SELECT's column list to its expression, lower-cased (best effort:
/// top-level commas between SELECT and FROM; "expr AS alias" or "expr alias").
std::map<std::string, std::string> SelectExpressions(std::string_view sql) {
    std::map<std::string, std::string> out;
    std::string lower = ToLower(sql);
    std::size_t sel = lower.find("select");
    if (sel == std::string::npos) {
        return out;
    }
    std::size_t i = sel + 6;
    int depth = 0;
    std::size_t start = i;
    std::vector<std::string> items;
    for (; i < lower.size(); ++i) {
        char ch = lower[i];
        if (ch == '(') {
            ++depth;
        } else if (ch == ')') {
            --depth;
        } else if (depth == 0 && ch == ',') {
            items.push_back(lower.substr(start, i - start));
            start = i + 1;
        } else if (depth == 0 && lower.compare(i, 6, " from ") == 0) {
            break;
        }
    }
    items.push_back(lower.substr(start, i - start));
    for (auto& item : items) {
        std::string_view it = Trim(item);
        std::size_t as = it.rfind(" as ");
        std::string alias;
        std::string expr;
        if (as != std::string_view::npos) {
            alias = std::string(Trim(it.substr(as + 4)));
            expr = std::string(Trim(it.substr(0, as)));
        } else {
            std::size_t sp = it.find_last_of(" .");
            alias = std::string(sp == std::string_view::npos ? it : it.substr(sp + 1));
            expr = std::string(it);
        }
        if (alias.size() >= 2 && (alias.front() == '`' || alias.front() == '"' || alias.front() == '[')) {
            alias = alias.substr(1, alias.size() - 2);
        }
        out[alias] = expr;
    }
    return out;
}

/// The field type PocketBase gives a `CAST(... AS type)` column (lower-cased expression): the
/// numeric SQLite types a number, TEXT a text and BOOL/BOOLEAN a bool field.
std::optional<FieldType> CastFieldType(const std::string& expr) {
    static const std::regex kCast(R"(^cast\s*\([\s\S]*\s+as\s+(\w+)\s*\)$)");
    std::smatch m;
    if (!std::regex_match(expr, m, kCast)) {
        return std::nullopt;
    }
    const std::string type = m[1].str();
    if (type == "real" || type == "integer" || type == "int" || type == "decimal" || type == "numeric") {
        return FieldType::kNumber;
    }
    if (type == "text") {
        return FieldType::kText;
    }
    if (type == "boolean" || type == "bool") {
        return FieldType::kBool;
    }
    return std::nullopt;
}

/// PocketBase's view field inference: `id` becomes the standard id field, a column taken from a
/// collection field becomes a clone of that field under the column's name, count()/total() and
/// numeric CASTs become numbers, CAST(... AS TEXT/BOOL) text/bool, and any other expression a
/// json field.
Status InferViewFields(Collection& c, const std::vector<store::QueryColumn>& cols, const schema::Schema& s) {
    const auto exprs = SelectExpressions(c.ViewQuery());
    std::vector<Field> fields;
    bool has_id = false;
    std::set<std::string> seen;
    for (const auto& col : cols) {
        if (!seen.insert(ToLower(col.name)).second) {
            return InvalidArgument("", {{"viewQuery", FieldError("validation_invalid_view_query",
                                                                 "Duplicated column " + col.name + ".")}});
        }
        const Field* old = c.FindField(col.name);
        if (col.name == "id") {
            has_id = true;
            fields.push_back(schema::NewCollection(CollectionType::kBase, "x").fields.front());
            continue;
        }
        Field f;
        const Collection* origin = nullptr;
        if (!col.origin_table.empty()) {
            if (auto oc = s.Find(col.origin_table); oc && ToLower(oc->name) == ToLower(col.origin_table)) {
                origin = oc.get();
            }
        }
        const Field* source = origin != nullptr ? origin->FindField(col.origin_column) : nullptr;
        if (source != nullptr && source->type != FieldType::kPassword) {
            f = *source;
            f.id = old != nullptr && old->type == source->type ? old->id : "_clone_" + RandomString(4);
            if (f.type == FieldType::kAutodate) {
                // keep autodate semantics out of views: expose as read-only date-like values
                f.system = source->system;
            }
        } else {
            auto e = exprs.find(ToLower(col.name));
            std::string expr = e != exprs.end() ? e->second : std::string();
            if (expr.starts_with("count(") || expr.starts_with("total(")) {
                f.type = FieldType::kNumber;
            } else {
                f.type = CastFieldType(expr).value_or(FieldType::kJson);
            }
            f.id = old != nullptr && old->type == f.type ? old->id : "_clone_" + RandomString(4);
            if (f.type == FieldType::kJson) {
                f.options["maxSize"] = 1;
            }
        }
        f.name = col.name;
        f.hidden = false;
        f.Finalize();
        fields.push_back(std::move(f));
    }
    if (!has_id) {
        return InvalidArgument("", {{"viewQuery", FieldError("validation_invalid_view_query",
                                                             "Missing required id column.")}});
    }
    c.fields = std::move(fields);
    return Ok();
}

/// PocketBase imports onto the existing collection: a field the import does not list stays
/// (unless `delete_missing`, which drops the non-system ones), and a listed field that has an
/// existing field's name and type but not its id is that existing field (its column survives).
void KeepExistingFields(const Collection& old, bool delete_missing, Collection& c) {
    for (const auto& f : old.fields) {
        if ((!f.system && delete_missing) || c.FindFieldById(f.id) != nullptr) {
            continue;
        }
        auto same = std::find_if(c.fields.begin(), c.fields.end(), [&](const Field& x) { return x.name == f.name; });
        if (same != c.fields.end() && same->type == f.type) {
            *same = f;
        } else {
            c.fields.push_back(f);  // a same-named field of another type fails validation, as in PocketBase
        }
    }
}

Error WithMessage(Error e, std::string msg) {
    e.message = std::move(msg);
    return e;
}

/// An enabled oauth2 option may only name providers of the catalogue (validation_missing_provider);
/// merged into `errors` beside the schema layer's checks of the same entries.
void CheckOAuth2Providers(const Collection& c, boost::json::object& errors) {
    auto o = c.options.find("oauth2");
    if (o == c.options.end() || !o->value().is_object()) {
        return;
    }
    const auto& oauth2 = o->value().get_object();
    auto enabled = oauth2.find("enabled");
    auto providers = oauth2.find("providers");
    if (enabled == oauth2.end() || enabled->value() != true || providers == oauth2.end() ||
        !providers->value().is_array()) {
        return;
    }
    const auto& list = providers->value().get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto* name = list[i].is_object() ? list[i].get_object().if_contains("name") : nullptr;
        if (name == nullptr || !name->is_string() || name->get_string().empty() ||
            auth::FindProvider(name->get_string()) != nullptr) {
            continue;
        }
        auto obj = [](boost::json::value& v) -> boost::json::object& {
            if (!v.is_object()) {
                v.emplace_object();
            }
            return v.get_object();
        };
        auto& entry = obj(obj(obj(errors["oauth2"])["providers"])[std::to_string(i)]);
        if (!entry.contains("name")) {
            const std::string n(name->get_string());
            entry["name"] = FieldError("validation_missing_provider", "Invalid or missing provider with name " + n + ".",
                                       {{"name", n}});
        }
    }
}

/// Validates a collection destined for `s` (schema + rules), in PocketBase's error shape.
Status ValidateFull(const filter::Dialect& d, const Collection& c, const schema::Schema& s, const Collection* old,
                    const char* fail_msg) {
    boost::json::object errors;
    if (auto st = schema::ValidateCollection(c, s, old); !st) {
        errors = st.error().data;
    }
    CheckOAuth2Providers(c, errors);
    if (errors.empty()) {
        auto next = WithCollection(s, c);
        if (auto st = ValidateRules(d, c, *next); !st) {
            errors = st.error().data;
        }
    }
    if (!errors.empty()) {
        return InvalidArgument(fail_msg, std::move(errors));
    }
    return Ok();
}

}  // namespace

Status CollectionService::Reload() {
    BASALT_TRY(auto cols, store_.LoadCollections());
    std::vector<std::shared_ptr<const Collection>> all;
    for (auto& c : cols) {
        all.push_back(std::make_shared<const Collection>(std::move(c)));
    }
    registry_.Set(std::make_shared<const schema::Schema>(std::move(all)));
    return Ok();
}

net::awaitable<Result<CollectionList>> CollectionService::List(RequestCtx ctx, ListParams p) {
    static const std::shared_ptr<const Collection> meta = CollectionsMetaCollection();
    schema::SchemaPtr s = registry_.Get();
    NormalizePaging(p);
    store::RecordQuery q;
    if (!p.filter.empty()) {
        BASALT_CO_TRY(auto f, internal::CompileClientFilter(store_.dialect(), p.filter, ctx, *s, *meta, meta->name, 1));
        q.where.push_back(std::move(f));
    }
    if (!p.sort.empty()) {
        BASALT_CO_TRY(auto o, internal::CompileClientSort(store_.dialect(), p.sort, ctx, *s, *meta, meta->name,
                                                          1 + (q.where.empty() ? 0 : q.where[0].params.size())));
        q.order_by = std::move(o.sql);
        q.order_params = std::move(o.params);
    } else {
        q.order_by = "rowid";
    }
    q.limit = p.per_page;
    q.offset = (p.page - 1) * p.per_page;
    auto unit = [&](store::Tx& tx) -> Result<CollectionList> {
        CollectionList out;
        out.page = p.page;
        out.per_page = p.per_page;
        BASALT_TRY(auto rows, store::SelectRecords(tx, meta, q));
        for (const auto& r : rows) {
            if (auto c = s->FindById(r.Id())) {
                out.items.push_back(c);
            }
        }
        if (!p.skip_total) {
            BASALT_TRY(out.total_items, store::CountRecords(tx, meta, q.where));
            out.total_pages = (out.total_items + p.per_page - 1) / p.per_page;
        }
        return out;
    };
    co_return co_await store_.Read(std::move(unit));
}

Result<std::shared_ptr<const Collection>> CollectionService::View(const std::string& id_or_name) const {
    auto c = registry_.Get()->Find(id_or_name);
    if (!c) {
        return NotFound();
    }
    return c;
}

net::awaitable<Result<std::shared_ptr<const Collection>>> CollectionService::Create(RequestCtx ctx,
                                                                                    boost::json::value body) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    auto parsed = schema::CollectionFromApiJson(body, nullptr);
    if (!parsed) {
        co_return WithMessage(parsed.error(), "Failed to create collection.");
    }
    Collection c = std::move(*parsed);
    std::string now = NowString();
    c.created = now;
    c.updated = now;
    if (c.IsView()) {
        std::string q = c.ViewQuery();
        auto describe = [&](store::Tx& tx) { return tx.DescribeQuery(q); };
        auto cols = co_await store_.Read(std::move(describe));
        if (!cols) {
            co_return InvalidArgument("Failed to create collection.", {{"viewQuery", FieldError("validation_invalid_view_query",
                                                                          "Invalid view query: " + cols.error().message)}});
        }
        if (auto st = InferViewFields(c, *cols, *s); !st) {
            co_return InvalidArgument("Failed to create collection.", st.error().data);
        }
    }
    BASALT_CO_RETURN_IF_ERROR(ValidateFull(store_.dialect(), c, *s, nullptr, "Failed to create collection."));
    auto unit = [&](store::Tx& tx) -> Status {
        if (auto st = tx.CreateCollectionTable(c); !st) {
            boost::json::object data;
            data[c.IsView() ? "viewQuery" : "indexes"] =
                FieldError(c.IsView() ? "validation_invalid_view_query" : "validation_invalid_index_expression",
                           st.error().message);
            return InvalidArgument("Failed to create collection.", std::move(data));
        }
        BASALT_RETURN_IF_ERROR(store::InsertCollectionRow(tx, c));
        return PublishAfterCommit(tx, registry_);
    };
    BASALT_CO_RETURN_IF_ERROR(co_await store_.Write(std::move(unit)));
    co_return registry_.Get()->FindById(c.id);
}

net::awaitable<Result<std::shared_ptr<const Collection>>> CollectionService::Update(RequestCtx ctx,
                                                                                    std::string id_or_name,
                                                                                    boost::json::value body) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    auto old = s->Find(id_or_name);
    if (!old) {
        co_return NotFound();
    }
    auto parsed = schema::CollectionFromApiJson(body, old.get());
    if (!parsed) {
        co_return WithMessage(parsed.error(), "Failed to update collection.");
    }
    Collection c = std::move(*parsed);
    c.id = old->id;
    c.created = old->created;
    c.updated = NowString();
    if (c.name != old->name) {
        for (auto& idx : c.indexes) {
            idx = RetargetIndex(idx, old->name, c.name);
        }
    }
    if (c.IsView()) {
        std::string q = c.ViewQuery();
        auto describe = [&](store::Tx& tx) { return tx.DescribeQuery(q); };
        auto cols = co_await store_.Read(std::move(describe));
        if (!cols) {
            co_return InvalidArgument("Failed to update collection.", {{"viewQuery", FieldError("validation_invalid_view_query",
                                                                          "Invalid view query: " + cols.error().message)}});
        }
        if (auto st = InferViewFields(c, *cols, *s); !st) {
            co_return InvalidArgument("Failed to update collection.", st.error().data);
        }
    }
    BASALT_CO_RETURN_IF_ERROR(ValidateFull(store_.dialect(), c, *s, old.get(), "Failed to update collection."));
    auto unit = [&](store::Tx& tx) -> Status {
        if (auto st = tx.AlterCollectionTable(*old, c); !st) {
            boost::json::object data;
            data[c.IsView() ? "viewQuery" : "indexes"] =
                FieldError(c.IsView() ? "validation_invalid_view_query" : "validation_invalid_index_expression",
                           st.error().message);
            return InvalidArgument("Failed to update collection.", std::move(data));
        }
        BASALT_RETURN_IF_ERROR(store::UpdateCollectionRow(tx, c));
        return PublishAfterCommit(tx, registry_);
    };
    BASALT_CO_RETURN_IF_ERROR(co_await store_.Write(std::move(unit)));
    co_return registry_.Get()->FindById(c.id);
}

net::awaitable<Status> CollectionService::Delete(RequestCtx ctx, std::string id_or_name) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    auto c = s->Find(id_or_name);
    if (!c) {
        co_return NotFound();
    }
    if (c->system) {
        co_return InvalidArgument("Failed to delete collection due to system collection.");
    }
    if (std::string ref = ReferencingCollection(*s, *c); !ref.empty()) {
        co_return InvalidArgument("Failed to delete collection probably due to existing reference in " + ref + ".");
    }
    auto unit = [&](store::Tx& tx) -> Status {
        BASALT_RETURN_IF_ERROR(tx.DropCollectionTable(*c));
        BASALT_RETURN_IF_ERROR(store::DeleteCollectionRow(tx, *c));
        ScheduleRecordDirsDelete(tx, files_, {c->id});
        return PublishAfterCommit(tx, registry_);
    };
    co_return co_await store_.Write(std::move(unit));
}

net::awaitable<Status> CollectionService::Truncate(RequestCtx ctx, std::string id_or_name) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    auto c = s->Find(id_or_name);
    if (!c) {
        co_return NotFound();
    }
    if (c->IsView()) {
        co_return InvalidArgument("View collections cannot be truncated since they don't store their own records.");
    }
    const bool referenced = !ReferencingCollection(*s, *c).empty();
    auto unit = [&](store::Tx& tx) -> Status {
        const auto& d = tx.dialect();
        if (!referenced) {
            BASALT_TRY(auto n, tx.Exec("DELETE FROM " + d.QuoteIdent(c->name), {}));
            (void)n;
            ScheduleRecordDirsDelete(tx, files_, {c->id});
            return Ok();
        }
        // Referenced: delete record by record so that cascades and detaches happen.
        BASALT_TRY(auto all, store::SelectRecords(tx, c, {}));
        std::set<std::string> visited;
        for (const auto& r : all) {
            if (visited.contains(c->id + "/" + std::string(r.Id()))) {
                continue;
            }
            BASALT_RETURN_IF_ERROR(internal::DeleteWithReferences(tx, *s, r, 0, visited));
        }
        ScheduleRecordDirsDelete(tx, files_, visited);
        return Ok();
    };
    co_return co_await store_.Write(std::move(unit));
}

net::awaitable<Status> CollectionService::Import(RequestCtx ctx, boost::json::value body) {
    (void)ctx;
    const char* kFail = "Failed to import collections.";
    if (!body.is_object()) {
        co_return InvalidArgument(kFail);
    }
    const auto& o = body.get_object();
    auto it = o.find("collections");
    if (it == o.end() || !it->value().is_array() || it->value().get_array().empty()) {
        co_return InvalidArgument(
            "An error occurred while validating the submitted data.",
            {{"collections", FieldError("validation_required", "Cannot be blank.")}});
    }
    bool delete_missing = false;
    if (auto dm = o.find("deleteMissing"); dm != o.end() && dm->value().is_bool()) {
        delete_missing = dm->value().get_bool();
    }
    schema::SchemaPtr s = registry_.Get();
    // Build the target schema: imported collections replace existing ones with the same id/name.
    std::vector<std::pair<std::shared_ptr<const Collection>, Collection>> changes;  // old (may be null), new
    std::set<std::string> imported_ids;
    std::vector<std::shared_ptr<const Collection>> target;
    for (const auto& item : it->value().get_array()) {
        std::shared_ptr<const Collection> old;
        if (item.is_object()) {
            const auto& io = item.get_object();
            if (auto id = io.find("id"); id != io.end() && id->value().is_string() && !id->value().get_string().empty()) {
                old = s->FindById(id->value().get_string());
            }
            if (!old) {
                if (auto nm = io.find("name"); nm != io.end() && nm->value().is_string()) {
                    old = s->Find(nm->value().get_string());
                }
            }
        }
        auto parsed = schema::CollectionFromApiJson(item, old.get());
        if (!parsed) {
            co_return InvalidArgument(kFail, {{"collections", FieldError("validation_collections_import_failure",
                                                                         parsed.error().message)}});
        }
        Collection c = std::move(*parsed);
        if (old) {
            c.id = old->id;
            c.created = old->created;
            KeepExistingFields(*old, delete_missing, c);
        } else {
            c.created = NowString();
        }
        c.updated = NowString();
        imported_ids.insert(c.id);
        changes.emplace_back(old, std::move(c));
    }
    // Views last: a view's query may read the tables imported with it (PocketBase orders them so).
    std::stable_partition(changes.begin(), changes.end(), [](const auto& ch) { return !ch.second.IsView(); });
    for (const auto& x : s->all()) {
        if (!imported_ids.contains(x->id) && (!delete_missing || x->system)) {
            target.push_back(x);
        }
    }
    for (const auto& [old, c] : changes) {
        target.push_back(std::make_shared<const Collection>(c));
    }
    schema::Schema next(target);
    schema::Schema others(s->all());
    // A collection's errors in PocketBase's shape, or an empty object. `all` already holds the
    // imported collection itself, so a new one is validated as an unchanged copy of itself
    // (PocketBase saves first and validates with original = imported); its id and name are
    // checked on their own against the collections that existed before.
    auto validate = [&](const Collection* old, const Collection& c, const schema::Schema& all) {
        boost::json::object errors;
        Status st = schema::ValidateCollection(c, all, old != nullptr ? old : &c);
        if (!st) {
            return st.error().data;
        }
        if (old == nullptr) {
            if (auto fresh = schema::ValidateCollection(c, others, nullptr); !fresh) {
                for (const char* key : {"id", "name"}) {
                    if (const auto* e = fresh.error().data.if_contains(key)) {
                        errors[key] = *e;
                    }
                }
            }
        }
        if (errors.empty()) {
            if (auto rt = ValidateRules(store_.dialect(), c, all); !rt) {
                errors = rt.error().data;
            }
        }
        return errors;
    };
    // PocketBase names the collection and includes its validation errors, so an import script
    // can say what is wrong.
    auto failure = [&](const Collection& c, const boost::json::object& errors) {
        return InvalidArgument(kFail, {{"collections",
                                        FieldError("validation_collections_import_failure",
                                                   "Data validations failed for collection \"" + c.name + "\" (" +
                                                       c.id + "):\n" +
                                                       json::Serialize(json::SortedKeys(errors, true)))}});
    };
    for (const auto& [old, c] : changes) {
        if (c.IsView()) {
            continue;  // its fields come from its query, once the tables it reads exist (below)
        }
        if (auto errors = validate(old.get(), c, next); !errors.empty()) {
            co_return failure(c, errors);
        }
    }
    std::vector<std::shared_ptr<const Collection>> to_delete;
    if (delete_missing) {
        for (const auto& x : s->all()) {
            if (!imported_ids.contains(x->id) && !x->system) {
                to_delete.push_back(x);
            }
        }
    }
    auto unit = [&](store::Tx& tx) -> Status {
        for (const auto& x : to_delete) {
            BASALT_RETURN_IF_ERROR(tx.DropCollectionTable(*x));
            BASALT_RETURN_IF_ERROR(store::DeleteCollectionRow(tx, *x));
            ScheduleRecordDirsDelete(tx, files_, {x->id});
        }
        for (auto& [old, c] : changes) {
            if (c.IsView()) {
                // Like PocketBase: the view's fields are inferred from its query, which may read
                // the tables created above in this transaction.
                auto cols = tx.DescribeQuery(c.ViewQuery());
                if (!cols) {
                    return failure(c, {{"viewQuery", FieldError("validation_invalid_view_query",
                                                                "Invalid view query: " + cols.error().message)}});
                }
                if (auto st = InferViewFields(c, *cols, next); !st) {
                    return failure(c, st.error().data);
                }
                if (auto errors = validate(old.get(), c, *WithCollection(next, c)); !errors.empty()) {
                    return failure(c, errors);
                }
            }
            Status st = old ? tx.AlterCollectionTable(*old, c) : tx.CreateCollectionTable(c);
            if (!st) {
                return InvalidArgument(kFail, {{"collections", FieldError("validation_collections_import_failure",
                                                                          st.error().message)}});
            }
            BASALT_RETURN_IF_ERROR(old ? store::UpdateCollectionRow(tx, c) : store::InsertCollectionRow(tx, c));
        }
        return PublishAfterCommit(tx, registry_);
    };
    co_return co_await store_.Write(std::move(unit));
}

}  // namespace basalt::service

namespace basalt::service {

net::awaitable<Result<CollectionService::DryRun>> CollectionService::DryRunView(RequestCtx ctx, std::string query) {
    (void)ctx;
    constexpr std::size_t kMaxQuery = 5000;
    const char* kFail = "An error occurred while validating the submitted data.";
    if (Trim(query).empty()) {
        co_return InvalidArgument(kFail, {{"query", FieldError("validation_required", "Cannot be blank.")}});
    }
    if (query.size() > kMaxQuery) {
        co_return InvalidArgument(kFail, {{"query", FieldError("validation_length_out_of_range",
                                                               "The length must be between 1 and 5000.",
                                                               {{"min", 1}, {"max", 5000}})}});
    }
    schema::SchemaPtr s = registry_.Get();
    Collection c = schema::NewCollection(CollectionType::kView, "__pb_dry_run__");
    c.options["viewQuery"] = query;
    auto describe = [&](store::Tx& tx) { return tx.DescribeQuery(query); };
    auto cols = co_await store_.Read(std::move(describe));
    if (!cols) {
        co_return InvalidArgument(kFail, {{"query", FieldError("validation_invalid_view_query",
                                                               "Invalid view query: " + cols.error().message)}});
    }
    if (auto st = InferViewFields(c, *cols, *s); !st) {
        boost::json::object data;
        if (auto it = st.error().data.find("viewQuery"); it != st.error().data.end()) {
            data["query"] = it->value();
        }
        co_return InvalidArgument(kFail, std::move(data));
    }
    auto col = std::make_shared<const Collection>(std::move(c));
    auto sample = [&](store::Tx& tx) { return store::SelectFromQuery(tx, col, query, 10); };
    auto rows = co_await store_.Read(std::move(sample));
    if (!rows) {
        co_return InvalidArgument(kFail, {{"query", FieldError("validation_invalid_view_query",
                                                               "Invalid view query: " + rows.error().message)}});
    }
    DryRun out;
    out.collection = col;
    out.sample = std::move(*rows);
    co_return out;
}

}  // namespace basalt::service
