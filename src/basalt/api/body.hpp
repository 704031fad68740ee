// Request body decoding by Content-Type (PocketBase §1.4): JSON, multipart/form-data and
// urlencoded forms with type inference and @jsonPayload merging.
#pragma once

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/http/request.hpp"
#include "basalt/service/files.hpp"

namespace basalt::api {

namespace net = boost::asio;

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

/// A body that may carry files (record writes, batch): the decoded fields and the uploads,
/// already staged.
struct UploadBody {
    boost::json::object data;
    std::vector<service::Upload> uploads;
};

/// Most non-file bytes a streamed multipart body may carry (its text parts are kept in memory).
inline constexpr std::size_t kMaxFormTextBytes = 32u << 20;

/// Reads a body that may carry files. A streamed multipart body (req.body_reader) is parsed as it
/// arrives: every file part goes straight into the staging area through `files`, text parts are
/// kept in memory up to kMaxFormTextBytes (beyond: kPayloadTooLarge). Anything else is read whole
/// and decoded as ParseBody does. On any error the files staged so far are dropped.
net::awaitable<Result<UploadBody>> ReadUploadBody(http::Request& req, service::FileService& files);

/// Form value type inference: "" stays a string, "true"/"false" -> bool, a number whose shortest
/// formatting equals the text -> number, anything else -> string.
boost::json::value InferFormValue(std::string_view s);

/// multipart/form-data parsing (exposed for tests).
Result<Body> ParseMultipart(std::string_view body, std::string_view boundary);

}  // namespace basalt::api
