// FileStorage on the local filesystem: `<root>/<key>`, PocketBase's `pb_data/storage` layout,
// with gocloud-compatible `<file>.attrs` sidecars so PocketBase serves the files Basalt writes.
#pragma once

#include <filesystem>

#include "basalt/files/storage.hpp"

namespace basalt::files {

/// Local filesystem storage rooted at `root` (created on first write). Staged files go to
/// `<root>/.basalt_tmp/` — the same filesystem, so Commit is a rename. Thread-safe (no mutable
/// state besides the filesystem); owned by the App.
class LocalStorage final : public FileStorage {
public:
    explicit LocalStorage(std::filesystem::path root);

    /// Removes staged files left by a previous process (crash between stage and commit).
    void CleanStaging();

    Result<std::unique_ptr<StagingWriter>> BeginStage() override;
    Status Commit(const std::string& staged, const std::string& key) override;
    void Discard(const std::string& staged) override;
    Status WriteAtomic(const std::string& key, std::string_view data, const FileAttrs& attrs) override;
    Result<std::optional<FileInfo>> Stat(const std::string& key) override;
    std::optional<FileAttrs> Attrs(const std::string& key) override;
    Result<std::string> Read(const std::string& key, std::uint64_t offset, std::uint64_t length) override;
    Result<std::unique_ptr<FileReader>> Open(const std::string& key) override;
    Status Delete(const std::string& key) override;
    Status DeletePrefix(const std::string& prefix) override;

    const std::filesystem::path& root() const { return root_; }

private:
    Result<std::filesystem::path> PathOf(const std::string& key) const;

    std::filesystem::path root_;
    std::filesystem::path staging_;
};

/// Whether `key` is a relative path of safe segments (no "", ".", "..", leading '/', NUL, '\\').
bool IsValidKey(std::string_view key);

}  // namespace basalt::files
