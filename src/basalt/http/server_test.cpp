// Socket tests: a Server on 127.0.0.1:0 in-process, driven by a small Beast/raw-socket client.
#include "basalt/http/server.hpp"

#include <zlib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <span>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>

#include "basalt/base/error.hpp"

namespace basalt::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::beast::http::verb;
using namespace std::chrono_literals;

// ---- handlers (named coroutines; the lambdas only forward) ----

net::awaitable<Response> Hello(Request& req) {
    co_return Response::Json(200, R"({"hello":")" + std::string(req.Param("name")) + "\"}");
}

// The serving thread, to see which worker a connection landed on.
net::awaitable<Response> Thread(Request&) {
    co_return Response::Json(200, std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id())));
}

net::awaitable<Response> Echo(Request& req) {
    std::string out = req.method_string + " " + req.path + " [" + req.body + "]";
    for (const auto& [k, v] : req.query) {
        out += " " + k + "=" + v;
    }
    co_return Response::Json(200, out);
}

net::awaitable<Response> Huge(Request&) {
    co_return Response::Json(200, std::string(32u << 20, 'x'));
}

net::awaitable<Response> Big(Request&) {
    std::string body = "[";
    for (int i = 0; i < 300; ++i) {
        body += R"({"id":"abcdefghijklmno","n":)" + std::to_string(i) + "},";
    }
    body.back() = ']';
    co_return Response::Json(200, body);
}

net::awaitable<Response> Download(Request&) {
    Response r;
    r.content_type = "image/png";
    r.body = "PNG";
    r.remove_headers.emplace_back("X-Frame-Options");
    r.headers.emplace_back("Content-Disposition", "attachment");
    co_return r;
}

net::awaitable<Response> Boom(Request&) {
    throw std::runtime_error("boom");
    co_return Response::Empty();
}

net::awaitable<Response> BoomError(Request&) {
    throw ErrorException(Internal("boom"));
    co_return Response::Empty();
}

net::awaitable<Response> Slow(Request&) {
    net::steady_timer t(co_await net::this_coro::executor, 400ms);
    co_await t.async_wait(net::use_awaitable);
    co_return Response::Json(200, "slow-done");
}

net::awaitable<void> ThreeChunks(StreamWriter& w) {
    for (const char* c : {"id:1\n\n", "id:2\n\n", "id:3\n\n"}) {
        if (!co_await w.Write(c)) {
            co_return;
        }
    }
}

std::atomic<int> g_forever_ended{0};

net::awaitable<void> Forever(StreamWriter& w) {
    co_await w.Write("hello\n\n");
    net::steady_timer t(co_await net::this_coro::executor, 1h);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));  // cancelled on disconnect/stop
    ++g_forever_ended;
}

Response StreamResponse(std::function<net::awaitable<void>(StreamWriter&)> fn) {
    Response r;
    r.content_type = "text/event-stream";
    r.headers.emplace_back("Cache-Control", "no-store");
    r.stream = std::move(fn);
    return r;
}

net::awaitable<Response> Ready(Response r) { co_return r; }

net::awaitable<Response> AddHeader(Request& req, const Next& next, std::string tag) {
    req.user_data = tag;
    Response res = co_await next(req);
    res.headers.emplace_back("X-Mw", tag);
    co_return res;
}

// ---- streamed request bodies ----

/// What the last streamed-body handler saw (tests run one server at a time).
struct StreamSeen {
    std::atomic<int> calls{0};
    std::atomic<int> last_state{-1};  // BodyReader::State of the read that ended the loop
    std::atomic<std::size_t> bytes{0};
};

StreamSeen g_seen;

/// Reads the whole body through the reader: "n=<bytes> max=<largest chunk> sum=<byte sum>".
net::awaitable<Response> Drain(Request& req) {
    ++g_seen.calls;
    if (req.body_reader == nullptr || !req.body.empty()) {
        co_return Response::Json(500, "not streamed");
    }
    std::size_t n = 0;
    std::size_t max = 0;
    unsigned long sum = 0;
    for (;;) {
        const BodyReader::Chunk c = co_await req.body_reader->Next();
        if (c.state != BodyReader::State::kData) {
            g_seen.last_state = static_cast<int>(c.state);
            break;
        }
        n += c.data.size();
        max = std::max(max, c.data.size());
        for (char ch : c.data) {
            sum += static_cast<unsigned char>(ch);
        }
    }
    g_seen.bytes = n;
    EXPECT_EQ(req.body_reader->consumed(), n);
    co_return Response::Json(200, "n=" + std::to_string(n) + " max=" + std::to_string(max) +
                                      " sum=" + std::to_string(sum) + " h=" + std::string(req.Header("X-Tag")));
}

