// Collections API scenarios: superuser-only management and schema changes without data loss.
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

TEST(ApiCollections, AccessControl) {
    TestServer s;
    std::string user = s.createUser("u@example.com", "Passw0rd!123");
    EXPECT_EQ(s.get("/api/collections").status, 401);
    EXPECT_EQ(s.get("/api/collections", user).status, 403);
    auto r = s.get("/api/collections", s.superuserToken());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["items"].asArray().at(0)["id"].getString(), "pbc_3142635823");
    auto users = s.get("/api/collections/USERS", s.superuserToken());
    EXPECT_EQ(users.json()["id"].getString(), "_pb_users_auth_");
    EXPECT_FALSE(users.json()["authToken"].has("secret")) << "token secret must never be output";
}

TEST(ApiCollections, SchemaChangesKeepData) {
    TestServer s;
    auto su = s.superuserToken();
    auto c = s.post("/api/collections",
                    Value(Object{{"name", "notes"},
                                 {"listRule", ""},
                                 {"viewRule", ""},
                                 {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}}),
                                                        Value(Object{{"name", "tag"}, {"type", "select"}, {"values", Value(Array{"a", "b"})}})})}}),
                    su);
    ASSERT_EQ(c.status, 200) << c.body;
    auto col = c.json();
    EXPECT_EQ(col["id"].getString().rfind("pbc_", 0), 0u);
    auto rec = s.post("/api/collections/notes/records", Value(Object{{"title", "keep me"}, {"tag", "b"}}), su).json();
    // Rename a field (matched by id), add one, make tag multiple.
    Value fields = col["fields"];
    for (auto& f : fields.asArray()) {
        if (f["name"].getString() == "title") f.set("name", "heading");
        if (f["name"].getString() == "tag") f.set("maxSelect", 2);
    }
    fields.push(Value(Object{{"name", "extra"}, {"type", "number"}}));
    auto u = s.patch("/api/collections/notes", Value(Object{{"fields", fields}}), su);
    ASSERT_EQ(u.status, 200) << u.body;
    auto after = s.get("/api/collections/notes/records/" + rec["id"].getString()).json();
    EXPECT_EQ(after["heading"].getString(), "keep me");
    EXPECT_FALSE(after.has("title"));
    ASSERT_TRUE(after["tag"].isArray());
    EXPECT_EQ(after["tag"].asArray().at(0).getString(), "b");
    EXPECT_EQ(after["extra"].getNumber(), 0);
    // Rename the collection.
    ASSERT_EQ(s.patch("/api/collections/notes", Value(Object{{"name", "memos"}}), su).status, 200);
    EXPECT_EQ(s.get("/api/collections/memos/records/" + rec["id"].getString()).status, 200);
    // Truncate and delete.
    EXPECT_EQ(s.del("/api/collections/memos/truncate", su).status, 204);
    EXPECT_EQ(s.get("/api/collections/memos/records").json()["totalItems"].getNumber(), 0);
    EXPECT_EQ(s.del("/api/collections/memos", su).status, 204);
    EXPECT_EQ(s.get("/api/collections/memos", su).status, 404);
}

TEST(ApiCollections, ValidationErrors) {
    TestServer s;
    auto su = s.superuserToken();
    auto bad = s.post("/api/collections", Value(Object{{"name", "bad name!"}}), su);
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(bad.json()["data"].has("name"));
    auto dup = s.post("/api/collections", Value(Object{{"name", "Users"}}), su);
    EXPECT_EQ(dup.status, 400);
    EXPECT_EQ(dup.json()["data"]["name"]["code"].getString(), "validation_collection_name_exists");
    auto rule = s.post("/api/collections", Value(Object{{"name", "r"}, {"listRule", "nope = 1"}}), su);
    EXPECT_EQ(rule.status, 400);
    EXPECT_TRUE(rule.json()["data"].has("listRule"));
    auto su2 = s.patch("/api/collections/_superusers", Value(Object{{"name", "admins"}}), su);
    EXPECT_EQ(su2.status, 400);
    // A referenced collection cannot be deleted.
    ASSERT_EQ(s.post("/api/collections", Value(Object{{"name", "a"}}), su).status, 200);
    auto aId = s.get("/api/collections/a", su).json()["id"].getString();
    ASSERT_EQ(s.post("/api/collections", Value(Object{{"name", "b"}, {"fields", Value(Array{Value(Object{{"name", "ref"}, {"type", "relation"}, {"collectionId", aId}})})}}), su).status, 200);
    auto refDel = s.del("/api/collections/a", su);
    EXPECT_EQ(refDel.status, 400);
    EXPECT_EQ(refDel.json()["message"].getString(), "Failed to delete collection probably due to existing reference in b.");
    EXPECT_EQ(refDel.json()["data"].dump(), "{}");
    auto sysDel = s.del("/api/collections/_mfas", su);
    EXPECT_EQ(sysDel.status, 400);
    EXPECT_EQ(sysDel.json()["message"].getString(), "Failed to delete collection.");
    EXPECT_EQ(sysDel.json()["data"].dump(), "{}");
}

