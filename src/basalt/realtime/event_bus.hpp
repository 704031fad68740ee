// EventBus: how committed record changes reach the realtime fan-out of every node. The local
// implementation delivers in-process; a cluster bus (Redis, PostgreSQL LISTEN/NOTIFY) can carry
// the same serializable events between nodes later.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace basalt::realtime {

/// A committed record change, self-contained and serializable: the collection by id and the
/// record's stored values as they were written (for a delete: as they were before deletion).
struct RecordEvent {
    std::string action;  // "create" | "update" | "delete"
    std::string collection_id;
    boost::json::object record;
};

using EventPtr = std::shared_ptr<const RecordEvent>;
using EventHandler = std::function<void(const std::vector<EventPtr>&)>;

/// Publishes record changes to every subscribed node-local handler, in publish order.
/// Thread-safe. Publish is called on the store's writer thread right after a commit: it and
/// every handler must return quickly and never block on I/O.
class EventBus {
public:
    virtual ~EventBus() = default;
    virtual void Publish(std::vector<EventPtr> events) = 0;
    /// Adds a handler (at startup, before the first Publish).
    virtual void Subscribe(EventHandler handler) = 0;
};

/// The single-node bus: Publish calls the handlers directly.
class LocalEventBus final : public EventBus {
public:
    void Publish(std::vector<EventPtr> events) override {
        std::vector<EventHandler> handlers;
        {
            std::lock_guard lock(mu_);
            handlers = handlers_;
        }
        for (const auto& h : handlers) {
            h(events);
        }
    }

    void Subscribe(EventHandler handler) override {
        std::lock_guard lock(mu_);
        handlers_.push_back(std::move(handler));
    }

private:
    std::mutex mu_;
    std::vector<EventHandler> handlers_;
};

}  // namespace basalt::realtime
