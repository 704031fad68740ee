// SqliteStore: one writer connection on its own thread, a pool of reader connections, WAL.
#include "basalt/store/sqlite/sqlite_store.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "basalt/base/log.hpp"
#include "basalt/store/collection_rows.hpp"
#include "basalt/store/sqlite/internal/connection.hpp"
#include "basalt/store/sqlite/internal/sqlite_tx.hpp"

namespace basalt::store {

namespace {

using sqlite_internal::Connection;
using sqlite_internal::SqliteTx;

/// Runs `work.run` inside BEGIN/COMMIT on `conn`; calls `work.done` afterwards.
template <class Work>
void RunUnit(Connection& conn, Work& work, bool write) {
    std::optional<Error> err;
    SqliteTx tx(conn);
    if (auto st = conn.Exec(write ? "BEGIN IMMEDIATE" : "BEGIN", {}); !st) {
        err = st.error();
    } else {
        bool commit = work.run(tx);
        if (commit || !write) {
            if (auto c = conn.Exec("COMMIT", {}); !c) {
                err = c.error();
                (void)conn.Exec("ROLLBACK", {});
                commit = false;
            }
        } else {
            (void)conn.Exec("ROLLBACK", {});
        }
        if (write && commit) {
            for (auto& fn : tx.TakeOnCommit()) {
                fn();
            }
        }
    }
    work.done(std::move(err));
}

class SqliteStore final : public Store {
public:
    SqliteStore(std::unique_ptr<Connection> writer, std::vector<std::unique_ptr<Connection>> readers)
        : writer_(std::move(writer)),
          writer_pool_(1),
          reader_pool_(readers.size()),
          readers_(std::move(readers)) {
        for (auto& r : readers_) {
            free_readers_.push_back(r.get());
        }
    }

    ~SqliteStore() override { Close(); }

    const filter::Dialect& dialect() const override { return filter::SqliteDialect(); }

    Result<std::vector<schema::Collection>> LoadCollections() override {
        SqliteTx tx(*writer_);
        return LoadCollectionRows(tx);
    }

    void Close() override {
        if (closed_.exchange(true)) {
            return;
        }
        writer_pool_.join();
        reader_pool_.join();
        readers_.clear();
        writer_.reset();
    }

protected:
    void Submit(Access access, Work work) override {
        if (closed_.load()) {
            work.done(Error(ErrorCode::kUnavailable, "the database is closed"));
            return;
        }
        if (access == Access::kWrite) {
            net::post(writer_pool_, [this, work = std::move(work)]() mutable {
                RunUnit(*writer_, work, true);
            });
            return;
        }
        net::post(reader_pool_, [this, work = std::move(work)]() mutable {
            Connection* conn = Acquire();
            RunUnit(*conn, work, false);
            Release(conn);
        });
    }

private:
    Connection* Acquire() {
        std::lock_guard lock(mu_);
        Connection* c = free_readers_.back();  // one connection per pool thread: never empty
        free_readers_.pop_back();
        return c;
    }

    void Release(Connection* c) {
        std::lock_guard lock(mu_);
        free_readers_.push_back(c);
    }

    std::unique_ptr<Connection> writer_;
    net::thread_pool writer_pool_;
    net::thread_pool reader_pool_;
    std::vector<std::unique_ptr<Connection>> readers_;
    std::mutex mu_;
    std::vector<Connection*> free_readers_;
    std::atomic<bool> closed_{false};
};

Status EnsureBootstrapped(Connection& conn, bool aux) {
    SqliteTx tx(conn);
    BASALT_TRY(bool done, IsBootstrapped(tx, aux));
    if (done) {
        return Ok();
    }
    log::Info("initializing {}", aux ? "auxiliary.db" : "data.db");
    BASALT_RETURN_IF_ERROR(conn.ExecScript("BEGIN IMMEDIATE"));
    if (auto st = Bootstrap(tx, aux); !st) {
        (void)conn.ExecScript("ROLLBACK");
        return st;
    }
    return conn.ExecScript("COMMIT");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& opts) {
    std::error_code ec;
    std::filesystem::create_directories(opts.dir, ec);
    if (ec) {
        return Internal("cannot create data dir " + opts.dir.string() + ": " + ec.message());
    }
    const std::string data_path = (opts.dir / "data.db").string();
    {
        BASALT_TRY(auto aux, Connection::Open((opts.dir / "auxiliary.db").string(), false, opts.busy_timeout_ms));
        BASALT_RETURN_IF_ERROR(EnsureBootstrapped(*aux, true));
    }
    BASALT_TRY(auto writer, Connection::Open(data_path, false, opts.busy_timeout_ms));
    BASALT_RETURN_IF_ERROR(EnsureBootstrapped(*writer, false));
    std::size_t n = opts.readers;
    if (n == 0) {
        n = std::max<std::size_t>(2, std::thread::hardware_concurrency());
    }
    std::vector<std::unique_ptr<Connection>> readers;
    for (std::size_t i = 0; i < n; ++i) {
        BASALT_TRY(auto r, Connection::Open(data_path, false, opts.busy_timeout_ms));
        BASALT_RETURN_IF_ERROR(r->ExecScript("PRAGMA query_only=ON"));
        readers.push_back(std::move(r));
    }
    return std::unique_ptr<Store>(new SqliteStore(std::move(writer), std::move(readers)));
}

}  // namespace basalt::store
