// Token resolution and password authentication (pocketbase-api.md §1.3, §2.5.2, §2.5.3, §6).
#include "basalt/service/auth_service.hpp"

#include "basalt/auth/password.hpp"
#include "basalt/auth/token.hpp"
#include "basalt/base/offload.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/base/time.hpp"
#include "basalt/service/internal/auth_guards.hpp"
#include "basalt/service/internal/auth_record_cache.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

namespace {

constexpr std::string_view kInvalidAuthCollection = "Missing or invalid auth collection context.";
// A valid bcrypt hash of a random string: verifying against it costs the same as a real check,
// so an unknown identity takes as long as a wrong password.
constexpr std::string_view kDummyHash = "$2a$10$CmhcJ7OUf8HFDpwFxG5d3OFBEuNw5rCXkrW3oPnmGdzBz.u7lXwR6";

bool LooksLikeEmail(std::string_view s) {
    auto at = s.find('@');
    return at != std::string_view::npos && at > 0 && s.find('.', at) != std::string_view::npos;
}

std::vector<std::string> IdentityFields(const schema::Collection& c) {
    std::vector<std::string> out;
    auto it = c.options.find("passwordAuth");
    if (it != c.options.end() && it->value().is_object()) {
        auto f = it->value().get_object().find("identityFields");
        if (f != it->value().get_object().end() && f->value().is_array()) {
            for (const auto& v : f->value().get_array()) {
                if (v.is_string()) {
                    out.emplace_back(v.get_string());
                }
            }
        }
    }
    return out;
}

bool PasswordAuthEnabled(const schema::Collection& c) {
    auto it = c.options.find("passwordAuth");
    if (it == c.options.end() || !it->value().is_object()) {
        return false;
    }
    auto e = it->value().get_object().find("enabled");
    return e != it->value().get_object().end() && e->value().is_bool() && e->value().get_bool();
}

}  // namespace

std::string AuthService::IssueAuthToken(const schema::Record& r, bool refreshable, std::int64_t duration) {
    const schema::Collection& c = *r.collection;
    if (duration <= 0) {
        duration = c.TokenDuration("authToken");
    }
    if (duration <= 0) {
        duration = c.id == kSuperusersId ? 86400 : 432000;
    }
    return auth::NewAuthToken(r.Id(), c.id, r.GetString("tokenKey"), c.TokenSecret("authToken"), duration,
                              refreshable);
}

net::awaitable<Auth> AuthService::ResolveToken(std::string header_value) {
    Auth guest;
    std::string_view token = Trim(header_value);
    if (StartsWithI(token, "Bearer ")) {
        token = Trim(token.substr(7));
    }
    if (token.empty() || token.size() > 8192) {
        co_return guest;
    }
    auto claims = auth::ParseToken(token);
    if (!claims || claims->type != "auth") {
        co_return guest;
    }
    schema::SchemaPtr s = registry_.Get();
    auto c = s->FindById(claims->collection_id);
    if (!c || !c->IsAuth()) {
        co_return guest;
    }
    std::string id = claims->id;
    // The record as of the current data epoch, read before the snapshot (see DataEpoch).
    const std::optional<std::uint64_t> epoch = store_.DataEpoch();
    std::optional<schema::Record> r;
    // `c` comes from the current schema, so a rotated token secret applies at once.
    const std::string secret = c->TokenSecret("authToken");
    bool verified = false;  // this token, against this record and secret, at this epoch
    if (epoch) {
        r = token_records_->Get(c->id, id, *epoch, token, secret, verified);
    }
    if (!r) {
        auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, id); };
        auto found = co_await store_.Read(std::move(unit));
        if (!found || !*found) {
            co_return guest;
        }
        r = std::move(**found);
        if (epoch) {
            token_records_->Put(c->id, id, *epoch, *r);
        }
    }
    if (!verified) {
        if (!auth::CheckParsedTokenSignature(token, auth::SigningKey(r->GetString("tokenKey"), secret))) {
            co_return guest;
        }
        if (epoch) {
            token_records_->MarkVerified(c->id, id, *epoch, token, secret);
        }
    }
    Auth a;
    a.record = std::move(*r);
    a.refreshable = claims->refreshable;
    co_return a;
}

