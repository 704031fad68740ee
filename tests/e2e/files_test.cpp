// Files (pocketbase-api.md §2.3.3–2.3.6, §2.7, §8.2): downloads of the fixture's files byte for
// byte with PocketBase's headers, conditional and range requests, protected files with file
// tokens, thumbs (fixture and newly generated), and multipart uploads with PocketBase's
// validation codes — checking the storage folder on disk after every write.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <zlib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "scenario.hpp"

namespace basalt::e2e {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDemo1Id = "wsmn24bux7wo113";
constexpr std::string_view kDemo3Id = "wzlqyes4orhoygb";
constexpr std::string_view kUsersId = "_pb_users_auth_";
constexpr std::string_view kAvatar = "300_1SEi6Q6U72.png";  // users 4q1xlclmfloku33
constexpr std::string_view kProtected = "300_Jsjq7RdBgA.png";  // demo1 al1h9ijdeojtsjy file_one
constexpr std::string_view kText = "test_QZFjKjXchk.txt";  // demo1 84nmscqy84lsi1t
constexpr std::string_view kSvg = "logo_vcfJJG5TAh.svg";   // demo1 84nmscqy84lsi1t

std::string Slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string FixtureFile(std::string_view rel) { return Slurp(FixtureDir() / "storage" / std::string(rel)); }

std::string AvatarUrl(std::string_view query = {}) {
    return "/api/files/users/4q1xlclmfloku33/" + std::string(kAvatar) + std::string(query);
}

std::string TextUrl(std::string_view query = {}) {
    return "/api/files/demo1/84nmscqy84lsi1t/" + std::string(kText) + std::string(query);
}

/// PNG width and height from the IHDR chunk; {0,0} when not a PNG.
std::pair<int, int> PngSize(const std::string& png) {
    if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) {
        return {0, 0};
    }
    auto be32 = [&](std::size_t at) {
        return (static_cast<unsigned char>(png[at]) << 24) | (static_cast<unsigned char>(png[at + 1]) << 16) |
               (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
    };
    return {static_cast<int>(be32(16)), static_cast<int>(be32(20))};
}

/// A multipart/form-data body: (name, value) fields and (name, filename, bytes) files.
struct Multipart {
    std::string boundary = "----basaltE2EBoundary7MA4YWxkTrZu0gW";
    std::string body;

    Multipart& Field(std::string_view name, std::string_view value) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) + "\"\r\n\r\n" +
                std::string(value) + "\r\n";
        return *this;
    }
    Multipart& File(std::string_view name, std::string_view filename, std::string_view data,
                    std::string_view type = "application/octet-stream") {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) +
                "\"; filename=\"" + std::string(filename) + "\"\r\nContent-Type: " + std::string(type) + "\r\n\r\n" +
                std::string(data) + "\r\n";
        return *this;
    }
    std::string Finish() const { return body + "--" + boundary + "--\r\n"; }
    Headers MakeHeaders(std::string_view token) const {
        Headers h{{"Content-Type", "multipart/form-data; boundary=" + boundary}};
        if (!token.empty()) {
            h.emplace_back("Authorization", std::string(token));
        }
        return h;
    }
};

HttpResponse SendMultipart(ServerProcess& server, std::string method, std::string target, const Multipart& m,
                           std::string_view token = kSuperuserToken) {
    return Send(server.port(), {.method = std::move(method), .target = std::move(target),
                                .headers = m.MakeHeaders(token), .body = m.Finish()});
}

std::vector<std::string> FilesOf(const boost::json::value& rec, std::string_view field) {
    std::vector<std::string> out;
    const auto& v = rec.at(field);
    if (v.is_string()) {
        if (!v.as_string().empty()) {
            out.emplace_back(v.as_string());
        }
        return out;
    }
    for (const auto& e : v.as_array()) {
        out.emplace_back(e.as_string());
    }
    return out;
}

