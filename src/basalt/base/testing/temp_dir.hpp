// Test helper: a fresh directory under the system's temp dir, removed with everything in it when
// the object goes away (unit tests that need real files: SQLite data dirs, storage).
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

#include "basalt/base/random.hpp"

namespace basalt::testing {

class TempDir {
public:
    /// `prefix` names the directory, e.g. "basalt_store_" → /tmp/basalt_store_k3j9x0qa.
    explicit TempDir(const std::string& prefix = "basalt_test_")
        : path_(std::filesystem::temp_directory_path() / (prefix + RandomString(8, kAlphabetLowerNum))) {
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace basalt::testing
