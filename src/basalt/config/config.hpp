// Typed configuration of `basalt serve`, from flags and BASALT_* environment variables,
// validated once at startup and immutable afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "basalt/base/result.hpp"

namespace basalt::config {

struct HttpAddress {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8090;
};

inline constexpr int kMaxMmapMb = 1 << 20;  // 1 TiB
inline constexpr int kMaxListCacheMb = 1 << 16;  // 64 GiB

struct ServeConfig {
    std::filesystem::path dir = "pb_data";
    HttpAddress http;
    int workers = 0;                 // 0 = one per core
    int db_readers = 0;              // 0 = max(2, cores)
    int query_timeout_ms = 10000;    // reads running longer are interrupted (400); 0 = no limit
    int blocking_threads = 0;        // 0 = max(2, cores): bcrypt, files
    std::size_t body_limit = 32u << 20;
    std::size_t header_limit = 64u << 10;
    int shutdown_grace_seconds = 10;
    std::string log_level = "info";
    bool access_log = true;
    int realtime_idle_timeout_seconds = 300;  // PocketBase: an SSE client idle for 5 min is dropped
    /// "full": every acknowledged write is fsynced (survives a power loss; concurrent writes share
    /// one fsync). "normal": PocketBase's synchronous=NORMAL (survives a process crash only).
    std::string sync = "full";
    /// MiB of data.db each reader connection maps into memory (SQLite mmap_size): reads of
    /// pages that are not in the WAL skip the copy into the page cache. 0 = read() only.
    int mmap_mb = 256;
    /// MiB of list pages kept for identical repeated lists while nothing is written (each write
    /// invalidates them all). 0 = every list is read from the database.
    int list_cache_mb = 32;
};

/// Parses "HOST:PORT" (IPv4, hostname or [IPv6]); port 0 picks a free port.
Result<HttpAddress> ParseHttpAddress(std::string_view s);

/// Applies BASALT_HTTP, BASALT_DIR, BASALT_WORKERS, BASALT_LOG_LEVEL,
/// BASALT_REALTIME_IDLE_TIMEOUT (seconds), BASALT_SYNC, BASALT_MMAP_SIZE (MiB), BASALT_LIST_CACHE
/// (MiB) when set (flags win: call before parsing flags).
void ApplyEnvironment(ServeConfig& cfg);

/// Checks ranges; errors name the offending setting.
Status Validate(const ServeConfig& cfg);

}  // namespace basalt::config