/// Plain files (not .attrs, not thumbs_ dirs) in a record's storage folder; empty if absent.
std::vector<std::string> StoredNames(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string n = e.path().filename().string();
        if (e.is_regular_file() && !n.ends_with(".attrs")) {
            out.push_back(n);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string PngBytes() { return FixtureFile("_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png"); }

// ---------------------------------------------------------------------------------------------
// Read-only scenarios on the shared fixture server.

std::vector<Scenario> DownloadScenarios() {
    const Headers gzip{{"Accept-Encoding", "gzip"}};
    return {
        {.name = "text file with PocketBase headers",
         .url = TextUrl(),
         .headers = gzip,
         .expected_headers = {{"Content-Type", "text/plain; charset=utf-8"},
                              {"Content-Disposition", "attachment; filename=test_QZFjKjXchk.txt"},
                              {"Content-Security-Policy", "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox"},
                              {"Cache-Control", "max-age=2592000, stale-while-revalidate=86400"},
                              {"ETag", "\""},
                              {"Accept-Ranges", "bytes"},
                              {"X-Content-Type-Options", "nosniff"}},
         .absent_headers = {"X-Frame-Options", "Content-Encoding"}},
        {.name = "png is inline",
         .url = AvatarUrl(),
         .expected_headers = {{"Content-Type", "image/png"},
                              {"Content-Disposition", "inline; filename=300_1SEi6Q6U72.png"}},
         .absent_headers = {"X-Frame-Options"}},
        {.name = "download=1 makes an attachment",
         .url = AvatarUrl("?download=1"),
         .expected_headers = {{"Content-Disposition", "attachment; filename=300_1SEi6Q6U72.png"}}},
        {.name = "collection by id",
         .url = "/api/files/" + std::string(kUsersId) + "/4q1xlclmfloku33/" + std::string(kAvatar),
         .expected_headers = {{"Content-Type", "image/png"}}},
        {.name = "svg served as image svg and never gzipped",
         .url = "/api/files/demo1/84nmscqy84lsi1t/" + std::string(kSvg),
         .headers = gzip,  // 3 KiB of a compressible type: only the file route's opt-out keeps it raw
         .expected_headers = {{"Content-Type", "image/svg+xml"}},
         .absent_headers = {"Content-Encoding"}},
        {.name = "unknown file name", .url = "/api/files/demo1/84nmscqy84lsi1t/missing.txt", .expected_status = 404,
         .expected_content = {R"("message":"The requested resource wasn't found.")"}},
        {.name = "file of another record", .url = "/api/files/users/oap640cot4yru2s/" + std::string(kAvatar),
         .expected_status = 404},
        {.name = "attrs sidecar is not a file", .url = AvatarUrl(".attrs"), .expected_status = 404},
        {.name = "path traversal", .url = "/api/files/users/4q1xlclmfloku33/..%2F..%2F..%2Fdata.db",
         .expected_status = 404},
        {.name = "thumbs dir is not a file",
         .url = "/api/files/users/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png", .expected_status = 404},
        {.name = "unknown record", .url = "/api/files/users/nonexisting0000/" + std::string(kAvatar),
         .expected_status = 404},
        {.name = "unknown collection", .url = "/api/files/nope/4q1xlclmfloku33/" + std::string(kAvatar),
         .expected_status = 404},
        {.name = "protected file as guest",
         .url = "/api/files/demo1/al1h9ijdeojtsjy/" + std::string(kProtected), .expected_status = 404},
        {.name = "protected file ignores the Authorization header",
         .url = "/api/files/demo1/al1h9ijdeojtsjy/" + std::string(kProtected),
         .headers = AuthHeader(kSuperuserToken), .expected_status = 404},
        {.name = "protected file with an auth token as file token",
         .url = "/api/files/demo1/al1h9ijdeojtsjy/" + std::string(kProtected) + "?token=" + std::string(kSuperuserToken),
         .expected_status = 404},
        {.name = "file token requires auth", .method = "POST", .url = "/api/files/token", .expected_status = 401,
         .expected_content = {R"("message":"The request requires valid record authorization token.")"}},
        {.name = "range outside the file", .url = TextUrl(), .headers = {{"Range", "bytes=100000-"}},
         .expected_status = 416, .expected_headers = {{"Content-Range", "bytes */"}}},
        {.name = "malformed range", .url = TextUrl(), .headers = {{"Range", "lines=1-2"}}, .expected_status = 416},
    };
}

class FilesDownload : public ::testing::TestWithParam<Scenario> {};

TEST_P(FilesDownload, Scenario) { RunScenarioWithServer(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Fixture,
                         FilesDownload,
                         ::testing::ValuesIn(DownloadScenarios()),
                         [](const auto& p) { return ScenarioName(p.param); });

TEST(FilesDownload, FixtureFilesByteForByte) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {AvatarUrl(), "_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png"},
        {TextUrl(), "wsmn24bux7wo113/84nmscqy84lsi1t/test_QZFjKjXchk.txt"},
        {"/api/files/demo1/84nmscqy84lsi1t/" + std::string(kSvg), "wsmn24bux7wo113/84nmscqy84lsi1t/logo_vcfJJG5TAh.svg"},
        {"/api/files/users/oap640cot4yru2s/test_kfd2wYLxkz.txt", "_pb_users_auth_/oap640cot4yru2s/test_kfd2wYLxkz.txt"},
        {"/api/files/demo5/la4y2w4o98acwuj/300_uh_lkx91_hvb_Da8K5pl069.png",
         "9n89pl5vkct6330/la4y2w4o98acwuj/300_uh_lkx91_hvb_Da8K5pl069.png"},
        // existing thumbs from the fixture: listed sizes and the default 100x100
        {AvatarUrl("?thumb=70x50t"), "_pb_users_auth_/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png/70x50t_300_1SEi6Q6U72.png"},
        {AvatarUrl("?thumb=0x50"), "_pb_users_auth_/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png/0x50_300_1SEi6Q6U72.png"},
        {AvatarUrl("?thumb=100x100"), "_pb_users_auth_/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png/100x100_300_1SEi6Q6U72.png"},
        // a size the field does not list, and a malformed one: the original
        {AvatarUrl("?thumb=30x30"), "_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png"},
        {AvatarUrl("?thumb=abc"), "_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png"},
        // thumbs only for images: a text file is served as is
        {TextUrl("?thumb=100x100"), "wsmn24bux7wo113/84nmscqy84lsi1t/test_QZFjKjXchk.txt"},
        // view collections serve the source record's file (view2 -> view1 -> demo1)
        {"/api/files/view2/84nmscqy84lsi1t/test_QZFjKjXchk.txt", "wsmn24bux7wo113/84nmscqy84lsi1t/test_QZFjKjXchk.txt"},
        {"/api/files/view2/84nmscqy84lsi1t/300_WlbFWSGmW9.png?thumb=100x100",
         "wsmn24bux7wo113/84nmscqy84lsi1t/thumbs_300_WlbFWSGmW9.png/100x100_300_WlbFWSGmW9.png"},
    };
    for (const auto& [url, rel] : cases) {
        const std::string expected = FixtureFile(rel);
        ASSERT_FALSE(expected.empty()) << rel;
        HttpResponse r = Send(server->port(), {.target = url, .headers = {{"Accept-Encoding", "gzip"}}});
        EXPECT_EQ(r.status, 200) << url;
        EXPECT_EQ(r.body, expected) << url;
        EXPECT_EQ(r.Header("Content-Length"), std::to_string(expected.size())) << url;
    }
}

TEST(FilesDownload, HeadHasHeadersButNoBody) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    HttpResponse r = Send(server->port(), {.method = "HEAD", .target = AvatarUrl()});
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(r.Header("Content-Length"), std::to_string(PngBytes().size()));
    EXPECT_EQ(r.Header("Content-Type"), "image/png");
}

TEST(FilesDownload, ETagAndIfModifiedSinceGive304) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    HttpResponse first = Send(server->port(), {.target = AvatarUrl()});
    ASSERT_EQ(first.status, 200);
    const auto etag = first.Header("ETag");
    const auto modified = first.Header("Last-Modified");
    ASSERT_TRUE(etag && modified);
    HttpResponse again = Send(server->port(), {.target = AvatarUrl(), .headers = {{"If-None-Match", *etag}}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.Header("ETag"), etag);
    // as Go's writeNotModified: no body headers, and the ETag makes Last-Modified redundant
    EXPECT_FALSE(again.Header("Content-Type"));
    EXPECT_FALSE(again.Header("Last-Modified"));
    EXPECT_FALSE(again.Header("Accept-Ranges"));
    HttpResponse other = Send(server->port(), {.target = AvatarUrl(), .headers = {{"If-None-Match", "\"other\""}}});
    EXPECT_EQ(other.status, 200);
    EXPECT_EQ(other.body, PngBytes());
    HttpResponse since = Send(server->port(), {.target = AvatarUrl(), .headers = {{"If-Modified-Since", *modified}}});
    EXPECT_EQ(since.status, 304);
    HttpResponse older = Send(server->port(), {.target = AvatarUrl(),
                                               .headers = {{"If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}}});
    EXPECT_EQ(older.status, 200);
}

TEST(FilesDownload, RangeRequests) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    const std::string png = PngBytes();
    const std::string total = std::to_string(png.size());
    HttpResponse head = Send(server->port(), {.target = AvatarUrl(), .headers = {{"Range", "bytes=0-7"}}});
    EXPECT_EQ(head.status, 206);
    EXPECT_EQ(head.body, png.substr(0, 8));
    EXPECT_EQ(head.Header("Content-Range"), "bytes 0-7/" + total);
    HttpResponse tail = Send(server->port(), {.target = AvatarUrl(), .headers = {{"Range", "bytes=-10"}}});
    EXPECT_EQ(tail.status, 206);
    EXPECT_EQ(tail.body, png.substr(png.size() - 10));
    HttpResponse open = Send(server->port(), {.target = AvatarUrl(), .headers = {{"Range", "bytes=100-"}}});
    EXPECT_EQ(open.status, 206);
    EXPECT_EQ(open.body, png.substr(100));
    HttpResponse clipped = Send(server->port(), {.target = AvatarUrl(), .headers = {{"Range", "bytes=10-999999"}}});
    EXPECT_EQ(clipped.status, 206);
    EXPECT_EQ(clipped.body, png.substr(10));
}

// ---------------------------------------------------------------------------------------------
// Protected files and thumbs generation (each on its own fixture copy).

std::string FileTokenFor(ServerProcess& server, std::string_view auth_token) {
    HttpResponse r = Send(server.port(), {.method = "POST", .target = "/api/files/token", .headers = AuthHeader(auth_token)});
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) {
        return {};
    }
    return std::string(boost::json::parse(r.body).at("token").as_string());
}

TEST(FilesProtected, SuperuserFileTokenOpensUserFileTokenDoesNot) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const std::string url = "/api/files/demo1/al1h9ijdeojtsjy/" + std::string(kProtected);
    const std::string su = FileTokenFor(server, kSuperuserToken);
    ASSERT_FALSE(su.empty());
    HttpResponse ok = Send(server.port(), {.target = url + "?token=" + su});
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, FixtureFile("wsmn24bux7wo113/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png"));
    // demo1's viewRule is null: only superusers see its protected files
    const std::string user = FileTokenFor(server, kUserToken);
    ASSERT_FALSE(user.empty());
    EXPECT_EQ(Send(server.port(), {.target = url + "?token=" + user}).status, 404);
    // a tampered token is no token
    EXPECT_EQ(Send(server.port(), {.target = url + "?token=" + su + "x"}).status, 404);

    // view1 (viewRule `@request.auth.id != "" && bool = true`) exposes demo1's protected file_one:
    // a user's file token passes the rule for a record with bool = true, not for one without
    const std::string via_view = "/api/files/view1/84nmscqy84lsi1t/test_d61b33QdDU.txt";
    EXPECT_EQ(Send(server.port(), {.target = via_view}).status, 404);
    HttpResponse user_ok = Send(server.port(), {.target = via_view + "?token=" + user});
    EXPECT_EQ(user_ok.status, 200);
    EXPECT_EQ(user_ok.body, FixtureFile("wsmn24bux7wo113/84nmscqy84lsi1t/test_d61b33QdDU.txt"));
    EXPECT_EQ(Send(server.port(), {.target = "/api/files/view1/al1h9ijdeojtsjy/" + std::string(kProtected) +
                                             "?token=" + user}).status,
              404);
}

/// Whether a process has a shared library whose file name starts with `name` mapped.
bool MapsLibrary(pid_t pid, std::string_view name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(in, line)) {
        const auto slash = line.rfind('/');
        if (slash != std::string::npos && std::string_view(line).substr(slash + 1).starts_with(name)) {
            return true;
        }
    }
    return false;
}

TEST(FilesThumbs, ListedSizesAreGeneratedOnceAndCachedOnDisk) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    // libvips (and its ~60 libraries) is loaded by the first thumb, not at start-up.
    EXPECT_FALSE(MapsLibrary(server.pid(), "libvips.so"));
    const fs::path dir = server.data_dir() / "storage" / std::string(kUsersId) / "4q1xlclmfloku33" /
                         ("thumbs_" + std::string(kAvatar));
    fs::remove_all(dir);  // make every thumb new
    struct Want {
        const char* size;
        int w, h;
    };
    // the avatar is 300x300
    for (const Want& want : {Want{"70x50", 70, 50}, Want{"70x50t", 70, 50}, Want{"70x50b", 70, 50},
                             Want{"70x50f", 50, 50}, Want{"0x50", 50, 50}, Want{"70x0", 70, 70},
                             Want{"100x100", 100, 100}}) {
        HttpResponse r = Send(server.port(), {.target = AvatarUrl(std::string("?thumb=") + want.size)});
        ASSERT_EQ(r.status, 200) << want.size;
        EXPECT_EQ(r.Header("Content-Type"), "image/png") << want.size;
        EXPECT_EQ(PngSize(r.body), std::make_pair(want.w, want.h)) << want.size;
        EXPECT_EQ(r.Header("Content-Disposition"),
                  "inline; filename=" + std::string(want.size) + "_" + std::string(kAvatar));
        const fs::path cached = dir / (std::string(want.size) + "_" + std::string(kAvatar));
        EXPECT_EQ(Slurp(cached), r.body) << cached;
    }
    EXPECT_TRUE(MapsLibrary(server.pid(), "libvips.so"));
    // a size the field does not list is never generated
    HttpResponse original = Send(server.port(), {.target = AvatarUrl("?thumb=30x30")});
    EXPECT_EQ(original.body, PngBytes());
    EXPECT_FALSE(fs::exists(dir / ("30x30_" + std::string(kAvatar))));
    // a cached thumb is served from disk as it is
    const fs::path cached = dir / ("70x50_" + std::string(kAvatar));
    const auto before = fs::last_write_time(cached);
    HttpResponse again = Send(server.port(), {.target = AvatarUrl("?thumb=70x50")});
    EXPECT_EQ(again.body, Slurp(cached));
    EXPECT_EQ(fs::last_write_time(cached), before);
}

