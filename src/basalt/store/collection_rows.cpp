// `_collections` / `_params` persistence and data-dir bootstrap, shared by every store.
#include "basalt/store/collection_rows.hpp"

#include "basalt/base/json.hpp"
#include "basalt/base/time.hpp"
#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/system_collections.hpp"

namespace basalt::store {

namespace {

std::string AsText(const SqlValue& v) {
    if (const auto* s = std::get_if<std::string>(&v)) {
        return *s;
    }
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
        return std::to_string(*i);
    }
    return {};
}

SqlValue Rule(const std::optional<std::string>& r) {
    if (!r) {
        return std::monostate{};
    }
    return *r;
}

SqlParams RowParams(const schema::Collection& c) {
    schema::CollectionRow s = schema::CollectionToStorage(c);
    return {s.id,
            s.system,
            s.type,
            s.name,
            s.fields,
            Rule(s.list_rule),
            Rule(s.view_rule),
            Rule(s.create_rule),
            Rule(s.update_rule),
            Rule(s.delete_rule),
            s.options,
            s.created,
            s.updated,
            s.indexes};
}

// PocketBase's own migrations, recorded as applied so that PocketBase opens a directory created
// by Basalt without re-running them.
constexpr const char* kCoreMigrations[] = {
    "1640988000_init.go",
    "1673167670_multi_match_migrate.go",
    "1677152688_rename_authentik_to_oidc.go",
    "1679943780_normalize_single_multiple_values.go",
    "1679943781_add_indexes_column.go",
    "1685164450_check_fk.go",
    "1689579878_renormalize_single_multiple_values.go",
    "1690319366_reset_null_values.go",
    "1690454337_transform_relations_to_views.go",
    "1691747912_resave_views.go",
    "1691747913_resave_views.go",
    "1692609521_copy_display_fields.go",
    "1701496825_allow_single_oauth2_provider_in_multiple_auth_collections.go",
    "1702134272_set_default_json_max_size.go",
    "1717233556_v0.23_migrate.go",
    "1717233557_v0.23_migrate2.go",
    "1717233558_v0.23_migrate3.go",
    "1717233559_v0.23_migrate4.go",
    "1762785011_update_default_auth_alert_templates.go",
    "1763020353_update_default_auth_alert_templates.go",
    "1778828400_normalize_indexes.go",
};

constexpr const char* kAuxMigrations[] = {
    "1640988000_aux_init.go",
    "1660821103_add_user_ip_column.go",
    "1677760279_uppsercase_method.go",
    "1699187560_logs_generalization.go",
};

constexpr std::string_view kDataTables = R"sql(
CREATE TABLE IF NOT EXISTS `_migrations` (file VARCHAR(255) PRIMARY KEY NOT NULL, applied INTEGER NOT NULL);
CREATE TABLE `_collections` (
  `id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,
  `system` BOOLEAN DEFAULT FALSE NOT NULL,
  `type` TEXT DEFAULT "base" NOT NULL,
  `name` TEXT UNIQUE NOT NULL,
  `fields` JSON DEFAULT "[]" NOT NULL,
  `indexes` JSON DEFAULT "[]" NOT NULL,
  `listRule` TEXT DEFAULT NULL,
  `viewRule` TEXT DEFAULT NULL,
  `createRule` TEXT DEFAULT NULL,
  `updateRule` TEXT DEFAULT NULL,
  `deleteRule` TEXT DEFAULT NULL,
  `options` JSON DEFAULT "{}" NOT NULL,
  `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL,
  `updated` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL
);
CREATE INDEX IF NOT EXISTS idx__collections_type on `_collections` (`type`);
CREATE TABLE `_params` (
  `id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,
  `value` JSON DEFAULT NULL,
  `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL,
  `updated` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL
);
)sql";

constexpr std::string_view kAuxTables = R"sql(
CREATE TABLE IF NOT EXISTS `_migrations` (file VARCHAR(255) PRIMARY KEY NOT NULL, applied INTEGER NOT NULL);
CREATE TABLE `_logs` (
  `id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,
  `level` INTEGER DEFAULT 0 NOT NULL,
  `message` TEXT DEFAULT "" NOT NULL,
  `data` JSON DEFAULT "{}" NOT NULL,
  `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_logs_level on `_logs` (`level`);
CREATE INDEX IF NOT EXISTS idx_logs_message on `_logs` (`message`);
CREATE INDEX IF NOT EXISTS idx_logs_created_hour on `_logs` (strftime('%Y-%m-%d %H:00:00', `created`));
)sql";

constexpr std::string_view kInsertCollection =
    "INSERT INTO _collections (id, system, type, name, fields, listRule, viewRule, createRule, "
    "updateRule, deleteRule, options, created, updated, indexes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

}  // namespace

Result<std::vector<schema::Collection>> LoadCollectionRows(Tx& tx) {
    BASALT_TRY(Rows rows,
               tx.Query("SELECT id, system, type, name, fields, listRule, viewRule, createRule, "
                        "updateRule, deleteRule, options, created, updated, indexes "
                        "FROM _collections ORDER BY rowid",
                        {}));
    std::vector<schema::Collection> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows) {
        auto rule = [&](std::size_t i) -> std::optional<std::string> {
            if (std::holds_alternative<std::monostate>(r[i])) {
                return std::nullopt;
            }
            return AsText(r[i]);
        };
        schema::CollectionRow row;
        row.id = AsText(r[0]);
        row.system = AsText(r[1]) == "1" || AsText(r[1]) == "true";
        if (const auto* b = std::get_if<bool>(&r[1])) {
            row.system = *b;
        }
        row.type = AsText(r[2]);
        row.name = AsText(r[3]);
        row.fields = AsText(r[4]);
        row.list_rule = rule(5);
        row.view_rule = rule(6);
        row.create_rule = rule(7);
        row.update_rule = rule(8);
        row.delete_rule = rule(9);
        row.options = AsText(r[10]);
        row.created = AsText(r[11]);
        row.updated = AsText(r[12]);
        row.indexes = AsText(r[13]);
        BASALT_TRY(schema::Collection c, schema::CollectionFromStorage(row));
        out.push_back(std::move(c));
    }
    return out;
}

