// Thumb sizes and the libvips scaling modes (sizes checked on decoded output, crops on pixels).
#include "basalt/files/thumbs.hpp"

#include <gtest/gtest.h>

#include "basalt/files/mime.hpp"
#include "basalt/files/test_images.hpp"

namespace basalt::files {
namespace {

using testing::Decode;
using testing::MakeImage;

TEST(ParseThumbSize, AcceptsPocketBaseForms) {
    auto t = ParseThumbSize("100x50t");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->width, 100);
    EXPECT_EQ(t->height, 50);
    EXPECT_EQ(t->mode, ThumbSize::Mode::kTop);
    EXPECT_EQ(ParseThumbSize("70x50b")->mode, ThumbSize::Mode::kBottom);
    EXPECT_EQ(ParseThumbSize("70x50f")->mode, ThumbSize::Mode::kFit);
    EXPECT_EQ(ParseThumbSize("70x50")->mode, ThumbSize::Mode::kCenter);
    EXPECT_EQ(ParseThumbSize("0x50")->width, 0);
    EXPECT_EQ(ParseThumbSize("70x0")->height, 0);
}

TEST(ParseThumbSize, RejectsEverythingElse) {
    for (const char* bad : {"", "x", "100", "0x0", "0x50t", "70x0f", "-1x5", "10x10z", "10X10", "a10x10",
                            "99999x1", " 10x10", "10x10tt", "100000x1"}) {
        EXPECT_FALSE(ParseThumbSize(bad)) << bad;
    }
}

TEST(IsThumbableType, ImagesPocketBaseThumbs) {
    EXPECT_TRUE(IsThumbableType("image/png"));
    EXPECT_TRUE(IsThumbableType("image/jpeg"));
    EXPECT_TRUE(IsThumbableType("image/gif"));
    EXPECT_TRUE(IsThumbableType("image/webp"));
    EXPECT_FALSE(IsThumbableType("image/svg+xml"));
    EXPECT_FALSE(IsThumbableType("text/plain; charset=utf-8"));
}

struct ModeCase {
    const char* size;
    int in_w, in_h;
    int out_w, out_h;
};

class ThumbModes : public ::testing::TestWithParam<ModeCase> {};

TEST_P(ThumbModes, ProducesPocketBaseDimensions) {
    const ModeCase& c = GetParam();
    const std::string src = MakeImage(c.in_w, c.in_h, ".png");
    ASSERT_FALSE(src.empty());
    auto thumb = MakeThumb(src, "image/png", *ParseThumbSize(c.size));
    ASSERT_TRUE(thumb) << thumb.error().message;
    EXPECT_EQ(SniffMime(*thumb), "image/png");
    auto d = Decode(*thumb);
    EXPECT_EQ(d.width, c.out_w) << c.size;
    EXPECT_EQ(d.height, c.out_h) << c.size;
}

INSTANTIATE_TEST_SUITE_P(Modes, ThumbModes,
                         ::testing::Values(ModeCase{"100x100", 300, 200, 100, 100},
                                           ModeCase{"70x50", 300, 300, 70, 50},
                                           ModeCase{"70x50t", 300, 300, 70, 50},
                                           ModeCase{"70x50b", 300, 300, 70, 50},
                                           ModeCase{"70x50f", 300, 300, 50, 50},
                                           ModeCase{"70x50f", 40, 20, 40, 20},  // fit never enlarges
                                           ModeCase{"0x50", 300, 150, 100, 50},
                                           ModeCase{"70x0", 140, 300, 70, 150},
                                           ModeCase{"600x0", 300, 100, 600, 200}));

TEST(MakeThumb, TopAndBottomCropKeepTheirEdge) {
    // top half black, bottom half white; a wide crop of a tall image keeps the chosen edge
    const std::string src = MakeImage(100, 400, ".png");
    auto top = MakeThumb(src, "image/png", *ParseThumbSize("100x50t"));
    auto bottom = MakeThumb(src, "image/png", *ParseThumbSize("100x50b"));
    ASSERT_TRUE(top && bottom);
    EXPECT_LT(Decode(*top).bottom_left, 10);      // all black
    EXPECT_GT(Decode(*bottom).top_left, 245);     // all white
}

TEST(MakeThumb, KeepsTheFormat) {
    for (const char* fmt : {".jpg", ".gif", ".webp"}) {
        const std::string src = MakeImage(64, 64, fmt);
        const std::string type = SniffMime(src);
        auto thumb = MakeThumb(src, type, *ParseThumbSize("16x16"));
        ASSERT_TRUE(thumb) << fmt << ": " << thumb.error().message;
        EXPECT_EQ(SniffMime(*thumb), type);
        EXPECT_EQ(Decode(*thumb).width, 16);
    }
}

TEST(MakeThumb, JpegsWithExifOrientationComeOutUpright) {
    // stored 200 x 100, top half black; orientation 6 = "rotate 90° clockwise to display": the
    // image as seen is 100 x 200 with the black half on the right
    const std::string src = testing::MakeImage(200, 100, ".jpg", 6);
    ASSERT_FALSE(src.empty());
    auto half = MakeThumb(src, "image/jpeg", *ParseThumbSize("50x0"));
    ASSERT_TRUE(half) << half.error().message;
    auto d = Decode(*half);
    EXPECT_EQ(d.width, 50);
    EXPECT_EQ(d.height, 100);
    EXPECT_GT(d.top_left, 200);  // left column is the (formerly bottom) white half
    auto fit = MakeThumb(src, "image/jpeg", *ParseThumbSize("100x100f"));
    ASSERT_TRUE(fit);
    EXPECT_EQ(Decode(*fit).width, 50);
    EXPECT_EQ(Decode(*fit).height, 100);
    auto cover = MakeThumb(src, "image/jpeg", *ParseThumbSize("40x60"));
    ASSERT_TRUE(cover);
    EXPECT_EQ(Decode(*cover).width, 40);
    EXPECT_EQ(Decode(*cover).height, 60);
    // the thumb carries no orientation any more (it is upright)
    EXPECT_EQ(testing::Orientation(*half), 1);
    // without the tag nothing turns
    auto plain = MakeThumb(testing::MakeImage(200, 100, ".jpg"), "image/jpeg", *ParseThumbSize("50x0"));
    ASSERT_TRUE(plain);
    EXPECT_EQ(Decode(*plain).width, 50);
    EXPECT_EQ(Decode(*plain).height, 25);
}

TEST(MakeThumb, LargeJpegsShrinkOnLoad) {
    // 2 MP: the thumb comes out right (speed is measured by bench/files.sh, not asserted)
    const std::string src = testing::MakeImage(1920, 1080, ".jpg");
    auto t = MakeThumb(src, "image/jpeg", *ParseThumbSize("100x100"));
    ASSERT_TRUE(t);
    EXPECT_EQ(Decode(*t).width, 100);
    EXPECT_EQ(Decode(*t).height, 100);
}

TEST(MakeThumb, RefusesGarbageAndHugeImages) {
    EXPECT_FALSE(MakeThumb("not an image", "image/png", *ParseThumbSize("10x10")));
    EXPECT_FALSE(MakeThumb(MakeImage(8, 8, ".png"), "image/svg+xml", *ParseThumbSize("10x10")));
    // 8000 x 8000 = 64 MP > the pixel limit: refused from the header, before decoding
    const std::string huge = MakeImage(8000, 8000, ".png");
    ASSERT_FALSE(huge.empty());
    auto r = MakeThumb(huge, "image/png", *ParseThumbSize("10x10"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace basalt::files
