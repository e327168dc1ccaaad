// Records API scenarios over real HTTP: guest / user A / user B / superuser.
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

struct RecordsFixture : ::testing::Test {
    static inline TestServer* s = nullptr;
    static inline std::string su, userA, userB, idA, idB;

    static void SetUpTestSuite() {
        s = new TestServer();
        su = s->superuserToken();
        userA = s->createUser("a@example.com", "Passw0rd!123", &idA);
        userB = s->createUser("b@example.com", "Passw0rd!123", &idB);
        // posts: public read, authenticated create, owner update/delete.
        auto r = s->post("/api/collections",
                         Value(Object{{"name", "posts"},
                                      {"listRule", ""},
                                      {"viewRule", ""},
                                      {"createRule", "@request.auth.id != ''"},
                                      {"updateRule", "owner = @request.auth.id"},
                                      {"deleteRule", "owner = @request.auth.id"},
                                      {"fields", Value(Array{
                                                     Value(Object{{"name", "title"}, {"type", "text"}, {"required", true}, {"max", 20}}),
                                                     Value(Object{{"name", "views"}, {"type", "number"}}),
                                                     Value(Object{{"name", "owner"}, {"type", "relation"}, {"collectionId", "_pb_users_auth_"}}),
                                                     Value(Object{{"name", "secret"}, {"type", "text"}, {"hidden", true}}),
                                                 })}}),
                         su);
        ASSERT_EQ(r.status, 200) << r.body;
        auto l = s->post("/api/collections", Value(Object{{"name", "locked"}, {"fields", Value(Array{Value(Object{{"name", "x"}, {"type", "text"}})})}}), su);
        ASSERT_EQ(l.status, 200) << l.body;
    }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }
    static Value post(const std::string& title, const std::string& owner, double views = 0) {
        return Value(Object{{"title", title}, {"owner", owner}, {"views", views}, {"secret", "s3"}});
    }
};

TEST_F(RecordsFixture, CreateRequiresAuthPerCreateRule) {
    auto g = s->post("/api/collections/posts/records", post("guest", ""));
    EXPECT_EQ(g.status, 400);
    EXPECT_EQ(g.json()["message"].getString(), "Failed to create record.");
    auto a = s->post("/api/collections/posts/records", post("by a", idA, 5), userA);
    ASSERT_EQ(a.status, 200) << a.body;
    auto j = a.json();
    EXPECT_EQ(j["title"].getString(), "by a");
    EXPECT_EQ(j["collectionName"].getString(), "posts");
    EXPECT_EQ(j["id"].getString().size(), 15u);
    EXPECT_FALSE(j.has("secret")) << "hidden field leaked to a non-superuser";
}

TEST_F(RecordsFixture, ValidationErrorsUseTheEnvelope) {
    auto r = s->post("/api/collections/posts/records", Value(Object{{"title", ""}}), userA);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["title"]["code"].getString(), "validation_required");
    auto tooLong = s->post("/api/collections/posts/records", Value(Object{{"title", std::string(30, 'x')}}), userA);
    EXPECT_EQ(tooLong.json()["data"]["title"]["code"].getString(), "validation_max_text_constraint");
    auto badRel = s->post("/api/collections/posts/records", Value(Object{{"title", "x"}, {"owner", "nonexistent12345"}}), userA);
    EXPECT_EQ(badRel.json()["data"]["owner"]["code"].getString(), "validation_missing_rel_records");
}

TEST_F(RecordsFixture, MalformedJsonIs400) {
    auto r = s->request("POST", "/api/collections/posts/records", "{\"title\": ", {{"Authorization", userA}});
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(r.json()["data"].isObject());
    auto deep = s->request("POST", "/api/collections/posts/records", std::string(5000, '[') + std::string(5000, ']'),
                           {{"Authorization", userA}});
    EXPECT_EQ(deep.status, 400);
}

TEST_F(RecordsFixture, UpdateAndDeleteFollowOwnerRule) {
    auto a = s->post("/api/collections/posts/records", post("mine", idA), userA).json();
    std::string id = a["id"].getString();
    auto byB = s->patch("/api/collections/posts/records/" + id, Value(Object{{"title", "hacked"}}), userB);
    EXPECT_EQ(byB.status, 404);
    auto byGuest = s->del("/api/collections/posts/records/" + id);
    EXPECT_EQ(byGuest.status, 404);
    auto byA = s->patch("/api/collections/posts/records/" + id, Value(Object{{"title", "edited"}, {"views+", 2}}), userA);
    ASSERT_EQ(byA.status, 200) << byA.body;
    EXPECT_EQ(byA.json()["title"].getString(), "edited");
    EXPECT_EQ(byA.json()["views"].getNumber(), 2);
    EXPECT_EQ(s->get("/api/collections/posts/records/" + id).json()["title"].getString(), "edited");
    EXPECT_EQ(s->del("/api/collections/posts/records/" + id, userB).status, 404);
    EXPECT_EQ(s->del("/api/collections/posts/records/" + id, userA).status, 204);
    EXPECT_EQ(s->get("/api/collections/posts/records/" + id).status, 404);
}

