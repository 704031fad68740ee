// SQL generation for bound filters (PocketBase's search.FilterData.BuildExpr + resolveEqualExpr,
// reshaped into self-contained correlated subqueries).
#include "basalt/filter/sql_gen.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace basalt::filter {

namespace {

SqlFragment Text(std::string s) { return {std::move(s), {}, {}}; }

SqlFragment& operator+=(SqlFragment& a, const SqlFragment& b) {
    a.sql += b.sql;
    a.params.insert(a.params.end(), b.params.begin(), b.params.end());
    return a;
}

SqlFragment& operator+=(SqlFragment& a, std::string_view b) {
    a.sql += b;
    return a;
}

SqlFragment operator+(SqlFragment a, const SqlFragment& b) { return a += b; }

SqlFragment operator+(SqlFragment a, std::string_view b) { return a += b; }

SqlFragment operator+(std::string_view a, const SqlFragment& b) {
    SqlFragment out = Text(std::string(a));
    out += b;
    return out;
}

// Applies a dialect helper to a fragment's SQL; the helper may repeat its argument, so the
// parameters are repeated as often as the argument occurs in the result.
SqlFragment ApplyDialect(const SqlFragment& arg, const std::function<std::string(std::string_view)>& fn) {
    SqlFragment out{fn(arg.sql), {}, {}};
    if (!arg.params.empty()) {
        auto markers = static_cast<std::size_t>(std::count(out.sql.begin(), out.sql.end(), kParamMarker));
        for (std::size_t r = 0; r < markers / arg.params.size(); ++r) {
            out.params.insert(out.params.end(), arg.params.begin(), arg.params.end());
        }
    }
    return out;
}

std::string FormatNumber(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<long long>(v));
    }
    char buf[64];
    auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    return ec == std::errc{} ? std::string(buf, p) : "0";
}

std::string ParamToString(const SqlValue& v) {
    if (const auto* s = std::get_if<std::string>(&v)) {
        return *s;
    }
    if (const auto* d = std::get_if<double>(&v)) {
        return FormatNumber(*d);
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return std::to_string(*i);
    }
    if (const auto* b = std::get_if<bool>(&v)) {
        return *b ? "true" : "false";
    }
    return "";
}

bool IsEmptyValue(const BoundValue& v) {
    if (v.kind == ValueKind::kNull) {
        return true;
    }
    if (v.kind == ValueKind::kParam) {
        const auto* s = std::get_if<std::string>(&v.param);
        return std::holds_alternative<std::monostate>(v.param) || (s != nullptr && s->empty());
    }
    return false;
}

bool IsKnownNonEmpty(const BoundValue& v) { return v.kind == ValueKind::kParam && !IsEmptyValue(v); }

void CollectGuards(const BoundValue& v, std::vector<BoundValuePtr>& out) {
    if (v.guard) {
        out.push_back(v.guard);
    }
}

class Generator {
public:
    Generator(const BoundFilter& f, const Dialect& d, std::string main_alias, bool decorrelate = false)
        : f_(f), d_(d), main_alias_(std::move(main_alias)), decorrelate_(decorrelate) {}

    SqlFragment Filter() {
        if (!f_.root) {
            return {};
        }
        std::set<int> shared;
        SqlFragment body = Expr(*f_.root, shared);
        if (shared.empty()) {
            return body;
        }
        if (auto semi = decorrelate_ ? SemiJoin(shared, body) : std::nullopt) {
            return std::move(*semi);
        }
        return "EXISTS (SELECT 1 FROM " + From(shared) + " WHERE " + body + ")";
    }

    SqlFragment SortValue(const BoundValue& v) {
        SqlFragment value = Value(v);
        if (v.chain.empty()) {
            return value;
        }
        std::set<int> joins(v.chain.begin(), v.chain.end());
        return "(SELECT " + value + " FROM " + From(joins) + " LIMIT 1)";
    }

private:
    std::string Alias(int source) const {
        return source == kMainSource ? main_alias_ : d_.QuoteIdent(JoinAlias(f_.alias_prefix, source));
    }

