// Realtime broker: SSE clients, their subscriptions (topic -> subscribers index) and bounded
// per-client message queues. Part of basalt::realtime (depends only on base); knows no records,
// rules or HTTP — the service decides what to send, the api streams it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

namespace basalt::realtime {

namespace net = boost::asio;

/// One SSE message for one client. `data` is shared by every receiver of the same rendering.
struct Message {
    std::string event;                        // the SSE event name (PB_CONNECT or the subscription)
    std::shared_ptr<const std::string> data;  // one line of JSON
};

/// The part of a subscription before "?options=" — what the topic index is keyed by.
std::string_view TopicBase(std::string_view subscription);

struct BrokerOptions {
    std::size_t queue_capacity = 512;  // messages buffered per client before it is dropped
};

/// A connected SSE client. Shared by the broker and the client's stream coroutine; lives until
/// both let go. Send/Close/accessors are thread-safe; Next() must be awaited by one coroutine at
/// a time, on the executor given at Connect (the connection's thread).
class Client : public std::enable_shared_from_this<Client> {
public:
    Client(std::string id, net::any_io_executor ex, std::size_t capacity, std::string remote_ip);

    const std::string& id() const { return id_; }

    const std::string& remote_ip() const { return remote_ip_; }

    /// Queues `m` without ever blocking. False when the client is closed or its queue is full;
    /// a full queue closes the client (dropped): a slow reader never holds up the publisher.
    bool Send(Message m);

    /// The next queued message; nullopt once the client is closed (disconnect, overflow,
    /// shutdown) — buffered messages are then discarded.
    net::awaitable<std::optional<Message>> Next();

    /// The next message if one is queued right now (same caller rules as Next).
    std::optional<Message> TryNext();

    /// Closes the queue; a pending Next() completes with nullopt. Idempotent.
    void Close();

    bool closed() const { return closed_.load(); }

    /// True when the client was closed because its queue overflowed.
    bool dropped() const { return dropped_.load(); }

    /// When the client was connected or last sent a message (PocketBase's idle clock).
    std::chrono::steady_clock::time_point last_activity() const {
        return std::chrono::steady_clock::time_point(
            std::chrono::steady_clock::duration(last_activity_.load(std::memory_order_relaxed)));
    }

    /// The current subscriptions, exactly as submitted.
    std::vector<std::string> Subscriptions() const;

    /// An opaque binding owned by the layer above (the service keeps the client's auth here).
    std::shared_ptr<const void> binding() const;
    void set_binding(std::shared_ptr<const void> b);

private:
    friend class Broker;
    using Channel = net::experimental::concurrent_channel<void(boost::system::error_code, Message)>;

    const std::string id_;
    const std::string remote_ip_;
    Channel channel_;
    std::atomic<bool> closed_{false};
    std::atomic<bool> dropped_{false};
    std::atomic<std::chrono::steady_clock::rep> last_activity_;
    mutable std::mutex mu_;
    std::vector<std::string>
        subscriptions_;                    // guarded by mu_ (written under the broker's lock too)
    std::shared_ptr<const void> binding_;  // guarded by mu_
};

/// A client with one of its subscriptions that matched a topic.
struct Delivery {
    std::shared_ptr<Client> client;
    std::string subscription;
};

/// Clients by id and an index topic base -> clients -> subscriptions. Thread-safe (a
/// shared_mutex; no lock is held while sending). Owned by the App; outlives every client stream.
class Broker {
public:
    explicit Broker(BrokerOptions o = {}) : options_(o) {}

    /// Registers a new client with a fresh 40-character id; its messages are delivered on `ex`.
    std::shared_ptr<Client> Connect(net::any_io_executor ex, std::string remote_ip);

    /// Closes and forgets the client and its subscriptions (unknown ids are ignored).
    void Disconnect(const std::string& id);

    /// The connected client with `id`, or null.
    std::shared_ptr<Client> Find(std::string_view id) const;

    /// Replaces the client's whole subscription set (an empty list unsubscribes from everything).
    /// Returns false when the client is no longer connected.
    bool SetSubscriptions(const std::shared_ptr<Client>& c, std::vector<std::string> subscriptions);

    /// Removes the one subscription exactly equal to `subscription` from the client's set,
    /// atomically: true only for the caller that removed it (false when the client is gone or
    /// was not subscribed), so a one-off topic such as "@oauth2" is consumed at most once.
    bool Unsubscribe(const std::shared_ptr<Client>& c, std::string_view subscription);

    /// Every (client, subscription) whose topic base is one of `bases` (exact match).
    std::vector<Delivery> Match(const std::vector<std::string>& bases) const;

    /// A snapshot of the connected clients.
    std::vector<std::shared_ptr<Client>> Clients() const;

    /// The number of connected clients (lock-free).
    std::size_t size() const { return count_.load(std::memory_order_relaxed); }

    /// Closes every client (server shutdown); their streams end.
    void CloseAll();

private:
    void UnindexLocked(Client& c);

    BrokerOptions options_;
    std::atomic<std::size_t> count_{0};
    mutable std::shared_mutex mu_;
    std::unordered_map<std::string, std::shared_ptr<Client>> clients_;
    // topic base -> client -> its subscriptions with that base (several when options differ)
    std::unordered_map<std::string, std::unordered_map<Client*, std::vector<std::string>>> index_;
};

}  // namespace basalt::realtime
