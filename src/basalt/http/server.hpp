// The HTTP/1.1 server: listeners, worker threads, sessions and the built-in middleware
// (request id + access log, recover, CORS, security headers, gzip). Declaration only; the Beast
// code lives in session.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "basalt/http/request.hpp"
#include "basalt/http/router.hpp"

namespace basalt::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8090;  // 0 = ephemeral (see Server::port())
    int workers = 0;            // 0 = std::thread::hardware_concurrency()
    std::size_t header_limit = 64 * 1024;  // larger header section -> 431
    std::chrono::seconds read_header_timeout{10};
    std::chrono::seconds read_body_timeout{60};
    std::chrono::seconds idle_timeout{75};
    std::chrono::seconds write_timeout{60};
    std::chrono::seconds shutdown_grace{10};
    bool gzip = true;  // gzip json/text/js/css/svg bodies >= 1 KiB when Accept-Encoding allows
    bool access_log = true;
    /// Builds transport-level error bodies (404 default fallback, 400, 413, 431, 500). Must not
    /// throw. Unset = a plain-text reason phrase.
    std::function<Response(unsigned status)> error_response;
};

/// Owns the io_contexts (one per worker thread), the listening socket (its accepted connections
/// go to the workers in turn; a connection stays on one thread and needs no strand), and all
/// sessions. The Router is shared and must not change after construction.
///
/// Lifecycle: construct -> Start() (bind; throws std::runtime_error) -> Run() (blocks; also
/// handles SIGINT/SIGTERM) -> Stop() from any thread or a signal -> Run() returns after in-flight
/// requests finished or shutdown_grace elapsed. Destroy after Run() returned (or without Run).
class Server {
public:
    Server(ServerOptions opts, std::shared_ptr<const Router> router);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds and listens. Throws std::runtime_error on failure.
    void Start();
    /// The bound port (after Start).
    std::uint16_t port() const;
    /// Runs the workers (the calling thread is worker 0) until stopped.
    void Run();
    /// Thread-safe and idempotent: stop accepting, close idle keep-alive connections, cancel
    /// streams, let in-flight requests finish up to shutdown_grace, then force-close.
    void Stop();
    /// Executor of worker 0, for the app's background work (valid until the Server dies; work
    /// posted there stops running when Run() returns).
    net::any_io_executor executor() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace basalt::http
