// auth-with-oauth2 (pocketbase-api.md §2.5.6): validate the body, exchange the code and fetch
// the provider user on the blocking pool, then link the user to a record — an existing
// _externalAuths row, else the signed-in record of the same collection, else the record with
// the same email, else a new record through the normal create pipeline (createRule with
// @request.context = "oauth2"; an avatar mapped to a file field is downloaded first) — in one
// transaction, and finish like every other sign-in.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "basalt/auth/oauth2.hpp"
#include "basalt/auth/password.hpp"
#include "basalt/base/json.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/offload.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/time.hpp"
#include "basalt/files/mime.hpp"
#include "basalt/schema/validate.hpp"
#include "basalt/service/auth_service.hpp"
#include "basalt/service/internal/passwords.hpp"
#include "basalt/service/record_files.hpp"
#include "basalt/service/records.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

namespace {

namespace bj = boost::json;
using CollectionPtr = std::shared_ptr<const schema::Collection>;

constexpr std::string_view kLoadFailed = "An error occurred while loading the submitted data.";
constexpr std::string_view kAuthFailed = "Failed to authenticate.";

const bj::object* OAuth2Options(const schema::Collection& c) {
    auto it = c.options.find("oauth2");
    return it != c.options.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

std::string Str(const bj::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

/// The collection's config of provider `name`, if configured and known to the catalogue.
std::optional<auth::ProviderConfig> ConfiguredProvider(const bj::object& oauth2, const std::string& name) {
    auto list = oauth2.find("providers");
    if (list == oauth2.end() || !list->value().is_array()) {
        return std::nullopt;
    }
    for (const auto& cfg : list->value().get_array()) {
        if (cfg.is_object() && Str(cfg.get_object(), "name") == name) {
            return auth::ResolveProvider(cfg.get_object());
        }
    }
    return std::nullopt;
}

/// `meta` exactly as PocketBase marshals AuthUser + isNew through a map: keys sorted.
bj::object Meta(const auth::OAuth2User& u, bool is_new) {
    bj::object m;
    m["accessToken"] = u.access_token;
    m["avatarURL"] = u.avatar_url;
    m["avatarUrl"] = u.avatar_url;
    m["email"] = u.email;
    m["expiry"] = u.expiry ? FormatDateTime(*u.expiry) : std::string();
    m["id"] = u.id;
    m["isNew"] = is_new;
    m["name"] = u.name;
    m["rawUser"] = json::SortedKeys(u.raw_user, true);
    m["refreshToken"] = u.refresh_token;
    m["username"] = u.username;
    return m;
}

schema::Record NewExternalAuth(const CollectionPtr& ea, const std::string& collection_id, const std::string& record_id,
                               const std::string& provider, const std::string& provider_id) {
    schema::Record r;
    r.collection = ea;
    const std::string now = NowString();
    r.values = bj::object{{"id", NewRecordId()},          {"collectionRef", collection_id}, {"recordRef", record_id},
                          {"provider", provider},          {"providerId", provider_id},      {"created", now},
                          {"updated", now}};
    return r;
}

void Touch(schema::Record& r) {
    for (const auto& f : r.collection->fields) {
        if (f.type == schema::FieldType::kAutodate && f.on_update) {
            r.values[f.name] = NowString();
        }
    }
}

/// Where the provider user leads before anything is written.
struct Lookup {
    std::optional<schema::Record> record;
    bool has_external_auth = false;
    bool username_taken = false;
};

/// The outcome of the provider round trips (run on the blocking pool).
struct ProviderOutcome {
    std::optional<auth::OAuth2User> user;
    std::string error;  // the client message; details are logged
};

constexpr std::chrono::seconds kAvatarTimeout{15};

/// A name for the downloaded avatar: the last segment of the URL's path ("avatar" when there is
/// none); the stored name is derived from it like any upload's (extension from the content when
/// the name has none).
std::string AvatarFileName(std::string_view url) {
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        url.remove_prefix(scheme + 3);
    }
    url = url.substr(0, url.find_first_of("?#"));
    const auto slash = url.find('/');
    std::string_view path = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    std::string_view last = path.substr(path.find_last_of('/') + 1);
    return last.empty() ? std::string("avatar") : std::string(last);
}

/// PocketBase stores the provider's avatar in a mapped file field of a new record. Blocking (run
/// on the blocking pool): one GET (redirects followed) bounded by kAvatarTimeout and the
/// field's maxSize; the content is sniffed and must be a type the field admits. Any failure is
/// logged and yields nullopt — the sign-in goes on without the avatar.
std::optional<Upload> DownloadAvatar(files::FileStorage* storage,
                                     const std::string& provider,
                                     const std::string& url,
                                     const std::string& field,
                                     const FileLimits& limits) {
    auth::HttpRequest req;
    req.url = url;
    auth::HttpOptions opts;
    opts.timeout = kAvatarTimeout;
    opts.max_response_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(limits.max_size, SIZE_MAX));
    auto res = auth::HttpFetch(req, opts);
    if (!res) {
        log::Warn("OAuth2 {}: failed to download the avatar: {}", provider, res.error().message);
        return std::nullopt;
    }
    if (res->status < 200 || res->status > 299 || res->body.empty()) {
        log::Warn("OAuth2 {}: failed to download the avatar (status {}, {} bytes)", provider, res->status,
                  res->body.size());
        return std::nullopt;
    }
    if (!limits.mime_types.empty()) {
        const std::string mime = files::SniffMime(res->body);
        if (!files::MimeAllowed(mime, limits.mime_types)) {
            log::Warn("OAuth2 {}: the avatar's type {} is not allowed in field {}", provider, mime, field);
            return std::nullopt;
        }
    }
    auto staged = StageContent(storage, field, AvatarFileName(url), res->body);
    if (!staged) {
        log::Warn("OAuth2 {}: failed to store the avatar: {}", provider, staged.error().message);
        return std::nullopt;
    }
    return std::move(*staged);
}

ProviderOutcome TalkToProvider(const auth::ProviderConfig& p, const OAuth2Input& in) {
    ProviderOutcome out;
    auto token = auth::ExchangeCode(p, in.code, in.code_verifier, in.redirect_url);
    if (!token) {
        log::Warn("OAuth2 {}: token exchange failed: {}", p.name, token.error().message);
        out.error = "Failed to fetch OAuth2 token.";
        return out;
    }
    auto user = auth::FetchUser(p, *token);
    if (!user) {
        log::Warn("OAuth2 {}: user info failed: {}", p.name, user.error().message);
        out.error = "Failed to fetch OAuth2 user.";
        return out;
    }
    out.user = std::move(*user);
    return out;
}

}  // namespace

