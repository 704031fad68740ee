// RowWriter against the record path it short-cuts: for every field type, odd stored values,
// viewers and `fields` pickers, the bytes written straight from rows must equal those of
// SelectRecords + WriteRecordJson / ExportRecord + the picker.
#include "basalt/service/record_export.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <filesystem>

#include "basalt/base/json.hpp"
#include "basalt/base/random.hpp"
#include "basalt/base/testing/run_co.hpp"
#include "basalt/base/testing/temp_dir.hpp"
#include "basalt/store/records.hpp"
#include "basalt/store/sqlite/sqlite_store.hpp"

namespace basalt::service {
namespace {

namespace fs = std::filesystem;
using schema::Collection;
using schema::Field;
using schema::FieldType;

class TempDir : public testing::TempDir {
public:
    TempDir() : testing::TempDir("basalt_export_") {}
};

Field MakeField(std::string name, FieldType t, boost::json::object opts = {}, bool hidden = false) {
    Field f;
    f.id = "f_" + name;
    f.name = std::move(name);
    f.type = t;
    f.options = std::move(opts);
    f.hidden = hidden;
    f.Finalize();
    return f;
}

/// A base collection with a field of every type, single and multi where it matters.
Collection Things() {
    Collection c;
    c.id = "pbc_things";
    c.name = "things";
    c.fields = {
        MakeField("id", FieldType::kText, {{"primaryKey", true}}),
        MakeField("text", FieldType::kText),
        MakeField("number", FieldType::kNumber),
        MakeField("flag", FieldType::kBool),
        MakeField("mail", FieldType::kEmail),
        MakeField("link", FieldType::kUrl),
        MakeField("editor", FieldType::kEditor),
        MakeField("date", FieldType::kDate),
        MakeField("created", FieldType::kAutodate, {{"onCreate", true}}),
        MakeField("one_select", FieldType::kSelect, {{"maxSelect", 1}, {"values", {"a", "b"}}}),
        MakeField("many_select", FieldType::kSelect, {{"maxSelect", 3}, {"values", {"a", "b"}}}),
        MakeField("one_file", FieldType::kFile, {{"maxSelect", 1}}),
        MakeField("many_files", FieldType::kFile, {{"maxSelect", 9}}),
        MakeField("one_rel", FieldType::kRelation, {{"maxSelect", 1}, {"collectionId", "pbc_things"}}),
        MakeField("many_rel", FieldType::kRelation, {{"maxSelect", 5}, {"collectionId", "pbc_things"}}),
        MakeField("data", FieldType::kJson),
        MakeField("point", FieldType::kGeoPoint),
        MakeField("secret", FieldType::kPassword, {}, true),
        MakeField("hidden_note", FieldType::kText, {}, true),
        MakeField("Upper", FieldType::kText),
    };
    return c;
}

/// Stored values of every storage class, as PocketBase data may hold them.
std::vector<SqlValue> OddValues() {
    return {
        std::monostate{},
        std::int64_t{0},
        std::int64_t{1},
        std::int64_t{9007199254740993},
        std::int64_t{INT64_MIN},
        1.5,
        1e21,
        1e-7,
        -0.0,
        std::string(),
        std::string("plain text"),
        std::string("true"),
        std::string("ünïcødé ✓ 𝄞 \u2028"),
        std::string("<p>Hello <b>big</b>   world</p><script>x()</script> & more"),
        std::string("ctl \x01\x1f \" \\ \n\t"),
        std::string("\xff\xfe not utf8"),
        std::string("2024-01-02 03:04:05.678Z"),
        std::string("[\"a\",\"b\"]"),
        std::string("[ \"x\" , \"\" ,\"<y>\" ]"),
        std::string("[\"esc\\\"aped\",\"\\u00e9\"]"),
        std::string("[1,\"x\",null]"),
        std::string("[]"),
        std::string("[broken"),
        std::string("{\"lon\":1.5,\"lat\":-2}"),
        std::string("{\"b\":1,\"a\":{\"b\":[1,2.50,1e2]},\"s\":\"<&>\"}"),
        std::string("12345678901234567890123"),
        std::string("not json at all"),
        std::string("null"),
    };
}

/// The collection's table with the column affinities Basalt declares but no NOT NULL, so that
/// rows may hold NULLs as older PocketBase data does.
Status CreateLooseTable(store::Tx& tx, const Collection& c) {
    const auto& d = tx.dialect();
    std::string sql = "CREATE TABLE " + d.QuoteIdent(c.name) + " (";
    for (std::size_t i = 0; i < c.fields.size(); ++i) {
        const Field& f = c.fields[i];
        std::string type = "TEXT";
        if (f.type == FieldType::kNumber) {
            type = "NUMERIC";
        } else if (f.type == FieldType::kBool) {
            type = "BOOLEAN";
        } else if (f.type == FieldType::kJson || f.type == FieldType::kGeoPoint || f.IsMulti()) {
            type = "JSON";
        }
        sql += (i == 0 ? "" : ", ") + d.QuoteIdent(f.name) + " " + type + (f.name == "id" ? " PRIMARY KEY" : "");
    }
    return tx.ExecScript(sql + ")");
}

/// Inserts rows whose columns rotate through OddValues, so every column sees every value.
Status InsertOddRows(store::Tx& tx, const Collection& c, const std::string& id_prefix) {
    const auto values = OddValues();
    const auto& d = tx.dialect();
    for (std::size_t row = 0; row < values.size(); ++row) {
        std::string cols;
        std::string marks;
        SqlParams params;
        for (std::size_t i = 0; i < c.fields.size(); ++i) {
            const Field& f = c.fields[i];
            if (!cols.empty()) {
                cols += ", ";
                marks += ", ";
            }
            cols += d.QuoteIdent(f.name);
            marks += d.Placeholder(params.size() + 1);
            if (f.name == "id") {
                params.emplace_back(id_prefix + std::to_string(1000 + row));
            } else {
                params.push_back(values[(row + i * 7) % values.size()]);
            }
        }
        BASALT_TRY(auto n, tx.Exec("INSERT INTO " + d.QuoteIdent(c.name) + " (" + cols + ") VALUES (" + marks + ")",
                                   params));
        (void)n;
    }
    return Ok();
}

/// The list items as the record path writes them.
std::string ViaRecords(store::Tx& tx, const store::CollectionPtr& c, const Auth& viewer, const json::FieldPicker& pick) {
    auto records = store::SelectRecords(tx, c, {});
    EXPECT_TRUE(records);
    std::string out;
    for (const auto& r : *records) {
        if (!out.empty()) {
            out.push_back(',');
        }
        const ExportOptions o = ExportOptionsFor(viewer, r);
        if (pick.empty()) {
            WriteRecordJson(out, r, o, viewer);
        } else {
            boost::json::value v = ExportRecord(r, o, viewer);
            pick.Pick(v);
            json::Write(out, v);
        }
    }
    return out;
}

/// The list items as RowWriter writes them.
std::string ViaRows(store::Tx& tx, const store::CollectionPtr& c, const Auth& viewer, const json::FieldPicker& pick) {
    RowWriter writer(tx, *c, viewer, &pick);
    std::string out;
    auto st = store::ScanRecords(tx, c, {}, [&](auto fields, auto row) {
        if (!out.empty()) {
            out.push_back(',');
        }
        writer.Write(out, fields, row);
    });
    EXPECT_TRUE(st);
    return out;
}

const char* const kPickers[] = {
    "",
    " ",
    "id,text",
    "*",
    "*,text:excerpt(3)",
    "editor:excerpt(10,true),text:excerpt(4,false),number:excerpt(1)",
    "data.a,data.b,point.lon",
    "*.b,id",
    "many_select,one_rel,collectionName:excerpt(3,true)",
    "email,emailVisibility,id,name",
    "secret,hidden_note,password,tokenKey",
    "nothing,expand.author",
    ",",
};

class RowWriterTest : public ::testing::Test {
protected:
    void SetUp() override {
        store::SqliteOptions o;
        o.dir = dir_.path();
        o.readers = 1;
        auto s = store::OpenSqliteStore(o);
        ASSERT_TRUE(s) << s.error().message;
        store_ = std::move(*s);
        auto cols = store_->LoadCollections();
        ASSERT_TRUE(cols);
        for (auto& c : *cols) {
            if (c.name == "users") {
                users_ = std::make_shared<const Collection>(c);
            }
            if (c.id == kSuperusersId) {
                superusers_ = std::make_shared<const Collection>(c);
            }
        }
        ASSERT_TRUE(users_ && superusers_);
        things_ = std::make_shared<const Collection>(Things());
        auto made = testing::RunCo(store_->Write([&](store::Tx& tx) -> Status {
            BASALT_RETURN_IF_ERROR(CreateLooseTable(tx, *things_));
            BASALT_RETURN_IF_ERROR(InsertOddRows(tx, *things_, "t"));
            // Auth records: odd values everywhere but in the columns an auth table needs sane.
            for (int i = 0; i < 6; ++i) {
                const SqlValue visibility = i % 3 == 0 ? SqlValue(std::int64_t{1})
                                                       : i % 3 == 1 ? SqlValue(std::string("true")) : SqlValue(std::string("0"));
                BASALT_TRY(auto n, tx.Exec("INSERT INTO users (id, email, emailVisibility, password, tokenKey, "
                                           "verified, name) VALUES (?, ?, ?, 'hash', ?, ?, ?)",
                                           {std::string("u00" + std::to_string(i)),
                                            std::string("user" + std::to_string(i) + "@example.com"),
                                            visibility,
                                            std::string("key" + std::to_string(i)),
                                            std::int64_t{i % 2},
                                            std::string(i == 2 ? "<Ünï>" : "name")}));
                (void)n;
            }
            return Ok();
        }));
        ASSERT_TRUE(made) << made.error().message;
    }