    SqlFragment Value(const BoundValue& v) {
        switch (v.kind) {
            case ValueKind::kNull:
                return Text("NULL");
            case ValueKind::kParam:
                return {std::string(1, kParamMarker), {v.param}, {}};
            case ValueKind::kColumn:
                return Text(Alias(v.source) + "." + d_.QuoteIdent(v.column));
            case ValueKind::kJsonExtract: {
                const std::string path = v.json_path;
                return ApplyDialect(Value(*v.args[0]),
                                    [&](std::string_view s) { return d_.JsonExtract(s, path); });
            }
            case ValueKind::kLower:
                return "LOWER(" + Value(*v.args[0]) + ")";
            case ValueKind::kJsonLength:
                return ApplyDialect(Value(*v.args[0]),
                                    [&](std::string_view s) { return d_.JsonArrayLength(s); });
            case ValueKind::kGeoDistance: {
                auto lon_a = Value(*v.args[0]);
                auto lat_a = Value(*v.args[1]);
                auto lon_b = Value(*v.args[2]);
                auto lat_b = Value(*v.args[3]);
                return "(6371 * acos(cos(radians(" + lat_a + ")) * cos(radians(" + lat_b +
                       ")) * cos(radians(" + lon_b + ") - radians(" + lon_a + ")) + sin(radians(" +
                       lat_a + ")) * sin(radians(" + lat_b + "))))";
            }
            case ValueKind::kStrftime: {
                SqlFragment out = Text("strftime(");
                for (std::size_t i = 0; i < v.args.size(); ++i) {
                    if (i > 0) {
                        out += ", ";
                    }
                    out += Value(*v.args[i]);
                }
                return out + ")";
            }
            case ValueKind::kIsNot:
                return "(" + Value(*v.args[0]) + " IS NOT " + Value(*v.args[1]) + ")";
            case ValueKind::kRowId:
                return Text(d_.RowIdExpr(main_alias_));
            case ValueKind::kRandom:
                return Text(d_.RandomExpr());
        }
        return Text("NULL");
    }

    SqlFragment JoinClause(const BoundJoin& j) {
        const std::string alias = d_.QuoteIdent(JoinAlias(f_.alias_prefix, j.id));
        SqlFragment out = Text(" LEFT JOIN ");
        if (j.kind == BoundJoin::Kind::kJsonEach) {
            out += ApplyDialect(Value(*j.array), [&](std::string_view s) { return d_.JsonEach(s); });
            out += " AS " + alias + " ON 1=1";
            return out;
        }
        out += d_.QuoteIdent(j.table) + " AS " + alias + " ON ";
        switch (j.on) {
            case BoundJoin::On::kAlways:
                out += "1=1";
                break;
            case BoundJoin::On::kIdEquals:
                out += alias + "." + d_.QuoteIdent("id") + " = " + Value(*j.on_value);
                break;
            case BoundJoin::On::kBackSingle:
                out += alias + "." + d_.QuoteIdent(j.back_field) + " = " + Value(*j.on_value);
                break;
            case BoundJoin::On::kBackMulti: {
                const std::string je = d_.QuoteIdent(JoinAlias(f_.alias_prefix, j.id) + "_je");
                out += Value(*j.on_value) + " IN (SELECT " + je + ".value FROM " +
                       d_.JsonEach(alias + "." + d_.QuoteIdent(j.back_field)) + " AS " + je + ")";
                break;
            }
        }
        if (j.rule) {
            out += " AND (" + *j.rule + ")";
        }
        return out;
    }

    SqlFragment From(const std::set<int>& ids) {
        std::set<int> all;
        for (int id : ids) {
            const auto& chain = f_.joins[static_cast<std::size_t>(id)].chain;
            all.insert(chain.begin(), chain.end());
        }
        SqlFragment out = Text("(SELECT 1) AS " + d_.QuoteIdent(f_.alias_prefix + "_root"));
        for (int id : all) {
            out += JoinClause(f_.joins[static_cast<std::size_t>(id)]);
        }
        return out;
    }

