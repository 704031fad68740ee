// SqliteStore against real SQLite files: bootstrap, fixture loading, transactions, DDL.
#include "basalt/store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "basalt/base/json.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/testing/run_co.hpp"
#include "basalt/base/testing/temp_dir.hpp"
#include "basalt/store/collection_rows.hpp"
#include "basalt/store/records.hpp"

namespace basalt::store {
namespace {

namespace fs = std::filesystem;
namespace net = boost::asio;

class TempDir : public testing::TempDir {
public:
    TempDir() : testing::TempDir("basalt_store_") {}
};

std::unique_ptr<Store> Open(const fs::path& dir) {
    SqliteOptions o;
    o.dir = dir;
    o.readers = 2;
    auto s = OpenSqliteStore(o);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
}

// Options for a store on `dir` with one reader connection.
SqliteOptions OneReader(const fs::path& dir) {
    SqliteOptions o;
    o.dir = dir;
    o.readers = 1;
    return o;
}

std::int64_t CountRows(const fs::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    sqlite3_open((db / "data.db").c_str(), &h);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr);
    std::int64_t n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

schema::Collection Posts() {
    schema::Collection c;
    c.id = "pbc_posts";
    c.name = "posts";
    auto add = [&](std::string name, schema::FieldType t, boost::json::object opts = {}) {
        schema::Field f;
        f.id = name;
        f.name = std::move(name);
        f.type = t;
        f.options = std::move(opts);
        f.Finalize();
        c.fields.push_back(std::move(f));
    };
    add("id", schema::FieldType::kText, {{"primaryKey", true}});
    add("title", schema::FieldType::kText);
    add("views", schema::FieldType::kNumber);
    add("tags", schema::FieldType::kSelect, {{"maxSelect", 3}, {"values", {"a", "b"}}});
    c.indexes.push_back("CREATE UNIQUE INDEX `idx_posts_title` ON `posts` (`title`)");
    return c;
}

TEST(SqliteStore, BootstrapsANewDataDirWithSystemCollections) {
    TempDir dir;
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    auto cols = store->LoadCollections();
    ASSERT_TRUE(cols);
    std::set<std::string> names;
    for (const auto& c : *cols) {
        names.insert(c.name);
    }
    for (const char* n : {"_superusers", "_externalAuths", "_mfas", "_otps", "_authOrigins", "users"}) {
        EXPECT_TRUE(names.contains(n)) << n;
    }
    store->Close();
    EXPECT_TRUE(fs::exists(dir.path() / "auxiliary.db"));
    EXPECT_GT(CountRows(dir.path(), "SELECT count(*) FROM _migrations"), 10);
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM _params WHERE id='settings'"), 1);
    // Re-opening an existing dir does not bootstrap again.
    auto again = Open(dir.path());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->LoadCollections()->size(), cols->size());
}

TEST(SqliteStore, OpensThePocketBaseFixture) {
    fs::path fixture = fs::path(BASALT_SOURCE_DIR) / ".." / "shared" / "pocketbase-fixture";
    if (!fs::exists(fixture / "data.db")) {
        GTEST_SKIP() << "fixture not found at " << fixture;
    }
    TempDir dir;
    fs::copy(fixture, dir.path(), fs::copy_options::recursive);
    for (auto& e : fs::recursive_directory_iterator(dir.path())) {
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    }
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    auto cols = store->LoadCollections();
    ASSERT_TRUE(cols) << cols.error().message;
    EXPECT_EQ(cols->size(), 16u);
    auto schema = std::make_shared<schema::Schema>([&] {
        std::vector<std::shared_ptr<const schema::Collection>> v;
        for (auto& c : *cols) {
            v.push_back(std::make_shared<const schema::Collection>(c));
        }
        return v;
    }());
    auto demo2 = schema->Find("DEMO2");
    ASSERT_TRUE(demo2);
    auto rows = testing::RunCo(store->Read([&](Tx& tx) { return SelectRecords(tx, demo2, {}); }));
    ASSERT_TRUE(rows);
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[0].GetString("title"), "test1");
    EXPECT_TRUE((*rows)[0].values["active"].is_bool());
    auto demo1 = schema->Find("demo1");
    auto one = testing::RunCo(store->Read([&](Tx& tx) { return FindRecord(tx, demo1, "84nmscqy84lsi1t"); }));
    ASSERT_TRUE(one && *one);
    const auto& v = (*one)->values;
    EXPECT_TRUE(v.at("file_many").is_array());
    EXPECT_TRUE(v.at("select_one").is_string());
    EXPECT_EQ(v.at("number").as_double(), 123456.0);
    EXPECT_TRUE(v.at("json").is_array());
}

