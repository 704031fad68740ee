// SQL generation tests: golden files (tests/filter_golden/*.txt), execution of the generated SQL
// against an in-memory SQLite database, sort compilation and a random-input robustness check.
#include "basalt/filter/sql_gen.hpp"

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "basalt/filter/filter.hpp"
#include "basalt/filter/filter_test_schema.hpp"

namespace basalt::filter {
namespace {

std::string ParamsToText(const SqlParams& params) {
    std::string out = "[";
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        const auto& p = params[i];
        if (std::holds_alternative<std::monostate>(p)) {
            out += "null";
        } else if (const auto* b = std::get_if<bool>(&p)) {
            out += *b ? "true" : "false";
        } else if (const auto* n = std::get_if<std::int64_t>(&p)) {
            out += std::to_string(*n) + "i";
        } else if (const auto* d = std::get_if<double>(&p)) {
            std::ostringstream os;
            os << *d;
            out += os.str();
        } else {
            out += "'";
            for (char c : std::get<std::string>(p)) {
                out += c == '\'' ? std::string("\\'") : std::string(1, c);
            }
            out += "'";
        }
    }
    return out + "]";
}

// ---------------------------------------------------------------------------------------------
// Golden files: blocks separated by blank lines; "# ..." lines are comments. Keys:
//   collection: posts        (required)   superuser: true   auth: guest|none
//   filter: <expr>  or  sort: <expr>
//   sqlite: <expected SQL>   pg: <expected SQL>   params: <expected params>   error: <substring>
// BASALT_GOLDEN_UPDATE=1 rewrites sqlite/pg/params/error from the actual output.
// ---------------------------------------------------------------------------------------------

struct GoldenCase {
    std::vector<std::pair<std::string, std::string>> kv;  // in file order
    std::vector<std::string> comments;

    std::string Get(const std::string& k) const {
        for (const auto& [key, v] : kv) {
            if (key == k) {
                return v;
            }
        }
        return "";
    }