net::awaitable<Status> AuthService::CheckAuthRule(const RequestCtx& ctx, const schema::Record& r) {
    if (ctx.auth.IsSuperuser()) {
        co_return Ok();
    }
    std::optional<std::string> rule = r.collection->AuthRule();
    const Error denied = PermissionDenied("The request doesn't satisfy the collection requirements to authenticate.");
    if (!rule) {
        co_return denied;
    }
    if (rule->empty()) {
        co_return Ok();
    }
    schema::SchemaPtr s = registry_.Get();
    RequestCtx rc = ctx;
    rc.auth.record = r;
    rc.info.auth = r;
    BASALT_CO_TRY(auto expr, internal::CompileRule(store_.dialect(), *rule, rc, *s, *r.collection, r.collection->name, 2));
    std::vector<filter::SqlExpr> where{std::move(expr)};
    auto c = r.collection;
    std::string id(r.Id());
    auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, id, where); };
    BASALT_CO_TRY(auto ok, co_await store_.Read(std::move(unit)));
    if (!ok) {
        co_return denied;
    }
    co_return Ok();
}

net::awaitable<Result<AuthResult>> AuthService::AuthWithPassword(RequestCtx ctx,
                                                                 std::string collection,
                                                                 std::string identity,
                                                                 std::string password,
                                                                 std::string identity_field,
                                                                 AuthAttempt attempt) {
    schema::SchemaPtr s = registry_.Get();
    auto c = s->Find(collection);
    if (!c || !c->IsAuth()) {
        co_return NotFound(std::string(kInvalidAuthCollection));
    }
    if (!PasswordAuthEnabled(*c)) {
        co_return PermissionDenied("The collection is not configured to allow password authentication.");
    }
    boost::json::object errors;
    if (identity.empty()) {
        errors["identity"] = FieldError("validation_required", "Cannot be blank.");
    } else if (identity.size() > 255) {
        errors["identity"] = FieldError("validation_length_out_of_range", "The length must be between 1 and 255.",
                                        {{"min", 1}, {"max", 255}});
    }
    if (password.empty()) {
        errors["password"] = FieldError("validation_required", "Cannot be blank.");
    } else if (password.size() > 255) {
        errors["password"] = FieldError("validation_length_out_of_range", "The length must be between 1 and 255.",
                                        {{"min", 1}, {"max", 255}});
    }
    std::vector<std::string> fields = IdentityFields(*c);
    if (!identity_field.empty() && std::find(fields.begin(), fields.end(), identity_field) == fields.end()) {
        errors["identityField"] = FieldError("validation_in_invalid", "Must be a valid value.");
    }
    if (!errors.empty()) {
        co_return InvalidArgument("An error occurred while validating the submitted data.", std::move(errors));
    }
    if (!identity_field.empty()) {
        fields = {identity_field};
    } else {
        // email first, and only when the identity looks like an email
        std::stable_partition(fields.begin(), fields.end(), [](const std::string& f) { return f == "email"; });
        if (!LooksLikeEmail(identity)) {
            std::erase(fields, std::string("email"));
        }
    }
    auto lookup = [&](store::Tx& tx) -> Result<std::optional<schema::Record>> {
        const auto& d = tx.dialect();
        for (const auto& f : fields) {
            if (c->FindField(f) == nullptr) {
                continue;
            }
            store::RecordQuery q;
            std::string col = d.QuoteIdent(c->name) + "." + d.QuoteIdent(f);
            q.where.push_back({f == "email" ? "LOWER(" + col + ") = LOWER(" + d.Placeholder(1) + ")"
                                            : col + " = " + d.Placeholder(1),
                               {identity},
                               {}});
            q.limit = 1;
            BASALT_TRY(auto rows, store::SelectRecords(tx, c, q));
            if (!rows.empty()) {
                return std::optional<schema::Record>(std::move(rows.front()));
            }
        }
        return std::optional<schema::Record>{};
    };
    BASALT_CO_TRY(auto found, co_await store_.Read(std::move(lookup)));
    std::string hash = found ? found->GetString("password") : std::string(kDummyHash);
    auto verify = [password, hash] { return auth::VerifyPassword(password, hash); };
    bool ok = co_await Offload(blocking_, std::move(verify));
    if (!found || !ok) {
        co_return InvalidArgument("Failed to authenticate.");
    }
    co_return co_await Finish(ctx, std::move(*found), "password", attempt);
}

net::awaitable<Result<AuthResult>> AuthService::Refresh(RequestCtx ctx, std::string collection, std::string presented) {
    schema::SchemaPtr s = registry_.Get();
    BASALT_CO_TRY(auto c, internal::SameCollectionAuth(*s, ctx, collection));
    (void)c;
    BASALT_CO_RETURN_IF_ERROR(co_await CheckAuthRule(ctx, *ctx.auth.record));
    AuthResult out;
    out.record = *ctx.auth.record;
    std::string_view tok = Trim(presented);
    if (StartsWithI(tok, "Bearer ")) {
        tok = Trim(tok.substr(7));
    }
    out.token = ctx.auth.refreshable ? IssueAuthToken(out.record, true) : std::string(tok);
    co_return out;
}

}  // namespace basalt::service
