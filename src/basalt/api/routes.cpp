// The route table.
#include "basalt/api/routes.hpp"

#include <algorithm>
#include <cstdint>

#include <boost/beast/http/verb.hpp>

#include "basalt/api/internal_handlers.hpp"

namespace basalt::api {

namespace net = boost::asio;

namespace {

using boost::beast::http::verb;
using Fn = net::awaitable<http::Response> (*)(Services*, http::Request&);

http::Handler Bind(Services* s, Fn fn) {
    return [s, fn](http::Request& req) { return fn(s, req); };
}

}  // namespace

namespace internal {

net::awaitable<http::Response> Health(Services* s, http::Request& req) {
    (void)s;
    boost::json::object data;
    if (AuthOf(req).IsSuperuser()) {
        data["canBackup"] = true;
        data["realIP"] = req.remote_ip;
        data["possibleProxyHeader"] = "";
    }
    boost::json::object out;
    out["message"] = "API is healthy.";
    out["code"] = 200;
    out["data"] = std::move(data);
    co_return JsonOk(req, std::move(out));
}

}  // namespace internal

void RegisterRoutes(http::Router& router, Services* s) {
    using namespace internal;
    router.Use([s](http::Request& req, const http::Next& next) { return ResolveAuth(s, req, next); });

    router.Add(verb::get, "/api/health", Bind(s, &Health));

    router.Add(verb::get, "/api/collections", Bind(s, &ListCollections));
    router.Add(verb::post, "/api/collections", Bind(s, &CreateCollection));
    router.Add(verb::put, "/api/collections/import", Bind(s, &ImportCollections));
    router.Add(verb::get, "/api/collections/meta/scaffolds", Bind(s, &Scaffolds));
    router.Add(verb::post, "/api/collections/meta/dry-run-view", Bind(s, &DryRunView));
    router.Add(verb::get, "/api/collections/{collection}", Bind(s, &ViewCollection));
    router.Add(verb::patch, "/api/collections/{collection}", Bind(s, &UpdateCollection));
    router.Add(verb::delete_, "/api/collections/{collection}", Bind(s, &DeleteCollection));
    router.Add(verb::delete_, "/api/collections/{collection}/truncate", Bind(s, &TruncateCollection));

    router.Add(verb::get, "/api/collections/{collection}/records", Bind(s, &ListRecords));
    // Record writes may carry files: 32 MiB + each file field's maxSize * maxSelect (§1.9).
    http::RouteOptions record_write;
    record_write.body_limit_fn = [s](const http::Request& req) -> std::size_t {
        auto c = s->registry->Get()->Find(std::string(req.Param("collection")));
        return c ? static_cast<std::size_t>(std::min<std::uint64_t>(service::RecordBodyLimit(*c), SIZE_MAX))
                 : std::size_t{32} << 20;
    };
    router.Add(verb::post, "/api/collections/{collection}/records", Bind(s, &CreateRecord), record_write);
    router.Add(verb::get, "/api/collections/{collection}/records/{id}", Bind(s, &ViewRecord));
    router.Add(verb::patch, "/api/collections/{collection}/records/{id}", Bind(s, &UpdateRecord), record_write);
    router.Add(verb::delete_, "/api/collections/{collection}/records/{id}", Bind(s, &DeleteRecord));

    router.Add(verb::get, "/api/settings", Bind(s, &GetSettings));
    router.Add(verb::patch, "/api/settings", Bind(s, &UpdateSettings));

    http::RouteOptions batch_limits;
    batch_limits.body_limit = std::size_t{128} << 20;  // PocketBase: settings.batch.maxBodySize or 128 MiB
    router.Add(verb::post, "/api/batch", Bind(s, &Batch), batch_limits);

    router.Add(verb::post, "/api/files/token", Bind(s, &FileToken));
    router.Add(verb::get, "/api/files/{collection}/{recordId}/{filename}", Bind(s, &DownloadFile));

    router.Add(verb::post, "/api/collections/{collection}/auth-with-password", Bind(s, &AuthWithPassword));
    router.Add(verb::post, "/api/collections/{collection}/auth-refresh", Bind(s, &AuthRefresh));

    router.SetFallback([](http::Request&) -> net::awaitable<http::Response> { co_return StatusResponse(404); });
}

}  // namespace basalt::api