    bool Has(const std::string& k) const {
        for (const auto& [key, v] : kv) {
            if (key == k) {
                return true;
            }
        }
        return false;
    }
};

std::vector<GoldenCase> ReadGolden(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<GoldenCase> out;
    GoldenCase cur;
    std::string line;
    auto flush = [&] {
        if (!cur.kv.empty() || !cur.comments.empty()) {
            out.push_back(std::move(cur));
        }
        cur = {};
    };
    while (std::getline(in, line)) {
        if (line.empty()) {
            flush();
            continue;
        }
        if (line[0] == '#') {
            cur.comments.push_back(line);
            continue;
        }
        auto colon = line.find(": ");
        if (colon == std::string::npos) {
            if (line.back() == ':') {
                cur.kv.emplace_back(line.substr(0, line.size() - 1), "");
            }
            continue;
        }
        cur.kv.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    flush();
    return out;
}

struct Actual {
    std::string sqlite;
    std::string pg;
    std::string params;
    std::string error;
};

Actual RunGolden(const GoldenCase& c, const schema::Schema& s) {
    Actual a;
    const bool guest = c.Get("auth") == "guest";
    RequestInfo req = testing::MakeTestRequest(s, guest);
    CompileOptions opts;
    opts.schema = &s;
    auto coll = s.Find(c.Get("collection"));
    opts.collection = coll.get();
    opts.table_alias = "r";
    opts.superuser = c.Get("superuser") == "true";
    opts.request = c.Get("auth") == "none" ? nullptr : &req;
    if (opts.collection == nullptr) {
        a.error = "bad collection in golden file";
        return a;
    }
    const bool is_sort = c.Has("sort");
    const std::string expr = is_sort ? c.Get("sort") : c.Get("filter");
    auto run = [&](const Dialect& d) {
        return is_sort ? CompileSort(expr, opts, d) : CompileFilter(expr, opts, d);
    };
    auto lite = run(SqliteDialect());
    if (!lite) {
        a.error = lite.error().message;
        return a;
    }
    a.sqlite = lite->sql;
    a.params = ParamsToText(lite->params);
    auto pg = run(PostgresDialect());
    a.pg = pg ? pg->sql : "ERROR " + pg.error().message;
    return a;
}

TEST(FilterGoldenTest, AllFiles) {
    const std::filesystem::path dir = BASALT_FILTER_GOLDEN_DIR;
    const char* env = std::getenv("BASALT_GOLDEN_UPDATE");
    const bool update = env != nullptr && std::string_view(env) == "1";
    auto s = testing::MakeTestSchema();
    std::size_t cases = 0;
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".txt") {
            continue;
        }
        auto golden = ReadGolden(entry.path());
        std::ostringstream rewritten;
        bool first = true;
        for (const auto& c : golden) {
            if (!first) {
                rewritten << "\n";
            }
            first = false;
            for (const auto& line : c.comments) {
                rewritten << line << "\n";
            }
            if (!c.Has("collection")) {
                continue;
            }
            ++cases;
            Actual a = RunGolden(c, *s);
            const std::string where = entry.path().filename().string() + ": " +
                                      (c.Has("sort") ? "sort " + c.Get("sort") : c.Get("filter"));
            if (update) {
                for (const auto& [k, v] : c.kv) {
                    if (k == "collection" || k == "superuser" || k == "auth" || k == "filter" || k == "sort") {
                        rewritten << k << ": " << v << "\n";
                    }
                }
                if (!a.error.empty()) {
                    rewritten << "error: " << a.error << "\n";
                } else {
                    rewritten << "sqlite: " << a.sqlite << "\n";
                    rewritten << "pg: " << a.pg << "\n";
                    rewritten << "params: " << a.params << "\n";
                }
                continue;
            }
            if (c.Has("error")) {
                EXPECT_NE(a.error.find(c.Get("error")), std::string::npos)
                    << where << "\n  expected error containing: " << c.Get("error")
                    << "\n  actual error: " << a.error << "\n  actual sql: " << a.sqlite;
                continue;
            }
            EXPECT_EQ(a.error, "") << where;
            EXPECT_EQ(a.sqlite, c.Get("sqlite")) << where;
            EXPECT_EQ(a.params, c.Get("params")) << where;
            if (c.Has("pg")) {
                EXPECT_EQ(a.pg, c.Get("pg")) << where;
            }
        }
        if (update) {
            std::ofstream(entry.path()) << rewritten.str();
        }
    }
    EXPECT_GT(cases, 20u);
}

// ---------------------------------------------------------------------------------------------
// Semantics: run the generated SQL on a real SQLite database.
// ---------------------------------------------------------------------------------------------

class SqliteExecTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
        Exec(R"sql(
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT, emailVisibility BOOLEAN, verified BOOLEAN,
  password TEXT, tokenKey TEXT, name TEXT, role TEXT, created TEXT, updated TEXT);
CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT, views REAL, published BOOLEAN, tags JSON,
  author TEXT, editors JSON, data JSON, point JSON, secret TEXT, locked_ref TEXT, created TEXT,
  updated TEXT);
CREATE TABLE comments (id TEXT PRIMARY KEY, post TEXT, message TEXT, author TEXT, created TEXT,
  updated TEXT);
INSERT INTO users VALUES
  ('u1', 'u1@example.com', 0, 1, '', '', 'User One', 'admin', '2024-01-01 00:00:00.000Z', ''),
  ('u2', 'two@x', 1, 1, '', '', 'Two', 'user', '2024-01-02 00:00:00.000Z', ''),
  ('u3', 'three@x', 1, 0, '', '', 'Three', 'user', '2024-01-03 00:00:00.000Z', '');
INSERT INTO posts VALUES
  ('p1', 'Hello World', 10, 1, '["a","b"]', 'u1', '["u1","u2"]',
   '{"a":{"b":1},"items":[{"name":"x"}]}', '{"lon":10,"lat":20}', 's', '',
   '2024-05-01 10:00:00.000Z', ''),
  ('p2', '', 0, 0, '[]', '', '[]', 'null', '{"lon":0,"lat":0}', '', '',
   '2023-05-01 10:00:00.000Z', ''),
  ('p3', NULL, 5, 0, '["a"]', 'u3', '["u3"]', '{"a":{"b":2}}', '{"lon":0,"lat":0}', '', '',
   '2023-06-01 10:00:00.000Z', ''),
  ('p4', '50% off_sale', 100, 0, '["b","c"]', 'u2', '["u2"]', '{}', '{"lon":0,"lat":0}', '', '',
   '2022-01-01 10:00:00.000Z', '');
