// The connection loop: Beast read/route/read-body/handle/write, timeouts, limits, gzip, access
// log and streaming responses. The only TU of http/ (with the tests) that includes Beast I/O.
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "basalt/base/log.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/http/internal/gzip.hpp"
#include "basalt/http/internal/middleware.hpp"
#include "basalt/http/internal/url.hpp"
#include "basalt/http/internal/worker.hpp"

namespace basalt::http::internal {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using net::experimental::awaitable_operators::operator||;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kReadChunk = 8192;
constexpr std::size_t kStreamChunk = 64 * 1024;  // streamed request bodies / non-fd file reads
constexpr std::size_t kSendfileMax = 1u << 30;   // per sendfile(2) call
constexpr std::size_t kGzipMin = 1024;
constexpr std::size_t kLingerMaxBytes = 4u << 20;
constexpr std::chrono::seconds kLingerTimeout{2};

enum class After { kKeepAlive, kClose, kLingerClose };

/// Per-connection state, living in RunSession's frame.
struct Conn {
    Worker& w;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    SessionEntry entry;
    std::string remote_ip;
};

/// Unregisters the session from its worker when the coroutine frame dies.
class Registration {
public:
    Registration(Worker& w, SessionEntry* e) : w_(w), e_(e) { w_.Register(e_); }

    ~Registration() { w_.Unregister(e_); }

    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

private:
    Worker& w_;
    SessionEntry* e_;
};

/// What the access log line needs about one request.
struct LogInfo {
    std::string_view request_id;
    std::string_view method;
    std::string_view path;  // raw path, never the query string
    Clock::time_point start;
};

bool IsBodylessStatus(unsigned s) { return s < 200 || s == 204 || s == 304; }

// Security + CORS Vary + content type + extra headers, minus remove_headers.
void FillHeaders(bhttp::fields& f, const Response& res) {
    f.set("X-XSS-Protection", "1; mode=block");
    f.set("X-Content-Type-Options", "nosniff");
    f.set(bhttp::field::x_frame_options, "SAMEORIGIN");
    f.insert(bhttp::field::vary, "Origin");
    if (!res.content_type.empty()) {
        f.set(bhttp::field::content_type, res.content_type);
    }
    for (const auto& [k, v] : res.headers) {
        f.insert(k, v);
    }
    for (const auto& name : res.remove_headers) {
        f.erase(name);
    }
}

bool HasHeader(const Response& res, std::string_view name) {
    for (const auto& [k, v] : res.headers) {
        if (IEquals(k, name)) {
            return true;
        }
    }
    return false;
}

void AccessLog(const Conn& c, const LogInfo& li, unsigned status, std::size_t bytes) {
    if (!c.w.options->access_log) {
        return;
    }
    const double ms =
        std::chrono::duration<double, std::milli>(Clock::now() - li.start).count();
    log::Info("http id={} ip={} method={} path={} status={} bytes={} ms={:.3f}",
              li.request_id,
              c.remote_ip,
              li.method,
              li.path,
              status,
              bytes,
              ms);
}

/// Waits until the socket is writable again (after EAGAIN), at most `timeout`; false on timeout
/// or error.
net::awaitable<bool> WaitWritable(tcp::socket& socket, std::chrono::steady_clock::time_point deadline) {
    net::steady_timer timer(socket.get_executor());
    timer.expires_at(deadline);
    auto r = co_await (socket.async_wait(tcp::socket::wait_write, kTuple) || timer.async_wait(kTuple));
    co_return r.index() == 0 && !std::get<0>(std::get<0>(r));
}

/// Our own send(2)/sendfile(2) calls must not block a network thread: false if the socket
/// cannot be switched to non-blocking mode.
bool EnsureNonBlocking(tcp::socket& socket) {
    if (socket.native_non_blocking()) {
        return true;
    }
    boost::system::error_code ec;
    socket.native_non_blocking(true, ec);
    return !ec;
}

/// sendfile(2) of `length` bytes of `fd` from `offset` to the connection: the kernel copies from
/// the page cache, nothing passes through user memory. False when the client is gone or stalls
/// past the write timeout, or the file ends early.
net::awaitable<bool> SendFile(Conn& c, int fd, std::uint64_t offset, std::uint64_t length) {
    tcp::socket& socket = c.stream.socket();
    if (!EnsureNonBlocking(socket)) {
        co_return false;
    }
    auto off = static_cast<off_t>(offset);
    std::uint64_t left = length;
    while (left > 0) {
        const ssize_t n = ::sendfile(socket.native_handle(), fd, &off, std::min<std::uint64_t>(left, kSendfileMax));
        if (n > 0) {
            left -= static_cast<std::uint64_t>(n);
            continue;
        }
        if (n == 0) {
            co_return false;  // the file is shorter than announced
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            co_return false;
        }
        // Progress-based: a large file may take long, but each wait is bounded.
        const auto deadline = std::chrono::steady_clock::now() + c.w.options->write_timeout;
        if (!co_await WaitWritable(socket, deadline)) {
            co_return false;
        }
    }
    co_return true;
}

/// Copies a file part without a descriptor (a remote object) through a bounded buffer.
net::awaitable<bool> CopyFilePart(Conn& c, BodyFile& file, std::uint64_t offset, std::uint64_t length) {
    std::unique_ptr<char[]> buf(new char[kStreamChunk]);
    while (length > 0) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, kStreamChunk));
        auto got = co_await file.ReadAt(offset, std::span<char>(buf.get(), want));
        if (!got || *got == 0) {
            if (!got) {
                log::Error("http: reading a response body failed: {}", got.error().message);
            }
            co_return false;
        }
        c.stream.expires_after(c.w.options->write_timeout);
        auto [ec, n] = co_await net::async_write(c.stream, net::buffer(buf.get(), *got), kTuple);
        if (ec) {
            co_return false;
        }
        offset += *got;
        length -= *got;
    }
    co_return true;
}

