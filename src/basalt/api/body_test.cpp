#include "basalt/api/body.hpp"

#include <gtest/gtest.h>

#include "basalt/base/json.hpp"

namespace basalt::api {
namespace {

http::Request Req(std::string ctype, std::string body) {
    http::Request r;
    r.headers.set("Content-Type", ctype);
    r.body = std::move(body);
    return r;
}

TEST(Body, InfersFormValuesLikePocketBase) {
    EXPECT_EQ(json::Serialize(InferFormValue("")), "\"\"");
    EXPECT_EQ(json::Serialize(InferFormValue("true")), "true");
    EXPECT_EQ(json::Serialize(InferFormValue("12")), "12");
    EXPECT_EQ(json::Serialize(InferFormValue("-1.5")), "-1.5");
    EXPECT_EQ(json::Serialize(InferFormValue("012")), "\"012\"");
    EXPECT_EQ(json::Serialize(InferFormValue("1.0")), "\"1.0\"");
    EXPECT_EQ(json::Serialize(InferFormValue("abc")), "\"abc\"");
}

TEST(Body, JsonObjectOnly) {
    EXPECT_TRUE(ParseBody(Req("application/json", "{\"a\":1}")));
    EXPECT_FALSE(ParseBody(Req("application/json", "[1]")));
    EXPECT_FALSE(ParseBody(Req("application/json", "{bad")));
    EXPECT_TRUE(ParseBody(Req("application/json", "")));
    EXPECT_FALSE(ParseBody(Req("text/plain", "hello")));
}

TEST(Body, UrlencodedWithRepeatsAndJsonPayload) {
    auto b = ParseBody(Req("application/x-www-form-urlencoded",
                           "a=1&tags=x&tags=y&name=hello+world&%40jsonPayload=%7B%22obj%22%3A%7B%22k%22%3A2%7D%7D"));
    ASSERT_TRUE(b);
    EXPECT_EQ(json::Serialize(b->data), R"({"a":1,"tags":["x","y"],"name":"hello world","obj":{"k":2}})");
}

TEST(Body, Multipart) {
    std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"@jsonPayload\"\r\n\r\n{\"n\":[1,2]}\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nabc\r\n"
        "--XyZ--\r\n";
    auto b = ParseBody(Req("multipart/form-data; boundary=XyZ", body));
    ASSERT_TRUE(b);
    EXPECT_EQ(json::Serialize(b->data), R"({"title":"hello","n":[1,2]})");
    ASSERT_EQ(b->files.size(), 1u);
    EXPECT_EQ(b->files[0].filename, "a.txt");
    EXPECT_EQ(b->files[0].data, "abc");
    EXPECT_FALSE(ParseBody(Req("multipart/form-data; boundary=XyZ", "--XyZ\r\ngarbage")));

    // as Go reads forms: an empty filename is a plain value, paths are cut to the last element
    std::string forms =
        "--XyZ\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"dir/sub/b.txt\"\r\n\r\nb\r\n"
        "--XyZ--\r\n";
    auto f = ParseBody(Req("multipart/form-data; boundary=XyZ", forms));
    ASSERT_TRUE(f);
    EXPECT_EQ(json::Serialize(f->data), R"({"avatar":""})");
    ASSERT_EQ(f->files.size(), 1u);
    EXPECT_EQ(f->files[0].field, "doc");
    EXPECT_EQ(f->files[0].filename, "b.txt");
    EXPECT_FALSE(ParseBody(Req("multipart/form-data", body)));

    // as Go: at most 1000 parts
    std::string many;
    for (int i = 0; i < 1001; ++i) {
        many += "--XyZ\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n";
    }
    EXPECT_TRUE(ParseBody(Req("multipart/form-data; boundary=XyZ", many.substr(0, many.size() / 1001 * 1000) + "--XyZ--")));
    EXPECT_FALSE(ParseBody(Req("multipart/form-data; boundary=XyZ", many + "--XyZ--")));
}

}  // namespace
}  // namespace basalt::api