INSERT INTO comments VALUES
  ('c1', 'p1', 'nice', 'u1', '', ''), ('c2', 'p1', 'bad', 'u2', '', ''),
  ('c3', 'p4', 'ok', 'u1', '', '');
)sql");
        schema_ = testing::MakeTestSchema();
        request_ = testing::MakeTestRequest(*schema_);
        opts_.schema = schema_.get();
        opts_.collection = schema_->Find("posts").get();
        opts_.table_alias = "r";
        opts_.request = &request_;
    }

    void TearDown() override { sqlite3_close(db_); }

    void Exec(const char* sql) {
        char* err = nullptr;
        ASSERT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    }

    // The ids matching `filter`, in `sort` order (id order when no sort).
    std::string Ids(std::string_view filter, std::string_view sort = "") {
        auto where = CompileFilter(filter, opts_, SqliteDialect());
        if (!where) {
            return "ERROR: " + where.error().message;
        }
        auto order = CompileSort(sort, opts_, SqliteDialect());
        if (!order) {
            return "ERROR: " + order.error().message;
        }
        std::string sql = "SELECT \"r\".\"id\" FROM \"" + opts_.collection->name + "\" AS \"r\"";
        if (!where->sql.empty()) {
            sql += " WHERE " + where->sql;
        }
        sql += " ORDER BY " + (order->sql.empty() ? std::string("\"r\".\"id\"") : order->sql);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            return "SQL ERROR: " + std::string(sqlite3_errmsg(db_)) + " in " + sql;
        }
        SqlParams params = where->params;
        params.insert(params.end(), order->params.begin(), order->params.end());
        int i = 1;
        for (const auto& p : params) {
            if (const auto* s = std::get_if<std::string>(&p)) {
                sqlite3_bind_text(st, i, s->c_str(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
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
        std::string out;
        int rc = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (!out.empty()) {
                out += ",";
            }
            out += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        }
        if (rc != SQLITE_DONE) {
            out = "STEP ERROR: " + std::string(sqlite3_errmsg(db_)) + " in " + sql;
        }
        sqlite3_finalize(st);
        return out;
    }

    sqlite3* db_ = nullptr;
    schema::SchemaPtr schema_;
    RequestInfo request_;
    CompileOptions opts_;
};

TEST_F(SqliteExecTest, PlainComparisons) {
    EXPECT_EQ(Ids("title = ''"), "p2,p3");
    EXPECT_EQ(Ids("title != ''"), "p1,p4");
    EXPECT_EQ(Ids("title = null"), "p2,p3");
    EXPECT_EQ(Ids("title = 'Hello World'"), "p1");
    EXPECT_EQ(Ids("title != 'Hello World'"), "p2,p3,p4");
    EXPECT_EQ(Ids("title ~ 'world'"), "p1");
    EXPECT_EQ(Ids("title !~ 'world'"), "p2,p4");  // NULL title: NOT LIKE is NULL (as PocketBase)
    EXPECT_EQ(Ids("title ~ '50%'"), "p4");
    EXPECT_EQ(Ids("title ~ 'off_'"), "p4");
    EXPECT_EQ(Ids("title ~ 'o_f'"), "");  // '_' is escaped, not a wildcard
    EXPECT_EQ(Ids("views > 5 && published = false"), "p4");
    EXPECT_EQ(Ids("published = true"), "p1");
    EXPECT_EQ(Ids("views >= -1.5 && views <= 5"), "p2,p3");
    EXPECT_EQ(Ids("(title ~ 'hello' || views = 100) && published = true"), "p1");
    EXPECT_EQ(Ids("title ~ 'hello' || views = 100 && published = true"), "p1");
    EXPECT_EQ(Ids("id = 'p1' || id = \"p2\" // comment"), "p1,p2");
    EXPECT_EQ(Ids("created > '2023-05-01' && created < '2024'"), "p2,p3");
    EXPECT_EQ(Ids("title = views"), "");
    EXPECT_EQ(Ids("title != views"), "p1,p2,p3,p4");
}

TEST_F(SqliteExecTest, MultiValued) {
    EXPECT_EQ(Ids("tags ?= 'a'"), "p1,p3");
    EXPECT_EQ(Ids("tags = 'a'"), "p3");
    EXPECT_EQ(Ids("tags != 'a'"), "p2,p4");
    EXPECT_EQ(Ids("tags ?!= 'a'"), "p1,p2,p4");
    EXPECT_EQ(Ids("tags = ''"), "p2");
    EXPECT_EQ(Ids("tags:length = 2"), "p1,p4");
    EXPECT_EQ(Ids("tags:length = 0"), "p2");
    EXPECT_EQ(Ids("tags:each ?~ 'c'"), "p4");
    EXPECT_EQ(Ids("tags:lower ?= 'B'"), "");
    EXPECT_EQ(Ids("tags ?= 'a' && tags ?= 'b'"), "p1");
    EXPECT_EQ(Ids("data.a.b = 1"), "p1");
    EXPECT_EQ(Ids("data.a.b > 0"), "p1,p3");
    EXPECT_EQ(Ids("data.items.0.name = 'x'"), "p1");
    EXPECT_EQ(Ids("data.a.b = null"), "p2,p4");
    EXPECT_EQ(Ids("point.lon > 5"), "p1");
}

TEST_F(SqliteExecTest, RelationsAndRules) {
    EXPECT_EQ(Ids("author.name = 'Two'"), "p4");
    EXPECT_EQ(Ids("author.name = 'Three'"), "");  // u3 is hidden by users.listRule
    EXPECT_EQ(Ids("author.name = ''"), "p2,p3");
    EXPECT_EQ(Ids("author.id = 'u3'"), "p3");
    EXPECT_EQ(Ids("editors.name ?= 'Two'"), "p1,p4");
    EXPECT_EQ(Ids("editors.name = 'Two'"), "p4");
    EXPECT_EQ(Ids("editors ?= 'u1'"), "p1");
    EXPECT_EQ(Ids("author.email = 'two@x'"), "p4");
    EXPECT_EQ(Ids("author.email = 'u1@example.com'"), "");  // emailVisibility = false
    EXPECT_EQ(Ids("comments_via_post.message ?= 'bad'"), "p1");
    EXPECT_EQ(Ids("comments_via_post.message = 'nice'"), "");
    EXPECT_EQ(Ids("comments_via_post.author.name ?= 'Two'"), "p1");
    EXPECT_EQ(Ids("@collection.comments.post ?= id && @collection.comments.message ?= 'ok'"), "p4");
    EXPECT_EQ(Ids("@collection.comments:a.post ?= id && @collection.comments:b.message ?= 'ok'"), "p1,p4");
    opts_.superuser = true;
    EXPECT_EQ(Ids("author.name = 'Three'"), "p3");
    EXPECT_EQ(Ids("secret = 's'"), "p1");
}

// The semi-join rewrite (`r.author IN (SELECT …)`) must select exactly what the correlated
// EXISTS selects, including missing, empty and rule-hidden relations and NULL-tolerant operators
// (which must keep the EXISTS form).
TEST_F(SqliteExecTest, DecorrelatedRelationsMatchCorrelated) {
    Exec(R"sql(
INSERT INTO posts VALUES
  ('p5', 'dangling', 1, 1, '[]', 'gone', '["gone"]', '{}', '{"lon":0,"lat":0}', '', '', '2024-01-01', ''),
  ('p6', 'no author', 1, 1, '[]', NULL, NULL, '{}', '{"lon":0,"lat":0}', '', '', '2024-01-01', '');
INSERT INTO comments VALUES ('c4', 'p3', NULL, 'u3', '', ''), ('c5', NULL, 'orphan', 'u2', '', ''),
  ('c6', 'p2', '', NULL, '', '');
)sql");
    struct Case {
        const char* filter;
        bool rewritten;
    };
    const Case cases[] = {
        {"author.name = 'Two'", true},
        {"author.name = 'Three'", true},  // hidden by users.listRule inside the subquery
        {"author.name = ''", false},      // NULL-tolerant: holds for a missing author
        {"author.name != 'Two'", false},
        {"author.name != ''", false},
        {"author.name ~ 'o'", true},
        {"author.name !~ 'T'", true},
        {"author.created > '2024-01-01'", true},
        {"author.created < '2030' || author.name = 'Two'", true},
        {"author.created < '2030' || author.name = ''", false},
        {"author.name = 'Two' && author.role != 'x'", true},
        {"author.name:lower = 'two'", true},
        {"author.name = 'Two' && views > 5", false},  // reads the main row
        {"author.name = 'Two' || views > 5", false},
        {"comments_via_post.message ?= 'bad'", true},
        {"comments_via_post.message ?= ''", false},
        {"comments_via_post.message ?~ 'o'", true},
        {"comments_via_post.author.name ?= 'Two'", true},
        {"comments_via_post.message = 'nice'", false},  // all-values: its own NOT EXISTS
        {"editors.name ?= 'Two'", false},               // multi relation: json_each first
        {"author.role = 'admin' || author.role = 'user'", true},
    };
    for (const auto& c : cases) {
        opts_.decorrelate = false;
        const std::string expected = Ids(c.filter);
        ASSERT_EQ(expected.find("ERROR"), std::string::npos) << c.filter << ": " << expected;
        opts_.decorrelate = true;
        EXPECT_EQ(Ids(c.filter), expected) << c.filter;
        auto sql = CompileFilter(c.filter, opts_, SqliteDialect());
        ASSERT_TRUE(sql) << c.filter;
        EXPECT_EQ(sql->sql.find(" IN (SELECT ") != std::string::npos && sql->sql.rfind("EXISTS", 0) != 0,
                  c.rewritten)
            << c.filter << " -> " << sql->sql;
    }
}

TEST_F(SqliteExecTest, RequestAndFunctions) {
    EXPECT_EQ(Ids("@request.auth.id = author"), "p1");
    EXPECT_EQ(Ids("author = @request.auth.id"), "p1");
    EXPECT_EQ(Ids("@request.auth.id != '' && views >= 10"), "p1,p4");
    EXPECT_EQ(Ids("@request.auth.name = 'User One' && id = 'p2'"), "p2");
    EXPECT_EQ(Ids("@request.auth.role:lower = 'admin' && id = 'p2'"), "p2");
    EXPECT_EQ(Ids("@request.body.title:changed = true"), "p1,p2,p3,p4");
    EXPECT_EQ(Ids("@request.body.views:changed = true"), "p1,p2,p4");
    EXPECT_EQ(Ids("@request.body.nope:changed = false && id = 'p1'"), "ERROR: unknown field \"nope\"");
    EXPECT_EQ(Ids("@request.body.tags:each ?= 'c'"), "");
    EXPECT_EQ(Ids("@request.body.tags:each ?= tags && id != 'p2'"), "p1,p3,p4");
    EXPECT_EQ(Ids("@request.query.q = 'hello' && @request.headers.x_token = 'abc' && views = 0"), "p2");
    EXPECT_EQ(Ids("@request.auth.editorsless = null && views = 0"), "p2");
    EXPECT_EQ(Ids("strftime('%Y', created) = '2024'"), "p1");
    EXPECT_EQ(Ids("created < @now && created > @yesterday"), "");
    EXPECT_EQ(Ids("@year > 2000 && @todayStart < @todayEnd && views = 0"), "p2");
    EXPECT_EQ(Ids("geoDistance(point.lon, point.lat, 10, 20) < 1"), "p1");
    request_ = testing::MakeTestRequest(*schema_, /*guest=*/true);
    EXPECT_EQ(Ids("@request.auth.id != ''"), "");
    EXPECT_EQ(Ids("@request.auth.id = ''"), "p1,p2,p3,p4");
}

// `@request.body.<relation>.<field>` joins the submitted id(s) to the related collection.
TEST_F(SqliteExecTest, RequestBodyRelations) {
    request_.body["author"] = "u2";
    request_.body["editors"] = boost::json::array{"u1", "u3"};
    EXPECT_EQ(Ids("@request.body.author.name = 'Two' && views = 0"), "p2");
    EXPECT_EQ(Ids("@request.body.author.name = 'One' && views = 0"), "");
    EXPECT_EQ(Ids("@request.body.author.role = author.role"), "p4");  // u2 and p4's author are "user"
    EXPECT_EQ(Ids("@request.body.editors.name ?= 'User One' && views = 0"), "p2");
    EXPECT_EQ(Ids("@request.body.editors.verified ?= false && views = 0"), "p2");  // rules read any row
    EXPECT_EQ(Ids("@request.body.editors.name = 'User One' && views = 0"), "");  // all: u3 is unseen
    request_.body.erase("author");
    EXPECT_EQ(Ids("@request.body.author.name = '' && views = 0"), "p2");  // nothing submitted
    EXPECT_EQ(Ids("@request.body.author.id != '' && views = 0"), "");
}

TEST_F(SqliteExecTest, AuthCollectionEmailVisibility) {
    opts_.collection = schema_->Find("users").get();
    EXPECT_EQ(Ids("email = 'two@x'"), "u2");
    EXPECT_EQ(Ids("email = 'u1@example.com'"), "");
    EXPECT_EQ(Ids("email ~ '@'"), "u2,u3");
    opts_.superuser = true;
    EXPECT_EQ(Ids("email = 'u1@example.com'"), "u1");
}

TEST_F(SqliteExecTest, Sort) {
    EXPECT_EQ(Ids("", "-views,title"), "p4,p1,p3,p2");
    EXPECT_EQ(Ids("", "+views"), "p2,p3,p1,p4");
    EXPECT_EQ(Ids("views > 0", "author.name,-id"), "p3,p4,p1");  // p3's author hidden -> NULL first
    EXPECT_EQ(Ids("", "@rowid"), "p1,p2,p3,p4");
    EXPECT_EQ(Ids("", "tags,id"), "p1,p3,p4,p2");  // stored JSON text order
    EXPECT_EQ(Ids("", "data.a.b,id"), "p2,p4,p1,p3");
    EXPECT_EQ(Ids("", "@random").size(), 11u);
}

/// Options compiling against the test schema's posts, aliased "r".
CompileOptions PostsOptions(const schema::Schema& s) {
    CompileOptions opts;
    opts.schema = &s;
    opts.collection = s.Find("posts").get();
    opts.table_alias = "r";
    return opts;
}

TEST(CompileSortTest, Errors) {
    auto s = testing::MakeTestSchema();
    CompileOptions opts = PostsOptions(*s);
    const auto& d = SqliteDialect();
    for (std::string_view bad : {"nope", "secret", "a,b,c,d,e,f,g,h,i", "'x'", "@request.method", "1",
                                 "title title", "-", "@now", "locked_ref.name", "(title)"}) {
        auto r = CompileSort(bad, opts, d);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    }
    EXPECT_FALSE(CompileSort(std::string(256, 'a'), opts, d));
    auto ok = CompileSort(" -created , title,+id,,", opts, d);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->sql, "\"r\".\"created\" DESC, \"r\".\"title\" ASC, \"r\".\"id\" ASC");
    auto empty = CompileSort("  ", opts, d);
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->sql, "");
}

