// Config parsing and validation.
#include "basalt/config/config.hpp"

#include <cstdint>
#include <cstdlib>
#include <limits>

#include "basalt/base/strings.hpp"

namespace basalt::config {

Result<HttpAddress> ParseHttpAddress(std::string_view s) {
    HttpAddress a;
    std::size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) {
        return InvalidArgument("--http must be HOST:PORT, got \"" + std::string(s) + "\"");
    }
    std::string_view host = s.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    std::int64_t port = 0;
    if (!ParseInt64(s.substr(colon + 1), port) || port < 0 || port > 65535) {
        return InvalidArgument("--http port must be 0..65535, got \"" + std::string(s) + "\"");
    }
    a.host = host.empty() ? "0.0.0.0" : std::string(host);
    a.port = static_cast<std::uint16_t>(port);
    return a;
}

namespace {

/// Sets `out` from the integer environment variable `name` when it is set and within
/// [min, max]; anything else leaves `out` as it is (Validate reports flags, not the environment).
void ApplyIntEnv(const char* name, std::int64_t min, std::int64_t max, int& out) {
    std::int64_t n = 0;
    if (const char* v = std::getenv(name); v != nullptr && ParseInt64(v, n) && n >= min && n <= max) {
        out = static_cast<int>(n);
    }
}

}  // namespace

void ApplyEnvironment(ServeConfig& cfg) {
    if (const char* v = std::getenv("BASALT_HTTP")) {
        if (auto a = ParseHttpAddress(v)) {
            cfg.http = *a;
        }
    }
    if (const char* v = std::getenv("BASALT_DIR")) {
        cfg.dir = v;
    }
    // Any int: Validate names a worker count out of its range.
    ApplyIntEnv("BASALT_WORKERS", std::numeric_limits<int>::min(), std::numeric_limits<int>::max(), cfg.workers);
    if (const char* v = std::getenv("BASALT_LOG_LEVEL")) {
        cfg.log_level = v;
    }
    if (const char* v = std::getenv("BASALT_SYNC")) {
        cfg.sync = v;
    }
    ApplyIntEnv("BASALT_MMAP_SIZE", 0, kMaxMmapMb, cfg.mmap_mb);
    ApplyIntEnv("BASALT_LIST_CACHE", 0, kMaxListCacheMb, cfg.list_cache_mb);
    ApplyIntEnv("BASALT_REALTIME_IDLE_TIMEOUT", 1, 86400, cfg.realtime_idle_timeout_seconds);
}

Status Validate(const ServeConfig& cfg) {
    if (cfg.dir.empty()) {
        return InvalidArgument("--dir must not be empty");
    }
    if (cfg.workers < 0 || cfg.workers > 256) {
        return InvalidArgument("--workers must be 0..256");
    }
    if (cfg.query_timeout_ms < 0) {
        return InvalidArgument("--query-timeout must be >= 0");
    }
    if (cfg.db_readers < 0 || cfg.db_readers > 256) {
        return InvalidArgument("--db-readers must be 0..256");
    }
    if (cfg.realtime_idle_timeout_seconds < 1 || cfg.realtime_idle_timeout_seconds > 86400) {
        return InvalidArgument("--realtime-idle-timeout must be 1..86400 seconds");
    }
    if (cfg.sync != "full" && cfg.sync != "normal") {
        return InvalidArgument("--sync must be full or normal");
    }
    if (cfg.mmap_mb < 0 || cfg.mmap_mb > kMaxMmapMb) {
        return InvalidArgument("--mmap-size must be 0..1048576 MiB");
    }
    if (cfg.list_cache_mb < 0 || cfg.list_cache_mb > kMaxListCacheMb) {
        return InvalidArgument("--list-cache must be 0..65536 MiB");
    }
    if (cfg.body_limit < 1024) {
        return InvalidArgument("--body-limit must be at least 1024 bytes");
    }
    static constexpr std::string_view kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
    bool ok = false;
    for (auto l : kLevels) {
        ok = ok || cfg.log_level == l;
    }
    if (!ok) {
        return InvalidArgument("--log-level must be one of trace, debug, info, warn, error, off");
    }
    return Ok();
}

}  // namespace basalt::config
