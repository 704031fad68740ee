// SQLite connection: open with PocketBase's pragmas, prepare with a cache, bind, step.
#include "basalt/store/sqlite/internal/connection.hpp"

#include <variant>

#include "basalt/base/log.hpp"

namespace basalt::store::sqlite_internal {

namespace {

// How often (in virtual machine instructions) a running statement checks its deadline.
constexpr int kProgressInstructions = 10000;


constexpr std::size_t kMaxCachedStatements = 512;

int Bind(sqlite3_stmt* st, int idx, const SqlValue& v) {
    return std::visit(
        [&](const auto& x) -> int {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return sqlite3_bind_null(st, idx);
            } else if constexpr (std::is_same_v<T, bool>) {
                return sqlite3_bind_int(st, idx, x ? 1 : 0);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return sqlite3_bind_int64(st, idx, x);
            } else if constexpr (std::is_same_v<T, double>) {
                return sqlite3_bind_double(st, idx, x);
            } else {
                return sqlite3_bind_text(st, idx, x.data(), static_cast<int>(x.size()), SQLITE_TRANSIENT);
            }
        },
        v);
}

SqlValueRef ReadColumnRef(sqlite3_stmt* st, int i) {
    // One column lookup, then the value's own accessors: sqlite3_column_* would look the column
    // up (and check for a failed allocation) on every call. The value is "unprotected", which
    // only matters when another thread uses the connection; ours never do.
    sqlite3_value* v = sqlite3_column_value(st, i);
    switch (sqlite3_value_type(v)) {
        case SQLITE_INTEGER: return static_cast<std::int64_t>(sqlite3_value_int64(v));
        case SQLITE_FLOAT: return sqlite3_value_double(v);
        case SQLITE_NULL: return std::monostate{};
        default: {
            const auto* p = sqlite3_value_text(v);
            int n = sqlite3_value_bytes(v);
            return std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        }
    }
}

SqlValue ReadColumn(sqlite3_stmt* st, int i) { return ValueOf(ReadColumnRef(st, i)); }

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool readonly, int busy_ms) {
    sqlite3* db = nullptr;
    int flags = (readonly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return Internal("cannot open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db, busy_ms);
    sqlite3_extended_result_codes(db, 1);
    std::unique_ptr<Connection> c(new Connection(db));
    sqlite3_progress_handler(db, kProgressInstructions, &Connection::OnProgress, c.get());
    // The same pragmas PocketBase uses (core/db_connect.go).
    const char* pragmas = readonly ? "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;"
                                   : "PRAGMA journal_mode=WAL; PRAGMA journal_size_limit=200000000;"
                                     "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                                     "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;";
    BASALT_RETURN_IF_ERROR(c->ExecScript(pragmas));
    return c;
}

int Connection::OnProgress(void* self) {
    auto* c = static_cast<Connection*>(self);
    if (c->deadline_ && std::chrono::steady_clock::now() > *c->deadline_) {
        c->timed_out_ = true;
        return 1;  // interrupt: the statement fails with SQLITE_INTERRUPT
    }
    return 0;
}

Connection::~Connection() {
    ClearCache();
    sqlite3_close_v2(db_);
}

void Connection::ClearCache() {
    for (auto& [sql, st] : cache_) {
        sqlite3_finalize(st);
    }
    cache_.clear();
}

Error Connection::MakeError(int rc, std::string_view sql) const {
    std::string msg = sqlite3_errmsg(db_);
    int primary = rc & 0xff;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        // "UNIQUE constraint failed: demo2.title, demo2.x" or "... failed: index 'name'"
        return {ErrorCode::kAlreadyExists, msg};
    }
    if (primary == SQLITE_CONSTRAINT) {
        return {ErrorCode::kFailedPrecondition, msg};
    }
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        return {ErrorCode::kUnavailable, msg};
    }
    if (primary == SQLITE_INTERRUPT && timed_out_) {
        return InvalidArgument("The query took too long to run. Narrow the filter or the sort.");
    }
    if (primary == SQLITE_INTERRUPT) {
        return {ErrorCode::kDeadlineExceeded, msg};
    }
    log::Debug("sqlite error {} in: {}", msg, sql.substr(0, 200));
    return {ErrorCode::kInternal, "sqlite: " + msg};
}

Result<sqlite3_stmt*> Connection::Prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it != cache_.end()) {
        sqlite3_reset(it->second);
        sqlite3_clear_bindings(it->second);
        return it->second;
    }
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_,
                                sql.data(),
                                static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT,
                                &st,
                                &tail);
    if (rc != SQLITE_OK) {
        Error e = MakeError(rc, sql);
        if (e.code == ErrorCode::kInternal) {
            e.code = ErrorCode::kInvalidArgument;  // malformed SQL: a view query, an index, ...
        }
        return e;
    }
    if (st == nullptr) {
        return InvalidArgument("empty statement");
    }
    if (cache_.size() >= kMaxCachedStatements) {
        ClearCache();
    }
    cache_.emplace(std::string(sql), st);
    return st;
}

