// Stage 3 output: the bound filter tree. Every identifier is resolved to a column of the main
// table or of a join, a bound parameter or NULL; relation hops, back-relations, @collection and
// JSON-array iteration are explicit joins. Produced by binder.cpp, consumed by sql_gen.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "basalt/base/sql_value.hpp"
#include "basalt/filter/ast.hpp"

namespace basalt::filter {

/// SQL text whose parameter placeholders are still the marker kParamMarker (numbered only at
/// the very end, so fragments can be concatenated and duplicated freely) with its parameters in
/// textual order.
struct SqlFragment {
    std::string sql;
    SqlParams params;
    /// The same predicate with the same parameters, for ordered and limited scans: a semi-join
    /// that must not drive the scan through the outer column's index (empty = same as `sql`).
    std::string ordered_sql;
    /// True when the result can change without any write: it reads the clock (strftime) or
    /// random numbers (@random). Such a query's result must not be cached.
    bool varies = false;
};

inline constexpr char kParamMarker = '\x01';

/// The SQL alias of join `id` under an alias prefix (nested rule compilations extend the prefix).
inline std::string JoinAlias(const std::string& prefix, int id) {
    return prefix + "_j" + std::to_string(id);
}

inline constexpr int kMainSource = -1;

enum class ValueKind {
    kNull,         // SQL NULL
    kParam,        // a bound parameter
    kColumn,       // source.column (source: kMainSource or a join id; json_each joins: "value")
    kJsonExtract,  // JSON path of args[0]
    kLower,        // LOWER(args[0])
    kJsonLength,   // number of elements of the JSON array args[0]
    kGeoDistance,  // args: lonA, latA, lonB, latB
    kStrftime,     // args: format, time, modifiers...
    kIsNot,        // (args[0] IS NOT args[1]) as a boolean value (:changed)
    kRowId,        // physical row id of the main table (sort only)
    kRandom,       // random value (sort only)
};

struct BoundValue;
using BoundValuePtr = std::shared_ptr<const BoundValue>;

/// A resolved operand. `chain` lists (ascending) every join the value reads; `multi` is true when
/// one of them can yield several rows per main row (multi fields, multi relations, back-relations,
/// @collection), which makes plain operators mean "all values" and ?-operators "any value".
struct BoundValue {
    ValueKind kind = ValueKind::kNull;
    SqlValue param;
    int source = kMainSource;
    std::string column;
    std::string json_path;  // "$", "$.a.b[0]"
    std::vector<BoundValuePtr> args;
    bool no_coalesce = false;  // JSON paths and functions compare with plain IS / IS NOT
    std::vector<int> chain;
    bool multi = false;
    BoundValuePtr guard;  // must be true for the comparison to hold (auth email visibility)
};

/// A join the filter needs. Emitted as "LEFT JOIN <table or json_each> AS <alias> ON <cond>";
/// `chain` is this join's ancestors plus itself, in emission order.
struct BoundJoin {
    enum class Kind { kJsonEach, kTable };
    enum class On {
        kAlways,       // @collection joins, json_each
        kIdEquals,     // alias.id = on_value
        kBackSingle,   // alias.back_field = on_value (parent id)
        kBackMulti,    // on_value IN (elements of alias.back_field)
    };
    int id = 0;
    Kind kind = Kind::kTable;
    BoundValuePtr array;  // kJsonEach: the JSON array value
    std::string table;    // kTable: collection (table) name
    On on = On::kAlways;
    BoundValuePtr on_value;
    std::string back_field;
    std::optional<SqlFragment> rule;  // listRule of the joined collection, bound to this alias
    std::vector<int> chain;
    bool multi = false;
};

struct BoundExpr;
using BoundExprPtr = std::unique_ptr<BoundExpr>;

struct BoundExpr {
    enum class Kind { kAnd, kOr, kCompare };
    Kind kind = Kind::kCompare;
    std::vector<BoundExprPtr> children;
    BoundValuePtr lhs;
    ast::CompareOp op = ast::CompareOp::kEq;
    bool any = false;
    BoundValuePtr rhs;
};

/// A bound filter: the tree plus the joins it refers to (index = join id).
struct BoundFilter {
    BoundExprPtr root;
    std::vector<BoundJoin> joins;
    std::string alias_prefix;  // join aliases are JoinAlias(alias_prefix, id)
    bool varies = false;       // see SqlFragment::varies
};

}  // namespace basalt::filter
