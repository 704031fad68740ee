// Record SQL shared by all stores; dialect specifics come through filter::Dialect and Tx.
#include "basalt/store/records.hpp"

#include <algorithm>

namespace basalt::store {

namespace {

/// Appends " WHERE (a) AND (b)" renumbering nothing: expressions must already be numbered in
/// order (SQLite "?" needs no numbering; PostgreSQL callers compile with running indexes).
void AppendWhere(std::string& sql,
                 SqlParams& params,
                 const std::vector<filter::SqlExpr>& where,
                 bool ordered_forms = false) {
    bool first = true;
    for (const auto& w : where) {
        if (w.sql.empty()) {
            continue;
        }
        sql += first ? " WHERE (" : " AND (";
        sql += ordered_forms && !w.ordered_sql.empty() ? w.ordered_sql : w.sql;
        sql += ")";
        first = false;
        params.insert(params.end(), w.params.begin(), w.params.end());
    }
}


/// The field of each result column (nullptr for columns that are not fields).
std::vector<const schema::Field*> ColumnFields(const schema::Collection& c, const std::vector<std::string>& cols) {
    std::vector<const schema::Field*> out;
    out.reserve(cols.size());
    for (const auto& name : cols) {
        out.push_back(c.FindField(name));
    }
    return out;
}

schema::Record MakeRecord(const Tx& tx, const CollectionPtr& c, const std::vector<const schema::Field*>& fields,
                          const std::vector<SqlValue>& row) {
    schema::Record rec;
    rec.collection = c;
    rec.values.reserve(fields.size());
    for (std::size_t i = 0; i < fields.size() && i < row.size(); ++i) {
        if (fields[i] != nullptr) {
            rec.values.emplace(fields[i]->name, tx.ColumnToJson(*fields[i], row[i]));
        }
    }
    return rec;
}

/// The record's column fields present in `values`, with the value bound for each.
std::vector<std::pair<const schema::Field*, SqlValue>> BoundColumns(const Tx& tx, const schema::Record& r,
                                                                    bool skip_id = false) {
    std::vector<std::pair<const schema::Field*, SqlValue>> out;
    out.reserve(r.collection->fields.size());
    for (const auto& f : r.collection->fields) {
        if (skip_id && f.name == "id") {
            continue;
        }
        if (auto it = r.values.find(f.name); it != r.values.end()) {
            out.emplace_back(&f, tx.JsonToColumn(f, it->value()));
        }
    }
    return out;
}

}  // namespace

schema::Record RowToRecord(const Tx& tx,
                           const CollectionPtr& c,
                           const std::vector<std::string>& cols,
                           const std::vector<SqlValue>& row) {
    return MakeRecord(tx, c, ColumnFields(*c, cols), row);
}

namespace {

// Runs a `SELECT COUNT(*) ...`, through the store's cache of totals in read units.
Result<std::int64_t> CachedCount(Tx& tx, const std::string& sql, const SqlParams& params) {
    CountCache* cache = tx.count_cache();
    const std::string key = cache != nullptr ? CountCache::Key(sql, params) : std::string();
    if (!key.empty()) {
        if (auto hit = cache->Get(key, tx.epoch())) {
            return *hit;
        }
    }
    BASALT_TRY(Rows rows, tx.Query(sql, params));
    std::int64_t n = 0;
    if (!rows.rows.empty()) {
        if (const auto* i = std::get_if<std::int64_t>(&rows.rows[0][0])) {
            n = *i;
        }
    }
    if (!key.empty()) {
        cache->Put(key, tx.epoch(), n);
    }
    return n;
}

// Whether an ordered, limited page should use the filters' order-driven forms: only when some
// filter has one and more rows match than a sort of the index-driven result may cost. Without
// a known count, a count capped at the budget decides (cheap: it stops at the budget).
Result<bool> UseOrderedForms(Tx& tx, const std::string& table, const RecordQuery& q) {
    const bool has_forms = std::any_of(q.where.begin(), q.where.end(),
                                       [](const filter::SqlExpr& w) { return !w.ordered_sql.empty(); });
    if (!has_forms || q.order_by.empty() || q.limit < 0) {
        return false;
    }
    if (q.known_matches) {
        return *q.known_matches >= kSortBudget;
    }
    std::string sql = "SELECT COUNT(*) FROM (SELECT 1 FROM " + table;
    SqlParams params;
    AppendWhere(sql, params, q.where);
    sql += " LIMIT " + tx.dialect().Placeholder(params.size() + 1) + ") AS probe";
    params.emplace_back(kSortBudget);
    BASALT_TRY(const std::int64_t n, CachedCount(tx, sql, params));
    return n >= kSortBudget;
}


/// The page query of SelectRecords/ScanRecords.
Result<std::pair<std::string, SqlParams>> SelectSql(Tx& tx, const CollectionPtr& c, const RecordQuery& q) {
    const auto& d = tx.dialect();
    const std::string t = d.QuoteIdent(c->name);
    BASALT_TRY(const bool ordered_forms, UseOrderedForms(tx, t, q));
    std::string sql = "SELECT " + t + ".* FROM " + t;
    SqlParams params;
    AppendWhere(sql, params, q.where, ordered_forms);
    if (!q.order_by.empty()) {
        sql += " ORDER BY " + q.order_by;
        params.insert(params.end(), q.order_params.begin(), q.order_params.end());
    }
    if (q.limit >= 0) {
        sql += " LIMIT " + d.Placeholder(params.size() + 1);
        params.emplace_back(q.limit);
        sql += " OFFSET " + d.Placeholder(params.size() + 1);
        params.emplace_back(q.offset);
    }
    return std::pair{std::move(sql), std::move(params)};
}

}  // namespace

Result<std::vector<schema::Record>> SelectRecords(Tx& tx, const CollectionPtr& c, const RecordQuery& q) {
    BASALT_TRY(auto query, SelectSql(tx, c, q));
    BASALT_TRY(Rows rows, tx.Query(query.first, query.second));
    std::vector<schema::Record> out;
    out.reserve(rows.rows.size());
    const auto fields = ColumnFields(*c, rows.columns);
    for (const auto& r : rows.rows) {
        out.push_back(MakeRecord(tx, c, fields, r));
    }
    return out;
}

namespace {

// Rows of `sql` to `fn`, with the fields of the columns looked up once per query.
Status ScanRows(Tx& tx, const CollectionPtr& c, std::string_view sql, const SqlParams& params, const RecordRowCallback& fn) {
    std::vector<const schema::Field*> fields;
    const std::string_view* bound = nullptr;
    auto each = [&](std::span<const std::string_view> columns, std::span<const SqlValueRef> row) {
        if (columns.data() != bound || fields.size() != columns.size()) {
            // The same names for every row: the fields are looked up once per query.
            fields.clear();
            for (auto name : columns) {
                fields.push_back(c->FindField(name));
            }
            bound = columns.data();
        }
        fn(fields, row);
    };
    return tx.QueryEach(sql, params, each);
}

// The query of FindRecord/ScanRecord: the row with `id` that passes `where`.
std::pair<std::string, SqlParams> FindSql(Tx& tx,
                                          const CollectionPtr& c,
                                          std::string_view id,
                                          const std::vector<filter::SqlExpr>& where) {
    const auto& d = tx.dialect();
    const std::string t = d.QuoteIdent(c->name);
    std::string sql = "SELECT " + t + ".* FROM " + t;
    SqlParams params;
    std::vector<filter::SqlExpr> all;
    all.reserve(where.size() + 1);
    all.push_back({t + "." + d.QuoteIdent("id") + " = " + d.Placeholder(1), {std::string(id)}, {}});
    all.insert(all.end(), where.begin(), where.end());
    AppendWhere(sql, params, all);
    sql += " LIMIT 1";
    return {std::move(sql), std::move(params)};
}

}  // namespace

Status ScanRecords(Tx& tx, const CollectionPtr& c, const RecordQuery& q, const RecordRowCallback& fn) {
    BASALT_TRY(auto query, SelectSql(tx, c, q));
    return ScanRows(tx, c, query.first, query.second, fn);
}

Status ScanRecord(Tx& tx,
                  const CollectionPtr& c,
                  std::string_view id,
                  const std::vector<filter::SqlExpr>& where,
                  const RecordRowCallback& fn) {
    const auto query = FindSql(tx, c, id, where);
    return ScanRows(tx, c, query.first, query.second, fn);
}

Result<std::int64_t> CountRecords(Tx& tx, const CollectionPtr& c, const std::vector<filter::SqlExpr>& where) {
    const std::string t = tx.dialect().QuoteIdent(c->name);
    std::string sql = "SELECT COUNT(*) FROM " + t;
    SqlParams params;
    AppendWhere(sql, params, where);
    return CachedCount(tx, sql, params);
}

Result<std::optional<schema::Record>> FindRecord(Tx& tx,
                                                 const CollectionPtr& c,
                                                 std::string_view id,
                                                 const std::vector<filter::SqlExpr>& where) {
    const auto query = FindSql(tx, c, id, where);
    BASALT_TRY(Rows rows, tx.Query(query.first, query.second));
    if (rows.rows.empty()) {
        return std::optional<schema::Record>{};
    }
    return std::optional<schema::Record>(RowToRecord(tx, c, rows.columns, rows.rows[0]));
}

Status InsertRecord(Tx& tx, const schema::Record& r) {
    const auto& d = tx.dialect();
    std::string cols;
    std::string vals;
    SqlParams params;
    for (auto& [f, v] : BoundColumns(tx, r)) {
        if (!cols.empty()) {
            cols += ", ";
            vals += ", ";
        }
        cols += d.QuoteIdent(f->name);
        vals += d.Placeholder(params.size() + 1);
        params.push_back(std::move(v));
    }
    std::string sql = "INSERT INTO " + d.QuoteIdent(r.collection->name) + " (" + cols + ") VALUES (" + vals + ")";
    BASALT_TRY(auto n, tx.Exec(sql, params));
    (void)n;
    return Ok();
}

Status UpdateRecord(Tx& tx, const schema::Record& r) {
    const auto& d = tx.dialect();
    std::string sets;
    SqlParams params;
    for (auto& [f, v] : BoundColumns(tx, r, true)) {
        if (!sets.empty()) {
            sets += ", ";
        }
        sets += d.QuoteIdent(f->name) + " = " + d.Placeholder(params.size() + 1);
        params.push_back(std::move(v));
    }
    if (sets.empty()) {
        return Ok();
    }
    std::string sql = "UPDATE " + d.QuoteIdent(r.collection->name) + " SET " + sets + " WHERE " +
                      d.QuoteIdent("id") + " = " + d.Placeholder(params.size() + 1);
    params.emplace_back(std::string(r.Id()));
    BASALT_TRY(auto n, tx.Exec(sql, params));
    (void)n;
    return Ok();
}

Result<std::int64_t> DeleteRecord(Tx& tx, const schema::Collection& c, std::string_view id) {
    const auto& d = tx.dialect();
    return tx.Exec("DELETE FROM " + d.QuoteIdent(c.name) + " WHERE " + d.QuoteIdent("id") + " = " + d.Placeholder(1),
                   {std::string(id)});
}

}  // namespace basalt::store