/// Answers without reading the body.
net::awaitable<Response> Ignore(Request&) {
    ++g_seen.calls;
    co_return Response::Json(202, "ignored");
}

// ---- bodies from files ----

/// A BodyFile over bytes in memory, without a descriptor (the non-sendfile path).
class MemoryFile final : public BodyFile {
public:
    explicit MemoryFile(std::string data) : data_(std::move(data)) {}
    int NativeHandle() const override { return -1; }
    net::awaitable<Result<std::size_t>> ReadAt(std::uint64_t offset, std::span<char> out) override {
        const std::size_t n = offset >= data_.size() ? 0 : std::min(out.size(), data_.size() - offset);
        std::copy_n(data_.data() + offset, n, out.data());
        co_return n;
    }

private:
    std::string data_;
};

/// A BodyFile over an unlinked temp file (sendfile path).
class TempFile final : public BodyFile {
public:
    explicit TempFile(const std::string& data) {
        char name[] = "/tmp/basalt_http_test_XXXXXX";
        fd_ = ::mkstemp(name);
        ::unlink(name);
        EXPECT_EQ(::write(fd_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    }
    ~TempFile() override { ::close(fd_); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    int NativeHandle() const override { return fd_; }
    net::awaitable<Result<std::size_t>> ReadAt(std::uint64_t, std::span<char>) override {
        co_return Internal("unused");
    }

private:
    int fd_ = -1;
};

std::string Pattern(std::size_t n, unsigned seed) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        out[i] = static_cast<char>((i * 131 + seed + i / 977) & 0xFF);
    }
    return out;
}

const std::string& BigFileData() {
    static const std::string data = Pattern(6u << 20, 7);
    return data;
}

/// "<" + file[10, 10+100000) + "|" + memory[0, 5000) + ">" and the whole 6 MiB file.
net::awaitable<Response> Parts(Request& req) {
    static const std::shared_ptr<BodyFile> disk = std::make_shared<TempFile>(BigFileData());
    static const std::shared_ptr<BodyFile> mem = std::make_shared<MemoryFile>(Pattern(200000, 3));
    Response r;
    r.content_type = "application/octet-stream";
    if (req.Query("whole")) {
        r.parts.push_back(BodyPart::File(disk, 0, BigFileData().size()));
        co_return r;
    }
    r.parts.push_back(BodyPart::Bytes("<"));
    r.parts.push_back(BodyPart::File(disk, 10, 100000));
    r.parts.push_back(BodyPart::Bytes("|"));
    r.parts.push_back(BodyPart::File(mem, 0, 150000));
    r.parts.push_back(BodyPart::Bytes(">"));
    co_return r;
}

Response JsonError(unsigned status) {
    return Response::Json(status, R"({"status":)" + std::to_string(status) + "}");
}

std::shared_ptr<Router> MakeRouter() {
    auto r = std::make_shared<Router>();
    r->Add(verb::get, "/api/hello/{name}", [](Request& q) { return Hello(q); });
    r->Add(verb::get, "/api/echo/{rest...}", [](Request& q) { return Echo(q); });
    r->Add(verb::get, "/api/thread", [](Request& q) { return Thread(q); });
    r->Add(verb::post, "/api/echo", [](Request& q) { return Echo(q); });
    r->Add(verb::post, "/api/small", [](Request& q) { return Echo(q); }, RouteOptions{.body_limit = 10, .body_limit_fn = {}, .stream_body = {}});
    // the limit comes from the path: /api/sized/5 accepts 5 bytes
    RouteOptions sized;
    sized.body_limit_fn = [](const Request& q) { return static_cast<std::size_t>(std::stoul(std::string(q.Param("n")))); };
    r->Add(verb::post, "/api/sized/{n}", [](Request& q) { return Echo(q); }, sized);
    r->Add(verb::get, "/api/big", [](Request& q) { return Big(q); });
    r->Add(verb::get, "/api/huge", [](Request& q) { return Huge(q); });
    r->Add(verb::get, "/api/download", [](Request& q) { return Download(q); });
    r->Add(verb::get, "/api/boom", [](Request& q) { return Boom(q); });
    r->Add(verb::get, "/api/boom2", [](Request& q) { return BoomError(q); });
    r->Add(verb::get, "/api/slow", [](Request& q) { return Slow(q); });
    r->Add(verb::get, "/api/stream", [](Request&) { return Ready(StreamResponse(ThreeChunks)); });
    r->Add(verb::get, "/api/forever", [](Request&) { return Ready(StreamResponse(Forever)); });
    RouteOptions streamed;
    streamed.body_limit = 1u << 20;
    streamed.stream_body = [](const Request& q) { return q.Header("X-Buffer").empty(); };
    r->Add(verb::post, "/api/upload", [](Request& q) { return Drain(q); }, streamed);
    r->Add(verb::post, "/api/upload-ignore", [](Request& q) { return Ignore(q); }, streamed);
    r->Add(verb::get, "/api/parts", [](Request& q) { return Parts(q); });
    r->Add(verb::get, "/api/mw", [](Request& q) {
        return Ready(Response::Json(200, std::any_cast<std::string>(q.user_data)));
    });
    r->Use([](Request& q, const Next& n) { return AddHeader(q, n, "outer"); });
    return r;
}

/// Runs a Server on an ephemeral port in a background thread.
class TestServer {
public:
    explicit TestServer(ServerOptions o = {}, std::shared_ptr<Router> router = MakeRouter()) {
        o.port = 0;
        o.workers = o.workers == 0 ? 2 : o.workers;
        o.access_log = false;
        server_ = std::make_unique<Server>(std::move(o), std::move(router));
        server_->Start();
        thread_ = std::thread([this] {
            server_->Run();
            done_ = true;
        });
    }

