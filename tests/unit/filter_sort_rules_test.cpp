// Sort compilation and rule SQL builders run against real SQLite (PocketBase tools/search/sort.go, provider.go, apis/record_crud.go).
#include "filter_test_db.hpp"

using namespace filtertest;

using FilterSortRules = FilterDb;

namespace {
std::string joinIds(const std::vector<std::string>& v) { return pb::str::join(v, ","); }
}

TEST_F(FilterSortRules, Sort) {
    auto run = [&](const std::string& s) {
        CompiledSort cs = compileSort(s, C("posts"), finder, {}, true);
        std::string sql = "SELECT `posts`.`id` FROM `posts` " + str::join(cs.joins, " ") +
                          " GROUP BY `posts`.`id` ORDER BY " + cs.orderBy;
        return joinIds(query(sql, cs.params));
    };
    EXPECT_EQ(run("-n,id"), "p4,p2,p1,p3,p6,p5");
    EXPECT_EQ(run("+n, -id"), "p5,p6,p3,p1,p2,p4");
    EXPECT_EQ(run("@rowid"), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(run("-@rowid"), "p6,p5,p4,p3,p2,p1");
    EXPECT_EQ(run("author.name,id"), "p3,p5,p6,p1,p4,p2");
    auto r = compileSort("@random", C("posts"), finder, {}, true);
    EXPECT_EQ(r.orderBy, "RANDOM()");
    auto j = compileSort("tags.name", C("posts"), finder, {}, true);
    EXPECT_EQ(j.joins.size(), 2u);
    EXPECT_EQ(statusOf([&] { compileSort("a,b,c,d,e,f,g,h,i", C("posts"), finder, {}, true); }), 400);
    EXPECT_EQ(statusOf([&] { compileSort("nope", C("posts"), finder, {}, true); }), 400);
    EXPECT_EQ(statusOf([&] { compileSort("@now", C("posts"), finder, {}, true); }), 400);
    EXPECT_EQ(statusOf([&] { compileSort("title;DROP", C("posts"), finder, {}, true); }), 400);
    EXPECT_EQ(statusOf([&] { compileSort(std::string(256, 'a'), C("posts"), finder, {}, true); }), 400);
    EXPECT_EQ(statusOf([&] { compileSort("@request.query.x", C("posts"), finder, authAs("s", "_superusers"), true); }), 400);
    // An empty JSON key (found by fuzz_filter: "-data.:" compiled to the path '$.', which SQLite
    // refuses when the query runs) is a 400 at compile time; a real key still compiles.
    for (const char* bad : {"-data.:", "data.", "data..a", "data.a.:"})
        EXPECT_EQ(statusOf([&] { compileSort(bad, C("posts"), finder, {}, true); }), 400) << bad;
    EXPECT_NO_THROW(compileSort("data.a.0", C("posts"), finder, {}, true));
}

TEST_F(FilterSortRules, ListQuery) {
    auto posts = std::make_shared<schema::Collection>(C("posts"));
    posts->listRule = "n >= 1 || author = @request.auth.id";
    colls["posts"] = posts;
    RequestInfo guest;
    ListQuery q = buildListQuery(C("posts"), finder, guest, "title != ''", "-n");
    // guest: @request.auth.id is NULL, so `author = NULL` matches empty authors (p3, p5) as in PocketBase
    EXPECT_EQ(joinIds(query(q.itemsSql(30, 0), q.params())), "p4,p1,p3,p5");
    EXPECT_EQ(query(q.countSql(), q.params()).at(0), "4");
    EXPECT_EQ(joinIds(query(q.itemsSql(1, 1), q.params())), "p1");
    auto u1 = authAs("u1");
    ListQuery q2 = buildListQuery(C("posts"), finder, u1, "tags.name ?= 'a'", "id");
    EXPECT_TRUE(q2.distinct);
    EXPECT_EQ(joinIds(query(q2.itemsSql(), q2.params())), "p1,p2,p4");
    EXPECT_EQ(query(q2.countSql(), q2.params()).at(0), "3");
    // superusers skip the rule
    ListQuery q3 = buildListQuery(C("posts"), finder, authAs("s", "_superusers"), "", "");
    EXPECT_EQ(query(q3.countSql(), q3.params()).at(0), "6");
    // null listRule -> 403 for non-superusers
    EXPECT_EQ(statusOf([&] { buildListQuery(C("comments"), finder, guest, "", ""); }), 403);
    EXPECT_EQ(statusOf([&] { buildListQuery(C("posts"), finder, guest, "@request.auth.id = ''", ""); }), 403);
    EXPECT_EQ(statusOf([&] { buildListQuery(C("posts"), finder, guest, "title ==", ""); }), 400);
}

TEST_F(FilterSortRules, RecordRuleQuery) {
    std::optional<std::string> rule = "author = @request.auth.id && author.verified = true";
    auto u1 = authAs("u1"), u2 = authAs("u2");
    auto q = buildRecordRuleQuery(C("posts"), finder, u1, rule, "p1");
    EXPECT_EQ(query(q.sql, q.params).size(), 1u);
    auto q2 = buildRecordRuleQuery(C("posts"), finder, u2, rule, "p2");
    EXPECT_EQ(query(q2.sql, q2.params).size(), 0u);  // u2 not verified
    auto q3 = buildRecordRuleQuery(C("posts"), finder, {}, std::string(""), "p3", true);
    EXPECT_EQ(joinIds(query(q3.sql, q3.params)), "1");
    EXPECT_EQ(statusOf([&] { buildRecordRuleQuery(C("posts"), finder, u1, std::nullopt, "p1"); }), 403);
    auto su = buildRecordRuleQuery(C("posts"), finder, authAs("s", "_superusers"), std::nullopt, "p6");
    EXPECT_EQ(query(su.sql, su.params).size(), 1u);
}

TEST_F(FilterSortRules, CreateRuleCte) {
    auto u1 = authAs("u1");
    json::Value row = json::Value::object();
    row.set("title", "new");
    row.set("n", 5.0);
    row.set("tags", "[\"t1\",\"t2\"]");
    row.set("author", "u1");
    auto check = [&](const std::string& rule, const RequestInfo& info) {
        RuleQuery q = buildCreateRuleQuery(C("posts"), finder, info, rule, row);
        return query(q.sql, q.params).size();
    };
    EXPECT_EQ(check("@request.auth.id != '' && author = @request.auth.id && title != ''", u1), 1u);
    EXPECT_EQ(check("@request.auth.id != ''", RequestInfo{}), 0u);
    EXPECT_EQ(check("n > 4 && tags:length = 2 && tags.name ?= 'b'", u1), 1u);
    EXPECT_EQ(check("tags.name = 'a'", u1), 0u);
    EXPECT_EQ(check("author.name = 'Ann' && @collection.tags.name ?= 'c'", u1), 1u);
    EXPECT_EQ(check("id != ''", u1), 1u);  // temp id
    EXPECT_EQ(check("data = null && flag = false", u1), 1u);  // zero values
    EXPECT_TRUE(buildCreateRuleQuery(C("posts"), finder, u1, "", row).sql.empty());
    try {
        buildCreateRuleQuery(C("posts"), finder, u1, "bogus = 1", row);
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 400);
        EXPECT_EQ(e.message(), "Failed to create record.");
    }
}