    // Decorrelation. When every join the filter shares hangs off one first hop — a single
    // relation (`author.…`) or a single back-relation (`comments_via_post.…`) — and the filter
    // cannot hold while that hop finds no row, the correlated
    //   EXISTS (SELECT 1 FROM root LEFT JOIN t AS j0 ON j0.id = r.author AND rule0 … WHERE body)
    // equals the uncorrelated semi-join
    //   r.author IN (SELECT j0.id FROM t AS j0 … WHERE (rule0) AND body)
    // which the database evaluates once per query instead of once per row, and which can drive
    // an index on r.author (counts over large tables). NULL-tolerant comparisons (PocketBase's
    // COALESCE forms, IS, IS NOT) can hold on a missing row, so they keep the EXISTS form.
    std::optional<SqlFragment> SemiJoin(const std::set<int>& shared, const SqlFragment& body) {
        std::set<int> all;
        for (int id : shared) {
            const auto& chain = f_.joins[static_cast<std::size_t>(id)].chain;
            all.insert(chain.begin(), chain.end());
        }
        const int head = *all.begin();
        const BoundJoin& first = f_.joins[static_cast<std::size_t>(head)];
        if (first.kind != BoundJoin::Kind::kTable || first.chain.size() != 1 || !first.on_value ||
            (first.on != BoundJoin::On::kIdEquals && first.on != BoundJoin::On::kBackSingle)) {
            return std::nullopt;
        }
        const BoundValue& outer = *first.on_value;
        if (outer.kind != ValueKind::kColumn || outer.source != kMainSource || outer.multi) {
            return std::nullopt;
        }
        for (int id : all) {
            if (f_.joins[static_cast<std::size_t>(id)].chain.front() != head) {
                return std::nullopt;  // a second independent hop (or an @collection join)
            }
        }
        if (!Uncorrelated(*f_.root) || !NullRejecting(*f_.root)) {
            return std::nullopt;
        }
        const std::string alias = d_.QuoteIdent(JoinAlias(f_.alias_prefix, head));
        const std::string key = first.on == BoundJoin::On::kIdEquals ? "id" : first.back_field;
        SqlFragment sub = Text(" IN (SELECT " + alias + "." + d_.QuoteIdent(key) + " FROM " +
                               d_.QuoteIdent(first.table) + " AS " + alias);
        for (int id : all) {
            if (id != head) {
                sub += JoinClause(f_.joins[static_cast<std::size_t>(id)]);
            }
        }
        sub += " WHERE ";
        if (first.rule) {
            sub += "(" + *first.rule + ") AND ";
        }
        sub += body + ")";
        const SqlFragment column = Value(outer);  // a plain column: no parameters
        SqlFragment out = column + sub;
        out.ordered_sql = d_.WithoutIndex(column.sql) + sub.sql;
        return out;
    }

    // True when no operand reads the main table (the subquery can run on its own) and no
    // comparison needed its own correlated NOT EXISTS (plain operators on multi values).
    static bool Uncorrelated(const BoundExpr& e) {
        if (e.kind != BoundExpr::Kind::kCompare) {
            return std::all_of(e.children.begin(), e.children.end(),
                               [](const BoundExprPtr& c) { return Uncorrelated(*c); });
        }
        if (!e.any && (e.lhs->multi || e.rhs->multi)) {
            return false;
        }
        return !ReadsMain(*e.lhs) && !ReadsMain(*e.rhs);
    }

    static bool ReadsMain(const BoundValue& v) {
        if ((v.kind == ValueKind::kColumn && v.source == kMainSource) || v.kind == ValueKind::kRowId) {
            return true;
        }
        if (v.guard && ReadsMain(*v.guard)) {
            return true;
        }
        return std::any_of(v.args.begin(), v.args.end(), [](const BoundValuePtr& a) { return ReadsMain(*a); });
    }