TEST(FilesThumbs, ConcurrentRequestsForAMissingThumbAgree) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const fs::path dir = server.data_dir() / "storage" / std::string(kUsersId) / "4q1xlclmfloku33" /
                         ("thumbs_" + std::string(kAvatar));
    fs::remove_all(dir);
    constexpr int kClients = 8;
    std::vector<HttpResponse> responses(kClients);
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.emplace_back([&, i] { responses[i] = Send(server.port(), {.target = AvatarUrl("?thumb=70x50b")}); });
    }
    for (auto& t : clients) {
        t.join();
    }
    for (const auto& r : responses) {
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(PngSize(r.body), std::make_pair(70, 50));
        EXPECT_EQ(r.body, responses[0].body);
    }
    // one thumb (and its metadata), no temp files left anywhere
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(dir)) {
        entries.push_back(e.path().filename().string());
    }
    std::sort(entries.begin(), entries.end());
    const std::string thumb = "70x50b_" + std::string(kAvatar);
    EXPECT_EQ(entries, (std::vector<std::string>{thumb, thumb + ".attrs"}));
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));
}

/// A valid PNG of w x h black 1-bit pixels: a few KiB that decode to w*h pixels.
std::string PngBomb(std::uint32_t w, std::uint32_t h) {
    auto be32 = [](std::string& out, std::uint32_t v) {
        for (int shift : {24, 16, 8, 0}) {
            out.push_back(static_cast<char>((v >> shift) & 0xff));
        }
    };
    auto chunk = [&](std::string& out, std::string_view type, const std::string& data) {
        be32(out, static_cast<std::uint32_t>(data.size()));
        std::string body = std::string(type) + data;
        out += body;
        be32(out, static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
    };
    std::string ihdr;
    be32(ihdr, w);
    be32(ihdr, h);
    ihdr += std::string("\x01\x00\x00\x00\x00", 5);  // 1-bit greyscale, no interlace
    const std::size_t row = 1 + (w + 7) / 8;
    std::string raw(row * h, '\0');
    uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
    std::string z(zlen, '\0');
    compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(raw.data()),
              static_cast<uLong>(raw.size()), 9);
    z.resize(zlen);
    std::string png = "\x89PNG\r\n\x1a\n";
    chunk(png, "IHDR", ihdr);
    chunk(png, "IDAT", z);
    chunk(png, "IEND", "");
    return png;
}

