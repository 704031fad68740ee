// SQLite DDL for collections and the column <-> JSON value mapping.
#include "basalt/store/sqlite/internal/sqlite_tx.hpp"

#include <set>

#include "basalt/base/json.hpp"
#include "basalt/base/strings.hpp"

namespace basalt::store::sqlite_internal {

using schema::Collection;
using schema::Field;
using schema::FieldType;

namespace {

std::string Q(std::string_view ident) { return filter::SqliteDialect().QuoteIdent(ident); }

/// The index name of a "CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON ..." statement.
std::string IndexName(std::string_view sql) {
    std::string s(Trim(sql));
    std::string lower = ToLower(s);
    std::size_t p = lower.find("index");
    if (p == std::string::npos) {
        return {};
    }
    p += 5;
    std::string_view rest = std::string_view(s).substr(p);
    rest = Trim(rest);
    if (StartsWithI(rest, "if not exists")) {
        rest = Trim(rest.substr(13));
    }
    if (rest.empty()) {
        return {};
    }
    char open = rest[0];
    if (open == '`' || open == '"' || open == '[') {
        char close = open == '[' ? ']' : open;
        std::size_t e = rest.find(close, 1);
        return e == std::string_view::npos ? std::string{} : std::string(rest.substr(1, e - 1));
    }
    std::size_t e = rest.find_first_of(" \t\n(");
    return std::string(rest.substr(0, e));
}

bool IsMultiStored(const Field& f) { return f.IsMulti(); }

}  // namespace

std::string ColumnDefinition(const Field& f) {
    switch (f.type) {
        case FieldType::kText:
            if (f.primary_key) {
                return "TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL";
            }
            return "TEXT DEFAULT '' NOT NULL";
        case FieldType::kNumber: return "NUMERIC DEFAULT 0 NOT NULL";
        case FieldType::kBool: return "BOOLEAN DEFAULT FALSE NOT NULL";
        case FieldType::kJson: return "JSON DEFAULT NULL";
        case FieldType::kGeoPoint: return "JSON DEFAULT '{\"lon\":0,\"lat\":0}' NOT NULL";
        case FieldType::kSelect:
        case FieldType::kFile:
        case FieldType::kRelation:
            return IsMultiStored(f) ? "JSON DEFAULT '[]' NOT NULL" : "TEXT DEFAULT '' NOT NULL";
        default: return "TEXT DEFAULT '' NOT NULL";
    }
}

std::string CreateTableSql(const Collection& c) {
    if (c.IsView()) {
        return "CREATE VIEW " + Q(c.name) + " AS SELECT * FROM (" + c.ViewQuery() + ")";
    }
    std::string sql = "CREATE TABLE " + Q(c.name) + " (";
    bool first = true;
    for (const auto& f : c.fields) {
        if (!first) {
            sql += ", ";
        }
        first = false;
        sql += Q(f.name) + " " + ColumnDefinition(f);
    }
    sql += ")";
    return sql;
}

Status SqliteTx::CreateIndexes(const Collection& c) {
    for (const auto& idx : c.indexes) {
        if (auto st = conn_.ExecScript(idx); !st) {
            Error e = st.error();
            e.code = ErrorCode::kInvalidArgument;
            return e;
        }
    }
    return Ok();
}

Status SqliteTx::DropIndexes(const Collection& c) {
    for (const auto& idx : c.indexes) {
        std::string name = IndexName(idx);
        if (!name.empty()) {
            BASALT_RETURN_IF_ERROR(conn_.ExecScript("DROP INDEX IF EXISTS " + Q(name)));
        }
    }
    return Ok();
}

Status SqliteTx::CreateCollectionTable(const Collection& c) {
    conn_.ClearCache();
    BASALT_RETURN_IF_ERROR(conn_.ExecScript(CreateTableSql(c)));
    if (!c.IsView()) {
        BASALT_RETURN_IF_ERROR(CreateIndexes(c));
    }
    return Ok();
}

Status SqliteTx::DropCollectionTable(const Collection& c) {
    conn_.ClearCache();
    if (c.IsView()) {
        return conn_.ExecScript("DROP VIEW IF EXISTS " + Q(c.name));
    }
    BASALT_RETURN_IF_ERROR(DropIndexes(c));
    return conn_.ExecScript("DROP TABLE IF EXISTS " + Q(c.name));
}

Status SqliteTx::AlterCollectionTable(const Collection& old, const Collection& updated) {
    conn_.ClearCache();
    if (old.IsView() || updated.IsView()) {
        BASALT_RETURN_IF_ERROR(DropCollectionTable(old));
        return CreateCollectionTable(updated);
    }
    // Rebuild the table: create the new shape, copy the surviving columns (matched by field id,
    // converting single <-> multi values), drop the old table, rename. Views over the table keep
    // working because the final name is the collection name they reference.
    BASALT_RETURN_IF_ERROR(DropIndexes(old));
    const std::string tmp = "_basalt_tmp_" + updated.id;
    Collection shaped = updated;
    shaped.name = tmp;
    BASALT_RETURN_IF_ERROR(conn_.ExecScript("DROP TABLE IF EXISTS " + Q(tmp)));
    BASALT_RETURN_IF_ERROR(conn_.ExecScript(CreateTableSql(shaped)));
    std::string cols;
    std::string exprs;
    for (const auto& nf : updated.fields) {
        const Field* of = old.FindFieldById(nf.id);
        if (of == nullptr) {
            of = old.FindField(nf.name);
            if (of != nullptr && of->type != nf.type) {
                of = nullptr;
            }
        }
        if (of == nullptr) {
            continue;
        }
        std::string src = Q(of->name);
        std::string expr = src;
        if (of->type != nf.type) {
            continue;  // type changes are refused by validation; never copy incompatible data
        }
        if (of->IsMulti() && !nf.IsMulti()) {
            expr = "(CASE WHEN json_valid(" + src + ") AND json_type(" + src + ")='array' THEN COALESCE(json_extract(" +
                   src + ", '$[#-1]'), '') ELSE COALESCE(" + src + ", '') END)";
        } else if (!of->IsMulti() && nf.IsMulti()) {
            expr = "(CASE WHEN " + src + " IS NULL OR " + src + "='' THEN '[]' WHEN json_valid(" + src +
                   ") AND json_type(" + src + ")='array' THEN " + src + " ELSE json_array(" + src + ") END)";
        }
        if (!cols.empty()) {
            cols += ", ";
            exprs += ", ";
        }
        cols += Q(nf.name);
        exprs += expr;
    }
    if (!cols.empty()) {
        BASALT_RETURN_IF_ERROR(conn_.ExecScript("INSERT INTO " + Q(tmp) + " (" + cols + ") SELECT " + exprs +
                                                " FROM " + Q(old.name)));
    }
    BASALT_RETURN_IF_ERROR(conn_.ExecScript("PRAGMA legacy_alter_table=ON"));
    auto st = [&]() -> Status {
        BASALT_RETURN_IF_ERROR(conn_.ExecScript("DROP TABLE " + Q(old.name)));
        BASALT_RETURN_IF_ERROR(conn_.ExecScript("ALTER TABLE " + Q(tmp) + " RENAME TO " + Q(updated.name)));
        return Ok();
    }();
    (void)conn_.ExecScript("PRAGMA legacy_alter_table=OFF");
    BASALT_RETURN_IF_ERROR(st);
    return CreateIndexes(updated);
}

namespace {

// The column -> API value mapping, shared by ColumnToJson and WriteColumnJson so that both
// read a stored value the same way.

bool BoolOf(const SqlValueRef& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return *i != 0;
    }
    if (const auto* d = std::get_if<double>(&v)) {
        return *d != 0;
    }
    if (const auto* b = std::get_if<bool>(&v)) {
        return *b;
    }
    const auto* s = std::get_if<std::string_view>(&v);
    return s != nullptr && (*s == "1" || *s == "true" || *s == "TRUE");
}

double NumberOf(const SqlValueRef& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return static_cast<double>(*i);
    }
    if (const auto* d = std::get_if<double>(&v)) {
        return *d;
    }
    if (const auto* s = std::get_if<std::string_view>(&v)) {
        try {
            return std::stod(std::string(*s));
        } catch (...) {
            return 0.0;
        }
    }
    return 0.0;
}