namespace basalt::store {

std::size_t VirtualRowParamCount(const schema::Record& r) {
    std::size_t n = 0;
    for (const auto& f : r.collection->fields) {
        if (r.values.contains(f.name)) {
            ++n;
        }
    }
    return n;
}

Result<bool> VirtualRowMatches(Tx& tx, const schema::Record& r, std::string_view alias, const filter::SqlExpr& rule) {
    const auto& d = tx.dialect();
    std::string cols;
    SqlParams params;
    for (auto& [f, v] : BoundColumns(tx, r)) {
        if (!cols.empty()) {
            cols += ", ";
        }
        cols += d.Placeholder(params.size() + 1) + " AS " + d.QuoteIdent(f->name);
        params.push_back(std::move(v));
    }
    std::string sql = "WITH " + d.QuoteIdent(alias) + " AS (SELECT " + cols + ") SELECT 1 FROM " + d.QuoteIdent(alias);
    if (!rule.sql.empty()) {
        sql += " WHERE (" + rule.sql + ")";
        params.insert(params.end(), rule.params.begin(), rule.params.end());
    }
    sql += " LIMIT 1";
    BASALT_TRY(Rows rows, tx.Query(sql, params));
    return !rows.rows.empty();
}

Result<std::vector<bool>> VirtualRowMatchesEach(Tx& tx, const schema::Record& r, std::string_view alias,
                                                const std::vector<filter::SqlExpr>& exprs) {
    if (exprs.empty()) {
        return std::vector<bool>{};
    }
    const auto& d = tx.dialect();
    std::string cols;
    SqlParams params;
    for (auto& [f, v] : BoundColumns(tx, r)) {
        if (!cols.empty()) {
            cols += ", ";
        }
        cols += d.Placeholder(params.size() + 1) + " AS " + d.QuoteIdent(f->name);
        params.push_back(std::move(v));
    }
    std::string sql = "WITH " + d.QuoteIdent(alias) + " AS (SELECT " + cols + ") SELECT ";
    for (std::size_t i = 0; i < exprs.size(); ++i) {
        if (i != 0) {
            sql += ", ";
        }
        if (exprs[i].sql.empty()) {
            sql += "1";
            continue;
        }
        sql += "CASE WHEN (" + exprs[i].sql + ") THEN 1 ELSE 0 END";
        params.insert(params.end(), exprs[i].params.begin(), exprs[i].params.end());
    }
    sql += " FROM " + d.QuoteIdent(alias);
    BASALT_TRY(Rows rows, tx.Query(sql, params));
    std::vector<bool> out(exprs.size(), false);
    if (rows.rows.empty()) {
        return out;
    }
    for (std::size_t i = 0; i < exprs.size() && i < rows.rows.front().size(); ++i) {
        const SqlValue& v = rows.rows.front()[i];
        if (const auto* n = std::get_if<std::int64_t>(&v)) {
            out[i] = *n != 0;
        } else if (const auto* b = std::get_if<bool>(&v)) {
            out[i] = *b;
        } else if (const auto* x = std::get_if<double>(&v)) {
            out[i] = *x != 0;
        }
    }
    return out;
}

Result<std::vector<schema::Record>> FindReferencing(Tx& tx, const CollectionPtr& other, const schema::Field& f,
                                                    std::string_view id) {
    const auto& d = tx.dialect();
    const std::string t = d.QuoteIdent(other->name);
    const std::string col = t + "." + d.QuoteIdent(f.name);
    std::string sql = "SELECT " + t + ".* FROM " + t + " WHERE ";
    if (f.IsMulti()) {
        sql += "EXISTS (SELECT 1 FROM " + d.JsonEach(col) + " AS __je WHERE __je.value = " + d.Placeholder(1) + ")";
    } else {
        sql += col + " = " + d.Placeholder(1);
    }
    BASALT_TRY(Rows rows, tx.Query(sql, {std::string(id)}));
    std::vector<schema::Record> out;
    for (const auto& r : rows.rows) {
        out.push_back(RowToRecord(tx, other, rows.columns, r));
    }
    return out;
}

Result<std::vector<schema::Record>> SelectFromQuery(Tx& tx, const CollectionPtr& c, std::string_view select_sql,
                                                    std::int64_t limit) {
    const auto& d = tx.dialect();
    std::string sql = "SELECT * FROM (" + std::string(select_sql) + ") LIMIT " + d.Placeholder(1);
    BASALT_TRY(Rows rows, tx.Query(sql, {limit}));
    std::vector<schema::Record> out;
    out.reserve(rows.rows.size());
    const auto fields = ColumnFields(*c, rows.columns);
    for (const auto& r : rows.rows) {
        out.push_back(MakeRecord(tx, c, fields, r));
    }
    return out;
}

Result<std::vector<std::string>> ExistingIds(Tx& tx, const schema::Collection& c, const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    if (ids.empty()) {
        return out;
    }
    const auto& d = tx.dialect();
    std::string sql = "SELECT " + d.QuoteIdent("id") + " FROM " + d.QuoteIdent(c.name) + " WHERE " +
                      d.QuoteIdent("id") + " IN (";
    SqlParams params;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        sql += (i != 0 ? ", " : "") + d.Placeholder(i + 1);
        params.emplace_back(ids[i]);
    }
    sql += ")";
    BASALT_TRY(Rows rows, tx.Query(sql, params));
    for (const auto& r : rows.rows) {
        if (const auto* s = std::get_if<std::string>(&r[0])) {
            out.push_back(*s);
        }
    }
    return out;
}

}  // namespace basalt::store