TEST(FilesThumbs, HugeImagesGetNoThumbTheOriginalIsServed) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const std::string bomb = PngBomb(12000, 12000);  // 144 MP in a few KiB
    ASSERT_LT(bomb.size(), 100000u);
    Multipart m;
    m.Field("title", "bomb").File("files", "bomb.png", bomb, "image/png");
    HttpResponse created = SendMultipart(server, "POST", "/api/collections/demo3/records", m);
    ASSERT_EQ(created.status, 200) << created.body;
    const auto rec = boost::json::parse(created.body);
    const std::string id(rec.at("id").as_string());
    const std::string name = FilesOf(rec, "files").at(0);
    HttpResponse r = Send(server.port(), {.target = "/api/files/demo3/" + id + "/" + name + "?thumb=100x100"});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, bomb);
    EXPECT_EQ(PngSize(r.body), std::make_pair(12000, 12000));
    EXPECT_FALSE(fs::exists(server.data_dir() / "storage" / std::string(kDemo3Id) / id / ("thumbs_" + name) /
                            ("100x100_" + name)));
    EXPECT_EQ(Send(server.port(), {.target = "/api/health"}).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Uploads.

TEST(FilesUpload, CreateUpdateModifiersAndDeleteKeepDiskInStep) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const std::string png = PngBytes();
    Multipart create;
    create.Field("title", "with files").File("files", "Hello World.TXT", "hello").File("files", "My Pic.png", png, "text/plain");
    HttpResponse created = SendMultipart(server, "POST", "/api/collections/demo3/records", create);
    ASSERT_EQ(created.status, 200) << created.body;
    const auto rec = boost::json::parse(created.body);
    const std::string id(rec.at("id").as_string());
    auto names = FilesOf(rec, "files");
    ASSERT_EQ(names.size(), 2u);
    EXPECT_TRUE(std::regex_match(names[0], std::regex("^hello_world_[a-z0-9]{10}\\.txt$"))) << names[0];
    EXPECT_TRUE(std::regex_match(names[1], std::regex("^my_pic_[a-z0-9]{10}\\.png$"))) << names[1];
    const fs::path dir = server.data_dir() / "storage" / std::string(kDemo3Id) / id;
    EXPECT_EQ(Slurp(dir / names[0]), "hello");
    EXPECT_EQ(Slurp(dir / names[1]), png);
    {
        Db db(server.db_path().string());
        EXPECT_EQ(db.QueryText("SELECT files FROM demo3 WHERE id='" + id + "'"),
                  "[\"" + names[0] + "\",\"" + names[1] + "\"]");
    }
    // the uploaded file downloads with the type sniffed from its content, not the declared one
    HttpResponse dl = Send(server.port(), {.target = "/api/files/demo3/" + id + "/" + names[1]});
    EXPECT_EQ(dl.status, 200);
    EXPECT_EQ(dl.body, png);
    EXPECT_EQ(dl.Header("Content-Type"), "image/png");
    // thumb of an uploaded image (100x100 is always allowed)
    HttpResponse thumb = Send(server.port(), {.target = "/api/files/demo3/" + id + "/" + names[1] + "?thumb=100x100"});
    EXPECT_EQ(PngSize(thumb.body), std::make_pair(100, 100));
    EXPECT_TRUE(fs::exists(dir / ("thumbs_" + names[1]) / ("100x100_" + names[1])));

    // remove the image (and its thumbs), append a new text file
    Multipart update;
    update.Field("files-", names[1]).File("files+", "second.txt", "second");
    HttpResponse updated = SendMultipart(server, "PATCH", "/api/collections/demo3/records/" + id, update);
    ASSERT_EQ(updated.status, 200) << updated.body;
    auto after = FilesOf(boost::json::parse(updated.body), "files");
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0], names[0]);
    EXPECT_TRUE(std::regex_match(after[1], std::regex("^second_[a-z0-9]{10}\\.txt$"))) << after[1];
    std::vector<std::string> expected_disk{after[0], after[1]};
    std::sort(expected_disk.begin(), expected_disk.end());
    EXPECT_EQ(StoredNames(dir), expected_disk);
    EXPECT_FALSE(fs::exists(dir / ("thumbs_" + names[1])));

    // prepend with +files; then a plain `files` part with the kept names replaces the rest
    Multipart prepend;
    prepend.File("+files", "first.txt", "first");
    HttpResponse prepended = SendMultipart(server, "PATCH", "/api/collections/demo3/records/" + id, prepend);
    ASSERT_EQ(prepended.status, 200) << prepended.body;
    auto three = FilesOf(boost::json::parse(prepended.body), "files");
    ASSERT_EQ(three.size(), 3u);
    EXPECT_TRUE(three[0].starts_with("first_"));
    Multipart replace;
    replace.Field("files", three[0]).File("files", "third.txt", "third");
    HttpResponse replaced = SendMultipart(server, "PATCH", "/api/collections/demo3/records/" + id, replace);
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    auto kept = FilesOf(boost::json::parse(replaced.body), "files");
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(kept[0], three[0]);
    std::vector<std::string> disk2{kept[0], kept[1]};
    std::sort(disk2.begin(), disk2.end());
    EXPECT_EQ(StoredNames(dir), disk2);

    // JSON "files": [] removes every file
    HttpResponse cleared = Send(server.port(), {.method = "PATCH", .target = "/api/collections/demo3/records/" + id,
                                                .headers = JsonHeaders(kSuperuserToken), .body = R"({"files":[]})"});
    ASSERT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_TRUE(StoredNames(dir).empty());

    // deleting the record removes its folder
    Multipart again;
    again.File("files", "last.txt", "last");
    ASSERT_EQ(SendMultipart(server, "PATCH", "/api/collections/demo3/records/" + id, again).status, 200);
    EXPECT_EQ(StoredNames(dir).size(), 1u);
    HttpResponse deleted = Send(server.port(), {.method = "DELETE", .target = "/api/collections/demo3/records/" + id,
                                                .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(deleted.status, 204);
    EXPECT_FALSE(fs::exists(dir));
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));
}

