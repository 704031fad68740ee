// Scenario runner and the SQLite checker used by the e2e suite.
#include "scenario.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <memory>
#include <ostream>

#include <boost/json.hpp>

namespace basalt::e2e {

Db::Db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        error_ = db_ != nullptr ? sqlite3_errmsg(db_) : "sqlite3_open_v2 failed";
        sqlite3_close(db_);
        db_ = nullptr;
        return;
    }
    sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() { sqlite3_close(db_); }

std::optional<std::string> Db::QueryText(const std::string& sql) {
    if (db_ == nullptr) {
        return std::nullopt;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        error_ = sqlite3_errmsg(db_);
        return std::nullopt;
    }
    std::optional<std::string> out;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(stmt, 0);
        out = text != nullptr ? std::string(reinterpret_cast<const char*>(text)) : std::string();
    }
    sqlite3_finalize(stmt);
    return out;
}

std::int64_t Db::QueryInt(const std::string& sql) {
    auto v = QueryText(sql);
    if (!v) {
        return -1;
    }
    try {
        return std::stoll(*v);
    } catch (const std::exception&) {
        return -1;
    }
}

bool Db::HasTable(const std::string& table) {
    char* q = sqlite3_mprintf("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=%Q",
                              table.c_str());
    const std::string sql(q);
    sqlite3_free(q);
    return QueryInt(sql) == 1;
}

bool Db::HasColumn(const std::string& table, const std::string& column) {
    char* q = sqlite3_mprintf("SELECT count(*) FROM pragma_table_info(%Q) WHERE name=%Q",
                              table.c_str(),
                              column.c_str());
    const std::string sql(q);
    sqlite3_free(q);
    return QueryInt(sql) == 1;
}

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.method << ' ' << s.url; }

std::string ScenarioName(const Scenario& s) {
    std::string out;
    for (const char c : s.name) {
        out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    }
    return out;
}

void RunScenario(const Scenario& s, ServerProcess& server) {
    HttpRequest req;
    req.method = s.method;
    req.target = s.url;
    req.headers = s.headers;
    req.body = s.body;
    const HttpResponse res = Send(server.port(), req);
    ASSERT_TRUE(res.error.empty() || res.status != 0)
        << s.method << " " << s.url << ": " << res.error << "\nserver output:\n"
        << server.Output();
    const std::string body = res.DecodedBody();
    const std::string shown = body.size() > 2000 ? body.substr(0, 2000) + "..." : body;
    EXPECT_EQ(res.status, s.expected_status) << s.method << " " << s.url << "\nbody: " << shown;
    for (const auto& want : s.expected_content) {
        EXPECT_TRUE(body.find(want) != std::string::npos)
            << "missing `" << want << "` in body: " << shown;
    }
    for (const auto& bad : s.not_expected_content) {
        EXPECT_TRUE(body.find(bad) == std::string::npos)
            << "unexpected `" << bad << "` in body: " << shown;
    }
    for (const auto& [name, value] : s.expected_headers) {
        const auto got = res.Header(name);
        ASSERT_TRUE(got.has_value()) << "missing header " << name;
        EXPECT_TRUE(got->find(value) != std::string::npos) << name << ": " << *got;
    }
    for (const auto& name : s.absent_headers) {
        EXPECT_FALSE(res.Header(name).has_value()) << "unexpected header " << name;
    }
    if (s.body_prefix) {
        EXPECT_EQ(body.substr(0, s.body_prefix->size()), *s.body_prefix) << shown;
    }
    if (s.after) {
        Db db(server.db_path().string());
        ASSERT_TRUE(db.ok()) << db.error();
        s.after(db);
    }
}

ServerProcess* SharedFixtureServer() {
    static std::unique_ptr<ServerProcess> server;
    static std::string start_error;
    if (!server && start_error.empty()) {
        server = std::make_unique<ServerProcess>(ServerProcess::Data::kFixture);
        start_error = server->Start();
        if (!start_error.empty()) {
            server.reset();
        }
    }
    if (!server) {
        ADD_FAILURE() << start_error;
        return nullptr;
    }
    return server.get();
}

void RunScenarioWithServer(const Scenario& s) {
    if (s.fresh || s.data != ServerProcess::Data::kFixture) {
        ServerProcess server(s.data);
        const std::string err = server.Start();
        ASSERT_TRUE(err.empty()) << err;
        RunScenario(s, server);
        return;
    }
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    RunScenario(s, *server);
}

HttpResponse PatchAsSuperuser(int port, const std::string& target, const std::string& body) {
    return Send(port, {.method = "PATCH", .target = target, .headers = JsonHeaders(kSuperuserToken), .body = body});
}

HttpResponse SubscribeRealtime(int port,
                               const std::string& client_id,
                               const std::vector<std::string>& topics,
                               std::string_view token) {
    boost::json::object body;
    body["clientId"] = client_id;
    boost::json::array list;
    for (const auto& t : topics) {
        list.emplace_back(t);
    }
    body["subscriptions"] = std::move(list);
    HttpRequest r;
    r.method = "POST";
    r.target = "/api/realtime";
    r.headers = JsonHeaders(token);
    r.body = boost::json::serialize(body);
    return Send(port, r);
}

}  // namespace basalt::e2e
