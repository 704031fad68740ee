// Record -> API JSON.
#include "basalt/service/record_export.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "basalt/base/json.hpp"

namespace basalt::service {

ExportOptions ExportOptionsFor(const Auth& viewer, const schema::Record& r) {
    ExportOptions o;
    o.show_hidden = viewer.IsSuperuser();
    o.show_email = viewer.IsSuperuser() || r.managed ||
                   (viewer.record && viewer.record->collection->id == r.collection->id &&
                    viewer.record->Id() == r.Id());
    return o;
}

namespace {

using KeyValues = std::vector<std::pair<std::string_view, const boost::json::value*>>;

/// The visible (key, value) pairs of a record, sorted by key. `cid`/`cname` hold the
/// collectionId/collectionName values and must outlive the result.
void VisiblePairs(const schema::Record& r, const ExportOptions& o, const boost::json::value& cid,
                  const boost::json::value& cname, KeyValues& kvs) {
    const schema::Collection& c = *r.collection;
    kvs.clear();
    kvs.reserve(c.fields.size() + 2);
    const bool is_auth = c.IsAuth();
    bool email_visible = o.show_email;
    if (is_auth && !email_visible) {
        email_visible = r.GetBool("emailVisibility");
    }
    for (const auto& f : c.fields) {
        if (f.type == schema::FieldType::kPassword) {
            continue;
        }
        if (is_auth && f.name == "tokenKey") {
            continue;
        }
        if (f.hidden && !o.show_hidden) {
            continue;
        }
        if (is_auth && f.name == "email" && !email_visible) {
            continue;
        }
        auto it = r.values.find(f.name);
        if (it == r.values.end()) {
            continue;
        }
        kvs.emplace_back(f.name, &it->value());
    }
    kvs.emplace_back("collectionId", &cid);
    kvs.emplace_back("collectionName", &cname);
    std::sort(kvs.begin(), kvs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

/// The "expand" object of a record; each related record is exported for the same viewer.
boost::json::value ExpandJson(const schema::Record& r, const Auth& viewer, const ExportOptions& o) {
    boost::json::object out;
    for (const auto& [key, ex] : r.expand) {
        auto one = [&](const schema::Record& rel) {
            ExportOptions ro = ExportOptionsFor(viewer, rel);
            ro.show_hidden = o.show_hidden;
            return ExportRecord(rel, ro, viewer);
        };
        if (ex.multi) {
            boost::json::array arr;
            for (const auto& rel : ex.records) {
                arr.push_back(one(rel));
            }
            out[key] = std::move(arr);
        } else if (!ex.records.empty()) {
            out[key] = one(ex.records.front());
        }
    }
    return out;
}

/// Inserts ("expand", value) at its sorted position.
void AddExpand(KeyValues& kvs, const boost::json::value* expand) {
    auto pos = std::lower_bound(kvs.begin(), kvs.end(), std::string_view("expand"),
                                [](const auto& kv, std::string_view k) { return kv.first < k; });
    kvs.insert(pos, {"expand", expand});
}

}  // namespace

void WriteRecordJson(std::string& out, const schema::Record& r, const ExportOptions& o, const Auth& viewer) {
    if (r.expand_requested) {
        // Rare path: nested records need their own key lists.
        json::Write(out, ExportRecord(r, o, viewer));
        return;
    }
    thread_local KeyValues kvs;
    const boost::json::value cid(r.collection->id);
    const boost::json::value cname(r.collection->name);
    VisiblePairs(r, o, cid, cname, kvs);
    out.push_back('{');
    bool first = true;
    for (const auto& [k, v] : kvs) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        json::WriteString(out, k);
        out.push_back(':');
        json::Write(out, *v);
    }
    out.push_back('}');
}

boost::json::object ExportRecord(const schema::Record& r, const ExportOptions& o, const Auth& viewer) {
    KeyValues kvs;
    const boost::json::value cid(r.collection->id);
    const boost::json::value cname(r.collection->name);
    VisiblePairs(r, o, cid, cname, kvs);
    boost::json::value expand;
    if (r.expand_requested) {
        expand = ExpandJson(r, viewer, o);
        AddExpand(kvs, &expand);
    }
    boost::json::object out;
    out.reserve(kvs.size() + 1);
    for (const auto& [k, v] : kvs) {
        out.emplace(k, *v);
    }
    return out;
}

RowWriter::RowWriter(const store::Tx& tx,
                     const schema::Collection& c,
                     const Auth& viewer,
                     const json::FieldPicker* picker)
    : tx_(tx), c_(c), viewer_(viewer), picker_(picker != nullptr && !picker->empty() ? picker : nullptr) {}

void RowWriter::Plan(std::span<const schema::Field* const> fields) {
    // The key list of VisiblePairs, decided once per query; only the email of an auth record
    // depends on the row.
    entries_.clear();
    email_visibility_ = nullptr;
    id_ = nullptr;
    const bool is_auth = c_.IsAuth();
    const bool su = viewer_.IsSuperuser();
    auto column_of = [&](const schema::Field* f) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (fields[i] == f) {
                return i;
            }
        }
        return std::nullopt;
    };
    auto add = [&](Entry e) {
        if (picker_ != nullptr) {
            e.pick = picker_->Child(e.key);
            if (e.pick == nullptr) {
                return;
            }
            if (e.pick->KeepsWhole()) {
                e.pick = nullptr;
            }
        }
        entries_.push_back(e);
    };
    for (const auto& f : c_.fields) {
        const auto col = column_of(&f);
        if (col && f.name == "id") {
            id_ = &f;
            id_column_ = *col;
        }
        if (col && f.name == "emailVisibility") {
            email_visibility_ = &f;
            email_visibility_column_ = *col;
        }
        if (f.type == schema::FieldType::kPassword || (is_auth && f.name == "tokenKey") || (f.hidden && !su) ||
            !col) {
            continue;
        }
        const bool conditional = is_auth && f.name == "email" && !su;
        add({f.name, conditional ? Kind::kEmail : Kind::kField, &f, *col, nullptr});
    }
    add({"collectionId", Kind::kCollectionId, nullptr, 0, nullptr});
    add({"collectionName", Kind::kCollectionName, nullptr, 0, nullptr});
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
    heads_.clear();
    for (auto& e : entries_) {
        e.head_at = heads_.size();
        json::WriteString(heads_, e.key);
        heads_.push_back(':');
        if (e.pick == nullptr && (e.kind == Kind::kCollectionId || e.kind == Kind::kCollectionName)) {
            json::WriteString(heads_, e.kind == Kind::kCollectionId ? c_.id : c_.name);
            e.head_has_value = true;
        }
        e.head_size = heads_.size() - e.head_at;
    }
    planned_for_ = fields.data();
    planned_ = true;
}