TEST(SqliteStore, WritesAreTransactionalAndUniqueViolationsAreReported) {
    TempDir dir;
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    auto posts = std::make_shared<const schema::Collection>(Posts());
    auto created = testing::RunCo(store->Write([&](Tx& tx) -> Status {
        BASALT_RETURN_IF_ERROR(tx.CreateCollectionTable(*posts));
        return InsertCollectionRow(tx, *posts);
    }));
    ASSERT_TRUE(created) << created.error().message;

    auto insert = [&](std::string id, std::string title) {
        return testing::RunCo(store->Write([&](Tx& tx) -> Status {
            schema::Record r;
            r.collection = posts;
            r.values = {{"id", id}, {"title", title}, {"views", 3.0}, {"tags", boost::json::array{"a", "b"}}};
            return InsertRecord(tx, r);
        }));
    };
    EXPECT_TRUE(insert("aaaaaaaaaaaaaaa", "one"));
    auto dup = insert("bbbbbbbbbbbbbbb", "one");
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    EXPECT_NE(dup.error().message.find("title"), std::string::npos);

    // A unit of work that fails after writing leaves nothing behind.
    auto failed = testing::RunCo(store->Write([&](Tx& tx) -> Status {
        schema::Record r;
        r.collection = posts;
        r.values = {{"id", "ccccccccccccccc"}, {"title", "two"}};
        BASALT_RETURN_IF_ERROR(InsertRecord(tx, r));
        return InvalidArgument("abort");
    }));
    EXPECT_FALSE(failed);
    store->Close();
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM posts"), 1);
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM posts WHERE tags = '[\"a\",\"b\"]'"), 1);
}

net::awaitable<Status> InsertMaybeFail(Store& store, std::shared_ptr<const schema::Collection> posts, int i) {
    auto unit = [&](Tx& tx) -> Status {
        schema::Record r;
        r.collection = posts;
        r.values = {{"id", fmt::format("{:015d}", i)}, {"title", fmt::format("t{}", i)}};
        BASALT_RETURN_IF_ERROR(InsertRecord(tx, r));
        if (i % 2 == 1) {
            return InvalidArgument("odd units fail after writing");
        }
        return Ok();
    };
    co_return co_await store.Write(std::move(unit));
}

// Concurrent writes are group-committed: each unit is all-or-nothing on its own.
TEST(SqliteStore, GroupCommitKeepsUnitsIndependent) {
    TempDir dir;
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    auto posts = std::make_shared<const schema::Collection>(Posts());
    ASSERT_TRUE(testing::RunCo(store->Write([&](Tx& tx) { return tx.CreateCollectionTable(*posts); })));
    net::io_context ioc;
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < 200; ++i) {
        net::co_spawn(ioc, InsertMaybeFail(*store, posts, i), [&](std::exception_ptr e, Status st) {
            ASSERT_FALSE(e);
            (st ? ok : failed)++;
        });
    }
    ioc.run();
    EXPECT_EQ(ok, 100);
    EXPECT_EQ(failed, 100);
    store->Close();
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM posts"), 100);
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM posts WHERE (CAST(id AS INTEGER) % 2) = 1"), 0);
}

// Commits are fsynced by default (an acknowledged write survives a power loss); PocketBase's
// NORMAL when asked. Readers never commit, so only the writer's setting matters.
TEST(SqliteStore, WriterSyncsEveryCommitUnlessToldOtherwise) {
    for (const bool durable : {true, false}) {
        TempDir dir;
        SqliteOptions o = OneReader(dir.path());
        o.durable_commits = durable;
        auto store = OpenSqliteStore(o);
        ASSERT_TRUE(store);
        std::int64_t level = -1;
        ASSERT_TRUE(testing::RunCo((*store)->Write([&](Tx& tx) -> Status {
            BASALT_TRY(Rows r, tx.Query("PRAGMA synchronous", {}));
            level = std::get<std::int64_t>(r.rows.at(0).at(0));
            return {};
        })));
        EXPECT_EQ(level, durable ? 2 : 1);  // 2 = FULL, 1 = NORMAL
        (*store)->Close();
    }
}