/// The text of a column shown as a string (text, email, url, editor, date, autodate, ...);
/// `buf` holds it when it is not stored as text.
std::string_view TextOf(const SqlValueRef& v, std::string& buf) {
    if (const auto* s = std::get_if<std::string_view>(&v)) {
        return *s;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        buf = std::to_string(*i);
        return buf;
    }
    if (const auto* d = std::get_if<double>(&v)) {
        json::WriteDouble(buf, *d);
        return buf;
    }
    return {};
}

boost::json::value ColumnValue(const Field& f, const SqlValueRef& v) {
    const auto* s = std::get_if<std::string_view>(&v);
    switch (f.type) {
        case FieldType::kBool: return BoolOf(v);
        case FieldType::kNumber: return NumberOf(v);
        case FieldType::kJson: {
            if (s == nullptr) {
                if (const auto* i = std::get_if<std::int64_t>(&v)) {
                    return *i;
                }
                if (const auto* d = std::get_if<double>(&v)) {
                    return *d;
                }
                return nullptr;
            }
            auto parsed = json::Parse(*s, 256);
            return parsed ? std::move(*parsed) : boost::json::value(nullptr);
        }
        case FieldType::kGeoPoint: {
            boost::json::object p{{"lon", 0.0}, {"lat", 0.0}};
            if (s != nullptr) {
                if (auto parsed = json::Parse(*s); parsed && parsed->is_object()) {
                    const auto& o = parsed->get_object();
                    for (const char* k : {"lon", "lat"}) {
                        if (auto it = o.find(k); it != o.end() && it->value().is_number()) {
                            p[k] = it->value().to_number<double>();
                        }
                    }
                }
            }
            return p;
        }
        case FieldType::kSelect:
        case FieldType::kFile:
        case FieldType::kRelation: {
            // Stored as a JSON array for multi fields, a plain string for single ones; tolerate
            // either shape (PocketBase normalizes the same way).
            boost::json::array items;
            if (s != nullptr && !s->empty()) {
                if ((*s)[0] == '[') {
                    if (auto parsed = json::Parse(*s); parsed && parsed->is_array()) {
                        for (const auto& e : parsed->get_array()) {
                            if (e.is_string() && !e.get_string().empty()) {
                                items.push_back(e);
                            }
                        }
                    } else {
                        items.emplace_back(*s);
                    }
                } else {
                    items.emplace_back(*s);
                }
            } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
                items.emplace_back(std::to_string(*i));
            }
            if (f.IsMulti()) {
                return items;
            }
            return items.empty() ? boost::json::value("") : items.back();
        }
        default: {
            std::string buf;
            return boost::json::value(TextOf(v, buf));
        }
    }
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Writes ColumnValue of a select/file/relation column stored as a JSON array of plain ASCII
/// strings without escapes (how multi values are stored); false, with `out` untouched, for
/// anything else, which the generic path then handles.
bool WriteStringArray(std::string& out, std::string_view s, bool multi) {
    const std::size_t mark = out.size();
    auto fail = [&] {
        out.resize(mark);
        return false;
    };
    std::size_t i = 1;  // s[0] == '['
    auto skip_space = [&] {
        while (i < s.size() && IsJsonSpace(s[i])) {
            ++i;
        }
    };
    skip_space();
    std::string_view last;
    bool first = true;
    if (multi) {
        out.push_back('[');
    }
    if (i < s.size() && s[i] == ']') {
        ++i;
    } else {
        while (true) {
            if (i >= s.size() || s[i] != '"') {
                return fail();
            }
            const std::size_t start = ++i;
            while (i < s.size() && s[i] != '"') {
                const auto c = static_cast<unsigned char>(s[i]);
                if (c < 0x20 || c >= 0x80 || c == '\\') {
                    return fail();
                }
                ++i;
            }
            if (i >= s.size()) {
                return fail();
            }
            const std::string_view e = s.substr(start, i - start);
            ++i;
            skip_space();
            if (!e.empty()) {
                if (!multi) {
                    last = e;
                } else {
                    if (!first) {
                        out.push_back(',');
                    }
                    first = false;
                    json::WriteString(out, e);
                }
            }
            if (i < s.size() && s[i] == ',') {
                ++i;
                skip_space();
                continue;
            }
            if (i < s.size() && s[i] == ']') {
                ++i;
                break;
            }
            return fail();
        }
    }
    skip_space();
    if (i != s.size()) {
        return fail();
    }
    if (multi) {
        out.push_back(']');
    } else {
        json::WriteString(out, last);
    }
    return true;
}

}  // namespace

