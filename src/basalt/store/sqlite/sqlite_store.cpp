// SqliteStore: one writer connection on its own thread, a pool of reader connections, WAL.
#include "basalt/store/sqlite/sqlite_store.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
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

/// Runs a read unit inside BEGIN/COMMIT on `conn`; calls `work.done` afterwards. `epoch` must
/// have been read before BEGIN, so that the unit's snapshot is at least as new as the epoch.
template <class Work>
void RunUnit(Connection& conn, Work& work, bool write, CountCache* counts = nullptr, std::uint64_t epoch = 0) {
    std::optional<Error> err;
    SqliteTx tx(conn, counts, epoch);
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

constexpr std::size_t kMaxBatch = 32;

// The WAL is checkpointed by a background thread once it holds this many pages (SQLite's own
// auto-checkpoint threshold), so that commits never pay for a checkpoint.
constexpr int kCheckpointPages = 1000;
constexpr int kRestartPages = 8 * kCheckpointPages;
// A RESTART blocks the writer while it waits for readers to leave the WAL. It waits in short
// steps and gives up after kRestartSteps of them (the next commit past the threshold tries again),
// unless the WAL has grown past kPatientRestartPages: then it waits like any busy connection.
// SQLite's default busy handler sleeps 1, 2, 5, 10 ... 100 ms per step, and every one of those
// sleeps stalled all writes (W3's p99 was 57-461 ms with fsync per commit, 15-21 ms after).
constexpr auto kRestartStep = std::chrono::microseconds(250);
constexpr int kRestartSteps = 20;  // 5 ms
constexpr int kPatientRestartPages = 4 * kRestartPages;

/// Group commit: runs every unit of `batch` in its own SAVEPOINT inside one write transaction
/// and commits once. A unit that fails rolls back to its savepoint only; if the final COMMIT
/// fails, every unit that had succeeded reports that error. After-commit hooks run in order,
/// then every unit's `done`.
template <class Work>
void RunBatch(Connection& conn, std::vector<Work>& batch, std::atomic<std::uint64_t>& epoch) {
    std::vector<std::optional<Error>> errors(batch.size());
    std::vector<bool> committed(batch.size(), false);
    std::vector<std::vector<std::function<void()>>> hooks(batch.size());
    bool in_tx = false;
    auto fail_committed = [&](const Error& e) {
        for (std::size_t j = 0; j < batch.size(); ++j) {
            if (committed[j]) {
                committed[j] = false;
                errors[j] = e;
                hooks[j].clear();
            }
        }
    };
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!in_tx) {
            if (auto st = conn.Exec("BEGIN IMMEDIATE", {}); !st) {
                errors[i] = st.error();
                continue;
            }
            in_tx = true;
        }
        if (auto st = conn.Exec("SAVEPOINT basalt_unit", {}); !st) {
            errors[i] = st.error();
            continue;
        }
        SqliteTx tx(conn);
        const bool ok = batch[i].run(tx);
        if (sqlite3_get_autocommit(conn.handle()) != 0) {
            // SQLite rolled the whole transaction back (e.g. disk full): earlier units are lost.
            in_tx = false;
            fail_committed(Error(ErrorCode::kUnavailable, "the transaction was rolled back by the database"));
            if (ok) {
                errors[i] = Error(ErrorCode::kUnavailable, "the transaction was rolled back by the database");
            }
            continue;
        }
        if (ok) {
            (void)conn.Exec("RELEASE basalt_unit", {});
            committed[i] = true;
            hooks[i] = tx.TakeOnCommit();
        } else {
            (void)conn.Exec("ROLLBACK TO basalt_unit", {});
            (void)conn.Exec("RELEASE basalt_unit", {});
        }
    }
    if (in_tx) {
        if (auto c = conn.Exec("COMMIT", {}); !c) {
            (void)conn.Exec("ROLLBACK", {});
            fail_committed(c.error());
        }
    }
    // Cached totals end here: before any hook runs or any writer hears of its commit. (Also
    // after a failed COMMIT: harmless, and the database may have changed regardless.)
    epoch.fetch_add(1, std::memory_order_acq_rel);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        for (auto& fn : hooks[i]) {
            fn();
        }
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].done(std::move(errors[i]));
    }
}

