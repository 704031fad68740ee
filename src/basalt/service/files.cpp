// File downloads and file tokens (pocketbase-api.md §2.7, §6).
#include "basalt/service/files.hpp"

#include <algorithm>

#include "basalt/auth/token.hpp"
#include "basalt/base/log.hpp"
#include "basalt/base/offload.hpp"
#include "basalt/base/strings.hpp"
#include "basalt/files/mime.hpp"
#include "basalt/files/names.hpp"
#include "basalt/files/thumbs.hpp"
#include "basalt/schema/record_values.hpp"
#include "basalt/service/internal/rules.hpp"
#include "basalt/store/records.hpp"

namespace basalt::service {

namespace {

constexpr std::string_view kDefaultThumb = "100x100";
constexpr std::int64_t kDefaultFileTokenDuration = 180;
constexpr std::uint64_t kSniffBytes = 8192;

bool OptionBool(const schema::Field& f, std::string_view key) {
    auto it = f.options.find(key);
    return it != f.options.end() && it->value().is_bool() && it->value().get_bool();
}

bool ThumbListed(const schema::Field& f, std::string_view thumb) {
    if (thumb == kDefaultThumb) {
        return true;
    }
    auto it = f.options.find("thumbs");
    if (it == f.options.end() || !it->value().is_array()) {
        return false;
    }
    const auto& arr = it->value().get_array();
    return std::any_of(arr.begin(), arr.end(), [&](const auto& v) { return v.is_string() && v.get_string() == thumb; });
}

/// The file field of `r` whose value holds `filename`, or null.
const schema::Field* FieldHolding(const schema::Record& r, std::string_view filename) {
    for (const auto& f : r.collection->fields) {
        if (f.type != schema::FieldType::kFile) {
            continue;
        }
        auto it = r.values.find(f.name);
        if (it == r.values.end()) {
            continue;
        }
        for (const auto& name : schema::ToUniqueStringSlice(it->value())) {
            if (name == filename) {
                return &f;
            }
        }
    }
    return nullptr;
}

/// View collections keep no files: the file lives with the record the view column comes from
/// (SQLite reports each column's origin table and column, through nested views too). Returns
/// "<collectionId>/<recordId>" of the source record holding `filename`, nullopt when none does.
Result<std::optional<std::string>> ViewFileSource(store::Tx& tx,
                                                  const schema::Schema& s,
                                                  const schema::Collection& view,
                                                  const schema::Field& field,
                                                  const std::string& filename) {
    BASALT_TRY(auto cols, tx.DescribeQuery(view.ViewQuery()));
    for (const auto& col : cols) {
        if (col.name != field.name || col.origin_table.empty()) {
            continue;
        }
        auto src = s.Find(col.origin_table);
        const schema::Field* sf = src ? src->FindField(col.origin_column) : nullptr;
        if (!src || src->IsView() || sf == nullptr || sf->type != schema::FieldType::kFile) {
            break;
        }
        const auto& d = tx.dialect();
        const std::string column = d.QuoteIdent(src->name) + "." + d.QuoteIdent(sf->name);
        store::RecordQuery q;
        if (sf->IsMulti()) {
            q.where.push_back({"EXISTS (SELECT 1 FROM " + d.JsonEach(column) + " AS __f WHERE __f.value = " +
                                   d.Placeholder(1) + ")",
                               {filename},
                               {}});
        } else {
            q.where.push_back({column + " = " + d.Placeholder(1), {filename}, {}});
        }
        q.limit = 1;
        BASALT_TRY(auto rows, store::SelectRecords(tx, src, q));
        if (rows.empty()) {
            break;
        }
        return std::optional<std::string>(files::FileKey(src->id, rows.front().Id()));
    }
    return std::optional<std::string>{};
}

}  // namespace

net::awaitable<Result<std::string>> FileService::NewFileToken(RequestCtx ctx) {
    if (ctx.auth.IsGuest()) {
        co_return Unauthenticated("The request requires valid record authorization token.");
    }
    const schema::Record& r = *ctx.auth.record;
    const schema::Collection& c = *r.collection;
    std::int64_t duration = c.TokenDuration("fileToken");
    if (duration <= 0) {
        duration = kDefaultFileTokenDuration;
    }
    co_return auth::NewFileToken(r.Id(), c.id, r.GetString("tokenKey"), c.TokenSecret("fileToken"), duration);
}

net::awaitable<Auth> FileService::ResolveFileToken(std::string token) {
    Auth guest;
    std::string_view t = Trim(token);
    if (t.empty() || t.size() > 8192) {
        co_return guest;
    }
    auto claims = auth::ParseToken(t);
    if (!claims || claims->type != auth::kTokenTypeFile) {
        co_return guest;
    }
    schema::SchemaPtr s = registry_.Get();
    auto c = s->FindById(claims->collection_id);
    if (!c || !c->IsAuth()) {
        co_return guest;
    }
    std::string id = claims->id;
    auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, id); };
    auto found = co_await store_.Read(std::move(unit));
    if (!found || !*found) {
        co_return guest;
    }
    if (!auth::CheckTokenSignature(t, auth::SigningKey((*found)->GetString("tokenKey"), c->TokenSecret("fileToken")))) {
        co_return guest;
    }
    Auth a;
    a.record = std::move(**found);
    co_return a;
}

