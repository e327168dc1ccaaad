// POST /api/collections never updates an existing collection (name or id clash), and auth
// collections validate passwordAuth.identityFields (each needs a single-column UNIQUE index).
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

Value textField(const std::string& name) { return Value(Object{{"name", name}, {"type", "text"}}); }

bool hasField(const Value& collection, const std::string& name) {
    for (auto& f : collection["fields"].asArray())
        if (f["name"].getString() == name) return true;
    return false;
}

TEST(ApiCollectionsCreate, SameNameIsRejectedAndLeavesTheCollectionUntouched) {
    TestServer s;
    auto su = s.superuserToken();
    const std::string idx = "CREATE INDEX `idx_notes_title` ON `notes` (`title`)";
    auto c = s.post("/api/collections",
                    Value(Object{{"name", "notes"}, {"listRule", ""}, {"viewRule", ""}, {"fields", Value(Array{textField("title")})},
                                 {"indexes", Value(Array{idx})}}),
                    su);
    ASSERT_EQ(c.status, 200) << c.body;
    auto rec = s.post("/api/collections/notes/records", Value(Object{{"title", "keep"}}), su);
    ASSERT_EQ(rec.status, 200) << rec.body;

    auto dup = s.post("/api/collections", Value(Object{{"name", "notes"}}), su);
    EXPECT_EQ(dup.status, 400);
    EXPECT_EQ(dup.json().dump(),
              Value(Object{{"data", Value(Object{{"name", Value(Object{{"code", "validation_collection_name_exists"},
                                                                     {"message", "Collection name must be unique (case insensitive)."}})}})},
                           {"message", "Failed to create collection."},
                           {"status", 400}})
                  .dump())
        << dup.body;

    auto after = s.get("/api/collections/notes", su).json();
    EXPECT_EQ(after["id"].getString(), c.json()["id"].getString());
    EXPECT_TRUE(hasField(after, "title")) << after.dump();
    EXPECT_TRUE(after["listRule"].isString());
    ASSERT_EQ(after["indexes"].size(), 1u) << after.dump();
    EXPECT_EQ(after["created"].getString(), c.json()["created"].getString());
    auto got = s.get("/api/collections/notes/records/" + rec.json()["id"].getString());
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.json()["title"].getString(), "keep");
}

TEST(ApiCollectionsCreate, ExplicitIdClashIsRejected) {
    TestServer s;
    auto su = s.superuserToken();
    auto a = s.post("/api/collections", Value(Object{{"name", "alpha"}, {"fields", Value(Array{textField("x")})}}), su);
    ASSERT_EQ(a.status, 200) << a.body;
    const std::string id = a.json()["id"].getString();
    auto clash = s.post("/api/collections", Value(Object{{"id", id}, {"name", "beta"}}), su);
    EXPECT_EQ(clash.status, 400);
    EXPECT_EQ(clash.json()["message"].getString(), "Failed to create collection.");
    EXPECT_EQ(clash.json()["data"]["id"]["code"].getString(), "validation_invalid_or_existing_id") << clash.body;
    EXPECT_FALSE(clash.json()["data"].has("name")) << clash.body;
    auto alpha = s.get("/api/collections/" + id, su).json();
    EXPECT_EQ(alpha["name"].getString(), "alpha");
    EXPECT_TRUE(hasField(alpha, "x"));
    EXPECT_EQ(s.get("/api/collections/beta", su).status, 404);
    // A name equal to another collection's id is refused too.
    auto nameIsId = s.post("/api/collections", Value(Object{{"name", id}}), su);
    EXPECT_EQ(nameIsId.status, 400);
    EXPECT_EQ(nameIsId.json()["data"]["name"]["code"].getString(), "validation_collection_name_id_duplicate") << nameIsId.body;
}

