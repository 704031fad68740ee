// The auth flows beyond password login (pocketbase-api.md §2.5.1, §2.5.4–§2.5.10, §6): auth
// methods, OTP, MFA, verification, password reset, email change, impersonation and new-device
// alerts. Every request-* route answers the same way whether or not the email exists: the lookup
// always runs, mail goes out in the background, and the resend throttle is silent.
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>

#include <fmt/format.h>

#include "basalt/auth/oauth2.hpp"
#include "basalt/auth/password.hpp"
#include "basalt/auth/token.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/offload.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/mail/mailer.hpp"
#include "basalt/mail/message.hpp"
#include "basalt/service/auth_service.hpp"
#include "basalt/service/internal/auth_guards.hpp"
#include "basalt/service/internal/auth_record_cache.hpp"
#include "basalt/service/internal/passwords.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/service/internal/throttle.hpp"
#include "basalt/service/mail_service.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

namespace {

namespace bj = boost::json;
using CollectionPtr = std::shared_ptr<const schema::Collection>;

constexpr std::string_view kInvalidAuthCollection = "Missing or invalid auth collection context.";
constexpr std::string_view kValidationFailed = "An error occurred while validating the submitted data.";
constexpr std::string_view kInvalidOtp = "Invalid or expired OTP.";
constexpr std::size_t kMaxLiveOtps = 10;
constexpr std::size_t kMaxOtpAttempts = 5;
constexpr auto kOtpAttemptWindow = std::chrono::seconds(180);
constexpr auto kResendWindow = std::chrono::minutes(2);
constexpr int kOtpHashCost = 8;  // the _otps password field's cost, as PocketBase sets it

const bj::object* Option(const schema::Collection& c, std::string_view key) {
    auto it = c.options.find(key);
    return it != c.options.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

bool OptionEnabled(const schema::Collection& c, std::string_view key) {
    const bj::object* o = Option(c, key);
    if (o == nullptr) {
        return false;
    }
    auto e = o->find("enabled");
    return e != o->end() && e->value().is_bool() && e->value().get_bool();
}

std::int64_t OptionInt(const schema::Collection& c, std::string_view key, std::string_view field, std::int64_t def) {
    const bj::object* o = Option(c, key);
    if (o == nullptr) {
        return def;
    }
    auto e = o->find(field);
    return e != o->end() && e->value().is_number() ? e->value().to_number<std::int64_t>() : def;
}

std::string OptionString(const schema::Collection& c, std::string_view key, std::string_view field) {
    const bj::object* o = Option(c, key);
    if (o == nullptr) {
        return {};
    }
    auto e = o->find(field);
    return e != o->end() && e->value().is_string() ? std::string(e->value().get_string()) : std::string();
}

Error Validation(std::string_view field, std::string_view code, std::string_view message) {
    bj::object data;
    data[field] = FieldError(code, message);
    return InvalidArgument(std::string(kValidationFailed), std::move(data));
}

/// The `email` errors of a request-* body, or nothing.
std::optional<Error> CheckEmailInput(std::string_view field, const std::string& email) {
    if (email.empty()) {
        return Validation(field, "validation_required", "Cannot be blank.");
    }
    if (!mail::IsValidEmail(email)) {
        return Validation(field, "validation_is_email", "Must be a valid email address.");
    }
    return std::nullopt;
}

Result<CollectionPtr> AuthCollection(const schema::Schema& s, const std::string& name) {
    auto c = s.Find(name);
    if (!c || !c->IsAuth()) {
        return NotFound(std::string(kInvalidAuthCollection));
    }
    return c;
}

/// A system record (_otps, _mfas, _authOrigins) with a fresh id and timestamps.
schema::Record NewSystemRecord(const CollectionPtr& c, bj::object values) {
    schema::Record r;
    r.collection = c;
    const std::string now = NowString();
    values["id"] = NewRecordId();
    values["created"] = now;
    values["updated"] = now;
    r.values = std::move(values);
    return r;
}

void Touch(schema::Record& r) {
    for (const auto& f : r.collection->fields) {
        if (f.type == schema::FieldType::kAutodate && f.on_update) {
            r.values[f.name] = NowString();
        }
    }
}

/// Seconds since a stored PocketBase datetime; a huge number when unparsable.
std::int64_t AgeSeconds(const std::string& stored) {
    auto t = ParseDateTime(stored);
    if (!t) {
        return std::numeric_limits<std::int64_t>::max();
    }
    return std::chrono::duration_cast<std::chrono::seconds>(Now() - *t).count();
}

/// Stores an auth record changed by a flow and reports it after commit (realtime events, and
/// clients bound to it see its new tokenKey).
Status SaveAuthRecord(store::Tx& tx, const schema::Record& r, ChangeSink* sink) {
    BASALT_RETURN_IF_ERROR(store::UpdateRecord(tx, r));
    if (ChangeSink* s = ListeningSink(sink)) {
        PublishOnCommit(tx, s, {RecordChange{RecordChange::Action::kUpdate, r}});
    }
    return Ok();
}

std::string RandomDigits(std::size_t n) { return RandomString(n, "0123456789"); }

std::string Sha256Hex(std::string_view s) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), md);
    std::string out;
    out.reserve(2 * sizeof(md));
    for (unsigned char b : md) {
        out += fmt::format("{:02x}", b);
    }
    return out;
}

}  // namespace

