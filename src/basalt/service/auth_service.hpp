// AuthService: resolving request tokens to auth records, password login and token refresh.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "basalt/auth/token.hpp"
#include "basalt/base/result.hpp"
#include "basalt/service/changes.hpp"
#include "basalt/service/context.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

namespace net = boost::asio;

struct AuthResult {
    schema::Record record;
    std::string token;
    /// Set instead of a token when the collection requires a second factor: the api answers
    /// 401 {"mfaId": ...} (pocketbase-api.md §2.5.4).
    std::string mfa_id;
    /// OAuth2 only: the provider user and isNew, answered as the response's `meta`.
    std::optional<boost::json::object> meta;
};

class MailService;
class RecordService;
namespace internal {
class AuthRecordCache;
}  // namespace internal

/// Per-request inputs of the auth-with-* routes besides the credentials.
struct AuthAttempt {
    std::string mfa_id;  // `mfaId` from the query or the body: the second factor of an MFA flow
};

/// The body of auth-with-oauth2 (pocketbase-api.md §2.5.6).
struct OAuth2Input {
    std::string provider;
    std::string code;
    std::string code_verifier;
    std::string redirect_url;  // `redirectURL`, else the deprecated `redirectUrl`
    boost::json::object create_data;
};

/// Authentication use cases. References App-owned objects that outlive every request.
class AuthService {
public:
    AuthService(store::Store& store,
                SchemaRegistry& registry,
                MailService& mail,
                RecordService& records,
                net::any_io_executor blocking);
    ~AuthService();

    /// Where the auth records this service changes (verified, password, email) are reported
    /// after commit, like RecordService's writes (realtime). Set once at startup.
    void SetChangeSink(ChangeSink* sink) { sink_ = sink; }

    /// The auth record of an `Authorization` header value ("Bearer " optional). Any invalid,
    /// expired or unknown token yields a guest — never an error (PocketBase §1.3).
    net::awaitable<Auth> ResolveToken(std::string header_value);

    net::awaitable<Result<AuthResult>> AuthWithPassword(RequestCtx ctx,
                                                        std::string collection,
                                                        std::string identity,
                                                        std::string password,
                                                        std::string identity_field,
                                                        AuthAttempt attempt = {});

    /// GET auth-methods: the collection's enabled sign-in methods (§2.5.1).
    net::awaitable<Result<boost::json::object>> AuthMethods(std::string collection);

    /// auth-with-oauth2: exchanges the code with the provider (on the blocking pool), links or
    /// creates the record, then authRule/MFA/alert/token; the result carries `meta`.
    net::awaitable<Result<AuthResult>> AuthWithOAuth2(RequestCtx ctx,
                                                      std::string collection,
                                                      OAuth2Input input,
                                                      AuthAttempt attempt = {});

    /// request-otp: always an otpId (a random one for unknown emails); mails the code.
    net::awaitable<Result<std::string>> RequestOtp(RequestCtx ctx, std::string collection, std::string email);
    net::awaitable<Result<AuthResult>> AuthWithOtp(RequestCtx ctx,
                                                   std::string collection,
                                                   std::string otp_id,
                                                   std::string password,
                                                   AuthAttempt attempt = {});

    net::awaitable<Status> RequestVerification(RequestCtx ctx, std::string collection, std::string email);
    net::awaitable<Status> ConfirmVerification(RequestCtx ctx, std::string collection, std::string token);
    net::awaitable<Status> RequestPasswordReset(RequestCtx ctx, std::string collection, std::string email);
    net::awaitable<Status> ConfirmPasswordReset(RequestCtx ctx,
                                                std::string collection,
                                                std::string token,
                                                std::string password,
                                                std::string password_confirm);
    net::awaitable<Status> RequestEmailChange(RequestCtx ctx, std::string collection, std::string new_email);
    net::awaitable<Status> ConfirmEmailChange(RequestCtx ctx,
                                              std::string collection,
                                              std::string token,
                                              std::string password);

    /// impersonate/{id} (superusers): a non-refreshable token; `duration` <= 0 = the collection's.
    net::awaitable<Result<AuthResult>> Impersonate(RequestCtx ctx,
                                                   std::string collection,
                                                   std::string id,
                                                   std::int64_t duration);

    /// auth-refresh: same collection guard, authRule, a new token unless not refreshable.
    net::awaitable<Result<AuthResult>> Refresh(RequestCtx ctx, std::string collection, std::string presented_token);

    /// Signs an auth token for `r` with the collection's authToken secret and duration.
    static std::string IssueAuthToken(const schema::Record& r, bool refreshable, std::int64_t duration = 0);

private:
    struct Limits;

    net::awaitable<Status> CheckAuthRule(const RequestCtx& ctx, const schema::Record& r);
    /// After a successful first factor: authRule, then the MFA step, the new-device alert and
    /// the token.
    net::awaitable<Result<AuthResult>> Finish(const RequestCtx& ctx,
                                              schema::Record r,
                                              std::string_view method,
                                              const AuthAttempt& attempt);
    net::awaitable<Result<std::optional<std::string>>> MfaStep(const schema::Record& r,
                                                               std::string_view method,
                                                               const AuthAttempt& attempt);
    net::awaitable<void> AuthAlert(const RequestCtx& ctx, const schema::Record& r);
    net::awaitable<Result<std::optional<schema::Record>>> FindByEmail(const std::shared_ptr<const schema::Collection>& c,
                                                                      std::string email);
    /// Verifies an email-carrying token of `type` for collection `c`: the record, or the
    /// validation error of the `token` field.
    net::awaitable<Result<std::pair<schema::Record, auth::TokenClaims>>> RecordOfToken(
        const std::shared_ptr<const schema::Collection>& c,
        std::string token,
        std::string_view type,
        std::string_view secret_kind);
    /// Loads auth record `id` inside a write, applies `change`, bumps `updated` and saves it
    /// (reporting the change after commit); 404 when it is gone.
    net::awaitable<Status> UpdateAuthRecord(std::shared_ptr<const schema::Collection> c,
                                            std::string id,
                                            std::function<void(schema::Record&)> change);

    store::Store& store_;
    SchemaRegistry& registry_;
    MailService& mail_;
    RecordService& records_;
    net::any_io_executor blocking_;
    std::unique_ptr<Limits> limits_;
    std::unique_ptr<internal::AuthRecordCache> token_records_;  // ResolveToken's reads, per epoch
    ChangeSink* sink_ = nullptr;
};

}  // namespace basalt::service
