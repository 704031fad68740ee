// A tiny synchronous HTTP/1.1 client for black-box tests: one request per connection, raw
// request text (so malformed/oversized requests are possible), Beast's parser for the response,
// poll()-based timeouts so a hung server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::e2e {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
    int status = 0;        ///< 0 when no response could be read (see `error`)
    Headers headers;       ///< in wire order, names as sent
    std::string body;      ///< raw body (still gzip-compressed if Content-Encoding says so)
    std::string error;     ///< transport error text, empty on success

    /// First header value with this (case-insensitive) name.
    std::optional<std::string> Header(std::string_view name) const;
    /// `body`, gunzipped when Content-Encoding is gzip.
    std::string DecodedBody() const;
};

struct HttpRequest {
    std::string method = "GET";
    std::string target = "/";  ///< path + query, already percent-encoded
    Headers headers;
    std::string body;
    /// Adds `Content-Length` (unless a Content-Length or Transfer-Encoding header is given) when
    /// true or when body is non-empty.
    bool content_length = true;
};

/// Sends `req` to 127.0.0.1:`port` with `Connection: close` and reads the whole response.
/// Writes the body in slices and stops early if the server already answered (413/431 cases).
HttpResponse Send(int port,
                  const HttpRequest& req,
                  std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// Percent-encodes a query value (RFC 3986 unreserved kept).
std::string UrlEncode(std::string_view s);

/// Gunzips `data`; nullopt if it is not valid gzip.
std::optional<std::string> Gunzip(std::string_view data);

}  // namespace basalt::e2e
