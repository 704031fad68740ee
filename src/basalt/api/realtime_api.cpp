// GET/POST /api/realtime (pocketbase-api.md §2.6, §9.8): one client's server-sent event stream,
// and the request that replaces its subscriptions.
#include <optional>

#include <boost/asio/this_coro.hpp>

#include "basalt/api/internal_handlers.hpp"
#include "basalt/service/realtime.hpp"

namespace basalt::api::internal {

namespace {

/// One SSE message as PocketBase writes it: the client id on every `id:` line (the SDK reads
/// its client id from lastEventId), no space after the colons.
void AppendFrame(std::string& out,
                 std::string_view id,
                 std::string_view event,
                 std::string_view data) {
    out += "id:";
    out += id;
    out += "\nevent:";
    out += event;
    out += "\ndata:";
    out += data;
    out += "\n\n";
}

/// Forgets the client however the stream ends (client gone, idle, dropped, shutdown).
class ClientGuard {
public:
    ClientGuard(service::RealtimeService* rt, std::string id) : rt_(rt), id_(std::move(id)) {}

    ~ClientGuard() { rt_->Disconnect(id_); }

    ClientGuard(const ClientGuard&) = delete;
    ClientGuard& operator=(const ClientGuard&) = delete;

private:
    service::RealtimeService* rt_;
    std::string id_;
};

/// The stream of one client: PB_CONNECT, then its queued messages until the client goes away,
/// is dropped (queue overflow), stays idle for the idle timeout, or the server shuts down.
net::awaitable<void> StreamClient(service::RealtimeService* rt,
                                  std::string remote_ip,
                                  http::StreamWriter* w) {
    auto ex = co_await net::this_coro::executor;
    auto client = rt->Connect(ex, std::move(remote_ip));
    const ClientGuard guard(rt, client->id());
    std::string frame;
    AppendFrame(frame, client->id(), "PB_CONNECT", R"({"clientId":")" + client->id() + R"("})");
    if (!co_await w->Write(frame)) {
        co_return;
    }
    for (;;) {
        // Ends when the client is closed: it went away, overflowed its queue, stayed idle past
        // the idle timeout (the service's sweep), or the server shuts down.
        std::optional<realtime::Message> m = co_await client->Next();
        if (!m) {
            break;
        }
        frame.clear();
        AppendFrame(frame, client->id(), m->event, *m->data);
        // Whatever else is already queued goes out in the same write.
        while (auto more = client->TryNext()) {
            AppendFrame(frame, client->id(), more->event, *more->data);
        }
        if (!co_await w->Write(frame)) {
            break;
        }
    }
}

}  // namespace

net::awaitable<http::Response> RealtimeConnect(Services* s, http::Request& req) {
    http::Response res;
    res.status = 200;
    res.content_type = "text/event-stream";
    res.headers.emplace_back("Cache-Control", "no-store");
    res.headers.emplace_back("X-Accel-Buffering", "no");
    service::RealtimeService* rt = s->realtime;
    std::string ip = req.remote_ip;
    res.stream = [rt, ip](http::StreamWriter& w) { return StreamClient(rt, ip, &w); };
    co_return res;
}

net::awaitable<http::Response> RealtimeSubscribe(Services* s, http::Request& req) {
    auto body = ParseBody(req);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    std::string client_id;
    if (auto it = body->data.find("clientId"); it != body->data.end() && it->value().is_string()) {
        client_id = std::string(it->value().get_string());
    }
    std::vector<std::string> subscriptions;
    if (auto it = body->data.find("subscriptions");
        it != body->data.end() && !it->value().is_null()) {
        if (!it->value().is_array()) {
            co_return ErrorResponse(
                InvalidArgument("Failed to load the submitted data due to invalid formatting."));
        }
        for (const auto& v : it->value().get_array()) {
            if (!v.is_string()) {
                co_return ErrorResponse(InvalidArgument(
                    "Failed to load the submitted data due to invalid formatting."));
            }
            subscriptions.emplace_back(v.get_string());
        }
    }
    Status st = s->realtime->SetSubscriptions(
        MakeCtx(req), client_id, std::move(subscriptions), req.remote_ip);
    if (!st) {
        co_return ErrorResponse(st.error());
    }
    co_return http::Response::Empty(204);
}

}  // namespace basalt::api::internal