    ~TestServer() { StopAndJoin(); }

    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::chrono::milliseconds StopAndJoin() {
        const auto t0 = std::chrono::steady_clock::now();
        if (thread_.joinable()) {
            server_->Stop();
            thread_.join();
        }
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - t0);
    }

    std::uint16_t port() const { return server_->port(); }

    Server& server() { return *server_; }

    bool done() const { return done_; }

private:
    std::unique_ptr<Server> server_;
    std::thread thread_;
    std::atomic<bool> done_{false};
};

/// Blocking-style client with a deadline on every operation.
class Client {
public:
    explicit Client(std::uint16_t port) : stream_(ioc_) {
        stream_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    }

    void Send(std::string_view raw) { net::write(stream_.socket(), net::buffer(raw)); }

    /// Reads one response; nullopt on error/EOF/timeout.
    std::optional<bhttp::response<bhttp::string_body>> Read(bool head = false,
                                                            std::chrono::seconds t = 5s) {
        bhttp::response_parser<bhttp::string_body> p;
        p.body_limit(boost::none);
        p.skip(head);
        boost::system::error_code result = net::error::would_block;
        stream_.expires_after(t);
        bhttp::async_read(stream_, buf_, p, [&](boost::system::error_code ec, std::size_t) {
            result = ec;
        });
        ioc_.restart();
        ioc_.run();
        last_error_ = result;
        if (result) {
            return std::nullopt;
        }
        return p.release();
    }

    /// True if the server closes the connection within `t` (reads and discards data).
    bool WaitClosed(std::chrono::seconds t = 5s) {
        std::array<char, 4096> tmp{};
        bool closed = false;
        const auto deadline = std::chrono::steady_clock::now() + t;
        while (!closed && std::chrono::steady_clock::now() < deadline) {
            boost::system::error_code result = net::error::would_block;
            stream_.expires_at(deadline);
            stream_.async_read_some(net::buffer(tmp), [&](boost::system::error_code ec, std::size_t) {
                result = ec;
            });
            ioc_.restart();
            ioc_.run();
            if (result == beast::error::timeout) {
                return false;
            }
            closed = result.failed();
        }
        return closed;
    }

    boost::system::error_code last_error() const { return last_error_; }

private:
    net::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buf_;
    boost::system::error_code last_error_;
};

std::string Get(std::string_view target, std::string_view extra = "") {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n" + std::string(extra) + "\r\n";
}

