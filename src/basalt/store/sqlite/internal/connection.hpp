// A SQLite connection with a prepared-statement cache; used by one thread at a time.
#pragma once

#include <chrono>
#include <optional>

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "basalt/base/result.hpp"
#include "basalt/base/sql_value.hpp"
#include "basalt/store/store.hpp"

namespace basalt::store::sqlite_internal {

/// Owns a sqlite3 handle and its cached statements. Not thread-safe: confined to the thread that
/// runs the current unit of work.
class Connection {
public:
    static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool readonly, int busy_ms);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Result<Rows> Query(std::string_view sql, const SqlParams& params);
    /// Query without copies: each row's values borrow SQLite's buffers for the call to `fn`.
    Status QueryEach(std::string_view sql, const SqlParams& params, const RowCallback& fn);
    Result<std::int64_t> Exec(std::string_view sql, const SqlParams& params);
    Status ExecScript(std::string_view sql);
    Result<std::vector<QueryColumn>> Describe(std::string_view sql);

    /// Drops every cached statement (after DDL, statements are re-prepared lazily anyway).
    void ClearCache();

    sqlite3* handle() { return db_; }

    /// Statements running past `deadline` are interrupted and fail with kInvalidArgument (a
    /// filter too expensive to answer); nullopt = no limit. Only for read units: an interrupted
    /// write would roll back a whole group commit.
    void SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
        deadline_ = deadline;
        timed_out_ = false;
    }

private:
    explicit Connection(sqlite3* db) : db_(db) {}
    Result<sqlite3_stmt*> Prepare(std::string_view sql);
    /// Prepare and bind every parameter.
    Result<sqlite3_stmt*> PrepareBound(std::string_view sql, const SqlParams& params);
    Error MakeError(int rc, std::string_view sql) const;

    static int OnProgress(void* self);

    sqlite3* db_;
    std::unordered_map<std::string, sqlite3_stmt*> cache_;
    std::optional<std::chrono::steady_clock::time_point> deadline_;
    std::vector<std::string_view> row_names_;  // QueryEach's buffers, reused
    std::vector<SqlValueRef> row_values_;
    bool timed_out_ = false;
};

}  // namespace basalt::store::sqlite_internal
