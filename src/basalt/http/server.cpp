// Server: per-worker io_context and thread, one acceptor dealing connections to the workers in
// turn, signals and graceful shutdown. The per-connection protocol lives in session.cpp.
#include "basalt/http/server.hpp"

#include <atomic>
#include <csignal>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "basalt/base/log.hpp"
#include "basalt/http/internal/middleware.hpp"
#include "basalt/http/internal/worker.hpp"

namespace basalt::http {

namespace {

using tcp = net::ip::tcp;
using internal::Worker;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

struct LogException {
    const char* what;

    void operator()(const std::exception_ptr& e) const {
        if (!e) {
            return;
        }
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log::Error("http: {} ended with exception: {}", what, ex.what());
        } catch (...) {
            log::Error("http: {} ended with a non-standard exception", what);
        }
    }
};

// Runs on the first worker, which owns the acceptor. Connections go to the workers in turn, so
// that each serves the same number: with an acceptor per worker (SO_REUSEPORT) the kernel
// spreads them by a hash of the addresses, and 64 connections over two workers came out 40/24,
// leaving one worker the bottleneck while the other idled.
net::awaitable<void> AcceptLoop(std::vector<Worker*> workers) {
    Worker* w = workers.front();
    net::steady_timer backoff(*w->ioc);
    std::size_t next = 0;
    for (;;) {
        Worker* target = workers[next];
        auto [ec, socket] = co_await w->acceptor->async_accept(*target->ioc, kTuple);
        if (ec) {
            if (w->stopping || !w->acceptor->is_open() || ec == net::error::operation_aborted) {
                co_return;
            }
            log::Warn("http: accept failed: {}", ec.message());
            backoff.expires_after(std::chrono::milliseconds(50));  // e.g. EMFILE: don't spin
            co_await backoff.async_wait(kTuple);
            continue;
        }
        next = (next + 1) % workers.size();
        boost::system::error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);
        net::co_spawn(*target->ioc, internal::RunSession(*target, std::move(socket)), LogException{"session"});
    }
}

net::awaitable<Response> ReadyResponse(Response r) { co_return r; }

tcp::endpoint ResolveEndpoint(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    auto addr = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (!ec) {
        return {addr, port};
    }
    net::io_context tmp;
    tcp::resolver resolver(tmp);
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec || results.empty()) {
        throw std::runtime_error("http: cannot resolve host '" + host + "': " + ec.message());
    }
    return results.begin()->endpoint();
}

}  // namespace

struct Server::Impl {
    ServerOptions opts;
    std::shared_ptr<const Router> router;
    Handler not_found;
    internal::ErrorBuilder error_response;
    std::vector<std::unique_ptr<Worker>> workers;
    std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
    std::atomic<bool> stop_requested{false};
    std::atomic<int> workers_pending{0};
    std::optional<net::steady_timer> grace_timer;
    std::uint16_t port = 0;
    bool started = false;
    bool finished = false;
    // Registered in Start(), so a SIGINT/SIGTERM that arrives between Start() and Run() (the
    // window in which callers announce the port) is queued and handled as a graceful stop
    // instead of killing the process.
    std::unique_ptr<net::signal_set> signals;

    net::io_context& Main() { return *workers.front()->ioc; }

    // On worker 0: ask every worker to stop, then wait for all to drain or the grace period.
    static net::awaitable<void> Shutdown(Impl* self) {
        self->workers_pending = static_cast<int>(self->workers.size());
        self->grace_timer.emplace(self->Main(), self->opts.shutdown_grace);
        for (auto& w : self->workers) {
            Worker* wp = w.get();
            net::post(*wp->ioc, [wp] { wp->BeginStop(); });
        }
        auto [ec] = co_await self->grace_timer->async_wait(kTuple);
        if (!ec) {
            log::Warn("http: shutdown grace period elapsed, closing remaining connections");
        }
        for (auto& w : self->workers) {
            w->ioc->stop();
        }
    }

    void OnWorkerDrained() {
        if (--workers_pending == 0) {
            net::post(Main(), [this] {
                if (grace_timer) {
                    grace_timer->cancel();
                }
            });
        }
    }
};

