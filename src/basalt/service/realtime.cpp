// Realtime use cases: subscription management with PocketBase's auth binding rules, and the
// fan-out of committed record changes (rule checks, per-subscription expand/fields, JSON).
#include "basalt/service/realtime.hpp"

#include <map>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "basalt/base/json.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/service/internal/expand.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/service/record_export.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

using schema::Record;

namespace {

constexpr std::string_view kOptionsMarker = "?options=";
/// The one-off topic of the OAuth2 popup flow (the SDK's authWithOAuth2 subscribes to it).
constexpr std::string_view kOAuth2Topic = "@oauth2";
constexpr std::string_view kGenericBadRequest =
    "Something went wrong while processing your request.";

/// What a client is bound to: the auth of its subscription requests, and the auth-token secret
/// of its collection at that time (a changed secret invalidates every token, so the binding).
struct Binding {
    Auth auth;
    std::string secret;
};

std::shared_ptr<const Binding> BindingOf(const realtime::Client& c) {
    return std::static_pointer_cast<const Binding>(c.binding());
}

void BindGuest(realtime::Client& c) {
    c.set_binding(std::make_shared<const Binding>());
}

std::string ActionName(RecordChange::Action a) {
    switch (a) {
        case RecordChange::Action::kCreate:
            return "create";
        case RecordChange::Action::kUpdate:
            return "update";
        case RecordChange::Action::kDelete:
            return "delete";
    }
    return "update";
}

int HexValue(char ch) {
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/// Query-string decoding as Go's url.ParseQuery does it ('+' is a space); nullopt if malformed.
std::optional<std::string> QueryUnescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%') {
            if (i + 2 >= s.size()) {
                return std::nullopt;
            }
            const int hi = HexValue(s[i + 1]);
            const int lo = HexValue(s[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

/// The `?options=` of a subscription: query (rule @request.query, filter, expand, fields) and
/// headers (normalized names, rule @request.headers). Malformed options count as none.
struct SubOptions {
    std::map<std::string, std::string, std::less<>> query;
    std::map<std::string, std::string, std::less<>> headers;
    std::string key;  // canonical text of both, for grouping identical evaluations

    std::string QueryValue(std::string_view k) const {
        auto it = query.find(k);
        return it == query.end() ? std::string() : it->second;
    }
};

void CopyStrings(const boost::json::value& from,
                 std::map<std::string, std::string, std::less<>>& to,
                 bool header) {
    if (!from.is_object()) {
        return;
    }
    for (const auto& kv : from.get_object()) {
        std::string v;
        if (kv.value().is_string()) {
            v = std::string(kv.value().get_string());
        } else if (kv.value().is_null()) {
            continue;
        } else {
            v = json::Serialize(kv.value());
        }
        to[header ? NormalizeHeaderName(kv.key()) : std::string(kv.key())] = std::move(v);
    }
}

SubOptions ParseOptions(std::string_view subscription) {
    SubOptions o;
    auto p = subscription.find(kOptionsMarker);
    if (p == std::string_view::npos) {
        return o;
    }
    std::string_view raw = subscription.substr(p + kOptionsMarker.size());
    if (auto amp = raw.find('&'); amp != std::string_view::npos) {
        raw = raw.substr(0, amp);
    }
    auto text = QueryUnescape(raw);
    if (!text) {
        return o;
    }
    auto v = json::Parse(*text);
    if (!v || !v->is_object()) {
        return o;
    }
    if (auto it = v->get_object().find("query"); it != v->get_object().end()) {
        CopyStrings(it->value(), o.query, false);
    }
    if (auto it = v->get_object().find("headers"); it != v->get_object().end()) {
        CopyStrings(it->value(), o.headers, true);
    }
    for (const auto& [k, val] : o.query) {
        o.key += "q" + k + "=" + val + "\n";
    }
    for (const auto& [k, val] : o.headers) {
        o.key += "h" + k + "=" + val + "\n";
    }
    return o;
}

std::string AuthKey(const Auth& a) {
    if (!a.record) {
        return "-";
    }
    return a.record->collection->id + "/" + std::string(a.record->Id());
}

RequestCtx RealtimeCtx(const Auth& auth, const SubOptions& o) {
    RequestCtx ctx;
    ctx.auth = auth;
    ctx.info.auth = auth.record;
    ctx.info.method = "GET";
    ctx.info.context = "realtime";
    ctx.info.query = o.query;
    ctx.info.headers = o.headers;
    return ctx;
}

/// Evaluating many access checks in one query keeps a fan-out to thousands of authenticated
/// subscribers at a few queries per event.
constexpr std::size_t kChecksPerQuery = 64;

/// PocketBase's realtimeCanAccessRecord, prepared: either decided without SQL, or an
/// expression (the rule — skipped for superusers, `rule` null denies others — ANDed with the
/// subscription's own `filter`) to evaluate against a virtual row holding the record's values,
/// so a deleted record is judged as it was, without reading a row that no longer exists.
struct AccessCheck {
    std::optional<bool> decided;
    filter::SqlExpr expr;
};

Result<AccessCheck> PrepareAccess(const filter::Dialect& d,
                                  const schema::Schema& s,
                                  const Record& rec,
                                  const RequestCtx& ctx,
                                  const std::optional<std::string>& rule,
                                  const std::string& filter,
                                  const std::string& alias,
                                  std::size_t first_param) {
    const schema::Collection& c = *rec.collection;
    const bool su = ctx.auth.IsSuperuser();
    std::size_t next = first_param;
    AccessCheck out;
    auto add = [&](filter::SqlExpr e) {
        out.expr.sql += out.expr.sql.empty() ? "(" + e.sql + ")" : " AND (" + e.sql + ")";
        next += e.params.size();
        out.expr.params.insert(out.expr.params.end(), e.params.begin(), e.params.end());
    };
    if (!su) {
        if (!rule) {
            out.decided = false;
            return out;
        }
        if (!rule->empty()) {
            BASALT_TRY(auto e, internal::CompileRule(d, *rule, ctx, s, c, alias, next));
            add(std::move(e));
        }
    }
    if (!filter.empty()) {
        if (!su && (filter.find("@collection.") != std::string::npos ||
                    filter.find("@request.") != std::string::npos)) {
            out.decided = false;
            return out;
        }
        auto e = internal::CompileClientFilter(d, filter, ctx, s, c, alias, next);
        if (!e) {
            out.decided = false;
            return out;
        }
        add(std::move(*e));
    }
    if (out.expr.sql.empty()) {
        out.decided = true;
    }
    return out;
}

std::string AccessAlias(const schema::Collection& c) {
    return c.name + "__pb_realtime__";
}

/// One access check of an event, shared by every subscription with the same auth and options.
struct PendingCheck {
    RequestCtx ctx;
    const std::optional<std::string>* rule = nullptr;
    std::string filter;
    bool allowed = false;
};

/// Decides every check: without SQL where possible, the rest in queries of kChecksPerQuery.
Status EvaluateChecks(store::Tx& tx,
                      const schema::Schema& s,
                      const Record& rec,
                      std::vector<PendingCheck>& checks) {
    const std::string alias = AccessAlias(*rec.collection);
    const std::size_t row_params = store::VirtualRowParamCount(rec);
    std::size_t i = 0;
    while (i < checks.size()) {
        std::vector<filter::SqlExpr> exprs;
        std::vector<PendingCheck*> which;
        std::size_t next = row_params + 1;
        for (; i < checks.size() && exprs.size() < kChecksPerQuery; ++i) {
            PendingCheck& c = checks[i];
            BASALT_TRY(auto a,
                       PrepareAccess(tx.dialect(), s, rec, c.ctx, *c.rule, c.filter, alias, next));
            if (a.decided) {
                c.allowed = *a.decided;
                continue;
            }
            next += a.expr.params.size();
            exprs.push_back(std::move(a.expr));
            which.push_back(&c);
        }
        BASALT_TRY(auto results, store::VirtualRowMatchesEach(tx, rec, alias, exprs));
        for (std::size_t k = 0; k < which.size(); ++k) {
            which[k]->allowed = results[k];
        }
    }
    return Ok();
}

/// A single check (the manageRule of an auth record for one viewer).
Result<bool> CanAccess(store::Tx& tx,
                       const schema::Schema& s,
                       const Record& rec,
                       const RequestCtx& ctx,
                       const std::optional<std::string>& rule) {
    const std::string alias = AccessAlias(*rec.collection);
    BASALT_TRY(
        auto a,
        PrepareAccess(
            tx.dialect(), s, rec, ctx, rule, {}, alias, store::VirtualRowParamCount(rec) + 1));
    if (a.decided) {
        return *a.decided;
    }
    return store::VirtualRowMatches(tx, rec, alias, a.expr);
}

/// The event's JSON for one viewer and subscription: {"record","action"} with the record as a
/// view response would show it (hidden fields, email visibility, expand, fields).
Result<std::shared_ptr<const std::string>> Render(store::Tx& tx,
                                                  const schema::Schema& s,
                                                  const Record& rec,
                                                  const RequestCtx& ctx,
                                                  const SubOptions& o,
                                                  const std::string& action,
                                                  const FieldsPicker& picker) {
    Record r = rec;
    const std::string expand = o.QueryValue("expand");
    if (!expand.empty()) {
        std::vector<Record> one{std::move(r)};
        if (auto st = internal::Expand(tx, s, ctx, one, internal::ParseExpand(expand)); !st) {
            log::Debug("realtime: expand of {} failed: {}", rec.Id(), st.error().message);
        }
        r = std::move(one.front());
    }
    const schema::Collection& c = *rec.collection;
    if (c.IsAuth() && !ctx.auth.IsGuest() && !ctx.auth.IsSuperuser()) {
        if (auto manage = c.ManageRule(); manage && !manage->empty()) {
            BASALT_TRY(bool managed, CanAccess(tx, s, rec, ctx, manage));
            r.managed = managed;
        }
    }
    const ExportOptions eo = ExportOptionsFor(ctx.auth, r);
    auto out = std::make_shared<std::string>();
    // PocketBase marshals a struct: "record" first, then "action".
    *out += "{\"record\":";
    const std::string fields = o.QueryValue("fields");
    if (fields.empty() || !picker) {
        WriteRecordJson(*out, r, eo, ctx.auth);
    } else {
        boost::json::value v = ExportRecord(r, eo, ctx.auth);
        picker(v, fields);
        json::Write(*out, v);
    }
    *out += ",\"action\":";
    json::WriteString(*out, action);
    out->push_back('}');
    return std::shared_ptr<const std::string>(std::move(out));
}

}  // namespace

RealtimeService::RealtimeService(store::Store& store,
                                 SchemaRegistry& registry,
                                 realtime::Broker& broker,
                                 realtime::EventBus& bus,
                                 net::any_io_executor dispatch,
                                 FieldsPicker picker,
                                 RealtimeOptions options)
    : store_(store),
      registry_(registry),
      broker_(broker),
      bus_(bus),
      dispatch_(std::move(dispatch)),
      picker_(std::move(picker)),
      options_(options),
      sweep_strand_(net::make_strand(dispatch_)),
      sweep_timer_(sweep_strand_) {
    bus_.Subscribe([this](const std::vector<realtime::EventPtr>& events) { OnEvents(events); });
}

void RealtimeService::Start() {
    net::co_spawn(sweep_strand_, SweepLoop(this), [](const std::exception_ptr& e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::Error("realtime: idle sweep failed: {}", ex.what());
            }
        }
    });
}

void RealtimeService::Stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    net::post(sweep_strand_, [this] { sweep_timer_.cancel(); });
}

