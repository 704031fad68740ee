// RealtimeService: PocketBase's realtime use cases — SSE clients bound to an auth, their
// subscriptions, and the fan-out of committed record changes to the subscribers the collection's
// list/view rule admits (pocketbase-api.md §2.6, §9.8).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/json/value.hpp>

#include "basalt/base/result.hpp"
#include "basalt/realtime/broker.hpp"
#include "basalt/realtime/event_bus.hpp"
#include "basalt/service/changes.hpp"
#include "basalt/service/context.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

namespace net = boost::asio;

/// Applies a `fields` picker to a JSON value in place (the api's picker, injected so that the
/// service stays free of the api layer). May be empty.
using FieldsPicker = std::function<void(boost::json::value&, std::string_view)>;

struct RealtimeOptions {
    std::chrono::seconds idle_timeout{
        300};  // PocketBase: a client without messages for 5 min is dropped
    std::size_t max_subscriptions = 1000;
    std::size_t max_subscription_length = 2500;
};

/// Realtime use cases. References App-owned objects (store, schema registry, broker, bus) that
/// outlive every request and every client stream. Thread-safe.
///
/// Flow: a write unit's changes reach Committed() after the commit (writer thread) and are
/// published on the EventBus; the bus handler queues them, and one dispatcher coroutine on
/// `dispatch` takes the queue in order and fans each batch out inside one read unit on a
/// reader connection: per event the matching subscriptions come from the broker's topic index,
/// rule checks are evaluated once per distinct (rule, auth, options) against the record as
/// committed (a virtual row, so deletes are judged on the record as it was), the JSON is
/// rendered once per distinct (viewer, expand, fields), and each client's bounded queue gets
/// the message without blocking. The writer never waits for any of it.
class RealtimeService final : public ChangeSink {
public:
    RealtimeService(store::Store& store,
                    SchemaRegistry& registry,
                    realtime::Broker& broker,
                    realtime::EventBus& bus,
                    net::any_io_executor dispatch,
                    FieldsPicker picker,
                    RealtimeOptions options = {});

    void Committed(std::vector<RecordChange> changes) override;

    /// True while any SSE client is connected.
    bool Listening() const override { return broker_.size() != 0; }

    /// A new SSE client whose messages are delivered on `ex` (the connection's executor).
    std::shared_ptr<realtime::Client> Connect(net::any_io_executor ex, std::string remote_ip);
    void Disconnect(const std::string& client_id);

    /// POST /api/realtime: binds the request's auth (guest -> auth allowed, any other change
    /// 403) and replaces the client's subscriptions. Unknown client 404, validation 400.
    Status SetSubscriptions(const RequestCtx& ctx,
                            const std::string& client_id,
                            std::vector<std::string> subscriptions,
                            const std::string& remote_ip);

    /// GET|POST /api/oauth2-redirect (pocketbase-api.md §2.5.6): hands the provider's answer to
    /// the realtime client whose id is `state`, if it is connected and subscribed to exactly
    /// "@oauth2". The subscription is removed before the one `@oauth2` message
    /// {"state","code","error" (omitted when empty)} is queued, so concurrent redirects with the
    /// same state reach the client at most once. False when nothing was sent (no state, unknown
    /// or closed client, not subscribed).
    bool DeliverOAuth2Redirect(const std::string& state, const std::string& code, const std::string& error);

    const RealtimeOptions& options() const { return options_; }

    /// Starts the idle sweep: clients without a message for options().idle_timeout are
    /// disconnected (their streams end). Call once; Stop() before the executor is joined.
    void Start();
    /// Stops the idle sweep (thread-safe, idempotent).
    void Stop();

private:
    void OnEvents(const std::vector<realtime::EventPtr>& events);
    static net::awaitable<void> DispatchLoop(RealtimeService* self);
    static net::awaitable<void> SweepLoop(RealtimeService* self);
    void SweepIdle();
    Status Fanout(store::Tx& tx, const std::vector<realtime::EventPtr>& batch);

    store::Store& store_;
    SchemaRegistry& registry_;
    realtime::Broker& broker_;
    realtime::EventBus& bus_;
    net::any_io_executor dispatch_;
    FieldsPicker picker_;
    RealtimeOptions options_;

    net::strand<net::any_io_executor> sweep_strand_;
    net::steady_timer sweep_timer_;  // on sweep_strand_
    std::atomic<bool> stopping_{false};

    std::mutex mu_;
    std::vector<realtime::EventPtr> pending_;  // guarded by mu_
    bool dispatching_ = false;                 // guarded by mu_
};

}  // namespace basalt::service
