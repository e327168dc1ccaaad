// Filter -> SQL compiled and run against a real in-memory SQLite DB (PocketBase tools/search/filter.go).
#include "filter_test_db.hpp"
#include "support/edge_clocks.hpp"

using namespace filtertest;

using FilterCompiler = FilterDb;

TEST_F(FilterCompiler, PlainOperatorsAndNullHandling) {
    EXPECT_EQ(ids("title = 'hello'"), "p1");
    EXPECT_EQ(ids("title = ''"), "p2,p6");
    EXPECT_EQ(ids("title = null"), "p2,p6");
    EXPECT_EQ(ids("title != 'hello'"), "p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("title != ''"), "p1,p3,p4,p5");
    EXPECT_EQ(ids("n > 1"), "p2,p4");
    EXPECT_EQ(ids("n >= 1 && n < 10"), "p1,p2");
    EXPECT_EQ(ids("n <= -1"), "p5");
    EXPECT_EQ(ids("flag = true"), "p1");
    EXPECT_EQ(ids("flag = false && n = 0"), "p3,p6");
    EXPECT_EQ(ids("title = \"it's\""), "p5");
    EXPECT_EQ(ids("title = 'it\\'s'"), "p5");
    EXPECT_EQ(ids("title = parent"), "");  // COALESCE of two columns
    EXPECT_EQ(ids("parent = ''"), "p1");
    EXPECT_EQ(ids("'' = parent"), "p1");
    EXPECT_EQ(ids("'' = null && null != ''"), "");
    EXPECT_EQ(ids("'' = null || n = 2"), "p1,p2,p3,p4,p5,p6");
}

TEST_F(FilterCompiler, PrecedenceAndGroups) {
    // a || b && c  ==  a OR (b AND c)
    EXPECT_EQ(ids("n = 1 || n = 2 && title = 'nope'"), "p1");
    EXPECT_EQ(ids("(n = 1 || n = 2) && title = ''"), "p2");
    EXPECT_EQ(ids("((n = 10)) || (title = 'hello' && (flag = true))"), "p1,p4");
    EXPECT_EQ(ids("n = 1 // trailing comment\n || n = 10"), "p1,p4");
}

TEST_F(FilterCompiler, LikeEscaping) {
    EXPECT_EQ(filter::wrapLikeParam("abc"), "%abc%");
    EXPECT_EQ(filter::wrapLikeParam("ab%c"), "ab%c");
    EXPECT_EQ(filter::wrapLikeParam("ab\\%c"), "%ab\\%c%");
    EXPECT_EQ(filter::wrapLikeParam("ab_c"), "%ab\\_c%");
    EXPECT_EQ(filter::wrapLikeParam("ab\\c"), "%ab\\\\c%");
    EXPECT_EQ(filter::wrapLikeParam("_ab\\c_"), "%\\_ab\\\\c\\_%");
    EXPECT_EQ(filter::wrapLikeParam("%ab_c"), "%ab_c");
    EXPECT_EQ(ids("title ~ 'x%y'"), "p3");
    EXPECT_EQ(ids("title ~ 'under_'"), "p4");
    EXPECT_EQ(ids("title ~ '_'"), "p4");
    EXPECT_EQ(ids("title ~ 'HELL'"), "p1");  // ASCII case-insensitive
    EXPECT_EQ(ids("title !~ 'e'"), "p2,p3,p5");
    EXPECT_EQ(ids("title ~ 'h%'"), "p1");
    EXPECT_EQ(ids("'xhellox' ~ title && title != ''"), "p1");  // column on the right -> '%' || col || '%'
}

TEST_F(FilterCompiler, MultiValueAllVsAny) {
    EXPECT_EQ(ids("tags.name = 'a'"), "p1,p4");      // [a,a] and [a,dangling]
    EXPECT_EQ(ids("tags.name ?= 'a'"), "p1,p2,p4");
    EXPECT_EQ(ids("tags.name = ''"), "p3");          // [] behaves like one NULL item
    EXPECT_EQ(ids("tags.name != 'a'"), "p3,p5,p6");
    EXPECT_EQ(ids("tags.name ?!= 'a'"), "p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("tags.name > 'a'"), "p5,p6");
    EXPECT_EQ(ids("tags.name ?> 'a'"), "p2,p5,p6");
    EXPECT_EQ(ids("tags ~ 't2'"), "p2,p6");           // raw JSON text
    EXPECT_EQ(ids("tags = 't3'"), "");
    EXPECT_EQ(ids("tags:length = 2"), "p1,p2,p4");
    EXPECT_EQ(ids("tags:length = 0"), "p3");
    EXPECT_EQ(ids("tags:each = 't1'"), "p1");
    EXPECT_EQ(ids("tags:each ?= 't2'"), "p2,p6");
    EXPECT_EQ(ids("tags.name:lower ?= 'B'"), "");
    EXPECT_EQ(ids("tags.name:lower ?= 'b'"), "p2,p6");
    // same path shares the joined row
    EXPECT_EQ(ids("tags.name ?= 'a' && tags.name ?= 'b'"), "");
    // both sides multi-valued
    EXPECT_EQ(ids("tags.name = tags.name"), "p1,p3,p5,p6");  // [] acts like one NULL item
}

TEST_F(FilterCompiler, RelationsBackRelationsAndCollections) {
    EXPECT_EQ(ids("author.name = 'Ann'"), "p1,p4");
    EXPECT_EQ(ids("parent.title = 'hello'"), "p2");
    EXPECT_EQ(ids("parent.parent.parent.title = 'hello'"), "p4");
    EXPECT_EQ(ids("parent.parent.parent.parent.parent.parent.id != ''"), "");
    EXPECT_EQ(statusOf([&] { ids("parent.parent.parent.parent.parent.parent.parent.title = 'x'"); }), 400);
    auto f = compileFilter("author.id = 'u1'", C("posts"), finder, {}, true);
    EXPECT_TRUE(f.joins.empty());  // single relation id short-cut
    EXPECT_EQ(f.where, "`posts`.`author` = ?");
    EXPECT_EQ(ids("author.id = 'u1'"), "p1,p4");
    EXPECT_EQ(ids("comments_via_post.body = 'x'"), "p2");
    EXPECT_EQ(ids("comments_via_post.body ?= 'y'"), "p1");
    EXPECT_EQ(ids("comments_via_post.id != ''"), "p1,p2");
    EXPECT_EQ(ids("@collection.tags.name ?= 'zz'"), "");
    EXPECT_EQ(ids("@collection.tags.name ?= 'c'"), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@collection.tags:x.id ?= tags:each && @collection.tags:x.name ?= 'b'"), "p2,p6");
    EXPECT_EQ(ids("@collection.tags.name = 'b'"), "");  // plain op: every tag must match
    EXPECT_EQ(ids("@collection.comments.post ?= id && @collection.comments.body ?= 'y'"), "p1");
}

TEST_F(FilterCompiler, JsonFields) {
    EXPECT_EQ(ids("data.a.b.1 = 2"), "p1");
    EXPECT_EQ(ids("data.s = 'x'"), "p1");
    EXPECT_EQ(ids("data.s != 'x'"), "p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("data = 5"), "p3");
    EXPECT_EQ(ids("data = 'str'"), "p5");
    EXPECT_EQ(ids("data = ''"), "");  // IS '' does not match NULL
    EXPECT_EQ(ids("data = null"), "p2,p6");
    EXPECT_EQ(ids("loc.lon = 10"), "p2");
    auto f = compileFilter("data.a.0 = 1", C("posts"), finder, {}, true);
    EXPECT_NE(f.where.find("'$.a[0]'"), std::string::npos) << f.where;
    EXPECT_NE(f.where.find(" IS ?"), std::string::npos) << f.where;
}

TEST_F(FilterCompiler, RequestFields) {
    RequestInfo guest;
    EXPECT_EQ(ids("@request.auth.id != ''", guest), "");
    EXPECT_EQ(ids("@request.auth.id = ''", guest), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.auth.name = 'Ann'", guest), "");
    auto u1 = authAs("u1");
    EXPECT_EQ(ids("author = @request.auth.id", u1), "p1,p4");
    EXPECT_EQ(ids("author.id = @request.auth.id && @request.auth.verified = true", u1), "p1,p4");
    EXPECT_EQ(ids("@request.auth.name = 'Ann'", u1), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.auth.secret = 's1'", u1), "p1,p2,p3,p4,p5,p6");  // rules see hidden fields
    EXPECT_EQ(ids("@request.auth.collectionName = 'users' && @request.auth.missing = null", u1), "p1,p2,p3,p4,p5,p6");
    RequestInfo r;
    r.method = "POST";
    r.context = "realtime";
    r.query.set("q", "hello");
    r.headers.set("x_token", "abc");
    r.body.set("title", "hello");
    r.body.set("n", "10");
    r.body.set("tags", json::Array{json::Value("t1"), json::Value("t9")});
    r.body.set("author", "u1");
    r.body.set("nullish", nullptr);
    EXPECT_EQ(ids("@request.method = 'POST' && @request.context = 'realtime'", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("title = @request.query.q", r), "p1");
    EXPECT_EQ(ids("@request.headers.x_token = 'abc'", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.query.missing = true", r), "");
    EXPECT_EQ(ids("@request.body.title:isset = true && @request.body.nullish:isset = true", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.body.flag:isset = true", r), "");
    EXPECT_EQ(ids("n = @request.body.n", r), "p4");  // numeric string for a number field -> float
    EXPECT_EQ(ids("@request.body.title:changed = true", r), "p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.body.title:changed = false", r), "p1");
    EXPECT_EQ(ids("@request.body.flag:changed = true", r), "");
    EXPECT_EQ(statusOf([&] { ids("@request.body.nope:changed = true", r); }), 400);
    EXPECT_EQ(ids("@request.body.tags:length = 2", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.body.tags:each ?= 't9'", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.body.tags:each = 't9'", r), "");
    EXPECT_EQ(ids("@request.body.tags:each ?= tags:each", r), "p1,p2,p4");
    EXPECT_EQ(ids("@request.body.author.name = 'Ann'", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.body.tags.name ?= 'a'", r), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("@request.body.title:lower = 'hello'", r), "p1,p2,p3,p4,p5,p6");
}

// The macros' order holds on every date: in December @monthEnd = @yearEnd, at the last
// millisecond of a day @todayEnd = @now, at midnight of 1 January @yearStart = @now. Checked under
// the real clock and under each edge clock (exact values: clock_test.cpp).
TEST_F(FilterCompiler, MacrosAndFunctions) {
    auto orderHolds = [&] {
        EXPECT_EQ(ids("@yearStart <= @monthStart && @monthStart <= @todayStart && @todayStart <= @now && "
                      "@now <= @todayEnd && @todayEnd <= @monthEnd && @monthEnd <= @yearEnd && "
                      "@monthStart < @monthEnd && @yearStart < @yearEnd && @yesterday < @now && @now < @tomorrow"),
                  "p1,p2,p3,p4,p5,p6");
        EXPECT_EQ(ids("@year > 2000 && @month >= 1 && @month <= 12 && @day >= 1 && @day <= 31 && @weekday >= 0 && "
                      "@weekday <= 6 && @hour >= 0 && @hour < 24 && @minute >= 0 && @minute < 60 && @second >= 0 && "
                      "@second < 60"),
                  "p1,p2,p3,p4,p5,p6");
        EXPECT_EQ(ids("created > '2023-12-31' && created < @now"), "p1");
    };
    orderHolds();
    for (const auto& c : pbtest::kEdgeClocks) {
        SCOPED_TRACE(c.iso);
        pb::timeutil::ScopedClock clock(pbtest::edgeMillis(c));
        orderHolds();
    }
    EXPECT_EQ(ids("strftime('%Y', created) = '2024'"), "p1");
    EXPECT_EQ(ids("strftime('%Y-%m', created, 'start of month') = '2023-05'"), "p2");
    EXPECT_EQ(ids("geoDistance(loc.lon, loc.lat, 0, 1) < 112"), "p1,p3,p4,p5,p6");
    EXPECT_EQ(ids("geoDistance(loc.lon, loc.lat, 10, 10) < 1"), "p2");
    EXPECT_EQ(statusOf([&] { ids("geoDistance(1, 2, 3) < 1"); }), 400);
    EXPECT_EQ(statusOf([&] { ids("strftime(created) = 1"); }), 400);
    EXPECT_EQ(statusOf([&] { ids("nope(1) = 1"); }), 400);
}

TEST_F(FilterCompiler, GeneratedSqlFromReference) {
    // PocketBase tools/search/filter_test.go, case 1
    auto f = compileFilter("title = true || title != 'test' || title ~ 'test1' || title !~ '%test2' || title > 1",
                           C("posts"), finder, {}, true);
    EXPECT_EQ(f.where,
              "(`posts`.`title` = 1 OR `posts`.`title` IS NOT ? OR `posts`.`title` LIKE ? ESCAPE '\\' OR "
              "`posts`.`title` NOT LIKE ? ESCAPE '\\' OR `posts`.`title` > ?)");
    ASSERT_EQ(f.params.size(), 4u);
    EXPECT_EQ(f.params[0].asString(), "test");
    EXPECT_EQ(f.params[1].asString(), "%test1%");
    EXPECT_EQ(f.params[2].asString(), "%test2");
    EXPECT_EQ(f.params[3].asNumber(), 1.0);
    EXPECT_FALSE(f.distinct);
    // PocketBase tools/search/filter_test.go, case 2 (multi relation path): joins, DISTINCT, NOT EXISTS; ?-form has no subquery
    auto m = compileFilter("tags.name > true", C("posts"), finder, {}, true);
    EXPECT_TRUE(m.distinct);
    ASSERT_EQ(m.joins.size(), 2u);
    EXPECT_EQ(m.joins[1], "LEFT JOIN `tags` `posts_tags` ON `posts_tags`.`id` = `__je_posts_tags`.`value`");
    EXPECT_EQ(m.where.rfind("(((`posts_tags`.`name` > 1) AND (NOT EXISTS (SELECT 1 FROM (SELECT `__mm_posts_tags`.`name` "
                            "as `multiMatchValue` FROM `posts` `__mm_posts`",
                            0),
              0u)
        << m.where;
    EXPECT_NE(m.where.find("WHERE NOT (`__sm"), std::string::npos);
    auto a = compileFilter("tags.name ?> true", C("posts"), finder, {}, true);
    EXPECT_EQ(a.where, "`posts_tags`.`name` > 1");
    // PocketBase tools/search/filter_test.go, case 4
    auto au = compileFilter("@request.auth.name > true", C("posts"), finder, authAs("u1"), true);
    ASSERT_EQ(au.joins.size(), 1u);
    EXPECT_EQ(au.joins[0], "LEFT JOIN `users` `__auth_users` ON `__auth_users`.`id` = ?");
    EXPECT_EQ(au.joinParams.at(0).asString(), "u1");
    EXPECT_EQ(au.where, "`__auth_users`.`name` > 1");
    auto q = compileFilter("@request.query.x = true", C("posts"), finder, {}, true);
    EXPECT_EQ(q.where, "'' = 1");
    // resolveEqualExpr test case (PocketBase tools/search/filter.go)
    auto e = compileFilter("'' = null && null != ''", C("posts"), finder, {}, true);
    EXPECT_EQ(e.where, "('' = '' AND '' IS NOT '')");
    auto g = compileFilter("@request.auth.id != ''", C("posts"), finder, {}, true);
    EXPECT_EQ(g.where, "'' IS NOT ''");
    auto c = compileFilter("title = parent", C("posts"), finder, {}, true);
    EXPECT_EQ(c.where, "COALESCE(`posts`.`title`, '') = COALESCE(`posts`.`parent`, '')");
    auto r = compileFilter("title = ''", C("posts"), finder, {}, true);
    EXPECT_EQ(r.where, "((`posts`.`title` = '' OR `posts`.`title` IS NULL))");  // concat re-wraps OR
    auto ch = compileFilter("@request.body.title:changed = false", C("posts"), finder, {}, true);
    EXPECT_NE(ch.where.find(") IS 0"), std::string::npos) << ch.where;
}
