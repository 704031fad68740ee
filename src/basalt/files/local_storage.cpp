// Local filesystem FileStorage (see local_storage.hpp).
#include "basalt/files/local_storage.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "basalt/base/random.hpp"
#include "basalt/files/names.hpp"

namespace basalt::files {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kAttrsSuffix = ".attrs";

std::string Base64(const unsigned char* p, std::size_t n) {
    std::string out(4 * ((n + 2) / 3) + 1, '\0');
    const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
    out.resize(static_cast<std::size_t>(std::max(len, 0)));
    return out;
}

/// Incremental MD5 (gocloud's attrs keep the content's MD5, base64).
class Md5 {
public:
    Md5() : ctx_(EVP_MD_CTX_new()) {
        if (ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr) != 1) {
            EVP_MD_CTX_free(ctx_);
            ctx_ = nullptr;
        }
    }
    ~Md5() { EVP_MD_CTX_free(ctx_); }
    Md5(const Md5&) = delete;
    Md5& operator=(const Md5&) = delete;

    void Update(std::string_view data) {
        if (ctx_ != nullptr && EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
            EVP_MD_CTX_free(ctx_);
            ctx_ = nullptr;
        }
    }

    /// The digest in base64, "" if hashing failed.
    std::string Base64Digest() {
        std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
        unsigned int len = 0;
        if (ctx_ == nullptr || EVP_DigestFinal_ex(ctx_, md.data(), &len) != 1) {
            return {};
        }
        return Base64(md.data(), len);
    }

private:
    EVP_MD_CTX* ctx_;
};

/// gocloud fileblob's sidecar, as PocketBase writes it.
std::string AttrsJson(const std::string& md5, const FileAttrs& attrs) {
    boost::json::object o;
    o["user.cache_control"] = "";
    o["user.content_disposition"] = "";
    o["user.content_encoding"] = "";
    o["user.content_language"] = "";
    o["user.content_type"] = attrs.content_type;
    if (attrs.original_name.empty()) {
        o["user.metadata"] = nullptr;
    } else {
        o["user.metadata"] = boost::json::object{{"original-filename", attrs.original_name}};
    }
    o["md5"] = md5;
    return boost::json::serialize(o);
}

Error IoError(std::string_view what, const fs::path& p, int err) {
    return Internal(std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

/// Writes all of `data` to `fd`; 0 or errno.
int WriteAll(int fd, std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

/// Writes `data` to `path` (created exclusively) and fsyncs it.
Status WriteFileSynced(const fs::path& path, std::string_view data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return IoError("create", path, errno);
    }
    if (const int err = WriteAll(fd, data); err != 0) {
        ::close(fd);
        ::unlink(path.c_str());
        return IoError("write", path, err);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(path.c_str());
        return IoError("fsync", path, err);
    }
    ::close(fd);
    return Ok();
}

fs::path AttrsPath(const fs::path& p) {
    fs::path a = p;
    a += kAttrsSuffix;
    return a;
}

/// A staged file being written: `<staging>/<handle>`, its `.attrs` written by Finish.
class LocalStagingWriter final : public StagingWriter {
public:
    LocalStagingWriter(int fd, fs::path path, std::string handle)
        : fd_(fd), path_(std::move(path)), handle_(std::move(handle)) {}

    ~LocalStagingWriter() override {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        if (!finished_) {
            std::error_code ec;
            fs::remove(path_, ec);
            fs::remove(AttrsPath(path_), ec);
        }
    }

    LocalStagingWriter(const LocalStagingWriter&) = delete;
    LocalStagingWriter& operator=(const LocalStagingWriter&) = delete;

    Status Write(std::string_view data) override {
        if (fd_ < 0) {
            return Internal("write to a finished staging file");
        }
        if (const int err = WriteAll(fd_, data); err != 0) {
            return IoError("write", path_, err);
        }
        md5_.Update(data);
        size_ += data.size();
        return Ok();
    }

    std::uint64_t size() const override { return size_; }

    Result<std::string> Finish(const FileAttrs& attrs) override {
        if (fd_ < 0) {
            return Internal("staging file finished twice");
        }
        const int fd = fd_;
        fd_ = -1;
        if (::fsync(fd) != 0) {
            const int err = errno;
            ::close(fd);
            return IoError("fsync", path_, err);
        }
        if (::close(fd) != 0) {
            return IoError("close", path_, errno);
        }
        BASALT_RETURN_IF_ERROR(WriteFileSynced(AttrsPath(path_), AttrsJson(md5_.Base64Digest(), attrs)));
        finished_ = true;
        return handle_;
    }

private:
    int fd_;
    fs::path path_;
    std::string handle_;
    Md5 md5_;
    std::uint64_t size_ = 0;
    bool finished_ = false;
};

/// An open stored file (pread on a descriptor; sendfile-able).
class LocalFileReader final : public FileReader {
public:
    LocalFileReader(int fd, FileInfo info, fs::path path) : fd_(fd), info_(info), path_(std::move(path)) {}
    ~LocalFileReader() override { ::close(fd_); }
    LocalFileReader(const LocalFileReader&) = delete;
    LocalFileReader& operator=(const LocalFileReader&) = delete;

    FileInfo info() const override { return info_; }

    Result<std::size_t> ReadAt(std::uint64_t offset, std::span<char> out) const override {
        std::size_t done = 0;
        while (done < out.size()) {
            const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return IoError("read", path_, errno);
            }
            if (n == 0) {
                break;
            }
            done += static_cast<std::size_t>(n);
        }
        return done;
    }

    int NativeHandle() const override { return fd_; }

private:
    int fd_;
    FileInfo info_;
    fs::path path_;
};

}  // namespace

