// Storage interfaces: Store runs units of work on its own threads, each inside a Tx. Dialect
// differences (SQL flavour, type mapping, DDL) live only in the implementations (store/sqlite,
// store/postgres).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "basalt/base/result.hpp"
#include "basalt/base/sql_value.hpp"
#include "basalt/filter/dialect.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/store/count_cache.hpp"

namespace basalt::store {

namespace net = boost::asio;

/// A result set: column names and rows of values, in SELECT order.
struct Rows {
    std::vector<std::string> columns;
    std::vector<std::vector<SqlValue>> rows;
};

/// A column value as Tx::QueryEach hands it over: text borrows the database's buffer and is
/// valid only during the callback that received it.
using SqlValueRef = std::variant<std::monostate, bool, std::int64_t, double, std::string_view>;

inline SqlValueRef RefOf(const SqlValue& v) {
    return std::visit([](const auto& x) -> SqlValueRef { return SqlValueRef(x); }, v);
}

inline SqlValue ValueOf(const SqlValueRef& v) {
    return std::visit(
        [](const auto& x) -> SqlValue {
            if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string_view>) {
                return std::string(x);
            } else {
                return x;
            }
        },
        v);
}

/// Receives the rows of Tx::QueryEach one at a time: the column names (the same span for
/// every row of a query) and the row's values, both valid only during the call.
using RowCallback = std::function<void(std::span<const std::string_view> columns, std::span<const SqlValueRef> row)>;

/// A result column of a query and, when it is a plain column reference, where it comes from.
struct QueryColumn {
    std::string name;
    std::string origin_table;   // empty for expressions
    std::string origin_column;  // empty for expressions
    std::string expression;     // the declared type or expression hint, lower-cased ("count(", ...)
};

/// A connection inside one unit of work. Used synchronously on the store's thread; never
/// shared between threads and never kept beyond the unit of work that received it.
class Tx {
public:
    virtual ~Tx() = default;

    virtual const filter::Dialect& dialect() const = 0;

    /// Runs a statement returning rows. Every user value must be in `params`.
    virtual Result<Rows> Query(std::string_view sql, const SqlParams& params) = 0;

    /// Runs a statement returning rows and hands each row to `fn` as it is read, without
    /// materializing the result (list pages written straight into a response). The default
    /// goes through Query; stores override it to avoid the per-row copies. `fn` must not run
    /// statements on this Tx.
    virtual Status QueryEach(std::string_view sql, const SqlParams& params, const RowCallback& fn);

    /// Runs a statement; returns the number of rows changed.
    virtual Result<std::int64_t> Exec(std::string_view sql, const SqlParams& params = {}) = 0;

    /// Runs several statements without parameters (DDL).
    virtual Status ExecScript(std::string_view sql) = 0;

    /// The result columns of a SELECT without running it (view collections). Invalid SQL ->
    /// kInvalidArgument with the database's message.
    virtual Result<std::vector<QueryColumn>> DescribeQuery(std::string_view select_sql) = 0;

    /// Registers work to run after the transaction commits (never on rollback).
    virtual void OnCommit(std::function<void()> fn) = 0;

    /// Read units only: the cache of list totals and the data epoch read before this unit's
    /// snapshot (see CountCache). nullptr inside write units, whose counts must see their own
    /// uncommitted changes.
    virtual CountCache* count_cache() { return nullptr; }
    virtual std::uint64_t epoch() const { return 0; }

    // ---- dialect-specific schema operations (DDL in the same transaction) ----
    virtual Status CreateCollectionTable(const schema::Collection& c) = 0;
    /// Brings `old`'s table to `updated`'s shape: rename table, add/rename/drop columns, indexes.
    virtual Status AlterCollectionTable(const schema::Collection& old, const schema::Collection& updated) = 0;
    virtual Status DropCollectionTable(const schema::Collection& c) = 0;