/// The serialized header section of `out` (status line, fields in their order, empty line),
/// as Beast's serializer writes it, without its buffer sequence machinery.
std::string SerializeHeader(const bhttp::response_header<>& out) {
    std::string text;
    text.reserve(256);
    text += out.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char code[8];
    const auto [end, ec] = std::to_chars(code, code + sizeof code, out.result_int());
    text.append(code, end);
    text += ' ';
    const auto reason = out.reason();
    text.append(reason.data(), reason.size());
    text += "\r\n";
    for (const auto& f : out) {
        const auto name = f.name_string();
        const auto value = f.value();
        text.append(name.data(), name.size());
        text += ": ";
        text.append(value.data(), value.size());
        text += "\r\n";
    }
    text += "\r\n";
    return text;
}

/// Writes `first` then `second` straight to the socket, in one sendmsg(2) while the socket
/// takes them; with `more`, MSG_MORE lets the kernel put them in the same segments as what
/// follows (a header and the first sendfile bytes: one packet, not two, despite TCP_NODELAY).
/// False when the client is gone or has not taken everything by `deadline` (a client reading
/// a large answer a little at a time cannot hold the connection past it).
net::awaitable<bool> SendRaw(Conn& c,
                             std::string_view first,
                             std::string_view second,
                             bool more,
                             std::chrono::steady_clock::time_point deadline) {
    tcp::socket& socket = c.stream.socket();
    if (!EnsureNonBlocking(socket)) {
        co_return false;
    }
    const int flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);
    while (!first.empty() || !second.empty()) {
        iovec iov[2];
        msghdr msg{};
        msg.msg_iov = iov;
        if (!first.empty()) {
            iov[msg.msg_iovlen++] = {const_cast<char*>(first.data()), first.size()};
        }
        if (!second.empty()) {
            iov[msg.msg_iovlen++] = {const_cast<char*>(second.data()), second.size()};
        }
        const ssize_t n = ::sendmsg(socket.native_handle(), &msg, flags);
        if (n > 0) {
            auto sent = static_cast<std::size_t>(n);
            const std::size_t from_first = std::min(sent, first.size());
            first.remove_prefix(from_first);
            second.remove_prefix(sent - from_first);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            co_return false;
        }
        if (!co_await WaitWritable(socket, deadline)) {
            co_return false;
        }
    }
    co_return true;
}

