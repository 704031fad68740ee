// Public entry points of the PocketBase filter/rule language: text -> (lexer -> parser -> binder
// -> sql_gen) -> SQL text + bound parameters for one SQL dialect. No database handles here.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/base/sql_value.hpp"
#include "basalt/filter/dialect.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::filter {

/// What a rule may read through @request.* (issue #3). Owned by the caller; outlives compilation.
struct RequestInfo {
    std::optional<schema::Record> auth;  // nullopt = guest
    std::string method = "GET";
    std::string context = "default";     // default|expand|realtime|protectedFile|batch|oauth2|...
    std::map<std::string, std::string, std::less<>> query;    // first value per key
    std::map<std::string, std::string, std::less<>> headers;  // normalized names (x_token)
    boost::json::object body;                                  // submitted body after modifiers
};

struct CompileOptions {
    const schema::Schema* schema = nullptr;             // all collections (for relations)
    const schema::Collection* collection = nullptr;     // the collection being queried
    std::string table_alias;                            // alias of the main table in the query
    bool superuser = false;                             // may use hidden fields, @collection, ...
    const RequestInfo* request = nullptr;               // may be null: every @request.* is NULL
    std::size_t max_length = 3500;                      // 0 = unlimited (rules)
    std::size_t max_expressions = 200;
    std::size_t first_param_index = 1;                  // PostgreSQL $n numbering starts here
    bool decorrelate = true;  // relation hops as uncorrelated `col IN (SELECT …)` where equivalent
};

/// A boolean SQL expression (for WHERE) with its parameters, in placeholder order. Relation paths
/// and back-relations compile to correlated subqueries on `table_alias`, so the expression is
/// self-contained and can be ANDed with others.
struct SqlExpr {
    std::string sql;
    SqlParams params;
    /// Set when the filter became a semi-join (`r.author IN (SELECT …)`): the same predicate
    /// and parameters written so the scan is not driven by the index on `r.author`. Counting and
    /// selective pages want `sql` (index lookups, then a small sort); pages over many matches
    /// want this one (walk the ORDER BY index, probe the materialized set, stop at LIMIT).
    std::string ordered_sql;
    /// True when the result can change without any write: the expression reads the clock
    /// (strftime) or random numbers (@random). Such a query's result must not be cached.
    bool varies = false;
};

/// Compiles a filter or rule expression. Errors are kInvalidArgument with a client-safe message.
Result<SqlExpr> CompileFilter(std::string_view expr, const CompileOptions& opts, const Dialect& d);

/// Compiles `sort` ("-created,title,+id", "@random", "@rowid") into an ORDER BY list (without
/// the "ORDER BY" keywords); empty input gives an empty sql.
Result<SqlExpr> CompileSort(std::string_view sort, const CompileOptions& opts, const Dialect& d);

}  // namespace basalt::filter
