// Request body decoding by Content-Type (PocketBase §1.4): JSON, multipart/form-data and
// urlencoded forms with type inference and @jsonPayload merging.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/http/request.hpp"

namespace basalt::api {

struct UploadedFile {
    std::string field;  // form part name
    std::string filename;
    std::string content_type;
    std::string data;
};

struct Body {
    boost::json::object data;
    std::vector<UploadedFile> files;
};

/// Decodes the body. Empty bodies give an empty object whatever the content type. Malformed
/// input or an unsupported content type -> kInvalidArgument.
Result<Body> ParseBody(const http::Request& req);

/// Form value type inference: "" stays a string, "true"/"false" -> bool, a number whose shortest
/// formatting equals the text -> number, anything else -> string.
boost::json::value InferFormValue(std::string_view s);

/// multipart/form-data parsing (exposed for tests).
Result<Body> ParseMultipart(std::string_view body, std::string_view boundary);

}  // namespace basalt::api