Result<sqlite3_stmt*> Connection::PrepareBound(std::string_view sql, const SqlParams& params) {
    BASALT_TRY(sqlite3_stmt * st, Prepare(sql));
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (int rc = Bind(st, static_cast<int>(i + 1), params[i]); rc != SQLITE_OK) {
            return MakeError(rc, sql);
        }
    }
    return st;
}

Result<Rows> Connection::Query(std::string_view sql, const SqlParams& params) {
    BASALT_TRY(sqlite3_stmt * st, PrepareBound(sql, params));
    Rows out;
    int ncol = -1;
    while (true) {
        int rc = sqlite3_step(st);
        if (ncol < 0 && (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
            // Only now: a cached statement whose table changed shape (another connection's DDL)
            // is re-prepared inside the first step, and its columns may differ from before it.
            ncol = sqlite3_column_count(st);
            out.columns.reserve(static_cast<std::size_t>(ncol));
            for (int i = 0; i < ncol; ++i) {
                out.columns.emplace_back(sqlite3_column_name(st, i));
            }
        }
        if (rc == SQLITE_ROW) {
            std::vector<SqlValue> row;
            row.reserve(static_cast<std::size_t>(ncol));
            for (int i = 0; i < ncol; ++i) {
                row.push_back(ReadColumn(st, i));
            }
            out.rows.push_back(std::move(row));
        } else if (rc == SQLITE_DONE) {
            break;
        } else {
            Error e = MakeError(rc, sql);
            sqlite3_reset(st);
            return e;
        }
    }
    sqlite3_reset(st);
    return out;
}

Status Connection::QueryEach(std::string_view sql, const SqlParams& params, const RowCallback& fn) {
    BASALT_TRY(sqlite3_stmt * st, PrepareBound(sql, params));
    // Resets the statement however we leave (an exception from `fn` included), so that the
    // cached statement holds no read transaction open.
    struct ResetOnExit {
        sqlite3_stmt* st;
        ~ResetOnExit() { sqlite3_reset(st); }
    } reset{st};
    int ncol = -1;
    while (true) {
        int rc = sqlite3_step(st);
        if (ncol < 0 && (rc == SQLITE_ROW || rc == SQLITE_DONE)) {
            // As in Query: the columns are only known after the first step.
            ncol = sqlite3_column_count(st);
            row_names_.clear();
            for (int i = 0; i < ncol; ++i) {
                row_names_.emplace_back(sqlite3_column_name(st, i));
            }
        }
        if (rc == SQLITE_ROW) {
            row_values_.clear();
            for (int i = 0; i < ncol; ++i) {
                row_values_.push_back(ReadColumnRef(st, i));
            }
            fn(row_names_, row_values_);
        } else if (rc == SQLITE_DONE) {
            return Ok();
        } else {
            return MakeError(rc, sql);
        }
    }
}

Result<std::int64_t> Connection::Exec(std::string_view sql, const SqlParams& params) {
    BASALT_TRY(sqlite3_stmt * st, PrepareBound(sql, params));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
        Error e = MakeError(rc, sql);
        sqlite3_reset(st);
        return e;
    }
    sqlite3_reset(st);
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
}

Result<std::vector<QueryColumn>> Connection::Describe(std::string_view sql) {
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, &tail);
    if (rc != SQLITE_OK || st == nullptr) {
        std::string msg = rc != SQLITE_OK ? sqlite3_errmsg(db_) : "empty query";
        sqlite3_finalize(st);
        return InvalidArgument(msg);
    }
    std::string_view rest = tail != nullptr ? std::string_view(tail) : std::string_view();
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ';' || rest.front() == '\n' ||
                             rest.front() == '\t' || rest.front() == '\r')) {
        rest.remove_prefix(1);
    }
    if (!rest.empty() || sqlite3_stmt_readonly(st) == 0) {
        sqlite3_finalize(st);
        return InvalidArgument("the view query must be a single SELECT statement");
    }
    std::vector<QueryColumn> out;
    const int n = sqlite3_column_count(st);
    for (int i = 0; i < n; ++i) {
        QueryColumn c;
        c.name = sqlite3_column_name(st, i);
        if (const char* t = sqlite3_column_table_name(st, i)) {
            c.origin_table = t;
        }
        if (const char* o = sqlite3_column_origin_name(st, i)) {
            c.origin_column = o;
        }
        out.push_back(std::move(c));
    }
    sqlite3_finalize(st);
    return out;
}

Status Connection::ExecScript(std::string_view sql) {
    char* err = nullptr;
    std::string s(sql);
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        Error e = MakeError(rc, sql);
        e.message = msg;
        if (e.code == ErrorCode::kInternal) {
            e.code = ErrorCode::kInvalidArgument;
        }
        return e;
    }
    return Ok();
}

}  // namespace basalt::store::sqlite_internal
