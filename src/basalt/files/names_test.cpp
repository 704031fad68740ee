// Stored names: PocketBase's snake-casing, extension handling and random suffix.
#include "basalt/files/names.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace basalt::files {
namespace {

TEST(Snakecase, MatchesPocketBaseInflector) {
    EXPECT_EQ(Snakecase("logo_vcfJJG5TAh"), "logo_vcf_jjg5_tah");  // a fixture file's base
    EXPECT_EQ(Snakecase("myTestDB"), "my_test_db");
    EXPECT_EQ(Snakecase("  Hello, World!  "), "hello_world");
    EXPECT_EQ(Snakecase("a--b__c"), "a_b_c");
    EXPECT_EQ(Snakecase("été"), "t");  // Go's \W is ASCII-only
    EXPECT_EQ(Snakecase("../../etc/passwd"), "etc_passwd");
}

TEST(ExtractExtension, KeepsOneDoubleExtension) {
    EXPECT_EQ(ExtractExtension("test.txt"), ".txt");
    EXPECT_EQ(ExtractExtension("test.tar.gz"), ".tar.gz");
    EXPECT_EQ(ExtractExtension("test.a.tar.gz"), ".tar.gz");
    EXPECT_EQ(ExtractExtension("noext"), "");
}

TEST(StoredFileName, SanitisedBaseRandomSuffixLowerCaseExtension) {
    const std::regex shape("^test_[a-z0-9]{10}\\.png$");
    const std::string a = StoredFileName("Test.PNG");
    EXPECT_TRUE(std::regex_match(a, shape)) << a;
    EXPECT_NE(a, StoredFileName("Test.PNG"));  // random part differs
    EXPECT_TRUE(std::regex_match(StoredFileName("my photo (1).jpeg"), std::regex("^my_photo_1_[a-z0-9]{10}\\.jpeg$")));
    // a short base gets an extra random part
    EXPECT_TRUE(std::regex_match(StoredFileName("a.txt"), std::regex("^a[a-z0-9]{10}_[a-z0-9]{10}\\.txt$")));
    // no extension: the sniffed one is used; invalid extension characters are dropped
    EXPECT_TRUE(std::regex_match(StoredFileName("blob", ".png"), std::regex("^blob_[a-z0-9]{10}\\.png$")));
    EXPECT_TRUE(std::regex_match(StoredFileName("file.T x$t"), std::regex("^file_[a-z0-9]{10}\\.txt$")));
    // path tricks never survive
    const std::string evil = StoredFileName("../../etc/passwd");
    EXPECT_TRUE(IsSafeFileName(evil)) << evil;
    EXPECT_EQ(evil.find('/'), std::string::npos);
    // long bases are cut to 100 characters
    const std::string longname = StoredFileName(std::string(300, 'a') + ".txt");
    EXPECT_EQ(longname.size(), 100 + 1 + 10 + 4);
}

TEST(IsSafeFileName, RejectsPathsAndHiddenNames) {
    EXPECT_TRUE(IsSafeFileName("test_52iwbgds7l.png"));
    EXPECT_FALSE(IsSafeFileName(""));
    EXPECT_FALSE(IsSafeFileName(".."));
    EXPECT_FALSE(IsSafeFileName(".attrs"));
    EXPECT_FALSE(IsSafeFileName("a/b"));
    EXPECT_FALSE(IsSafeFileName("a\\b"));
    EXPECT_FALSE(IsSafeFileName(std::string("a\0b", 3)));
    EXPECT_FALSE(IsSafeFileName(std::string(256, 'a')));
}

}  // namespace
}  // namespace basalt::files