/// A collection with tight file options for the validation cases.
std::string CreateDocsCollection(ServerProcess& server) {
    HttpResponse r = Send(server.port(),
                          {.method = "POST", .target = "/api/collections", .headers = JsonHeaders(kSuperuserToken),
                           .body = R"({"name":"docs","type":"base","listRule":"","viewRule":"","createRule":"","updateRule":"","deleteRule":"",
                                       "fields":[{"name":"title","type":"text"},
                                                 {"name":"doc","type":"file","maxSelect":2,"maxSize":100,"mimeTypes":["text/plain"]},
                                                 {"name":"single","type":"file","maxSelect":1,"maxSize":100000},
                                                 {"name":"pic","type":"file","maxSelect":1,"thumbs":["20x10"]}]})"});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? std::string(boost::json::parse(r.body).at("id").as_string()) : std::string();
}

TEST(FilesUpload, ValidationCodesAndNothingLeftBehind) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const std::string cid = CreateDocsCollection(server);
    ASSERT_FALSE(cid.empty());
    struct Case {
        std::string name;
        Multipart body;
        std::string expected;
    };
    std::vector<Case> cases;
    cases.push_back({"too large", Multipart().File("doc", "big.txt", std::string(101, 'a')),
                     R"("doc":{"code":"validation_file_size_limit","message":"Failed to upload \"big.txt\" - the maximum allowed file size is 100 bytes.","params":{"file":"big.txt","maxSize":100}})"});
    cases.push_back({"mime from content, not name or declared type",
                     Multipart().File("doc", "image.txt", PngBytes().substr(0, 90), "text/plain"),
                     R"("doc":{"code":"validation_invalid_mime_type")"});
    cases.push_back({"too many files",
                     Multipart().File("doc", "a.txt", "a").File("doc", "b.txt", "b").File("doc", "c.txt", "c"),
                     R"("doc":{"code":"validation_too_many_files","message":"The maximum allowed files is 2.","params":{"maxSelect":2}})"});
    cases.push_back({"plain names are not uploads", Multipart().Field("doc", "existing_abc.txt"),
                     R"("doc":{"code":"validation_invalid_file","message":"Invalid new files: [existing_abc.txt].")"});
    cases.push_back({"other field errors still keep the upload out",
                     Multipart().Field("title", "x").File("single", "ok.txt", "fine").File("doc", "big.txt", std::string(200, 'b')),
                     R"("doc":{"code":"validation_file_size_limit")"});
    for (const auto& c : cases) {
        HttpResponse r = SendMultipart(server, "POST", "/api/collections/docs/records", c.body);
        EXPECT_EQ(r.status, 400) << c.name << ": " << r.body;
        EXPECT_NE(r.body.find(R"("message":"Failed to create record.")"), std::string::npos) << c.name;
        EXPECT_NE(r.body.find(c.expected), std::string::npos) << c.name << ": " << r.body;
    }
    // no row, no folder, nothing staged
    Db db(server.db_path().string());
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM docs"), 0);
    EXPECT_FALSE(fs::exists(server.data_dir() / "storage" / cid));
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));
}

TEST(FilesUpload, SingleFileFieldReplacesAndDeletesTheOldFile) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const std::string cid = CreateDocsCollection(server);
    ASSERT_FALSE(cid.empty());
    HttpResponse created = SendMultipart(server, "POST", "/api/collections/docs/records",
                                         Multipart().File("single", "one.txt", "one").File("pic", "p.png", PngBytes()));
    ASSERT_EQ(created.status, 200) << created.body;
    const auto rec = boost::json::parse(created.body);
    const std::string id(rec.at("id").as_string());
    const std::string first(rec.at("single").as_string());
    const std::string pic(rec.at("pic").as_string());
    const fs::path dir = server.data_dir() / "storage" / cid / id;
    EXPECT_EQ(Slurp(dir / first), "one");
    // a listed custom size is generated; the 100x100 default too
    HttpResponse t = Send(server.port(), {.target = "/api/files/docs/" + id + "/" + pic + "?thumb=20x10"});
    EXPECT_EQ(PngSize(t.body), std::make_pair(20, 10));

    HttpResponse updated = SendMultipart(server, "PATCH", "/api/collections/docs/records/" + id,
                                         Multipart().File("single", "two.txt", "two"));
    ASSERT_EQ(updated.status, 200) << updated.body;
    const std::string second(boost::json::parse(updated.body).at("single").as_string());
    EXPECT_NE(second, first);
    EXPECT_EQ(Slurp(dir / second), "two");
    EXPECT_FALSE(fs::exists(dir / first));
    EXPECT_TRUE(fs::exists(dir / pic));

    // a create that fails in the database (the id is taken) leaves its staged upload nowhere
    HttpResponse dup = SendMultipart(server, "POST", "/api/collections/docs/records",
                                     Multipart().Field("id", id).File("single", "dup.txt", "dup"));
    EXPECT_EQ(dup.status, 400) << dup.body;
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));

    // a failed update (a too large doc) changes nothing on disk
    HttpResponse failed = SendMultipart(server, "PATCH", "/api/collections/docs/records/" + id,
                                        Multipart().File("single", "three.txt", "3").File("doc", "x.txt", std::string(500, 'x')));
    EXPECT_EQ(failed.status, 400) << failed.body;
    std::vector<std::string> want{pic, second};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(StoredNames(dir), want);
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));
}

TEST(FilesUpload, BatchFilesAreStoredOnlyWhenTheWholeBatchCommits) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const fs::path col = server.data_dir() / "storage" / std::string(kDemo3Id);
    auto listing = [&] {
        std::vector<std::string> dirs;
        for (const auto& e : fs::directory_iterator(col)) {
            dirs.push_back(e.path().filename().string());
        }
        std::sort(dirs.begin(), dirs.end());
        return dirs;
    };
    const auto before = listing();
    // item 1 fails (demo2 title is required): item 0's upload must not survive the rollback
    Multipart failing;
    failing.Field("@jsonPayload", R"({"requests":[
            {"method":"POST","url":"/api/collections/demo3/records","body":{"title":"batch upload"}},
            {"method":"POST","url":"/api/collections/demo2/records","body":{"title":""}}]})")
        .File("requests.0.files", "in_batch.txt", "batch bytes");
    HttpResponse failed = SendMultipart(server, "POST", "/api/batch", failing);
    EXPECT_EQ(failed.status, 400) << failed.body;
    EXPECT_EQ(listing(), before);
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));

    Multipart ok;
    ok.Field("@jsonPayload", R"({"requests":[{"method":"POST","url":"/api/collections/demo3/records","body":{"title":"batch upload"}}]})")
        .File("requests[0].files", "in_batch.txt", "batch bytes");
    HttpResponse done = SendMultipart(server, "POST", "/api/batch", ok);
    ASSERT_EQ(done.status, 200) << done.body;
    const auto body = boost::json::parse(done.body).as_array().at(0).at("body");
    const std::string id(body.at("id").as_string());
    const auto names = FilesOf(body, "files");
    ASSERT_EQ(names.size(), 1u);
    EXPECT_EQ(Slurp(col / id / names[0]), "batch bytes");
}

