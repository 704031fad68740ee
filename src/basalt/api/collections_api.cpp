// /api/collections handlers (superusers only).
#include "basalt/api/internal_handlers.hpp"

#include "basalt/auth/oauth2_providers.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/service/record_export.hpp"

namespace basalt::api::internal {

namespace {

Result<boost::json::value> JsonBody(const http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        return body.error();
    }
    return boost::json::value(std::move(body->data));
}

}  // namespace

net::awaitable<http::Response> ListCollections(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto p = ParseListParams(req);
    if (!p) {
        co_return ErrorResponse(p.error());
    }
    auto r = co_await s->collections->List(MakeCtx(req), std::move(*p));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    boost::json::array items;
    for (const auto& c : r->items) {
        items.push_back(schema::CollectionToApiJson(*c));
    }
    co_return JsonOk(req, ListEnvelope(std::move(items), r->page, r->per_page, r->total_items, r->total_pages));
}

net::awaitable<http::Response> ViewCollection(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto c = s->collections->View(std::string(req.Param("collection")));
    if (!c) {
        co_return ErrorResponse(c.error());
    }
    co_return JsonOk(req, schema::CollectionToApiJson(**c));
}

net::awaitable<http::Response> CreateCollection(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto body = JsonBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto c = co_await s->collections->Create(MakeCtx(req), std::move(*body));
    if (!c) {
        co_return ErrorResponse(c.error());
    }
    co_return JsonOk(req, schema::CollectionToApiJson(**c));
}

net::awaitable<http::Response> UpdateCollection(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto body = JsonBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto c = co_await s->collections->Update(MakeCtx(req), std::string(req.Param("collection")), std::move(*body));
    if (!c) {
        co_return ErrorResponse(c.error());
    }
    co_return JsonOk(req, schema::CollectionToApiJson(**c));
}

net::awaitable<http::Response> DeleteCollection(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto r = co_await s->collections->Delete(MakeCtx(req), std::string(req.Param("collection")));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return http::Response::Empty(204);
}

net::awaitable<http::Response> TruncateCollection(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto r = co_await s->collections->Truncate(MakeCtx(req), std::string(req.Param("collection")));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return http::Response::Empty(204);
}

net::awaitable<http::Response> ImportCollections(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto body = JsonBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto r = co_await s->collections->Import(MakeCtx(req), std::move(*body));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return http::Response::Empty(204);
}

net::awaitable<http::Response> Scaffolds(Services* s, http::Request& req) {
    (void)s;
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    co_return JsonOk(req, schema::Scaffolds());
}

net::awaitable<http::Response> OAuth2Providers(Services* s, http::Request& req) {
    (void)s;
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    boost::json::array out;
    for (const auto& p : auth::Providers()) {
        out.push_back(boost::json::object{{"name", p.name}, {"displayName", p.display_name}, {"logo", p.logo}});
    }
    co_return JsonOk(req, std::move(out));
}

net::awaitable<http::Response> DryRunView(Services* s, http::Request& req) {
    if (auto e = RequireSuperuser(req)) {
        co_return ErrorResponse(*e);
    }
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    std::string query;
    if (auto it = body->data.find("query"); it != body->data.end() && it->value().is_string()) {
        query = std::string(it->value().get_string());
    }
    auto r = co_await s->collections->DryRunView(MakeCtx(req), std::move(query));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    boost::json::array fields;
    for (const auto& f : r->collection->fields) {
        fields.push_back(schema::FieldToJson(f));
    }
    boost::json::array sample;
    service::ExportOptions o;
    o.show_hidden = true;
    o.show_email = true;
    for (const auto& rec : r->sample) {
        sample.push_back(service::ExportRecord(rec, o));
    }
    boost::json::object out;
    out["fields"] = std::move(fields);
    out["sample"] = std::move(sample);
    co_return JsonOk(req, std::move(out));
}

}  // namespace basalt::api::internal
