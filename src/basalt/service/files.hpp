// FileService: protected-file tokens and what GET /api/files/{collection}/{record}/{file} serves
// (record + file field lookup, file token + viewRule for protected fields, thumbs made once).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "basalt/base/result.hpp"
#include "basalt/files/storage.hpp"
#include "basalt/service/context.hpp"
#include "basalt/service/uploads.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

namespace net = boost::asio;

/// An open stored file's bytes (a descriptor on local storage, for zero-copy sends).
using FileContent = files::FileReader;

/// A file ready to be served: its storage key (the original or a thumb), the name to announce,
/// the content type, the stat the HTTP validators come from and the opened content (what was
/// there when resolved, even if the file is replaced meanwhile).
struct ServedFile {
    std::string key;
    std::string name;
    std::string content_type;
    std::uint64_t size = 0;
    std::int64_t mtime_unix = 0;
    std::shared_ptr<const FileContent> content;
};

/// File use cases. References App-owned objects that outlive every request; thread-safe (the
/// only mutable state, the per-thumb generation locks, is guarded by a mutex never held across
/// a co_await).
class FileService {
public:
    FileService(store::Store& store, SchemaRegistry& registry, net::any_io_executor blocking, files::FileStorage& storage)
        : store_(store), registry_(registry), blocking_(std::move(blocking)), storage_(storage) {}

    /// POST /api/files/token: a `file` token for the requester (guest -> 401).
    net::awaitable<Result<std::string>> NewFileToken(RequestCtx ctx);

    /// Resolves a download: 404 for a missing collection/record, a name not in any file field of
    /// the record, or a protected file without a valid file token whose holder passes the
    /// viewRule. `thumb` (may be empty) is honoured for "100x100" and the field's `thumbs` on
    /// png/jpeg/gif/webp; the thumb is generated once and cached beside the original.
    net::awaitable<Result<ServedFile>> Resolve(RequestCtx ctx,
                                               std::string collection,
                                               std::string record_id,
                                               std::string filename,
                                               std::string thumb,
                                               std::string file_token);

    /// Up to `out.size()` bytes of opened content at `offset` (on the blocking pool), for
    /// storages without a native handle. `out` must stay valid until the call completes.
    net::awaitable<Result<std::size_t>> ReadContent(std::shared_ptr<const FileContent> content,
                                                    std::uint64_t offset,
                                                    std::span<char> out);

    /// Starts receiving an uploaded file (multipart part `field`, client file name `filename`)
    /// into the staging area.
    std::unique_ptr<UploadWriter> BeginUpload(std::string field, std::string filename) {
        return std::make_unique<UploadWriter>(&storage_, blocking_, std::move(field), std::move(filename));
    }

private:
    net::awaitable<Auth> ResolveFileToken(std::string token);
    /// Makes the thumb at `thumb_key` unless present; false when it cannot (serve the original).
    bool EnsureThumb(const std::string& original_key,
                     const std::string& content_type,
                     const std::string& size,
                     const std::string& thumb_key);

    /// The served content type of `key` (attrs sidecar, else sniffed), remembered per key for
    /// the size and mtime it was read at (downloads otherwise re-read the sidecar every time).
    Result<std::string> ContentType(const std::string& key, const FileContent& content, const std::string& filename);

    struct CachedType {
        std::uint64_t size = 0;
        std::int64_t mtime_unix = 0;
        std::string content_type;
    };
    static constexpr std::size_t kMaxCachedTypes = 8192;

    store::Store& store_;
    SchemaRegistry& registry_;
    net::any_io_executor blocking_;
    files::FileStorage& storage_;
    std::mutex locks_mu_;
    std::map<std::string, std::weak_ptr<std::mutex>> thumb_locks_;  // guarded by locks_mu_
    std::mutex types_mu_;
    std::unordered_map<std::string, CachedType> types_;  // guarded by types_mu_; cleared when full
};

}  // namespace basalt::service
