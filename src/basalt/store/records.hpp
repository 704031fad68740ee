// Record persistence built from the Dialect: SELECT/COUNT/INSERT/UPDATE/DELETE on a collection's
// table. The table is referenced by its own name, which is the alias filters compile against.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "basalt/base/result.hpp"
#include "basalt/filter/filter.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/store/store.hpp"

namespace basalt::store {

/// A compiled list query. `where` and `order_by` come from filter::CompileFilter/CompileSort
/// with `table_alias` = the collection name and parameters numbered from 1.
struct RecordQuery {
    std::vector<filter::SqlExpr> where;  // ANDed; empty = all rows
    std::string order_by;                // without ORDER BY; may be empty
    SqlParams order_params;
    std::int64_t limit = -1;             // -1 = no limit
    std::int64_t offset = 0;
    /// How many rows `where` matches, when the caller already counted them. Only used to choose
    /// between a filter's index-driven and order-driven forms (filter::SqlExpr::ordered_sql).
    std::optional<std::int64_t> known_matches;
};

/// Up to this many matches an ordered page is read through the filter's index and sorted;
/// beyond it, walking the ORDER BY (index) and stopping at LIMIT is cheaper.
inline constexpr std::int64_t kSortBudget = 2048;

using CollectionPtr = std::shared_ptr<const schema::Collection>;

Result<std::vector<schema::Record>> SelectRecords(Tx& tx, const CollectionPtr& c, const RecordQuery& q);
/// Receives the rows of ScanRecords: `fields[i]` is the field of column i (nullptr for a column
/// that is no field) and `row[i]` its stored value, to convert with Tx::WriteColumnJson or
/// Tx::ColumnToJson. Both spans are valid only during the call.
using RecordRowCallback =
    std::function<void(std::span<const schema::Field* const> fields, std::span<const SqlValueRef> row)>;

/// SelectRecords without building records: each row goes to `fn` as it is read (list pages
/// written straight into a response).
Status ScanRecords(Tx& tx, const CollectionPtr& c, const RecordQuery& q, const RecordRowCallback& fn);

/// FindRecord's row, handed to `fn` as ScanRecords does (not called when no row matches).
Status ScanRecord(Tx& tx,
                  const CollectionPtr& c,
                  std::string_view id,
                  const std::vector<filter::SqlExpr>& where,
                  const RecordRowCallback& fn);

Result<std::int64_t> CountRecords(Tx& tx, const CollectionPtr& c, const std::vector<filter::SqlExpr>& where);

/// The record with `id`, if it exists and satisfies every expression of `where`.
Result<std::optional<schema::Record>> FindRecord(Tx& tx,
                                                 const CollectionPtr& c,
                                                 std::string_view id,
                                                 const std::vector<filter::SqlExpr>& where = {});

/// Inserts every column field of the record. Unique violations come back as kAlreadyExists with
/// the SQLite/PostgreSQL message naming the columns or index.
Status InsertRecord(Tx& tx, const schema::Record& r);
/// Updates every column field of the record identified by `r.Id()`.
Status UpdateRecord(Tx& tx, const schema::Record& r);
Result<std::int64_t> DeleteRecord(Tx& tx, const schema::Collection& c, std::string_view id);

/// Builds a Record from one result row (columns matched to fields by name).
schema::Record RowToRecord(const Tx& tx, const CollectionPtr& c, const std::vector<std::string>& cols,
                           const std::vector<SqlValue>& row);

}  // namespace basalt::store

namespace basalt::store {

/// True when a virtual row with `values` (not stored) satisfies `rule`, which was compiled with
/// `table_alias` = `alias` and parameters numbered after the row's columns. Implements
/// PocketBase's create-rule check: WITH alias AS (SELECT ? AS col, ...) SELECT 1 FROM alias WHERE rule.
Result<bool> VirtualRowMatches(Tx& tx, const schema::Record& r, std::string_view alias, const filter::SqlExpr& rule);

/// VirtualRowMatches for many expressions in one query: element i is whether exprs[i] holds
/// (an empty sql holds). Each expression must be compiled with parameters numbered after the
/// row's and after those of the expressions before it (realtime checks many subscribers at once).
Result<std::vector<bool>> VirtualRowMatchesEach(Tx& tx, const schema::Record& r, std::string_view alias,
                                                const std::vector<filter::SqlExpr>& exprs);

/// Number of bound parameters VirtualRowMatches uses for the row itself (for $n numbering).
std::size_t VirtualRowParamCount(const schema::Record& r);

/// Records of `other` whose relation field `f` contains `id`.
Result<std::vector<schema::Record>> FindReferencing(Tx& tx, const CollectionPtr& other, const schema::Field& f,
                                                    std::string_view id);

/// Up to `limit` rows of an arbitrary read-only SELECT, as records of `c` (view dry runs).
Result<std::vector<schema::Record>> SelectFromQuery(Tx& tx, const CollectionPtr& c, std::string_view select_sql,
                                                    std::int64_t limit);

/// Ids among `ids` that exist in collection `c`.
Result<std::vector<std::string>> ExistingIds(Tx& tx, const schema::Collection& c, const std::vector<std::string>& ids);

}  // namespace basalt::store