/// SendRaw of one piece of a response whose file parts may take long: the write timeout
/// applies to this piece.
net::awaitable<bool> SendRaw(Conn& c, std::string_view data, bool more) {
    const std::string_view nothing;
    const auto deadline = std::chrono::steady_clock::now() + c.w.options->write_timeout;
    co_return co_await SendRaw(c, data, nothing, more, deadline);
}

/// Writes the header of `out` (Content-Length = the parts' total), then each part: literal bytes
/// as they are, file parts with sendfile(2) (or read in bounded pieces without a descriptor).
/// `bytes` receives what was written of the body.
net::awaitable<bool> WriteParts(Conn& c,
                                bhttp::response<bhttp::empty_body>& out,
                                const std::vector<BodyPart>& parts,
                                bool head,
                                std::size_t& bytes) {
    std::uint64_t total = 0;
    for (const auto& p : parts) {
        total += p.size();
    }
    out.content_length(total);
    // The header goes out with the literal parts that follow it in one write.
    std::string first = SerializeHeader(out);
    std::size_t i = 0;
    for (; !head && i < parts.size() && !parts[i].file; ++i) {
        first += parts[i].bytes;
        bytes += parts[i].bytes.size();
    }
    const bool more = !head && i < parts.size();
    if (!co_await SendRaw(c, first, more)) {
        co_return false;
    }
    if (head) {
        co_return true;
    }
    for (; i < parts.size(); ++i) {
        const BodyPart& p = parts[i];
        bool ok = true;
        if (!p.file) {
            ok = co_await SendRaw(c, p.bytes, i + 1 < parts.size());
        } else if (p.length == 0) {
            ok = true;
        } else if (const int fd = p.file->NativeHandle(); fd >= 0) {
            ok = co_await SendFile(c, fd, p.offset, p.length);
        } else {
            ok = co_await CopyFilePart(c, *p.file, p.offset, p.length);
        }
        if (!ok) {
            co_return false;
        }
        bytes += static_cast<std::size_t>(p.size());
    }
    co_return true;
}

/// Serializes a (non-stream) response. Returns false when the write failed.
net::awaitable<bool> WriteResponse(Conn& c,
                                   Response res,
                                   unsigned version,
                                   bool keep_alive,
                                   bool head,
                                   std::string_view accept_encoding,
                                   const LogInfo& li) {
    if (res.status < 100 || res.status > 999) {
        res = (*c.w.error_response)(500);
    }
    const bool bodyless = IsBodylessStatus(res.status);
    const bool in_parts = !res.parts.empty() && !bodyless;
    if (!in_parts && c.w.options->gzip && res.compress && !bodyless && res.body.size() >= kGzipMin &&
        IsCompressibleType(res.content_type) && !HasHeader(res, "Content-Encoding") &&
        AcceptsGzip(accept_encoding)) {
        std::string zipped;
        if (GzipCompress(res.body, zipped) && zipped.size() < res.body.size()) {
            res.body = std::move(zipped);
            res.headers.emplace_back("Content-Encoding", "gzip");
            res.headers.emplace_back("Vary", "Accept-Encoding");
        }
    }
    bhttp::response<bhttp::empty_body> out;
    out.version(version);
    out.result(res.status);
    FillHeaders(out, res);
    out.keep_alive(keep_alive);
    std::size_t bytes = 0;
    bool ok = false;
    if (in_parts) {
        ok = co_await WriteParts(c, out, res.parts, head, bytes);
        c.stream.expires_never();
    } else {
        if (!bodyless) {
            out.content_length(res.body.size());
            if (!head) {
                bytes = res.body.size();
            }
        }
        // Header and body in one sendmsg(2) straight from the network thread; only a full
        // socket buffer waits, and the whole answer must be taken within the write timeout.
        const std::string header = SerializeHeader(out);
        const std::string_view body(res.body.data(), bytes);
        const auto deadline = std::chrono::steady_clock::now() + c.w.options->write_timeout;
        ok = co_await SendRaw(c, header, body, false, deadline);
    }
    AccessLog(c, li, res.status, bytes);
    co_return ok;
}

