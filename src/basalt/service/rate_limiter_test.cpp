#include "basalt/service/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace basalt::service {
namespace {

RateLimitRequest Req(std::string method, std::string path, std::string collection = {}, std::string action = {}) {
    RateLimitRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.collection = std::move(collection);
    r.action = std::move(action);
    r.client = "10.0.0.1";
    return r;
}

boost::json::object Settings(std::string_view rules, bool enabled = true) {
    return boost::json::parse(R"({"rateLimits":{"enabled":)" + std::string(enabled ? "true" : "false") +
                              R"(,"excludedIPs":["10.9.9.9"],"rules":)" + std::string(rules) + "}}")
        .as_object();
}

TEST(RateLimiterTest, LabelsFromMostToLeastSpecific) {
    auto r = Req("POST", "/api/collections/users/auth-with-password", "users", "authWithPassword");
    r.auth_action = true;
    EXPECT_EQ(RateLimiter::Labels(r),
              (std::vector<std::string>{"users:authWithPassword", "*:authWithPassword", "users:auth", "*:auth",
                                        "POST /api/collections/users/auth-with-password",
                                        "/api/collections/users/auth-with-password", "/api/collections/users/",
                                        "/api/collections/", "/api/", "/"}));
}

TEST(RateLimiterTest, TheMostSpecificMatchingRuleCountsPerClient) {
    RateLimiter limiter;
    auto settings = Settings(R"([{"label":"/api/","duration":10,"maxRequests":100},
                                 {"label":"*:create","duration":10,"maxRequests":2}])");
    auto create = Req("POST", "/api/collections/demo2/records", "demo2", "create");
    EXPECT_TRUE(limiter.Allow(settings, create));
    EXPECT_TRUE(limiter.Allow(settings, create));
    EXPECT_FALSE(limiter.Allow(settings, create));
    auto other_client = create;
    other_client.client = "10.0.0.2";
    EXPECT_TRUE(limiter.Allow(settings, other_client));
    EXPECT_TRUE(limiter.Allow(settings, Req("GET", "/api/collections/demo2/records", "demo2", "list")));
    auto su = create;
    su.superuser = true;
    EXPECT_TRUE(limiter.Allow(settings, su));
    auto excluded = create;
    excluded.client = "10.9.9.9";
    EXPECT_TRUE(limiter.Allow(settings, excluded));
    EXPECT_TRUE(limiter.Allow(Settings("[]", false), create));  // disabled
}

TEST(RateLimiterTest, AudienceSelectsGuestsOrAuthenticated) {
    RateLimiter limiter;
    auto settings = Settings(R"([{"label":"/api/health","audience":"@guest","duration":10,"maxRequests":1}])");
    auto guest = Req("GET", "/api/health");
    auto user = guest;
    user.guest = false;
    EXPECT_TRUE(limiter.Allow(settings, guest));
    EXPECT_FALSE(limiter.Allow(settings, guest));
    EXPECT_TRUE(limiter.Allow(settings, user));
    EXPECT_TRUE(limiter.Allow(settings, user));
}

}  // namespace
}  // namespace basalt::service