// Whether this process maps `file` (a reader's mmap of data.db shows up in /proc/self/maps).
bool Maps(const std::filesystem::path& file) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        if (line.ends_with(" " + file.string())) {
            return true;
        }
    }
    return false;
}

// Readers map data.db when asked (pages are read in place, not copied into the page cache),
// see every committed write through the map, and only read() it when the size is 0.
TEST(SqliteStore, ReadersMapTheDatabaseWhenAsked) {
    for (const std::int64_t bytes : {std::int64_t{64} << 20, std::int64_t{0}}) {
        TempDir dir;
        SqliteOptions o = OneReader(dir.path());
        o.reader_mmap_bytes = bytes;
        auto store = OpenSqliteStore(o);
        ASSERT_TRUE(store);
        ASSERT_TRUE(testing::RunCo((*store)->Write([&](Tx& tx) -> Status {
            BASALT_RETURN_IF_ERROR(tx.ExecScript("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"));
            for (int i = 0; i < 2000; ++i) {
                BASALT_TRY(auto n, tx.Exec("INSERT INTO t (v) VALUES (?)", {std::string(100, static_cast<char>('a' + i % 26))}));
                (void)n;
            }
            return {};
        })));
        // Checkpointed: the pages are in data.db itself, where the map reads them (pages still
        // in the WAL are always read from the WAL).
        ASSERT_EQ(CountRows(dir.path(), "PRAGMA wal_checkpoint(TRUNCATE)"), 0);  // 0: not busy
        std::int64_t mapped = -1;
        std::int64_t count = -1;
        std::string last;
        ASSERT_TRUE(testing::RunCo((*store)->Read([&](Tx& tx) -> Status {
            BASALT_TRY(Rows size, tx.Query("PRAGMA mmap_size", {}));
            mapped = std::get<std::int64_t>(size.rows.at(0).at(0));
            BASALT_TRY(Rows r, tx.Query("SELECT count(*), max(v) FROM t WHERE length(v) = 100", {}));
            count = std::get<std::int64_t>(r.rows.at(0).at(0));
            last = std::get<std::string>(r.rows.at(0).at(1));
            return {};
        })));
        EXPECT_EQ(mapped, bytes);
        EXPECT_EQ(count, 2000);
        EXPECT_EQ(last, std::string(100, 'z'));
        EXPECT_EQ(Maps(dir.path() / "data.db"), bytes > 0);
        (*store)->Close();
    }
}

// A read that runs past the store's read timeout is interrupted with a client error (400), the
// connection stays usable, and writes are never interrupted.
TEST(SqliteStore, ReadsPastTheirDeadlineFailCleanly) {
    TempDir dir;
    SqliteOptions o = OneReader(dir.path());
    o.read_timeout_ms = 100;
    auto opened = OpenSqliteStore(o);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;
    const std::string slow =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000000) SELECT count(*) FROM n";
    const auto started = std::chrono::steady_clock::now();
    auto r = testing::RunCo(store.Read([&](Tx& tx) { return tx.Query(slow, {}); }));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    auto fast = testing::RunCo(store.Read([&](Tx& tx) { return tx.Query("SELECT 41 + 1", {}); }));
    ASSERT_TRUE(fast) << fast.error().message;
    EXPECT_EQ(std::get<std::int64_t>(fast->rows[0][0]), 42);
    // Writes have no such limit: this takes longer than 100 ms on any machine.
    auto w = testing::RunCo(store.Write([&](Tx& tx) {
        return tx.Query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
                        "SELECT count(*) FROM n",
                        {});
    }));
    ASSERT_TRUE(w) << w.error().message;
    store.Close();
}

