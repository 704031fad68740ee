// POST /api/batch (pocketbase-api.md §2.4): record creates, updates, upserts and deletes in one
// transaction; any failure rolls everything back and names the failing sub-request.
#include "basalt/api/internal_handlers.hpp"

#include <set>

#include <boost/url/parse.hpp>

#include "basalt/base/strings.hpp"
#include "basalt/service/record_export.hpp"

namespace basalt::api::internal {

namespace {

constexpr std::size_t kMaxUrl = 2000;
constexpr std::string_view kInvalidData = "Invalid batch request data.";

/// One failed sub-request in PocketBase's batch envelope.
http::Response BatchFailure(std::size_t index, const Error& e) {
    const http::Response sub = ErrorResponse(e);
    auto parsed = json::Parse(sub.body);
    boost::json::object item = FieldError("batch_request_failed", "Batch request failed.");
    item["response"] = parsed ? std::move(*parsed) : boost::json::value(boost::json::object{});
    boost::json::object requests;
    requests[std::to_string(index)] = std::move(item);
    return ErrorResponse(InvalidArgument("Batch transaction failed.", {{"requests", std::move(requests)}}));
}

/// Matches a sub-request's method + url to a records action; false for anything else.
/// "requests.N.<field>" / "requests[N].<field>" -> N and <field>.
bool ParseBatchFileKey(std::string_view key, std::size_t& index, std::string& field) {
    constexpr std::string_view kPrefix = "requests";
    if (!key.starts_with(kPrefix)) {
        return false;
    }
    key.remove_prefix(kPrefix.size());
    const bool bracket = key.starts_with('[');
    if (!bracket && !key.starts_with('.')) {
        return false;
    }
    key.remove_prefix(1);
    const std::size_t digits = key.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string_view::npos || digits > 6) {
        return false;
    }
    index = static_cast<std::size_t>(std::stoul(std::string(key.substr(0, digits))));
    key.remove_prefix(digits);
    if (bracket) {
        if (!key.starts_with(']')) {
            return false;
        }
        key.remove_prefix(1);
    }
    if (!key.starts_with('.') || key.size() < 2) {
        return false;
    }
    field = std::string(key.substr(1));
    return true;
}

bool MatchAction(std::string_view method, std::string_view url, service::BatchAction& a) {
    auto parsed = boost::urls::parse_uri_reference(url);
    if (!parsed || parsed->has_scheme() || parsed->has_authority()) {
        return false;
    }
    std::vector<std::string> segs;
    for (auto seg : parsed->segments()) {
        segs.push_back(seg);
    }
    if (segs.size() < 4 || segs[0] != "api" || segs[1] != "collections" || segs[3] != "records" || segs[2].empty()) {
        return false;
    }
    a.collection = segs[2];
    for (auto p : parsed->params()) {
        a.query.try_emplace(std::string(p.key), p.has_value ? std::string(p.value) : std::string());
    }
    a.method = std::string(method);
    if (segs.size() == 4 && method == "POST") {
        a.op = service::BatchAction::Op::kCreate;
        return true;
    }
    if (segs.size() == 4 && method == "PUT") {
        a.op = service::BatchAction::Op::kUpsert;
        return true;
    }
    if (segs.size() == 5 && !segs[4].empty() && (method == "PATCH" || method == "DELETE")) {
        a.op = method == "PATCH" ? service::BatchAction::Op::kUpdate : service::BatchAction::Op::kDelete;
        a.id = segs[4];
        return true;
    }
    return false;
}

std::string Upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

}  // namespace

