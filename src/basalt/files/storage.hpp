// FileStorage: where record files live. Keys are relative '/'-separated paths in PocketBase's
// layout ("<collectionId>/<recordId>/<filename>", thumbs under "thumbs_<filename>/"). The local
// filesystem implements it (local_storage.hpp); an S3-compatible backend can implement it later.
#pragma once

#include <cstdint>
#include <optional>
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

/// Blocking storage operations; call them from the blocking pool, never a network thread.
/// Implementations are thread-safe. Every key is validated (no "..", no absolute paths): an
/// invalid key is kInvalidArgument.
class FileStorage {
public:
    virtual ~FileStorage() = default;

    /// Writes `data` to a private staging area and returns a staging handle. Nothing is visible
    /// under any key until Commit.
    virtual Result<std::string> Stage(std::string_view data, const FileAttrs& attrs) = 0;
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
    /// Up to `length` bytes from `offset`.
    virtual Result<std::string> Read(const std::string& key, std::uint64_t offset, std::uint64_t length) = 0;

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
