// The portable defaults of Tx: row streaming over Query, column JSON through ColumnToJson.
#include "basalt/store/store.hpp"

#include "basalt/base/json.hpp"

namespace basalt::store {

Status Tx::QueryEach(std::string_view sql, const SqlParams& params, const RowCallback& fn) {
    BASALT_TRY(Rows rows, Query(sql, params));
    std::vector<std::string_view> columns(rows.columns.begin(), rows.columns.end());
    std::vector<SqlValueRef> refs;
    for (const auto& row : rows.rows) {
        refs.clear();
        for (const auto& v : row) {
            refs.push_back(RefOf(v));
        }
        fn(columns, refs);
    }
    return Ok();
}

void Tx::WriteColumnJson(std::string& out, const schema::Field& f, const SqlValueRef& v) const {
    json::Write(out, ColumnToJson(f, ValueOf(v)));
}

}  // namespace basalt::store
