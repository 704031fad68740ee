// expand: one batched query per relation key and level.
#include "basalt/service/internal/expand.hpp"

#include <set>
#include <unordered_map>

#include "basalt/base/strings.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/service/internal/cascade.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service::internal {

using schema::Collection;
using schema::Field;
using schema::FieldType;
using schema::Record;

namespace {

constexpr std::size_t kIdsPerQuery = 500;

/// `"t"."col" IN (?, ?, ...)` with placeholders numbered from 1.
filter::SqlExpr InIds(const filter::Dialect& d, const std::string& column_sql, const std::vector<std::string>& ids) {
    filter::SqlExpr e;
    e.sql = column_sql + " IN (";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        e.sql += (i != 0 ? ", " : "") + d.Placeholder(i + 1);
        e.params.emplace_back(ids[i]);
    }
    e.sql += ")";
    return e;
}

/// Records of `target` matching `match` (built by the caller for a chunk of ids) that the
/// requester may view. nullopt when the target's view rule hides everything (null rule).
Result<std::optional<std::vector<Record>>> FetchVisible(
    store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, const std::shared_ptr<const Collection>& target,
    const std::vector<std::string>& ids, const std::function<filter::SqlExpr(const std::vector<std::string>&)>& match,
    std::int64_t limit) {
    const bool su = ctx.auth.IsSuperuser();
    if (!su && !target->view_rule) {
        return std::optional<std::vector<Record>>{};
    }
    std::vector<Record> out;
    for (std::size_t start = 0; start < ids.size(); start += kIdsPerQuery) {
        std::vector<std::string> chunk(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                       ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kIdsPerQuery)));
        store::RecordQuery q;
        q.where.push_back(match(chunk));
        if (!su && !target->view_rule->empty()) {
            RequestCtx rc = ctx;
            rc.info.context = "expand";
            BASALT_TRY(auto rule, CompileRule(tx.dialect(), *target->view_rule, rc, s, *target, target->name,
                                              chunk.size() + 1));
            q.where.push_back(std::move(rule));
        }
        q.limit = limit;
        BASALT_TRY(auto rows, store::SelectRecords(tx, target, q));
        for (auto& r : rows) {
            out.push_back(std::move(r));
        }
    }
    return std::optional<std::vector<Record>>(std::move(out));
}

Status ExpandRelation(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<Record>& records,
                      const std::string& key, const Field& f, const ExpandTree& sub, int depth);
Status ExpandBackRelation(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<Record>& records,
                          const std::string& key, const ExpandTree& sub, int depth);

/// Marks the records as having "expand" in their JSON (an existing relation was requested).
void MarkRequested(std::vector<Record>& records) {
    for (auto& r : records) {
        r.expand_requested = true;
    }
}

Status ExpandLevel(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<Record>& records,
                   const ExpandTree& tree, int depth) {
    if (records.empty() || tree.children.empty() || depth >= kMaxExpandDepth) {
        return Ok();
    }
    const Collection& c = *records.front().collection;
    for (const auto& [key, sub] : tree.children) {
        if (const Field* f = c.FindField(key); f != nullptr) {
            if (f->type == FieldType::kRelation) {
                BASALT_RETURN_IF_ERROR(ExpandRelation(tx, s, ctx, records, key, *f, sub, depth));
            }
            continue;
        }
        if (key.find("_via_") != std::string::npos) {
            BASALT_RETURN_IF_ERROR(ExpandBackRelation(tx, s, ctx, records, key, sub, depth));
        }
    }
    return Ok();
}

