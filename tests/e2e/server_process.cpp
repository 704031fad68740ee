// ServerProcess and friends: spawning, output capture and teardown of the server under test.
#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <system_error>

namespace basalt::e2e {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStartedPrefix = "Server started at http://127.0.0.1:";
constexpr auto kKillGrace = std::chrono::milliseconds(5000);

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int DecodeWaitStatus(int status) {
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return -1;
}

/// fork + exec `binary args...` with stdout/stderr on a new pipe; returns {pid, read fd}.
/// The child dies with the test process (PR_SET_PDEATHSIG) and has stdin on /dev/null.
std::pair<pid_t, int> Spawn(const std::string& binary, const std::vector<std::string>& args) {
    std::vector<std::string> storage;
    storage.push_back(binary);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(storage.size() + 1);
    for (auto& s : storage) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);

    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        return {-1, -1};
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
        }
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    if (pid < 0) {
        ::close(fds[0]);
        return {-1, -1};
    }
    return {pid, fds[0]};
}

std::string BinaryProblem(const std::string& bin) {
    std::error_code ec;
    if (!fs::exists(bin, ec)) {
        return "server binary not found at '" + bin +
               "' (build the `basalt` target or set BASALT_BIN)";
    }
    if (::access(bin.c_str(), X_OK) != 0) {
        return "server binary '" + bin + "' is not executable";
    }
    return {};
}

}  // namespace

std::string ServerBinary() {
    if (const char* env = std::getenv("BASALT_BIN"); env != nullptr && *env != '\0') {
        return env;
    }
#ifdef BASALT_E2E_SERVER_BINARY
    return BASALT_E2E_SERVER_BINARY;
#else
    return "build/release/basalt";
#endif
}

