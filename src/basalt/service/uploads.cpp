// Staged uploads (see uploads.hpp).
#include "basalt/service/uploads.hpp"

#include "basalt/base/offload.hpp"
#include "basalt/files/mime.hpp"
#include "basalt/files/names.hpp"

namespace basalt::service {

namespace {

constexpr std::size_t kSniffBytes = 64 * 1024;

}  // namespace

StagedFile::~StagedFile() {
    if (storage_ != nullptr && !handle_.empty()) {
        storage_->Discard(handle_);
    }
}

Status StagedFile::CommitTo(const std::string& key) {
    std::lock_guard<std::mutex> g(mu_);
    if (handle_.empty()) {
        return Error(ErrorCode::kFailedPrecondition, "the staged file was already stored");
    }
    BASALT_RETURN_IF_ERROR(storage_->Commit(handle_, key));
    handle_.clear();
    return Ok();
}

namespace {

files::FileAttrs AttrsFor(const std::string& mime, const std::string& filename) {
    // The stored name is chosen per write plan; its extension (what the served type depends
    // on) is the same for all of them.
    const std::string sample = files::StoredFileName(filename, files::ExtensionForMime(mime));
    return files::FileAttrs{files::ServedContentType(mime, sample), filename};
}

}  // namespace

Result<Upload> StageContent(files::FileStorage* storage, std::string field, std::string filename, std::string_view content) {
    const std::string mime = files::SniffMime(content.substr(0, kSniffBytes));
    BASALT_TRY(std::unique_ptr<files::StagingWriter> writer, storage->BeginStage());
    BASALT_RETURN_IF_ERROR(writer->Write(content));
    BASALT_TRY(std::string handle, writer->Finish(AttrsFor(mime, filename)));
    auto staged = std::make_shared<StagedFile>(storage, std::move(handle), content.size(), mime);
    return Upload{std::move(field), std::move(filename), std::move(staged)};
}

/// What the blocking pool touches: the storage's writer and the sniffed type.
struct UploadWriter::State {
    files::FileStorage* storage = nullptr;
    std::unique_ptr<files::StagingWriter> writer;  // opened by the first flush
    std::string mime;                              // sniffed by the first flush
};

UploadWriter::UploadWriter(files::FileStorage* storage,
                           net::any_io_executor blocking,
                           std::string field,
                           std::string filename)
    : blocking_(std::move(blocking)),
      field_(std::move(field)),
      filename_(std::move(filename)),
      state_(std::make_shared<State>()) {
    state_->storage = storage;
}

// A writer dropped before Finish (bad request, client gone) takes its staged bytes with it: the
// StagingWriter removes its file when the last reference (possibly a flush in flight) goes.
UploadWriter::~UploadWriter() = default;

net::awaitable<Status> UploadWriter::Write(std::string_view data) {
    if (finished_) {
        co_return Error(ErrorCode::kFailedPrecondition, "upload already finished");
    }
    pending_.append(data);
    size_ += data.size();
    if (pending_.size() >= kFlushBytes) {
        co_return co_await Flush();
    }
    co_return Ok();
}

net::awaitable<Status> UploadWriter::Flush() {
    if (state_->storage == nullptr) {
        co_return Internal("file storage is not configured");
    }
    std::string piece;
    piece.swap(pending_);
    pending_.reserve(kFlushBytes);
    auto work = [state = state_, piece = std::move(piece)]() -> Status {
        if (!state->writer) {
            BASALT_TRY(state->writer, state->storage->BeginStage());
            state->mime = files::SniffMime(std::string_view(piece).substr(0, kSniffBytes));
        }
        return state->writer->Write(piece);
    };
    co_return co_await Offload(blocking_, std::move(work));
}

net::awaitable<Result<Upload>> UploadWriter::Finish() {
    if (finished_) {
        co_return Error(ErrorCode::kFailedPrecondition, "upload already finished");
    }
    finished_ = true;
    if (!pending_.empty() || !state_->writer) {
        BASALT_CO_RETURN_IF_ERROR(co_await Flush());
    }
    pending_ = std::string();
    const std::uint64_t size = size_;
    auto work = [state = state_, filename = filename_, size]() -> Result<std::shared_ptr<StagedFile>> {
        BASALT_TRY(std::string handle, state->writer->Finish(AttrsFor(state->mime, filename)));
        state->writer.reset();
        return std::make_shared<StagedFile>(state->storage, std::move(handle), size, state->mime);
    };
    BASALT_CO_TRY(auto staged, co_await Offload(blocking_, std::move(work)));
    co_return Upload{field_, filename_, std::move(staged)};
}

}  // namespace basalt::service