TEST(ApiCollections, FileThumbsValidated) {
    TestServer s;
    auto su = s.superuserToken();
    // The errors sit under data.fields.<index of the file field>.thumbs.<index of the size>.
    auto thumbsErrors = [](const pbtest::HttpResponse& r) {
        const Value j = r.json();
        for (auto& [idx, fe] : j["data"]["fields"].asObject())
            if (fe.has("thumbs")) return fe["thumbs"];
        return Value();
    };
    auto fileField = [](Array thumbs) {
        return Value(Array{Value(Object{{"name", "title"}, {"type", "text"}}),
                           Value(Object{{"name", "pic"}, {"type", "file"}, {"thumbs", Value(std::move(thumbs))}})});
    };
    auto bad = s.post("/api/collections",
                      Value(Object{{"name", "pics"}, {"fields", fileField({"100x100", "0x0", "abc", "10x20q", "0x50f", "0x0t"})}}), su);
    ASSERT_EQ(bad.status, 400) << bad.body;
    auto thumbs = thumbsErrors(bad);
    EXPECT_TRUE(thumbs.isObject()) << bad.body;
    EXPECT_FALSE(thumbs.has("0"));
    EXPECT_EQ(thumbs["1"]["code"].getString(), "validation_not_in_invalid");
    EXPECT_EQ(thumbs["2"]["code"].getString(), "validation_match_invalid");
    EXPECT_EQ(thumbs["2"]["message"].getString(), "Must be in a valid format.");
    EXPECT_EQ(thumbs["3"]["code"].getString(), "validation_match_invalid");
    EXPECT_FALSE(thumbs.has("4"));
    EXPECT_EQ(thumbs["5"]["code"].getString(), "validation_not_in_invalid");
    EXPECT_EQ(s.get("/api/collections/pics", su).status, 404);
    // Valid sizes are saved; an update is validated too.
    auto ok = s.post("/api/collections",
                     Value(Object{{"name", "pics"}, {"fields", fileField({"100x100", "0x50", "50x0", "10x20t", "10x20b", "10x20f"})}}), su);
    ASSERT_EQ(ok.status, 200) << ok.body;
    Value fields = ok.json()["fields"];
    for (auto& f : fields.asArray())
        if (f["name"].getString() == "pic") f.set("thumbs", Value(Array{"10x"}));
    auto upd = s.patch("/api/collections/pics", Value(Object{{"fields", fields}}), su);
    ASSERT_EQ(upd.status, 400) << upd.body;
    EXPECT_EQ(thumbsErrors(upd)["0"]["code"].getString(), "validation_match_invalid") << upd.body;
}

}  // namespace

namespace {
Value textField(const std::string& name) { return Value(Object{{"name", name}, {"type", "text"}}); }
}  // namespace

