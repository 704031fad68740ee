// Files of record writes: uploads bound to file fields and staged before the transaction,
// PocketBase's file validation, and the commit hook that moves staged files into place and
// deletes replaced ones (pocketbase-api.md §2.3.3–2.3.6, §3.4).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/base/result.hpp"
#include "basalt/files/storage.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/service/uploads.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

/// The files of one record write. Uploads arrive staged (written to the storage's staging area
/// while the request was read); the commit hook moves the ones the saved record references into
/// place. A staged file not committed is discarded when its last reference goes away, so a
/// failed or rolled-back write leaves no file behind. Shared between the write plan and the
/// commit hook; the hook runs on the store's writer thread, before the plan is released.
class RecordFiles {
public:
    struct Staged {
        std::string field;          ///< the file field
        std::string name;           ///< generated stored name
        std::string original_name;  ///< the client's name (validation messages)
        std::uint64_t size = 0;
        std::string mime;                  ///< sniffed from the content
        std::shared_ptr<StagedFile> file;  ///< the content in the staging area
    };

    explicit RecordFiles(files::FileStorage* storage) : storage_(storage) {}
    RecordFiles(const RecordFiles&) = delete;
    RecordFiles& operator=(const RecordFiles&) = delete;

    files::FileStorage* storage() const { return storage_; }
    const std::vector<Staged>& uploads() const { return uploads_; }
    void Add(Staged s) { uploads_.push_back(std::move(s)); }

    /// Commits the staged files named in `keep` (field, name) under `<collectionId>/<recordId>/`
    /// and deletes `remove` (old names, with their thumbs). Called once, from the commit hook.
    void Commit(const std::string& collection_id,
                const std::string& record_id,
                const std::set<std::pair<std::string, std::string>>& keep,
                const std::vector<std::string>& remove);

private:
    files::FileStorage* storage_;
    std::vector<Staged> uploads_;
};

/// Binds `uploads` to the collection's file fields the way PocketBase's record form does:
/// parts named `f`, `f+` or `+f` for a file field `f` become generated names in `body` (a plain
/// `f` keeps the names already listed in `body[f]` and appends the new ones; the modifiers are
/// resolved later with the rest of the body). Parts for other names are dropped (and with them
/// their staged content).
Result<std::shared_ptr<RecordFiles>> BindUploads(files::FileStorage* storage,
                                                 const schema::Collection& c,
                                                 boost::json::object& body,
                                                 std::vector<Upload> uploads);

/// PocketBase's file field checks on the record's new values, in its order per field: names
/// that are neither stored already (`old_values`, null for a create) nor uploaded now
/// (validation_invalid_file), too many files (validation_too_many_files), then each new
/// upload's size (validation_file_size_limit) and sniffed type (validation_invalid_mime_type).
/// Adds the first error of each field to `errors` unless the field already has one.
void ValidateFileFields(const schema::Collection& c,
                        const boost::json::object* old_values,
                        const boost::json::object& new_values,
                        const RecordFiles* files,
                        boost::json::object& errors);

/// Registers the commit hook of a create/update: staged files the saved record references are
/// moved into place, files no longer referenced (`old_values` vs `new_values`) are deleted.
void ScheduleFileChanges(store::Tx& tx,
                         const std::shared_ptr<RecordFiles>& files,
                         const schema::Collection& c,
                         const std::string& record_id,
                         const boost::json::object* old_values,
                         const boost::json::object& new_values);

/// Registers the commit hook of a delete: the directories of every deleted record
/// ("<collectionId>/<recordId>" as the cascade reports them) are removed.
void ScheduleRecordDirsDelete(store::Tx& tx, files::FileStorage* storage, const std::set<std::string>& record_keys);

/// What a file field admits per file: its maxSize (5 MiB when unset, as in PocketBase) and its
/// mimeTypes (empty = any type).
struct FileLimits {
    std::uint64_t max_size = 0;
    std::vector<std::string> mime_types;
};
FileLimits FileLimitsOf(const schema::Field& f);

/// The request body limit for writes to `c`: 32 MiB plus, per file field, maxSize * maxSelect
/// (PocketBase §1.9).
std::uint64_t RecordBodyLimit(const schema::Collection& c);

}  // namespace basalt::service
