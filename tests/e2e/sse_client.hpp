// A small blocking server-sent-events client for the e2e tests: GET /api/realtime over a raw
// socket, chunked transfer decoding, and `id:/event:/data:` message parsing, with poll()-based
// timeouts so a silent server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace basalt::e2e {

struct SseEvent {
    std::string id;
    std::string event;
    std::string data;
};

/// One SSE connection (owns its socket). Not thread-safe.
class SseClient {
public:
    /// Connects to 127.0.0.1:`port`, sends GET `target` and reads the response header (≤ 5 s).
    /// `receive_buffer` > 0 sets SO_RCVBUF first (a client that stops reading fills up fast).
    explicit SseClient(int port, std::string target = "/api/realtime", int receive_buffer = 0);
    ~SseClient();
    SseClient(const SseClient&) = delete;
    SseClient& operator=(const SseClient&) = delete;

    int status() const { return status_; }

    /// The raw response header block.
    const std::string& header() const { return header_; }

    const std::string& error() const { return error_; }

    /// The next event, waiting at most `timeout`; nullopt on timeout or end of stream.
    std::optional<SseEvent> Next(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// Every event that arrives within `window` (for "nothing arrives" checks).
    std::vector<SseEvent> Drain(std::chrono::milliseconds window);

    /// True once the server ended the stream (terminating chunk or connection closed).
    bool ended() const { return ended_; }

    /// True when the terminating zero-length chunk was received (a clean end).
    bool clean_end() const { return clean_end_; }

    /// Reads PB_CONNECT and returns the client id (empty on failure).
    std::string ReadConnect();

private:
    bool Fill(std::chrono::steady_clock::time_point deadline);
    void DecodeChunks();

    int fd_ = -1;
    int status_ = 0;
    std::string header_;
    std::string error_;
    std::string raw_;   // undecoded bytes after the header
    std::string text_;  // decoded event-stream text
    bool chunked_ = false;
    bool ended_ = false;
    bool clean_end_ = false;
};

}  // namespace basalt::e2e
