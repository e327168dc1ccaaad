// POST /api/sql and POST /api/collections/meta/dry-run-view (superusers only).
#include <gtest/gtest.h>

#include "support/test_server.hpp"
#include "util/strings.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

struct ApiSql : ::testing::Test {
    static inline TestServer* s = nullptr;
    static inline std::string su, user;
    static void SetUpTestSuite() {
        s = new TestServer();
        su = s->superuserToken();
        user = s->createUser("sql@example.com", "Passw0rd!123");
        ASSERT_EQ(s->post("/api/collections", Value(Object{{"name", "items"}, {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}}), Value(Object{{"name", "qty"}, {"type", "number"}})})}}), su).status, 200);
        for (int i = 0; i < 3; ++i)
            ASSERT_EQ(s->post("/api/collections/items/records", Value(Object{{"title", "t" + std::to_string(i)}, {"qty", i * 1.5}}), su).status, 200);
    }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }
    static pbtest::HttpResponse sql(const std::string& q, const std::string& tok) {
        return s->post("/api/sql", Value(Object{{"query", q}}), tok);
    }
};

TEST_F(ApiSql, AccessAndValidation) {
    EXPECT_EQ(sql("SELECT 1", "").status, 401);
    EXPECT_EQ(sql("SELECT 1", user).status, 403);
    auto blank = sql("  ", su);
    EXPECT_EQ(blank.status, 400);
    EXPECT_EQ(blank.json()["data"]["query"]["code"].getString(), "validation_required");
    auto longq = sql("SELECT " + std::string(5000, '1'), su);
    EXPECT_EQ(longq.json()["data"]["query"]["code"].getString(), "validation_length_out_of_range") << longq.body;
    auto bad = sql("SELECT * FROM nope", su);
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.json()["message"].getString().find("Failed to execute query."), std::string::npos) << bad.body;
}

TEST_F(ApiSql, ReadReturnsColumnsAndTextRows) {
    auto r = sql("SELECT title, qty, NULL AS empty_col FROM items ORDER BY title", su);
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    ASSERT_EQ(j["columns"].size(), 3u);
    EXPECT_EQ(j["columns"].asArray().at(0)["name"].getString(), "title");
    EXPECT_EQ(j["columns"].asArray().at(0)["type"].getString(), "TEXT");
    EXPECT_EQ(j["columns"].asArray().at(1)["type"].getString(), "NUMERIC");
    EXPECT_EQ(j["affectedRows"].getNumber(), 0);
    EXPECT_TRUE(j["execTime"].isNumber());
    ASSERT_EQ(j["rows"].size(), 3u);
    const auto& row1 = j["rows"].asArray().at(1);
    EXPECT_EQ(row1.asArray().at(0).getString(), "t1");
    EXPECT_EQ(row1.asArray().at(1).getString(), "1.5");
    EXPECT_TRUE(row1.asArray().at(2).isNull());
    // At most 1000 rows.
    auto many = sql("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 1500) SELECT x FROM n", su);
    EXPECT_EQ(many.json()["rows"].size(), 1000u);
}

TEST_F(ApiSql, WritesRunInATransaction) {
    auto w = sql("UPDATE items SET title = 'changed' WHERE title = 't2'", su);
    ASSERT_EQ(w.status, 200) << w.body;
    EXPECT_EQ(w.json()["affectedRows"].getNumber(), 1);
    EXPECT_EQ(s->get("/api/collections/items/records?filter=" + pb::str::urlEncode("title='changed'"), su).json()["totalItems"].getNumber(), 1);
    // A failing statement in a multi-statement script rolls the whole script back.
    auto f = sql("DELETE FROM items; INSERT INTO nope VALUES (1)", su);
    EXPECT_EQ(f.status, 400);
    EXPECT_EQ(s->get("/api/collections/items/records", su).json()["totalItems"].getNumber(), 3);
}

TEST_F(ApiSql, DryRunView) {
    auto post = [&](const Value& b, const std::string& tok) { return s->post("/api/collections/meta/dry-run-view", b, tok); };
    EXPECT_EQ(post(Value(Object{{"query", "SELECT id FROM items"}}), user).status, 403);
    auto r = post(Value(Object{{"query", "SELECT id, title, qty * 2 AS double FROM items"}}), su);
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    std::vector<std::string> names;
    for (auto& f : j["fields"].asArray()) names.push_back(f["name"].getString());
    EXPECT_EQ(names, (std::vector<std::string>{"id", "title", "double"}));
    ASSERT_EQ(j["sample"].size(), 3u);
    EXPECT_TRUE(j["sample"].asArray().at(0).has("title"));
    EXPECT_EQ(s->get("/api/collections/dry_run", su).status, 404);  // nothing saved
    auto bad = post(Value(Object{{"query", "DELETE FROM items"}}), su);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(s->get("/api/collections/items/records", su).json()["totalItems"].getNumber(), 3);
    EXPECT_EQ(post(Value(Object{{"query", ""}}), su).json()["data"]["query"]["code"].getString(), "validation_required");
}

}  // namespace