/// Writes error_response(status) and tells the caller to close the connection.
net::awaitable<After> WriteError(Conn& c, unsigned status, unsigned version, const LogInfo& li) {
    co_await WriteResponse(c, (*c.w.error_response)(status), version, false, false, {}, li);
    co_return After::kLingerClose;
}

class ChunkWriter final : public StreamWriter {
public:
    ChunkWriter(beast::tcp_stream& stream, bool chunked, std::chrono::seconds timeout)
        : stream_(stream), chunked_(chunked), timeout_(timeout) {}

    net::awaitable<bool> Write(std::string_view chunk) override {
        if (closed_) {
            co_return false;
        }
        if (chunk.empty()) {
            co_return true;
        }
        stream_.expires_after(timeout_);
        const net::const_buffer buf(chunk.data(), chunk.size());
        boost::system::error_code ec;
        if (chunked_) {
            std::tie(ec, std::ignore) =
                co_await net::async_write(stream_, bhttp::make_chunk(buf), kTuple);
        } else {
            std::tie(ec, std::ignore) = co_await net::async_write(stream_, buf, kTuple);
        }
        stream_.expires_never();
        if (ec) {
            closed_ = true;
            write_failed_ = true;
            co_return false;
        }
        bytes_ += chunk.size();
        co_return true;
    }

    bool Closed() const override { return closed_; }

    void MarkClosed() { closed_ = true; }

    bool write_failed() const { return write_failed_; }

    std::size_t bytes() const { return bytes_; }

private:
    beast::tcp_stream& stream_;
    bool chunked_;
    std::chrono::seconds timeout_;
    bool closed_ = false;
    bool write_failed_ = false;
    std::size_t bytes_ = 0;
};

net::awaitable<void> RunStream(const Response* res, ChunkWriter* writer, std::string_view id) {
    try {
        co_await res->stream(*writer);
    } catch (const boost::system::system_error& e) {
        if (e.code() != net::error::operation_aborted) {
            log::Error("request {}: stream failed: {}", id, e.what());
        }
    } catch (const std::exception& e) {
        log::Error("request {}: stream failed: {}", id, e.what());
    }
}

// Completes when the peer closes (or sends garbage we ignore until it closes) or on cancel.
net::awaitable<void> WatchDisconnect(tcp::socket* socket, ChunkWriter* writer) {
    std::array<char, 512> scratch{};
    for (;;) {
        auto [ec, n] = co_await socket->async_read_some(net::buffer(scratch), kTuple);
        if (ec) {
            break;
        }
    }
    writer->MarkClosed();
}

