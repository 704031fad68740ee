// Error values used across every layer; translated to HTTP exactly once, in api/error_mapping.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <boost/json/object.hpp>

namespace basalt {

/// Canonical error codes (Abseil's names). The HTTP status for each lives only in
/// api/error_mapping.cpp.
enum class ErrorCode {
    kInvalidArgument,     // 400
    kUnauthenticated,     // 401
    kPermissionDenied,    // 403
    kNotFound,            // 404
    kAlreadyExists,       // 409
    kAborted,             // 409
    kFailedPrecondition,  // 400
    kPayloadTooLarge,     // 413
    kResourceExhausted,   // 429
    kDeadlineExceeded,    // 504
    kUnavailable,         // 503
    kInternal,            // 500
};

/// An error as a value. `message` is client-facing for 4xx codes (it is "sentenized" at the
/// edge); for kInternal it is logged and replaced by a generic text. `data` holds PocketBase
/// validation errors: a (possibly nested) object whose leaves are
/// {"code": ..., "message": ..., "params": {...}?}.
struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    boost::json::object data;

    Error() = default;

    Error(ErrorCode c, std::string msg, boost::json::object d = {})
        : code(c), message(std::move(msg)), data(std::move(d)) {}
};

/// Builds a validation leaf {"code","message"[,"params"]}.
boost::json::object FieldError(std::string_view code,
                               std::string_view message,
                               boost::json::object params = {});

inline Error InvalidArgument(std::string msg, boost::json::object data = {}) {
    return {ErrorCode::kInvalidArgument, std::move(msg), std::move(data)};
}

inline Error NotFound(std::string msg = "The requested resource wasn't found.") {
    return {ErrorCode::kNotFound, std::move(msg)};
}

inline Error PermissionDenied(std::string msg = "You are not allowed to perform this request.") {
    return {ErrorCode::kPermissionDenied, std::move(msg)};
}

inline Error Unauthenticated(std::string msg = "Missing or invalid authentication.") {
    return {ErrorCode::kUnauthenticated, std::move(msg)};
}

inline Error Internal(std::string msg) { return {ErrorCode::kInternal, std::move(msg)}; }

/// Thrown only by a careless Result::value() on an error, and by BASALT_ASSERT in release.
/// Caught by the recover middleware and turned into a response.
class ErrorException : public std::exception {
public:
    explicit ErrorException(Error e) : error_(std::move(e)) {}

    const char* what() const noexcept override { return error_.message.c_str(); }

    const Error& error() const { return error_; }

private:
    Error error_;
};

}  // namespace basalt
