// ErrorCode -> HTTP status and PocketBase's error envelope.
#include "basalt/api/error_mapping.hpp"

#include "basalt/base/json.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::api {

unsigned HttpStatus(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument: return 400;
        case ErrorCode::kFailedPrecondition: return 400;
        case ErrorCode::kUnauthenticated: return 401;
        case ErrorCode::kPermissionDenied: return 403;
        case ErrorCode::kNotFound: return 404;
        case ErrorCode::kAlreadyExists: return 409;
        case ErrorCode::kAborted: return 409;
        case ErrorCode::kPayloadTooLarge: return 413;
        case ErrorCode::kResourceExhausted: return 429;
        case ErrorCode::kDeadlineExceeded: return 504;
        case ErrorCode::kUnavailable: return 503;
        case ErrorCode::kInternal: return 500;
    }
    return 500;
}

std::string_view DefaultMessage(unsigned status) {
    switch (status) {
        case 401: return "Missing or invalid authentication.";
        case 403: return "You are not allowed to perform this request.";
        case 404: return "The requested resource wasn't found.";
        case 413: return "Request entity too large.";
        case 416: return "Requested range not satisfiable.";
        case 429: return "Too Many Requests.";
        case 431: return "Request header fields too large.";
        case 503: return "Service unavailable.";
        case 504: return "The request took too long.";
        default: return "Something went wrong while processing your request.";
    }
}

namespace {

http::Response Envelope(unsigned status, std::string_view message, boost::json::object data) {
    boost::json::object o;
    o["data"] = std::move(data);
    o["message"] = message;
    o["status"] = status;
    return http::Response::Json(status, json::Serialize(o, true));
}

}  // namespace

http::Response ErrorResponse(const Error& e) {
    unsigned status = HttpStatus(e.code);
    if (status >= 500) {
        log::Error("internal error: {}", e.message);
        return Envelope(status, DefaultMessage(status), {});
    }
    std::string msg = Sentenize(e.message);
    if (msg.empty()) {
        msg = DefaultMessage(status);
    }
    return Envelope(status, msg, e.data);
}

http::Response StatusResponse(unsigned status) { return Envelope(status, DefaultMessage(status), {}); }

}  // namespace basalt::api
