// PocketBase `tests/api.go`-style scenarios for the e2e suite: a request, the expected status and
// body substrings, and an optional check of the SQLite state afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

#include "http_client.hpp"
#include "server_process.hpp"

namespace basalt::e2e {

// Static tokens valid against the fixture until 2050 (pocketbase-api.md §8.1).
inline constexpr std::string_view kSuperuserToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoi"
    "cGJjXzMxNDI2MzU4MjMiLCJleHAiOjI1MjQ2MDQ0NjEsInJlZnJlc2hhYmxlIjp0cnVlfQ."
    "UXgO3j-0BumcugrFjbd7j0M4MQvbrLggLlcu_YNGjoY";
inline constexpr std::string_view kUserToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoi"
    "X3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0."
    "ZT3F0Z3iM-xbGgSG3LEKiEzHrPHr8t8IuHLZGGNuxLo";
inline constexpr std::string_view kClientToken =
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImdrMzkwcWVnczR5NDd3biIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoi"
    "djg1MXE0cjc5MHJoa25sIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0."
    "0ONnm_BsvPRZyDNT31GN1CKUB6uQRxvVvQ-Wc9AZfG0";

inline Headers AuthHeader(std::string_view token) {
    return {{"Authorization", std::string(token)}};
}

inline Headers JsonHeaders(std::string_view token = {}) {
    Headers h{{"Content-Type", "application/json"}};
    if (!token.empty()) {
        h.emplace_back("Authorization", std::string(token));
    }
    return h;
}

/// PATCH `target` with the JSON `body` as a superuser.
HttpResponse PatchAsSuperuser(int port, const std::string& target, const std::string& body);

/// POST /api/realtime: sets the topics of the SSE client `client_id`, as `token`'s holder (none:
/// a guest).
HttpResponse SubscribeRealtime(int port,
                               const std::string& client_id,
                               const std::vector<std::string>& topics,
                               std::string_view token = {});

/// Read-only access to the server's SQLite file (WAL: sees committed data while it runs).
class Db {
public:
    explicit Db(const std::string& path);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;

    bool ok() const { return db_ != nullptr; }
    const std::string& error() const { return error_; }
    /// First column of the first row as text; nullopt if no row or on error.
    std::optional<std::string> QueryText(const std::string& sql);
    /// First column of the first row as an integer; -1 on error / no row.
    std::int64_t QueryInt(const std::string& sql);
    /// Whether `table` exists and (if given) has `column`.
    bool HasTable(const std::string& table);
    bool HasColumn(const std::string& table, const std::string& column);

private:
    ::sqlite3* db_ = nullptr;
    std::string error_;
};

struct Scenario {
    std::string name;  ///< becomes the gtest name (non-alphanumerics → '_')
    std::string method = "GET";
    std::string url;  ///< path + query
    Headers headers;
    std::string body;
    int expected_status = 200;
    std::vector<std::string> expected_content;      ///< substrings of the (decoded) body
    std::vector<std::string> not_expected_content;  ///< must not appear
    std::vector<std::pair<std::string, std::string>> expected_headers;  ///< name, value substring
    std::vector<std::string> absent_headers;  ///< headers that must not be present
    std::optional<std::string> body_prefix;         ///< the body must start with this
    /// Needs its own fresh fixture copy (it mutates data, or runs `after`).
    bool fresh = false;
    ServerProcess::Data data = ServerProcess::Data::kFixture;
    /// Runs after the response with the server still up; use gtest assertions inside.
    std::function<void(Db& db)> after;
};

/// gtest printer: shows "METHOD url" instead of the struct's bytes.
void PrintTo(const Scenario& s, std::ostream* os);

/// Sends the scenario's request to `server` and checks everything it expects.
void RunScenario(const Scenario& s, ServerProcess& server);

/// gtest-safe parameter name.
std::string ScenarioName(const Scenario& s);

/// Returns a server started on a fresh fixture copy shared by read-only scenarios of one test
/// binary run (lazily started, stopped at exit), or nullptr after recording a failure.
ServerProcess* SharedFixtureServer();

/// Runs a list of scenarios as a parameterized suite body: fresh or shared server as requested.
void RunScenarioWithServer(const Scenario& s);

}  // namespace basalt::e2e
