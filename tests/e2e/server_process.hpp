// Black-box test helper: runs the real `basalt` binary as a child process on a private data dir.
// Part of tests/e2e (see README.md there); POSIX only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace basalt::e2e {

/// Path of the server binary: env BASALT_BIN, else the CMake target's path baked in at build time,
/// else `build/release/basalt`.
std::string ServerBinary();

/// PocketBase's fixture data dir (read-only): env BASALT_FIXTURE_DIR, else the CMake default.
std::filesystem::path FixtureDir();

/// A fresh, empty temp directory removed by its destructor. Move-only.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// Copies the fixture (minus `lost+found`) into `dest`, making every copy writable.
/// Returns an error text, empty on success.
std::string CopyFixture(const std::filesystem::path& dest);

/// Result of a short-lived CLI invocation.
struct CommandResult {
    int exit_code = -1;  ///< -1 if it could not run or was killed
    std::string output;  ///< stdout + stderr
};

/// Runs `ServerBinary() args...` to completion (killed after `timeout`); for offline commands
/// such as `superuser upsert`.
CommandResult RunBasalt(const std::vector<std::string>& args,
                        std::chrono::seconds timeout = std::chrono::seconds(30));

/// A child process with its stdout/stderr drained by a thread. Launch() waits (≤ timeout) for
/// `ready_prefix` followed by a port number in the output. Stop()/the destructor send SIGTERM to
/// this child only, SIGKILL after 5 s. Not thread-safe; use from the test thread. The child also
/// gets SIGKILL if the test process dies (PR_SET_PDEATHSIG).
class ChildProcess {
public:
    ChildProcess() = default;
    virtual ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// SIGTERM, wait ≤ 5 s, then SIGKILL. Returns the exit code (128+signal if killed by one,
    /// -1 if not running).
    int Stop();

    bool running() const { return pid_ > 0; }
    int port() const { return port_; }
    /// The child's process id (-1 when not running), e.g. to read /proc/<pid>/status.
    pid_t pid() const { return pid_; }
    /// Everything the child wrote so far.
    std::string Output() const;

protected:
    /// Spawns `binary args...`; an error text (empty on success) with the child's output.
    std::string Launch(const std::string& binary,
                       const std::vector<std::string>& args,
                       std::string_view ready_prefix,
                       std::chrono::seconds timeout);

private:
    void DrainOutput(int fd);
    int WaitExit(std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    int pidfd_ = -1;
    int port_ = 0;
    std::thread reader_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::string output_;       // guarded by mu_
    bool output_eof_ = false;  // guarded by mu_
};

/// Owns one `basalt serve` child on a temp data dir (empty or a fixture copy), removed by the
/// destructor. Start() waits for `Server started at http://127.0.0.1:<port>`.
class ServerProcess : public ChildProcess {
public:
    enum class Data { kEmpty, kFixture };

    explicit ServerProcess(Data data = Data::kFixture);
    ~ServerProcess() override;

    /// Spawns the server (extra flags after the defaults). Returns an error text (empty on
    /// success) that names the binary and includes the child's output.
    std::string Start(std::chrono::seconds start_timeout = std::chrono::seconds(10),
                      const std::vector<std::string>& extra_args = {});

    const std::filesystem::path& data_dir() const { return dir_.path(); }
    std::filesystem::path db_path() const { return dir_.path() / "data.db"; }

private:
    TempDir dir_;
    Data data_;
};

/// A real SMTP server on loopback (tests/support/smtp_sink.py, Python's aiosmtpd) that stores
/// every message it receives; Messages() returns them decoded, in arrival order:
/// {"mail_from", "rcpt_tos":[...], "subject", "from", "to", "html", "text"}.
class SmtpSink : public ChildProcess {
public:
    SmtpSink() = default;
    ~SmtpSink() override;

    std::string Start(std::chrono::seconds start_timeout = std::chrono::seconds(10));
    std::vector<std::string> MessagesJson() const;
    /// Waits until at least `n` messages arrived (or `timeout`); returns the messages.
    std::vector<std::string> WaitForMessages(std::size_t n,
                                             std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) const;

private:
    TempDir dir_;
};

}  // namespace basalt::e2e
