// The one place where errors become HTTP: ErrorCode -> status, and PocketBase's error envelope
// {"data":{...},"message":"...","status":N}.
#pragma once

#include "basalt/base/error.hpp"
#include "basalt/http/request.hpp"

namespace basalt::api {

unsigned HttpStatus(ErrorCode code);

/// PocketBase's default message for a status ("The requested resource wasn't found.", ...).
std::string_view DefaultMessage(unsigned status);

/// The envelope for an error; 5xx messages are replaced by the generic text (details are logged).
http::Response ErrorResponse(const Error& e);

/// The envelope for a bare status with its default message (transport errors, fallback 404).
http::Response StatusResponse(unsigned status);

}  // namespace basalt::api