std::string Gunzip(const std::string& in) {
    z_stream zs{};
    inflateInit2(&zs, 31);
    std::string out(1 << 20, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    inflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    inflateEnd(&zs);
    return out;
}

// Two servers on one port would split requests at random: the second refuses.
TEST(ServerTest, APortInUseIsRefusedNotShared) {
    TestServer first;
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = first.port();
    o.workers = 2;
    o.access_log = false;
    Server second(std::move(o), MakeRouter());
    try {
        second.Start();
        FAIL() << "a second server started on the busy port " << first.port();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot listen"), std::string::npos) << e.what();
    }
}

// Connections are dealt to the workers in turn, so each worker serves as many as the others
// (the kernel's hash would leave them uneven) and every request of a connection stays on its
// worker.
TEST(ServerTest, ConnectionsAreSpreadEvenlyOverTheWorkers) {
    ServerOptions o;
    o.workers = 3;
    TestServer s(std::move(o));
    std::vector<std::unique_ptr<Client>> clients;
    std::map<std::string, int> per_thread;
    for (int i = 0; i < 12; ++i) {
        clients.push_back(std::make_unique<Client>(s.port()));
        std::string first_thread;
        for (int n = 0; n < 3; ++n) {
            clients.back()->Send(Get("/api/thread"));
            auto r = clients.back()->Read();
            ASSERT_TRUE(r);
            ASSERT_EQ(r->result_int(), 200);
            if (n == 0) {
                first_thread = r->body();
                ++per_thread[first_thread];
            }
            EXPECT_EQ(r->body(), first_thread);
        }
    }
    ASSERT_EQ(per_thread.size(), 3u);
    for (const auto& [thread, connections] : per_thread) {
        EXPECT_EQ(connections, 4) << thread;
    }
}

TEST(ServerTest, GetJsonWithSecurityHeadersAndMiddleware) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/hello/w%C3%B6rld"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_EQ(r->body(), "{\"hello\":\"w\xC3\xB6rld\"}");
    EXPECT_EQ((*r)[bhttp::field::content_type], "application/json");
    EXPECT_EQ((*r)["X-XSS-Protection"], "1; mode=block");
    EXPECT_EQ((*r)["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ((*r)["X-Frame-Options"], "SAMEORIGIN");
    EXPECT_EQ((*r)["X-Mw"], "outer");
    EXPECT_EQ((*r)["Access-Control-Allow-Origin"], "");
    EXPECT_EQ((*r)[bhttp::field::content_length], std::to_string(r->body().size()));
    EXPECT_TRUE(r->keep_alive());

    c.Send(Get("/api/mw"));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "outer");
}

TEST(ServerTest, KeepAliveAndPipelining) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/hello/a") + Get("/api/echo/x?q=1") + Get("/api/hello/c"));
    auto r1 = c.Read();
    auto r2 = c.Read();
    auto r3 = c.Read();
    ASSERT_TRUE(r1 && r2 && r3);
    EXPECT_EQ(r1->body(), R"({"hello":"a"})");
    EXPECT_EQ(r2->body(), "GET /api/echo/x [] q=1");
    EXPECT_EQ(r3->body(), R"({"hello":"c"})");
    c.Send(Get("/api/hello/d"));
    ASSERT_TRUE(c.Read());
}

TEST(ServerTest, Http10AndConnectionCloseAreHonoured) {
    TestServer s;
    {
        Client c(s.port());
        c.Send("GET /api/hello/x HTTP/1.0\r\n\r\n");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->version(), 10u);
        EXPECT_FALSE(r->keep_alive());
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(s.port());
        c.Send(Get("/api/hello/x", "Connection: close\r\n"));
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ((*r)[bhttp::field::connection], "close");
        EXPECT_TRUE(c.WaitClosed());
    }
}

TEST(ServerTest, PathQueryAndBodies) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/echo/a%20b/c?filter=%28x%3D1%29&sort=-created&e=a+b"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "GET /api/echo/a b/c [] filter=(x=1) sort=-created e=a b");

    c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "POST /api/echo [hello]");

    c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "POST /api/echo [abcde]");

    c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
           "Expect: 100-continue\r\n\r\n");
    auto cont = c.Read(true);  // the interim 100 response
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->result_int(), 100);
    c.Send("xyz");
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "POST /api/echo [xyz]");
}