Server::Server(ServerOptions opts, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>()) {
    impl_->opts = std::move(opts);
    impl_->router = std::move(router);
    if (!impl_->router) {
        throw std::invalid_argument("http::Server: null router");
    }
    impl_->error_response = impl_->opts.error_response ? impl_->opts.error_response
                                                       : internal::ErrorBuilder(
                                                             internal::DefaultErrorResponse);
    internal::ErrorBuilder* eb = &impl_->error_response;
    impl_->not_found = [eb](Request&) { return ReadyResponse((*eb)(404)); };
    int n = impl_->opts.workers;
    if (n <= 0) {
        n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    }
    for (int i = 0; i < n; ++i) {
        auto w = std::make_unique<Worker>();
        w->options = &impl_->opts;
        w->router = impl_->router.get();
        w->not_found = &impl_->not_found;
        w->error_response = &impl_->error_response;
        Impl* impl = impl_.get();
        w->on_drained = [impl] { impl->OnWorkerDrained(); };
        impl_->workers.push_back(std::move(w));
    }
}

Server::~Server() {
    if (impl_) {
        // Session frames die with their io_context; make sure no worker thread is running.
        impl_->guards.clear();
        impl_->grace_timer.reset();  // its io_context (worker 0) dies next
        impl_->signals.reset();      // likewise
        impl_->workers.clear();
    }
}

void Server::Start() {
    if (impl_->started) {
        throw std::logic_error("http::Server::Start called twice");
    }
    // File downloads use sendfile(2), which (unlike Asio's sends) has no MSG_NOSIGNAL: a client
    // that hangs up must give EPIPE, not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    const tcp::endpoint ep = ResolveEndpoint(impl_->opts.host, impl_->opts.port);
    Worker& first = *impl_->workers.front();
    try {
        first.acceptor.emplace(*first.ioc);
        first.acceptor->open(ep.protocol());
        first.acceptor->set_option(net::socket_base::reuse_address(true));  // no SO_REUSEPORT: never share the port
        first.acceptor->bind(ep);
        first.acceptor->listen(net::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("http: cannot listen on " + impl_->opts.host + ":" + std::to_string(ep.port()) +
                                 ": " + e.code().message());
    }
    impl_->port = first.acceptor->local_endpoint().port();
    std::vector<Worker*> workers;
    for (auto& w : impl_->workers) {
        workers.push_back(w.get());
    }
    net::co_spawn(*first.ioc, AcceptLoop(std::move(workers)), LogException{"accept loop"});
    impl_->signals = std::make_unique<net::signal_set>(impl_->Main(), SIGINT, SIGTERM);
    impl_->started = true;
}

std::uint16_t Server::port() const { return impl_->port; }

net::any_io_executor Server::executor() const { return impl_->Main().get_executor(); }

void Server::Stop() {
    if (impl_->stop_requested.exchange(true)) {
        return;
    }
    Impl* impl = impl_.get();
    net::post(impl->Main(), [impl] {
        net::co_spawn(impl->Main(), Impl::Shutdown(impl), LogException{"shutdown"});
    });
}

void Server::Run() {
    if (!impl_->started) {
        throw std::logic_error("http::Server::Run called before Start");
    }
    if (impl_->finished) {
        return;
    }
    for (auto& w : impl_->workers) {
        impl_->guards.push_back(net::make_work_guard(*w->ioc));
    }
    net::signal_set& signals = *impl_->signals;
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (!ec) {
            log::Info("http: signal {} received, shutting down", sig);
            Stop();
        }
    });
    log::Info("http: listening on {}:{} with {} worker(s)",
              impl_->opts.host,
              impl_->port,
              impl_->workers.size());

    auto run = [](net::io_context* ioc) {
        for (;;) {
            try {
                ioc->run();
                return;
            } catch (const std::exception& e) {
                log::Error("http: worker loop exception: {}", e.what());
            }
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
        threads.emplace_back(run, impl_->workers[i]->ioc.get());
    }
    run(&impl_->Main());
    for (auto& t : threads) {
        t.join();
    }
    boost::system::error_code ec;
    signals.cancel(ec);
    impl_->guards.clear();
    // All threads are gone: close whatever is left from this thread.
    for (auto& w : impl_->workers) {
        if (w->acceptor) {
            w->acceptor->close(ec);
        }
        w->ForceClose();
    }
    impl_->finished = true;
    log::Info("http: server stopped");
}

}  // namespace basalt::http