net::awaitable<void> RealtimeService::SweepLoop(RealtimeService* self) {
    // Sweeping every half timeout (at most every 10 s) ends an idle stream within 1.5 timeouts.
    const auto interval = std::min<std::chrono::steady_clock::duration>(
        self->options_.idle_timeout / 2, std::chrono::seconds(10));
    while (!self->stopping_.load()) {
        self->sweep_timer_.expires_after(interval);
        auto [ec] = co_await self->sweep_timer_.async_wait(net::as_tuple(net::use_awaitable));
        if (ec || self->stopping_.load()) {
            co_return;
        }
        self->SweepIdle();
    }
}

void RealtimeService::SweepIdle() {
    const auto deadline = std::chrono::steady_clock::now() - options_.idle_timeout;
    for (const auto& c : broker_.Clients()) {
        if (c->last_activity() < deadline) {
            broker_.Disconnect(c->id());
        }
    }
}

void RealtimeService::Committed(std::vector<RecordChange> changes) {
    std::vector<realtime::EventPtr> events;
    events.reserve(changes.size());
    for (auto& ch : changes) {
        auto e = std::make_shared<realtime::RecordEvent>();
        e->action = ActionName(ch.action);
        e->collection_id = ch.record.collection->id;
        e->record = std::move(ch.record.values);
        events.push_back(std::move(e));
    }
    bus_.Publish(std::move(events));
}

