// System collections of a new data dir, as PocketBase's migrations/1640988000_init.go builds them.
#include "basalt/schema/system_collections.hpp"

#include <string>
#include <utility>

#include "basalt/schema/collection_json.hpp"
#include "basalt/schema/field_defaults.hpp"

namespace basalt::schema {

namespace {

namespace bj = boost::json;

constexpr std::string_view kOwnerRule =
    "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId";

Field SysText(std::string_view name, bool required, bool hidden = false) {
    bj::object o;
    o["required"] = required;
    return MakeField(FieldType::kText, name, std::move(o), true, hidden);
}

Field Autodate(std::string_view name, bool on_update, bool system) {
    bj::object o;
    o["onCreate"] = true;
    o["onUpdate"] = on_update;
    return MakeField(FieldType::kAutodate, name, std::move(o), system, false);
}

std::string Index(std::string_view name, bool unique, std::string_view table, std::string_view cols) {
    return std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX `" + std::string(name) + "` ON `" +
           std::string(table) + "` (" + std::string(cols) + ")";
}

Collection Base(std::string_view name, bool owner_delete) {
    Collection c = NewCollection(CollectionType::kBase, name);
    c.system = true;
    c.list_rule = std::string(kOwnerRule);
    c.view_rule = std::string(kOwnerRule);
    if (owner_delete) {
        c.delete_rule = std::string(kOwnerRule);
    }
    c.fields.push_back(SysText("collectionRef", true));
    c.fields.push_back(SysText("recordRef", true));
    return c;
}

void AddAutodates(Collection& c, bool system) {
    c.fields.push_back(Autodate("created", false, system));
    c.fields.push_back(Autodate("updated", true, system));
}

}  // namespace

std::vector<Collection> SystemCollections() {
    std::vector<Collection> out;

    Collection mfas = Base(kMfasCollectionName, false);
    mfas.fields.push_back(SysText("method", true));
    AddAutodates(mfas, true);
    mfas.indexes.push_back(Index("idx_mfas_collectionRef_recordRef", false, mfas.name, "collectionRef,recordRef"));
    out.push_back(std::move(mfas));

    Collection otps = Base(kOtpsCollectionName, false);
    {
        bj::object o;
        o["required"] = true;
        o["cost"] = 8;
        otps.fields.push_back(MakeField(FieldType::kPassword, "password", std::move(o), true, true));
    }
    otps.fields.push_back(SysText("sentTo", false, true));
    AddAutodates(otps, true);
    otps.indexes.push_back(Index("idx_otps_collectionRef_recordRef", false, otps.name, "collectionRef, recordRef"));
    out.push_back(std::move(otps));

    Collection ext = Base(kExternalAuthsCollectionName, true);
    ext.fields.push_back(SysText("provider", true));
    ext.fields.push_back(SysText("providerId", true));
    AddAutodates(ext, true);
    ext.indexes.push_back(
        Index("idx_externalAuths_record_provider", true, ext.name, "collectionRef, recordRef, provider"));
    ext.indexes.push_back(
        Index("idx_externalAuths_collection_provider", true, ext.name, "collectionRef, provider, providerId"));
    out.push_back(std::move(ext));

    Collection origins = Base(kAuthOriginsCollectionName, true);
    origins.fields.push_back(SysText("fingerprint", true));
    AddAutodates(origins, true);
    origins.indexes.push_back(
        Index("idx_authOrigins_unique_pairs", true, origins.name, "collectionRef, recordRef, fingerprint"));
    out.push_back(std::move(origins));

    Collection su = NewCollection(CollectionType::kAuth, kSuperusersCollectionName);
    su.system = true;
    AddAutodates(su, true);
    su.options["authToken"].get_object()["duration"] = 86400;
    out.push_back(std::move(su));

    Collection users = NewCollection(CollectionType::kAuth, "users", kUsersCollectionId);
    const std::string owner = "id = @request.auth.id";
    users.list_rule = owner;
    users.view_rule = owner;
    users.create_rule = std::string();
    users.update_rule = owner;
    users.delete_rule = owner;
    {
        bj::object o;
        o["max"] = 255;
        users.fields.push_back(MakeField(FieldType::kText, "name", std::move(o)));
    }
    {
        bj::object o;
        o["maxSelect"] = 1;
        bj::array mimes;
        for (auto m : {"image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"}) {
            mimes.emplace_back(m);
        }
        o["mimeTypes"] = std::move(mimes);
        users.fields.push_back(MakeField(FieldType::kFile, "avatar", std::move(o)));
    }
    AddAutodates(users, false);
    auto& mapped = users.options["oauth2"].get_object()["mappedFields"].get_object();
    mapped["name"] = "name";
    mapped["avatarURL"] = "avatar";
    out.push_back(std::move(users));

    for (auto& c : out) {
        ApplyCollectionDefaults(c);
    }
    return out;
}

}  // namespace basalt::schema
