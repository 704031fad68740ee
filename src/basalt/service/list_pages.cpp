#include "basalt/service/internal/list_pages.hpp"

#include <string_view>

namespace basalt::service::internal {

namespace {

constexpr std::size_t kMaxKeySize = 8 * 1024;

}  // namespace

std::string ListPageKey(const schema::Collection& c,
                        const Auth& viewer,
                        const store::RecordQuery& q,
                        bool order_varies,
                        const std::string& fields,
                        bool skip_total) {
    if (c.IsView() || order_varies) {
        return {};
    }
    for (const auto& w : q.where) {
        if (w.varies) {
            return {};
        }
    }
    // Pieces joined by NUL, which neither ids, generated SQL nor AppendSqlKey's typed values
    // (length-prefixed) can hold unescaped; `fields` comes last but one, length-prefixed too.
    std::string key = c.id;
    key += '\0';
    // The viewer: RowWriter shows hidden fields to superusers and an auth record's email to
    // itself; every other use of the viewer is a rule parameter below.
    if (viewer.IsSuperuser()) {
        key += 'S';
    } else if (viewer.IsGuest()) {
        key += 'G';
    } else {
        key += 'R';
        key += viewer.record->collection->id;
        key += '/';
        key += viewer.record->GetString("id");
    }
    key += '\0';
    key += std::to_string(q.limit);
    key += ',';
    key += std::to_string(q.offset);
    key += skip_total ? ",n" : ",t";
    key += '\0';
    key += std::to_string(fields.size());
    key += ':';
    key += fields;
    for (const auto& w : q.where) {
        key.push_back('\0');
        key.push_back('w');
        if (!AppendSqlKey(key, w.sql, w.params, kMaxKeySize)) {
            return {};
        }
    }
    key.push_back('\0');
    key.push_back('o');
    if (!AppendSqlKey(key, q.order_by, q.order_params, kMaxKeySize)) {
        return {};
    }
    return key;
}

}  // namespace basalt::service::internal