    /// Converts a stored column value to the API JSON value for the field.
    virtual boost::json::value ColumnToJson(const schema::Field& f, const SqlValue& v) const = 0;
    /// Appends exactly `json::Write(ColumnToJson(f, v))`; stores override it to skip building
    /// the value for the common types.
    virtual void WriteColumnJson(std::string& out, const schema::Field& f, const SqlValueRef& v) const;
    /// Converts an API JSON value to the value bound when storing the field.
    virtual SqlValue JsonToColumn(const schema::Field& f, const boost::json::value& v) const = 0;
};

enum class Access { kRead, kWrite };

/// A database. Units of work run on the store's own threads (never the network threads):
/// reads on a pool of reader connections, writes serialized on one writer connection, each write
/// in one transaction committed only when the unit of work succeeds.
/// Thread-safe; owned by the App and outlives every request.
class Store {
public:
    virtual ~Store() = default;

    virtual const filter::Dialect& dialect() const = 0;

    /// Loads every collection from the database.
    virtual Result<std::vector<schema::Collection>> LoadCollections() = 0;

    /// Closes connections; pending work completes first.
    virtual void Close() = 0;

    /// The data epoch: advanced after every committed write, before the writer hears of the
    /// commit (see CountCache), so that a value read in a snapshot taken after the epoch was
    /// read stays current while the epoch does not change. nullopt when the store cannot tell
    /// (writes by other nodes): callers must not cache then.
    virtual std::optional<std::uint64_t> DataEpoch() const { return std::nullopt; }

    /// Runs `fn(Tx&)` on a reader connection. `fn` returns Result<T> or Status.
    template <class F, class R = std::invoke_result_t<F&, Tx&>>
    net::awaitable<R> Read(F fn) {
        co_return co_await Run<R>(Access::kRead, std::move(fn));
    }

    /// Runs `fn(Tx&)` in a write transaction: committed when it returns a value, rolled back when
    /// it returns an error or throws.
    template <class F, class R = std::invoke_result_t<F&, Tx&>>
    net::awaitable<R> Write(F fn) {
        co_return co_await Run<R>(Access::kWrite, std::move(fn));
    }

protected:
    /// A unit of work. The store calls `run` with a Tx (inside a transaction for writes), commits
    /// when it returns true and rolls back otherwise, then calls `done` — with an error when the
    /// work could not run (store closed) or the commit failed.
    struct Work {
        std::function<bool(Tx&)> run;
        std::function<void(std::optional<Error>)> done;
    };

    virtual void Submit(Access access, Work work) = 0;

private:
    template <class R, class F>
    struct RunState {
        explicit RunState(F f) : fn(std::move(f)) {}
        F fn;
        std::optional<R> result;
        std::exception_ptr eptr;
    };

    template <class R, class F>
    net::awaitable<R> Run(Access access, F fn) {
        auto st = std::make_shared<RunState<R, F>>(std::move(fn));
        auto init = [this, access, st](auto handler) {
            using Handler = decltype(handler);
            // Keeps the caller's io_context alive while the work runs elsewhere.
            auto ex = net::prefer(net::get_associated_executor(handler),
                                  net::execution::outstanding_work.tracked);
            auto h = std::make_shared<Handler>(std::move(handler));
            Work w;
            w.run = [st](Tx& tx) {
                try {
                    st->result.emplace(st->fn(tx));
                    return static_cast<bool>(*st->result);
                } catch (...) {
                    st->eptr = std::current_exception();
                    return false;
                }
            };
            w.done = [st, h, ex](std::optional<Error> err) {
                if (err && !st->eptr) {
                    st->result.emplace(std::move(*err));
                }
                net::dispatch(ex, [h]() { std::move (*h)(); });
            };
            Submit(access, std::move(w));
        };
        co_await net::async_initiate<const net::use_awaitable_t<>&, void()>(std::move(init),
                                                                            net::use_awaitable);
        if (st->eptr) {
            std::rethrow_exception(st->eptr);
        }
        co_return std::move(*st->result);
    }
};

}  // namespace basalt::store
