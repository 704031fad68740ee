// Record -> API JSON.
#include "basalt/service/record_export.hpp"

#include <algorithm>
#include <vector>

namespace basalt::service {

ExportOptions ExportOptionsFor(const Auth& viewer, const schema::Record& r) {
    ExportOptions o;
    o.show_hidden = viewer.IsSuperuser();
    o.show_email = viewer.IsSuperuser() ||
                   (viewer.record && viewer.record->collection->id == r.collection->id &&
                    viewer.record->Id() == r.Id());
    return o;
}

boost::json::object ExportRecord(const schema::Record& r, const ExportOptions& o) {
    const schema::Collection& c = *r.collection;
    std::vector<std::pair<std::string_view, const boost::json::value*>> kvs;
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
    static const boost::json::value kNull;
    boost::json::value cid(c.id);
    boost::json::value cname(c.name);
    kvs.emplace_back("collectionId", &cid);
    kvs.emplace_back("collectionName", &cname);
    std::sort(kvs.begin(), kvs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    boost::json::object out;
    out.reserve(kvs.size() + 1);
    for (const auto& [k, v] : kvs) {
        out.emplace(k, *v);
    }
    return out;
}

}  // namespace basalt::service