bool RowWriter::EmailVisible(std::span<const store::SqlValueRef> row) const {
    // ExportOptionsFor without `managed` (never set on this path), then VisiblePairs' emailVisibility.
    if (viewer_.record && viewer_.record->collection->id == c_.id) {
        std::string id;
        if (id_ != nullptr) {
            const auto v = tx_.ColumnToJson(*id_, store::ValueOf(row[id_column_]));
            if (v.is_string()) {
                id = v.get_string();
            }
        }
        if (viewer_.record->Id() == id) {
            return true;
        }
    }
    if (email_visibility_ == nullptr) {
        return false;
    }
    const auto v = tx_.ColumnToJson(*email_visibility_, store::ValueOf(row[email_visibility_column_]));
    return v.is_bool() && v.get_bool();
}

void RowWriter::WriteValue(std::string& out, const Entry& e, std::span<const store::SqlValueRef> row) const {
    if (e.pick == nullptr) {
        switch (e.kind) {
            case Kind::kField:
            case Kind::kEmail: tx_.WriteColumnJson(out, *e.field, row[e.column]); return;
            case Kind::kCollectionId: json::WriteString(out, c_.id); return;
            case Kind::kCollectionName: json::WriteString(out, c_.name); return;
        }
    }
    // Paths below the key or an excerpt: through the value, as the picker does it.
    boost::json::value v;
    switch (e.kind) {
        case Kind::kField:
        case Kind::kEmail: v = tx_.ColumnToJson(*e.field, store::ValueOf(row[e.column])); break;
        case Kind::kCollectionId: v = c_.id; break;
        case Kind::kCollectionName: v = c_.name; break;
    }
    e.pick->ApplyAsChild(v);
    json::Write(out, v);
}

void RowWriter::Write(std::string& out,
                      std::span<const schema::Field* const> fields,
                      std::span<const store::SqlValueRef> row) {
    if (!planned_ || fields.data() != planned_for_) {
        Plan(fields);
    }
    out.push_back('{');
    bool first = true;
    for (const auto& e : entries_) {
        if (e.kind == Kind::kEmail && !EmailVisible(row)) {
            continue;
        }
        if (!first) {
            out.push_back(',');
        }
        first = false;
        out.append(heads_, e.head_at, e.head_size);
        if (!e.head_has_value) {
            WriteValue(out, e, row);
        }
    }
    out.push_back('}');
}

}  // namespace basalt::service
