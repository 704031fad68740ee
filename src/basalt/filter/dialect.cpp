// The two SQL dialects a filter compiles to (SQLite, PostgreSQL): placeholders, quoting and the
// JSON helpers, mirroring PocketBase's dbutils for SQLite.
#include "basalt/filter/dialect.hpp"

#include <string>

namespace basalt::filter {

namespace {

std::string QuoteWith(std::string_view ident) {
    std::string out = "\"";
    for (char c : ident) {
        if (c == '"') {
            out += '"';
        }
        out += c;
    }
    out += '"';
    return out;
}

// The column as a JSON array: arrays as-is, anything else wrapped as a one-element array.
std::string SqliteAsArray(std::string_view c) {
    std::string s(c);
    return "CASE WHEN iif(json_valid(" + s + "), json_type(" + s + ")='array', 0) THEN " + s +
           " ELSE json_array(" + s + ") END";
}

class SqliteDialectImpl final : public Dialect {
public:
    DialectKind kind() const override { return DialectKind::kSqlite; }

    std::string Placeholder(std::size_t /*index*/) const override { return "?"; }

    std::string QuoteIdent(std::string_view ident) const override { return QuoteWith(ident); }

    std::string JsonExtract(std::string_view column_sql, std::string_view json_path) const override {
        // "$" alone or "$.a[0]"; the non-JSON branch wraps the raw value so primitives still work.
        std::string c(column_sql);
        std::string rest(json_path.size() > 1 ? json_path.substr(1) : std::string_view{});
        return "(CASE WHEN json_valid(" + c + ") THEN JSON_EXTRACT(" + c + ", '$" + rest +
               "') ELSE JSON_EXTRACT(json_object('pb', " + c + "), '$.pb" + rest + "') END)";
    }

    std::string JsonEach(std::string_view column_sql) const override {
        return "json_each(" + SqliteAsArray(column_sql) + ")";
    }

    std::string JsonArrayLength(std::string_view column_sql) const override {
        std::string c(column_sql);
        return "json_array_length(CASE WHEN iif(json_valid(" + c + "), json_type(" + c +
               ")='array', 0) THEN " + c + " ELSE (CASE WHEN " + c + " = '' OR " + c +
               " IS NULL THEN json_array() ELSE json_array(" + c + ") END) END)";
    }

    std::string BoolLiteral(bool value) const override { return value ? "1" : "0"; }

    std::string_view LikeKeyword() const override { return "LIKE"; }

    std::string WithoutIndex(std::string_view operand) const override { return "+" + std::string(operand); }
    std::string RandomExpr() const override { return "RANDOM()"; }

    std::string RowIdExpr(std::string_view quoted_alias) const override {
        return std::string(quoted_alias) + ".rowid";
    }
};

// "$.a.b[0]" -> "{a,b,0}" for the #>> operator.
std::string PgPathArray(std::string_view json_path) {
    std::string out = "{";
    bool first = true;
    std::string seg;
    auto flush = [&] {
        if (!seg.empty()) {
            if (!first) {
                out += ',';
            }
            out += seg;
            first = false;
            seg.clear();
        }
    };
    for (std::size_t i = json_path.empty() ? 0 : 1; i < json_path.size(); ++i) {
        char c = json_path[i];
        if (c == '.' || c == '[' || c == ']') {
            flush();
        } else {
            seg += c;
        }
    }
    flush();
    out += '}';
    return out;
}

class PostgresDialectImpl final : public Dialect {
public:
    DialectKind kind() const override { return DialectKind::kPostgres; }

    std::string Placeholder(std::size_t index) const override { return "$" + std::to_string(index); }

    std::string QuoteIdent(std::string_view ident) const override { return QuoteWith(ident); }

    std::string JsonExtract(std::string_view column_sql, std::string_view json_path) const override {
        return "(to_jsonb(" + std::string(column_sql) + ") #>> '" + PgPathArray(json_path) + "')";
    }

    std::string JsonEach(std::string_view column_sql) const override {
        std::string c = "to_jsonb(" + std::string(column_sql) + ")";
        return "jsonb_array_elements_text(CASE WHEN jsonb_typeof(" + c + ") = 'array' THEN " + c +
               " ELSE jsonb_build_array(" + c + ") END)";
    }

    std::string JsonArrayLength(std::string_view column_sql) const override {
        std::string c = "to_jsonb(" + std::string(column_sql) + ")";
        return "(CASE WHEN jsonb_typeof(" + c + ") = 'array' THEN jsonb_array_length(" + c +
               ") ELSE 0 END)";
    }

    std::string BoolLiteral(bool value) const override { return value ? "TRUE" : "FALSE"; }

    std::string_view LikeKeyword() const override { return "ILIKE"; }

    std::string WithoutIndex(std::string_view operand) const override { return std::string(operand); }
    std::string RandomExpr() const override { return "RANDOM()"; }

    std::string RowIdExpr(std::string_view quoted_alias) const override {
        return std::string(quoted_alias) + ".ctid";
    }
};

}  // namespace

const Dialect& SqliteDialect() {
    static const SqliteDialectImpl kDialect;
    return kDialect;
}

const Dialect& PostgresDialect() {
    static const PostgresDialectImpl kDialect;
    return kDialect;
}

}  // namespace basalt::filter
