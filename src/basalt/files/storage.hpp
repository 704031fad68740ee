// FileStorage: where record files live. Keys are relative '/'-separated paths in PocketBase's
// layout ("<collectionId>/<recordId>/<filename>", thumbs under "thumbs_<filename>/"). The local
// filesystem implements it (local_storage.hpp); an S3-compatible backend can implement it later.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "basalt/base/result.hpp"

namespace basalt::files {

struct FileInfo {
    std::uint64_t size = 0;
    std::int64_t mtime_unix = 0;  ///< last modification, Unix seconds
};

/// Blob metadata PocketBase keeps beside each file (gocloud's `<file>.attrs`).
struct FileAttrs {
    std::string content_type;
    std::string original_name;  ///< empty when unknown
};

/// A file being written into the staging area piece by piece (an upload as it arrives), so no
/// file is ever held whole in memory. Nothing is visible under any key until the handle Finish
/// returns is committed. Destroying the writer before Finish succeeded removes what was
/// written. Blocking; used by one thread at a time.
class StagingWriter {
public:
    virtual ~StagingWriter() = default;
    /// Appends `data`.
    virtual Status Write(std::string_view data) = 0;
    /// Bytes written so far.
    virtual std::uint64_t size() const = 0;
    /// Completes the file (durably) with its metadata and returns its staging handle for
    /// FileStorage::Commit / Discard. The writer is spent afterwards.
    virtual Result<std::string> Finish(const FileAttrs& attrs) = 0;
};

/// An open stored file: random reads for ranges and thumbs. Reads see the content the file had
/// when it was opened (a replaced or deleted file stays readable through it). Blocking (except
/// NativeHandle); thread-safe.
class FileReader {
public:
    virtual ~FileReader() = default;
    /// Size and mtime when opened.
    virtual FileInfo info() const = 0;
    /// Up to `out.size()` bytes at `offset` (fewer only at the end of the file).
    virtual Result<std::size_t> ReadAt(std::uint64_t offset, std::span<char> out) const = 0;
    /// A readable descriptor for zero-copy sends, -1 when the storage has none (a bucket).
    virtual int NativeHandle() const { return -1; }
};

/// Blocking storage operations; call them from the blocking pool, never a network thread.
/// Implementations are thread-safe. Every key is validated (no "..", no absolute paths): an
/// invalid key is kInvalidArgument.
class FileStorage {
public:
    virtual ~FileStorage() = default;

    /// Starts a file in the private staging area (see StagingWriter).
    virtual Result<std::unique_ptr<StagingWriter>> BeginStage() = 0;
    /// Writes `data` to the staging area at once and returns a staging handle (BeginStage +
    /// Write + Finish).
    Result<std::string> Stage(std::string_view data, const FileAttrs& attrs) {
        BASALT_TRY(auto w, BeginStage());
        BASALT_RETURN_IF_ERROR(w->Write(data));
        return w->Finish(attrs);
    }
    /// Moves a staged file to `key` (atomically replacing any file there).
    virtual Status Commit(const std::string& staged, const std::string& key) = 0;
    /// Drops a staged file that will not be committed (no error if already gone).
    virtual void Discard(const std::string& staged) = 0;

    /// Writes `data` under `key` atomically (temp file + rename): readers see the old or the
    /// new content, never a partial file.
    virtual Status WriteAtomic(const std::string& key, std::string_view data, const FileAttrs& attrs) = 0;

    /// Size and mtime, nullopt when there is no file under `key`.
    virtual Result<std::optional<FileInfo>> Stat(const std::string& key) = 0;
    /// The metadata stored with the file, nullopt when there is none.
    virtual std::optional<FileAttrs> Attrs(const std::string& key) = 0;
    /// Up to `length` bytes from `offset` (small reads: sniffing, thumbs' sources).
    virtual Result<std::string> Read(const std::string& key, std::uint64_t offset, std::uint64_t length) = 0;
    /// Opens the file under `key` for streaming reads; kNotFound when there is none.
    virtual Result<std::unique_ptr<FileReader>> Open(const std::string& key) = 0;

    /// Deletes the file under `key` with its metadata and its thumbs (no error if absent).
    virtual Status Delete(const std::string& key) = 0;
    /// Deletes everything under `prefix` (a record's or a collection's directory).
    virtual Status DeletePrefix(const std::string& prefix) = 0;
};

/// Joins key parts with '/'.
inline std::string FileKey(std::string_view collection_id, std::string_view record_id, std::string_view name = {}) {
    std::string k(collection_id);
    k += '/';
    k += record_id;
    if (!name.empty()) {
        k += '/';
        k += name;
    }
    return k;
}

/// The key of a thumb of `name` in PocketBase's layout: "<dir>/thumbs_<name>/<size>_<name>".
inline std::string ThumbKey(std::string_view collection_id,
                            std::string_view record_id,
                            std::string_view name,
                            std::string_view size) {
    std::string k = FileKey(collection_id, record_id);
    k += "/thumbs_";
    k += name;
    k += '/';
    k += size;
    k += '_';
    k += name;
    return k;
}

}  // namespace basalt::files