net::awaitable<After> WriteStream(Conn& c,
                                  Response res,
                                  unsigned version,
                                  bool head,
                                  const LogInfo& li) {
    bhttp::response<bhttp::empty_body> out;
    out.version(version);
    out.result(res.status);
    FillHeaders(out, res);
    const bool chunked = version >= 11;
    out.keep_alive(false);
    if (chunked) {
        out.chunked(true);
    }
    bhttp::response_serializer<bhttp::empty_body> sr{out};
    c.stream.expires_after(c.w.options->write_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(c.stream, sr, kTuple);
    c.stream.expires_never();
    if (ec || head) {
        AccessLog(c, li, res.status, 0);
        co_return After::kClose;
    }
    ChunkWriter writer(c.stream, chunked, c.w.options->write_timeout);
    // A stream may live for hours (SSE) and never reads into the connection buffer again: give
    // its memory back (thousands of idle streams per node).
    if (c.buffer.size() == 0) {
        c.buffer.shrink_to_fit();
    }
    if (!c.w.stopping) {
        c.entry.phase = SessionPhase::kStreaming;
        co_await (RunStream(&res, &writer, li.request_id) ||
                  WatchDisconnect(&c.stream.socket(), &writer));
        c.entry.phase = SessionPhase::kBusy;
    }
    if (chunked && !writer.write_failed()) {
        c.stream.expires_after(c.w.options->write_timeout);
        co_await net::async_write(c.stream, bhttp::make_chunk_last(), kTuple);
    }
    AccessLog(c, li, res.status, writer.bytes());
    co_return After::kClose;
}

bool IsQuietReadError(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
           ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category();
}

/// The body of a streamed request (RouteOptions::stream_body), pulled by the handler through
/// Request::body_reader: Beast's parser with a buffer_body over a fixed 64 KiB buffer, one
/// async_read_some per Next(). Each read must make progress within read_body_timeout (as
/// nginx's client_body_timeout: a large upload may take longer than that as a whole).
class StreamedBody final : public BodyReader {
public:
    StreamedBody(Conn& c, bhttp::request_parser<bhttp::empty_body>&& header, std::size_t limit, bool expect_continue)
        : c_(c), parser_(std::move(header)), buf_(new char[kStreamChunk]), expect_continue_(expect_continue) {
        if (limit == RouteOptions::kUnlimitedBody) {
            parser_.body_limit(boost::none);
        } else {
            parser_.body_limit(static_cast<std::uint64_t>(limit));
        }
    }

    net::awaitable<Chunk> Next() override {
        if (state_ != State::kData) {
            co_return Chunk{state_, {}};
        }
        if (expect_continue_) {
            expect_continue_ = false;
            bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, parser_.get().version()};
            c_.stream.expires_after(c_.w.options->write_timeout);
            auto [ec, n] = co_await bhttp::async_write(c_.stream, cont, kTuple);
            if (ec) {
                co_return Fail(State::kFailed);
            }
        }
        for (;;) {
            if (parser_.is_done()) {
                state_ = State::kEnd;
                co_return Chunk{state_, {}};
            }
            auto& body = parser_.get().body();
            body.data = buf_.get();
            body.size = kStreamChunk;
            body.more = true;
            c_.stream.expires_after(c_.w.options->read_body_timeout);
            auto [ec, n] = co_await bhttp::async_read_some(c_.stream, c_.buffer, parser_, kTuple);
            c_.stream.expires_never();
            if (ec == bhttp::error::need_buffer) {
                ec = {};
            }
            if (ec == bhttp::error::body_limit) {
                co_return Fail(State::kTooLarge);
            }
            if (ec) {
                co_return Fail(IsQuietReadError(ec) ? State::kFailed : State::kBad);
            }
            const std::size_t got = kStreamChunk - parser_.get().body().size;
            if (got > 0) {
                consumed_ += got;
                co_return Chunk{State::kData, std::string_view(buf_.get(), got)};
            }
        }
    }

    std::uint64_t consumed() const override { return consumed_; }

    State state() const { return state_; }

    /// Whether the request was read to its end (the connection may serve another one).
    bool complete() const { return state_ == State::kEnd || (state_ == State::kData && parser_.is_done()); }

    bool keep_alive() const { return parser_.get().keep_alive(); }

private:
    Chunk Fail(State s) {
        state_ = s;
        return Chunk{s, {}};
    }

    Conn& c_;
    bhttp::request_parser<bhttp::buffer_body> parser_;
    std::unique_ptr<char[]> buf_;
    bool expect_continue_;
    State state_ = State::kData;
    std::uint64_t consumed_ = 0;
};

