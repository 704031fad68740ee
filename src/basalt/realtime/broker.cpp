// Realtime broker: clients, the topic index and the bounded queues.
#include "basalt/realtime/broker.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "basalt/base/random.hpp"

namespace basalt::realtime {

namespace {
constexpr std::string_view kOptionsMarker = "?options=";
constexpr std::size_t kClientIdLength = 40;
}  // namespace

std::string_view TopicBase(std::string_view subscription) {
    auto p = subscription.find(kOptionsMarker);
    return p == std::string_view::npos ? subscription : subscription.substr(0, p);
}

Client::Client(std::string id, net::any_io_executor ex, std::size_t capacity, std::string remote_ip)
    : id_(std::move(id)),
      remote_ip_(std::move(remote_ip)),
      channel_(std::move(ex), capacity),
      last_activity_(std::chrono::steady_clock::now().time_since_epoch().count()) {}

bool Client::Send(Message m) {
    if (closed_.load()) {
        return false;
    }
    if (channel_.try_send(boost::system::error_code{}, std::move(m))) {
        last_activity_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                             std::memory_order_relaxed);
        return true;
    }
    // Full (or closed concurrently): drop the client rather than buffer without bound.
    if (!closed_.exchange(true)) {
        dropped_.store(true);
        channel_.close();
    }
    return false;
}

net::awaitable<std::optional<Message>> Client::Next() {
    if (closed_.load()) {
        co_return std::nullopt;
    }
    auto [ec, m] = co_await channel_.async_receive(net::as_tuple(net::use_awaitable));
    if (ec) {
        co_return std::nullopt;
    }
    co_return std::optional<Message>(std::move(m));
}

std::optional<Message> Client::TryNext() {
    std::optional<Message> out;
    channel_.try_receive([&out](boost::system::error_code ec, Message m) {
        if (!ec) {
            out.emplace(std::move(m));
        }
    });
    return out;
}

void Client::Close() {
    if (!closed_.exchange(true)) {
        channel_.close();
    }
}

std::vector<std::string> Client::Subscriptions() const {
    std::lock_guard lock(mu_);
    return subscriptions_;
}

std::shared_ptr<const void> Client::binding() const {
    std::lock_guard lock(mu_);
    return binding_;
}

void Client::set_binding(std::shared_ptr<const void> b) {
    std::lock_guard lock(mu_);
    binding_ = std::move(b);
}

std::shared_ptr<Client> Broker::Connect(net::any_io_executor ex, std::string remote_ip) {
    std::unique_lock lock(mu_);
    std::string id;
    do {
        id = RandomString(kClientIdLength);
    } while (clients_.contains(id));
    auto c =
        std::make_shared<Client>(id, std::move(ex), options_.queue_capacity, std::move(remote_ip));
    clients_.emplace(std::move(id), c);
    count_.store(clients_.size(), std::memory_order_relaxed);
    return c;
}

void Broker::UnindexLocked(Client& c) {
    std::vector<std::string> old;
    {
        std::lock_guard lock(c.mu_);
        old.swap(c.subscriptions_);
    }
    for (const auto& s : old) {
        auto it = index_.find(std::string(TopicBase(s)));
        if (it == index_.end()) {
            continue;
        }
        it->second.erase(&c);
        if (it->second.empty()) {
            index_.erase(it);
        }
    }
}

void Broker::Disconnect(const std::string& id) {
    std::shared_ptr<Client> c;
    {
        std::unique_lock lock(mu_);
        auto it = clients_.find(id);
        if (it == clients_.end()) {
            return;
        }
        c = std::move(it->second);
        clients_.erase(it);
        count_.store(clients_.size(), std::memory_order_relaxed);
        UnindexLocked(*c);
    }
    c->Close();
}

std::shared_ptr<Client> Broker::Find(std::string_view id) const {
    std::shared_lock lock(mu_);
    auto it = clients_.find(std::string(id));
    return it == clients_.end() ? nullptr : it->second;
}

bool Broker::SetSubscriptions(const std::shared_ptr<Client>& c,
                              std::vector<std::string> subscriptions) {
    std::unique_lock lock(mu_);
    auto it = clients_.find(c->id());
    if (it == clients_.end() || it->second != c) {
        return false;
    }
    UnindexLocked(*c);
    for (const auto& s : subscriptions) {
        auto& subs = index_[std::string(TopicBase(s))][c.get()];
        if (std::find(subs.begin(), subs.end(), s) == subs.end()) {
            subs.push_back(s);
        }
    }
    std::lock_guard client_lock(c->mu_);
    c->subscriptions_ = std::move(subscriptions);
    return true;
}

bool Broker::Unsubscribe(const std::shared_ptr<Client>& c, std::string_view subscription) {
    std::unique_lock lock(mu_);
    auto it = clients_.find(c->id());
    if (it == clients_.end() || it->second != c) {
        return false;
    }
    {
        std::lock_guard client_lock(c->mu_);
        auto& subs = c->subscriptions_;
        auto s = std::find(subs.begin(), subs.end(), subscription);
        if (s == subs.end()) {
            return false;
        }
        // The set may hold the same string twice (it is kept as submitted): remove every copy.
        subs.erase(std::remove(subs.begin(), subs.end(), subscription), subs.end());
    }
    auto topic = index_.find(std::string(TopicBase(subscription)));
    if (topic != index_.end()) {
        auto entry = topic->second.find(c.get());
        if (entry != topic->second.end()) {
            auto& list = entry->second;
            list.erase(std::remove(list.begin(), list.end(), subscription), list.end());
            if (list.empty()) {
                topic->second.erase(entry);
            }
        }
        if (topic->second.empty()) {
            index_.erase(topic);
        }
    }
    return true;
}

std::vector<Delivery> Broker::Match(const std::vector<std::string>& bases) const {
    std::vector<Delivery> out;
    std::shared_lock lock(mu_);
    for (std::size_t i = 0; i < bases.size(); ++i) {
        if (std::find(bases.begin(), bases.begin() + static_cast<std::ptrdiff_t>(i), bases[i]) !=
            bases.begin() + static_cast<std::ptrdiff_t>(i)) {
            continue;  // the same base twice (e.g. a collection whose name equals its id)
        }
        auto it = index_.find(bases[i]);
        if (it == index_.end()) {
            continue;
        }
        for (const auto& [client, subs] : it->second) {
            for (const auto& s : subs) {
                out.push_back(Delivery{client->shared_from_this(), s});
            }
        }
    }
    return out;
}

std::vector<std::shared_ptr<Client>> Broker::Clients() const {
    std::shared_lock lock(mu_);
    std::vector<std::shared_ptr<Client>> out;
    out.reserve(clients_.size());
    for (const auto& [id, c] : clients_) {
        out.push_back(c);
    }
    return out;
}

void Broker::CloseAll() {
    for (const auto& c : Clients()) {
        c->Close();
    }
}

}  // namespace basalt::realtime
