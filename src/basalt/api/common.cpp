// Handler helpers.
#include "basalt/api/internal_common.hpp"

#include "basalt/base/strings.hpp"

namespace basalt::api::internal {

const service::Auth& AuthOf(const http::Request& req) {
    static const service::Auth kGuest;
    if (const auto* a = std::any_cast<service::Auth>(&req.user_data)) {
        return *a;
    }
    return kGuest;
}

service::RequestCtx MakeCtx(const http::Request& req) {
    service::RequestCtx ctx;
    ctx.auth = AuthOf(req);
    ctx.info.auth = ctx.auth.record;
    ctx.info.method = req.method_string;
    ctx.info.context = "default";
    ctx.remote_ip = req.remote_ip;
    for (const auto& [k, v] : req.query) {
        ctx.info.query.try_emplace(k, v);
    }
    for (const auto& h : req.headers) {
        ctx.info.headers.try_emplace(NormalizeHeaderName(h.name_string()), std::string(h.value()));
    }
    return ctx;
}

http::Response JsonOk(const http::Request& req, boost::json::value v, unsigned status) {
    if (auto f = req.Query("fields"); f && !f->empty()) {
        PickFields(v, *f);
    }
    return http::Response::Json(status, json::Serialize(v, true));
}

boost::json::object ListEnvelope(boost::json::array items, std::int64_t page, std::int64_t per_page,
                                 std::int64_t total_items, std::int64_t total_pages) {
    boost::json::object out;
    out["items"] = std::move(items);
    out["page"] = page;
    out["perPage"] = per_page;
    out["totalItems"] = total_items;
    out["totalPages"] = total_pages;
    return out;
}

std::optional<Error> RequireSuperuser(const http::Request& req) {
    const auto& a = AuthOf(req);
    if (a.IsGuest()) {
        return Unauthenticated("The request requires valid record authorization token.");
    }
    if (!a.IsSuperuser()) {
        return PermissionDenied("The authorized record is not allowed to perform this action.");
    }
    return std::nullopt;
}

Result<service::ListParams> ParseListParams(const http::Request& req) {
    service::ListParams p;
    bool bad = false;
    if (auto v = IntQuery(req, "page", bad)) {
        p.page = *v;
    }
    if (auto v = IntQuery(req, "perPage", bad)) {
        p.per_page = *v;
    }
    if (bad) {
        return InvalidArgument("Invalid pagination parameters.");
    }
    if (auto v = req.Query("skipTotal"); v && !v->empty()) {
        if (!ParseGoBool(*v, p.skip_total)) {
            return InvalidArgument("Invalid skipTotal parameter.");
        }
    }
    if (auto v = req.Query("filter")) {
        p.filter = std::string(*v);
    }
    if (auto v = req.Query("sort")) {
        p.sort = std::string(*v);
    }
    return p;
}

std::optional<std::int64_t> IntQuery(const http::Request& req, std::string_view key, bool& bad) {
    auto v = req.Query(key);
    if (!v || v->empty()) {
        return std::nullopt;
    }
    std::int64_t n = 0;
    if (!ParseInt64(*v, n)) {
        bad = true;
        return std::nullopt;
    }
    return n;
}

}  // namespace basalt::api::internal