TEST(ServerTest, BodyLimits) {
    ServerOptions o;
    o.error_response = JsonError;
    TestServer s(o);
    {
        Client c(s.port());
        c.Send("POST /api/small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 413);
        EXPECT_EQ(r->body(), R"({"status":413})");
        EXPECT_EQ((*r)[bhttp::field::content_type], "application/json");
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(s.port());
        c.Send("POST /api/small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 413);
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(s.port());
        c.Send("POST /api/small HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 200);
    }
}

TEST(ServerTest, BodyLimitComputedFromTheMatchedRequest) {
    ServerOptions o;
    o.error_response = JsonError;
    TestServer s(o);
    {
        Client c(s.port());
        c.Send("POST /api/sized/5 HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n123456");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 413);
    }
    {
        Client c(s.port());
        c.Send("POST /api/sized/6 HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n123456");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 200);
    }
}

TEST(ServerTest, HeaderLimitAndMalformed) {
    ServerOptions o;
    o.header_limit = 1024;
    o.error_response = JsonError;
    TestServer s(o);
    {
        Client c(s.port());
        c.Send(Get("/api/hello/x", "X-Big: " + std::string(4000, 'a') + "\r\n"));
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 431);
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(s.port());
        c.Send("GARBAGE\r\n\r\n");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 400);
        EXPECT_TRUE(c.WaitClosed());
    }
    {
        Client c(s.port());
        c.Send(Get("/api/hello/%zz"));
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 400);
    }
}

TEST(ServerTest, FallbackAndWrongMethod) {
    {
        ServerOptions o;
        o.error_response = JsonError;
        TestServer s(o);
        Client c(s.port());
        c.Send(Get("/nope"));
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 404);
        EXPECT_EQ(r->body(), R"({"status":404})");
        EXPECT_EQ((*r)["X-Mw"], "outer");  // user middleware runs for the fallback too
        c.Send("DELETE /api/hello/x HTTP/1.1\r\nHost: x\r\n\r\n");
        r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 404);
    }
    {
        auto router = MakeRouter();
        router->SetFallback([](Request&) { return Ready(Response::Json(404, "custom")); });
        TestServer s({}, router);
        Client c(s.port());
        c.Send(Get("/api/hello/"));
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 404);
        EXPECT_EQ(r->body(), "custom");
    }
}

TEST(ServerTest, HeadHasGetHeadersWithoutBody) {
    TestServer s;
    Client c(s.port());
    c.Send("HEAD /api/hello/abc HTTP/1.1\r\nHost: x\r\n\r\n");
    auto r = c.Read(true);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_EQ((*r)[bhttp::field::content_length], "15");
    EXPECT_EQ(r->body(), "");
    c.Send(Get("/api/hello/abc"));  // connection still in sync
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), R"({"hello":"abc"})");
}

TEST(ServerTest, Gzip) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/big", "Accept-Encoding: gzip, deflate\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[bhttp::field::content_encoding], "gzip");
    const std::string plain = Gunzip(r->body());
    EXPECT_EQ(plain.substr(0, 10), R"([{"id":"ab)");
    EXPECT_GT(plain.size(), 1024u);
    bool vary_ae = false;
    for (const auto& f : r->base()) {
        if (f.name() == bhttp::field::vary && f.value() == "Accept-Encoding") {
            vary_ae = true;
        }
    }
    EXPECT_TRUE(vary_ae);

    c.Send(Get("/api/big", "Accept-Encoding: gzip;q=0\r\n"));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[bhttp::field::content_encoding], "");
    EXPECT_EQ(r->body(), plain);

    c.Send(Get("/api/hello/small", "Accept-Encoding: gzip\r\n"));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)[bhttp::field::content_encoding], "");
}