Status InsertCollectionRow(Tx& tx, const schema::Collection& c) {
    BASALT_TRY(auto n, tx.Exec(kInsertCollection, RowParams(c)));
    (void)n;
    return Ok();
}

Status UpdateCollectionRow(Tx& tx, const schema::Collection& c) {
    SqlParams p = RowParams(c);
    // UPDATE ... SET all columns WHERE id = old id (ids never change).
    SqlParams q(p.begin() + 1, p.end());
    q.push_back(c.id);
    BASALT_TRY(auto n,
               tx.Exec("UPDATE _collections SET system=?, type=?, name=?, fields=?, listRule=?, "
                       "viewRule=?, createRule=?, updateRule=?, deleteRule=?, options=?, created=?, "
                       "updated=?, indexes=? WHERE id=?",
                       q));
    (void)n;
    return Ok();
}

Status DeleteCollectionRow(Tx& tx, const schema::Collection& c) {
    BASALT_TRY(auto n, tx.Exec("DELETE FROM _collections WHERE id=?", {c.id}));
    (void)n;
    return Ok();
}

Result<bool> IsBootstrapped(Tx& tx, bool aux) {
    BASALT_TRY(Rows r,
               tx.Query("SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?",
                        {std::string(aux ? "_logs" : "_collections")}));
    return !r.rows.empty() && std::get<std::int64_t>(r.rows[0][0]) > 0;
}

Status Bootstrap(Tx& tx, bool aux) {
    BASALT_RETURN_IF_ERROR(tx.ExecScript(aux ? kAuxTables : kDataTables));
    const std::int64_t applied = std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    if (aux) {
        for (const char* m : kAuxMigrations) {
            BASALT_TRY(auto n, tx.Exec("INSERT INTO _migrations (file, applied) VALUES (?, ?)", {std::string(m), applied}));
            (void)n;
        }
        return Ok();
    }
    for (const char* m : kCoreMigrations) {
        BASALT_TRY(auto n, tx.Exec("INSERT INTO _migrations (file, applied) VALUES (?, ?)", {std::string(m), applied}));
        (void)n;
    }
    std::string now = NowString();
    for (schema::Collection c : schema::SystemCollections()) {
        c.created = now;
        c.updated = now;
        BASALT_RETURN_IF_ERROR(tx.CreateCollectionTable(c));
        BASALT_RETURN_IF_ERROR(InsertCollectionRow(tx, c));
    }
    return SaveSettings(tx, DefaultSettings());
}

boost::json::object DefaultSettings() {
    auto v = json::Parse(R"json({
"superuserIPs":[],
"smtp":{"enabled":false,"port":587,"host":"smtp.example.com","username":"","password":"","authMethod":"","tls":false,"localName":""},
"backups":{"cron":"","cronMaxKeep":3,"s3":{"enabled":false,"bucket":"","region":"","endpoint":"","accessKey":"","secret":"","forcePathStyle":false}},
"s3":{"enabled":false,"bucket":"","region":"","endpoint":"","accessKey":"","secret":"","forcePathStyle":false},
"meta":{"accentColor":"","appName":"Acme","appURL":"http://localhost:8090","senderName":"Support","senderAddress":"support@example.com","hideControls":false},
"rateLimits":{"rules":[{"label":"*:auth","audience":"","duration":3,"maxRequests":2},{"label":"*:create","audience":"","duration":5,"maxRequests":20},{"label":"/api/batch","audience":"","duration":1,"maxRequests":3},{"label":"/api/","audience":"","duration":10,"maxRequests":300}],"excludedIPs":[],"enabled":false},
"trustedProxy":{"headers":[],"useLeftmostIP":false},
"batch":{"enabled":false,"maxRequests":50,"timeout":3,"maxBodySize":0},
"logs":{"maxDays":5,"minLevel":0,"logIP":true,"logAuthId":false}
})json");
    return v->get_object();
}

Result<boost::json::object> LoadSettings(Tx& tx) {
    BASALT_TRY(Rows r, tx.Query("SELECT value FROM _params WHERE id = 'settings'", {}));
    boost::json::object out = DefaultSettings();
    if (r.rows.empty()) {
        return out;
    }
    const auto* s = std::get_if<std::string>(&r.rows[0][0]);
    if (s == nullptr) {
        return out;
    }
    auto parsed = json::Parse(*s);
    if (!parsed || !parsed->is_object()) {
        return out;  // encrypted or corrupt settings: fall back to defaults
    }
    for (auto& kv : parsed->get_object()) {
        out[kv.key()] = kv.value();
    }
    return out;
}

Status SaveSettings(Tx& tx, const boost::json::object& settings) {
    std::string now = NowString();
    BASALT_TRY(auto n,
               tx.Exec("INSERT INTO _params (id, value, created, updated) VALUES ('settings', ?, ?, ?) "
                       "ON CONFLICT(id) DO UPDATE SET value=excluded.value, updated=excluded.updated",
                       {json::Serialize(settings), now, now}));
    (void)n;
    return Ok();
}

}  // namespace basalt::store
