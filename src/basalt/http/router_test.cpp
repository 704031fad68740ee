// Router matching and middleware-chain tests (no sockets).
#include "basalt/http/router.hpp"

#include <gtest/gtest.h>

#include "basalt/base/testing/run_co.hpp"

namespace basalt::http {
namespace {

using boost::beast::http::verb;

net::awaitable<Response> Named(std::string name) { co_return Response::Json(200, std::move(name)); }

Handler H(std::string name) {
    return [name](Request&) { return Named(name); };
}

std::string Which(const RouteMatch& m) { return m.matched ? m.route->pattern : "(none)"; }

TEST(RouterTest, LiteralBeatsParamBeatsRest) {
    Router r;
    r.Add(verb::get, "/a/b", H("lit"));
    r.Add(verb::get, "/a/{x}", H("param"));
    r.Add(verb::get, "/a/{rest...}", H("rest"));
    EXPECT_EQ(Which(r.Match(verb::get, "/a/b")), "/a/b");
    auto m = r.Match(verb::get, "/a/c");
    EXPECT_EQ(Which(m), "/a/{x}");
    EXPECT_EQ(m.params["x"], "c");
    m = r.Match(verb::get, "/a/c/d");
    EXPECT_EQ(Which(m), "/a/{rest...}");
    EXPECT_EQ(m.params["rest"], "c/d");
}

TEST(RouterTest, ParamsAreDecoded) {
    Router r;
    r.Add(verb::get, "/api/backups/{key}", H("b"));
    r.Add(verb::get, "/api/files/{collection}/{record}/{path...}", H("f"));
    auto m = r.Match(verb::get, "/api/backups/%40test4.zip");
    ASSERT_TRUE(m.matched);
    EXPECT_EQ(m.params["key"], "@test4.zip");
    m = r.Match(verb::get, "/api/backups/a%2Fb");
    ASSERT_TRUE(m.matched);
    EXPECT_EQ(m.params["key"], "a/b");
    m = r.Match(verb::get, "/api/files/posts/r1/a%20b/c.png");
    ASSERT_TRUE(m.matched);
    EXPECT_EQ(m.params["collection"], "posts");
    EXPECT_EQ(m.params["record"], "r1");
    EXPECT_EQ(m.params["path"], "a b/c.png");
    EXPECT_FALSE(r.Match(verb::get, "/api/backups/%zz").matched);
}

TEST(RouterTest, NoTrailingSlashTolerance) {
    Router r;
    r.Add(verb::get, "/api/collections", H("c"));
    r.Add(verb::get, "/api/collections/{id}", H("one"));
    EXPECT_TRUE(r.Match(verb::get, "/api/collections").matched);
    EXPECT_FALSE(r.Match(verb::get, "/api/collections/").matched);
    EXPECT_FALSE(r.Match(verb::get, "/api/collections/x/").matched);
    EXPECT_FALSE(r.Match(verb::get, "/api").matched);
    EXPECT_FALSE(r.Match(verb::get, "*").matched);
}

TEST(RouterTest, MethodsAndHeadFallsBackToGet) {
    Router r;
    r.Add(verb::get, "/x", H("get"));
    r.Add(verb::post, "/x", H("post"));
    r.Add(verb::head, "/y", H("heady"));
    r.Add(verb::get, "/y", H("gety"));
    EXPECT_EQ(r.Match(verb::head, "/x").route->method, verb::get);
    EXPECT_EQ(r.Match(verb::head, "/y").route->method, verb::head);
    EXPECT_EQ(r.Match(verb::post, "/x").route->method, verb::post);
    auto m = r.Match(verb::delete_, "/x");
    EXPECT_FALSE(m.matched);
    EXPECT_EQ(m.route, &r.fallback());
}

TEST(RouterTest, BacktracksToLessSpecificPatternForMethod) {
    Router r;
    r.Add(verb::get, "/a/b/c", H("g"));
    r.Add(verb::post, "/a/{x}/c", H("p"));
    auto m = r.Match(verb::post, "/a/b/c");
    ASSERT_TRUE(m.matched);
    EXPECT_EQ(m.route->pattern, "/a/{x}/c");
    EXPECT_EQ(m.params["x"], "b");
}

TEST(RouterTest, PrefixAndExactSlashPatterns) {
    Router r;
    r.Add(verb::get, "/_/", H("ui"));
    r.Add(verb::get, "/{$}", H("root"));
    EXPECT_EQ(Which(r.Match(verb::get, "/")), "/{$}");
    EXPECT_EQ(Which(r.Match(verb::get, "/_/")), "/_/");
    EXPECT_EQ(Which(r.Match(verb::get, "/_/assets/x.js")), "/_/");
    EXPECT_FALSE(r.Match(verb::get, "/_").matched);
    EXPECT_FALSE(r.Match(verb::get, "/other").matched);
}

TEST(RouterTest, EmptySegmentDoesNotMatchParam) {
    Router r;
    r.Add(verb::get, "/a/{id}", H("a"));
    EXPECT_FALSE(r.Match(verb::get, "/a/").matched);
    r.Add(verb::get, "/f/{p...}", H("f"));
    auto m = r.Match(verb::get, "/f/");
    ASSERT_TRUE(m.matched);
    EXPECT_EQ(m.params["p"], "");
    EXPECT_FALSE(r.Match(verb::get, "/f").matched);
}

TEST(RouterTest, RejectsBadPatterns) {
    Router r;
    r.Add(verb::get, "/a/{id}", H("a"));
    EXPECT_THROW(r.Add(verb::get, "/a/{other}", H("dup")), std::invalid_argument);
    EXPECT_THROW(r.Add(verb::get, "no-slash", H("x")), std::invalid_argument);
    EXPECT_THROW(r.Add(verb::get, "/{r...}/x", H("x")), std::invalid_argument);
    EXPECT_THROW(r.Add(verb::get, "/x", Handler{}), std::invalid_argument);
    EXPECT_NO_THROW(r.Add(verb::post, "/a/{other}", H("post")));
}

TEST(RouterTest, RouteOptionsKept) {
    Router r;
    r.Add(verb::post, "/up", H("u"), RouteOptions{.body_limit = 10, .body_limit_fn = {}, .stream_body = {}});
    EXPECT_EQ(r.Match(verb::post, "/up").route->options.body_limit, 10u);
    EXPECT_EQ(r.fallback().options.body_limit, 32u << 20);
}

net::awaitable<Response> Tag(Request& req, const Next& next, std::string tag) {
    req.headers.insert("X-Trace", tag + "-in");
    Response res = co_await next(req);
    res.body += tag;
    co_return res;
}

net::awaitable<Response> Body(Request& req) {
    std::string trace;
    for (const auto& f : req.headers) {
        trace += std::string(f.value()) + ",";
    }
    co_return Response::Json(200, trace + "|");
}

net::awaitable<Response> ShortCircuit(Request&, const Next&) { co_return Response::Empty(401); }

TEST(RouterTest, MiddlewareRunsInOrderAroundHandler) {
    Router r;
    r.Use([](Request& q, const Next& next) { return Tag(q, next, "A"); });
    r.Use([](Request& q, const Next& next) { return Tag(q, next, "B"); });
    r.Add(verb::get, "/x", [](Request& q) { return Body(q); });
    Request req;
    const auto m = r.Match(verb::get, "/x");
    Response res = testing::RunCo(r.Dispatch(m.route->handler, req));
    EXPECT_EQ(res.body, "A-in,B-in,|BA");

    Router r2;
    r2.Use([](Request& q, const Next& next) { return ShortCircuit(q, next); });
    r2.Add(verb::get, "/x", [](Request& q) { return Body(q); });
    Request req2;
    EXPECT_EQ(testing::RunCo(r2.Dispatch(r2.Match(verb::get, "/x").route->handler, req2)).status,
              401u);
}

}  // namespace
}  // namespace basalt::http