Status ExpandRelation(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<Record>& records,
                      const std::string& key, const Field& f, const ExpandTree& sub, int depth) {
    auto target = s.FindById(f.collection_id);
    if (!target) {
        return Ok();
    }
    MarkRequested(records);
    std::vector<std::string> ids;
    std::set<std::string> seen;
    for (const auto& r : records) {
        auto it = r.values.find(f.name);
        if (it == r.values.end()) {
            continue;
        }
        for (auto& id : RelationIds(it->value())) {
            if (seen.insert(id).second) {
                ids.push_back(id);
            }
        }
    }
    if (ids.empty()) {
        return Ok();
    }
    const auto& d = tx.dialect();
    const std::string col = d.QuoteIdent(target->name) + "." + d.QuoteIdent("id");
    auto match = [&](const std::vector<std::string>& chunk) { return InIds(d, col, chunk); };
    BASALT_TRY(auto fetched, FetchVisible(tx, s, ctx, target, ids, match, -1));
    if (!fetched) {
        return Ok();
    }
    BASALT_RETURN_IF_ERROR(ExpandLevel(tx, s, ctx, *fetched, sub, depth + 1));
    std::unordered_map<std::string, const Record*> by_id;
    for (const auto& r : *fetched) {
        by_id.emplace(std::string(r.Id()), &r);
    }
    for (auto& r : records) {
        auto it = r.values.find(f.name);
        if (it == r.values.end()) {
            continue;
        }
        schema::Expanded ex;
        ex.multi = f.IsMulti();
        for (const auto& id : RelationIds(it->value())) {  // the record's own order
            if (auto found = by_id.find(id); found != by_id.end()) {
                ex.records.push_back(*found->second);
            }
        }
        if (!ex.records.empty()) {
            r.expand[key] = std::move(ex);
        }
    }
    return Ok();
}

Status ExpandBackRelation(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<Record>& records,
                          const std::string& key, const ExpandTree& sub, int depth) {
    const Collection& c = *records.front().collection;
    const std::size_t via = key.find("_via_");
    auto other = s.Find(key.substr(0, via));
    if (!other || other->IsView()) {
        return Ok();
    }
    const Field* f = other->FindField(key.substr(via + 5));
    if (f == nullptr || f->type != FieldType::kRelation || f->collection_id != c.id) {
        return Ok();
    }
    MarkRequested(records);
    std::vector<std::string> ids;
    for (const auto& r : records) {
        ids.emplace_back(r.Id());
    }
    const auto& d = tx.dialect();
    const std::string col = d.QuoteIdent(other->name) + "." + d.QuoteIdent(f->name);
    auto match = [&](const std::vector<std::string>& chunk) {
        if (!f->IsMulti()) {
            return InIds(d, col, chunk);
        }
        filter::SqlExpr in = InIds(d, "__je.value", chunk);
        in.sql = "EXISTS (SELECT 1 FROM " + d.JsonEach(col) + " AS __je WHERE " + in.sql + ")";
        return in;
    };
    BASALT_TRY(auto fetched, FetchVisible(tx, s, ctx, other, ids, match, kMaxBackRelationRows));
    if (!fetched) {
        return Ok();
    }
    BASALT_RETURN_IF_ERROR(ExpandLevel(tx, s, ctx, *fetched, sub, depth + 1));
    const bool multi = f->IsMulti() || !schema::HasSingleColumnUniqueIndex(other->indexes, f->name);
    std::unordered_map<std::string, std::vector<const Record*>> by_ref;
    for (const auto& r : *fetched) {
        auto it = r.values.find(f->name);
        if (it == r.values.end()) {
            continue;
        }
        for (const auto& id : RelationIds(it->value())) {
            by_ref[id].push_back(&r);
        }
    }
    for (auto& r : records) {
        auto it = by_ref.find(std::string(r.Id()));
        if (it == by_ref.end()) {
            continue;
        }
        schema::Expanded ex;
        ex.multi = multi;
        for (const auto* rel : it->second) {
            ex.records.push_back(*rel);
        }
        r.expand[key] = std::move(ex);
    }
    return Ok();
}

}  // namespace

ExpandTree ParseExpand(std::string_view expand) {
    ExpandTree root;
    for (auto path : Split(expand, ',')) {
        std::string clean;
        for (char ch : path) {
            if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
                clean.push_back(ch);
            }
        }
        if (clean.empty()) {
            continue;
        }
        ExpandTree* node = &root;
        int level = 0;
        for (auto seg : Split(clean, '.')) {
            if (seg.empty() || ++level > kMaxExpandDepth) {
                break;
            }
            node = &node->children[std::string(seg)];
        }
    }
    return root;
}

Status Expand(store::Tx& tx, const schema::Schema& s, const RequestCtx& ctx, std::vector<Record>& records,
              const ExpandTree& tree) {
    return ExpandLevel(tx, s, ctx, records, tree, 0);
}

}  // namespace basalt::service::internal
