// HTTP request/response values and the handler/middleware signatures of the transport layer.
// Part of basalt::http (transport only, knows no domain); see README.md in this folder.
#pragma once

#include <any>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include "basalt/base/result.hpp"

namespace basalt::http {

namespace net = boost::asio;

/// Incremental access to a request body the route chose to stream (RouteOptions::stream_body):
/// the session has read only the header, the handler pulls the body piece by piece, so a large
/// upload never sits whole in memory. Owned by the session; valid only while the handler runs;
/// confined to the connection's thread; one Next() at a time.
class BodyReader {
public:
    enum class State {
        kData,      ///< `data` holds the next bytes (never empty)
        kEnd,       ///< the body is complete
        kTooLarge,  ///< the route's body limit was exceeded
        kBad,       ///< malformed framing (e.g. bad chunk encoding)
        kFailed,    ///< the client went away or was too slow
    };

    struct Chunk {
        State state = State::kEnd;
        std::string_view data;  ///< valid until the next Next() call
    };

    virtual ~BodyReader() = default;
    /// The next piece of the body (sends "100 Continue" first when the client expects it).
    /// After anything but kData every later call returns the same state. When a read fails the
    /// session answers by itself — 413 for kTooLarge, 400 for kBad, nothing for kFailed — and
    /// the handler's response is dropped: handlers only need to stop and clean up.
    virtual net::awaitable<Chunk> Next() = 0;
    /// Total body bytes handed out so far.
    virtual std::uint64_t consumed() const = 0;
};

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
    std::string body;           // empty when the body is streamed (see body_reader)
    BodyReader* body_reader = nullptr;  // set when the route streams this request's body
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

/// Random-access bytes a response body can be cut from without holding them in memory (a stored
/// file). Shared by the handler's response and the session until the write ends; must be
/// usable from the connection's thread.
class BodyFile {
public:
    virtual ~BodyFile() = default;
    /// A readable file descriptor the session may sendfile(2) from, or -1 (then ReadAt is used).
    virtual int NativeHandle() const = 0;
    /// Reads up to `out.size()` bytes at `offset`; fewer only at the end of the file. Errors
    /// end the response (the connection is closed: the status line is already out).
    virtual net::awaitable<Result<std::size_t>> ReadAt(std::uint64_t offset, std::span<char> out) = 0;
};

/// A piece of a response body: literal `bytes`, or `length` bytes of `file` from `offset`.
struct BodyPart {
    std::string bytes;
    std::shared_ptr<BodyFile> file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;

    std::uint64_t size() const { return file ? length : bytes.size(); }

    static BodyPart Bytes(std::string b) {
        BodyPart p;
        p.bytes = std::move(b);
        return p;
    }

    static BodyPart File(std::shared_ptr<BodyFile> f, std::uint64_t offset, std::uint64_t length) {
        BodyPart p;
        p.file = std::move(f);
        p.offset = offset;
        p.length = length;
        return p;
    }
};

/// A response value produced by a handler. Moved into the session which serializes it.
struct Response {
    unsigned status = 200;
    std::string content_type;  // e.g. "application/json"; empty = none
    std::string body;
    /// When non-empty, the body instead of `body`: written part by part (files straight from
    /// disk), with Content-Length = the parts' total; never gzipped.
    std::vector<BodyPart> parts;
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
