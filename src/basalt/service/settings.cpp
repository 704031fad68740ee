// Settings access.
#include "basalt/service/settings.hpp"

#include <iterator>

#include "basalt/store/collection_rows.hpp"

namespace basalt::service {

namespace {

constexpr std::string_view kSaveFailed = "An error occurred while saving the new settings.";

/// Merges `patch` into `into`; false on a type mismatch (PocketBase binds into typed structs).
bool MergeInto(boost::json::object& into, const boost::json::object& patch) {
    for (const auto& kv : patch) {
        auto it = into.find(kv.key());
        if (it == into.end()) {
            continue;  // unknown keys are ignored, as Go's decoder does
        }
        boost::json::value& cur = it->value();
        const boost::json::value& next = kv.value();
        if (cur.is_object()) {
            if (!next.is_object() || !MergeInto(cur.get_object(), next.get_object())) {
                return false;
            }
        } else if (cur.is_array()) {
            if (!next.is_array()) {
                return false;
            }
            cur = next;
        } else if (cur.is_number()) {
            if (!next.is_number()) {
                return false;
            }
            cur = next;
        } else if (cur.is_bool() || cur.is_string()) {
            if (next.kind() != cur.kind()) {
                return false;
            }
            cur = next;
        } else {
            cur = next;
        }
    }
    return true;
}

std::string Str(const boost::json::object& o, std::string_view section, std::string_view key) {
    auto sec = o.find(section);
    if (sec == o.end() || !sec->value().is_object()) {
        return {};
    }
    auto it = sec->value().get_object().find(key);
    return it != sec->value().get_object().end() && it->value().is_string() ? std::string(it->value().get_string())
                                                                           : std::string();
}

bool LooksLikeEmail(std::string_view s) {
    auto at = s.find('@');
    return at != std::string_view::npos && at > 0 && s.find('.', at) != std::string_view::npos &&
           s.find(' ') == std::string_view::npos;
}

bool LooksLikeUrl(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

const boost::json::value* Setting(const boost::json::object& settings, std::string_view section, std::string_view key);

/// A representative subset of PocketBase's settings validation, with its nested error shape.
boost::json::object Validate(const boost::json::object& st) {
    boost::json::object errors;
    auto add = [&](std::string_view section, std::string_view key, boost::json::object leaf) {
        boost::json::value& sec = errors[section];
        if (!sec.is_object()) {
            sec = boost::json::object{};
        }
        sec.get_object()[key] = std::move(leaf);
    };
    const auto required = [] { return FieldError("validation_required", "Cannot be blank."); };
    if (std::string n = Str(st, "meta", "appName"); n.empty()) {
        add("meta", "appName", required());
    } else if (n.size() > 255) {
        add("meta", "appName", FieldError("validation_length_too_long", "The length must be no more than 255.",
                                          {{"max", 255}}));
    }
    if (std::string u = Str(st, "meta", "appURL"); u.empty()) {
        add("meta", "appURL", required());
    } else if (!LooksLikeUrl(u)) {
        add("meta", "appURL", FieldError("validation_is_url", "Must be a valid URL."));
    }
    if (Str(st, "meta", "senderName").empty()) {
        add("meta", "senderName", required());
    }
    if (std::string a = Str(st, "meta", "senderAddress"); a.empty()) {
        add("meta", "senderAddress", required());
    } else if (!LooksLikeEmail(a)) {
        add("meta", "senderAddress", FieldError("validation_is_email", "Must be a valid email address."));
    }
    if (SettingBool(st, "smtp", "enabled")) {
        if (Str(st, "smtp", "host").empty()) {
            add("smtp", "host", required());
        }
        if (SettingInt(st, "smtp", "port", 0) <= 0) {
            add("smtp", "port", required());
        }
    }
    for (std::string_view key : {"maxRequests", "timeout", "maxBodySize"}) {
        if (SettingInt(st, "batch", key, 0) < 0) {
            add("batch", key, FieldError("validation_min_greater_equal_than_required",
                                         "Must be no less than 0.", {{"threshold", 0}}));
        }
    }
    if (SettingBool(st, "batch", "enabled") && SettingInt(st, "batch", "maxRequests", 0) <= 0) {
        add("batch", "maxRequests", required());
    }
    if (const auto* rules = Setting(st, "rateLimits", "rules"); rules != nullptr && rules->is_array()) {
        boost::json::object rule_errors;
        const auto& arr = rules->get_array();
        for (std::size_t i = 0; i < arr.size(); ++i) {
            boost::json::object e;
            const boost::json::object* r = arr[i].if_object();
            auto field = [&](std::string_view k) -> const boost::json::value* {
                if (r == nullptr) {
                    return nullptr;
                }
                auto it = r->find(k);
                return it == r->end() ? nullptr : &it->value();
            };
            const auto* label = field("label");
            if (label == nullptr || !label->is_string() || label->get_string().empty()) {
                e["label"] = required();
            }
            const auto* audience = field("audience");
            if (audience != nullptr && (!audience->is_string() ||
                                        (audience->get_string() != "" && audience->get_string() != "@guest" &&
                                         audience->get_string() != "@auth"))) {
                e["audience"] = FieldError("validation_in_invalid", "Must be a valid value.");
            }
            for (std::string_view k : {"duration", "maxRequests"}) {
                const auto* v = field(k);
                if (v == nullptr || !v->is_number() || v->to_number<double>() < 1) {
                    e[k] = FieldError("validation_min_greater_equal_than_required", "Must be no less than 1.",
                                      {{"threshold", 1}});
                }
            }
            if (!e.empty()) {
                rule_errors[std::to_string(i)] = std::move(e);
            }
        }
        if (!rule_errors.empty()) {
            add("rateLimits", "rules", std::move(rule_errors));
        }
    }
    if (SettingInt(st, "logs", "maxDays", 0) < 0) {
        add("logs", "maxDays", FieldError("validation_min_greater_equal_than_required", "Must be no less than 0.",
                                          {{"threshold", 0}}));
    }
    return errors;
}

const boost::json::value* Setting(const boost::json::object& settings, std::string_view section, std::string_view key) {
    auto sec = settings.find(section);
    if (sec == settings.end() || !sec->value().is_object()) {
        return nullptr;
    }
    auto it = sec->value().get_object().find(key);
    return it == sec->value().get_object().end() ? nullptr : &it->value();
}

}  // namespace

boost::json::object PublicSettings(boost::json::object settings) {
    auto drop = [&](std::initializer_list<std::string_view> path) {
        boost::json::object* o = &settings;
        auto it = path.begin();
        for (; std::next(it) != path.end(); ++it) {
            auto f = o->find(*it);
            if (f == o->end() || !f->value().is_object()) {
                return;
            }
            o = &f->value().get_object();
        }
        o->erase(*it);
    };
    drop({"smtp", "password"});
    drop({"s3", "secret"});
    drop({"backups", "s3", "secret"});
    return settings;
}

boost::asio::awaitable<Result<boost::json::object>> SettingsService::Update(boost::json::object patch) {
    auto unit = [&](store::Tx& tx) -> Result<boost::json::object> {
        BASALT_TRY(auto current, store::LoadSettings(tx));
        if (!MergeInto(current, patch)) {
            return InvalidArgument("Failed to read the submitted data.");
        }
        if (auto errors = Validate(current); !errors.empty()) {
            return InvalidArgument(std::string(kSaveFailed), std::move(errors));
        }
        BASALT_RETURN_IF_ERROR(store::SaveSettings(tx, current));
        auto next = std::make_shared<const boost::json::object>(current);
        tx.OnCommit([this, next] { std::atomic_store(&cached_, next); });
        return current;
    };
    co_return co_await store_.Write(std::move(unit));
}

boost::asio::awaitable<Result<std::shared_ptr<const boost::json::object>>> SettingsService::Current() {
    if (auto cached = Peek()) {
        co_return cached;
    }
    auto unit = [](store::Tx& tx) { return store::LoadSettings(tx); };
    BASALT_CO_TRY(auto loaded, co_await store_.Read(std::move(unit)));
    auto fresh = std::make_shared<const boost::json::object>(std::move(loaded));
    // A concurrent Update may have stored newer settings meanwhile: keep those.
    std::shared_ptr<const boost::json::object> expected;
    std::atomic_compare_exchange_strong(&cached_, &expected, fresh);
    co_return Peek();
}

boost::asio::awaitable<Result<boost::json::object>> SettingsService::Get() {
    BASALT_CO_TRY(auto current, co_await Current());
    co_return *current;
}


std::int64_t SettingInt(const boost::json::object& settings, std::string_view section, std::string_view key,
                        std::int64_t def) {
    const auto* v = Setting(settings, section, key);
    return v != nullptr && v->is_number() ? v->to_number<std::int64_t>() : def;
}

bool SettingBool(const boost::json::object& settings, std::string_view section, std::string_view key) {
    const auto* v = Setting(settings, section, key);
    return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace basalt::service
