// Turns a stored record into the JSON a given viewer may see (PocketBase §3.1): sorted keys,
// collectionId/collectionName, hidden fields and secrets removed, email visibility applied.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "basalt/base/field_picker.hpp"
#include "basalt/schema/collection.hpp"
#include "basalt/service/context.hpp"
#include "basalt/store/store.hpp"

namespace basalt::service {

struct ExportOptions {
    bool show_hidden = false;  // superusers
    bool show_email = false;   // the record itself, superusers, managers, auth responses
};

ExportOptions ExportOptionsFor(const Auth& viewer, const schema::Record& r);

/// `viewer` decides the visibility of expanded records (each by its own rules).
boost::json::object ExportRecord(const schema::Record& r, const ExportOptions& o, const Auth& viewer = {});

/// The same JSON as ExportRecord, appended straight to `out` (no intermediate object): the
/// fast path for responses without a `fields` picker.
void WriteRecordJson(std::string& out, const schema::Record& r, const ExportOptions& o, const Auth& viewer = {});

/// Writes records of one collection straight from store rows (store::ScanRecords): the bytes
/// WriteRecordJson gives — and, with a picker, ExportRecord under the `fields` picker — without
/// building records. Only for records without expand that the viewer does not manage (no
/// manageRule can grant the viewer anything: RecordService decides). Holds references to `tx`, `c`, `viewer` and `picker`, which must outlive
/// it; used on the store thread running the unit of work, for one query.
class RowWriter {
public:
    RowWriter(const store::Tx& tx,
              const schema::Collection& c,
              const Auth& viewer,
              const json::FieldPicker* picker = nullptr);

    /// Appends the record of one row; `fields` maps its columns to fields (nullptr: no field).
    void Write(std::string& out, std::span<const schema::Field* const> fields, std::span<const store::SqlValueRef> row);

private:
    enum class Kind { kField, kEmail, kCollectionId, kCollectionName };
    struct Entry {
        std::string_view key;
        Kind kind = Kind::kField;
        const schema::Field* field = nullptr;
        std::size_t column = 0;
        const json::FieldPicker* pick = nullptr;  // null: written whole
        // `"key":` in heads_, followed by the value when it is the same for every row
        std::size_t head_at = 0;
        std::size_t head_size = 0;
        bool head_has_value = false;
    };

    void Plan(std::span<const schema::Field* const> fields);
    bool EmailVisible(std::span<const store::SqlValueRef> row) const;
    void WriteValue(std::string& out, const Entry& e, std::span<const store::SqlValueRef> row) const;

    const store::Tx& tx_;
    const schema::Collection& c_;
    const Auth& viewer_;
    const json::FieldPicker* picker_;
    std::vector<Entry> entries_;  // sorted by key; planned at the first row
    std::string heads_;           // the entries' keys, written once per query
    bool planned_ = false;
    const schema::Field* const* planned_for_ = nullptr;
    const schema::Field* email_visibility_ = nullptr;
    std::size_t email_visibility_column_ = 0;
    const schema::Field* id_ = nullptr;
    std::size_t id_column_ = 0;
};

}  // namespace basalt::service