/// Per-node limits: resend throttles per (kind, record) and OTP attempts per record.
struct AuthService::Limits {
    internal::Throttle resend{1, kResendWindow};
    internal::Throttle otp_attempts{kMaxOtpAttempts, kOtpAttemptWindow};
};

AuthService::AuthService(store::Store& store,
                         SchemaRegistry& registry,
                         MailService& mail,
                         RecordService& records,
                         net::any_io_executor blocking)
    : store_(store),
      registry_(registry),
      mail_(mail),
      records_(records),
      blocking_(std::move(blocking)),
      limits_(std::make_unique<Limits>()),
      token_records_(std::make_unique<internal::AuthRecordCache>()) {}

AuthService::~AuthService() = default;

// ---- shared steps ------------------------------------------------------------------------------

net::awaitable<Result<std::optional<schema::Record>>> AuthService::FindByEmail(const CollectionPtr& c,
                                                                               std::string email) {
    auto unit = [&](store::Tx& tx) -> Result<std::optional<schema::Record>> {
        const auto& d = tx.dialect();
        store::RecordQuery q;
        q.where.push_back({"LOWER(" + d.QuoteIdent(c->name) + "." + d.QuoteIdent("email") + ") = LOWER(" +
                               d.Placeholder(1) + ")",
                           {email},
                           {}});
        q.limit = 1;
        BASALT_TRY(auto rows, store::SelectRecords(tx, c, q));
        if (rows.empty()) {
            return std::optional<schema::Record>{};
        }
        return std::optional<schema::Record>(std::move(rows.front()));
    };
    co_return co_await store_.Read(std::move(unit));
}

net::awaitable<Result<std::optional<std::string>>> AuthService::MfaStep(const schema::Record& r,
                                                                        std::string_view method,
                                                                        const AuthAttempt& attempt) {
    const schema::Collection& c = *r.collection;
    // _superusers with OTP enabled always require MFA (PocketBase).
    const bool required = OptionEnabled(c, "mfa") || (c.id == kSuperusersId && OptionEnabled(c, "otp"));
    if (!required) {
        co_return std::optional<std::string>{};
    }
    schema::SchemaPtr s = registry_.Get();
    auto mfas = s->Find("_mfas");
    if (!mfas) {
        co_return Internal("the _mfas collection is missing");
    }
    if (std::string rule = OptionString(c, "mfa", "rule"); !rule.empty()) {
        // Only records matching mfa.rule need the second factor (evaluated as superuser).
        RequestCtx rc;
        rc.auth.record = r;
        rc.info.auth = r;
        BASALT_CO_TRY(auto expr, internal::CompileRule(store_.dialect(), rule, rc, *s, c, c.name, 2));
        std::vector<filter::SqlExpr> where{std::move(expr)};
        auto coll = r.collection;
        std::string id(r.Id());
        auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, coll, id, where); };
        BASALT_CO_TRY(auto match, co_await store_.Read(std::move(unit)));
        if (!match) {
            co_return std::optional<std::string>{};
        }
    }
    const std::int64_t duration = OptionInt(c, "mfa", "duration", 600);
    if (attempt.mfa_id.empty()) {
        schema::Record m = NewSystemRecord(mfas, {{"collectionRef", c.id}, {"recordRef", r.Id()}, {"method", method}});
        std::string id(m.Id());
        auto unit = [&](store::Tx& tx) { return store::InsertRecord(tx, m); };
        BASALT_CO_RETURN_IF_ERROR(co_await store_.Write(std::move(unit)));
        co_return std::optional<std::string>(std::move(id));
    }
    // The second factor: the first must be a live session of this record by another method.
    std::string mfa_id = attempt.mfa_id;
    std::string record_id(r.Id());
    std::string collection_id = c.id;
    std::string m(method);
    auto unit = [&](store::Tx& tx) -> Status {
        BASALT_TRY(auto row, store::FindRecord(tx, mfas, mfa_id));
        if (!row || AgeSeconds(row->GetString("created")) > duration) {
            return InvalidArgument("Invalid or expired MFA session.");
        }
        if (row->GetString("recordRef") != record_id || row->GetString("collectionRef") != collection_id) {
            return InvalidArgument("Invalid MFA session.");
        }
        if (row->GetString("method") == m) {
            return InvalidArgument("A different authentication method is required.");
        }
        BASALT_TRY(auto n, store::DeleteRecord(tx, *mfas, mfa_id));
        if (n == 0) {
            return InvalidArgument("Invalid or expired MFA session.");  // completed concurrently
        }
        return Ok();
    };
    BASALT_CO_RETURN_IF_ERROR(co_await store_.Write(std::move(unit)));
    co_return std::optional<std::string>{};
}