TEST_F(RecordsFixture, SuperuserSeesHiddenFieldsAndBypassesRules) {
    auto a = s->post("/api/collections/posts/records", post("su-visible", idA), userA).json();
    // Non-superuser writes to hidden fields are silently dropped; the superuser still sees the key.
    auto v = s->get("/api/collections/posts/records/" + a["id"].getString(), su);
    ASSERT_TRUE(v.json().has("secret"));
    EXPECT_EQ(v.json()["secret"].getString(), "");
    auto bySu = s->post("/api/collections/posts/records", post("by su", idA), su).json();
    EXPECT_EQ(bySu["secret"].getString(), "s3");
    EXPECT_EQ(s->patch("/api/collections/posts/records/" + a["id"].getString(), Value(Object{{"title", "su"}}), su).status, 200);
}

TEST_F(RecordsFixture, NullRulesAreSuperuserOnly) {
    EXPECT_EQ(s->get("/api/collections/locked/records").status, 403);
    EXPECT_EQ(s->get("/api/collections/locked/records", userA).json()["message"].getString(),
              "Only superusers can perform this action.");
    EXPECT_EQ(s->get("/api/collections/locked/records", su).status, 200);
    EXPECT_EQ(s->post("/api/collections/locked/records", Value(Object{{"x", "1"}}), userA).status, 403);
}

TEST_F(RecordsFixture, ListPagingSortFilter) {
    for (int i = 0; i < 5; ++i) s->post("/api/collections/posts/records", post("list" + std::to_string(i), idB, i * 10), userB);
    auto r = s->get("/api/collections/posts/records?filter=" "title%20~%20'list'" "&sort=-views&perPage=2&page=1");
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_EQ(j["perPage"].getNumber(), 2);
    EXPECT_EQ(j["totalItems"].getNumber(), 5);
    EXPECT_EQ(j["totalPages"].getNumber(), 3);
    EXPECT_EQ(j["items"].asArray().at(0)["views"].getNumber(), 40);
    auto skip = s->get("/api/collections/posts/records?skipTotal=1&filter=title~'list'").json();
    EXPECT_EQ(skip["totalItems"].getNumber(), -1);
    EXPECT_EQ(skip["totalPages"].getNumber(), -1);
    EXPECT_EQ(s->get("/api/collections/posts/records?page=abc").status, 400);
    EXPECT_EQ(s->get("/api/collections/posts/records?perPage=5000").json()["perPage"].getNumber(), 1000);
}

TEST_F(RecordsFixture, HostileFiltersAre400NotCrashes) {
    for (std::string f : {"title='x'; DROP TABLE posts; --", "title = 'a' ) OR 1=1 --", "((((((((((", "title ~ ", "`title` = 1",
                          "secret = 's3'", "@collection.posts.title = 'x'", "title = \"\\\"\" || 1 = 1"}) {
        std::string enc;
        for (unsigned char c : f) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            enc += buf;
        }
        auto r = s->get("/api/collections/posts/records?filter=" + enc, userA);
        EXPECT_TRUE(r.status == 400 || r.status == 403 || r.status == 200) << f << " -> " << r.status << " " << r.body;
        EXPECT_NE(r.status, 500) << f;
    }
    // The table is still there.
    EXPECT_EQ(s->get("/api/collections/posts/records").status, 200);
    // Filtering on a hidden field is refused for non-superusers.
    EXPECT_EQ(s->get("/api/collections/posts/records?filter=secret%3D's3'", userA).status, 400);
}

TEST_F(RecordsFixture, ExpandAndFields) {
    auto a = s->post("/api/collections/posts/records", post("expand-me", idA), userA).json();
    auto r = s->get("/api/collections/posts/records/" + a["id"].getString() + "?expand=owner&fields=id,title,expand.owner.id", userA);
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_EQ(j.size(), 3u) << r.body;
    EXPECT_EQ(j["expand"]["owner"]["id"].getString(), idA);
    // user B may not view user A (users viewRule is owner-only): the expand silently drops it.
    auto asB = s->get("/api/collections/posts/records/" + a["id"].getString() + "?expand=owner", userB).json();
    EXPECT_TRUE(asB["expand"].isObject());
    EXPECT_FALSE(asB["expand"].has("owner"));
}