TEST(CompileFilterTest, LimitsAndPlaceholders) {
    auto s = testing::MakeTestSchema();
    CompileOptions opts = PostsOptions(*s);
    opts.max_length = 10;
    auto too_long = CompileFilter("title = 'abcdef'", opts, SqliteDialect());
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
    opts.max_length = 0;
    opts.max_expressions = 2;
    EXPECT_FALSE(CompileFilter("id = '1' && id = '2' && id = '3'", opts, SqliteDialect()));
    EXPECT_TRUE(CompileFilter("id = '1' && id = '2'", opts, SqliteDialect()));
    opts.first_param_index = 3;
    auto pg = CompileFilter("title = 'a' && views > 2", opts, PostgresDialect());
    ASSERT_TRUE(pg);
    EXPECT_EQ(pg->sql, "(\"r\".\"title\" = $3 AND \"r\".\"views\" > $4)");
    auto blank = CompileFilter(" // nothing ", opts, SqliteDialect());
    ASSERT_TRUE(blank);
    EXPECT_EQ(blank->sql, "");
}

TEST(LikeTest, WrapLikeValue) {
    EXPECT_EQ(WrapLikeValue("abc"), "%abc%");
    EXPECT_EQ(WrapLikeValue("a_b"), "%a\\_b%");
    EXPECT_EQ(WrapLikeValue("a\\b"), "%a\\\\b%");
    EXPECT_EQ(WrapLikeValue("50%"), "50%");
    EXPECT_EQ(WrapLikeValue("50\\%"), "%50\\%%");
    EXPECT_EQ(WrapLikeValue("_x"), "%\\_x%");
}

