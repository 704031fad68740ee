// Record deletion with PocketBase's relation semantics: cascade, detach or refuse.
#include "basalt/service/internal/cascade.hpp"

#include "basalt/store/records.hpp"

namespace basalt::service::internal {

using schema::FieldType;
using schema::Record;

namespace {
constexpr int kMaxCascadeDepth = 32;
}  // namespace

std::vector<std::string> RelationIds(const boost::json::value& v) {
    std::vector<std::string> out;
    if (v.is_string() && !v.get_string().empty()) {
        out.emplace_back(v.get_string());
    } else if (v.is_array()) {
        for (const auto& e : v.get_array()) {
            if (e.is_string() && !e.get_string().empty()) {
                out.emplace_back(e.get_string());
            }
        }
    }
    return out;
}


/// Deletes `r`, cascading to or detaching from records that reference it.
Status DeleteWithReferences(store::Tx& tx, const schema::Schema& s, const Record& r, int depth,
                            std::set<std::string>& visited, std::vector<RecordChange>* changes) {
    if (depth > kMaxCascadeDepth) {
        return InvalidArgument("Failed to delete record: too deep cascade.");
    }
    visited.insert(r.collection->id + "/" + std::string(r.Id()));
    for (const auto& other : s.all()) {
        if (other->IsView()) {
            continue;
        }
        for (const auto& f : other->fields) {
            if (f.type != FieldType::kRelation || f.collection_id != r.collection->id) {
                continue;
            }
            BASALT_TRY(auto refs, store::FindReferencing(tx, other, f, r.Id()));
            for (auto& ref : refs) {
                if (visited.contains(other->id + "/" + std::string(ref.Id()))) {
                    continue;
                }
                if (f.cascade_delete) {
                    BASALT_RETURN_IF_ERROR(DeleteWithReferences(tx, s, ref, depth + 1, visited, changes));
                    continue;
                }
                boost::json::value& v = ref.values[f.name];
                std::vector<std::string> ids = RelationIds(v);
                std::erase(ids, std::string(r.Id()));
                if (f.required && ids.empty()) {
                    return InvalidArgument(
                        "Failed to delete record. Make sure that the record is not part of a required "
                        "relation reference.");
                }
                if (f.IsMulti()) {
                    boost::json::array arr;
                    for (auto& id : ids) {
                        arr.emplace_back(id);
                    }
                    v = std::move(arr);
                } else {
                    v = ids.empty() ? boost::json::value("") : boost::json::value(ids.back());
                }
                BASALT_RETURN_IF_ERROR(store::UpdateRecord(tx, ref));
                if (changes != nullptr) {
                    changes->push_back(RecordChange{RecordChange::Action::kUpdate, ref});
                }
            }
        }
    }
    BASALT_TRY(auto n, store::DeleteRecord(tx, *r.collection, r.Id()));
    (void)n;
    if (changes != nullptr) {
        changes->push_back(RecordChange{RecordChange::Action::kDelete, r});
    }
    return Ok();
}

}  // namespace basalt::service::internal