net::awaitable<http::Response> Batch(Services* s, http::Request& req) {
    auto settings = co_await s->settings->Get();
    if (!settings) {
        co_return ErrorResponse(settings.error());
    }
    const std::int64_t max_requests = service::SettingInt(*settings, "batch", "maxRequests", 0);
    if (!service::SettingBool(*settings, "batch", "enabled") || max_requests <= 0) {
        co_return ErrorResponse(PermissionDenied("Batch requests are not allowed."));
    }
    const std::int64_t timeout_s = std::max<std::int64_t>(1, service::SettingInt(*settings, "batch", "timeout", 3));

    auto body = co_await ReadUploadBody(req, *s->files);
    if (!body) {
        co_return ErrorResponse(body.error());
    }
    auto it = body->data.find("requests");
    if (it == body->data.end() || !it->value().is_array() || it->value().get_array().empty()) {
        co_return ErrorResponse(InvalidArgument(std::string(kInvalidData),
                                                {{"requests", FieldError("validation_required", "Cannot be blank.")}}));
    }
    const auto& items = it->value().get_array();
    if (static_cast<std::int64_t>(items.size()) > max_requests) {
        co_return ErrorResponse(InvalidArgument(
            std::string(kInvalidData),
            {{"requests", FieldError("validation_length_too_long",
                                     "The length must be no more than " + std::to_string(max_requests) + ".",
                                     {{"max", max_requests}})}}));
    }
    // Field-level validation of every item first (as PocketBase validates the whole form).
    boost::json::object item_errors;
    for (std::size_t i = 0; i < items.size(); ++i) {
        boost::json::object e;
        const auto* o = items[i].if_object();
        const boost::json::value* method = o != nullptr ? o->if_contains("method") : nullptr;
        const boost::json::value* url = o != nullptr ? o->if_contains("url") : nullptr;
        static const std::set<std::string> kMethods{"GET", "POST", "PUT", "PATCH", "DELETE"};
        if (method == nullptr || !method->is_string() || method->get_string().empty()) {
            e["method"] = FieldError("validation_required", "Cannot be blank.");
        } else if (!kMethods.contains(Upper(method->get_string()))) {
            e["method"] = FieldError("validation_in_invalid", "Must be a valid value.");
        }
        if (url == nullptr || !url->is_string() || url->get_string().empty()) {
            e["url"] = FieldError("validation_required", "Cannot be blank.");
        } else if (url->get_string().size() > kMaxUrl) {
            e["url"] = FieldError("validation_length_too_long", "The length must be no more than 2000.",
                                  {{"max", static_cast<std::int64_t>(kMaxUrl)}});
        }
        if (!e.empty()) {
            item_errors[std::to_string(i)] = std::move(e);
        }
    }
    if (!item_errors.empty()) {
        co_return ErrorResponse(InvalidArgument(std::string(kInvalidData), {{"requests", std::move(item_errors)}}));
    }

    std::vector<service::BatchAction> actions;
    actions.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& o = items[i].get_object();
        service::BatchAction a;
        if (!MatchAction(Upper(o.at("method").get_string()), o.at("url").get_string(), a)) {
            co_return BatchFailure(i, InvalidArgument("Unknown batch request action."));
        }
        if (const auto* b = o.if_contains("body"); b != nullptr && b->is_object()) {
            a.body = b->get_object();
        }
        if (const auto* h = o.if_contains("headers"); h != nullptr && h->is_object()) {
            for (const auto& kv : h->get_object()) {
                std::string name = NormalizeHeaderName(kv.key());
                if (name != "authorization" && kv.value().is_string()) {  // the parent's auth only
                    a.headers[name] = std::string(kv.value().get_string());
                }
            }
        }
        actions.push_back(std::move(a));
    }
    // Multipart file parts named `requests.N.<field>` or `requests[N].<field>` belong to item N.
    for (auto& u : body->uploads) {
        std::size_t index = 0;
        std::string field;
        if (ParseBatchFileKey(u.field, index, field) && index < actions.size()) {
            u.field = std::move(field);
            actions[index].uploads.push_back(std::move(u));
        }
    }
    body->uploads.clear();

    service::RequestCtx ctx = MakeCtx(req);
    std::vector<std::string> fields;
    fields.reserve(actions.size());
    for (const auto& a : actions) {
        auto f = a.query.find("fields");
        fields.push_back(f == a.query.end() ? std::string() : f->second);
    }
    auto outcome = co_await s->records->Batch(std::move(ctx), std::move(actions), std::chrono::seconds(timeout_s));
    if (!outcome) {
        co_return ErrorResponse(outcome.error());
    }
    if (outcome->failed_index) {
        co_return BatchFailure(*outcome->failed_index, outcome->failure);
    }
    boost::json::array results;
    const auto& auth = AuthOf(req);
    for (std::size_t i = 0; i < outcome->results.size(); ++i) {
        boost::json::object item;
        if (const auto& rec = outcome->results[i]) {
            boost::json::value v = service::ExportRecord(*rec, service::ExportOptionsFor(auth, *rec), auth);
            if (!fields[i].empty()) {
                PickFields(v, fields[i]);
            }
            item["body"] = std::move(v);
            item["status"] = 200;
        } else {
            item["body"] = nullptr;
            item["status"] = 204;
        }
        results.push_back(std::move(item));
    }
    co_return JsonOk(req, std::move(results));
}

}  // namespace basalt::api::internal
