// One server worker: an io_context run by exactly one thread, the registry of its live sessions
// and, on the first worker, the server's acceptor (internal to http/; shared by server.cpp and
// session.cpp).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "basalt/http/internal/middleware.hpp"
#include "basalt/http/server.hpp"

namespace basalt::http::internal {

enum class SessionPhase {
    kIdle,       // waiting for the first byte of the next request
    kBusy,       // reading / handling / writing a request
    kStreaming,  // inside Response::stream
};

/// A live connection as seen by its worker (owned by the session coroutine's frame).
struct SessionEntry {
    net::ip::tcp::socket* socket = nullptr;
    SessionPhase phase = SessionPhase::kBusy;
};

/// Everything here is touched only on the worker's own thread (or after it stopped).
struct Worker {
    const ServerOptions* options = nullptr;
    const Router* router = nullptr;
    const Handler* not_found = nullptr;        // used when the router has no fallback
    const ErrorBuilder* error_response = nullptr;
    std::function<void()> on_drained;  // called once when stopping and no session remains

    std::optional<net::ip::tcp::acceptor> acceptor;  // the first worker's only
    std::unordered_set<SessionEntry*> sessions;
    bool stopping = false;
    bool drained_reported = false;
    // Declared last so that it is destroyed first: pending session frames unregister from
    // `sessions` while the io_context shuts down.
    std::unique_ptr<net::io_context> ioc;

    Worker() : ioc(std::make_unique<net::io_context>(1)) {}

    ~Worker() {
        on_drained = nullptr;
        drained_reported = true;
        acceptor.reset();
        ioc.reset();
    }

    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void Register(SessionEntry* e) { sessions.insert(e); }

    void Unregister(SessionEntry* e) {
        sessions.erase(e);
        MaybeReportDrained();
    }

    /// Stop accepting; cancel idle reads and streams (their sessions then exit).
    void BeginStop() {
        stopping = true;
        if (acceptor) {
            boost::system::error_code ec;
            acceptor->close(ec);
        }
        for (SessionEntry* e : sessions) {
            if (e->phase != SessionPhase::kBusy) {
                boost::system::error_code ec;
                e->socket->cancel(ec);
            }
        }
        MaybeReportDrained();
    }

    /// Closes every remaining connection (after the grace period).
    void ForceClose() {
        for (SessionEntry* e : sessions) {
            boost::system::error_code ec;
            e->socket->shutdown(net::ip::tcp::socket::shutdown_both, ec);
            e->socket->close(ec);
        }
    }

    void MaybeReportDrained() {
        if (stopping && sessions.empty() && !drained_reported) {
            drained_reported = true;
            if (on_drained) {
                on_drained();
            }
        }
    }
};

/// The connection loop (session.cpp). `w` outlives the coroutine (owned by the Server).
net::awaitable<void> RunSession(Worker& w, net::ip::tcp::socket socket);

}  // namespace basalt::http::internal