net::awaitable<void> AuthService::AuthAlert(const RequestCtx& ctx, const schema::Record& r) {
    const schema::Collection& c = *r.collection;
    schema::SchemaPtr s = registry_.Get();
    auto origins = s->Find("_authOrigins");
    if (!origins) {
        co_return;
    }
    auto ua_it = ctx.info.headers.find("user_agent");
    const std::string user_agent = ua_it != ctx.info.headers.end() ? ua_it->second : std::string();
    const std::string fingerprint = Sha256Hex(ctx.remote_ip + user_agent);
    const std::string collection_id = c.id;
    const std::string record_id(r.Id());
    // Records the origin; tells whether an alert is due (a new origin of a record that had others).
    auto unit = [&](store::Tx& tx) -> Result<bool> {
        const auto& d = tx.dialect();
        const std::string t = d.QuoteIdent(origins->name);
        BASALT_TRY(auto rows, tx.Query("SELECT " + t + "." + d.QuoteIdent("fingerprint") + " FROM " + t + " WHERE " +
                                           t + "." + d.QuoteIdent("collectionRef") + " = " + d.Placeholder(1) +
                                           " AND " + t + "." + d.QuoteIdent("recordRef") + " = " + d.Placeholder(2),
                                       {collection_id, record_id}));
        for (const auto& row : rows.rows) {
            if (const auto* f = std::get_if<std::string>(&row[0]); f != nullptr && *f == fingerprint) {
                return false;
            }
        }
        schema::Record o = NewSystemRecord(
            origins, {{"collectionRef", collection_id}, {"recordRef", record_id}, {"fingerprint", fingerprint}});
        BASALT_RETURN_IF_ERROR(store::InsertRecord(tx, o));
        return !rows.rows.empty();
    };
    auto due = co_await store_.Write(std::move(unit));
    if (!due) {
        log::Warn("auth origin of {} not recorded: {}", record_id, due.error().message);
        co_return;
    }
    if (*due && OptionEnabled(c, "authAlert")) {
        const std::string info = fmt::format("{} {}", ctx.remote_ip, user_agent);
        std::map<std::string, std::string> vars{{"{ALERT_INFO}", info}};
        co_await mail_.SendTemplate(c, "authAlert.emailTemplate", r, r.GetString("email"), std::move(vars));
    }
}

net::awaitable<Result<AuthResult>> AuthService::Finish(const RequestCtx& ctx,
                                                       schema::Record r,
                                                       std::string_view method,
                                                       const AuthAttempt& attempt) {
    BASALT_CO_RETURN_IF_ERROR(co_await CheckAuthRule(ctx, r));
    BASALT_CO_TRY(auto mfa, co_await MfaStep(r, method, attempt));
    AuthResult out;
    if (mfa) {
        out.mfa_id = std::move(*mfa);
        out.record = std::move(r);
        co_return out;
    }
    co_await AuthAlert(ctx, r);
    out.token = IssueAuthToken(r, true);
    out.record = std::move(r);
    co_return out;
}

