// `basalt` CLI and the App composition root.
#include "basalt/app/app.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "basalt/api/error_mapping.hpp"
#include "basalt/api/fields.hpp"
#include "basalt/files/local_storage.hpp"
#include "basalt/api/routes.hpp"
#include "basalt/base/log.hpp"
#include "basalt/http/server.hpp"
#include "basalt/service/auth_service.hpp"
#include "basalt/service/mail_service.hpp"
#include "basalt/service/collections.hpp"
#include "basalt/realtime/broker.hpp"
#include "basalt/realtime/event_bus.hpp"
#include "basalt/service/realtime.hpp"
#include "basalt/service/records.hpp"
#include "basalt/service/settings.hpp"
#include "basalt/store/sqlite/sqlite_store.hpp"

namespace basalt::app {

namespace net = boost::asio;

namespace {

/// Every SSE client holds a socket: allow as many descriptors as the hard limit permits.
void RaiseFileLimit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
            log::Warn("cannot raise the open-file limit to {}", lim.rlim_max);
        }
    }
}

int Threads(int configured) {
    if (configured > 0) {
        return configured;
    }
    return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

/// Everything a running Basalt owns, in construction order (destroyed in reverse).
class App {
public:
    explicit App(const config::ServeConfig& cfg) : cfg_(cfg), blocking_(static_cast<std::size_t>(Threads(cfg.blocking_threads))) {}

    ~App() {
        if (realtime_) {
            realtime_->Stop();  // its idle sweep would keep the pool from joining
        }
        blocking_.join();
        if (store_) {
            store_->Close();
        }
    }

    /// Opens the data dir and loads the schema; throws std::runtime_error on failure (startup).
    void Init() {
        store::SqliteOptions so;
        so.dir = cfg_.dir;
        so.readers = static_cast<std::size_t>(cfg_.db_readers);
        so.read_timeout_ms = cfg_.query_timeout_ms;
        so.durable_commits = cfg_.sync == "full";
        so.reader_mmap_bytes = static_cast<std::int64_t>(cfg_.mmap_mb) << 20;
        auto st = store::OpenSqliteStore(so);
        if (!st) {
            throw std::runtime_error(st.error().message);
        }
        store_ = std::move(*st);
        storage_ = std::make_unique<files::LocalStorage>(cfg_.dir / "storage");
        storage_->CleanStaging();
        records_ = std::make_unique<service::RecordService>(*store_, registry_, blocking_.get_executor(), storage_.get(),
                                                            static_cast<std::size_t>(cfg_.list_cache_mb) << 20);
        files_ = std::make_unique<service::FileService>(*store_, registry_, blocking_.get_executor(), *storage_);
        collections_ = std::make_unique<service::CollectionService>(*store_, registry_, storage_.get());
        settings_ = std::make_unique<service::SettingsService>(*store_);
        mail_ = std::make_unique<service::MailService>(*settings_, blocking_.get_executor());
        auth_ = std::make_unique<service::AuthService>(*store_, registry_, *mail_, *records_,
                                                      blocking_.get_executor());
        realtime_ = std::make_unique<service::RealtimeService>(
            *store_, registry_, broker_, bus_, blocking_.get_executor(),
            [](boost::json::value& v, std::string_view fields) { api::PickFields(v, fields); },
            service::RealtimeOptions{.idle_timeout = std::chrono::seconds(cfg_.realtime_idle_timeout_seconds)});
        records_->SetChangeSink(realtime_.get());
        auth_->SetChangeSink(realtime_.get());
        realtime_->Start();
        if (auto r = collections_->Reload(); !r) {
            throw std::runtime_error("cannot load collections: " + r.error().message);
        }
        services_.records = records_.get();
        services_.collections = collections_.get();
        services_.auth = auth_.get();
        services_.settings = settings_.get();
        services_.mail = mail_.get();
        services_.limiter = &limiter_;
        services_.files = files_.get();
        services_.registry = &registry_;
        services_.realtime = realtime_.get();
    }

    int Serve() {
        RaiseFileLimit();
        auto router = std::make_shared<http::Router>();
        api::RegisterRoutes(*router, &services_);
        http::ServerOptions so;
        so.host = cfg_.http.host;
        so.port = cfg_.http.port;
        so.workers = cfg_.workers;
        so.header_limit = cfg_.header_limit;
        so.shutdown_grace = std::chrono::seconds(cfg_.shutdown_grace_seconds);
        so.access_log = cfg_.access_log;
        so.error_response = [](unsigned status) { return api::StatusResponse(status); };
        http::Server server(so, router);
        server.Start();
        std::string host = cfg_.http.host.find(':') != std::string::npos ? "[" + cfg_.http.host + "]" : cfg_.http.host;
        std::printf("Server started at http://%s:%u\n", host.c_str(), static_cast<unsigned>(server.port()));
        std::fflush(stdout);
        log::Info("serving {} on {}:{}", cfg_.dir.string(), cfg_.http.host, server.port());
        server.Run();
        broker_.CloseAll();
        // Database and blocking-pool work still in flight completes onto the server's executors:
        // drain it while they exist (the server and its io_contexts go when Serve returns).
        realtime_->Stop();
        blocking_.join();
        store_->Close();
        log::Info("server stopped");
        return 0;
    }

    service::RecordService& records() { return *records_; }
    const service::SchemaRegistry& Registry() const { return registry_; }

private:
    config::ServeConfig cfg_;
    net::thread_pool blocking_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<files::LocalStorage> storage_;
    service::SchemaRegistry registry_;
    std::unique_ptr<service::RecordService> records_;
    std::unique_ptr<service::CollectionService> collections_;
    std::unique_ptr<service::SettingsService> settings_;
    std::unique_ptr<service::MailService> mail_;
    std::unique_ptr<service::AuthService> auth_;
    service::RateLimiter limiter_;
    realtime::Broker broker_;
    realtime::LocalEventBus bus_;
    std::unique_ptr<service::RealtimeService> realtime_;
    std::unique_ptr<service::FileService> files_;
    api::Services services_;
};

/// A context with superuser powers for offline CLI commands.
service::RequestCtx SuperuserCtx(const service::SchemaRegistry& registry) {
    service::RequestCtx ctx;
    schema::Record su;
    su.collection = registry.Get()->FindById(service::kSuperusersId);
    su.values["id"] = "";
    ctx.auth.record = su;
    ctx.info.auth = su;
    return ctx;
}

net::awaitable<Status> UpsertSuperuser(service::RecordService& records, service::RequestCtx ctx, std::string email,
                                       std::string password) {
    BASALT_CO_TRY(auto found, co_await records.FindFirstByField("_superusers", "email", email));
    boost::json::object body{{"password", password}, {"passwordConfirm", password}};
    if (found) {
        BASALT_CO_TRY(auto r, co_await records.Update(ctx, "_superusers", std::string(found->Id()), body));
        (void)r;
        co_return Ok();
    }
    body["email"] = email;
    body["verified"] = true;
    BASALT_CO_TRY(auto r, co_await records.Create(ctx, "_superusers", body));
    (void)r;
    co_return Ok();
}

net::awaitable<Status> DeleteSuperuser(service::RecordService& records, service::RequestCtx ctx, std::string email) {
    BASALT_CO_TRY(auto found, co_await records.FindFirstByField("_superusers", "email", email));
    if (!found) {
        co_return NotFound("Superuser " + email + " not found.");
    }
    co_return co_await records.Delete(ctx, "_superusers", std::string(found->Id()));
}

/// Runs a CLI coroutine to completion and prints its error, if any.
int RunCli(net::awaitable<Status> aw) {
    net::io_context ioc;
    Status result = Ok();
    std::exception_ptr eptr;
    net::co_spawn(ioc, std::move(aw), [&](std::exception_ptr e, Status s) {
        eptr = e;
        result = std::move(s);
    });
    ioc.run();
    if (eptr) {
        std::rethrow_exception(eptr);
    }
    if (!result) {
        const Error err = result.error();
        std::string msg = err.message;
        for (const auto& kv : err.data) {
            if (kv.value().is_object()) {
                auto m = kv.value().get_object().find("message");
                msg += " " + std::string(kv.key()) + ": " +
                       (m != kv.value().get_object().end() && m->value().is_string() ? std::string(m->value().get_string()) : "invalid");
            }
        }
        std::fprintf(stderr, "error: %s\n", msg.c_str());
        return 1;
    }
    return 0;
}

}  // namespace