bool IsValidKey(std::string_view key) {
    if (key.empty() || key.size() > 1024 || key.front() == '/') {
        return false;
    }
    std::size_t start = 0;
    while (start <= key.size()) {
        const std::size_t slash = key.find('/', start);
        const std::string_view seg = key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (seg.empty() || seg == "." || seg == ".." || seg.find('\\') != std::string_view::npos ||
            seg.find('\0') != std::string_view::npos) {
            return false;
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return true;
}

LocalStorage::LocalStorage(fs::path root) : root_(std::move(root)), staging_(root_ / ".basalt_tmp") {}

void LocalStorage::CleanStaging() {
    std::error_code ec;
    fs::remove_all(staging_, ec);
}

Result<fs::path> LocalStorage::PathOf(const std::string& key) const {
    if (!IsValidKey(key)) {
        return InvalidArgument("Invalid file key.");
    }
    return root_ / key;
}

Result<std::unique_ptr<StagingWriter>> LocalStorage::BeginStage() {
    std::error_code ec;
    fs::create_directories(staging_, ec);
    if (ec) {
        return Internal("create " + staging_.string() + ": " + ec.message());
    }
    std::string handle = RandomString(24, kAlphabetLowerNum);
    fs::path p = staging_ / handle;
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return IoError("create", p, errno);
    }
    return std::unique_ptr<StagingWriter>(std::make_unique<LocalStagingWriter>(fd, std::move(p), std::move(handle)));
}

Status LocalStorage::Commit(const std::string& staged, const std::string& key) {
    if (!IsSafeFileName(staged)) {
        return InvalidArgument("Invalid staging handle.");
    }
    BASALT_TRY(fs::path dest, PathOf(key));
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) {
        return Internal("create " + dest.parent_path().string() + ": " + ec.message());
    }
    const fs::path src = staging_ / staged;
    fs::rename(AttrsPath(src), AttrsPath(dest), ec);  // metadata first: never a file without it
    fs::rename(src, dest, ec);
    if (ec) {
        return Internal("rename " + src.string() + " -> " + dest.string() + ": " + ec.message());
    }
    return Ok();
}

void LocalStorage::Discard(const std::string& staged) {
    if (!IsSafeFileName(staged)) {
        return;
    }
    std::error_code ec;
    const fs::path p = staging_ / staged;
    fs::remove(p, ec);
    fs::remove(AttrsPath(p), ec);
}

Status LocalStorage::WriteAtomic(const std::string& key, std::string_view data, const FileAttrs& attrs) {
    BASALT_TRY(std::string staged, Stage(data, attrs));
    auto st = Commit(staged, key);
    if (!st) {
        Discard(staged);
    }
    return st;
}

Result<std::optional<FileInfo>> LocalStorage::Stat(const std::string& key) {
    BASALT_TRY(fs::path p, PathOf(key));
    struct stat sb {};
    if (::stat(p.c_str(), &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return std::optional<FileInfo>{};
        }
        return IoError("stat", p, errno);
    }
    if (!S_ISREG(sb.st_mode)) {
        return std::optional<FileInfo>{};
    }
    return std::optional<FileInfo>(FileInfo{static_cast<std::uint64_t>(sb.st_size), static_cast<std::int64_t>(sb.st_mtime)});
}

std::optional<FileAttrs> LocalStorage::Attrs(const std::string& key) {
    auto p = PathOf(key);
    if (!p) {
        return std::nullopt;
    }
    std::ifstream in(AttrsPath(*p), std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) {
        return std::nullopt;
    }
    FileAttrs a;
    const auto& o = v.get_object();
    if (auto it = o.find("user.content_type"); it != o.end() && it->value().is_string()) {
        a.content_type = std::string(it->value().get_string());
    }
    if (auto it = o.find("user.metadata"); it != o.end() && it->value().is_object()) {
        const auto& m = it->value().get_object();
        if (auto f = m.find("original-filename"); f != m.end() && f->value().is_string()) {
            a.original_name = std::string(f->value().get_string());
        }
    }
    return a;
}

Result<std::string> LocalStorage::Read(const std::string& key, std::uint64_t offset, std::uint64_t length) {
    BASALT_TRY(fs::path p, PathOf(key));
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return NotFound();
        }
        return IoError("open", p, errno);
    }
    std::string out;
    out.resize(static_cast<std::size_t>(length));
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            ::close(fd);
            return IoError("read", p, err);
        }
        if (n == 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(done);
    return out;
}

Result<std::unique_ptr<FileReader>> LocalStorage::Open(const std::string& key) {
    BASALT_TRY(fs::path p, PathOf(key));
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return NotFound();
        }
        return IoError("open", p, errno);
    }
    struct stat sb {};
    if (::fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        ::close(fd);
        return NotFound();
    }
    return std::unique_ptr<FileReader>(
        std::make_unique<LocalFileReader>(
            fd,
            FileInfo{static_cast<std::uint64_t>(sb.st_size), static_cast<std::int64_t>(sb.st_mtime)},
            std::move(p)));
}

Status LocalStorage::Delete(const std::string& key) {
    BASALT_TRY(fs::path p, PathOf(key));
    std::error_code ec;
    fs::remove(p, ec);
    fs::remove(AttrsPath(p), ec);
    fs::path thumbs = p.parent_path() / ("thumbs_" + p.filename().string());
    fs::remove_all(thumbs, ec);
    if (ec) {
        return Internal("delete " + thumbs.string() + ": " + ec.message());
    }
    return Ok();
}

Status LocalStorage::DeletePrefix(const std::string& prefix) {
    BASALT_TRY(fs::path p, PathOf(prefix));
    std::error_code ec;
    fs::remove_all(p, ec);
    if (ec) {
        return Internal("delete " + p.string() + ": " + ec.message());
    }
    return Ok();
}

}  // namespace basalt::files