TEST(FilesUpload, TruncatingAndDeletingACollectionRemoveItsFiles) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    const std::string cid = CreateDocsCollection(server);
    ASSERT_FALSE(cid.empty());
    const fs::path dir = server.data_dir() / "storage" / cid;
    auto upload = [&] {
        HttpResponse r = SendMultipart(server, "POST", "/api/collections/docs/records",
                                       Multipart().File("single", "keep.txt", "data"));
        EXPECT_EQ(r.status, 200) << r.body;
    };
    upload();
    ASSERT_TRUE(fs::exists(dir));
    HttpResponse truncated = Send(server.port(), {.method = "DELETE", .target = "/api/collections/docs/truncate",
                                                  .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(truncated.status, 204) << truncated.body;
    EXPECT_FALSE(fs::exists(dir));
    upload();
    ASSERT_TRUE(fs::exists(dir));
    HttpResponse deleted = Send(server.port(), {.method = "DELETE", .target = "/api/collections/docs",
                                                .headers = AuthHeader(kSuperuserToken)});
    EXPECT_EQ(deleted.status, 204) << deleted.body;
    EXPECT_FALSE(fs::exists(dir));
    // other collections' files are untouched
    EXPECT_TRUE(fs::exists(server.data_dir() / "storage" / std::string(kUsersId) / "4q1xlclmfloku33" / std::string(kAvatar)));
}

// ---------------------------------------------------------------------------------------------
// Byte ranges as Go's http.ServeContent answers them.

TEST(FilesDownload, MultipleRangesAreMultipartByteranges) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    const std::string png = PngBytes();
    const std::string n = std::to_string(png.size());
    HttpResponse r = Send(server->port(), {.target = AvatarUrl(), .headers = {{"Range", "bytes=0-9, 20-29"}}});
    ASSERT_EQ(r.status, 206);
    const std::string ctype = r.Header("Content-Type").value_or("");
    ASSERT_TRUE(ctype.starts_with("multipart/byteranges; boundary=")) << ctype;
    const std::string b = ctype.substr(ctype.find('=') + 1);
    EXPECT_TRUE(std::regex_match(b, std::regex("^[0-9a-f]{60}$"))) << b;
    const std::string expected = "--" + b + "\r\nContent-Range: bytes 0-9/" + n + "\r\nContent-Type: image/png\r\n\r\n" +
                                 png.substr(0, 10) + "\r\n--" + b + "\r\nContent-Range: bytes 20-29/" + n +
                                 "\r\nContent-Type: image/png\r\n\r\n" + png.substr(20, 10) + "\r\n--" + b + "--\r\n";
    EXPECT_EQ(r.body, expected);
    EXPECT_EQ(r.Header("Content-Length"), std::to_string(expected.size()));
    EXPECT_FALSE(r.Header("Content-Range"));
    // HEAD: same length, no body
    HttpResponse head = Send(server->port(), {.method = "HEAD", .target = AvatarUrl(), .headers = {{"Range", "bytes=0-9,20-29"}}});
    EXPECT_EQ(head.status, 206);
    EXPECT_EQ(head.Header("Content-Length"), std::to_string(expected.size()));
    EXPECT_TRUE(head.body.empty());
}

