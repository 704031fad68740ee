// The incremental multipart parser: same parts whatever the input is split into, delimiters
// split across pieces, near-delimiters inside data, and malformed bodies.
#include "basalt/api/multipart.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace basalt::api {
namespace {

struct Parsed {
    std::vector<MultipartParser::Part> parts;
    std::vector<std::string> data;
    bool ok = false;
    std::size_t max_piece = 0;
};

/// Feeds `body` in pieces of `step` bytes.
Parsed ParseAll(std::string_view boundary, std::string_view body, std::size_t step) {
    Parsed out;
    MultipartParser p(boundary);
    std::size_t fed = 0;
    for (;;) {
        auto ev = p.Next();
        if (!ev) {
            return out;
        }
        switch (*ev) {
            case MultipartParser::Event::kNeedMore:
                if (fed >= body.size()) {
                    p.FinishInput();
                } else {
                    p.Feed(body.substr(fed, step));
                    fed += step;
                }
                break;
            case MultipartParser::Event::kPartBegin:
                out.parts.push_back(p.part());
                out.data.emplace_back();
                break;
            case MultipartParser::Event::kData:
                EXPECT_FALSE(p.data().empty());
                out.max_piece = std::max(out.max_piece, p.data().size());
                out.data.back().append(p.data());
                break;
            case MultipartParser::Event::kPartEnd: break;
            case MultipartParser::Event::kDone: out.ok = true; return out;
        }
    }
}

const std::string kBody =
    "preamble to ignore\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
    "--XyZ  \r\ncontent-disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\n"
    "Content-Type: text/plain\r\n\r\nline\r\n--XyZa not a delimiter\r\n--Xy\r\n\r\n"
    "--XyZ\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
    "--XyZ--\r\nepilogue";

TEST(MultipartParser, SamePartsWhateverThePieces) {
    for (std::size_t step : {1u, 2u, 3u, 7u, 64u, 100000u}) {
        Parsed r = ParseAll("XyZ", kBody, step);
        ASSERT_TRUE(r.ok) << step;
        ASSERT_EQ(r.parts.size(), 3u) << step;
        EXPECT_EQ(r.parts[0].name, "title");
        EXPECT_EQ(r.data[0], "hello");
        EXPECT_EQ(r.parts[1].name, "file");
        EXPECT_EQ(r.parts[1].filename, "a b.txt");
        EXPECT_EQ(r.parts[1].content_type, "text/plain");
        EXPECT_EQ(r.data[1], "line\r\n--XyZa not a delimiter\r\n--Xy\r\n") << step;
        EXPECT_EQ(r.parts[2].name, "empty");
        EXPECT_EQ(r.data[2], "");
    }
}

TEST(MultipartParser, LargePartsComeOutAsTheyArrive) {
    std::string big(3u << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4099) {
        big[i] = '\r';  // plenty of near-delimiter starts
    }
    const std::string body = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n" + big +
                             "\r\n--b--\r\n";
    Parsed r = ParseAll("b", body, 65536);
    ASSERT_TRUE(r.ok);
    ASSERT_EQ(r.data.size(), 1u);
    EXPECT_TRUE(r.data[0] == big);
    EXPECT_LE(r.max_piece, 65536u + 8);  // never more than about one input piece at a time
}

TEST(MultipartParser, MalformedBodies) {
    const std::vector<std::string> bad = {
        "",                                                       // nothing
        "no delimiter at all",                                    //
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ",  // no closing "--"
        "--XyZjunk\r\n\r\nx\r\n--XyZ--",                          // text after the delimiter
        "--XyZ\r\nbad header line\r\n\r\nx\r\n--XyZ--",           // header without a colon
        "--XyZ\r\nX: " + std::string(20000, 'a') + "\r\n\r\nx\r\n--XyZ--",  // header section too large
    };
    for (const auto& b : bad) {
        for (std::size_t step : {1u, 5000u, 1000000u}) {
            EXPECT_FALSE(ParseAll("XyZ", b, step).ok) << b.substr(0, 60) << " / " << step;
        }
    }
}

TEST(MultipartParser, PartsWithoutHeadersAndHeaderParams) {
    Parsed r = ParseAll("q", "--q\r\n\r\nraw\r\n--q--", 3);
    ASSERT_TRUE(r.ok);
    ASSERT_EQ(r.parts.size(), 1u);
    EXPECT_EQ(r.parts[0].name, "");
    EXPECT_EQ(r.data[0], "raw");
    EXPECT_EQ(HeaderParam("form-data; name=\"a\"; filename=b.txt", "filename"), "b.txt");
    EXPECT_EQ(HeaderParam("multipart/form-data; boundary=----x", "boundary"), "----x");
    EXPECT_EQ(HeaderParam("form-data", "name"), "");
}

}  // namespace
}  // namespace basalt::api