// Random and mutated inputs must produce a value or an error, never a crash or exception.
TEST(FilterFuzzTest, RandomInputsNeverCrash) {
    auto s = testing::MakeTestSchema();
    RequestInfo req = testing::MakeTestRequest(*s);
    CompileOptions opts = PostsOptions(*s);
    opts.request = &req;
    const std::vector<std::string> pieces = {
        "title", "views", "tags", "author.name", "editors.name", "comments_via_post.message",
        "@request.auth.id", "@request.body.tags:each", "@collection.comments.post", "data.a.0",
        "tags:length", "'x'", "\"y\\\"\"", "-1.5", "null", "true", "=", "!=", "?=", "~", "!~", ">=",
        "?<", "&&", "||", "(", ")", ",", "geoDistance(", "strftime(", "//c\n", " ", "@now", "::",
        "..", "'", "\\", "#", "@", "%", "_via_", "author.author.author"};
    std::mt19937 rng(12345);
    for (int i = 0; i < 4000; ++i) {
        std::string in;
        const int n = static_cast<int>(rng() % 12);
        for (int k = 0; k < n; ++k) {
            if (rng() % 5 == 0) {
                in += static_cast<char>(rng() % 256);
            } else {
                in += pieces[rng() % pieces.size()];
                in += ' ';
            }
        }
        opts.superuser = (i % 2) == 0;
        EXPECT_NO_THROW({
            auto r = CompileFilter(in, opts, SqliteDialect());
            if (!r) {
                EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << in << ": " << r.error().message;
            }
            auto so = CompileSort(in, opts, SqliteDialect());
            if (!so) {
                EXPECT_EQ(so.error().code, ErrorCode::kInvalidArgument) << in;
            }
        });
    }
}