// ---- auth-methods ------------------------------------------------------------------------------

net::awaitable<Result<bj::object>> AuthService::AuthMethods(std::string collection) {
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    bj::object out;
    const bool password = OptionEnabled(*c, "passwordAuth");
    bj::array identity_fields;
    if (password) {
        if (const bj::object* pa = Option(*c, "passwordAuth")) {
            if (auto f = pa->find("identityFields"); f != pa->end() && f->value().is_array()) {
                identity_fields = f->value().get_array();
            }
        }
    }
    out["password"] = bj::object{{"enabled", password}, {"identityFields", identity_fields}};
    // Every configured provider we know, with a fresh state and PKCE pair (PocketBase skips
    // providers it cannot initialise).
    const bool oauth2 = OptionEnabled(*c, "oauth2");
    bj::array providers;
    bj::array legacy;
    if (oauth2) {
        const bj::object* o = Option(*c, "oauth2");
        auto list = o->find("providers");
        if (list != o->end() && list->value().is_array()) {
            for (const auto& cfg : list->value().get_array()) {
                std::optional<auth::ProviderConfig> p;
                if (cfg.is_object()) {
                    p = auth::ResolveProvider(cfg.get_object());
                }
                if (!p) {
                    continue;
                }
                const auth::AuthStart start = auth::StartAuth(*p);
                bj::object info;
                info["name"] = p->name;
                info["displayName"] = p->display_name.empty() ? p->name : p->display_name;
                info["state"] = start.state;
                info["authURL"] = start.auth_url;
                info["authUrl"] = start.auth_url;
                info["codeVerifier"] = start.code_verifier;
                info["codeChallenge"] = start.code_challenge;
                info["codeChallengeMethod"] = start.code_challenge_method;
                legacy.push_back(info);
                bj::object with_logo;
                for (const auto& kv : info) {
                    with_logo[kv.key()] = kv.value();
                    if (kv.key() == "displayName") {
                        with_logo["logo"] = p->info->logo;
                    }
                }
                providers.push_back(std::move(with_logo));
            }
        }
    }
    out["oauth2"] = bj::object{{"providers", std::move(providers)}, {"enabled", oauth2}};
    const bool mfa = OptionEnabled(*c, "mfa");
    out["mfa"] = bj::object{{"enabled", mfa}, {"duration", mfa ? OptionInt(*c, "mfa", "duration", 600) : 0}};
    const bool otp = OptionEnabled(*c, "otp");
    out["otp"] = bj::object{{"enabled", otp}, {"duration", otp ? OptionInt(*c, "otp", "duration", 180) : 0}};
    out["authProviders"] = std::move(legacy);
    bool username = false;
    bool email = false;
    for (const auto& f : identity_fields) {
        username = username || (f.is_string() && f.get_string() == "username");
        email = email || (f.is_string() && f.get_string() == "email");
    }
    out["usernamePassword"] = password && username;
    out["emailPassword"] = password && email;
    co_return out;
}

// ---- OTP ---------------------------------------------------------------------------------------

