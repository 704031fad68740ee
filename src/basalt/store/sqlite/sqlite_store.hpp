// SqliteStore: PocketBase's pb_data layout on SQLite — data.db (WAL, one writer, N readers) and
// auxiliary.db. Every sqlite3_* call runs on the store's own threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "basalt/base/result.hpp"
#include "basalt/store/store.hpp"

namespace basalt::store {

struct SqliteOptions {
    std::filesystem::path dir;      // the data directory (created if missing)
    std::size_t readers = 0;        // 0 = max(2, hardware threads)
    int busy_timeout_ms = 10000;
    int read_timeout_ms = 10000;    // a read unit's statements are interrupted after this (0 = none)
    /// true: the WAL is fsynced at every commit (synchronous=FULL), so an acknowledged write
    /// survives a power loss; group commit shares one fsync among the writes queued together.
    /// false: PocketBase's synchronous=NORMAL (survives a crash of the process, not of the
    /// machine: the last commits before a power loss may be lost, the database stays intact).
    bool durable_commits = true;
    /// Bytes of data.db each reader maps into memory (PRAGMA mmap_size): a page that is not in
    /// the WAL is read in place instead of being copied into the connection's page cache. The
    /// mapped pages are the kernel's page cache, shared by the readers and counted in RSS once
    /// touched. 0 = read() only (PocketBase's setting).
    std::int64_t reader_mmap_bytes = std::int64_t{256} << 20;
};

/// Opens (or creates) a data directory. A new directory is bootstrapped with PocketBase's system
/// tables, the system collections and default settings, so that PocketBase v0.39 opens it too.
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& opts);

}  // namespace basalt::store
