// The Tx of SqliteStore: statements, DDL for collections and the SQLite type mapping.
#pragma once

#include <functional>
#include <vector>

#include "basalt/store/sqlite/internal/connection.hpp"
#include "basalt/store/store.hpp"

namespace basalt::store::sqlite_internal {

/// Column definition of a field, as PocketBase v0.23+ declares it.
std::string ColumnDefinition(const schema::Field& f);

/// CREATE TABLE/VIEW statement for a collection (without its indexes).
std::string CreateTableSql(const schema::Collection& c);

/// Tx bound to one connection for one unit of work.
class SqliteTx final : public Tx {
public:
    explicit SqliteTx(Connection& conn, CountCache* counts = nullptr, std::uint64_t epoch = 0)
        : conn_(conn), counts_(counts), epoch_(epoch) {}

    const filter::Dialect& dialect() const override { return filter::SqliteDialect(); }
    Result<Rows> Query(std::string_view sql, const SqlParams& params) override {
        return conn_.Query(sql, params);
    }
    Result<std::int64_t> Exec(std::string_view sql, const SqlParams& params) override {
        return conn_.Exec(sql, params);
    }
    Status QueryEach(std::string_view sql, const SqlParams& params, const RowCallback& fn) override {
        return conn_.QueryEach(sql, params, fn);
    }
    Status ExecScript(std::string_view sql) override { return conn_.ExecScript(sql); }
    void OnCommit(std::function<void()> fn) override { on_commit_.push_back(std::move(fn)); }
    CountCache* count_cache() override { return counts_; }
    std::uint64_t epoch() const override { return epoch_; }
    Result<std::vector<QueryColumn>> DescribeQuery(std::string_view select_sql) override {
        return conn_.Describe(select_sql);
    }

    Status CreateCollectionTable(const schema::Collection& c) override;
    Status AlterCollectionTable(const schema::Collection& old, const schema::Collection& updated) override;
    Status DropCollectionTable(const schema::Collection& c) override;

    boost::json::value ColumnToJson(const schema::Field& f, const SqlValue& v) const override;
    void WriteColumnJson(std::string& out, const schema::Field& f, const SqlValueRef& v) const override;
    SqlValue JsonToColumn(const schema::Field& f, const boost::json::value& v) const override;

    std::vector<std::function<void()>> TakeOnCommit() { return std::move(on_commit_); }

private:
    Status CreateIndexes(const schema::Collection& c);
    Status DropIndexes(const schema::Collection& c);

    Connection& conn_;
    CountCache* counts_ = nullptr;
    std::uint64_t epoch_ = 0;
    std::vector<std::function<void()>> on_commit_;
};

}  // namespace basalt::store::sqlite_internal