bool FileService::EnsureThumb(const std::string& original_key,
                              const std::string& content_type,
                              const std::string& size,
                              const std::string& thumb_key) {
    // One generation per thumb at a time; later requests find it on disk.
    std::shared_ptr<std::mutex> lock;
    {
        std::lock_guard<std::mutex> g(locks_mu_);
        auto& slot = thumb_locks_[thumb_key];
        lock = slot.lock();
        if (!lock) {
            lock = std::make_shared<std::mutex>();
            slot = lock;
        }
    }
    bool ok = false;
    {
        std::lock_guard<std::mutex> g(*lock);
        auto existing = storage_.Stat(thumb_key);
        if (existing && *existing) {
            ok = true;
        } else if (auto parsed = files::ParseThumbSize(size); parsed) {
            auto info = storage_.Stat(original_key);
            if (info && *info) {
                auto data = storage_.Read(original_key, 0, (*info)->size);
                if (data) {
                    auto thumb = files::MakeThumb(*data, content_type, *parsed);
                    if (thumb) {
                        ok = static_cast<bool>(storage_.WriteAtomic(thumb_key, *thumb, {content_type, ""}));
                    } else {
                        log::Warn("thumb {} of {}: {}", size, original_key, thumb.error().message);
                    }
                }
            }
        }
    }
    lock.reset();
    {
        std::lock_guard<std::mutex> g(locks_mu_);
        auto it = thumb_locks_.find(thumb_key);
        if (it != thumb_locks_.end() && it->second.expired()) {
            thumb_locks_.erase(it);
        }
    }
    return ok;
}

