// Unit tests of the binder: identifier resolution, restrictions and the bound joins.
#include "basalt/filter/binder.hpp"

#include <gtest/gtest.h>

#include "basalt/filter/filter_test_schema.hpp"
#include "basalt/filter/parser.hpp"

namespace basalt::filter {
namespace {

class BinderTest : public ::testing::Test {
protected:
    void SetUp() override {
        schema_ = testing::MakeTestSchema();
        request_ = testing::MakeTestRequest(*schema_);
        opts_.schema = schema_.get();
        opts_.collection = schema_->Find("posts").get();
        opts_.table_alias = "r";
        opts_.request = &request_;
    }

    Result<BoundFilter> Bind(std::string_view expr) {
        BASALT_TRY(auto tree, Parse(expr));
        Binder b(opts_, SqliteDialect(), 0, "__f");
        BASALT_TRY(auto root, b.BindExpr(*tree));
        return b.Finish(std::move(root));
    }

    std::string ErrorOf(std::string_view expr) {
        auto r = Bind(expr);
        if (r) {
            return "";
        }
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        return r.error().message;
    }

    schema::SchemaPtr schema_;
    RequestInfo request_;
    CompileOptions opts_;
};

TEST_F(BinderTest, PlainFieldsAndLiterals) {
    auto f = Bind("title = 'x' && views > 1 && published = TRUE && id != null");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_TRUE(f->joins.empty());
    const auto& c0 = *f->root->children[0];
    EXPECT_EQ(c0.lhs->kind, ValueKind::kColumn);
    EXPECT_EQ(c0.lhs->column, "title");
    EXPECT_EQ(std::get<std::string>(c0.rhs->param), "x");
    EXPECT_DOUBLE_EQ(std::get<double>(f->root->children[1]->rhs->param), 1.0);
    EXPECT_EQ(std::get<bool>(f->root->children[2]->rhs->param), true);
    EXPECT_EQ(f->root->children[3]->rhs->kind, ValueKind::kNull);
}

TEST_F(BinderTest, Errors) {
    EXPECT_NE(ErrorOf("nope = 1").find("unknown field"), std::string::npos);
    EXPECT_NE(ErrorOf("secret = 1").find("non-filterable"), std::string::npos);
    EXPECT_NE(ErrorOf("title:length = 1").find(":length"), std::string::npos);
    EXPECT_NE(ErrorOf("title:bogus = 1").find("modifier"), std::string::npos);
    EXPECT_NE(ErrorOf("title:isset = 1").find("@request.body"), std::string::npos);
    EXPECT_NE(ErrorOf("locked_ref.name = 1").find("superusers"), std::string::npos);
    EXPECT_NE(ErrorOf("author.nope = 1").find("unknown field"), std::string::npos);
    EXPECT_NE(ErrorOf("title.x = 1").find("not a relation"), std::string::npos);
    EXPECT_NE(ErrorOf("@collection.nope.id = 1").find("unknown collection"), std::string::npos);
    EXPECT_NE(ErrorOf("@unknownMacro = 1").find("unknown macro"), std::string::npos);
    EXPECT_NE(ErrorOf("nofn(1) = 1").find("unknown function"), std::string::npos);
    EXPECT_NE(ErrorOf("author.password = 1").find("non-filterable"), std::string::npos);
    EXPECT_NE(ErrorOf("a..b = 1").find("invalid field path"), std::string::npos);
    EXPECT_NE(ErrorOf("@random = 1").find("unknown macro"), std::string::npos);
}

TEST_F(BinderTest, SuperuserMayUseHiddenAndLockedCollections) {
    opts_.superuser = true;
    EXPECT_TRUE(Bind("secret = 1"));
    auto f = Bind("locked_ref.name = 'x'");
    ASSERT_TRUE(f);
    ASSERT_EQ(f->joins.size(), 1u);
    EXPECT_FALSE(f->joins[0].rule.has_value());
}

TEST_F(BinderTest, RelationJoinsAreSharedAndCarryTheListRule) {
    auto f = Bind("author.name = 'a' && author.verified = true && editors.name ?= 'b'");
    ASSERT_TRUE(f) << f.error().message;
    // author (table), editors json_each, editors table
    ASSERT_EQ(f->joins.size(), 3u);
    EXPECT_EQ(f->joins[0].table, "users");
    ASSERT_TRUE(f->joins[0].rule.has_value());
    EXPECT_EQ(f->joins[0].rule->sql, "\"__f_j0\".\"verified\" = \x01");
    EXPECT_EQ(f->joins[1].kind, BoundJoin::Kind::kJsonEach);
    EXPECT_TRUE(f->joins[2].multi);
    EXPECT_EQ(f->joins[2].chain, (std::vector<int>{1, 2}));
    EXPECT_TRUE(f->root->children[2]->lhs->multi);
    EXPECT_FALSE(f->root->children[0]->lhs->multi);
}

TEST_F(BinderTest, SingleRelationIdIsTheStoredColumn) {
    auto f = Bind("author.id = 'u1'");
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->joins.empty());
    EXPECT_EQ(f->root->lhs->column, "author");
}

TEST_F(BinderTest, FieldNamedLikeALiteral) {
    opts_.collection = schema_->Find("odd").get();
    auto f = Bind("true = true && null = null");
    ASSERT_TRUE(f) << f.error().message;
    const auto& c0 = *f->root->children[0];
    EXPECT_EQ(c0.lhs->kind, ValueKind::kColumn);
    EXPECT_EQ(c0.rhs->kind, ValueKind::kColumn);
    EXPECT_EQ(f->root->children[1]->lhs->column, "null");
}

TEST_F(BinderTest, RequestValues) {
    auto f = Bind("@request.auth.id = 'x' && @request.auth.verified = true && @request.method = 'POST' "
                  "&& @request.query.q = 'x' && @request.headers.x_token = 'x' && @request.query.none = 'x' "
                  "&& @request.body.title:isset = true && @request.body.tags:length = 2 "
                  "&& @request.auth.collectionName = 'users' && @request.auth.nope = 1");
    ASSERT_TRUE(f) << f.error().message;
    const auto& c = f->root->children;
    EXPECT_EQ(std::get<std::string>(c[0]->lhs->param), "u1");
    EXPECT_EQ(std::get<bool>(c[1]->lhs->param), true);
    EXPECT_EQ(std::get<std::string>(c[2]->lhs->param), "POST");
    EXPECT_EQ(std::get<std::string>(c[3]->lhs->param), "hello");
    EXPECT_EQ(std::get<std::string>(c[4]->lhs->param), "abc");
    EXPECT_EQ(c[5]->lhs->kind, ValueKind::kNull);
    EXPECT_EQ(std::get<bool>(c[6]->lhs->param), true);
    EXPECT_EQ(std::get<std::int64_t>(c[7]->lhs->param), 2);
    EXPECT_EQ(std::get<std::string>(c[8]->lhs->param), "users");
    EXPECT_EQ(c[9]->lhs->kind, ValueKind::kNull);
}

TEST_F(BinderTest, GuestAndMissingRequest) {
    request_ = testing::MakeTestRequest(*schema_, /*guest=*/true);
    auto f = Bind("@request.auth.id = ''");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->root->lhs->kind, ValueKind::kNull);
    opts_.request = nullptr;
    auto g = Bind("@request.method = 'GET'");
    ASSERT_TRUE(g);
    EXPECT_EQ(g->root->lhs->kind, ValueKind::kNull);
}

TEST_F(BinderTest, NestedListRulesDoNotRecurse) {
    // users.listRule -> posts via back-relation -> users ...: the joined collection's listRule is
    // compiled as it is when that collection is listed (a rule, whose own joins enforce no further
    // listRules), so a rule that leads back to its own collection terminates and binds.
    auto users = std::make_shared<schema::Collection>(*schema_->Find("users"));
    users->list_rule = "posts_via_author.author.name != ''";
    std::vector<std::shared_ptr<const schema::Collection>> all;
    for (const auto& c : schema_->all()) {
        all.push_back(c->name == "users" ? users : c);
    }
    auto s = std::make_shared<schema::Schema>(all);
    opts_.schema = s.get();
    opts_.collection = s->Find("posts").get();
    auto f = Bind("author.name = 'x'");
    ASSERT_TRUE(f) << f.error().message;
}

}  // namespace
}  // namespace basalt::filter