TEST(ServerTest, CorsAndRemovedHeaders) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/hello/x", "Origin: http://localhost:3000\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["Access-Control-Allow-Origin"], "*");

    c.Send("OPTIONS /api/collections/x/records HTTP/1.1\r\nHost: x\r\n"
           "Origin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\n"
           "Access-Control-Request-Headers: content-type,authorization\r\n\r\n");
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 204);
    EXPECT_EQ((*r)["Access-Control-Allow-Origin"], "*");
    EXPECT_EQ((*r)["Access-Control-Allow-Methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
    EXPECT_EQ((*r)["Access-Control-Allow-Headers"], "content-type,authorization");

    c.Send(Get("/api/download"));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ((*r)["X-Frame-Options"], "");
    EXPECT_EQ((*r)["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ((*r)["Content-Disposition"], "attachment");
}

TEST(ServerTest, ExceptionsBecome500) {
    ServerOptions o;
    o.error_response = JsonError;
    TestServer s(o);
    Client c(s.port());
    c.Send(Get("/api/boom"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 500);
    EXPECT_EQ(r->body(), R"({"status":500})");
    c.Send(Get("/api/boom2"));  // connection survives
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 500);
}

TEST(ServerTest, SlowClientsAreCutOff) {
    ServerOptions o;
    o.read_header_timeout = 1s;
    o.idle_timeout = 1s;
    o.read_body_timeout = 1s;
    TestServer s(o);
    const auto t0 = std::chrono::steady_clock::now();
    {
        Client c(s.port());  // drip-feeds a header
        c.Send("GET /api/hello/x HTTP/1.1\r\n");
        std::this_thread::sleep_for(300ms);
        c.Send("X-A: 1\r\n");
        EXPECT_TRUE(c.WaitClosed(4s));
    }
    {
        Client c(s.port());  // body never completes
        c.Send("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
        EXPECT_TRUE(c.WaitClosed(4s));
    }
    {
        Client c(s.port());  // idle keep-alive
        c.Send(Get("/api/hello/x"));
        ASSERT_TRUE(c.Read());
        EXPECT_TRUE(c.WaitClosed(4s));
    }
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
}

// The write timeout bounds the whole answer, not each wait for the socket: a client that takes
// a 32 MB answer 1 MB at a time (never stalling long enough for one wait to time out) is cut
// off once the timeout has passed since the answer began.
TEST(ServerTest, AClientReadingALargeAnswerSlowlyIsCutOff) {
    ServerOptions o;
    o.write_timeout = 1s;
    TestServer s(o);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    const int small = 64 << 10;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    const timeval wait{3, 0};  // a recv that waits this long counts as the end
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(s.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string req = Get("/api/huge");
    ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
    std::vector<char> buf(1 << 20);
    std::size_t total = 0;
    bool ended = false;
    const auto t0 = std::chrono::steady_clock::now();
    while (!ended && std::chrono::steady_clock::now() - t0 < 20s) {
        std::size_t piece = 0;
        while (piece < buf.size()) {  // 1 MB, as fast as it comes
            const ssize_t n = ::recv(fd, buf.data(), buf.size() - piece, 0);
            if (n <= 0) {
                ended = true;
                break;
            }
            piece += static_cast<std::size_t>(n);
        }
        total += piece;
        std::this_thread::sleep_for(250ms);
    }
    ::close(fd);
    EXPECT_TRUE(ended);
    EXPECT_LT(total, std::size_t{32} << 20);  // cut off: the 32 MB body never arrived whole
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
}

TEST(ServerTest, StreamingResponse) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/stream"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_EQ((*r)[bhttp::field::content_type], "text/event-stream");
    EXPECT_EQ((*r)[bhttp::field::transfer_encoding], "chunked");
    EXPECT_EQ((*r)[bhttp::field::content_encoding], "");
    EXPECT_EQ(r->body(), "id:1\n\nid:2\n\nid:3\n\n");
}

TEST(ServerTest, ClientDisconnectCancelsStream) {
    TestServer s;
    const int before = g_forever_ended;
    {
        Client c(s.port());
        c.Send(Get("/api/forever"));
        std::this_thread::sleep_for(200ms);
    }
    for (int i = 0; i < 100 && g_forever_ended == before; ++i) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(g_forever_ended, before + 1);  // the stream's hour-long wait was cancelled
    EXPECT_LT(s.StopAndJoin(), 1s);          // and no session is left behind
}

TEST(ServerTest, StopCancelsStreamsClosesIdleAndFinishesInFlight) {
    ServerOptions o;
    o.shutdown_grace = 5s;
    TestServer s(o);
    Client idle(s.port());
    idle.Send(Get("/api/hello/x"));
    ASSERT_TRUE(idle.Read());
    Client streaming(s.port());
    streaming.Send(Get("/api/forever"));
    Client busy(s.port());
    busy.Send(Get("/api/slow"));
    std::this_thread::sleep_for(150ms);

    const auto took = s.StopAndJoin();
    EXPECT_LT(took, 2s);
    auto r = busy.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "slow-done");
    EXPECT_EQ((*r)[bhttp::field::connection], "close");
    EXPECT_TRUE(idle.WaitClosed(1s));
    auto sr = streaming.Read();  // the chunked stream was terminated properly
    ASSERT_TRUE(sr);
    EXPECT_EQ(sr->body(), "hello\n\n");
}

TEST(ServerTest, GraceElapsesForStuckRequests) {
    ServerOptions o;
    o.shutdown_grace = 1s;
    o.read_header_timeout = 30s;
    TestServer s(o);
    Client c(s.port());
    c.Send("GET /api/hello/x HTTP/1.1\r\n");  // half a header: counts as in-flight
    std::this_thread::sleep_for(100ms);
    const auto took = s.StopAndJoin();
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 3s);
    EXPECT_TRUE(c.WaitClosed(2s));
}

TEST(ServerTest, BindFailureThrows) {
    TestServer s;
    ServerOptions o;
    o.host = "203.0.113.1";  // TEST-NET-3, not a local address
    o.port = 0;
    Server bad(o, MakeRouter());
    EXPECT_THROW(bad.Start(), std::runtime_error);
}

}  // namespace
}  // namespace basalt::http