    // True when the expression cannot be true while every joined column is NULL.
    static bool NullRejecting(const BoundExpr& e) {
        switch (e.kind) {
            case BoundExpr::Kind::kAnd:
                return std::any_of(e.children.begin(), e.children.end(),
                                   [](const BoundExprPtr& c) { return NullRejecting(*c); });
            case BoundExpr::Kind::kOr:
                return !e.children.empty() &&
                       std::all_of(e.children.begin(), e.children.end(),
                                   [](const BoundExprPtr& c) { return NullRejecting(*c); });
            case BoundExpr::Kind::kCompare:
                break;
        }
        const BoundValue& l = *e.lhs;
        const BoundValue& r = *e.rhs;
        switch (e.op) {
            case ast::CompareOp::kEq:
                // Only the plain `col = ?` form of Equal (a known non-empty value on one side).
                return !l.no_coalesce && !r.no_coalesce &&
                       ((IsKnownNonEmpty(r) && StrictJoinValue(l)) || (IsKnownNonEmpty(l) && StrictJoinValue(r)));
            case ast::CompareOp::kNeq:
                return false;
            case ast::CompareOp::kLike:
            case ast::CompareOp::kNotLike:
                return StrictJoinValue(l);
            case ast::CompareOp::kLt:
            case ast::CompareOp::kLte:
            case ast::CompareOp::kGt:
            case ast::CompareOp::kGte:
                return StrictJoinValue(l) || StrictJoinValue(r);
        }
        return false;
    }

    // A value that is NULL whenever the joined row it reads is missing.
    static bool StrictJoinValue(const BoundValue& v) {
        switch (v.kind) {
            case ValueKind::kColumn:
                return v.source != kMainSource;
            case ValueKind::kLower:
                return StrictJoinValue(*v.args[0]);
            default:
                return false;
        }
    }

    SqlFragment Expr(const BoundExpr& e, std::set<int>& shared) {
        if (e.kind == BoundExpr::Kind::kCompare) {
            return Compare(e, shared);
        }
        SqlFragment out = Text("(");
        const std::string_view sep = e.kind == BoundExpr::Kind::kAnd ? " AND " : " OR ";
        for (std::size_t i = 0; i < e.children.size(); ++i) {
            if (i > 0) {
                out += sep;
            }
            out += Expr(*e.children[i], shared);
        }
        return out + ")";
    }

    SqlFragment Compare(const BoundExpr& e, std::set<int>& shared) {
        const BoundValue& l = *e.lhs;
        const BoundValue& r = *e.rhs;
        SqlFragment core = CompareCore(l, e.op, r);
        std::vector<BoundValuePtr> guards;
        CollectGuards(l, guards);
        CollectGuards(r, guards);
        for (const auto& g : guards) {
            core = "(" + core + " AND " + Value(*g) + " = " + d_.BoolLiteral(true) + ")";
        }
        std::set<int> joins(l.chain.begin(), l.chain.end());
        joins.insert(r.chain.begin(), r.chain.end());
        for (const auto& g : guards) {
            joins.insert(g->chain.begin(), g->chain.end());
        }
        if (!e.any && (l.multi || r.multi)) {
            // Every value must satisfy: no row of the operands' joins may violate it.
            return "NOT EXISTS (SELECT 1 FROM " + From(joins) + " WHERE NOT COALESCE(" + core + ", " +
                   d_.BoolLiteral(false) + "))";
        }
        shared.insert(joins.begin(), joins.end());
        return core;
    }

    SqlFragment CompareCore(const BoundValue& l, ast::CompareOp op, const BoundValue& r) {
        switch (op) {
            case ast::CompareOp::kEq:
                return Equal(l, r, true);
            case ast::CompareOp::kNeq:
                return Equal(l, r, false);
            case ast::CompareOp::kLike:
                return Like(l, r, false);
            case ast::CompareOp::kNotLike:
                return Like(l, r, true);
            case ast::CompareOp::kLt:
                return Value(l) + " < " + Value(r);
            case ast::CompareOp::kLte:
                return Value(l) + " <= " + Value(r);
            case ast::CompareOp::kGt:
                return Value(l) + " > " + Value(r);
            case ast::CompareOp::kGte:
                return Value(l) + " >= " + Value(r);
        }
        return Text("1=0");
    }