// A reader's cached statement over a table that another connection rebuilt is re-prepared by
// SQLite inside its first step: the column names must be those of the new shape, not the old
// (seen as a failed login right after a collection update: the password hash read as "").
TEST(SqliteStore, ReadersSeeTheNewColumnsAfterATableRebuild) {
    TempDir dir;
    SqliteOptions o = OneReader(dir.path());  // the same reader connection, with its statement cache, serves both reads
    auto opened = OpenSqliteStore(o);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;
    schema::Collection old = Posts();
    ASSERT_TRUE(testing::RunCo(store.Write([&](Tx& tx) -> Status {
        BASALT_RETURN_IF_ERROR(tx.CreateCollectionTable(old));
        BASALT_TRY(auto n, tx.Exec("INSERT INTO posts (id, title, views, tags) VALUES ('p1', 'hello', 7, '[]')", {}));
        return n == 1 ? Ok() : Internal("insert");
    })));
    const std::string sql = "SELECT posts.* FROM posts";
    auto before = testing::RunCo(store.Read([&](Tx& tx) { return tx.Query(sql, {}); }));
    ASSERT_TRUE(before) << before.error().message;
    schema::Collection updated = old;
    updated.fields.erase(updated.fields.begin() + 2);  // drop `views`: the columns shift
    ASSERT_TRUE(testing::RunCo(store.Write([&](Tx& tx) { return tx.AlterCollectionTable(old, updated); })));
    auto after = testing::RunCo(store.Read([&](Tx& tx) { return tx.Query(sql, {}); }));
    ASSERT_TRUE(after) << after.error().message;
    ASSERT_EQ(after->rows.size(), 1u);
    ASSERT_EQ(after->columns.size(), after->rows[0].size());
    for (std::size_t i = 0; i < after->columns.size(); ++i) {
        EXPECT_NE(after->columns[i], "views");
        if (after->columns[i] == "title") {
            EXPECT_EQ(std::get<std::string>(after->rows[0][i]), "hello");
        }
    }
    store.Close();
}

TEST(SqliteStore, AlterRebuildsTableKeepingData) {
    TempDir dir;
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    schema::Collection old = Posts();
    auto oldp = std::make_shared<const schema::Collection>(old);
    ASSERT_TRUE(testing::RunCo(store->Write([&](Tx& tx) -> Status {
        BASALT_RETURN_IF_ERROR(tx.CreateCollectionTable(old));
        schema::Record r;
        r.collection = oldp;
        r.values = {{"id", "aaaaaaaaaaaaaaa"}, {"title", "one"}, {"tags", boost::json::array{"a", "b"}}};
        return InsertRecord(tx, r);
    })));
    schema::Collection updated = old;
    updated.name = "articles";
    updated.indexes = {"CREATE UNIQUE INDEX `idx_articles_title` ON `articles` (`headline`)"};
    updated.fields[1].name = "headline";                    // rename (same field id)
    updated.fields[3].options["maxSelect"] = 1;              // multi -> single
    updated.fields[3].Finalize();
    updated.fields.erase(updated.fields.begin() + 2);        // drop views
    schema::Field extra;
    extra.id = "extra";
    extra.name = "extra";
    extra.type = schema::FieldType::kBool;
    extra.Finalize();
    updated.fields.push_back(extra);                         // add
    auto st = testing::RunCo(store->Write([&](Tx& tx) { return tx.AlterCollectionTable(old, updated); }));
    ASSERT_TRUE(st) << st.error().message;
    store->Close();
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM articles WHERE headline='one' AND tags='b' AND extra=0"), 1);
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM sqlite_master WHERE name='posts'"), 0);
    EXPECT_EQ(CountRows(dir.path(), "SELECT count(*) FROM sqlite_master WHERE name='idx_articles_title'"), 1);
}

}  // namespace
}  // namespace basalt::store

