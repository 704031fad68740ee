// Rule/filter compilation with the request's context.
#include "basalt/service/internal/rules.hpp"

namespace basalt::service::internal {

namespace {

filter::CompileOptions Options(const RequestCtx& ctx, const schema::Schema& s, const schema::Collection& c,
                               const std::string& alias, std::size_t first_param) {
    filter::CompileOptions o;
    o.schema = &s;
    o.collection = &c;
    o.table_alias = alias;
    o.request = &ctx.info;
    o.first_param_index = first_param;
    return o;
}

/// Client-input errors are reported with PocketBase's generic 400 text; the detail is logged
/// by nobody and never reaches SQL.
Error ClientError(const Error& e) {
    return InvalidArgument("Something went wrong while processing your request.", e.data);
}

}  // namespace

Result<filter::SqlExpr> CompileRule(const filter::Dialect& d, const std::string& rule, const RequestCtx& ctx, const schema::Schema& s,
                                    const schema::Collection& c, const std::string& alias, std::size_t first_param) {
    filter::CompileOptions o = Options(ctx, s, c, alias, first_param);
    o.superuser = true;  // rules may read hidden fields and use @collection/@request
    o.max_length = 0;
    o.max_expressions = 0;
    auto r = filter::CompileFilter(rule, o, d);
    if (!r) {
        // A broken stored rule denies access rather than exposing anything.
        return filter::SqlExpr{"1=0", {}, {}};
    }
    return r;
}

Result<filter::SqlExpr> CompileClientFilter(const filter::Dialect& d, const std::string& expr, const RequestCtx& ctx, const schema::Schema& s,
                                            const schema::Collection& c, const std::string& alias,
                                            std::size_t first_param) {
    filter::CompileOptions o = Options(ctx, s, c, alias, first_param);
    o.superuser = ctx.auth.IsSuperuser();
    auto r = filter::CompileFilter(expr, o, d);
    if (!r) {
        return ClientError(r.error());
    }
    return r;
}

Result<filter::SqlExpr> CompileClientSort(const filter::Dialect& d, const std::string& sort, const RequestCtx& ctx, const schema::Schema& s,
                                          const schema::Collection& c, const std::string& alias,
                                          std::size_t first_param) {
    filter::CompileOptions o = Options(ctx, s, c, alias, first_param);
    o.superuser = ctx.auth.IsSuperuser();
    auto r = filter::CompileSort(sort, o, d);
    if (!r) {
        return ClientError(r.error());
    }
    return r;
}

}  // namespace basalt::service::internal
