// Uploaded files on their way in: written into the storage's staging area as they arrive
// (UploadWriter), then held as shared staged files (StagedFile) until a record write commits
// them or drops them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "basalt/base/result.hpp"
#include "basalt/files/storage.hpp"

namespace basalt::service {

namespace net = boost::asio;

/// One file in the storage's staging area, with what was learnt while writing it. Shared by the
/// upload and every write plan that may commit it (a batch upsert prepares both a create and an
/// update from the same upload); the first CommitTo moves it into place, and the staged file is
/// removed when the last reference goes away without a commit — so a failed or rolled-back
/// write leaves nothing behind. Thread-safe. The storage is App-owned and outlives it.
class StagedFile {
public:
    StagedFile(files::FileStorage* storage, std::string handle, std::uint64_t size, std::string mime)
        : storage_(storage), handle_(std::move(handle)), size_(size), mime_(std::move(mime)) {}
    ~StagedFile();
    StagedFile(const StagedFile&) = delete;
    StagedFile& operator=(const StagedFile&) = delete;

    std::uint64_t size() const { return size_; }
    /// The type sniffed from the content (libmagic), never the client's.
    const std::string& mime() const { return mime_; }

    /// Moves the staged file to `key` (blocking). kFailedPrecondition once it was moved.
    Status CommitTo(const std::string& key);

private:
    files::FileStorage* storage_;
    std::mutex mu_;
    std::string handle_;  // guarded by mu_; empty once committed
    const std::uint64_t size_;
    const std::string mime_;
};

/// One uploaded file as received: a multipart part named `field` (`f`, `f+` or `+f` for a file
/// field `f`), the client's file name (never used as a path) and the staged content.
struct Upload {
    std::string field;
    std::string filename;
    std::shared_ptr<StagedFile> file;
};

/// Stages `content`, already whole in memory (a file the server fetched itself, e.g. an OAuth2
/// avatar), as an upload of `field` named `filename`: the same sniffing and metadata as
/// UploadWriter. Blocking: call it on the blocking pool.
Result<Upload> StageContent(files::FileStorage* storage, std::string field, std::string filename, std::string_view content);

/// Receives one uploaded file piece by piece and stages it: pieces are gathered up to
/// kFlushBytes and written on the blocking pool, the first 64 KiB are sniffed for the type, and
/// nothing of the file is kept in memory beyond the pending piece. Destroying the writer before
/// Finish removes what was written. Used by one request coroutine at a time; the storage and the
/// executor are App-owned.
class UploadWriter {
public:
    static constexpr std::size_t kFlushBytes = 1u << 20;

    UploadWriter(files::FileStorage* storage, net::any_io_executor blocking, std::string field, std::string filename);
    ~UploadWriter();
    UploadWriter(const UploadWriter&) = delete;
    UploadWriter& operator=(const UploadWriter&) = delete;

    /// Appends `data` (copied before the call suspends).
    net::awaitable<Status> Write(std::string_view data);
    /// Writes what is pending and completes the staged file (metadata included).
    net::awaitable<Result<Upload>> Finish();

    std::uint64_t size() const { return size_; }

private:
    struct State;
    net::awaitable<Status> Flush();

    net::any_io_executor blocking_;
    std::string field_;
    std::string filename_;
    std::shared_ptr<State> state_;  // shared with the blocking pool's work in flight
    std::string pending_;
    std::uint64_t size_ = 0;
    bool finished_ = false;
};

}  // namespace basalt::service
