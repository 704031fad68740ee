// Record files: staging, validation and commit hooks (see record_files.hpp).
#include "basalt/service/record_files.hpp"

#include <algorithm>
#include <map>

#include "basalt/base/log.hpp"
#include "basalt/files/mime.hpp"
#include "basalt/files/names.hpp"
#include "basalt/schema/record_values.hpp"

namespace basalt::service {

using schema::Collection;
using schema::Field;
using schema::FieldType;

namespace {

constexpr std::uint64_t kDefaultFileMaxSize = 5u << 20;
constexpr std::uint64_t kDefaultEditorMaxSize = 5u << 20;
constexpr std::uint64_t kDefaultJsonMaxSize = 1u << 20;
constexpr std::uint64_t kBaseBodyLimit = 32u << 20;

std::int64_t OptInt(const Field& f, std::string_view key) {
    auto it = f.options.find(key);
    if (it == f.options.end()) {
        return 0;
    }
    if (it->value().is_int64()) {
        return it->value().get_int64();
    }
    if (it->value().is_uint64()) {
        return static_cast<std::int64_t>(std::min<std::uint64_t>(it->value().get_uint64(), INT64_MAX));
    }
    if (it->value().is_double()) {
        return static_cast<std::int64_t>(it->value().get_double());
    }
    return 0;
}

std::uint64_t MaxSize(const Field& f, std::uint64_t fallback) {
    const std::int64_t v = OptInt(f, "maxSize");
    return v > 0 ? static_cast<std::uint64_t>(v) : fallback;
}

std::int64_t MaxSelect(const Field& f) { return std::max<std::int64_t>(OptInt(f, "maxSelect"), 1); }

std::vector<std::string> MimeTypes(const Field& f) {
    std::vector<std::string> out;
    auto it = f.options.find("mimeTypes");
    if (it != f.options.end() && it->value().is_array()) {
        for (const auto& v : it->value().get_array()) {
            if (v.is_string()) {
                out.emplace_back(v.get_string());
            }
        }
    }
    return out;
}

std::vector<std::string> NamesOf(const boost::json::object* values, const std::string& field) {
    if (values == nullptr) {
        return {};
    }
    auto it = values->find(field);
    return it == values->end() ? std::vector<std::string>{} : schema::ToUniqueStringSlice(it->value());
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

/// The file field a part name addresses ("f", "f+", "+f"), or null.
const Field* FileFieldOfKey(const Collection& c, std::string_view key) {
    std::string_view name = key;
    if (!name.empty() && name.front() == '+') {
        name.remove_prefix(1);
    } else if (!name.empty() && name.back() == '+') {
        name.remove_suffix(1);
    }
    const Field* f = c.FindField(name);
    return f != nullptr && f->type == FieldType::kFile ? f : nullptr;
}

std::string QuoteGo(std::string_view s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            out.push_back('\\');
        }
        out.push_back(ch);
    }
    out.push_back('"');
    return out;
}

}  // namespace

void RecordFiles::Commit(const std::string& collection_id,
                         const std::string& record_id,
                         const std::set<std::pair<std::string, std::string>>& keep,
                         const std::vector<std::string>& remove) {
    if (storage_ == nullptr) {
        return;
    }
    for (auto& u : uploads_) {
        if (!u.file || !keep.contains({u.field, u.name})) {
            continue;
        }
        if (auto st = u.file->CommitTo(files::FileKey(collection_id, record_id, u.name)); !st) {
            log::Error("record {}/{}: storing {} failed after commit: {}", collection_id, record_id, u.name,
                       st.error().message);
        }
    }
    for (const auto& name : remove) {
        if (!files::IsSafeFileName(name)) {
            continue;
        }
        if (auto st = storage_->Delete(files::FileKey(collection_id, record_id, name)); !st) {
            log::Warn("record {}/{}: deleting {} failed: {}", collection_id, record_id, name, st.error().message);
        }
    }
}

Result<std::shared_ptr<RecordFiles>> BindUploads(files::FileStorage* storage,
                                                 const Collection& c,
                                                 boost::json::object& body,
                                                 std::vector<Upload> uploads) {
    auto out = std::make_shared<RecordFiles>(storage);
    // Part name -> the uploads sent under it, in order; parts for unknown names are dropped.
    std::vector<std::pair<std::string, std::vector<Upload>>> by_key;
    for (auto& u : uploads) {
        if (FileFieldOfKey(c, u.field) == nullptr || !u.file) {
            continue;
        }
        auto it = std::find_if(by_key.begin(), by_key.end(), [&](const auto& kv) { return kv.first == u.field; });
        if (it == by_key.end()) {
            by_key.emplace_back(u.field, std::vector<Upload>{});
            it = std::prev(by_key.end());
        }
        it->second.push_back(std::move(u));
    }
    if (by_key.empty()) {
        return out;
    }
    if (storage == nullptr) {
        return Internal("file storage is not configured");
    }
    for (auto& [key, list] : by_key) {
        const Field& f = *FileFieldOfKey(c, key);
        boost::json::array names;
        if (key == f.name) {
            if (auto it = body.find(key); it != body.end()) {
                for (auto& existing : schema::ToUniqueStringSlice(it->value())) {
                    names.emplace_back(existing);
                }
            }
        }
        for (auto& u : list) {
            RecordFiles::Staged s;
            s.field = f.name;
            s.original_name = u.filename;
            s.size = u.file->size();
            s.mime = u.file->mime();
            s.name = files::StoredFileName(u.filename, files::ExtensionForMime(s.mime));
            s.file = std::move(u.file);
            names.emplace_back(s.name);
            out->Add(std::move(s));
        }
        body[key] = std::move(names);
    }
    return out;
}