// Results that can change with no write (the clock, random order) are marked, so that nothing
// caches them; macros such as @now are bound once as parameters and do not count.
TEST(CompileFilterTest, MarksResultsThatChangeWithoutAWrite) {
    auto s = testing::MakeTestSchema();
    CompileOptions opts = PostsOptions(*s);
    const auto& d = SqliteDialect();
    auto varies = [&](std::string_view expr) {
        auto r = CompileFilter(expr, opts, d);
        EXPECT_TRUE(r) << expr;
        return r && r->varies;
    };
    EXPECT_FALSE(varies("views > 0 && created < @now && author.name != ''"));
    EXPECT_TRUE(varies("strftime('%Y', 'now') = '2026'"));
    EXPECT_TRUE(varies("views > 0 || strftime('%Y', created) = '2024'"));
    EXPECT_TRUE(CompileSort("-views,@random", opts, d)->varies);
    EXPECT_FALSE(CompileSort("-created,author.name", opts, d)->varies);

    // A relation's listRule compiled into the query counts as part of it.
    std::vector<std::shared_ptr<const schema::Collection>> cs;
    for (const auto& c : s->all()) {
        auto copy = std::make_shared<schema::Collection>(*c);
        if (copy->name == "users") {
            copy->list_rule = "created < strftime('%Y-%m-%d %H:%M:%fZ', 'now')";
        }
        cs.push_back(std::move(copy));
    }
    const schema::Schema clocked(std::move(cs));
    opts.schema = &clocked;
    opts.collection = clocked.Find("posts").get();
    EXPECT_TRUE(varies("author.name != ''"));
    EXPECT_FALSE(varies("title != ''"));
}

}  // namespace
}  // namespace basalt::filter