namespace basalt::http {
namespace {

std::string Post(std::string_view target, std::string_view body, std::string_view extra = "") {
    return "POST " + std::string(target) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n" + std::string(extra) + "\r\n" + std::string(body);
}

std::string ByteSum(std::string_view s) {
    unsigned long sum = 0;
    for (char ch : s) {
        sum += static_cast<unsigned char>(ch);
    }
    return std::to_string(sum);
}

/// The "max=" figure of a Drain answer.
std::size_t MaxChunk(const std::string& answer) {
    const auto at = answer.find("max=");
    return at == std::string::npos ? 0 : std::stoul(answer.substr(at + 4));
}

std::string Chunked(std::string_view body, std::size_t piece) {
    std::string out;
    for (std::size_t i = 0; i < body.size(); i += piece) {
        const std::string_view p = body.substr(i, piece);
        char len[32];
        std::snprintf(len, sizeof len, "%zx\r\n", p.size());
        out += len;
        out += p;
        out += "\r\n";
    }
    return out + "0\r\n\r\n";
}

TEST(StreamedBody, ArrivesInBoundedChunksAndKeepsTheConnection) {
    TestServer s;
    Client c(s.port());
    const std::string body = Pattern(700000, 1);
    c.Send(Post("/api/upload", body, "X-Tag: one\r\n"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200);
    EXPECT_EQ(r->body(), "n=700000 max=" + std::to_string(MaxChunk(r->body())) + " sum=" + ByteSum(body) + " h=one");
    EXPECT_LE(MaxChunk(r->body()), 65536u);  // pieces of 64 KiB at most, not the whole body
    EXPECT_GT(MaxChunk(r->body()), 8192u);
    EXPECT_TRUE(r->keep_alive());
    // the same connection serves the next request, streamed or not
    c.Send(Post("/api/upload", "tiny") + Get("/api/hello/x"));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "n=4 max=4 sum=" + ByteSum("tiny") + " h=");
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), R"({"hello":"x"})");
}

TEST(StreamedBody, ChunkedEncodingAndTheRouteCanDecline) {
    TestServer s;
    Client c(s.port());
    const std::string body = Pattern(200000, 2);
    c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(body, 30000));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "n=200000 max=" + std::to_string(MaxChunk(r->body())) + " sum=" + ByteSum(body) + " h=");
    EXPECT_LE(MaxChunk(r->body()), 30000u);  // never past a chunk
    // stream_body says no: the body is read whole as usual
    c.Send(Post("/api/upload", "abc", "X-Buffer: 1\r\n"));
    r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 500);
    EXPECT_EQ(r->body(), "not streamed");
}