    std::vector<std::pair<std::string, Auth>> Viewers() const {
        std::vector<std::pair<std::string, Auth>> out;
        out.emplace_back("guest", Auth{});
        auto as = [&](const store::CollectionPtr& c, std::string id) {
            Auth a;
            a.record = schema::Record{};
            a.record->collection = c;
            a.record->values = {{"id", std::move(id)}};
            return a;
        };
        out.emplace_back("superuser", as(superusers_, "s001"));
        out.emplace_back("user u000", as(users_, "u000"));
        out.emplace_back("user u004", as(users_, "u004"));
        out.emplace_back("other collection", as(things_, "u004"));
        return out;
    }

    TempDir dir_;
    std::unique_ptr<store::Store> store_;
    store::CollectionPtr users_;
    store::CollectionPtr superusers_;
    store::CollectionPtr things_;
};

TEST_F(RowWriterTest, WritesTheBytesOfTheRecordPath) {
    for (const auto& c : {things_, users_}) {
        for (const auto& [who, viewer] : Viewers()) {
            for (const char* fields : kPickers) {
                const json::FieldPicker pick = json::FieldPicker::Parse(fields);
                auto both = testing::RunCo(store_->Read([&](store::Tx& tx) -> Result<std::pair<std::string, std::string>> {
                    return std::pair{ViaRecords(tx, c, viewer, pick), ViaRows(tx, c, viewer, pick)};
                }));
                ASSERT_TRUE(both);
                EXPECT_FALSE(both->first.empty());
                EXPECT_EQ(both->second, both->first) << c->name << ", " << who << ", fields=\"" << fields << "\"";
            }
        }
    }
}

// Views take the same shortcut (RecordService::View with write_json): one row found by id
// through ScanRecord, written by RowWriter, must be the record FindRecord finds, exported.
TEST_F(RowWriterTest, WritesOneRecordFoundByIdAsTheRecordPathDoes) {
    for (const auto& c : {things_, users_}) {
        auto ids = testing::RunCo(store_->Read([&](store::Tx& tx) -> Result<std::vector<std::string>> {
            BASALT_TRY(auto records, store::SelectRecords(tx, c, {}));
            std::vector<std::string> out;
            for (const auto& r : records) {
                out.emplace_back(r.Id());
            }
            return out;
        }));
        ASSERT_TRUE(ids);
        ASSERT_FALSE(ids->empty());
        for (const auto& id : *ids) {
            for (const auto& [who, viewer] : Viewers()) {
                for (const char* fields : {"", "*,text:excerpt(3)", "id,email"}) {
                    const json::FieldPicker pick = json::FieldPicker::Parse(fields);
                    auto both = testing::RunCo(store_->Read([&](store::Tx& tx) -> Result<std::pair<std::string, std::string>> {
                        BASALT_TRY(auto found, store::FindRecord(tx, c, id, {}));
                        std::string via_record;
                        if (found) {
                            const ExportOptions o = ExportOptionsFor(viewer, *found);
                            boost::json::value v = ExportRecord(*found, o, viewer);
                            pick.Pick(v);
                            json::Write(via_record, v);
                        }
                        RowWriter writer(tx, *c, viewer, &pick);
                        std::string via_row;
                        BASALT_RETURN_IF_ERROR(store::ScanRecord(tx, c, id, {}, [&](auto f, auto row) {
                            writer.Write(via_row, f, row);
                        }));
                        return std::pair{std::move(via_record), std::move(via_row)};
                    }));
                    ASSERT_TRUE(both) << both.error().message;
                    EXPECT_FALSE(both->first.empty());
                    EXPECT_EQ(both->second, both->first) << c->name << " " << id << ", " << who << ", fields=\"" << fields << "\"";
                }
            }
        }
        // A rule that excludes the row: nothing is written, as FindRecord finds nothing.
        const std::vector<filter::SqlExpr> none{{"1 = 0", {}, {}}};
        bool called = false;
        auto st = testing::RunCo(store_->Read([&](store::Tx& tx) -> Status {
            return store::ScanRecord(tx, c, ids->front(), none, [&](auto, auto) { called = true; });
        }));
        ASSERT_TRUE(st);
        EXPECT_FALSE(called);
    }
}

TEST_F(RowWriterTest, ShowsEmailsByTheRulesOfTheRecordPath) {
    // Spot checks that the comparison above covers both sides of the email rule.
    const json::FieldPicker none;
    auto as_guest = testing::RunCo(store_->Read([&](store::Tx& tx) -> Result<std::string> {
        return ViaRows(tx, users_, Auth{}, none);
    }));
    ASSERT_TRUE(as_guest);
    EXPECT_NE(as_guest->find("user0@example.com"), std::string::npos);  // emailVisibility 1
    EXPECT_NE(as_guest->find("user1@example.com"), std::string::npos);  // 'true' as text
    EXPECT_EQ(as_guest->find("user2@example.com"), std::string::npos);  // "0"
    EXPECT_EQ(as_guest->find("tokenKey"), std::string::npos);
    EXPECT_EQ(as_guest->find("password"), std::string::npos);
}

TEST_F(RowWriterTest, WritesPartialRows) {
    // A row without some of the collection's columns (a table behind its schema): only the
    // fields with a column are written, as records hold only those values.
    auto partial = std::make_shared<Collection>(Things());
    partial->name = "partial";
    partial->id = "pbc_partial";
    auto narrow = std::make_shared<Collection>(*partial);
    narrow->fields.resize(5);
    auto made = testing::RunCo(store_->Write([&](store::Tx& tx) -> Status {
        BASALT_RETURN_IF_ERROR(CreateLooseTable(tx, *narrow));
        return InsertOddRows(tx, *narrow, "p");
    }));
    ASSERT_TRUE(made) << made.error().message;
    const store::CollectionPtr c = partial;
    for (const auto& [who, viewer] : Viewers()) {
        const json::FieldPicker pick = json::FieldPicker::Parse("*");
        auto both = testing::RunCo(store_->Read([&](store::Tx& tx) -> Result<std::pair<std::string, std::string>> {
            return std::pair{ViaRecords(tx, c, viewer, pick), ViaRows(tx, c, viewer, pick)};
        }));
        ASSERT_TRUE(both);
        EXPECT_EQ(both->second, both->first) << who;
    }
}

}  // namespace
}  // namespace basalt::service
