// LocalStorage: PocketBase's layout, staging invisible until commit, atomic replacement, safe keys.
#include "basalt/files/local_storage.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "basalt/base/random.hpp"

namespace basalt::files {
namespace {

namespace fs = std::filesystem;

class LocalStorageTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("basalt_files_test_" + RandomString(8, kAlphabetLowerNum));
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string Slurp(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    fs::path dir_;
};

TEST_F(LocalStorageTest, StagedFilesAreInvisibleUntilCommitted) {
    LocalStorage s(dir_);
    auto staged = s.Stage("hello", {"text/plain; charset=utf-8", "hello.txt"});
    ASSERT_TRUE(staged);
    const std::string key = FileKey("col", "rec", "hello_abc.txt");
    EXPECT_FALSE(fs::exists(dir_ / "col"));
    EXPECT_FALSE(*s.Stat(key));
    ASSERT_TRUE(s.Commit(*staged, key));
    EXPECT_EQ(Slurp(dir_ / "col" / "rec" / "hello_abc.txt"), "hello");
    // the staging area is empty again and the gocloud sidecar exists
    EXPECT_TRUE(fs::is_empty(dir_ / ".basalt_tmp"));
    const std::string attrs = Slurp(dir_ / "col" / "rec" / "hello_abc.txt.attrs");
    EXPECT_NE(attrs.find(R"("user.content_type":"text/plain; charset=utf-8")"), std::string::npos) << attrs;
    EXPECT_NE(attrs.find(R"("original-filename":"hello.txt")"), std::string::npos) << attrs;
    EXPECT_NE(attrs.find(R"("md5":"XUFAKrxLKna5cZ2REBfFkg==")"), std::string::npos) << attrs;
    auto a = s.Attrs(key);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->content_type, "text/plain; charset=utf-8");
    auto info = s.Stat(key);
    ASSERT_TRUE(info && *info);
    EXPECT_EQ((*info)->size, 5u);
    auto part = s.Read(key, 1, 3);
    ASSERT_TRUE(part);
    EXPECT_EQ(*part, "ell");
}

TEST_F(LocalStorageTest, DiscardLeavesNothing) {
    LocalStorage s(dir_);
    auto staged = s.Stage("data", {});
    ASSERT_TRUE(staged);
    s.Discard(*staged);
    EXPECT_TRUE(fs::is_empty(dir_ / ".basalt_tmp"));
    s.CleanStaging();
    EXPECT_FALSE(fs::exists(dir_ / ".basalt_tmp"));
}

TEST_F(LocalStorageTest, WriteAtomicReplacesWholeFiles) {
    LocalStorage s(dir_);
    const std::string key = FileKey("c", "r", "thumbs_a.png/10x10_a.png");
    ASSERT_TRUE(s.WriteAtomic(key, "first", {"image/png", ""}));
    ASSERT_TRUE(s.WriteAtomic(key, "second!", {"image/png", ""}));
    EXPECT_EQ(Slurp(dir_ / "c" / "r" / "thumbs_a.png" / "10x10_a.png"), "second!");
}

TEST_F(LocalStorageTest, DeleteRemovesMetadataAndThumbs) {
    LocalStorage s(dir_);
    const std::string key = FileKey("c", "r", "a.png");
    ASSERT_TRUE(s.WriteAtomic(key, "img", {"image/png", ""}));
    ASSERT_TRUE(s.WriteAtomic(ThumbKey("c", "r", "a.png", "10x10"), "t", {"image/png", ""}));
    ASSERT_TRUE(s.WriteAtomic(FileKey("c", "r", "b.png"), "other", {"image/png", ""}));
    ASSERT_TRUE(s.Delete(key));
    EXPECT_FALSE(fs::exists(dir_ / "c" / "r" / "a.png"));
    EXPECT_FALSE(fs::exists(dir_ / "c" / "r" / "a.png.attrs"));
    EXPECT_FALSE(fs::exists(dir_ / "c" / "r" / "thumbs_a.png"));
    EXPECT_TRUE(fs::exists(dir_ / "c" / "r" / "b.png"));
    ASSERT_TRUE(s.DeletePrefix(FileKey("c", "r")));
    EXPECT_FALSE(fs::exists(dir_ / "c" / "r"));
    EXPECT_TRUE(s.Delete(key));  // deleting what is gone is fine
}

TEST_F(LocalStorageTest, StreamedStagingWritesPieceByPiece) {
    LocalStorage s(dir_);
    auto w = s.BeginStage();
    ASSERT_TRUE(w);
    // "hello" in three writes: same bytes and the same MD5 as a one-shot Stage
    ASSERT_TRUE((*w)->Write("he"));
    ASSERT_TRUE((*w)->Write(""));
    ASSERT_TRUE((*w)->Write("llo"));
    EXPECT_EQ((*w)->size(), 5u);
    auto handle = (*w)->Finish({"text/plain; charset=utf-8", "hello.txt"});
    ASSERT_TRUE(handle);
    EXPECT_FALSE((*w)->Write("more"));  // spent
    w->reset();                         // destroying a finished writer keeps the staged file
    const std::string key = FileKey("col", "rec", "hello_abc.txt");
    ASSERT_TRUE(s.Commit(*handle, key));
    EXPECT_EQ(Slurp(dir_ / "col" / "rec" / "hello_abc.txt"), "hello");
    EXPECT_NE(Slurp(dir_ / "col" / "rec" / "hello_abc.txt.attrs").find(R"("md5":"XUFAKrxLKna5cZ2REBfFkg==")"),
              std::string::npos);
    EXPECT_TRUE(fs::is_empty(dir_ / ".basalt_tmp"));
}

TEST_F(LocalStorageTest, AnUnfinishedStagingWriterLeavesNothing) {
    LocalStorage s(dir_);
    {
        auto w = s.BeginStage();
        ASSERT_TRUE(w);
        ASSERT_TRUE((*w)->Write(std::string(100000, 'x')));
        EXPECT_FALSE(fs::is_empty(dir_ / ".basalt_tmp"));
    }  // an upload that failed half-way
    EXPECT_TRUE(fs::is_empty(dir_ / ".basalt_tmp"));
}

TEST_F(LocalStorageTest, OpenedFilesReadAtOffsetsAndOutliveReplacement) {
    LocalStorage s(dir_);
    const std::string key = FileKey("c", "r", "a.bin");
    ASSERT_TRUE(s.WriteAtomic(key, "0123456789", {"application/octet-stream", ""}));
    auto f = s.Open(key);
    ASSERT_TRUE(f);
    EXPECT_EQ((*f)->info().size, 10u);
    EXPECT_GT((*f)->info().mtime_unix, 0);
    EXPECT_GE((*f)->NativeHandle(), 0);
    std::string buf(4, '\0');
    auto n = (*f)->ReadAt(3, buf);
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 4u);
    EXPECT_EQ(buf, "3456");
    n = (*f)->ReadAt(8, buf);  // short at the end
    ASSERT_TRUE(n);
    EXPECT_EQ(buf.substr(0, *n), "89");
    // a reader keeps what it opened while the key is replaced
    ASSERT_TRUE(s.WriteAtomic(key, "abc", {"application/octet-stream", ""}));
    n = (*f)->ReadAt(0, buf);
    ASSERT_TRUE(n);
    EXPECT_EQ(buf, "0123");
    auto missing = s.Open(FileKey("c", "r", "nope.bin"));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_FALSE(s.Open(FileKey("c", "r")));  // a directory is not a file
    EXPECT_FALSE(s.Open("../x"));
}

TEST_F(LocalStorageTest, KeysCannotEscapeTheRoot) {
    LocalStorage s(dir_);
    for (const char* bad : {"../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "", "a\\..\\b"}) {
        EXPECT_FALSE(IsValidKey(bad)) << bad;
        EXPECT_FALSE(s.Read(bad, 0, 10)) << bad;
        EXPECT_FALSE(s.Stat(bad)) << bad;
        EXPECT_FALSE(s.DeletePrefix(bad)) << bad;
    }
    EXPECT_TRUE(IsValidKey("col/rec/file.txt"));
}

}  // namespace
}  // namespace basalt::files