// Fills path/query from the request-target; false if it is malformed.
bool ParseTarget(Request& req, std::string_view& raw_path) {
    std::string_view target = req.target;
    if (target.empty()) {
        return false;
    }
    if (target.front() != '/') {
        if (target == "*" && req.method == bhttp::verb::options) {
            req.path = "*";
            raw_path = target;
            return true;
        }
        // absolute-form: scheme://authority/path
        auto scheme = target.find("://");
        if (scheme == std::string_view::npos) {
            return false;
        }
        auto slash = target.find('/', scheme + 3);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    auto [path, query] = SplitTarget(target);
    auto decoded = PercentDecode(path);
    if (!decoded) {
        return false;
    }
    req.path = std::move(*decoded);
    req.query = ParseQuery(query);
    raw_path = path;
    return true;
}

// Reads, routes, handles and answers one request (route matched before the body is read).
net::awaitable<After> HandleOne(Conn& c) {
    const ServerOptions& o = *c.w.options;
    const Clock::time_point start = Clock::now();
    std::string request_id = RandomString(16);
    LogInfo li{request_id, "-", "-", start};

    bhttp::request_parser<bhttp::empty_body> hp;
    hp.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(o.header_limit, UINT32_MAX)));
    hp.body_limit(boost::none);  // checked per route below
    c.stream.expires_after(o.read_header_timeout);
    {
        auto [ec, n] = co_await bhttp::async_read_header(c.stream, c.buffer, hp, kTuple);
        if (ec == bhttp::error::header_limit) {
            co_return co_await WriteError(c, 431, 11, li);
        }
        if (ec) {
            if (IsQuietReadError(ec)) {
                co_return After::kClose;
            }
            co_return co_await WriteError(c, 400, 11, li);
        }
    }

    Request req;
    {
        const auto& h = hp.get();
        req.method = h.method();
        req.method_string = std::string(h.method_string());
        req.target = std::string(h.target());
    }
    const unsigned version = hp.get().version();
    std::string_view raw_path;
    const bool target_ok = ParseTarget(req, raw_path);
    li.method = req.method_string;
    li.path = target_ok ? raw_path : std::string_view("-");
    if (!target_ok) {
        co_return co_await WriteError(c, 400, version, li);
    }

    RouteMatch match = c.w.router->Match(req.method, raw_path);
    req.params = std::move(match.params);
    const Route& route = *match.route;
    const Handler& handler = route.handler ? route.handler : *c.w.not_found;
    const std::size_t limit = route.options.body_limit_fn ? route.options.body_limit_fn(req) : route.options.body_limit;

    bool keep_alive = false;
    std::optional<StreamedBody> streamed;
    if (hp.is_done()) {
        auto msg = hp.release();
        keep_alive = msg.keep_alive();
        req.headers = std::move(static_cast<bhttp::fields&>(msg.base()));
    } else {
        if (auto cl = hp.content_length(); cl && *cl > limit) {
            co_return co_await WriteError(c, 413, version, li);
        }
        const bool expect_continue = version >= 11 && IEquals(hp.get()[bhttp::field::expect], "100-continue");
        if (route.options.stream_body) {
            req.headers = hp.get().base();  // a copy: the parser keeps its header for framing
            if (!route.options.stream_body(req)) {
                req.headers.clear();
            } else {
                streamed.emplace(c, std::move(hp), limit, expect_continue);
                req.body_reader = &*streamed;
                c.buffer.reserve(kStreamChunk);  // read the body in 64 KiB pieces, not 8 KiB
            }
        }
        if (!streamed) {
            if (expect_continue) {
                bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, version};
                c.stream.expires_after(o.write_timeout);
                auto [ec, n] = co_await bhttp::async_write(c.stream, cont, kTuple);
                if (ec) {
                    co_return After::kClose;
                }
            }
            bhttp::request_parser<bhttp::string_body> bp{std::move(hp)};
            if (limit == RouteOptions::kUnlimitedBody) {
                bp.body_limit(boost::none);
            } else {
                bp.body_limit(static_cast<std::uint64_t>(limit));
            }
            c.stream.expires_after(o.read_body_timeout);
            auto [ec, n] = co_await bhttp::async_read(c.stream, c.buffer, bp, kTuple);
            if (ec == bhttp::error::body_limit) {
                co_return co_await WriteError(c, 413, version, li);
            }
            if (ec) {
                if (IsQuietReadError(ec)) {
                    co_return After::kClose;
                }
                co_return co_await WriteError(c, 400, version, li);
            }
            auto msg = bp.release();
            keep_alive = msg.keep_alive();
            req.body = std::move(msg.body());
            req.headers = std::move(static_cast<bhttp::fields&>(msg.base()));
        }
    }
    c.stream.expires_never();

    req.remote_ip = c.remote_ip;
    req.request_id = std::move(request_id);
    li.request_id = req.request_id;
    li.method = req.method_string;

    Response res = co_await Process(*c.w.router, handler, req, *c.w.error_response);
    req.body_reader = nullptr;
    After after_ok = After::kKeepAlive;
    if (streamed) {
        // A failed body read is answered here, whatever the handler made of it.
        switch (streamed->state()) {
            case BodyReader::State::kTooLarge: co_return co_await WriteError(c, 413, version, li);
            case BodyReader::State::kBad: co_return co_await WriteError(c, 400, version, li);
            case BodyReader::State::kFailed: co_return After::kClose;  // client gone: nobody to answer
            case BodyReader::State::kData:
            case BodyReader::State::kEnd: break;
        }
        keep_alive = streamed->keep_alive();
        if (c.buffer.size() == 0) {
            c.buffer.shrink_to_fit();  // back to the idle footprint
        }
        if (!streamed->complete()) {
            // The handler answered without the rest of the body: answer, then drain and close.
            keep_alive = false;
            after_ok = After::kLingerClose;
        }
    }
    const bool head = req.method == bhttp::verb::head;
    if (res.stream) {
        co_return co_await WriteStream(c, std::move(res), version, head, li);
    }
    keep_alive = keep_alive && !c.w.stopping;
    const bool ok = co_await WriteResponse(
        c, std::move(res), version, keep_alive, head, req.Header("Accept-Encoding"), li);
    if (ok && after_ok == After::kLingerClose) {
        co_return After::kLingerClose;
    }
    co_return ok && keep_alive ? After::kKeepAlive : After::kClose;
}

