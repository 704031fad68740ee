// HTTP request/response values and the handler/middleware signatures of the transport layer.
// Part of basalt::http (transport only, knows no domain); see README.md in this folder.
#pragma once

#include <any>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

namespace basalt::http {

namespace net = boost::asio;

/// One parsed HTTP request. Owned by the connection's session for the duration of one request;
/// handlers and middleware receive it by reference and may keep references into it only until
/// their awaitable completes. Confined to the connection's thread.
struct Request {
    boost::beast::http::verb method = boost::beast::http::verb::unknown;  // HEAD routes like GET
    std::string method_string;  // "GET", ...
    std::string target;         // raw request-target
    std::string path;           // percent-decoded path without query
    std::vector<std::pair<std::string, std::string>> query;  // decoded ('+' = space), in order
    boost::beast::http::fields headers;
    std::string body;
    std::string remote_ip;
    std::string request_id;  // 16 random chars, generated per request
    std::map<std::string, std::string, std::less<>> params;  // path params, decoded
    std::any user_data;  // free slot for middleware (e.g. the api's resolved auth)

    /// Header value, "" if absent (name is case-insensitive).
    std::string_view Header(std::string_view name) const;
    /// First query value for `key`.
    std::optional<std::string_view> Query(std::string_view key) const;
    /// Path param, "" if absent.
    std::string_view Param(std::string_view name) const;
};

class StreamWriter;

/// A response value produced by a handler. Moved into the session which serializes it.
struct Response {
    unsigned status = 200;
    std::string content_type;  // e.g. "application/json"; empty = none
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers
    std::vector<std::string> remove_headers;  // e.g. "X-Frame-Options" for file downloads
    /// false = never gzip this body (file downloads: ranges and ETags refer to the bytes as stored).
    bool compress = true;
    /// Long-lived streaming (SSE): when set, the session writes status + headers with chunked
    /// encoding, then co_awaits stream(writer); the response (and the connection) ends when it
    /// returns. On server shutdown or client disconnect the awaitable is cancelled (terminal
    /// cancellation of its pending operation) and writer.Closed() becomes true.
    std::function<net::awaitable<void>(StreamWriter&)> stream;

    static Response Json(unsigned status, std::string body);
    static Response Empty(unsigned status = 204);
};

/// Writes chunks of a streaming response. Owned by the session; valid only inside the
/// Response::stream call; confined to the connection's thread.
class StreamWriter {
public:
    virtual ~StreamWriter() = default;
    /// Writes one chunk (empty chunks are ignored); false once the client is gone.
    virtual net::awaitable<bool> Write(std::string_view chunk) = 0;
    /// True after a failed write, a client disconnect or server shutdown.
    virtual bool Closed() const = 0;
};

using Handler = std::function<net::awaitable<Response>(Request&)>;
using Next = std::function<net::awaitable<Response>(Request&)>;
using Middleware = std::function<net::awaitable<Response>(Request&, const Next&)>;

}  // namespace basalt::http