void RealtimeService::OnEvents(const std::vector<realtime::EventPtr>& events) {
    if (events.empty()) {
        return;
    }
    bool start = false;
    {
        std::lock_guard lock(mu_);
        pending_.insert(pending_.end(), events.begin(), events.end());
        if (!dispatching_) {
            dispatching_ = true;
            start = true;
        }
    }
    if (start) {
        net::co_spawn(dispatch_, DispatchLoop(this), [](const std::exception_ptr& e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log::Error("realtime: dispatcher failed: {}", ex.what());
                }
            }
        });
    }
}

net::awaitable<void> RealtimeService::DispatchLoop(RealtimeService* self) {
    for (;;) {
        std::vector<realtime::EventPtr> batch;
        {
            std::lock_guard lock(self->mu_);
            if (self->pending_.empty()) {
                self->dispatching_ = false;
                co_return;
            }
            batch.swap(self->pending_);
        }
        if (self->broker_.size() == 0) {
            continue;  // nobody listens; the events are gone
        }
        auto unit = [self, &batch](store::Tx& tx) { return self->Fanout(tx, batch); };
        Status st = Ok();
        try {
            st = co_await self->store_.Read(std::move(unit));
        } catch (const std::exception& e) {
            st = Internal(e.what());
        }
        if (!st) {
            log::Warn(
                "realtime: fan-out of {} event(s) failed: {}", batch.size(), st.error().message);
        }
    }
}