net::awaitable<Result<std::string>> AuthService::RequestOtp(RequestCtx ctx, std::string collection, std::string email) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    if (!OptionEnabled(*c, "otp")) {
        co_return PermissionDenied("The collection is not configured to allow OTP authentication.");
    }
    if (auto e = CheckEmailInput("email", email)) {
        co_return *e;
    }
    auto otps = s->Find("_otps");
    if (!otps) {
        co_return Internal("the _otps collection is missing");
    }
    BASALT_CO_TRY(auto found, co_await FindByEmail(c, email));
    const std::size_t length = static_cast<std::size_t>(std::clamp<std::int64_t>(OptionInt(*c, "otp", "length", 8), 4, 20));
    std::string code = RandomDigits(length);
    // Hashed for unknown emails too: both answers take the same time.
    auto hash_otp = [code] { return auth::HashPassword(code, kOtpHashCost); };
    std::string hash = co_await Offload(blocking_, std::move(hash_otp));
    if (!found) {
        co_return NewRecordId();
    }
    const std::int64_t duration = OptionInt(*c, "otp", "duration", 180);
    schema::Record otp = NewSystemRecord(
        otps, {{"collectionRef", c->id}, {"recordRef", found->Id()}, {"password", hash}, {"sentTo", found->GetString("email")}});
    const std::string record_id(found->Id());
    // At most kMaxLiveOtps live codes per record: beyond that the newest is handed out again
    // (and no new mail is sent).
    auto unit = [&](store::Tx& tx) -> Result<std::optional<std::string>> {
        const auto& d = tx.dialect();
        const std::string t = d.QuoteIdent(otps->name);
        BASALT_TRY(auto rows, tx.Query("SELECT " + t + ".id, " + t + ".created FROM " + t + " WHERE " + t + "." +
                                           d.QuoteIdent("collectionRef") + " = " + d.Placeholder(1) + " AND " + t +
                                           "." + d.QuoteIdent("recordRef") + " = " + d.Placeholder(2) + " ORDER BY " +
                                           t + ".created DESC",
                                       {c->id, record_id}));
        std::vector<std::string> live;
        for (const auto& row : rows.rows) {
            const auto* id = std::get_if<std::string>(&row[0]);
            const auto* created = std::get_if<std::string>(&row[1]);
            if (id == nullptr || created == nullptr) {
                continue;
            }
            if (AgeSeconds(*created) > duration) {
                BASALT_TRY(auto n, store::DeleteRecord(tx, *otps, *id));  // expired: tidy up
                (void)n;
            } else {
                live.push_back(*id);
            }
        }
        if (live.size() >= kMaxLiveOtps) {
            return std::optional<std::string>(live.front());
        }
        BASALT_RETURN_IF_ERROR(store::InsertRecord(tx, otp));
        return std::optional<std::string>{};
    };
    BASALT_CO_TRY(auto reused, co_await store_.Write(std::move(unit)));
    if (reused) {
        co_return std::move(*reused);
    }
    std::map<std::string, std::string> vars{{"{OTP}", code}, {"{OTP_ID}", std::string(otp.Id())}};
    co_await mail_.SendTemplate(*c, "otp.emailTemplate", *found, found->GetString("email"), std::move(vars));
    co_return std::string(otp.Id());
}

net::awaitable<Result<AuthResult>> AuthService::AuthWithOtp(RequestCtx ctx,
                                                            std::string collection,
                                                            std::string otp_id,
                                                            std::string password,
                                                            AuthAttempt attempt) {
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    if (!OptionEnabled(*c, "otp")) {
        co_return PermissionDenied("The collection is not configured to allow OTP authentication.");
    }
    bj::object errors;
    if (otp_id.empty()) {
        errors["otpId"] = FieldError("validation_required", "Cannot be blank.");
    } else if (otp_id.size() > 255) {
        errors["otpId"] = FieldError("validation_length_out_of_range", "The length must be between 1 and 255.");
    }
    if (password.empty()) {
        errors["password"] = FieldError("validation_required", "Cannot be blank.");
    } else if (password.size() > 71) {
        errors["password"] = FieldError("validation_length_out_of_range", "The length must be between 1 and 71.");
    }
    if (!errors.empty()) {
        co_return InvalidArgument(std::string(kValidationFailed), std::move(errors));
    }
    auto otps = s->Find("_otps");
    if (!otps) {
        co_return Internal("the _otps collection is missing");
    }
    auto load = [&](store::Tx& tx) { return store::FindRecord(tx, otps, otp_id); };
    BASALT_CO_TRY(auto otp, co_await store_.Read(std::move(load)));
    const std::int64_t duration = OptionInt(*c, "otp", "duration", 180);
    const std::string hash = otp ? otp->GetString("password") : std::string();
    if (!otp || otp->GetString("collectionRef") != c->id || AgeSeconds(otp->GetString("created")) > duration) {
        // Same cost as a real check: no timing hint about which ids exist.
        auto hash_dummy = [password] { return auth::HashPassword(password, kOtpHashCost); };
        (void)co_await Offload(blocking_, std::move(hash_dummy));
        co_return InvalidArgument(std::string(kInvalidOtp));
    }
    const std::string record_id = otp->GetString("recordRef");
    if (!limits_->otp_attempts.Allow(c->id + "/" + record_id)) {
        co_return Error(ErrorCode::kResourceExhausted, "Too many attempts, please try again later with a new OTP.");
    }
    auto verify_otp = [password, hash] { return auth::VerifyPassword(password, hash); };
    const bool ok = co_await Offload(blocking_, std::move(verify_otp));
    if (!ok) {
        co_return InvalidArgument(std::string(kInvalidOtp));
    }
    const std::string sent_to = otp->GetString("sentTo");
    const bool mfa_on = OptionEnabled(*c, "mfa");
    std::string random_hash;
    if (!mfa_on) {
        auto hash_random = [cost = internal::PasswordCost(*c)] {
            return auth::HashPassword(RandomString(30), cost);
        };
        random_hash = co_await Offload(blocking_, std::move(hash_random));
    }
    // Consume the code; an unverified record whose email received it becomes verified.
    auto unit = [&](store::Tx& tx) -> Result<std::optional<schema::Record>> {
        BASALT_TRY(auto n, store::DeleteRecord(tx, *otps, otp_id));
        if (n == 0) {
            return std::optional<schema::Record>{};  // used concurrently
        }
        BASALT_TRY(auto r, store::FindRecord(tx, c, record_id));
        if (!r) {
            return std::optional<schema::Record>{};
        }
        if (!r->GetBool("verified") && !sent_to.empty() && ToLower(sent_to) == ToLower(r->GetString("email"))) {
            r->values["verified"] = true;
            if (!random_hash.empty()) {
                r->values["password"] = random_hash;
            }
            Touch(*r);
            BASALT_RETURN_IF_ERROR(SaveAuthRecord(tx, *r, sink_));
        }
        return r;
    };
    BASALT_CO_TRY(auto r, co_await store_.Write(std::move(unit)));
    if (!r) {
        co_return InvalidArgument(std::string(kInvalidOtp));
    }
    limits_->otp_attempts.Reset(c->id + "/" + record_id);
    co_return co_await Finish(ctx, std::move(*r), "otp", attempt);
}