TEST_F(RecordsFixture, TokensSignedWithOtherKeysMakeGuestRequests) {
    // alg none, other algorithm, garbage: all treated as guests (not 401).
    std::string none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZCI6IngiLCJ0eXBlIjoiYXV0aCJ9.";
    auto r = s->get("/api/collections/locked/records", none);
    EXPECT_EQ(r.status, 403);
    std::string tampered = userA;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'a' ? 'b' : 'a';
    EXPECT_EQ(s->post("/api/collections/posts/records", post("t", idA), tampered).status, 400);
    EXPECT_EQ(s->post("/api/collections/posts/records", post("t", idA), "Bearer " + userA).status, 200);
}

TEST_F(RecordsFixture, UnknownCollectionAndRecord) {
    EXPECT_EQ(s->get("/api/collections/nope/records").status, 404);
    EXPECT_EQ(s->get("/api/collections/posts/records/doesnotexist123").status, 404);
    EXPECT_EQ(s->get("/api/collections/posts/records/..%2F..%2Fetc").status, 404);
}

// ?expand: the `expand` key appears only when a requested path resolves (PocketBase apis/record_helpers.go, expandRecords).
TEST(ApiRecordExpand, InvalidPathsOmitTheExpandKey) {
    TestServer s;
    auto su = s.superuserToken();
    auto authors = s.post("/api/collections",
                          Value(Object{{"name", "authors"}, {"listRule", ""}, {"viewRule", ""},
                                       {"fields", Value(Array{Value(Object{{"name", "name"}, {"type", "text"}})})}}),
                          su);
    ASSERT_EQ(authors.status, 200) << authors.body;
    auto books = s.post("/api/collections",
                        Value(Object{{"name", "books"}, {"listRule", ""}, {"viewRule", ""},
                                     {"fields", Value(Array{Value(Object{{"name", "author"}, {"type", "relation"},
                                                                         {"collectionId", authors.json()["id"]}, {"maxSelect", 1}})})}}),
                        su);
    ASSERT_EQ(books.status, 200) << books.body;
    auto author = s.post("/api/collections/authors/records", Value(Object{{"name", "Ann"}}), su).json();
    auto withAuthor = s.post("/api/collections/books/records", Value(Object{{"author", author["id"]}}), su).json();
    auto without = s.post("/api/collections/books/records", Value(Object{}), su).json();
    const std::string base = "/api/collections/books/records/";

    auto get = [&](const std::string& id, const std::string& expand) {
        auto r = s.get(base + id + "?expand=" + expand);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    };
    EXPECT_FALSE(get(withAuthor["id"].getString(), "nonexistent").has("expand"));
    EXPECT_FALSE(get(withAuthor["id"].getString(), "author.nonexistent").has("expand"));
    EXPECT_FALSE(get(withAuthor["id"].getString(), "nope_via_author").has("expand"));
    auto list = s.get("/api/collections/books/records?expand=nonexistent").json();
    for (auto& item : list["items"].asArray()) EXPECT_FALSE(item.has("expand")) << item.dump();

    // Valid paths: the relation, or {} when nothing resolved.
    auto ok = get(withAuthor["id"].getString(), "author");
    EXPECT_EQ(ok["expand"]["author"]["name"].getString(), "Ann") << ok.dump();
    auto empty = get(without["id"].getString(), "author");
    ASSERT_TRUE(empty["expand"].isObject()) << empty.dump();
    EXPECT_EQ(empty["expand"].size(), 0u);
    // A valid path next to an invalid one still expands.
    auto mixed = get(withAuthor["id"].getString(), "nonexistent,author");
    EXPECT_EQ(mixed["expand"]["author"]["name"].getString(), "Ann") << mixed.dump();
    // A back-relation that resolves to nothing is a valid path.
    auto back = s.get("/api/collections/authors/records/" + author["id"].getString() + "?expand=books_via_author").json();
    ASSERT_TRUE(back["expand"].isObject()) << back.dump();
    auto none = s.get("/api/collections/authors/records/" + author["id"].getString() + "?expand=books_via_nope").json();
    EXPECT_FALSE(none.has("expand")) << none.dump();
}

}  // namespace
