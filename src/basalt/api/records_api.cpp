// /api/collections/{collection}/records handlers.
#include "basalt/api/internal_handlers.hpp"

#include <memory>

#include "basalt/base/field_picker.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/service/record_export.hpp"

namespace basalt::api::internal {

namespace {

boost::json::object Export(const http::Request& req, const schema::Record& r) {
    return service::ExportRecord(r, service::ExportOptionsFor(AuthOf(req), r), AuthOf(req));
}

/// One record as the response body (fast path unless `fields` is given).
http::Response RecordResponse(const http::Request& req, const schema::Record& r) {
    if (req.Query("fields")) {
        return JsonOk(req, Export(req, r));
    }
    std::string body;
    body.reserve(512);
    service::WriteRecordJson(body, r, service::ExportOptionsFor(AuthOf(req), r), AuthOf(req));
    body.push_back('\n');
    return http::Response::Json(200, std::move(body));
}

constexpr std::string_view kListHead = "{\"items\":[";

// The request's `fields` as a picker the service applies while writing rows (null: none).
std::shared_ptr<const json::FieldPicker> PickerOf(const http::Request& req) {
    const auto fields = req.Query("fields");
    if (!fields || fields->empty()) {
        return nullptr;
    }
    return std::make_shared<const json::FieldPicker>(json::FieldPicker::Parse(*fields));
}

// Ends a list body that holds kListHead and the items.
void FinishListBody(std::string& body, const service::ListResult& r) {
    body += "],\"page\":" + std::to_string(r.page) + ",\"perPage\":" + std::to_string(r.per_page) +
            ",\"totalItems\":" + std::to_string(r.total_items) + ",\"totalPages\":" + std::to_string(r.total_pages) +
            "}\n";
}

std::string ListBody(std::string_view items, const service::ListResult& r) {
    std::string body;
    body.reserve(items.size() + 128);
    body += kListHead;
    body += items;
    FinishListBody(body, r);
    return body;
}

}  // namespace

net::awaitable<http::Response> ListRecords(Services* s, http::Request& req) {
    auto params = ParseListParams(req);
    if (!params) {
        co_return ErrorResponse(params.error());
    }
    const auto fields = req.Query("fields");
    // The service writes the items itself when it can (no expand, ...), `fields` included.
    params->write_items = true;
    params->items_prefix = kListHead;
    params->fields = PickerOf(req);
    auto r = co_await s->records->List(MakeCtx(req), std::string(req.Param("collection")), std::move(*params));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    if (r->items_json) {
        std::string body = std::move(*r->items_json);
        FinishListBody(body, *r);
        co_return http::Response::Json(200, std::move(body));
    }
    if (!fields) {
        // Records (expand, managed emails): serialized straight into the response body.
        std::string items;
        items.reserve(r->items.size() * 384);
        const auto& auth = AuthOf(req);
        for (std::size_t i = 0; i < r->items.size(); ++i) {
            if (i != 0) {
                items.push_back(',');
            }
            service::WriteRecordJson(items, r->items[i], service::ExportOptionsFor(auth, r->items[i]), auth);
        }
        co_return http::Response::Json(200, ListBody(items, *r));
    }
    boost::json::array items;
    items.reserve(r->items.size());
    for (const auto& rec : r->items) {
        items.push_back(Export(req, rec));
    }
    co_return JsonOk(req, ListEnvelope(std::move(items), r->page, r->per_page, r->total_items, r->total_pages));
}

net::awaitable<http::Response> ViewRecord(Services* s, http::Request& req) {
    service::ViewParams params;
    params.write_json = true;  // the service writes the record itself when it can, `fields` included
    params.fields = PickerOf(req);
    auto r = co_await s->records->View(MakeCtx(req), std::string(req.Param("collection")), std::string(req.Param("id")),
                                       std::move(params));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    if (r->json) {
        std::string body = std::move(*r->json);
        body.push_back('\n');
        co_return http::Response::Json(200, std::move(body));
    }
    co_return RecordResponse(req, *r->record);
}

net::awaitable<http::Response> CreateRecord(Services* s, http::Request& req) {
    auto body = co_await ReadUploadBody(req, *s->files);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto r = co_await s->records->Create(MakeCtx(req), std::string(req.Param("collection")), std::move(body->data),
                                         std::move(body->uploads));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return RecordResponse(req, *r);
}

net::awaitable<http::Response> UpdateRecord(Services* s, http::Request& req) {
    auto body = co_await ReadUploadBody(req, *s->files);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto r = co_await s->records->Update(MakeCtx(req), std::string(req.Param("collection")),
                                         std::string(req.Param("id")), std::move(body->data),
                                         std::move(body->uploads));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return RecordResponse(req, *r);
}

net::awaitable<http::Response> DeleteRecord(Services* s, http::Request& req) {
    auto r = co_await s->records->Delete(MakeCtx(req), std::string(req.Param("collection")), std::string(req.Param("id")));
    if (!r) {
        co_return ErrorResponse(r.error());
    }
    co_return http::Response::Empty(204);
}

}  // namespace basalt::api::internal