// ---- verification --------------------------------------------------------------------------------

net::awaitable<Result<std::pair<schema::Record, auth::TokenClaims>>> AuthService::RecordOfToken(
    const CollectionPtr& c,
    std::string token,
    std::string_view type,
    std::string_view secret_kind) {
    if (token.empty()) {
        co_return Validation("token", "validation_required", "Cannot be blank.");
    }
    auto claims = auth::ParseToken(token);
    if (!claims || claims->type != type) {
        co_return Validation("token", "validation_invalid_token", "Invalid or expired token.");
    }
    if (claims->collection_id != c->id) {
        co_return Validation("token", "validation_token_collection_mismatch",
                             "The provided token is for different auth collection.");
    }
    std::string id = claims->id;
    auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, id); };
    BASALT_CO_TRY(auto r, co_await store_.Read(std::move(unit)));
    if (!r || !auth::CheckTokenSignature(token, auth::SigningKey(r->GetString("tokenKey"), c->TokenSecret(secret_kind)))) {
        co_return Validation("token", "validation_invalid_token", "Invalid or expired token.");
    }
    co_return std::pair{std::move(*r), std::move(*claims)};
}

net::awaitable<Status> AuthService::UpdateAuthRecord(CollectionPtr c,
                                                     std::string id,
                                                     std::function<void(schema::Record&)> change) {
    auto unit = [&](store::Tx& tx) -> Status {
        BASALT_TRY(auto cur, store::FindRecord(tx, c, id));
        if (!cur) {
            return NotFound("The requested resource wasn't found.");
        }
        change(*cur);
        Touch(*cur);
        return SaveAuthRecord(tx, *cur, sink_);
    };
    co_return co_await store_.Write(std::move(unit));
}

net::awaitable<Status> AuthService::RequestVerification(RequestCtx ctx, std::string collection, std::string email) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    if (c->id == kSuperusersId) {
        co_return InvalidArgument("All superusers are verified by default.");
    }
    if (auto e = CheckEmailInput("email", email)) {
        co_return *e;
    }
    BASALT_CO_TRY(auto found, co_await FindByEmail(c, email));
    if (!found || found->GetBool("verified") || !limits_->resend.Allow("verification/" + std::string(found->Id()))) {
        co_return Ok();
    }
    std::string token = auth::NewVerificationToken(found->Id(), c->id, found->GetString("email"),
                                                   found->GetString("tokenKey"), c->TokenSecret("verificationToken"),
                                                   c->TokenDuration("verificationToken"));
    std::map<std::string, std::string> vars{{"{TOKEN}", token}};
    co_await mail_.SendTemplate(*c, "verificationTemplate", *found, found->GetString("email"), std::move(vars));
    co_return Ok();
}