// PUT /api/collections/import: upsert by id/name, cross references in any order, deleteMissing.
TEST(ApiCollectionsImport, UpsertsDeletesAndRollsBack) {
    TestServer s;
    auto su = s.superuserToken();
    auto put = [&](const Value& body, const std::string& tok) { return s.request("PUT", "/api/collections/import", body.dump(), {{"Authorization", tok}}); };
    EXPECT_EQ(put(Value(Object{{"collections", Value::array()}}), "").status, 401);
    auto user = s.createUser("imp@example.com", "Passw0rd!123");
    EXPECT_EQ(put(Value(Object{{"collections", Value::array()}}), user).status, 403);
    auto blank = put(Value(Object{{"collections", Value::array()}}), su);
    EXPECT_EQ(blank.status, 400);
    EXPECT_EQ(blank.json()["data"]["collections"]["code"].getString(), "validation_required") << blank.body;

    // An existing collection with data, and one that a deleteMissing import will drop.
    ASSERT_EQ(s.post("/api/collections", Value(Object{{"name", "notes"}, {"fields", Value(Array{textField("title"), textField("body")})}}), su).status, 200);
    ASSERT_EQ(s.post("/api/collections", Value(Object{{"name", "old"}}), su).status, 200);
    auto rec = s.post("/api/collections/notes/records", Value(Object{{"title", "kept"}, {"body", "b"}}), su);
    ASSERT_EQ(rec.status, 200) << rec.body;

    // posts references authors, which comes later in the list; notes gains a field (by name).
    Value cols = Value::array();
    cols.push(Value(Object{{"id", "pbc_posts000001"}, {"name", "posts"}, {"type", "base"},
                           {"fields", Value(Array{textField("title"),
                                                  Value(Object{{"name", "author"}, {"type", "relation"}, {"collectionId", "pbc_authors00001"}, {"maxSelect", 1}})})}}));
    cols.push(Value(Object{{"id", "pbc_authors00001"}, {"name", "authors"}, {"type", "base"}, {"fields", Value(Array{textField("name")})}}));
    cols.push(Value(Object{{"name", "notes"}, {"fields", Value(Array{textField("title"), textField("extra")})}}));
    auto r = put(Value(Object{{"collections", cols}}), su);
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(s.get("/api/collections/posts", su).status, 200);
    EXPECT_EQ(s.get("/api/collections/authors", su).status, 200);
    EXPECT_EQ(s.get("/api/collections/old", su).status, 200);  // kept without deleteMissing
    auto notes = s.get("/api/collections/notes/records/" + rec.json()["id"].getString(), su).json();
    EXPECT_EQ(notes["title"].getString(), "kept");
    EXPECT_EQ(notes["body"].getString(), "b");  // a field missing from the import is kept
    EXPECT_TRUE(notes.has("extra"));

    // A failing collection rolls the whole import back.
    Value bad = Value::array();
    bad.push(Value(Object{{"name", "fresh"}, {"fields", Value(Array{textField("x")})}}));
    bad.push(Value(Object{{"name", "broken"}, {"fields", Value(Array{Value(Object{{"name", "r"}, {"type", "relation"}, {"collectionId", "missing_____id"}})})}}));
    auto f = put(Value(Object{{"collections", bad}}), su);
    EXPECT_EQ(f.status, 400);
    EXPECT_EQ(f.json()["message"].getString(), "Failed to import collections.");
    EXPECT_EQ(f.json()["data"]["collections"]["code"].getString(), "validation_collections_import_failure") << f.body;
    EXPECT_EQ(s.get("/api/collections/fresh", su).status, 404);

    // deleteMissing: non-system collections and fields absent from the import are dropped.
    Value only = Value::array();
    only.push(Value(Object{{"name", "notes"}, {"fields", Value(Array{textField("title")})}}));
    auto d = put(Value(Object{{"collections", only}, {"deleteMissing", true}}), su);
    ASSERT_EQ(d.status, 204) << d.body;
    EXPECT_EQ(s.get("/api/collections/old", su).status, 404);
    EXPECT_EQ(s.get("/api/collections/posts", su).status, 404);
    EXPECT_EQ(s.get("/api/collections/_superusers", su).status, 200);  // system collections stay
    EXPECT_EQ(s.get("/api/collections/users", su).status, 404);        // `users` is not a system collection
    auto got = s.get("/api/collections/notes/records/" + rec.json()["id"].getString(), su);
    ASSERT_EQ(got.status, 200) << got.body;
    auto after = got.json();
    EXPECT_EQ(after["title"].getString(), "kept");
    EXPECT_FALSE(after.has("body"));
    EXPECT_TRUE(after.has("id"));  // system fields stay
}
