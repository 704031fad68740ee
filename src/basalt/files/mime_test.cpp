// Content sniffing looks at the bytes, not at names or declared types.
#include "basalt/files/mime.hpp"

#include <gtest/gtest.h>

#include "basalt/files/test_images.hpp"

namespace basalt::files {
namespace {

TEST(SniffMime, DetectsImagesFromTheirBytes) {
    EXPECT_EQ(SniffMime(testing::MakeImage(8, 8, ".png")), "image/png");
    EXPECT_EQ(SniffMime(testing::MakeImage(8, 8, ".jpg")), "image/jpeg");
    EXPECT_EQ(SniffMime(testing::MakeImage(8, 8, ".gif")), "image/gif");
    EXPECT_EQ(SniffMime(testing::MakeImage(8, 8, ".webp")), "image/webp");
}

TEST(SniffMime, TextPdfAndUnknown) {
    EXPECT_EQ(SniffMime("hello world\n"), "text/plain");
    EXPECT_EQ(SniffMime("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), "application/pdf");
    EXPECT_EQ(SniffMime(""), "application/octet-stream");
    EXPECT_EQ(SniffMime(std::string("\x00\x01\x02\x03\xff\xfe\x00\x10", 8)), "application/octet-stream");
}

TEST(ServedContentType, ExtensionOverridesAndCharset) {
    EXPECT_EQ(ServedContentType("text/plain", "logo.svg"), "image/svg+xml");
    EXPECT_EQ(ServedContentType("text/plain", "a.css"), "text/css; charset=utf-8");
    EXPECT_EQ(ServedContentType("text/plain", "a.txt"), "text/plain; charset=utf-8");
    EXPECT_EQ(ServedContentType("image/png", "a.txt"), "image/png");  // content wins
}

TEST(MimeAllowed, ComparesTheEssenceCaseInsensitively) {
    const std::vector<std::string> allowed{"image/png", "Image/JPEG"};
    EXPECT_TRUE(MimeAllowed("image/png", allowed));
    EXPECT_TRUE(MimeAllowed("image/jpeg; q=1", allowed));
    EXPECT_FALSE(MimeAllowed("text/plain", allowed));
    EXPECT_FALSE(MimeAllowed("image/png", {}));
}

TEST(ExtensionForMime, KnownTypes) {
    EXPECT_EQ(ExtensionForMime("image/png"), ".png");
    EXPECT_EQ(ExtensionForMime("image/jpeg"), ".jpg");
    EXPECT_EQ(ExtensionForMime("application/x-nothing"), "");
}

}  // namespace
}  // namespace basalt::files