net::awaitable<Status> AuthService::ConfirmVerification(RequestCtx ctx, std::string collection, std::string token) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    BASALT_CO_TRY(auto found, co_await RecordOfToken(c, token, auth::kTokenTypeVerification, "verificationToken"));
    const auto& [r, claims] = found;
    if (ToLower(claims.email) != ToLower(r.GetString("email"))) {
        co_return Validation("token", "validation_token_email_mismatch", "The token email doesn't match.");
    }
    if (r.GetBool("verified")) {
        co_return Ok();
    }
    std::string random_hash;
    if (!OptionEnabled(*c, "passwordAuth")) {
        auto hash_random = [cost = internal::PasswordCost(*c)] {
            return auth::HashPassword(RandomString(30), cost);
        };
        random_hash = co_await Offload(blocking_, std::move(hash_random));
    }
    std::function<void(schema::Record&)> verify = [&random_hash](schema::Record& cur) {
        cur.values["verified"] = true;
        if (!random_hash.empty()) {
            cur.values["password"] = random_hash;
        }
    };
    co_return co_await UpdateAuthRecord(c, std::string(r.Id()), std::move(verify));
}

// ---- password reset ------------------------------------------------------------------------------

net::awaitable<Status> AuthService::RequestPasswordReset(RequestCtx ctx, std::string collection, std::string email) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    if (!OptionEnabled(*c, "passwordAuth")) {
        co_return InvalidArgument("The collection is not configured to allow password authentication.");
    }
    if (auto e = CheckEmailInput("email", email)) {
        co_return *e;
    }
    BASALT_CO_TRY(auto found, co_await FindByEmail(c, email));
    if (!found || !limits_->resend.Allow("reset/" + std::string(found->Id()))) {
        co_return Ok();
    }
    std::string token = auth::NewPasswordResetToken(found->Id(), c->id, found->GetString("email"),
                                                    found->GetString("tokenKey"), c->TokenSecret("passwordResetToken"),
                                                    c->TokenDuration("passwordResetToken"));
    std::map<std::string, std::string> vars{{"{TOKEN}", token}};
    co_await mail_.SendTemplate(*c, "resetPasswordTemplate", *found, found->GetString("email"), std::move(vars));
    co_return Ok();
}

net::awaitable<Status> AuthService::ConfirmPasswordReset(RequestCtx ctx,
                                                         std::string collection,
                                                         std::string token,
                                                         std::string password,
                                                         std::string password_confirm) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    bj::object errors;
    if (token.empty()) {
        errors["token"] = FieldError("validation_required", "Cannot be blank.");
    }
    internal::PasswordInput pw;
    pw.present = true;
    pw.password = password;
    pw.confirm_present = true;
    pw.confirm = password_confirm;
    internal::ValidatePassword(*c, pw, true, errors);
    if (!errors.empty()) {
        co_return InvalidArgument(std::string(kValidationFailed), std::move(errors));
    }
    BASALT_CO_TRY(auto found, co_await RecordOfToken(c, token, auth::kTokenTypePasswordReset, "passwordResetToken"));
    const auto& [r, claims] = found;
    const bool verify = ToLower(claims.email) == ToLower(r.GetString("email"));
    auto hash_new = [password, cost = internal::PasswordCost(*c)] {
        return auth::HashPassword(password, cost);
    };
    std::string hash = co_await Offload(blocking_, std::move(hash_new));
    std::function<void(schema::Record&)> reset = [&hash, verify](schema::Record& cur) {
        cur.values["password"] = hash;
        cur.values["tokenKey"] = RandomString(50);  // every earlier token is void
        if (verify) {
            cur.values["verified"] = true;
        }
    };
    co_return co_await UpdateAuthRecord(c, std::string(r.Id()), std::move(reset));
}

// ---- email change ----------------------------------------------------------------------------------

