// Raw-socket HTTP client used by the e2e tests (see http_client.hpp).
#include "http_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace basalt::e2e {
namespace http = boost::beast::http;
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

int MsLeft(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

bool IEq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

/// poll() one fd for `events`; returns revents, 0 on timeout.
short PollFor(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int r = ::poll(&p, 1, MsLeft(deadline));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        return r > 0 ? p.revents : 0;
    }
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (IEq(k, name)) {
            return v;
        }
    }
    return std::nullopt;
}

std::string HttpResponse::DecodedBody() const {
    const auto enc = Header("Content-Encoding");
    if (enc && IEq(*enc, "gzip")) {
        if (auto plain = Gunzip(body)) {
            return *plain;
        }
    }
    return body;
}

HttpResponse Send(int port, const HttpRequest& req, std::chrono::milliseconds timeout) {
    HttpResponse res;
    const auto deadline = Clock::now() + timeout;

    Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (sock.get() < 0) {
        res.error = "socket() failed";
        return res;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (errno != EINPROGRESS || (PollFor(sock.get(), POLLOUT, deadline) & POLLOUT) == 0) {
            res.error = "connect failed";
            return res;
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            res.error = std::string("connect failed: ") + std::strerror(err);
            return res;
        }
    }

    std::string head = req.method + " " + req.target + " HTTP/1.1\r\n";
    bool has_host = false;
    bool has_length = false;
    for (const auto& [k, v] : req.headers) {
        has_host = has_host || IEq(k, "Host");
        has_length = has_length || IEq(k, "Content-Length") || IEq(k, "Transfer-Encoding");
        head += k + ": " + v + "\r\n";
    }
    if (!has_host) {
        head += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    }
    if (!has_length && (req.content_length || !req.body.empty())) {
        head += "Content-Length: " + std::to_string(req.body.size()) + "\r\n";
    }
    head += "Connection: close\r\n\r\n";

    // Write head + body; if the server answers early (e.g. 413), stop writing and read it.
    const std::string_view parts[] = {head, req.body};
    bool answered_early = false;
    for (const std::string_view part : parts) {
        std::size_t off = 0;
        while (off < part.size() && !answered_early) {
            const short ev = PollFor(sock.get(), POLLOUT | POLLIN, deadline);
            if (ev == 0) {
                res.error = "timed out writing the request";
                return res;
            }
            if ((ev & (POLLIN | POLLHUP | POLLERR)) != 0) {
                answered_early = true;
                break;
            }
            const std::size_t n = std::min<std::size_t>(part.size() - off, 64 * 1024);
            const ssize_t w = ::send(sock.get(), part.data() + off, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EAGAIN || errno == EINTR) {
                    continue;
                }
                answered_early = true;  // reset/broken pipe: try to read what was sent back
                break;
            }
            off += static_cast<std::size_t>(w);
        }
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{256} * 1024 * 1024);
    parser.header_limit(1024 * 1024);
    parser.eager(true);
    if (req.method == "HEAD") {
        parser.skip(true);
    }
    std::string buf;
    std::array<char, 64 * 1024> chunk{};
    boost::beast::error_code ec;
    while (!parser.is_done()) {
        if (!buf.empty()) {
            const std::size_t used = parser.put(boost::asio::buffer(buf), ec);
            buf.erase(0, used);
            if (ec == http::error::need_more) {
                ec = {};
            } else if (ec) {
                res.error = "bad response: " + ec.message();
                return res;
            }
            if (parser.is_done()) {
                break;
            }
            if (used > 0 && !buf.empty()) {
                continue;
            }
        }
        const short ev = PollFor(sock.get(), POLLIN, deadline);
        if (ev == 0) {
            res.error = "timed out reading the response";
            return res;
        }
        const ssize_t n = ::recv(sock.get(), chunk.data(), chunk.size(), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        }
        if (n <= 0) {
            if (!parser.got_some()) {  // closed before a single byte (put_eof would assert)
                res.error = n < 0 ? std::string("recv: ") + std::strerror(errno) : "connection closed without a response";
                return res;
            }
            parser.put_eof(ec);
            if (ec || !parser.is_done()) {
                res.error = n < 0 ? std::string("recv: ") + std::strerror(errno)
                                  : "connection closed before a complete response";
                if (!parser.is_header_done()) {
                    return res;
                }
            }
            break;
        }
        buf.append(chunk.data(), static_cast<std::size_t>(n));
    }
    if (!parser.is_header_done()) {
        return res;
    }
    const auto& msg = parser.get();
    res.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
        res.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    res.body = msg.body();
    return res;
}

std::string UrlEncode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4U];
            out += kHex[u & 15U];
        }
    }
    return out;
}

std::optional<std::string> Gunzip(std::string_view data) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        return std::nullopt;
    }
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    std::string out;
    std::array<char, 16384> buf{};
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf.data());
        zs.avail_out = static_cast<uInt>(buf.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf.data(), buf.size() - zs.avail_out);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            break;
        }
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        return std::nullopt;
    }
    return out;
}

}  // namespace basalt::e2e