net::awaitable<Result<AuthResult>> AuthService::AuthWithOAuth2(RequestCtx ctx,
                                                               std::string collection,
                                                               OAuth2Input in,
                                                               AuthAttempt attempt) {
    schema::SchemaPtr s = registry_.Get();
    CollectionPtr c = s->Find(collection);
    if (!c || !c->IsAuth()) {
        co_return NotFound("Missing or invalid auth collection context.");
    }
    const bj::object* oauth2 = OAuth2Options(*c);
    const bool enabled = oauth2 != nullptr && oauth2->contains("enabled") && oauth2->at("enabled").is_bool() &&
                         oauth2->at("enabled").get_bool();
    if (!enabled) {
        co_return PermissionDenied("The collection is not configured to allow OAuth2 authentication.");
    }
    ctx.info.context = "oauth2";

    bj::object errors;
    std::optional<auth::ProviderConfig> provider;
    if (in.provider.empty()) {
        errors["provider"] = FieldError("validation_required", "Cannot be blank.");
    } else if (in.provider.size() > 100) {
        errors["provider"] = FieldError("validation_length_out_of_range", "The length must be between 0 and 100.",
                                        {{"min", 0}, {"max", 100}});
    } else {
        provider = ConfiguredProvider(*oauth2, in.provider);
        if (!provider) {
            errors["provider"] = FieldError("validation_invalid_provider",
                                            fmt::format("Provider with name {} is missing or is not enabled.", in.provider),
                                            {{"name", in.provider}});
        }
    }
    if (in.code.empty()) {
        errors["code"] = FieldError("validation_required", "Cannot be blank.");
    }
    if (in.redirect_url.empty()) {
        errors["redirectURL"] = FieldError("validation_required", "Cannot be blank.");
    }
    if (!errors.empty()) {
        co_return InvalidArgument(std::string(kLoadFailed), std::move(errors));
    }

    auto talk = [p = *provider, in] { return TalkToProvider(p, in); };
    ProviderOutcome outcome = co_await Offload(blocking_, std::move(talk));
    if (!outcome.user) {
        co_return InvalidArgument(outcome.error);
    }
    const auth::OAuth2User user = std::move(*outcome.user);
    if (user.id.empty()) {
        log::Warn("OAuth2 {}: the provider user has no id", in.provider);
        co_return InvalidArgument("Failed to fetch OAuth2 user.");
    }

    auto externals = s->Find("_externalAuths");
    if (!externals) {
        co_return Internal("the _externalAuths collection is missing");
    }
    std::optional<schema::Record> fallback;
    if (ctx.auth.record && ctx.auth.record->collection->id == c->id) {
        fallback = ctx.auth.record;
    }
    std::string mapped_username;
    if (const auto* mf = oauth2->if_contains("mappedFields"); mf != nullptr && mf->is_object()) {
        mapped_username = Str(mf->get_object(), "username");
    }

    // Where does this provider account lead?
    auto find = [&](store::Tx& tx) -> Result<Lookup> {
        Lookup out;
        const auto& d = tx.dialect();
        const std::string t = d.QuoteIdent(externals->name);
        auto col = [&](std::string_view name) { return t + "." + d.QuoteIdent(name); };
        store::RecordQuery q;
        q.where.push_back({col("collectionRef") + " = " + d.Placeholder(1) + " AND " + col("provider") + " = " +
                               d.Placeholder(2) + " AND " + col("providerId") + " = " + d.Placeholder(3),
                           {c->id, in.provider, user.id},
                           {}});
        q.limit = 1;
        BASALT_TRY(auto links, store::SelectRecords(tx, externals, q));
        if (!links.empty()) {
            out.has_external_auth = true;
            BASALT_TRY(out.record, store::FindRecord(tx, c, links.front().GetString("recordRef")));
            if (!out.record) {
                return NotFound("The requested resource wasn't found.");
            }
            return out;
        }
        if (fallback) {
            BASALT_TRY(out.record, store::FindRecord(tx, c, std::string(fallback->Id())));
            if (out.record) {
                return out;
            }
        }
        if (!user.email.empty()) {
            store::RecordQuery e;
            e.where.push_back({"LOWER(" + d.QuoteIdent(c->name) + "." + d.QuoteIdent("email") + ") = LOWER(" +
                                   d.Placeholder(1) + ")",
                               {user.email},
                               {}});
            e.limit = 1;
            BASALT_TRY(auto rows, store::SelectRecords(tx, c, e));
            if (!rows.empty()) {
                out.record = std::move(rows.front());
                return out;
            }
        }
        if (!mapped_username.empty() && !user.username.empty() && c->FindField(mapped_username) != nullptr) {
            store::RecordQuery u;
            u.where.push_back({"LOWER(" + d.QuoteIdent(c->name) + "." + d.QuoteIdent(mapped_username) + ") = LOWER(" +
                                   d.Placeholder(1) + ")",
                               {user.username},
                               {}});
            u.limit = 1;
            BASALT_TRY(auto rows, store::SelectRecords(tx, c, u));
            out.username_taken = !rows.empty();
        }
        return out;
    };
    BASALT_CO_TRY(Lookup found, co_await store_.Read(std::move(find)));

    const bool is_new = !found.record;
    schema::Record linked;
    if (is_new) {
        if (c->id == kSuperusersId) {
            log::Warn("OAuth2 {}: superusers are not allowed to sign-up with OAuth2", in.provider);
            co_return InvalidArgument(std::string(kAuthFailed));
        }
        bj::object payload = in.create_data;
        if (auto it = payload.find("email"); it == payload.end() || !it->value().is_string() ||
                                             it->value().get_string().empty()) {
            payload["email"] = user.email;
        }
        if (auto it = payload.find("password"); it == payload.end() || !it->value().is_string() ||
                                                it->value().get_string().empty()) {
            const std::string pw = RandomString(30);
            payload["password"] = pw;
            payload["passwordConfirm"] = pw;
        }
        bj::object mapped;
        if (const auto* mf = oauth2->if_contains("mappedFields"); mf != nullptr && mf->is_object()) {
            mapped = mf->get_object();
        }
        auto map_field = [&](std::string_view key, const std::string& value) {
            const std::string field = Str(mapped, key);
            if (!field.empty() && !payload.contains(field)) {
                payload[field] = value;
            }
        };
        map_field("id", user.id);
        map_field("name", user.name);
        if (const std::string field = Str(mapped, "username"); !field.empty() && !payload.contains(field)) {
            // PocketBase assigns the provider username only when it is free and valid for the field.
            const schema::Field* f = c->FindField(field);
            if (f != nullptr && f->type == schema::FieldType::kText && !found.username_taken &&
                schema::ValidateFieldValue(*f, bj::value(user.username), true, {}).empty()) {
                payload[field] = user.username;
            }
        }
        std::vector<Upload> uploads;
        if (const std::string field = Str(mapped, "avatarURL");
            !field.empty() && !payload.contains(field) && !user.avatar_url.empty()) {
            const schema::Field* f = c->FindField(field);
            files::FileStorage* storage = records_.file_storage();
            if (f != nullptr && f->type == schema::FieldType::kFile && storage != nullptr) {
                // Downloaded into the file field, stored like an upload; skipped on any failure.
                auto fetch = [storage, provider = in.provider, url = user.avatar_url, field, limits = FileLimitsOf(*f)] {
                    return DownloadAvatar(storage, provider, url, field, limits);
                };
                std::optional<Upload> avatar = co_await Offload(blocking_, std::move(fetch));
                if (avatar) {
                    uploads.push_back(std::move(*avatar));
                }
            } else if (f != nullptr && f->type != schema::FieldType::kFile) {
                payload[field] = user.avatar_url;
            }
        }
        BASALT_CO_TRY(WritePlan plan,
                      co_await records_.PrepareCreate(ctx, c->name, std::move(payload), std::move(uploads)));
        const std::string provider_email = user.email;
        auto create = [&](store::Tx& tx) -> Result<schema::Record> {
            BASALT_TRY(auto written, RecordService::Apply(tx, plan));
            if (!written) {
                return Internal("the OAuth2 record was not created");
            }
            schema::Record rec = std::move(*written);
            if (rec.GetString("email") == provider_email && !rec.GetBool("verified")) {
                // Verified as long as it matches the provider's (verified) email, even if empty.
                rec.values["verified"] = true;
                Touch(rec);
                BASALT_RETURN_IF_ERROR(store::UpdateRecord(tx, rec));
            }
            schema::Record ea = NewExternalAuth(externals, c->id, std::string(rec.Id()), in.provider, user.id);
            BASALT_RETURN_IF_ERROR(store::InsertRecord(tx, ea));
            return rec;
        };
        auto created = co_await store_.Write(std::move(create));
        if (!created) {
            if (created.error().code == ErrorCode::kAlreadyExists) {
                co_return InvalidArgument(std::string(kAuthFailed));
            }
            co_return created.error();
        }
        linked = std::move(*created);
    } else {
        schema::Record& r = *found.record;
        const bool is_signed_in = ctx.auth.record && ctx.auth.record->collection->id == c->id &&
                                  ctx.auth.record->Id() == r.Id();
        std::string random_hash;
        if (!is_signed_in && !r.GetString("email").empty() && !r.GetBool("verified")) {
            // Someone may have registered this email before its owner: void their password.
            auto hash_random = [cost = internal::PasswordCost(*c)] { return auth::HashPassword(RandomString(30), cost); };
            random_hash = co_await Offload(blocking_, std::move(hash_random));
        }
        const std::string id(r.Id());
        const bool has_link = found.has_external_auth;
        auto link = [&](store::Tx& tx) -> Result<schema::Record> {
            BASALT_TRY(auto cur, store::FindRecord(tx, c, id));
            if (!cur) {
                return NotFound("The requested resource wasn't found.");
            }
            bool update = false;
            if (!random_hash.empty() && !cur->GetBool("verified")) {
                cur->values["password"] = random_hash;
                cur->values["tokenKey"] = RandomString(50);
                update = true;
            }
            if (cur->GetString("email").empty() && !user.email.empty()) {
                cur->values["email"] = user.email;
                update = true;
            }
            if (!cur->GetBool("verified") && (cur->GetString("email").empty() || cur->GetString("email") == user.email)) {
                cur->values["verified"] = true;
                update = true;
            }
            if (update) {
                Touch(*cur);
                BASALT_RETURN_IF_ERROR(store::UpdateRecord(tx, *cur));
            }
            if (!has_link) {
                schema::Record ea = NewExternalAuth(externals, c->id, id, in.provider, user.id);
                BASALT_RETURN_IF_ERROR(store::InsertRecord(tx, ea));
            }
            return std::move(*cur);
        };
        auto updated = co_await store_.Write(std::move(link));
        if (!updated) {
            if (updated.error().code == ErrorCode::kAlreadyExists) {
                co_return InvalidArgument(std::string(kAuthFailed));
            }
            co_return updated.error();
        }
        linked = std::move(*updated);
    }

    BASALT_CO_TRY(AuthResult out, co_await Finish(ctx, std::move(linked), "oauth2", attempt));
    out.meta = Meta(user, is_new);
    co_return out;
}

}  // namespace basalt::service
