// Handler coroutines, one per route (api-internal). Each takes the App-owned Services and the
// session-owned Request, both alive until the handler completes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "basalt/api/internal_common.hpp"

namespace basalt::api::internal {

namespace net = boost::asio;

net::awaitable<http::Response> Health(Services* s, http::Request& req);

net::awaitable<http::Response> ListRecords(Services* s, http::Request& req);
net::awaitable<http::Response> ViewRecord(Services* s, http::Request& req);
net::awaitable<http::Response> CreateRecord(Services* s, http::Request& req);
net::awaitable<http::Response> UpdateRecord(Services* s, http::Request& req);
net::awaitable<http::Response> DeleteRecord(Services* s, http::Request& req);

net::awaitable<http::Response> ListCollections(Services* s, http::Request& req);
net::awaitable<http::Response> ViewCollection(Services* s, http::Request& req);
net::awaitable<http::Response> CreateCollection(Services* s, http::Request& req);
net::awaitable<http::Response> UpdateCollection(Services* s, http::Request& req);
net::awaitable<http::Response> DeleteCollection(Services* s, http::Request& req);
net::awaitable<http::Response> TruncateCollection(Services* s, http::Request& req);
net::awaitable<http::Response> ImportCollections(Services* s, http::Request& req);
net::awaitable<http::Response> Scaffolds(Services* s, http::Request& req);
net::awaitable<http::Response> OAuth2Providers(Services* s, http::Request& req);
net::awaitable<http::Response> DryRunView(Services* s, http::Request& req);

net::awaitable<http::Response> Batch(Services* s, http::Request& req);

net::awaitable<http::Response> FileToken(Services* s, http::Request& req);
net::awaitable<http::Response> DownloadFile(Services* s, http::Request& req);

net::awaitable<http::Response> GetSettings(Services* s, http::Request& req);
net::awaitable<http::Response> UpdateSettings(Services* s, http::Request& req);

net::awaitable<http::Response> AuthWithPassword(Services* s, http::Request& req);
net::awaitable<http::Response> AuthRefresh(Services* s, http::Request& req);
net::awaitable<http::Response> AuthMethods(Services* s, http::Request& req);
net::awaitable<http::Response> AuthWithOAuth2(Services* s, http::Request& req);
net::awaitable<http::Response> RequestOtp(Services* s, http::Request& req);
net::awaitable<http::Response> AuthWithOtp(Services* s, http::Request& req);
net::awaitable<http::Response> RequestVerification(Services* s, http::Request& req);
net::awaitable<http::Response> ConfirmVerification(Services* s, http::Request& req);
net::awaitable<http::Response> RequestPasswordReset(Services* s, http::Request& req);
net::awaitable<http::Response> ConfirmPasswordReset(Services* s, http::Request& req);
net::awaitable<http::Response> RequestEmailChange(Services* s, http::Request& req);
net::awaitable<http::Response> ConfirmEmailChange(Services* s, http::Request& req);
net::awaitable<http::Response> Impersonate(Services* s, http::Request& req);
net::awaitable<http::Response> TestEmail(Services* s, http::Request& req);

net::awaitable<http::Response> RealtimeConnect(Services* s, http::Request& req);
net::awaitable<http::Response> RealtimeSubscribe(Services* s, http::Request& req);

net::awaitable<http::Response> OAuth2Redirect(Services* s, http::Request& req);
net::awaitable<http::Response> DashboardPlaceholder(Services* s, http::Request& req);

/// Middleware: resolves the Authorization header into service::Auth (guest when invalid).
net::awaitable<http::Response> ResolveAuth(Services* s, http::Request& req, const http::Next& next);

}  // namespace basalt::api::internal