boost::json::value SqliteTx::ColumnToJson(const Field& f, const SqlValue& v) const {
    return ColumnValue(f, RefOf(v));
}

void SqliteTx::WriteColumnJson(std::string& out, const Field& f, const SqlValueRef& v) const {
    const auto* s = std::get_if<std::string_view>(&v);
    switch (f.type) {
        case FieldType::kBool: out += BoolOf(v) ? "true" : "false"; return;
        case FieldType::kNumber: json::WriteDouble(out, NumberOf(v)); return;
        case FieldType::kJson:
        case FieldType::kGeoPoint: break;
        case FieldType::kSelect:
        case FieldType::kFile:
        case FieldType::kRelation: {
            const bool multi = f.IsMulti();
            if (s != nullptr && !s->empty() && (*s)[0] == '[') {
                if (WriteStringArray(out, *s, multi)) {
                    return;
                }
                break;
            }
            std::string buf;
            std::string_view one;
            if (s != nullptr) {
                one = *s;
            } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
                buf = std::to_string(*i);
                one = buf;
            }
            if (multi) {
                out.push_back('[');
                if (!one.empty()) {
                    json::WriteString(out, one);
                }
                out.push_back(']');
            } else {
                json::WriteString(out, one);
            }
            return;
        }
        default: {
            std::string buf;
            json::WriteString(out, TextOf(v, buf));
            return;
        }
    }
    json::Write(out, ColumnValue(f, v));
}