TEST(FilesDownload, RangeEdgeCasesFollowGo) {
    ServerProcess* server = SharedFixtureServer();
    ASSERT_NE(server, nullptr);
    const std::string png = PngBytes();
    const std::string n = std::to_string(png.size());
    auto get = [&](Headers h) { return Send(server->port(), {.target = AvatarUrl(), .headers = std::move(h)}); };
    // ranges adding up to more than the file (overlaps, repeats): the whole file, 200
    HttpResponse overlap = get({{"Range", "bytes=0-,0-"}});
    EXPECT_EQ(overlap.status, 200);
    EXPECT_EQ(overlap.body, png);
    // a range past the end is dropped; the one left is a plain 206
    HttpResponse one = get({{"Range", "bytes=0-9,99999999-"}});
    EXPECT_EQ(one.status, 206);
    EXPECT_EQ(one.Header("Content-Range"), "bytes 0-9/" + n);
    EXPECT_EQ(one.body, png.substr(0, 10));
    // none overlapping: 416 with the size, Go's plain-text error
    HttpResponse none = get({{"Range", "bytes=99999999-"}});
    EXPECT_EQ(none.status, 416);
    EXPECT_EQ(none.Header("Content-Range"), "bytes */" + n);
    EXPECT_EQ(none.body, "invalid range: failed to overlap\n");
    EXPECT_EQ(none.Header("Content-Type"), "text/plain; charset=utf-8");
    for (const char* h : {"ETag", "Last-Modified", "Cache-Control", "Accept-Ranges"}) {
        EXPECT_FALSE(none.Header(h)) << h;  // Go's serveError drops what was meant for a success
    }
    for (const char* bad : {"bytes=9-1", "bytes=a-b", "bytes=--1", "bytes=1", "Bytes=0-1", "bytes=0-1,x"}) {
        HttpResponse r = get({{"Range", bad}});
        EXPECT_EQ(r.status, 416) << bad;
        EXPECT_EQ(r.body, "invalid range\n") << bad;
    }
    // If-Range: a stale validator gets the whole file, the current one the range
    HttpResponse full = get({});
    const std::string etag = full.Header("ETag").value_or("");
    HttpResponse stale = get({{"Range", "bytes=0-9"}, {"If-Range", "\"stale\""}});
    EXPECT_EQ(stale.status, 200);
    EXPECT_EQ(stale.body, png);
    HttpResponse fresh = get({{"Range", "bytes=0-9"}, {"If-Range", etag}});
    EXPECT_EQ(fresh.status, 206);
    HttpResponse by_date = get({{"Range", "bytes=0-9"}, {"If-Range", full.Header("Last-Modified").value_or("")}});
    EXPECT_EQ(by_date.status, 206);
    // If-Match / If-Unmodified-Since: 412 when they fail
    EXPECT_EQ(get({{"If-Match", "\"nope\""}}).status, 412);
    EXPECT_EQ(get({{"If-Match", etag}}).status, 200);
    EXPECT_EQ(get({{"If-Match", "*"}}).status, 200);
    EXPECT_EQ(get({{"If-Unmodified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}}).status, 412);
}

// ---------------------------------------------------------------------------------------------
// Large uploads stream to disk.

/// VmRSS and VmHWM (peak) of a process in bytes, from /proc/<pid>/status.
std::pair<std::uint64_t, std::uint64_t> Memory(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    std::uint64_t rss = 0;
    std::uint64_t hwm = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) {
            rss = std::stoull(line.substr(6)) * 1024;
        } else if (line.starts_with("VmHWM:")) {
            hwm = std::stoull(line.substr(6)) * 1024;
        }
    }
    return {rss, hwm};
}

/// Incompressible bytes that libmagic calls application/octet-stream.
std::string Noise(std::size_t n) {
    std::string out(n, '\0');
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (std::size_t i = 0; i < n; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::memcpy(out.data() + i, &x, std::min<std::size_t>(8, n - i));
    }
    return out;
}

/// A public collection `name` with one file field `blob` of `max_size` bytes.
void CreateBlobCollection(ServerProcess& server, std::string_view name, std::uint64_t max_size) {
    HttpResponse r = Send(server.port(),
                          {.method = "POST", .target = "/api/collections", .headers = JsonHeaders(kSuperuserToken),
                           .body = R"({"name":")" + std::string(name) + R"(","type":"base","createRule":"","viewRule":"",
                                       "fields":[{"name":"title","type":"text"},
                                                 {"name":"blob","type":"file","maxSelect":1,"maxSize":)" +
                                   std::to_string(max_size) + "}]}"});
    ASSERT_EQ(r.status, 200) << r.body;
}

std::size_t CountFiles(const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        n += it->is_regular_file() ? 1 : 0;
    }
    return n;
}

/// Waits (up to 10 s) until `pred` holds.
template <class Pred>
bool Eventually(Pred pred) {
    for (int i = 0; i < 200; ++i) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
}

#if defined(__SANITIZE_ADDRESS__)
// ASan keeps freed memory in a quarantine (256 MiB by default) and adds redzones: the server
// gets a small quarantine below and the bound some slack, so the check still means something.
constexpr std::uint64_t kUploadRssSlack = 40u << 20;
#else
constexpr std::uint64_t kUploadRssSlack = 16u << 20;
#endif

TEST(FilesUpload, LargeUploadStreamsToDiskWithBoundedMemory) {
#if defined(__SANITIZE_ADDRESS__)
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string options = std::string(asan != nullptr ? asan : "") + ":quarantine_size_mb=4";
    ::setenv("ASAN_OPTIONS", options.c_str(), 1);  // read by the server child only
#endif
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    CreateBlobCollection(server, "big", 200u << 20);
    // warm up (thread pools, libmagic) with a small upload first
    ASSERT_EQ(SendMultipart(server, "POST", "/api/collections/big/records", Multipart().File("blob", "w.bin", Noise(1u << 20))).status, 200);
    const auto [rss_before, hwm_before] = Memory(server.pid());
    ASSERT_GT(rss_before, 0u);

    const std::string payload = Noise(96u << 20);
    Multipart m;
    m.Field("title", "big one").File("blob", "big.bin", payload);
    HttpResponse r = Send(server.port(), {.method = "POST", .target = "/api/collections/big/records",
                                          .headers = m.MakeHeaders(kSuperuserToken), .body = m.Finish()},
                          std::chrono::seconds(100));
    ASSERT_EQ(r.status, 200) << r.error << r.body.substr(0, 300);
    const auto [rss_after, hwm_after] = Memory(server.pid());
    std::cout << "[   INFO   ] 96 MiB upload: server RSS " << (rss_before >> 10) << " KiB before, peak "
              << (hwm_after >> 10) << " KiB (peak before " << (hwm_before >> 10) << " KiB)\n";
    // the peak while receiving 96 MiB stayed within a few MiB of where it was
    EXPECT_LT(hwm_after, rss_before + kUploadRssSlack)
        << "RSS before " << (rss_before >> 20) << " MiB, peak after " << (hwm_after >> 20) << " MiB";

    const auto rec = boost::json::parse(r.body);
    const std::string id(rec.at("id").as_string());
    const std::string name(rec.at("blob").as_string());
    const fs::path stored = server.data_dir() / "storage" / std::string(rec.at("collectionId").as_string()) / id / name;
    ASSERT_EQ(fs::file_size(stored), payload.size());
    EXPECT_TRUE(Slurp(stored) == payload);
    EXPECT_TRUE(fs::is_empty(server.data_dir() / "storage" / ".basalt_tmp"));

    // and it comes back byte for byte without the server reading it into memory
    HttpResponse dl = Send(server.port(), {.target = "/api/files/big/" + id + "/" + name}, std::chrono::seconds(100));
    ASSERT_EQ(dl.status, 200) << dl.error;
    EXPECT_EQ(dl.body.size(), payload.size());
    EXPECT_TRUE(dl.body == payload);
    EXPECT_LT(Memory(server.pid()).second, rss_before + kUploadRssSlack);
}

/// Opens a connection, sends `head` and `body_part`, then hangs up (an upload aborted half-way).
/// `before_close` runs while the connection is still open.
template <class F>
void SendAndHangUp(int port, const std::string& head, const std::string& body_part, F before_close) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string all = head + body_part;
    std::size_t done = 0;
    while (done < all.size()) {
        const ssize_t n = ::send(fd, all.data() + done, all.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    before_close();
    ::close(fd);
}

TEST(FilesUpload, AbortedUploadLeavesNothingInStorageOrStaging) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    CreateBlobCollection(server, "big", 200u << 20);
    const fs::path storage = server.data_dir() / "storage";
    const std::size_t files_before = CountFiles(storage);
    Multipart m;
    m.Field("title", "never").File("blob", "half.bin", Noise(64u << 20));
    const std::string body = m.Finish();
    const std::string head = "POST /api/collections/big/records HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=" +
                             m.boundary + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    bool staged = false;
    SendAndHangUp(server.port(), head, body.substr(0, body.size() / 2), [&] {
        // the upload is being written to the staging area while it arrives
        staged = Eventually([&] { return CountFiles(storage / ".basalt_tmp") > 0; });
    });
    EXPECT_TRUE(staged);
    EXPECT_TRUE(Eventually([&] { return CountFiles(storage) == files_before; }))
        << CountFiles(storage) << " files vs " << files_before;
    EXPECT_EQ(CountFiles(storage / ".basalt_tmp"), 0u);
    Db db(server.db_path().string());
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM big"), 0);
    // the server is fine afterwards
    EXPECT_EQ(SendMultipart(server, "POST", "/api/collections/big/records", Multipart().File("blob", "ok.bin", "ok")).status, 200);
}

TEST(FilesUpload, OversizedBodiesAre413AndLeaveNothing) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    CreateBlobCollection(server, "tiny", 1u << 20);  // body limit: 32 MiB + 1 MiB
    const fs::path storage = server.data_dir() / "storage";
    const std::size_t files_before = CountFiles(storage);
    Multipart m;
    m.File("blob", "huge.bin", Noise(40u << 20));
    // announced too large: refused before reading
    HttpResponse announced = Send(server.port(), {.method = "POST", .target = "/api/collections/tiny/records",
                                                  .headers = m.MakeHeaders(kSuperuserToken), .body = m.Finish()},
                                  std::chrono::seconds(60));
    EXPECT_EQ(announced.status, 413);
    EXPECT_NE(announced.body.find(R"("message":"Request entity too large.","status":413)"), std::string::npos) << announced.body;
    // chunked (no length): streamed to staging until the limit, then 413 and the partial file goes
    std::string chunked;
    const std::string raw = m.Finish();
    for (std::size_t i = 0; i < raw.size(); i += 1u << 20) {
        const std::string_view piece = std::string_view(raw).substr(i, 1u << 20);
        char len[32];
        std::snprintf(len, sizeof len, "%zx\r\n", piece.size());
        chunked += len;
        chunked += piece;
        chunked += "\r\n";
    }
    chunked += "0\r\n\r\n";
    Headers h = m.MakeHeaders(kSuperuserToken);
    h.emplace_back("Transfer-Encoding", "chunked");
    HttpResponse streamed = Send(server.port(), {.method = "POST", .target = "/api/collections/tiny/records",
                                                 .headers = h, .body = chunked, .content_length = false},
                                 std::chrono::seconds(60));
    EXPECT_EQ(streamed.status, 413) << streamed.error << streamed.body.substr(0, 300);
    EXPECT_NE(streamed.body.find(R"("status":413)"), std::string::npos) << streamed.body;
    // more than 32 MiB of text parts: 413 as well (text is kept in memory, so it is capped)
    Multipart text;
    text.Field("title", std::string(32u << 20, 'a') + std::string(500000, 'b'));  // under the body limit
    HttpResponse texty = SendMultipart(server, "POST", "/api/collections/tiny/records", text);
    EXPECT_EQ(texty.status, 413) << texty.body.substr(0, 200);
    EXPECT_TRUE(Eventually([&] { return CountFiles(storage) == files_before; }));
    Db db(server.db_path().string());
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM tiny"), 0);
}

TEST(FilesUpload, MoreThanAThousandPartsIs400AndLeavesNothing) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    CreateBlobCollection(server, "big", 1u << 20);
    Multipart m;
    for (int i = 0; i < 1001; ++i) {
        m.File("blob", "p" + std::to_string(i) + ".txt", "x");
    }
    HttpResponse r = SendMultipart(server, "POST", "/api/collections/big/records", m);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(r.body.find(R"("message":"Failed to read the submitted data.")"), std::string::npos) << r.body;
    EXPECT_TRUE(Eventually([&] { return CountFiles(server.data_dir() / "storage" / ".basalt_tmp") == 0; }));
}

