// Rate limiting.
#include "basalt/service/rate_limiter.hpp"

namespace basalt::service {

namespace {

namespace bj = boost::json;

struct Rule {
    std::string label;
    std::string audience;
    std::int64_t duration = 0;
    std::int64_t max_requests = 0;
};

std::optional<Rule> MatchRule(const bj::array& rules, const std::vector<std::string>& labels, const RateLimitRequest& r) {
    for (const auto& label : labels) {
        for (const auto& v : rules) {
            if (!v.is_object()) {
                continue;
            }
            const bj::object& o = v.get_object();
            auto str = [&](std::string_view k) {
                auto it = o.find(k);
                return it != o.end() && it->value().is_string() ? std::string(it->value().get_string())
                                                                : std::string();
            };
            auto num = [&](std::string_view k) {
                auto it = o.find(k);
                return it != o.end() && it->value().is_number() ? it->value().to_number<std::int64_t>() : 0;
            };
            if (str("label") != label) {
                continue;
            }
            const std::string audience = str("audience");
            if ((audience == "@guest" && !r.guest) || (audience == "@auth" && r.guest)) {
                continue;
            }
            return Rule{label, audience, num("duration"), num("maxRequests")};
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> RateLimiter::Labels(const RateLimitRequest& r) {
    std::vector<std::string> out;
    if (!r.action.empty()) {
        if (!r.collection.empty()) {
            out.push_back(r.collection + ":" + r.action);
        }
        out.push_back("*:" + r.action);
        if (r.auth_action) {
            if (!r.collection.empty()) {
                out.push_back(r.collection + ":auth");
            }
            out.push_back("*:auth");
        }
    }
    out.push_back(r.method + " " + r.path);
    out.push_back(r.path);
    for (std::size_t slash = r.path.rfind('/'); slash != std::string::npos && slash > 0;
         slash = r.path.rfind('/', slash - 1)) {
        out.push_back(r.path.substr(0, slash + 1));
    }
    if (!r.path.empty() && r.path != "/") {
        out.emplace_back("/");
    }
    return out;
}

bool RateLimiter::Active(const bj::object& settings) {
    auto section = settings.find("rateLimits");
    if (section == settings.end() || !section->value().is_object()) {
        return false;
    }
    const bj::object& rl = section->value().get_object();
    auto enabled = rl.find("enabled");
    return enabled != rl.end() && enabled->value().is_bool() && enabled->value().get_bool();
}

bool RateLimiter::Allow(const bj::object& settings, const RateLimitRequest& r) {
    if (r.superuser) {
        return true;
    }
    if (!Active(settings)) {
        return true;
    }
    const bj::object& rl = settings.at("rateLimits").get_object();
    if (auto ex = rl.find("excludedIPs"); ex != rl.end() && ex->value().is_array()) {
        for (const auto& ip : ex->value().get_array()) {
            if (ip.is_string() && ip.get_string() == r.client) {
                return true;
            }
        }
    }
    auto rules = rl.find("rules");
    if (rules == rl.end() || !rules->value().is_array()) {
        return true;
    }
    auto rule = MatchRule(rules->value().get_array(), Labels(r), r);
    if (!rule || rule->duration <= 0 || rule->max_requests <= 0) {
        return true;
    }
    const auto now = Clock::now();
    const auto window = std::chrono::seconds(rule->duration);
    std::lock_guard lock(mu_);
    if (++calls_ % 4096 == 0) {
        for (auto it = windows_.begin(); it != windows_.end();) {
            it = now - it->second.start > std::chrono::hours(1) ? windows_.erase(it) : std::next(it);
        }
    }
    Window& w = windows_[rule->label + "|" + rule->audience + "|" + r.client];
    if (w.count == 0 || now - w.start >= window) {
        w.start = now;
        w.count = 0;
    }
    if (w.count >= rule->max_requests) {
        return false;
    }
    ++w.count;
    return true;
}

}  // namespace basalt::service