Status RealtimeService::Fanout(store::Tx& tx, const std::vector<realtime::EventPtr>& batch) {
    const schema::SchemaPtr s = registry_.Get();
    for (const auto& e : batch) {
        auto c = s->FindById(e->collection_id);
        if (!c) {
            continue;
        }
        Record rec;
        rec.collection = c;
        rec.values = e->record;
        const std::string id(rec.Id());
        if (c->IsAuth()) {
            // The bound auth follows its record: refreshed on update, unbound on delete or when
            // its tokenKey changed (every token of the record became invalid).
            for (const auto& client : broker_.Clients()) {
                auto b = BindingOf(*client);
                if (!b || !b->auth.record || b->auth.record->collection->id != c->id ||
                    b->auth.record->Id() != id) {
                    continue;
                }
                if (e->action == "delete" ||
                    b->auth.record->GetString("tokenKey") != rec.GetString("tokenKey")) {
                    BindGuest(*client);
                } else {
                    auto nb = std::make_shared<Binding>(*b);
                    nb->auth.record = rec;
                    client->set_binding(std::move(nb));
                }
            }
        }
        const std::vector<std::string> bases{
            c->name + "/" + id, c->id + "/" + id, c->name + "/*", c->id + "/*", c->name, c->id};
        std::vector<realtime::Delivery> deliveries = broker_.Match(bases);
        if (deliveries.empty()) {
            continue;
        }

        // 1. who asks, with which options: one check per distinct (rule, auth, options)
        struct Target {
            realtime::Delivery* delivery;
            std::size_t check;
            std::string viewer;
            const SubOptions* options;
            Auth auth;
        };

        std::map<std::string, SubOptions, std::less<>> options;
        std::map<std::string, std::size_t, std::less<>> check_index;
        std::vector<PendingCheck> checks;
        std::vector<Target> targets;
        targets.reserve(deliveries.size());
        for (auto& d : deliveries) {
            if (d.client->closed()) {
                continue;
            }
            const std::string_view base = realtime::TopicBase(d.subscription);
            const bool view = base == bases[0] || base == bases[1];
            // The binding is checked against the current token secret of its collection.
            Auth auth;
            if (auto b = BindingOf(*d.client); b && b->auth.record) {
                auto ac = s->FindById(b->auth.record->collection->id);
                if (ac && ac->TokenSecret("authToken") == b->secret) {
                    auth = b->auth;
                    auth.record->collection = ac;
                } else {
                    BindGuest(*d.client);
                }
            }
            auto oit = options.find(d.subscription);
            if (oit == options.end()) {
                oit = options.emplace(d.subscription, ParseOptions(d.subscription)).first;
            }
            const SubOptions& o = oit->second;
            std::string viewer = AuthKey(auth) + "\n" + o.key;
            std::string access_key = (view ? "v" : "l") + viewer;
            auto cit = check_index.find(access_key);
            if (cit == check_index.end()) {
                PendingCheck pc;
                pc.ctx = RealtimeCtx(auth, o);
                pc.rule = view ? &c->view_rule : &c->list_rule;
                pc.filter = o.QueryValue("filter");
                checks.push_back(std::move(pc));
                cit = check_index.emplace(std::move(access_key), checks.size() - 1).first;
            }
            targets.push_back(Target{&d, cit->second, std::move(viewer), &o, std::move(auth)});
        }
        // 2. the rule checks, batched
        BASALT_RETURN_IF_ERROR(EvaluateChecks(tx, *s, rec, checks));
        // 3. render once per viewer, queue without blocking
        std::map<std::string, std::shared_ptr<const std::string>, std::less<>> rendered;
        for (auto& t : targets) {
            if (!checks[t.check].allowed) {
                continue;
            }
            auto rit = rendered.find(t.viewer);
            if (rit == rendered.end()) {
                const RequestCtx ctx = RealtimeCtx(t.auth, *t.options);
                BASALT_TRY(auto data, Render(tx, *s, rec, ctx, *t.options, e->action, picker_));
                rit = rendered.emplace(t.viewer, std::move(data)).first;
            }
            realtime::Client& client = *t.delivery->client;
            if (!client.Send(realtime::Message{std::move(t.delivery->subscription), rit->second}) &&
                client.dropped()) {
                // Its queue overflowed: forget it now (its stream ends once its pending write
                // fails or times out); the SDK reconnects and resubscribes.
                log::Warn("realtime: client {} dropped, its queue is full", client.id());
                broker_.Disconnect(client.id());
            }
        }
    }
    return Ok();
}

