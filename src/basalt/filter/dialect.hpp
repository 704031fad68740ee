// The SQL dialect a filter compiles to. Dialect differences (placeholders, identifier quoting,
// JSON functions, LIKE escaping, booleans) live here and in the stores, nowhere else.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace basalt::filter {

enum class DialectKind { kSqlite, kPostgres };

class Dialect {
public:
    virtual ~Dialect() = default;

    virtual DialectKind kind() const = 0;

    /// "?" for SQLite, "$<index>" for PostgreSQL (index is 1-based and global to the query).
    virtual std::string Placeholder(std::size_t index) const = 0;

    /// Quotes an identifier that comes from the schema (never from user input): "name".
    virtual std::string QuoteIdent(std::string_view ident) const = 0;

    /// Expression extracting a JSON path (e.g. "$.a.b[0]") from a JSON column expression,
    /// yielding a scalar comparable with plain SQL operators.
    virtual std::string JsonExtract(std::string_view column_sql, std::string_view json_path) const = 0;

    /// Expression producing a table-valued set of the elements of a JSON array column, usable as
    /// "... FROM <JsonEach(col)> AS alias" with the element exposed as alias.value.
    virtual std::string JsonEach(std::string_view column_sql) const = 0;

    /// Expression for the number of elements of a JSON array column (0 for non-arrays/NULL).
    virtual std::string JsonArrayLength(std::string_view column_sql) const = 0;

    // --- additions (filter issue #2) ---

    /// A boolean constant that cannot be shadowed by a column name ("1"/"0" for SQLite).
    virtual std::string BoolLiteral(bool value) const = 0;

    /// The case-insensitive LIKE operator PocketBase relies on ("LIKE" / "ILIKE").
    virtual std::string_view LikeKeyword() const = 0;

    /// Random ordering expression ("RANDOM()").
    virtual std::string RandomExpr() const = 0;

    /// The physical row id of a table alias ("alias".rowid for SQLite, ctid for PostgreSQL).
    virtual std::string RowIdExpr(std::string_view quoted_alias) const = 0;

    /// `operand` written so that the planner does not drive the scan through an index on it
    /// (SQLite's unary `+`); for planners that cost subqueries themselves, `operand` unchanged.
    virtual std::string WithoutIndex(std::string_view operand) const = 0;
};

const Dialect& SqliteDialect();
const Dialect& PostgresDialect();

}  // namespace basalt::filter