TEST(StreamedBody, OverTheLimitIs413WhateverTheHandlerSays) {
    ServerOptions o;
    o.error_response = JsonError;
    TestServer s(o);
    {  // announced too large: refused before the handler runs
        g_seen.calls = 0;
        Client c(s.port());
        c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 413);
        EXPECT_EQ(r->body(), R"({"status":413})");
        EXPECT_EQ(g_seen.calls, 0);
    }
    {  // chunked past the limit: the handler sees kTooLarge, the client a 413
        g_seen.calls = 0;
        Client c(s.port());
        c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
               Chunked(Pattern(1200000, 5), 65536));
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 413);
        EXPECT_EQ(r->body(), R"({"status":413})");
        EXPECT_EQ(g_seen.calls, 1);
        EXPECT_EQ(g_seen.last_state, static_cast<int>(BodyReader::State::kTooLarge));
        EXPECT_TRUE(c.WaitClosed());
    }
    {  // broken chunk framing: 400
        Client c(s.port());
        c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n");
        auto r = c.Read();
        ASSERT_TRUE(r);
        EXPECT_EQ(r->result_int(), 400);
        EXPECT_EQ(g_seen.last_state, static_cast<int>(BodyReader::State::kBad));
    }
}

TEST(StreamedBody, UnreadBodyEndsTheConnectionAfterTheAnswer) {
    TestServer s;
    Client c(s.port());
    c.Send("POST /api/upload-ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 500000\r\n\r\n" + Pattern(1000, 1));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 202);
    EXPECT_FALSE(r->keep_alive());
    EXPECT_TRUE(c.WaitClosed());
}

TEST(StreamedBody, ExpectContinueIsSentWhenTheHandlerReads) {
    TestServer s;
    Client c(s.port());
    c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto cont = c.Read(true);
    ASSERT_TRUE(cont);
    EXPECT_EQ(cont->result_int(), 100);
    c.Send("hello");
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), "n=5 max=5 sum=" + ByteSum("hello") + " h=");
}

TEST(StreamedBody, ClientGoneMidBodyEndsTheHandlerQuietly) {
    ServerOptions o;
    o.read_body_timeout = 2s;
    TestServer s(o);
    g_seen.last_state = -1;
    {
        Client c(s.port());
        c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n" + Pattern(300000, 1));
    }  // closed half-way
    for (int i = 0; i < 100 && g_seen.last_state == -1; ++i) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(g_seen.last_state, static_cast<int>(BodyReader::State::kFailed));
    {  // a client that stalls mid-body is cut off after read_body_timeout
        g_seen.last_state = -1;
        Client c(s.port());
        c.Send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n" + Pattern(1000, 1));
        EXPECT_TRUE(c.WaitClosed(5s));
        // the timeout closes the socket before the handler's read completes: wait for it
        for (int i = 0; i < 100 && g_seen.last_state == -1; ++i) {
            std::this_thread::sleep_for(20ms);
        }
        EXPECT_EQ(g_seen.last_state, static_cast<int>(BodyReader::State::kFailed));
    }
}

TEST(BodyParts, FileRangesMemoryAndBytesInOrder) {
    TestServer s;
    Client c(s.port());
    c.Send(Get("/api/parts"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->result_int(), 200);
    const std::string expected = "<" + BigFileData().substr(10, 100000) + "|" + Pattern(200000, 3).substr(0, 150000) + ">";
    EXPECT_EQ(r->body().size(), expected.size());
    EXPECT_TRUE(r->body() == expected);
    EXPECT_EQ((*r)[bhttp::field::content_length], std::to_string(expected.size()));
    EXPECT_TRUE(r->keep_alive());
    // HEAD: the length, no body; then a 6 MiB sendfile on the same connection
    c.Send("HEAD /api/parts HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/api/parts?whole=1"));
    auto h = c.Read(true);
    ASSERT_TRUE(h);
    EXPECT_EQ((*h)[bhttp::field::content_length], std::to_string(expected.size()));
    auto whole = c.Read(false, 20s);
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->body().size(), BigFileData().size());
    EXPECT_TRUE(whole->body() == BigFileData());
}

TEST(BodyParts, ClientGoneDuringSendfileDoesNotKillTheServer) {
    TestServer s;
    for (int i = 0; i < 3; ++i) {
        Client c(s.port());
        c.Send(Get("/api/parts?whole=1"));
    }  // closed without reading: EPIPE / ECONNRESET, never SIGPIPE
    Client c(s.port());
    c.Send(Get("/api/hello/alive"));
    auto r = c.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body(), R"({"hello":"alive"})");
}

}  // namespace
}  // namespace basalt::http
