// Test-only: the schema every filter test uses (posts, users (auth), comments, locked, odd),
// built in code.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "basalt/filter/filter.hpp"
#include "basalt/schema/collection.hpp"

namespace basalt::filter::testing {

inline schema::Field MakeField(std::string name,
                               schema::FieldType type,
                               boost::json::object options = {},
                               bool hidden = false) {
    schema::Field f;
    f.id = name + "_id";
    f.name = std::move(name);
    f.type = type;
    f.hidden = hidden;
    f.options = std::move(options);
    f.Finalize();
    return f;
}

inline void AddSystemFields(schema::Collection& c) {
    using schema::FieldType;
    c.fields.insert(c.fields.begin(), MakeField("id", FieldType::kText, {{"primaryKey", true}}));
    c.fields.push_back(MakeField("created", FieldType::kAutodate, {{"onCreate", true}}));
    c.fields.push_back(MakeField("updated", FieldType::kAutodate, {{"onCreate", true}, {"onUpdate", true}}));
}

/// posts(title, views, published, tags[multi select], author->users, editors[multi]->users,
/// data json, point geoPoint, secret hidden, locked_ref->locked); users auth; comments(post->posts,
/// message, author->users); locked (listRule null); odd (a field named "true").
inline schema::SchemaPtr MakeTestSchema() {
    using schema::Collection;
    using schema::FieldType;
    auto users = std::make_shared<Collection>();
    users->id = "_pb_users_auth_";
    users->name = "users";
    users->type = schema::CollectionType::kAuth;
    users->fields = {MakeField("email", FieldType::kEmail),
                     MakeField("emailVisibility", FieldType::kBool),
                     MakeField("verified", FieldType::kBool),
                     MakeField("password", FieldType::kPassword, {}, true),
                     MakeField("tokenKey", FieldType::kText, {}, true),
                     MakeField("name", FieldType::kText),
                     MakeField("role", FieldType::kSelect, {{"maxSelect", 1}})};
    AddSystemFields(*users);
    users->list_rule = "verified = true";

    auto locked = std::make_shared<Collection>();
    locked->id = "locked_id";
    locked->name = "locked";
    locked->fields = {MakeField("name", FieldType::kText)};
    AddSystemFields(*locked);

    auto posts = std::make_shared<Collection>();
    posts->id = "posts_id";
    posts->name = "posts";
    posts->fields = {
        MakeField("title", FieldType::kText),
        MakeField("views", FieldType::kNumber),
        MakeField("published", FieldType::kBool),
        MakeField("tags", FieldType::kSelect, {{"maxSelect", 5}}),
        MakeField("author", FieldType::kRelation, {{"collectionId", "_pb_users_auth_"}, {"maxSelect", 1}}),
        MakeField("editors", FieldType::kRelation, {{"collectionId", "_pb_users_auth_"}, {"maxSelect", 9}}),
        MakeField("data", FieldType::kJson),
        MakeField("point", FieldType::kGeoPoint),
        MakeField("secret", FieldType::kText, {}, true),
        MakeField("locked_ref", FieldType::kRelation, {{"collectionId", "locked_id"}, {"maxSelect", 1}}),
    };
    AddSystemFields(*posts);
    posts->list_rule = "";

    auto comments = std::make_shared<Collection>();
    comments->id = "comments_id";
    comments->name = "comments";
    comments->fields = {
        MakeField("post", FieldType::kRelation, {{"collectionId", "posts_id"}, {"maxSelect", 1}}),
        MakeField("message", FieldType::kText),
        MakeField("author", FieldType::kRelation, {{"collectionId", "_pb_users_auth_"}, {"maxSelect", 1}}),
    };
    AddSystemFields(*comments);
    comments->list_rule = "";

    auto odd = std::make_shared<Collection>();
    odd->id = "odd_id";
    odd->name = "odd";
    odd->fields = {MakeField("true", FieldType::kText), MakeField("null", FieldType::kNumber)};
    AddSystemFields(*odd);
    odd->list_rule = "";

    return std::make_shared<schema::Schema>(std::vector<std::shared_ptr<const Collection>>{
        users, posts, comments, locked, odd});
}

/// A request of user "u1" (verified) with a query key, a header and a body.
inline RequestInfo MakeTestRequest(const schema::Schema& s, bool guest = false) {
    RequestInfo r;
    r.method = "POST";
    r.query.emplace("q", "hello");
    r.headers.emplace("x_token", "abc");
    r.body = {{"title", "new title"}, {"tags", boost::json::array{"a", "b"}}, {"views", 5}};
    if (!guest) {
        schema::Record auth;
        auth.collection = s.Find("users");
        auth.values = {{"id", "u1"},
                       {"email", "u1@example.com"},
                       {"emailVisibility", false},
                       {"verified", true},
                       {"name", "User One"},
                       {"role", "admin"}};
        r.auth = std::move(auth);
    }
    return r;
}

}  // namespace basalt::filter::testing
