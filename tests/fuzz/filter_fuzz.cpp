// libFuzzer target for the filter pipeline (lexer -> parser -> binder -> sql_gen). Each input is
// a filter (first line) and a sort (second line), compiled for guests, users and superusers in
// both dialects. Oracles beyond "no crash, no sanitizer report": every compile either fails with
// kInvalidArgument (a 400 for the client) or yields SQLite SQL that prepares against the schema's
// tables with exactly as many placeholders as parameters — so user text can only ever reach the
// database as a bound parameter — and runs to completion on a small data set.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "basalt/filter/filter.hpp"
#include "basalt/filter/filter_test_schema.hpp"

namespace {

using namespace basalt;

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, emailVisibility BOOLEAN, verified BOOLEAN,
  password TEXT, tokenKey TEXT, name TEXT, role TEXT, created TEXT, updated TEXT);
CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT, views REAL, published BOOLEAN, tags JSON,
  author TEXT, editors JSON, data JSON, point JSON, secret TEXT, locked_ref TEXT, created TEXT,
  updated TEXT);
CREATE TABLE comments (id TEXT PRIMARY KEY, post TEXT, message TEXT, author TEXT, created TEXT,
  updated TEXT);
CREATE TABLE locked (id TEXT PRIMARY KEY, name TEXT, created TEXT, updated TEXT);
CREATE TABLE odd (id TEXT PRIMARY KEY, "true" TEXT, "null" REAL, created TEXT, updated TEXT);
INSERT INTO users VALUES ('u1', 'u1@example.com', 0, 1, '', '', 'User One', 'admin', '2024-01-01', ''),
  ('u2', 'two@x', 1, 1, '', '', 'Two', 'user', '2024-01-02', '');
INSERT INTO posts VALUES ('p1', 'Hello', 10, 1, '["a","b"]', 'u1', '["u1","u2"]', '{"a":{"b":1}}',
  '{"lon":10,"lat":20}', 's', '', '2024-05-01', ''),
  ('p2', NULL, 0, 0, '[]', '', '[]', 'null', '{"lon":0,"lat":0}', '', '', '2023-05-01', '');
INSERT INTO comments VALUES ('c1', 'p1', 'nice', 'u1', '', ''), ('c2', 'p2', NULL, 'u2', '', '');
)sql";

struct World {
    World() {
        if (sqlite3_open(":memory:", &db) != SQLITE_OK || sqlite3_exec(db, kSchemaSql, nullptr, nullptr, nullptr) != SQLITE_OK) {
            std::fprintf(stderr, "fuzz: cannot set up the database\n");
            std::abort();
        }
        schema = filter::testing::MakeTestSchema();
        user = filter::testing::MakeTestRequest(*schema);
        guest = filter::testing::MakeTestRequest(*schema, /*guest=*/true);
    }
    sqlite3* db = nullptr;
    schema::SchemaPtr schema;
    filter::RequestInfo user;
    filter::RequestInfo guest;
};

World& TheWorld() {
    static World w;
    return w;
}

[[noreturn]] void Fail(const char* what, std::string_view input, const std::string& detail) {
    std::fprintf(stderr, "fuzz oracle: %s\ninput: %.*s\n%s\n", what, static_cast<int>(input.size()), input.data(),
                 detail.c_str());
    std::abort();
}

void Bind(sqlite3_stmt* st, const SqlParams& params) {
    int i = 1;
    for (const auto& p : params) {
        if (const auto* s = std::get_if<std::string>(&p)) {
            sqlite3_bind_text(st, i, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
        } else if (const auto* d = std::get_if<double>(&p)) {
            sqlite3_bind_double(st, i, *d);
        } else if (const auto* n = std::get_if<std::int64_t>(&p)) {
            sqlite3_bind_int64(st, i, *n);
        } else if (const auto* b = std::get_if<bool>(&p)) {
            sqlite3_bind_int(st, i, *b ? 1 : 0);
        } else {
            sqlite3_bind_null(st, i);
        }
        ++i;
    }
}

// Prepares and runs `SELECT id FROM <collection> AS r WHERE <where> ORDER BY <order>`.
void Run(std::string_view input, const std::string& table, const filter::SqlExpr& where, const filter::SqlExpr& order) {
    World& w = TheWorld();
    for (const std::string* form : {&where.sql, &where.ordered_sql}) {
        if (form == &where.ordered_sql && form->empty()) {
            continue;
        }
        std::string sql = "SELECT \"r\".\"id\" FROM \"" + table + "\" AS \"r\"";
        if (!form->empty()) {
            sql += " WHERE " + *form;
        }
        if (!order.sql.empty()) {
            sql += " ORDER BY " + order.sql;
        }
        SqlParams params = where.params;
        params.insert(params.end(), order.params.begin(), order.params.end());
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(w.db, sql.c_str(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK) {
            Fail("generated SQL does not prepare", input, std::string(sqlite3_errmsg(w.db)) + "\n" + sql);
        }
        if (sqlite3_bind_parameter_count(st) != static_cast<int>(params.size())) {
            sqlite3_finalize(st);
            Fail("placeholders and parameters differ", input, sql);
        }
        Bind(st, params);
        int rc = SQLITE_ROW;
        for (int rows = 0; rc == SQLITE_ROW && rows < 100; ++rows) {
            rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
    }
}

// A failed compile must be the client's fault (400, or 403 for superuser-only syntax).
void CheckClientError(std::string_view input, const Result<filter::SqlExpr>& r) {
    if (r) {
        return;
    }
    const Error e = r.error();
    if (e.code != ErrorCode::kInvalidArgument && e.code != ErrorCode::kPermissionDenied) {
        Fail("a compile error that is not a client error", input, e.message);
    }
}

void Compile(std::string_view input, std::string_view filter_text, std::string_view sort_text) {
    World& w = TheWorld();
    for (const char* collection : {"posts", "users", "comments"}) {
        for (int who = 0; who < 3; ++who) {
            filter::CompileOptions o;
            o.schema = w.schema.get();
            o.collection = w.schema->Find(collection).get();
            o.table_alias = "r";
            o.superuser = who == 2;
            o.max_length = 3500;
            o.request = who == 0 ? &w.guest : &w.user;
            for (const filter::Dialect* d : {&filter::SqliteDialect(), &filter::PostgresDialect()}) {
                auto where = filter::CompileFilter(filter_text, o, *d);
                auto order = filter::CompileSort(sort_text, o, *d);
                CheckClientError(input, where);
                CheckClientError(input, order);
                if (where && order && d == &filter::SqliteDialect()) {
                    Run(input, collection, *where, *order);
                }
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) {
        return -1;  // the API caps filters far below this
    }
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    const std::string_view filter_text = input.substr(0, nl);
    const std::string_view sort_text = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    Compile(input, filter_text, sort_text);
    return 0;
}