// A 64 x 32 JPEG (top half black) whose EXIF orientation is 6: displayed turned 90° clockwise,
// 32 x 64. Made with libvips (vips_jpegsave with "orientation" set).
constexpr std::string_view kRotatedJpegHex =
    "ffd8ffe100bc45786966000049492a000800000006001201030001000000060000001a01050001000000560000001b01"
    "0500010000005e0000002801030001000000020000001302030001000000010000006987040001000000660000000000"
    "000048000000010000004800000001000000060000900700040000003032313001910700040000000102030000a00700"
    "040000003031303001a0030001000000ffff000002a00400010000004000000003a00400010000002000000000000000"
    "ffdb0043000d090a0b0a080d0b0a0b0e0e0d0f13201513121213271c1e17202e2931302e292d2c333a4a3e333646372c"
    "2d405741464c4e525352323e5a615a50604a51524fffdb0043010e0e0e131113261515264f352d354f4f4f4f4f4f4f4f"
    "4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4fffc000110800"
    "20004003012200021101031101ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc4"
    "00b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c115"
    "52d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63646566"
    "6768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2"
    "c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f01000301010101"
    "01010101010000000000000102030405060708090a0bffc400b511000201020404030407050404000102770001020311"
    "04052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35"
    "363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a9293"
    "9495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6"
    "e7e8e9eaf2f3f4f5f6f7f8f9faffda000c03010002110311003f00f30a28a2800a28a2800a28a2800a28a2803e9da28a"
    "2800a28a2800a28a2800a28a2803ffd9";

std::string FromHex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

/// Width and height from a JPEG's SOF marker; {0,0} when there is none.
std::pair<int, int> JpegSize(const std::string& jpg) {
    for (std::size_t i = 2; i + 9 < jpg.size();) {
        if (static_cast<unsigned char>(jpg[i]) != 0xFF) {
            return {0, 0};
        }
        const auto marker = static_cast<unsigned char>(jpg[i + 1]);
        const std::size_t len = (static_cast<unsigned char>(jpg[i + 2]) << 8) | static_cast<unsigned char>(jpg[i + 3]);
        if (marker >= 0xC0 && marker <= 0xC3) {
            auto be16 = [&](std::size_t at) {
                return (static_cast<unsigned char>(jpg[at]) << 8) | static_cast<unsigned char>(jpg[at + 1]);
            };
            return {be16(i + 7), be16(i + 5)};
        }
        i += 2 + len;
    }
    return {0, 0};
}

TEST(FilesThumbs, JpegExifOrientationGivesUprightThumbs) {
    ServerProcess server;
    ASSERT_TRUE(server.Start().empty());
    HttpResponse c = Send(server.port(),
                          {.method = "POST", .target = "/api/collections", .headers = JsonHeaders(kSuperuserToken),
                           .body = R"({"name":"photos","type":"base","createRule":"","viewRule":"",
                                       "fields":[{"name":"pic","type":"file","maxSelect":1,"thumbs":["16x0","20x20"]}]})"});
    ASSERT_EQ(c.status, 200) << c.body;
    const std::string jpg = FromHex(kRotatedJpegHex);
    ASSERT_EQ(JpegSize(jpg), std::make_pair(64, 32));
    HttpResponse up = SendMultipart(server, "POST", "/api/collections/photos/records", Multipart().File("pic", "phone.jpg", jpg));
    ASSERT_EQ(up.status, 200) << up.body;
    const auto rec = boost::json::parse(up.body);
    const std::string url = "/api/files/photos/" + std::string(rec.at("id").as_string()) + "/" +
                            std::string(rec.at("pic").as_string());
    // as displayed the photo is 32 x 64: 16 wide keeps that shape (unturned it would be 16 x 8)
    HttpResponse narrow = Send(server.port(), {.target = url + "?thumb=16x0"});
    ASSERT_EQ(narrow.status, 200);
    EXPECT_EQ(narrow.Header("Content-Type"), "image/jpeg");
    EXPECT_EQ(JpegSize(narrow.body), std::make_pair(16, 32));
    HttpResponse square = Send(server.port(), {.target = url + "?thumb=20x20"});
    EXPECT_EQ(JpegSize(square.body), std::make_pair(20, 20));
    // the original is served as stored
    EXPECT_EQ(Send(server.port(), {.target = url}).body, jpg);
}

}  // namespace
}  // namespace basalt::e2e