// A renamed collection keeps its generated id; a new collection with the old name gets the next
// free one (pbc_<crc32>2) instead of overwriting it.
TEST(ApiCollectionsCreate, TakenGeneratedIdMovesToTheNextFreeOne) {
    TestServer s;
    auto su = s.superuserToken();
    auto first = s.post("/api/collections", Value(Object{{"name", "members"}, {"type", "auth"}}), su);
    ASSERT_EQ(first.status, 200) << first.body;
    const std::string id = first.json()["id"].getString();
    ASSERT_EQ(s.patch("/api/collections/members", Value(Object{{"name", "people"}}), su).status, 200);
    auto second = s.post("/api/collections", Value(Object{{"name", "members"}, {"type", "auth"}}), su);
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second.json()["id"].getString(), id + "2");
    const Value secondJson = second.json();
    for (auto& i : secondJson["indexes"].asArray())
        EXPECT_NE(i.getString().find("_" + id + "2`"), std::string::npos) << i.getString();
    auto people = s.get("/api/collections/people", su).json();
    EXPECT_EQ(people["id"].getString(), id);
    EXPECT_EQ(people["type"].getString(), "auth");
}

TEST(ApiCollectionsCreate, IdentityFieldsNeedAUniqueIndex) {
    TestServer s;
    auto su = s.superuserToken();
    auto body = [](const Value& identity, const Value& indexes) {
        Value b(Object{{"name", "members"}, {"type", "auth"}, {"fields", Value(Array{textField("username")})},
                       {"passwordAuth", Value(Object{{"enabled", true}, {"identityFields", identity}})}});
        if (!indexes.isNull()) b.set("indexes", indexes);
        return b;
    };
    auto noIndex = s.post("/api/collections", body(Value(Array{"email", "username"}), Value()), su);
    EXPECT_EQ(noIndex.status, 400);
    const Value e = noIndex.json()["data"]["passwordAuth"]["identityFields"];
    EXPECT_EQ(e["code"].getString(), "validation_missing_unique_constraint") << noIndex.body;
    EXPECT_EQ(e["message"].getString(), "The field username doesn't have a UNIQUE constraint.");
    EXPECT_EQ(e["params"]["fieldName"].getString(), "username");

    auto missing = s.post("/api/collections", body(Value(Array{"nickname"}), Value()), su);
    EXPECT_EQ(missing.status, 400);
    const Value m = missing.json()["data"]["passwordAuth"]["identityFields"];
    EXPECT_EQ(m["code"].getString(), "validation_missing_field") << missing.body;
    EXPECT_EQ(m["message"].getString(), "Invalid or missing field nickname.");

    // A multi-column unique index does not count; a single-column one does.
    auto multi = s.post("/api/collections",
                        body(Value(Array{"username"}), Value(Array{"CREATE UNIQUE INDEX `idx_m` ON `members` (`username`, `email`)"})), su);
    EXPECT_EQ(multi.status, 400) << multi.body;
    // The tokenKey and email unique indexes left out of the list are added back (PocketBase core/collection_model.go).
    auto ok = s.post("/api/collections",
                     body(Value(Array{"email", "username"}), Value(Array{"CREATE UNIQUE INDEX `idx_u` ON `members` (`username`)"})), su);
    ASSERT_EQ(ok.status, 200) << ok.body;
    const Value okJson = ok.json();
    ASSERT_EQ(okJson["indexes"].size(), 3u) << ok.body;
    EXPECT_EQ(okJson["indexes"].asArray()[1].getString(),
              "CREATE UNIQUE INDEX `idx_tokenKey_" + okJson["id"].getString() + "` ON `members` (`tokenKey`)");
    EXPECT_EQ(okJson["indexes"].asArray()[2].getString(),
              "CREATE UNIQUE INDEX `idx_email_" + okJson["id"].getString() + "` ON `members` (`email`) WHERE `email` != ''");

    // Updates are checked too; with password auth disabled the list is not checked.
    auto upd = s.patch("/api/collections/users", Value(Object{{"passwordAuth", Value(Object{{"identityFields", Value(Array{"name"})}})}}), su);
    EXPECT_EQ(upd.status, 400);
    EXPECT_EQ(upd.json()["message"].getString(), "Failed to update collection.");
    EXPECT_EQ(upd.json()["data"]["passwordAuth"]["identityFields"]["code"].getString(), "validation_missing_unique_constraint") << upd.body;
    auto off = s.patch("/api/collections/users",
                       Value(Object{{"passwordAuth", Value(Object{{"enabled", false}, {"identityFields", Value(Array{"name"})}})}}),
                       su);
    EXPECT_EQ(off.status, 200) << off.body;
}

}  // namespace
