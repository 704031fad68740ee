// Built-in per-request processing (recover + CORS) and small header helpers shared by the session.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "basalt/http/request.hpp"
#include "basalt/http/router.hpp"

namespace basalt::http::internal {

using ErrorBuilder = std::function<Response(unsigned status)>;

/// Runs CORS preflight / the user middleware + `handler`, turning any exception into
/// `error_response(500)` (logged with the request id), then adds CORS response headers.
net::awaitable<Response> Process(const Router& router,
                                 const Handler& handler,
                                 Request& req,
                                 const ErrorBuilder& error_response);

/// Adds PocketBase's CORS headers (Access-Control-Allow-Origin: * etc.) when the request has an
/// Origin; `preflight` = the request is an OPTIONS request.
void ApplyCors(const Request& req, Response& res, bool preflight);

/// True when an Accept-Encoding value allows gzip (q=0 respected, "*" counts).
bool AcceptsGzip(std::string_view accept_encoding);

/// json / text / javascript / css / svg content types.
bool IsCompressibleType(std::string_view content_type);

/// Default transport error body: the reason phrase as text/plain.
Response DefaultErrorResponse(unsigned status);

}  // namespace basalt::http::internal