// Half-close, then drain what the client is still sending (bounded) so that it sees our
// response instead of a reset.
net::awaitable<void> LingerClose(Conn& c) {
    boost::system::error_code ec;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    c.stream.expires_after(kLingerTimeout);
    std::size_t total = 0;
    while (total < kLingerMaxBytes) {
        c.buffer.consume(c.buffer.size());
        auto [rec, n] = co_await c.stream.async_read_some(c.buffer.prepare(65536), kTuple);
        if (rec) {
            break;
        }
        total += n;
    }
}

}  // namespace

net::awaitable<void> RunSession(Worker& w, tcp::socket socket) {
    Conn c{w, beast::tcp_stream(std::move(socket)), beast::flat_buffer(), SessionEntry{}, {}};
    c.entry.socket = &c.stream.socket();
    const Registration registration(w, &c.entry);
    {
        boost::system::error_code ec;
        auto ep = c.stream.socket().remote_endpoint(ec);
        if (!ec) {
            c.remote_ip = ep.address().to_string();
        }
    }
    bool first = true;
    After after = After::kClose;
    while (!w.stopping) {
        if (c.buffer.size() == 0) {
            c.entry.phase = SessionPhase::kIdle;
            c.stream.expires_after(first ? w.options->read_header_timeout
                                         : w.options->idle_timeout);
            auto [ec, n] = co_await c.stream.async_read_some(c.buffer.prepare(kReadChunk), kTuple);
            c.entry.phase = SessionPhase::kBusy;
            if (ec) {
                break;
            }
            c.buffer.commit(n);
        }
        first = false;
        after = co_await HandleOne(c);
        if (after != After::kKeepAlive) {
            break;
        }
    }
    if (after == After::kLingerClose) {
        co_await LingerClose(c);
    }
    boost::system::error_code ec;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    c.stream.socket().close(ec);
}

}  // namespace basalt::http::internal