class SqliteStore final : public Store {
public:
    SqliteStore(std::unique_ptr<Connection> writer,
                std::unique_ptr<Connection> checkpointer,
                std::vector<std::unique_ptr<Connection>> readers,
                std::chrono::milliseconds read_timeout,
                std::chrono::milliseconds busy_timeout)
        : read_timeout_(read_timeout),
          writer_(std::move(writer)),
          checkpointer_(std::move(checkpointer)),
          busy_timeout_(busy_timeout),
          reader_pool_(readers.size()),
          readers_(std::move(readers)) {
        for (auto& r : readers_) {
            free_readers_.push_back(r.get());
        }
        // Replaces SQLite's auto-checkpoint on the writer: commits only signal the checkpointer.
        sqlite3_wal_hook(writer_->handle(), &SqliteStore::OnWalCommit, this);
        sqlite3_busy_handler(checkpointer_->handle(), &SqliteStore::OnCheckpointBusy, this);
        checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
        writer_thread_ = std::thread([this] { WriterLoop(); });
    }

    ~SqliteStore() override { Close(); }

    const filter::Dialect& dialect() const override { return filter::SqliteDialect(); }

    Result<std::vector<schema::Collection>> LoadCollections() override {
        SqliteTx tx(*writer_);
        return LoadCollectionRows(tx);
    }

    std::optional<std::uint64_t> DataEpoch() const override { return epoch_.load(std::memory_order_acquire); }

    void Close() override {
        if (closed_.exchange(true)) {
            return;
        }
        {
            std::lock_guard lock(write_mu_);
            stopping_ = true;
        }
        write_cv_.notify_one();
        writer_thread_.join();
        {
            std::lock_guard lock(checkpoint_mu_);
            checkpoint_stop_ = true;
        }
        checkpoint_cv_.notify_one();
        checkpoint_thread_.join();
        checkpointer_.reset();
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
            {
                std::unique_lock lock(write_mu_);
                if (stopping_) {
                    lock.unlock();
                    work.done(Error(ErrorCode::kUnavailable, "the database is closed"));
                    return;
                }
                write_queue_.push_back(std::move(work));
            }
            write_cv_.notify_one();
            return;
        }
        net::post(reader_pool_, [this, work = std::move(work)]() mutable {
            Connection* conn = Acquire();
            const std::uint64_t epoch = epoch_.load(std::memory_order_acquire);
            if (read_timeout_.count() > 0) {
                conn->SetDeadline(std::chrono::steady_clock::now() + read_timeout_);
            }
            RunUnit(*conn, work, false, &counts_, epoch);
            conn->SetDeadline(std::nullopt);
            Release(conn);
        });
    }

