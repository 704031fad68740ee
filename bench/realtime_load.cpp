// Realtime load driver for bench/realtime.sh: opens N SSE clients on /api/realtime, subscribes
// each to a topic, then creates records one at a time and measures how long the event takes to
// reach every client (and what the writing request itself costs). Plain sockets + epoll, no
// dependencies. Not a test: it prints figures.
//
//   realtime_load PORT CLIENTS EVENTS TOPIC COLLECTION [TOKEN]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

int Connect(int port, bool nonblocking) {
    int fd = ::socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) {
        std::perror("socket");
        std::exit(1);
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
        std::perror("connect");
        std::exit(1);
    }
    return fd;
}

void SendAll(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            if (errno == EAGAIN) {
                usleep(100);
                continue;
            }
            std::perror("send");
            std::exit(1);
        }
        off += static_cast<std::size_t>(n);
    }
}

/// One request on a blocking keep-alive connection; returns the status (body skipped).
int Request(int fd,
            const std::string& method,
            const std::string& path,
            const std::string& body,
            const std::string& token,
            std::string* body_out = nullptr) {
    std::string req =
        method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!token.empty()) {
        req += "Authorization: " + token + "\r\n";
    }
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    SendAll(fd, req);
    std::string in;
    char buf[8192];
    std::size_t hdr_end = std::string::npos;
    std::size_t need = 0;
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            std::fprintf(
                stderr, "request %s %s: connection closed\n", method.c_str(), path.c_str());
            std::exit(1);
        }
        in.append(buf, static_cast<std::size_t>(n));
        if (hdr_end == std::string::npos && (hdr_end = in.find("\r\n\r\n")) != std::string::npos) {
            auto p = in.find("Content-Length: ");
            std::size_t len = p != std::string::npos && p < hdr_end
                                  ? std::strtoul(in.c_str() + p + 16, nullptr, 10)
                                  : 0;
            need = hdr_end + 4 + len;
        }
        if (hdr_end != std::string::npos && in.size() >= need) {
            break;
        }
    }
    if (body_out != nullptr) {
        *body_out = in.substr(hdr_end + 4);
    }
    return std::atoi(in.c_str() + 9);
}

struct Client {
    int fd = -1;
    std::string id;
    std::string buf;  // until PB_CONNECT is parsed; then only a tail for split markers
    int events = 0;
};

double Ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s PORT CLIENTS EVENTS TOPIC COLLECTION [TOKEN]\n", argv[0]);
        return 2;
    }
    const int port = std::atoi(argv[1]);
    const int n = std::atoi(argv[2]);
    const int events = std::atoi(argv[3]);
    const std::string topic = argv[4];
    const std::string collection = argv[5];
    const std::string token = argc > 6 ? argv[6] : "";
    const std::string marker = "event:" + topic + "\n";

    int ep = ::epoll_create1(0);
    std::vector<Client> clients(static_cast<std::size_t>(n));
    const auto t_connect = Clock::now();
    int connected = 0;
    constexpr int kWave = 500;  // stay below the listen backlog
    epoll_event evs[1024];
    auto pump = [&](int timeout_ms) {
        int k = ::epoll_wait(ep, evs, 1024, timeout_ms);
        for (int i = 0; i < k; ++i) {
            Client& c = clients[evs[i].data.u32];
            char buf[16384];
            for (;;) {
                ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
                if (r <= 0) {
                    if (r == 0) {
                        std::fprintf(stderr, "client %u: closed by server\n", evs[i].data.u32);
                        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
                    }
                    break;
                }
                c.buf.append(buf, static_cast<std::size_t>(r));
                if (c.id.empty()) {
                    auto p = c.buf.find("id:");
                    auto e = c.buf.find('\n', p == std::string::npos ? 0 : p);
                    if (p != std::string::npos && e != std::string::npos) {
                        c.id = c.buf.substr(p + 3, e - p - 3);
                        ++connected;
                        c.buf.erase(0, e);
                    }
                    continue;
                }
                for (auto pos = c.buf.find(marker); pos != std::string::npos;
                     pos = c.buf.find(marker, pos + 1)) {
                    ++c.events;
                }
                if (c.buf.size() > marker.size()) {
                    c.buf.erase(0, c.buf.size() - marker.size() + 1);
                }
            }
        }
    };
    for (int i = 0; i < n; ++i) {
        Client& c = clients[static_cast<std::size_t>(i)];
        c.fd = Connect(port, false);
        SendAll(
            c.fd,
            "GET /api/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
        ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u32 = static_cast<uint32_t>(i);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &e);
        if ((i + 1) % kWave == 0) {
            while (connected < i + 1 - kWave / 2) {
                pump(100);
            }
        }
    }
    while (connected < n) {
        pump(1000);
    }
    std::printf("connected %d SSE clients in %.0f ms\n", n, Ms(Clock::now() - t_connect));

    int api = Connect(port, false);
    const auto t_sub = Clock::now();
    for (auto& c : clients) {
        std::string body = "{\"clientId\":\"" + c.id + "\",\"subscriptions\":[\"" + topic + "\"]}";
        int st = Request(api, "POST", "/api/realtime", body, token);
        if (st != 204) {
            std::fprintf(stderr, "subscribe: status %d\n", st);
            return 1;
        }
    }
    std::printf("subscribed %d clients in %.0f ms\n", n, Ms(Clock::now() - t_sub));
    if (const char* pid = std::getenv("SERVER_PID")) {
        // the server's memory with every client connected and subscribed
        std::string path = std::string("/proc/") + pid + "/status";
        if (FILE* f = std::fopen(path.c_str(), "r")) {
            char line[256];
            while (std::fgets(line, sizeof line, f) != nullptr) {
                if (std::strncmp(line, "VmRSS:", 6) == 0) {
                    std::printf("server %s", line);
                }
            }
            std::fclose(f);
        }
    }

    std::vector<double> write_ms, first_ms, p50_ms, p99_ms, all_ms;
    for (int ev = 1; ev <= events; ++ev) {
        const auto t0 = Clock::now();
        int st = Request(api,
                         "POST",
                         "/api/collections/" + collection + "/records",
                         "{\"title\":\"realtime bench " + std::to_string(ev) + "\"}",
                         token);
        const auto t_written = Clock::now();
        if (st != 200) {
            std::fprintf(stderr, "create: status %d\n", st);
            return 1;
        }
        std::vector<double> arrivals;
        arrivals.reserve(static_cast<std::size_t>(n));
        std::vector<char> seen(static_cast<std::size_t>(n), 0);
        const auto deadline = t0 + std::chrono::seconds(30);
        while (static_cast<int>(arrivals.size()) < n && Clock::now() < deadline) {
            pump(100);
            const auto now = Clock::now();
            for (int i = 0; i < n; ++i) {
                if (!seen[static_cast<std::size_t>(i)] &&
                    clients[static_cast<std::size_t>(i)].events >= ev) {
                    seen[static_cast<std::size_t>(i)] = 1;
                    arrivals.push_back(Ms(now - t0));
                }
            }
        }
        if (static_cast<int>(arrivals.size()) < n) {
            std::fprintf(
                stderr, "event %d reached only %zu of %d clients\n", ev, arrivals.size(), n);
            return 1;
        }
        std::sort(arrivals.begin(), arrivals.end());
        write_ms.push_back(Ms(t_written - t0));
        first_ms.push_back(arrivals.front());
        p50_ms.push_back(arrivals[arrivals.size() / 2]);
        p99_ms.push_back(arrivals[arrivals.size() * 99 / 100]);
        all_ms.push_back(arrivals.back());
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    std::printf(
        "events %d: median over events — create request %.2f ms; delivered to first client %.2f "
        "ms, "
        "50%% %.2f ms, 99%% %.2f ms, all %d clients %.2f ms\n",
        events,
        median(write_ms),
        median(first_ms),
        median(p50_ms),
        median(p99_ms),
        n,
        median(all_ms));
    return 0;
}
