// Raw-socket SSE client used by the realtime e2e tests (see sse_client.hpp).
#include "sse_client.hpp"

#include <array>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace basalt::e2e {
namespace {

using Clock = std::chrono::steady_clock;

int MsLeft(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

SseClient::SseClient(int port, std::string target, int receive_buffer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ >= 0 && receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error_ = std::string("connect: ") + std::strerror(errno);
        ended_ = true;
        return;
    }
    const std::string req =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        error_ = "send failed";
        ended_ = true;
        return;
    }
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    std::size_t end = std::string::npos;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
        if (!Fill(deadline)) {
            error_ = "no response header";
            return;
        }
    }
    header_ = raw_.substr(0, end + 4);
    raw_.erase(0, end + 4);
    if (header_.size() > 12) {
        status_ = std::atoi(header_.c_str() + 9);
    }
    std::string lower = header_;
    for (auto& ch : lower) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
    DecodeChunks();
}

SseClient::~SseClient() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool SseClient::Fill(Clock::time_point deadline) {
    if (ended_ || fd_ < 0) {
        return false;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, MsLeft(deadline)) <= 0) {
        return false;
    }
    std::array<char, 16384> buf{};
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) {
        ended_ = true;
        return false;
    }
    raw_.append(buf.data(), static_cast<std::size_t>(n));
    return true;
}

void SseClient::DecodeChunks() {
    if (!chunked_) {
        text_ += raw_;
        raw_.clear();
        return;
    }
    for (;;) {
        const auto eol = raw_.find("\r\n");
        if (eol == std::string::npos) {
            return;
        }
        const std::size_t size = std::stoul(raw_.substr(0, eol), nullptr, 16);
        if (size == 0) {
            clean_end_ = true;
            ended_ = true;
            raw_.clear();
            return;
        }
        if (raw_.size() < eol + 2 + size + 2) {
            return;
        }
        text_.append(raw_, eol + 2, size);
        raw_.erase(0, eol + 2 + size + 2);
    }
}

std::optional<SseEvent> SseClient::Next(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto end = text_.find("\n\n"); end != std::string::npos) {
            std::string block = text_.substr(0, end);
            text_.erase(0, end + 2);
            SseEvent e;
            std::size_t pos = 0;
            while (pos <= block.size()) {
                auto nl = block.find('\n', pos);
                std::string line =
                    block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
                if (line.rfind("id:", 0) == 0) {
                    e.id = line.substr(3);
                } else if (line.rfind("event:", 0) == 0) {
                    e.event = line.substr(6);
                } else if (line.rfind("data:", 0) == 0) {
                    e.data += line.substr(5);
                }
                if (nl == std::string::npos) {
                    break;
                }
                pos = nl + 1;
            }
            return e;
        }
        if (ended_ || !Fill(deadline)) {
            return std::nullopt;
        }
        DecodeChunks();
    }
}

std::vector<SseEvent> SseClient::Drain(std::chrono::milliseconds window) {
    std::vector<SseEvent> out;
    const auto deadline = Clock::now() + window;
    while (Clock::now() < deadline) {
        auto e = Next(std::chrono::milliseconds(MsLeft(deadline)));
        if (!e) {
            break;
        }
        out.push_back(std::move(*e));
    }
    return out;
}

std::string SseClient::ReadConnect() {
    auto e = Next();
    if (!e || e->event != "PB_CONNECT") {
        return {};
    }
    return e->id;
}

}  // namespace basalt::e2e
