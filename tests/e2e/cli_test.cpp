// The binary's CLI contract: offline `superuser upsert/delete`, `serve` on port 0 with an empty
// data dir, and graceful SIGTERM.
#include <gtest/gtest.h>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

HttpResponse Login(int port, std::string_view email, std::string_view password) {
    return Send(port,
                {.method = "POST",
                 .target = "/api/collections/_superusers/auth-with-password",
                 .headers = JsonHeaders(),
                 .body = R"({"identity":")" + std::string(email) + R"(","password":")" +
                         std::string(password) + R"("})"});
}

TEST(Cli, ServeOnEmptyDirAndStopGracefully) {
    ServerProcess server(ServerProcess::Data::kEmpty);
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    EXPECT_GT(server.port(), 0);
    EXPECT_EQ(Send(server.port(), {.target = "/api/health"}).status, 200);
    EXPECT_TRUE(std::filesystem::exists(server.db_path())) << "data.db is created in --dir";
    EXPECT_EQ(Send(server.port(), {.target = "/api/collections"}).status, 401);
    EXPECT_EQ(server.Stop(), 0) << server.Output();
}

// The port is announced before the network threads run: a SIGTERM sent the moment the line
// appears (what a supervisor or a test harness does) must still be a graceful stop, exit code 0.
TEST(Cli, SigtermRightAfterStartIsGraceful) {
    for (int i = 0; i < 5; ++i) {
        ServerProcess server(ServerProcess::Data::kEmpty);
        const std::string err = server.Start();
        ASSERT_TRUE(err.empty()) << err;
        EXPECT_EQ(server.Stop(), 0) << server.Output();
    }
}

TEST(Cli, SuperuserUpsertThenLogin) {
    TempDir dir;
    const std::string d = dir.path().string();
    CommandResult up = RunBasalt({"superuser", "upsert", "admin@example.com", "s3cret-pass", "--dir", d});
    ASSERT_EQ(up.exit_code, 0) << up.output;
    // Upsert again with a new password: updates in place.
    up = RunBasalt({"superuser", "upsert", "admin@example.com", "0ther-pass-1", "--dir", d});
    ASSERT_EQ(up.exit_code, 0) << up.output;

    {
        Db db(d + "/data.db");
        ASSERT_TRUE(db.ok()) << db.error();
        EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _superusers WHERE email='admin@example.com'"), 1);
        const auto hash = db.QueryText("SELECT password FROM _superusers");
        ASSERT_TRUE(hash.has_value());
        EXPECT_TRUE(hash->starts_with("$2a$")) << *hash;
    }

    // Serve the same directory (ServerProcess owns its own dir, so copy the data over).
    ServerProcess server(ServerProcess::Data::kEmpty);
    std::filesystem::copy(dir.path(),
                          server.data_dir(),
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::overwrite_existing);
    const std::string err = server.Start();
    ASSERT_TRUE(err.empty()) << err;
    EXPECT_EQ(Login(server.port(), "admin@example.com", "s3cret-pass").status, 400);
    const HttpResponse ok = Login(server.port(), "admin@example.com", "0ther-pass-1");
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_NE(ok.body.find(R"("token":")"), std::string::npos);
    EXPECT_EQ(server.Stop(), 0) << server.Output();
}

TEST(Cli, SuperuserDeleteOffline) {
    TempDir dir;
    const std::string d = dir.path().string();
    for (const char* email : {"a@example.com", "b@example.com"}) {
        const CommandResult up = RunBasalt({"superuser", "upsert", email, "1234567890", "--dir", d});
        ASSERT_EQ(up.exit_code, 0) << up.output;
    }
    const CommandResult del = RunBasalt({"superuser", "delete", "a@example.com", "--dir", d});
    ASSERT_EQ(del.exit_code, 0) << del.output;
    Db db(d + "/data.db");
    ASSERT_TRUE(db.ok()) << db.error();
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _superusers WHERE email='a@example.com'"), 0);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _superusers WHERE email='b@example.com'"), 1);
}

TEST(Cli, SuperuserUpsertRejectsInvalidEmail) {
    TempDir dir;
    const CommandResult r = RunBasalt(
        {"superuser", "upsert", "not-an-email", "1234567890", "--dir", dir.path().string()});
    EXPECT_GT(r.exit_code, 0) << r.output;  // -1 would mean "did not run at all"
}

TEST(Cli, SuperuserUpsertOnFixtureKeepsOtherData) {
    TempDir dir;
    ASSERT_EQ(CopyFixture(dir.path()), "");
    const CommandResult r = RunBasalt({"superuser",
                                       "upsert",
                                       "test@example.com",
                                       "new-pass-123",
                                       "--dir",
                                       dir.path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Db db((dir.path() / "data.db").string());
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM _superusers"), 4);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM demo2"), 3);
    EXPECT_NE(db.QueryText("SELECT password FROM _superusers WHERE id='sywbhecnh46rhm0'"),
              "$2a$13$6PP1fpShEsQHpZElw4.BN.vMl/2CMIKc2kpumJM//T4qV4RGUgb6i");
}

}  // namespace
}  // namespace basalt::e2e
