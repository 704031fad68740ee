// Helpers shared by the api handlers (request context, JSON responses, guards). api-internal.
#pragma once

#include <string>

#include "basalt/api/body.hpp"
#include "basalt/api/error_mapping.hpp"
#include "basalt/api/fields.hpp"
#include "basalt/api/routes.hpp"
#include "basalt/base/json.hpp"
#include "basalt/service/context.hpp"
#include "basalt/service/records.hpp"

namespace basalt::api::internal {

/// The request's resolved auth (set by the auth middleware).
const service::Auth& AuthOf(const http::Request& req);

/// Builds the service context: auth, method, query, normalized headers.
service::RequestCtx MakeCtx(const http::Request& req);

/// 200 JSON with the `fields` picker applied.
http::Response JsonOk(const http::Request& req, boost::json::value v, unsigned status = 200);

/// PocketBase's list result {"items","page","perPage","totalItems","totalPages"}.
boost::json::object ListEnvelope(boost::json::array items, std::int64_t page, std::int64_t per_page,
                                 std::int64_t total_items, std::int64_t total_pages);

/// Guard: guest -> 401, non-superuser -> 403.
std::optional<Error> RequireSuperuser(const http::Request& req);

/// page, perPage, skipTotal, filter and sort of a list request (400 when malformed).
Result<service::ListParams> ParseListParams(const http::Request& req);

/// Parses an integer query parameter; nullopt with `bad` = true when malformed.
std::optional<std::int64_t> IntQuery(const http::Request& req, std::string_view key, bool& bad);

}  // namespace basalt::api::internal