std::shared_ptr<realtime::Client> RealtimeService::Connect(net::any_io_executor ex,
                                                           std::string remote_ip) {
    auto c = broker_.Connect(std::move(ex), std::move(remote_ip));
    BindGuest(*c);
    return c;
}

void RealtimeService::Disconnect(const std::string& client_id) {
    broker_.Disconnect(client_id);
}

bool RealtimeService::DeliverOAuth2Redirect(const std::string& state,
                                            const std::string& code,
                                            const std::string& error) {
    if (state.empty()) {
        log::Debug("OAuth2 redirect without a state");
        return false;
    }
    auto client = broker_.Find(state);
    if (!client || client->closed() || !broker_.Unsubscribe(client, kOAuth2Topic)) {
        log::Debug("OAuth2 redirect for a missing or unsubscribed realtime client");
        return false;
    }
    boost::json::object data;
    data["state"] = state;
    data["code"] = code;
    if (!error.empty()) {
        data["error"] = error;
    }
    realtime::Message m;
    m.event = std::string(kOAuth2Topic);
    m.data = std::make_shared<const std::string>(json::Serialize(data));
    return client->Send(std::move(m));
}

Status RealtimeService::SetSubscriptions(const RequestCtx& ctx,
                                         const std::string& client_id,
                                         std::vector<std::string> subscriptions,
                                         const std::string& remote_ip) {
    if (client_id.empty()) {
        return InvalidArgument(
            std::string(kGenericBadRequest),
            {{"clientId", FieldError("validation_required", "Cannot be blank.")}});
    }
    if (client_id.size() > 255) {
        return InvalidArgument(std::string(kGenericBadRequest),
                               {{"clientId",
                                 FieldError("validation_length_out_of_range",
                                            "The length must be between 1 and 255.")}});
    }
    if (subscriptions.size() > options_.max_subscriptions) {
        return InvalidArgument(
            std::string(kGenericBadRequest),
            {{"subscriptions",
              FieldError("validation_length_too_long",
                         "The length must be no more than " +
                             std::to_string(options_.max_subscriptions) + ".")}});
    }
    for (std::size_t i = 0; i < subscriptions.size(); ++i) {
        if (subscriptions[i].size() > options_.max_subscription_length) {
            boost::json::object item;
            item[std::to_string(i)] =
                FieldError("validation_length_too_long",
                           "The length must be no more than " +
                               std::to_string(options_.max_subscription_length) + ".");
            return InvalidArgument(std::string(kGenericBadRequest),
                                   {{"subscriptions", std::move(item)}});
        }
    }
    auto client = broker_.Find(client_id);
    if (!client) {
        return NotFound("Missing or invalid client id.");
    }
    if (client->remote_ip() != remote_ip) {
        return InvalidArgument("Invalid realtime client.");
    }
    if (auto b = BindingOf(*client); b && b->auth.record) {
        const auto& prev = *b->auth.record;
        const auto& now = ctx.auth.record;
        if (!now || now->Id() != prev.Id() || now->collection->id != prev.collection->id) {
            return PermissionDenied(
                "The current and the previous request authorization don't match.");
        }
    }
    auto nb = std::make_shared<Binding>();
    nb->auth = ctx.auth;
    if (ctx.auth.record) {
        nb->secret = ctx.auth.record->collection->TokenSecret("authToken");
    }
    client->set_binding(std::move(nb));
    if (!broker_.SetSubscriptions(client, std::move(subscriptions))) {
        return NotFound("Missing or invalid client id.");
    }
    return Ok();
}

}  // namespace basalt::service
