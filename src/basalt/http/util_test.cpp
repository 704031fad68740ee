// Tests of the http helpers: URL decoding, query parsing, gzip, CORS and recover.
#include <zlib.h>

#include <gtest/gtest.h>

#include "basalt/base/error.hpp"
#include "basalt/base/testing/run_co.hpp"
#include "basalt/http/internal/gzip.hpp"
#include "basalt/http/internal/middleware.hpp"
#include "basalt/http/internal/url.hpp"

namespace basalt::http::internal {
namespace {

using boost::beast::http::verb;

TEST(UrlTest, PercentDecode) {
    EXPECT_EQ(PercentDecode("a%20b%2Fc").value(), "a b/c");
    EXPECT_EQ(PercentDecode("a+b").value(), "a+b");
    EXPECT_EQ(PercentDecode("a+b", true).value(), "a b");
    EXPECT_FALSE(PercentDecode("%2"));
    EXPECT_FALSE(PercentDecode("%zz"));
    EXPECT_FALSE(PercentDecode("abc%"));
}

TEST(UrlTest, ParseQuery) {
    auto q = ParseQuery("a=1&b=x+y&&c&a=2&bad=%zz&filter=%28id%3D%27x%27%29");
    ASSERT_EQ(q.size(), 5u);
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"a", "1"}));
    EXPECT_EQ(q[1].second, "x y");
    EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"c", ""}));
    EXPECT_EQ(q[3].second, "2");
    EXPECT_EQ(q[4].second, "(id='x')");
    auto [p, qs] = SplitTarget("/x/y?z=1");
    EXPECT_EQ(p, "/x/y");
    EXPECT_EQ(qs, "z=1");
}

TEST(RequestTest, Accessors) {
    Request r;
    r.headers.insert("Content-Type", "application/json");
    r.query = {{"a", "1"}, {"a", "2"}};
    r.params["id"] = "x";
    EXPECT_EQ(r.Header("content-type"), "application/json");
    EXPECT_EQ(r.Header("Authorization"), "");
    EXPECT_EQ(r.Query("a").value(), "1");
    EXPECT_FALSE(r.Query("b"));
    EXPECT_EQ(r.Param("id"), "x");
    EXPECT_EQ(r.Param("nope"), "");
}

std::string Gunzip(const std::string& in) {
    z_stream zs{};
    EXPECT_EQ(inflateInit2(&zs, 31), Z_OK);
    std::string out(1 << 20, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    inflateEnd(&zs);
    return out;
}

TEST(GzipTest, RoundTrip) {
    std::string body;
    for (int i = 0; i < 500; ++i) {
        body += R"({"id":"abc","n":)" + std::to_string(i) + "},";
    }
    std::string z;
    ASSERT_TRUE(GzipCompress(body, z));
    EXPECT_LT(z.size(), body.size());
    EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
    EXPECT_EQ(Gunzip(z), body);
}

TEST(GzipTest, AcceptEncodingAndTypes) {
    EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
    EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.8"));
    EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
    EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, *"));
    EXPECT_TRUE(AcceptsGzip("*"));
    EXPECT_FALSE(AcceptsGzip("identity"));
    EXPECT_FALSE(AcceptsGzip(""));
    EXPECT_TRUE(IsCompressibleType("application/json"));
    EXPECT_TRUE(IsCompressibleType("text/html; charset=utf-8"));
    EXPECT_TRUE(IsCompressibleType("image/svg+xml"));
    EXPECT_TRUE(IsCompressibleType("application/javascript"));
    EXPECT_FALSE(IsCompressibleType("image/png"));
    EXPECT_FALSE(IsCompressibleType(""));
}

std::string Find(const Response& r, std::string_view name) {
    std::string out;
    for (const auto& [k, v] : r.headers) {
        if (k == name) {
            out += (out.empty() ? "" : "|") + v;
        }
    }
    return out;
}

TEST(CorsTest, SimpleAndPreflight) {
    Request req;
    Response res;
    ApplyCors(req, res, false);
    EXPECT_TRUE(res.headers.empty());  // no Origin: nothing

    req.headers.insert("Origin", "http://localhost:5173");
    ApplyCors(req, res, false);
    EXPECT_EQ(Find(res, "Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(Find(res, "Access-Control-Allow-Methods"), "");

    Response pre;
    req.headers.insert("Access-Control-Request-Method", "PATCH");
    req.headers.insert("Access-Control-Request-Headers", "content-type,authorization");
    ApplyCors(req, pre, true);
    EXPECT_EQ(Find(pre, "Access-Control-Allow-Methods"), "GET,HEAD,PUT,PATCH,POST,DELETE");
    EXPECT_EQ(Find(pre, "Access-Control-Allow-Headers"), "content-type,authorization");
    EXPECT_EQ(Find(pre, "Access-Control-Max-Age"), "");
}

net::awaitable<Response> Throws(Request&) {
    throw std::runtime_error("boom");
    co_return Response::Empty();
}

net::awaitable<Response> ThrowsError(Request&) {
    throw ErrorException(Internal("db down"));
    co_return Response::Empty();
}

Response Err(unsigned status) { return Response::Json(status, "err" + std::to_string(status)); }

TEST(ProcessTest, RecoversAndAnswersPreflight) {
    Router r;
    const ErrorBuilder eb = Err;
    Request req;
    req.method = verb::get;
    Handler h = [](Request& q) { return Throws(q); };
    Response res = testing::RunCo(Process(r, h, req, eb));
    EXPECT_EQ(res.status, 500u);
    EXPECT_EQ(res.body, "err500");

    Handler h2 = [](Request& q) { return ThrowsError(q); };
    EXPECT_EQ(testing::RunCo(Process(r, h2, req, eb)).status, 500u);

    Handler h3 = [](Request&) -> net::awaitable<Response> { throw std::logic_error("sync"); };
    EXPECT_EQ(testing::RunCo(Process(r, h3, req, eb)).status, 500u);

    Request opt;
    opt.method = verb::options;
    EXPECT_EQ(testing::RunCo(Process(r, h, opt, eb)).status, 204u);
}

}  // namespace
}  // namespace basalt::http::internal
