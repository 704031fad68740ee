// The public entry points: CompileFilter / CompileSort drive lexer -> parser -> binder -> sql_gen.
#include "basalt/filter/filter.hpp"

#include <utility>

#include "basalt/base/strings.hpp"
#include "basalt/filter/binder.hpp"
#include "basalt/filter/internal/compile.hpp"
#include "basalt/filter/parser.hpp"
#include "basalt/filter/sql_gen.hpp"

namespace basalt::filter {

namespace {

constexpr std::size_t kMaxSortFields = 8;
constexpr std::size_t kMaxSortFieldLength = 255;
constexpr std::string_view kFilterAliasPrefix = "__f";
constexpr std::string_view kSortAliasPrefix = "__s";

std::string MainAlias(const CompileOptions& opts, const Dialect& d) {
    return d.QuoteIdent(opts.table_alias.empty() ? opts.collection->name : opts.table_alias);
}

}  // namespace

namespace internal {

Result<SqlFragment> CompileFragment(std::string_view expr,
                                    const CompileOptions& opts,
                                    const Dialect& dialect,
                                    int depth,
                                    const std::string& alias_prefix) {
    if (opts.collection == nullptr) {
        return Internal("filter: CompileOptions::collection is null");
    }
    ParseLimits limits;
    limits.max_expressions = opts.max_expressions;
    BASALT_TRY(auto tree, Parse(expr, limits));
    if (!tree) {
        return SqlFragment{};
    }
    Binder binder(opts, dialect, depth, alias_prefix);
    BASALT_TRY(auto root, binder.BindExpr(*tree));
    BoundFilter bound = binder.Finish(std::move(root));
    SqlFragment frag = GenerateFilter(bound, dialect, MainAlias(opts, dialect), opts.decorrelate);
    frag.varies = bound.varies;
    return frag;
}

}  // namespace internal

Result<SqlExpr> CompileFilter(std::string_view expr, const CompileOptions& opts, const Dialect& d) {
    if (opts.max_length != 0 && expr.size() > opts.max_length) {
        return InvalidArgument("filter is too long (max " + std::to_string(opts.max_length) + " characters)");
    }
    BASALT_TRY(auto frag, internal::CompileFragment(expr, opts, d, 0, std::string(kFilterAliasPrefix)));
    SqlExpr out{RenderPlaceholders(frag.sql, d, opts.first_param_index), std::move(frag.params), {}, frag.varies};
    if (!frag.ordered_sql.empty()) {
        out.ordered_sql = RenderPlaceholders(frag.ordered_sql, d, opts.first_param_index);
    }
    return out;
}

Result<SqlExpr> CompileSort(std::string_view sort, const CompileOptions& opts, const Dialect& d) {
    if (opts.collection == nullptr) {
        return Internal("filter: CompileOptions::collection is null");
    }
    SqlExpr out;
    if (Trim(sort).empty()) {
        return out;
    }
    auto terms = Split(sort, ',');
    if (terms.size() > kMaxSortFields) {
        return InvalidArgument("too many sort fields (max " + std::to_string(kMaxSortFields) + ")");
    }
    Binder binder(opts, d, 0, std::string(kSortAliasPrefix));
    std::vector<std::pair<BoundValuePtr, bool>> items;  // value, descending
    for (auto raw : terms) {
        auto term = Trim(raw);
        if (term.empty()) {
            continue;
        }
        if (term.size() > kMaxSortFieldLength) {
            return InvalidArgument("sort field is too long");
        }
        bool desc = false;
        if (term.front() == '-' || term.front() == '+') {
            desc = term.front() == '-';
            term.remove_prefix(1);
        }
        auto operand = ParseOperand(term);
        if (!operand || operand->kind != ast::Operand::Kind::kIdentifier) {
            return InvalidArgument("invalid sort field \"" + std::string(term) + "\"");
        }
        BASALT_TRY(auto value, binder.BindOperand(*operand, true));
        if (value->kind == ValueKind::kParam || value->kind == ValueKind::kNull) {
            return InvalidArgument("invalid sort field \"" + std::string(term) + "\"");
        }
        items.emplace_back(std::move(value), desc);
    }
    BoundFilter joins = binder.Finish(nullptr);
    const std::string main_alias = MainAlias(opts, d);
    SqlFragment frag;
    for (const auto& [value, desc] : items) {
        if (!frag.sql.empty()) {
            frag.sql += ", ";
        }
        SqlFragment v = GenerateSortValue(*value, joins, d, main_alias);
        frag.sql += v.sql;
        frag.params.insert(frag.params.end(), v.params.begin(), v.params.end());
        frag.sql += desc ? " DESC" : " ASC";
    }
    out.sql = RenderPlaceholders(frag.sql, d, opts.first_param_index);
    out.params = std::move(frag.params);
    out.varies = joins.varies;
    return out;
}

}  // namespace basalt::filter
