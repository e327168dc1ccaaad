// View collections: field types inferred from the view query (PocketBase core/view.go).
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

const Value* fieldNamed(const Value& collection, const std::string& name) {
    for (auto& f : collection["fields"].asArray())
        if (f["name"].getString() == name) return &f;
    return nullptr;
}

// A locked (null) view rule guards GET of one record, not only lists: with an open list rule the
// rows are listed, yet fetching any one of them is superuser-only (403), for a view collection
// and for the base collection under it; a missing id is still 404 for the superuser.
TEST(ApiViewCollections, NullViewRuleLocksSingleRecordView) {
    TestServer s;
    auto su = s.superuserToken();
    auto user = s.createUser("viewer@example.com", "password123");
    auto base = s.post("/api/collections",
                       Value(Object{{"name", "notes"}, {"listRule", ""}, {"viewRule", Value()},
                                    {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}})})}}),
                       su);
    ASSERT_EQ(base.status, 200) << base.body;
    auto rec = s.post("/api/collections/notes/records", Value(Object{{"title", "locked"}}), su);
    ASSERT_EQ(rec.status, 200) << rec.body;
    const std::string id = rec.json()["id"].getString();
    auto view = s.post("/api/collections",
                       Value(Object{{"name", "notes_view"}, {"type", "view"}, {"listRule", ""}, {"viewRule", Value()},
                                    {"viewQuery", "SELECT id, title FROM notes"}}),
                       su);
    ASSERT_EQ(view.status, 200) << view.body;
    EXPECT_TRUE(view.json()["viewRule"].isNull());

    for (const std::string coll : {"notes", "notes_view"}) {
        SCOPED_TRACE(coll);
        const std::string path = "/api/collections/" + coll + "/records";
        auto list = s.get(path);
        ASSERT_EQ(list.status, 200) << list.body;  // the list rule is open
        EXPECT_EQ(list.json()["items"].size(), 1u);
        for (const std::string& who : {std::string(), user}) {
            auto one = s.get(path + "/" + id, who);
            EXPECT_EQ(one.status, 403) << one.body;
            EXPECT_EQ(one.json()["message"].getString(), "Only superusers can perform this action.");
            EXPECT_FALSE(one.json().has("title"));
            EXPECT_EQ(one.body.find("locked"), std::string::npos);
        }
        auto bySu = s.get(path + "/" + id, su);
        EXPECT_EQ(bySu.status, 200) << bySu.body;
        EXPECT_EQ(bySu.json()["title"].getString(), "locked");
        EXPECT_EQ(s.get(path + "/nosuchrecord0000", su).status, 404);
    }
}

TEST(ApiViewCollections, InfersFieldTypesFromTheQuery) {
    TestServer s;
    auto su = s.superuserToken();
    auto posts = s.post("/api/collections",
                        Value(Object{{"name", "posts"}, {"listRule", ""}, {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}, {"max", 20}})})}}),
                        su);
    ASSERT_EQ(posts.status, 200) << posts.body;
    const std::string postsId = posts.json()["id"].getString();
    auto meta = s.post("/api/collections",
                       Value(Object{{"name", "meta"},
                                    {"fields", Value(Array{Value(Object{{"name", "post"}, {"type", "relation"}, {"collectionId", postsId},
                                                                        {"maxSelect", 1}, {"cascadeDelete", true}}),
                                                           Value(Object{{"name", "score"}, {"type", "number"}})})}}),
                       su);
    ASSERT_EQ(meta.status, 200) << meta.body;
    const std::string metaId = meta.json()["id"].getString();

    const std::string query =
        "SELECT m.id, m.post AS pp, m.id AS self, p.title, count(m.id) AS cnt, total(m.score) AS tot, "
        "sum(m.score) AS sm, CAST(m.score AS REAL) AS r, CAST(m.score AS INTEGER) AS i, CAST(m.score AS INT) AS i2, "
        "CAST(m.score AS TEXT) AS t, CAST(m.score AS BOOLEAN) AS b, CAST(m.score AS BOOL) AS b2, m.score + 1 AS expr "
        "FROM meta m LEFT JOIN posts p ON p.id = m.post GROUP BY m.id";
    auto v = s.post("/api/collections", Value(Object{{"name", "stats"}, {"type", "view"}, {"viewQuery", query}}), su);
    ASSERT_EQ(v.status, 200) << v.body;
    const Value view = v.json();

    const Value* id = fieldNamed(view, "id");
    ASSERT_TRUE(id);
    EXPECT_EQ((*id)["type"].getString(), "text");
    EXPECT_TRUE((*id)["primaryKey"].getBool());
    EXPECT_EQ((*id)["pattern"].getString(), "^[a-z0-9]+$");

    // An aliased relation is a clone of the source field, under the alias and a _clone_ id.
    const Value* pp = fieldNamed(view, "pp");
    ASSERT_TRUE(pp) << view.dump();
    EXPECT_EQ((*pp)["type"].getString(), "relation");
    EXPECT_EQ((*pp)["collectionId"].getString(), postsId);
    EXPECT_TRUE((*pp)["cascadeDelete"].getBool());
    EXPECT_EQ((*pp)["id"].getString().rfind("_clone_", 0), 0u) << (*pp)["id"].getString();
    EXPECT_EQ((*pp)["id"].getString().size(), 11u);
    const Value* title = fieldNamed(view, "title");
    ASSERT_TRUE(title);
    EXPECT_EQ((*title)["type"].getString(), "text");
    EXPECT_EQ((*title)["max"].getNumber(), 20);
    EXPECT_EQ((*title)["id"].getString().rfind("_clone_", 0), 0u);

    // x.id AS y: a single relation to x's collection.
    const Value* self = fieldNamed(view, "self");
    ASSERT_TRUE(self);
    EXPECT_EQ((*self)["type"].getString(), "relation");
    EXPECT_EQ((*self)["collectionId"].getString(), metaId);
    EXPECT_EQ((*self)["maxSelect"].getNumber(), 1);

    auto expectType = [&](const std::string& name, const std::string& type, bool onlyInt = false) {
        const Value* f = fieldNamed(view, name);
        ASSERT_TRUE(f) << name;
        EXPECT_EQ((*f)["type"].getString(), type) << name << ": " << f->dump();
        if (type == "number") {
            EXPECT_EQ((*f)["onlyInt"].getBool(), onlyInt) << name;
        }
    };
    expectType("cnt", "number", true);
    expectType("tot", "number");
    expectType("sm", "json");
    expectType("r", "number");
    expectType("i", "number", true);
    expectType("i2", "number", true);
    expectType("t", "text");
    expectType("b", "bool");
    expectType("b2", "bool");
    expectType("expr", "json");

    // The dry run infers the same fields.
    auto dry = s.post("/api/collections/meta/dry-run-view", Value(Object{{"query", query}}), su);
    ASSERT_EQ(dry.status, 200) << dry.body;
    const Value dryJson = dry.json();
    const Value* dpp = fieldNamed(dryJson, "pp");
    ASSERT_TRUE(dpp) << dry.body;
    EXPECT_EQ((*dpp)["type"].getString(), "relation");

    // A wildcard on a collection table is refused.
    auto star = s.post("/api/collections", Value(Object{{"name", "stars"}, {"type", "view"}, {"viewQuery", "SELECT id, m.* FROM meta m"}}), su);
    EXPECT_EQ(star.status, 400) << star.body;
    EXPECT_TRUE(star.json()["data"].has("viewQuery")) << star.body;
}

}  // namespace
