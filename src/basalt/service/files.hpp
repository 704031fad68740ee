// FileService: protected-file tokens and what GET /api/files/{collection}/{record}/{file} serves
// (record + file field lookup, file token + viewRule for protected fields, thumbs made once).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "basalt/base/result.hpp"
#include "basalt/files/storage.hpp"
#include "basalt/service/context.hpp"
#include "basalt/service/uploads.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

namespace net = boost::asio;

/// A file ready to be served: its storage key (the original or a thumb), the name to announce,
/// the content type and the stat the HTTP validators come from.
struct ServedFile {
    std::string key;
    std::string name;
    std::string content_type;
    std::uint64_t size = 0;
    std::int64_t mtime_unix = 0;
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

    /// Up to `length` bytes of a served file from `offset` (on the blocking pool).
    net::awaitable<Result<std::string>> Read(std::string key, std::uint64_t offset, std::uint64_t length);

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

    store::Store& store_;
    SchemaRegistry& registry_;
    net::any_io_executor blocking_;
    files::FileStorage& storage_;
    std::mutex locks_mu_;
    std::map<std::string, std::weak_ptr<std::mutex>> thumb_locks_;  // guarded by locks_mu_
};

}  // namespace basalt::service
