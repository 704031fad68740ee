// Record -> API JSON.
#include "basalt/service/record_export.hpp"

#include <algorithm>
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

}  // namespace basalt::service
