// AuthService: resolving request tokens to auth records, password login and token refresh.
#pragma once

#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "basalt/base/result.hpp"
#include "basalt/service/context.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

namespace net = boost::asio;

struct AuthResult {
    schema::Record record;
    std::string token;
};

/// Authentication use cases. References App-owned objects that outlive every request.
class AuthService {
public:
    AuthService(store::Store& store, SchemaRegistry& registry, net::any_io_executor blocking)
        : store_(store), registry_(registry), blocking_(std::move(blocking)) {}

    /// The auth record of an `Authorization` header value ("Bearer " optional). Any invalid,
    /// expired or unknown token yields a guest — never an error (PocketBase §1.3).
    net::awaitable<Auth> ResolveToken(std::string header_value);

    net::awaitable<Result<AuthResult>> AuthWithPassword(RequestCtx ctx,
                                                        std::string collection,
                                                        std::string identity,
                                                        std::string password,
                                                        std::string identity_field);

    /// auth-refresh: same collection guard, authRule, a new token unless not refreshable.
    net::awaitable<Result<AuthResult>> Refresh(RequestCtx ctx, std::string collection, std::string presented_token);

    /// Signs an auth token for `r` with the collection's authToken secret and duration.
    static std::string IssueAuthToken(const schema::Record& r, bool refreshable, std::int64_t duration = 0);

private:
    net::awaitable<Status> CheckAuthRule(const RequestCtx& ctx, const schema::Record& r);

    store::Store& store_;
    SchemaRegistry& registry_;
    net::any_io_executor blocking_;
};

}  // namespace basalt::service