    // PocketBase's resolveEqualExpr: NULL and '' are treated as equal unless a side is a JSON
    // path / function (then plain IS / IS NOT).
    SqlFragment Equal(const BoundValue& l, const BoundValue& r, bool equal) {
        const std::string eq = equal ? "=" : "IS NOT";
        const std::string null_eq = equal ? "IS" : "IS NOT";
        const std::string concat = equal ? "OR" : "AND";
        const std::string null_expr = equal ? "IS NULL" : "IS NOT NULL";
        if (l.no_coalesce || r.no_coalesce) {
            return Value(l) + " " + null_eq + " " + Value(r);
        }
        const bool l_empty = IsEmptyValue(l);
        const bool r_empty = IsEmptyValue(r);
        if (l_empty && r_empty) {
            return Text("'' " + eq + " ''");
        }
        if (IsKnownNonEmpty(l) || IsKnownNonEmpty(r)) {
            SqlFragment ls = l_empty ? Text("''") : Value(l);
            SqlFragment rs = r_empty ? Text("''") : Value(r);
            return ls + " " + eq + " " + rs;
        }
        if (l_empty) {
            auto rs = Value(r);
            return "('' " + eq + " " + rs + " " + concat + " " + rs + " " + null_expr + ")";
        }
        if (r_empty) {
            auto ls = Value(l);
            return "(" + ls + " " + eq + " '' " + concat + " " + ls + " " + null_expr + ")";
        }
        return "COALESCE(" + Value(l) + ", '') " + eq + " COALESCE(" + Value(r) + ", '')";
    }

    SqlFragment Like(const BoundValue& l, const BoundValue& r, bool negate) {
        const std::string op = (negate ? "NOT " : "") + std::string(d_.LikeKeyword());
        if (r.kind == ValueKind::kParam) {
            SqlFragment rs{std::string(1, kParamMarker), {SqlValue{WrapLikeValue(ParamToString(r.param))}}, {}};
            return Value(l) + " " + op + " " + rs + " ESCAPE '\\'";
        }
        return Value(l) + " " + op + " ('%' || " + Value(r) + " || '%') ESCAPE '\\'";
    }

    const BoundFilter& f_;
    const Dialect& d_;
    std::string main_alias_;
    bool decorrelate_ = false;
};

// PocketBase's escapeUnescapedChars (walks backwards; an already preceding '\' counts as escape).
std::string EscapeUnescaped(const std::string& s) {
    std::string rev;
    bool match = false;
    for (std::size_t k = s.size(); k-- > 0;) {
        const char c = s[k];
        if (match) {
            if (c != '\\') {
                rev += '\\';
            }
            match = false;
        } else if (c == '\\' || c == '%' || c == '_') {
            match = true;
        }
        rev += c;
        if (k == 0 && match) {
            rev += '\\';
        }
    }
    return {rev.rbegin(), rev.rend()};
}

bool ContainsUnescapedPercent(const std::string& s) {
    char prev = 0;
    for (char c : s) {
        if (c == '%' && prev != '\\') {
            return true;
        }
        prev = (c == '\\' && prev == '\\') ? 0 : c;
    }
    return false;
}

}  // namespace

std::string WrapLikeValue(const std::string& value) {
    if (ContainsUnescapedPercent(value)) {
        return value;
    }
    return "%" + EscapeUnescaped(value) + "%";
}

SqlFragment GenerateFilter(const BoundFilter& filter,
                           const Dialect& dialect,
                           const std::string& main_alias,
                           bool decorrelate) {
    return Generator(filter, dialect, main_alias, decorrelate).Filter();
}

SqlFragment GenerateSortValue(const BoundValue& value,
                              const BoundFilter& joins,
                              const Dialect& dialect,
                              const std::string& main_alias) {
    return Generator(joins, dialect, main_alias).SortValue(value);
}

std::string RenderPlaceholders(const std::string& sql, const Dialect& dialect, std::size_t first_index) {
    std::string out;
    out.reserve(sql.size() + 16);
    std::size_t index = first_index;
    for (char c : sql) {
        if (c == kParamMarker) {
            out += dialect.Placeholder(index++);
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace basalt::filter