private:
    /// The writer thread: drains the queue in batches (group commit) until Close().
    void WriterLoop() {
        std::vector<Work> batch;
        while (true) {
            batch.clear();
            {
                std::unique_lock lock(write_mu_);
                write_cv_.wait(lock, [this] { return stopping_ || !write_queue_.empty(); });
                if (write_queue_.empty()) {
                    return;  // stopping, and everything submitted has run
                }
                while (!write_queue_.empty() && batch.size() < kMaxBatch) {
                    batch.push_back(std::move(write_queue_.front()));
                    write_queue_.pop_front();
                }
            }
            RunBatch(*writer_, batch, epoch_);
        }
    }

    static int OnWalCommit(void* self, sqlite3* /*db*/, const char* /*name*/, int pages) {
        if (pages >= kCheckpointPages) {
            auto* store = static_cast<SqliteStore*>(self);
            {
                std::lock_guard lock(store->checkpoint_mu_);
                store->checkpoint_wanted_ = true;
            }
            store->checkpoint_cv_.notify_one();
        }
        return SQLITE_OK;
    }

    /// The checkpointer's busy handler: short steps, then give up (see kRestartSteps); patient
    /// (up to the busy timeout) when `patient_restart_` is set for an oversized WAL.
    static int OnCheckpointBusy(void* self, int attempts) {
        const auto* store = static_cast<SqliteStore*>(self);
        const int limit = store->patient_restart_
                              ? static_cast<int>(store->busy_timeout_ / kRestartStep)
                              : kRestartSteps;
        if (attempts >= limit) {
            return 0;  // SQLITE_BUSY: the checkpoint is retried after a later commit
        }
        std::this_thread::sleep_for(kRestartStep);
        return 1;
    }

    /// PASSIVE checkpoints on a connection of its own: never blocks the writer or readers.
    void CheckpointLoop() {
        while (true) {
            std::unique_lock lock(checkpoint_mu_);
            checkpoint_cv_.wait(lock, [this] { return checkpoint_stop_ || checkpoint_wanted_; });
            if (checkpoint_stop_) {
                return;
            }
            checkpoint_wanted_ = false;
            lock.unlock();
            // PASSIVE copies frames (and fsyncs) without blocking the writer or readers; the log
            // rewinds by itself when a write starts after a complete backfill. Under a continuous
            // stream of commits that moment may never come, so once the WAL is well past the
            // threshold a RESTART holds the writer for the few remaining frames and rewinds it.
            int wal_pages = 0;
            int done_pages = 0;
            int rc = sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                               &wal_pages, &done_pages);
            if (rc == SQLITE_OK && wal_pages > kRestartPages) {
                patient_restart_ = wal_pages > kPatientRestartPages;
                rc = sqlite3_wal_checkpoint_v2(checkpointer_->handle(), nullptr, SQLITE_CHECKPOINT_RESTART,
                                               &wal_pages, &done_pages);
            }
            if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
                log::Warn("sqlite checkpoint failed: {}", sqlite3_errstr(rc));
            }
        }
    }

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

    const std::chrono::milliseconds read_timeout_;
    std::unique_ptr<Connection> writer_;
    std::unique_ptr<Connection> checkpointer_;
    std::chrono::milliseconds busy_timeout_;
    bool patient_restart_ = false;  // only the checkpoint thread reads and writes it
    std::mutex checkpoint_mu_;
    std::condition_variable checkpoint_cv_;
    bool checkpoint_wanted_ = false;
    bool checkpoint_stop_ = false;
    std::thread checkpoint_thread_;
    std::mutex write_mu_;
    std::condition_variable write_cv_;
    std::deque<Work> write_queue_;
    bool stopping_ = false;
    std::thread writer_thread_;
    net::thread_pool reader_pool_;
    std::vector<std::unique_ptr<Connection>> readers_;
    std::mutex mu_;
    std::vector<Connection*> free_readers_;
    std::atomic<bool> closed_{false};
    CountCache counts_;
    std::atomic<std::uint64_t> epoch_{1};  // advanced after every write batch
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
    if (opts.durable_commits) {  // only the writer commits; Open sets PocketBase's NORMAL
        BASALT_RETURN_IF_ERROR(writer->ExecScript("PRAGMA synchronous=FULL"));
    }
    std::size_t n = opts.readers;
    if (n == 0) {
        n = std::max<std::size_t>(2, std::thread::hardware_concurrency());
    }
    BASALT_TRY(auto checkpointer, Connection::Open(data_path, false, opts.busy_timeout_ms));
    std::vector<std::unique_ptr<Connection>> readers;
    for (std::size_t i = 0; i < n; ++i) {
        BASALT_TRY(auto r, Connection::Open(data_path, false, opts.busy_timeout_ms));
        BASALT_RETURN_IF_ERROR(r->ExecScript("PRAGMA query_only=ON; PRAGMA mmap_size=" + std::to_string(opts.reader_mmap_bytes)));
        readers.push_back(std::move(r));
    }
    return std::unique_ptr<Store>(new SqliteStore(std::move(writer), std::move(checkpointer), std::move(readers),
                                                std::chrono::milliseconds(opts.read_timeout_ms),
                                                std::chrono::milliseconds(opts.busy_timeout_ms)));
}

}  // namespace basalt::store
