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

std::string Md5Base64(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr) != 1) {
        return {};
    }
    return Base64(md.data(), len);
}

/// gocloud fileblob's sidecar, as PocketBase writes it.
std::string AttrsJson(std::string_view data, const FileAttrs& attrs) {
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
    o["md5"] = Md5Base64(data);
    return boost::json::serialize(o);
}

Error IoError(std::string_view what, const fs::path& p, int err) {
    return Internal(std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

/// Writes `data` to `path` (created exclusively) and fsyncs it.
Status WriteFileSynced(const fs::path& path, std::string_view data) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return IoError("create", path, errno);
    }
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            ::close(fd);
            ::unlink(path.c_str());
            return IoError("write", path, err);
        }
        done += static_cast<std::size_t>(n);
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

Result<std::string> LocalStorage::Stage(std::string_view data, const FileAttrs& attrs) {
    std::error_code ec;
    fs::create_directories(staging_, ec);
    if (ec) {
        return Internal("create " + staging_.string() + ": " + ec.message());
    }
    std::string handle = RandomString(24, kAlphabetLowerNum);
    const fs::path p = staging_ / handle;
    BASALT_RETURN_IF_ERROR(WriteFileSynced(p, data));
    if (auto st = WriteFileSynced(AttrsPath(p), AttrsJson(data, attrs)); !st) {
        fs::remove(p, ec);
        return st.error();
    }
    return handle;
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
