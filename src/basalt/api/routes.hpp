// The PocketBase route table: registers every /api route and the auth-resolving middleware.
#pragma once

#include "basalt/http/router.hpp"
#include "basalt/service/auth_service.hpp"
#include "basalt/service/collections.hpp"
#include "basalt/service/mail_service.hpp"
#include "basalt/service/rate_limiter.hpp"
#include "basalt/service/files.hpp"
#include "basalt/service/records.hpp"
#include "basalt/service/settings.hpp"

namespace basalt::service {
class RealtimeService;  // service/realtime.hpp (realtime_api.cpp, oauth2_redirect_api.cpp)
}  // namespace basalt::service

namespace basalt::api {

/// The services handlers call. Owned by the App; outlives the router and every request.
struct Services {
    service::RecordService* records = nullptr;
    service::CollectionService* collections = nullptr;
    service::AuthService* auth = nullptr;
    service::SettingsService* settings = nullptr;
    service::MailService* mail = nullptr;
    service::RateLimiter* limiter = nullptr;
    service::FileService* files = nullptr;
    service::SchemaRegistry* registry = nullptr;
    service::RealtimeService* realtime = nullptr;
};

void RegisterRoutes(http::Router& router, Services* services);

}  // namespace basalt::api