int Serve(const config::ServeConfig& cfg) {
    App app(cfg);
    app.Init();
    return app.Serve();
}

int Main(int argc, char** argv) {
    CLI::App cli{"Basalt — a PocketBase-compatible backend in one binary"};
    cli.require_subcommand(1);
    config::ServeConfig cfg;
    config::ApplyEnvironment(cfg);
    std::string http_addr = cfg.http.host + ":" + std::to_string(cfg.http.port);
    std::string dir = cfg.dir.string();

    auto* serve = cli.add_subcommand("serve", "Start the HTTP server");
    serve->add_option("--dir", dir, "Data directory (PocketBase pb_data layout)");
    serve->add_option("--http", http_addr, "Listen address HOST:PORT (port 0 = any free port)");
    serve->add_option("--workers", cfg.workers, "Network threads (0 = one per core)");
    serve->add_option("--db-readers", cfg.db_readers, "SQLite reader connections (0 = auto)");
    serve->add_option("--query-timeout", cfg.query_timeout_ms,
                      "Milliseconds a read query may run before it is interrupted with a 400 (0 = no limit)");
    serve->add_option("--log-level", cfg.log_level, "trace|debug|info|warn|error|off");
    serve->add_option("--sync", cfg.sync,
                      "full (default): every acknowledged write is fsynced; normal: PocketBase's "
                      "synchronous=NORMAL, survives a process crash but not a power loss");
    serve->add_option("--mmap-size", cfg.mmap_mb,
                      "MiB of data.db each SQLite reader maps into memory (default 256; 0 = plain reads)");
    serve->add_option("--list-cache", cfg.list_cache_mb,
                      "MiB of list pages kept for identical repeated lists until the next write (default 32; 0 = "
                      "always read)");
    serve->add_flag("!--no-access-log", cfg.access_log, "Disable the per-request access log");
    serve->add_option("--realtime-idle-timeout", cfg.realtime_idle_timeout_seconds,
                      "Seconds without a message before an SSE client is disconnected (default 300)");

    auto* su = cli.add_subcommand("superuser", "Manage superusers offline");
    su->require_subcommand(1);
    std::string email;
    std::string password;
    auto* upsert = su->add_subcommand("upsert", "Create or update a superuser");
    upsert->add_option("email", email)->required();
    upsert->add_option("password", password)->required();
    upsert->add_option("--dir", dir, "Data directory");
    auto* del = su->add_subcommand("delete", "Delete a superuser");
    del->add_option("email", email)->required();
    del->add_option("--dir", dir, "Data directory");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e);
    }
    cfg.dir = dir;
    auto addr = config::ParseHttpAddress(http_addr);
    if (!addr) {
        std::fprintf(stderr, "error: %s\n", addr.error().message.c_str());
        return 2;
    }
    cfg.http = *addr;
    if (auto st = config::Validate(cfg); !st) {
        std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
        return 2;
    }
    log::Setup(cfg.log_level);
    struct LogShutdown {
        ~LogShutdown() { log::Shutdown(); }
    } log_shutdown;
    try {
        if (serve->parsed()) {
            return Serve(cfg);
        }
        App app(cfg);
        app.Init();
        if (upsert->parsed()) {
            int rc = RunCli(UpsertSuperuser(app.records(), SuperuserCtx(app.Registry()), email, password));
            if (rc == 0) {
                std::printf("Successfully saved superuser \"%s\"!\n", email.c_str());
            }
            return rc;
        }
        int rc = RunCli(DeleteSuperuser(app.records(), SuperuserCtx(app.Registry()), email));
        if (rc == 0) {
            std::printf("Successfully deleted superuser \"%s\"!\n", email.c_str());
        }
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace basalt::app