SqlValue SqliteTx::JsonToColumn(const Field& f, const boost::json::value& v) const {
    switch (f.type) {
        case FieldType::kBool: return v.is_bool() ? v.get_bool() : false;
        case FieldType::kNumber: return v.is_number() ? v.to_number<double>() : 0.0;
        case FieldType::kJson:
            if (v.is_null()) {
                return std::monostate{};
            }
            return json::Serialize(v);
        case FieldType::kGeoPoint: {
            boost::json::object p{{"lon", 0.0}, {"lat", 0.0}};
            if (v.is_object()) {
                for (const char* k : {"lon", "lat"}) {
                    if (auto it = v.get_object().find(k); it != v.get_object().end() && it->value().is_number()) {
                        p[k] = it->value().to_number<double>();
                    }
                }
            }
            return json::Serialize(p);
        }
        case FieldType::kSelect:
        case FieldType::kFile:
        case FieldType::kRelation:
            if (f.IsMulti()) {
                if (v.is_array()) {
                    return json::Serialize(v);
                }
                if (v.is_string() && !v.get_string().empty()) {
                    return json::Serialize(boost::json::array{v});
                }
                return std::string("[]");
            }
            if (v.is_string()) {
                return std::string(v.get_string());
            }
            if (v.is_array() && !v.get_array().empty() && v.get_array().back().is_string()) {
                return std::string(v.get_array().back().get_string());
            }
            return std::string();
        default:
            if (v.is_string()) {
                return std::string(v.get_string());
            }
            if (v.is_null()) {
                return std::string();
            }
            return json::Serialize(v);
    }
}

}  // namespace basalt::store::sqlite_internal