void ValidateFileFields(const Collection& c,
                        const boost::json::object* old_values,
                        const boost::json::object& new_values,
                        const RecordFiles* files,
                        boost::json::object& errors) {
    for (const auto& f : c.fields) {
        if (f.type != FieldType::kFile || errors.contains(f.name)) {
            continue;
        }
        const std::vector<std::string> items = NamesOf(&new_values, f.name);
        if (items.empty()) {
            continue;  // `required` is checked with the other fields
        }
        const std::vector<std::string> old = NamesOf(old_values, f.name);
        std::vector<const RecordFiles::Staged*> uploaded;
        boost::json::array invalid;
        for (const auto& name : items) {
            const RecordFiles::Staged* up = nullptr;
            if (files != nullptr) {
                for (const auto& u : files->uploads()) {
                    if (u.field == f.name && u.name == name) {
                        up = &u;
                    }
                }
            }
            if (up != nullptr) {
                uploaded.push_back(up);
            } else if (!Contains(old, name)) {
                invalid.emplace_back(name.substr(0, 250));
            }
        }
        if (!invalid.empty()) {
            std::string list = "[";
            for (std::size_t i = 0; i < invalid.size(); ++i) {
                list += (i != 0 ? " " : "") + std::string(invalid[i].get_string());
            }
            list += "]";
            boost::json::object params{{"invalidFiles", std::move(invalid)}};
            errors[f.name] = FieldError("validation_invalid_file", "Invalid new files: " + list + ".", std::move(params));
            continue;
        }
        const std::int64_t max_select = MaxSelect(f);
        if (static_cast<std::int64_t>(items.size()) > max_select) {
            errors[f.name] = FieldError("validation_too_many_files",
                                        "The maximum allowed files is " + std::to_string(max_select) + ".",
                                        {{"maxSelect", max_select}});
            continue;
        }
        const std::uint64_t max_size = MaxSize(f, kDefaultFileMaxSize);
        const std::vector<std::string> mimes = MimeTypes(f);
        for (const auto* u : uploaded) {
            if (u->size > max_size) {
                errors[f.name] = FieldError("validation_file_size_limit",
                                            "Failed to upload " + QuoteGo(u->original_name) +
                                                " - the maximum allowed file size is " + std::to_string(max_size) +
                                                " bytes.",
                                            {{"file", u->original_name}, {"maxSize", max_size}});
                break;
            }
            if (!mimes.empty() && !files::MimeAllowed(u->mime, mimes)) {
                std::string joined;
                for (const auto& m : mimes) {
                    joined += (joined.empty() ? "" : ", ") + m;
                }
                errors[f.name] = FieldError("validation_invalid_mime_type",
                                            QuoteGo(u->name) + " mime type must be one of: " + joined + ".");
                break;
            }
        }
    }
}

void ScheduleFileChanges(store::Tx& tx,
                         const std::shared_ptr<RecordFiles>& files,
                         const Collection& c,
                         const std::string& record_id,
                         const boost::json::object* old_values,
                         const boost::json::object& new_values) {
    if (!files || files->storage() == nullptr) {
        return;
    }
    std::set<std::pair<std::string, std::string>> keep;
    std::vector<std::string> remove;
    for (const auto& f : c.fields) {
        if (f.type != FieldType::kFile) {
            continue;
        }
        const std::vector<std::string> now = NamesOf(&new_values, f.name);
        for (const auto& name : now) {
            keep.emplace(f.name, name);
        }
        for (const auto& name : NamesOf(old_values, f.name)) {
            if (!Contains(now, name)) {
                remove.push_back(name);
            }
        }
    }
    if (files->uploads().empty() && remove.empty()) {
        return;
    }
    tx.OnCommit([files, cid = c.id, record_id, keep = std::move(keep), remove = std::move(remove)] {
        files->Commit(cid, record_id, keep, remove);
    });
}

void ScheduleRecordDirsDelete(store::Tx& tx, files::FileStorage* storage, const std::set<std::string>& record_keys) {
    if (storage == nullptr || record_keys.empty()) {
        return;
    }
    tx.OnCommit([storage, keys = record_keys] {
        for (const auto& key : keys) {
            if (auto st = storage->DeletePrefix(key); !st) {
                log::Warn("deleting the files of {} failed: {}", key, st.error().message);
            }
        }
    });
}

FileLimits FileLimitsOf(const Field& f) {
    return FileLimits{MaxSize(f, kDefaultFileMaxSize), MimeTypes(f)};
}

std::uint64_t RecordBodyLimit(const Collection& c) {
    std::uint64_t limit = kBaseBodyLimit;
    for (const auto& f : c.fields) {
        std::uint64_t add = 0;
        if (f.type == FieldType::kFile) {
            if (__builtin_mul_overflow(MaxSize(f, kDefaultFileMaxSize), static_cast<std::uint64_t>(MaxSelect(f)), &add)) {
                return UINT64_MAX;
            }
        } else if (f.type == FieldType::kEditor) {
            add = MaxSize(f, kDefaultEditorMaxSize);
        } else if (f.type == FieldType::kJson) {
            add = MaxSize(f, kDefaultJsonMaxSize);
        }
        if (__builtin_add_overflow(limit, add, &limit)) {
            return UINT64_MAX;
        }
    }
    return limit;
}

}  // namespace basalt::service