net::awaitable<Status> AuthService::RequestEmailChange(RequestCtx ctx, std::string collection, std::string new_email) {
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, internal::SameCollectionAuth(*s, ctx, collection));
    if (c->id == kSuperusersId) {
        co_return InvalidArgument("Superusers can change their email directly.");
    }
    if (auto e = CheckEmailInput("newEmail", new_email)) {
        co_return *e;
    }
    const schema::Record& r = *ctx.auth.record;
    if (ToLower(new_email) == ToLower(r.GetString("email"))) {
        co_return Validation("newEmail", "validation_not_in_invalid", "Must be a valid value.");
    }
    BASALT_CO_TRY(auto taken, co_await FindByEmail(c, new_email));
    if (taken) {
        co_return Validation("newEmail", "validation_invalid_new_email", "Invalid new email address.");
    }
    std::string token = auth::NewEmailChangeToken(r.Id(), c->id, r.GetString("email"), new_email,
                                                  r.GetString("tokenKey"), c->TokenSecret("emailChangeToken"),
                                                  c->TokenDuration("emailChangeToken"));
    std::map<std::string, std::string> vars{{"{TOKEN}", token}};
    co_await mail_.SendTemplate(*c, "confirmEmailChangeTemplate", r, new_email, std::move(vars));
    co_return Ok();
}

net::awaitable<Status> AuthService::ConfirmEmailChange(RequestCtx ctx,
                                                       std::string collection,
                                                       std::string token,
                                                       std::string password) {
    (void)ctx;
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    bj::object errors;
    if (token.empty()) {
        errors["token"] = FieldError("validation_required", "Cannot be blank.");
    }
    if (password.empty()) {
        errors["password"] = FieldError("validation_required", "Cannot be blank.");
    }
    if (!errors.empty()) {
        co_return InvalidArgument(std::string(kValidationFailed), std::move(errors));
    }
    auto claims = auth::ParseToken(token);
    if (!claims || claims->type != auth::kTokenTypeEmailChange || claims->new_email.empty()) {
        co_return Validation("token", "validation_invalid_token_payload", "Invalid token payload - newEmail must be set.");
    }
    BASALT_CO_TRY(auto found, co_await RecordOfToken(c, token, auth::kTokenTypeEmailChange, "emailChangeToken"));
    const schema::Record& r = found.first;
    if (ToLower(claims->email) != ToLower(r.GetString("email"))) {
        co_return Validation("token", "validation_invalid_token_email", "The token email doesn't match.");
    }
    const std::string hash = r.GetString("password");
    auto verify_password = [password, hash] { return auth::VerifyPassword(password, hash); };
    const bool ok = co_await Offload(blocking_, std::move(verify_password));
    if (!ok) {
        co_return Validation("password", "validation_invalid_password", "Missing or invalid auth record password.");
    }
    std::string new_email = claims->new_email;
    std::function<void(schema::Record&)> change = [&new_email](schema::Record& cur) {
        cur.values["email"] = new_email;
        cur.values["verified"] = true;
        cur.values["tokenKey"] = RandomString(50);
    };
    auto st = co_await UpdateAuthRecord(c, std::string(r.Id()), std::move(change));
    if (!st && st.error().code == ErrorCode::kAlreadyExists) {
        co_return Validation("newEmail", "validation_invalid_new_email", "Invalid new email address.");
    }
    co_return st;
}

// ---- impersonate -------------------------------------------------------------------------------------

net::awaitable<Result<AuthResult>> AuthService::Impersonate(RequestCtx ctx,
                                                            std::string collection,
                                                            std::string id,
                                                            std::int64_t duration) {
    if (ctx.auth.IsGuest()) {
        co_return Unauthenticated("The request requires valid record authorization token.");
    }
    if (!ctx.auth.IsSuperuser()) {
        co_return PermissionDenied("The authorized record is not allowed to perform this action.");
    }
    if (duration < 0) {
        co_return Validation("duration", "validation_min_greater_equal_than_required", "Must be no less than 0.");
    }
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, AuthCollection(*s, collection));
    auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, id); };
    BASALT_CO_TRY(auto r, co_await store_.Read(std::move(unit)));
    if (!r) {
        co_return NotFound("The requested resource wasn't found.");
    }
    AuthResult out;
    out.token = IssueAuthToken(*r, false, duration);
    out.record = std::move(*r);
    co_return out;
}

}  // namespace basalt::service