namespace basalt::store {
namespace {

/// Stored values as they occur in Basalt's and PocketBase's data, odd ones included.
std::vector<SqlValue> OddColumnValues() {
    return {
        std::monostate{},
        std::int64_t{0},
        std::int64_t{1},
        std::int64_t{-7},
        std::int64_t{9007199254740993},  // beyond a double's integers
        std::int64_t{INT64_MIN},
        0.0,
        -0.0,
        1.5,
        1e21,
        1e-7,
        123456789.125,
        std::string(),
        std::string("plain"),
        std::string("1"),
        std::string("true"),
        std::string("TRUE"),
        std::string("0"),
        std::string("12.50"),
        std::string("1e400"),
        std::string("0x10"),
        std::string("nan"),
        std::string(" 42abc"),
        std::string("ünïcødé ✓ 𝄞"),
        std::string("<b>&amp;</b> \"q\" \\ \n\r\t\x01\x1f\x7f"),
        std::string("line\u2028sep\u2029"),
        std::string("\xff\xfe invalid utf8"),
        std::string("2024-01-02 03:04:05.678Z"),
        std::string("[]"),
        std::string(" [ ] "),
        std::string("[\"a\",\"b\"]"),
        std::string("[ \"a\" , \"\" ,\"c\" ]"),
        std::string("[\"<x>&\",\"d\"]"),
        std::string("[\"esc\\\"aped\",\"\\u00e9\"]"),
        std::string("[\"ü\"]"),
        std::string("[1,\"x\",null,true]"),
        std::string("[\"a\",]"),
        std::string("[\"a\""),
        std::string("[\"a\"] x"),
        std::string("[abc"),
        std::string("[\"a\"]\n"),
        std::string("{\"lon\":1.5,\"lat\":-2}"),
        std::string("{\"lon\":\"x\",\"lat\":3,\"extra\":1}"),
        std::string("{\"b\":1,\"a\":[1,2.50,1e2,{\"z\":null}],\"s\":\"<&>\"}"),
        std::string("{\"dup\":1,\"dup\":2}"),
        std::string("12345678901234567890123"),
        std::string("18446744073709551615"),
        std::string("-9223372036854775809"),
        std::string("\"str\""),
        std::string("not json"),
        std::string("null"),
        std::string("  {\"a\" : 1 }  "),
    };
}

TEST(SqliteStore, WriteColumnJsonMatchesColumnToJson) {
    TempDir dir;
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    using schema::FieldType;
    std::vector<schema::Field> fields;
    for (auto t : {FieldType::kText, FieldType::kNumber, FieldType::kBool, FieldType::kEmail, FieldType::kUrl,
                   FieldType::kEditor, FieldType::kDate, FieldType::kAutodate, FieldType::kSelect, FieldType::kFile,
                   FieldType::kRelation, FieldType::kJson, FieldType::kPassword, FieldType::kGeoPoint}) {
        for (int max_select : {1, 5}) {
            schema::Field f;
            f.name = "f";
            f.type = t;
            f.options = {{"maxSelect", max_select}};
            f.Finalize();
            fields.push_back(std::move(f));
        }
    }
    auto checked = testing::RunCo(store->Read([&](Tx& tx) -> Result<int> {
        int n = 0;
        for (const auto& f : fields) {
            for (const auto& v : OddColumnValues()) {
                std::string want;
                json::Write(want, tx.ColumnToJson(f, v));
                std::string got = "prefix";
                tx.WriteColumnJson(got, f, RefOf(v));
                EXPECT_EQ(got, "prefix" + want) << schema::FieldTypeName(f.type) << " max " << f.max_select
                                                << " value #" << v.index();
                ++n;
            }
        }
        return n;
    }));
    ASSERT_TRUE(checked);
    EXPECT_GT(*checked, 1000);
}

TEST(SqliteStore, QueryEachSeesWhatQuerySees) {
    TempDir dir;
    auto store = Open(dir.path());
    ASSERT_TRUE(store);
    auto same = testing::RunCo(store->Read([&](Tx& tx) -> Status {
        const std::string sql =
            "SELECT 1 AS a, 2.5 AS b, NULL AS c, 'x\"y' AS d, ?1 AS e UNION ALL SELECT 3, -1.0, 'z', '', ?1";
        const SqlParams params{std::string("p")};
        BASALT_TRY(Rows rows, tx.Query(sql, params));
        std::size_t i = 0;
        BASALT_RETURN_IF_ERROR(
            tx.QueryEach(sql, params, [&](std::span<const std::string_view> cols, std::span<const SqlValueRef> row) {
                ASSERT_LT(i, rows.rows.size());
                ASSERT_EQ(cols.size(), rows.columns.size());
                for (std::size_t c = 0; c < cols.size(); ++c) {
                    EXPECT_EQ(cols[c], rows.columns[c]);
                    EXPECT_EQ(ValueOf(row[c]), rows.rows[i][c]) << "row " << i << " col " << c;
                }
                ++i;
            }));
        EXPECT_EQ(i, 2u);
        // Errors come back as values, and the statement is usable again afterwards.
        EXPECT_FALSE(tx.QueryEach("SELECT * FROM no_such_table", {}, [](auto, auto) {}));
        std::size_t again = 0;
        BASALT_RETURN_IF_ERROR(tx.QueryEach(sql, params, [&](auto, auto) { ++again; }));
        EXPECT_EQ(again, 2u);
        return Ok();
    }));
    EXPECT_TRUE(same) << (same ? "" : same.error().message);
}

}  // namespace
}  // namespace basalt::store