fs::path FixtureDir() {
    if (const char* env = std::getenv("BASALT_FIXTURE_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
#ifdef BASALT_E2E_FIXTURE_DIR
    return BASALT_E2E_FIXTURE_DIR;
#else
    return "../shared/pocketbase-fixture";
#endif
}

TempDir::TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "basalt-e2e-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = tmpl;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
    if (!path_.empty()) {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
}

std::string CopyFixture(const fs::path& dest) {
    const fs::path src = FixtureDir();
    std::error_code ec;
    if (!fs::is_regular_file(src / "data.db", ec)) {
        return "fixture not found at '" + src.string() + "' (set BASALT_FIXTURE_DIR)";
    }
    for (const auto& entry : fs::directory_iterator(src, ec)) {
        if (entry.path().filename() == "lost+found") {
            continue;
        }
        fs::copy(entry.path(),
                 dest / entry.path().filename(),
                 fs::copy_options::recursive | fs::copy_options::overwrite_existing,
                 ec);
        if (ec) {
            return "copying the fixture failed: " + ec.message();
        }
    }
    // The fixture is read-only; SQLite needs to write the copy.
    for (const auto& entry : fs::recursive_directory_iterator(dest, ec)) {
        fs::permissions(entry.path(),
                        fs::perms::owner_read | fs::perms::owner_write |
                            (entry.is_directory() ? fs::perms::owner_exec : fs::perms::none),
                        fs::perm_options::add,
                        ec);
    }
    return ec ? "fixing fixture permissions failed: " + ec.message() : std::string();
}

CommandResult RunBasalt(const std::vector<std::string>& args, std::chrono::seconds timeout) {
    CommandResult result;
    const std::string bin = ServerBinary();
    if (auto problem = BinaryProblem(bin); !problem.empty()) {
        result.output = problem;
        return result;
    }
    auto [pid, fd] = Spawn(bin, args);
    if (pid < 0) {
        result.output = "fork/pipe failed";
        return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool timed_out = false;
    std::array<char, 4096> buf{};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        result.output.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (timed_out) {
        ::kill(pid, SIGKILL);
        result.output += "\n[e2e] command timed out and was killed";
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = timed_out ? -1 : DecodeWaitStatus(status);
    return result;
}

ChildProcess::~ChildProcess() { Stop(); }

std::string ChildProcess::Launch(const std::string& bin,
                                 const std::vector<std::string>& args,
                                 std::string_view ready_prefix,
                                 std::chrono::seconds start_timeout) {
    auto [pid, fd] = Spawn(bin, args);
    if (pid < 0) {
        return "fork/pipe failed";
    }
    pid_ = pid;
    pidfd_ = PidfdOpen(pid);
    reader_ = std::thread([this, fd = fd] { DrainOutput(fd); });

    std::unique_lock lock(mu_);
    const bool ok = cv_.wait_for(lock, start_timeout, [this, ready_prefix] {
        const auto at = output_.find(ready_prefix);
        if (at != std::string::npos) {
            std::size_t i = at + ready_prefix.size();
            int port = 0;
            while (i < output_.size() && output_[i] >= '0' && output_[i] <= '9') {
                port = port * 10 + (output_[i] - '0');
                ++i;
            }
            if (i < output_.size() && port > 0) {  // the whole number has arrived
                port_ = port;
                return true;
            }
        }
        return output_eof_;
    });
    if (ok && port_ > 0) {
        return {};
    }
    const std::string out = output_;
    const bool eof = output_eof_;
    lock.unlock();
    Stop();
    return std::string(eof ? "the child exited before announcing its port"
                           : "timed out waiting for '" + std::string(ready_prefix) +
                                 "<port>' on stdout (is the line flushed?)") +
           "; binary: " + bin + "; output:\n" + out;
}

ServerProcess::ServerProcess(Data data) : data_(data) {}

ServerProcess::~ServerProcess() { Stop(); }

std::string ServerProcess::Start(std::chrono::seconds start_timeout, const std::vector<std::string>& extra_args) {
    const std::string bin = ServerBinary();
    if (auto problem = BinaryProblem(bin); !problem.empty()) {
        return problem;
    }
    if (data_ == Data::kFixture) {
        if (auto err = CopyFixture(dir_.path()); !err.empty()) {
            return err;
        }
    }
    std::vector<std::string> args{"serve", "--dir", dir_.path().string(), "--http", "127.0.0.1:0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return Launch(bin, args, kStartedPrefix, start_timeout);
}

SmtpSink::~SmtpSink() { Stop(); }

std::string SmtpSink::Start(std::chrono::seconds start_timeout) {
    const std::string script = std::string(BASALT_E2E_SOURCE_DIR) + "/tests/support/smtp_sink.py";
    return Launch("/usr/bin/python3", {"-u", script, "--port", "0", "--dir", dir_.path().string()},
                  "SMTP sink listening on 127.0.0.1:", start_timeout);
}

std::vector<std::string> SmtpSink::MessagesJson() const {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir_.path(), ec)) {
        if (e.path().extension() == ".eml") {  // written last: the .json beside it is complete
            files.push_back(fs::path(e.path()).replace_extension(".json"));
        }
    }
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
        return std::stoll(a.stem().string()) < std::stoll(b.stem().string());
    });
    std::vector<std::string> out;
    for (const auto& f : files) {
        std::ifstream in(f);
        out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
}

std::vector<std::string> SmtpSink::WaitForMessages(std::size_t n, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto msgs = MessagesJson();
    while (msgs.size() < n && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        msgs = MessagesJson();
    }
    return msgs;
}

void ChildProcess::DrainOutput(int fd) {
    std::array<char, 4096> buf{};
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        {
            std::lock_guard lock(mu_);
            output_.append(buf.data(), static_cast<std::size_t>(n));
        }
        cv_.notify_all();
    }
    ::close(fd);
    {
        std::lock_guard lock(mu_);
        output_eof_ = true;
    }
    cv_.notify_all();
}

int ChildProcess::WaitExit(std::chrono::milliseconds timeout) {
    if (pidfd_ >= 0) {
        pollfd p{pidfd_, POLLIN, 0};
        int r = 0;
        do {
            r = ::poll(&p, 1, static_cast<int>(timeout.count()));
        } while (r < 0 && errno == EINTR);
        if (r == 0) {
            return -2;  // still running
        }
    }
    int status = 0;
    pid_t r = 0;
    do {
        r = ::waitpid(pid_, &status, pidfd_ >= 0 ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        return -2;
    }
    return DecodeWaitStatus(status);
}

int ChildProcess::Stop() {
    int code = -1;
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        code = WaitExit(kKillGrace);
        if (code == -2) {
            ::kill(pid_, SIGKILL);
            code = WaitExit(kKillGrace);
            if (code == -2) {  // pidfd unavailable: block until reaped
                int status = 0;
                ::waitpid(pid_, &status, 0);
                code = DecodeWaitStatus(status);
            }
        }
        pid_ = -1;
    }
    if (pidfd_ >= 0) {
        ::close(pidfd_);
        pidfd_ = -1;
    }
    if (reader_.joinable()) {
        reader_.join();  // EOF arrives once the child (and anything it spawned) closed the pipe
    }
    return code;
}

std::string ChildProcess::Output() const {
    std::lock_guard lock(mu_);
    return output_;
}

}  // namespace basalt::e2e