net::awaitable<Result<ServedFile>> FileService::Resolve(RequestCtx ctx,
                                                        std::string collection,
                                                        std::string record_id,
                                                        std::string filename,
                                                        std::string thumb,
                                                        std::string file_token) {
    schema::SchemaPtr s = registry_.Get();
    auto c = s->Find(collection);
    if (!c || record_id.empty() || !files::IsSafeFileName(filename) ||
        !files::IsSafeFileName(record_id)) {
        co_return NotFound();
    }
    auto unit = [&](store::Tx& tx) { return store::FindRecord(tx, c, record_id); };
    BASALT_CO_TRY(auto found, co_await store_.Read(std::move(unit)));
    if (!found) {
        co_return NotFound();
    }
    const schema::Field* field = FieldHolding(*found, filename);
    if (field == nullptr) {
        co_return NotFound();
    }
    if (OptionBool(*field, "protected")) {
        RequestCtx viewer = ctx;
        viewer.auth = co_await ResolveFileToken(std::move(file_token));
        viewer.info.auth = viewer.auth.record;
        viewer.info.context = "protectedFile";
        if (!viewer.auth.IsSuperuser()) {
            if (!c->view_rule) {
                co_return NotFound();
            }
            if (!c->view_rule->empty()) {
                BASALT_CO_TRY(auto rule, internal::CompileRule(store_.dialect(), *c->view_rule, viewer, *s, *c, c->name, 2));
                std::vector<filter::SqlExpr> where{std::move(rule)};
                auto check = [&](store::Tx& tx) { return store::FindRecord(tx, c, record_id, where); };
                BASALT_CO_TRY(auto allowed, co_await store_.Read(std::move(check)));
                if (!allowed) {
                    co_return NotFound();
                }
            }
        }
    }
    std::string dir = files::FileKey(c->id, found->Id());
    if (c->IsView()) {
        auto source = [&](store::Tx& tx) { return ViewFileSource(tx, *s, *c, *field, filename); };
        BASALT_CO_TRY(auto src, co_await store_.Read(std::move(source)));
        if (!src) {
            co_return NotFound();
        }
        dir = std::move(*src);
    }
    const std::string original_key = dir + "/" + filename;
    const bool want_thumb = !thumb.empty() && ThumbListed(*field, thumb) && files::ParseThumbSize(thumb).has_value();
    auto work = [this, original_key, filename, thumb, want_thumb, dir]() -> Result<ServedFile> {
        BASALT_TRY(std::shared_ptr<const FileContent> content, storage_.Open(original_key));
        ServedFile out;
        out.key = original_key;
        out.name = filename;
        BASALT_TRY(out.content_type, ContentType(original_key, *content, filename));
        if (want_thumb && files::IsThumbableType(out.content_type)) {
            const std::string thumb_key = dir + "/thumbs_" + filename + "/" + thumb + "_" + filename;
            auto opened = storage_.Open(thumb_key);
            if (!opened && opened.error().code == ErrorCode::kNotFound &&
                EnsureThumb(original_key, out.content_type, thumb, thumb_key)) {
                opened = storage_.Open(thumb_key);
            }
            if (opened) {
                content = std::move(*opened);
                out.key = thumb_key;
                out.name = thumb + "_" + filename;
            }
        }
        out.size = content->info().size;
        out.mtime_unix = content->info().mtime_unix;
        out.content = std::move(content);
        return out;
    };
    co_return co_await Offload(blocking_, std::move(work));
}

Result<std::string> FileService::ContentType(const std::string& key,
                                             const FileContent& content,
                                             const std::string& filename) {
    const files::FileInfo info = content.info();
    {
        std::lock_guard<std::mutex> g(types_mu_);
        if (auto it = types_.find(key);
            it != types_.end() && it->second.size == info.size && it->second.mtime_unix == info.mtime_unix) {
            return it->second.content_type;
        }
    }
    std::string type;
    if (auto attrs = storage_.Attrs(key); attrs && !attrs->content_type.empty()) {
        type = std::move(attrs->content_type);
    } else {
        std::string head(static_cast<std::size_t>(std::min(info.size, kSniffBytes)), '\0');
        BASALT_TRY(std::size_t n, content.ReadAt(0, head));
        head.resize(n);
        type = files::ServedContentType(files::SniffMime(head), filename);
    }
    std::lock_guard<std::mutex> g(types_mu_);
    if (types_.size() >= kMaxCachedTypes) {
        types_.clear();
    }
    types_[key] = CachedType{info.size, info.mtime_unix, type};
    return type;
}

net::awaitable<Result<std::size_t>> FileService::ReadContent(std::shared_ptr<const FileContent> content,
                                                            std::uint64_t offset,
                                                            std::span<char> out) {
    auto work = [content = std::move(content), offset, out]() { return content->ReadAt(offset, out); };
    co_return co_await Offload(blocking_, std::move(work));
}

}  // namespace basalt::service
