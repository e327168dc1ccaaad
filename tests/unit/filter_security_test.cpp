// Access control and injection resistance of the filter/sort compiler (PocketBase's list rules and hidden-field checks, core/record_field_resolver.go).
#include "filter_test_db.hpp"

using namespace filtertest;

using FilterSecurity = FilterDb;

TEST_F(FilterSecurity, LiteralsAreAlwaysBound) {
    const char* evil[] = {"x' OR 1=1 --", "'; DROP TABLE posts; --", "a`b", "/* c */", "\\' OR ''='", "%' OR '%'='"};
    for (const char* e : evil) {
        for (const char* q : {"'", "\""}) {
            std::string lit = e;
            std::string esc;
            for (char c : lit) {
                if (c == q[0]) esc.push_back('\\');
                esc.push_back(c);
            }
            std::string f = std::string("title = ") + q + esc + q + " || title ~ " + q + esc + q;
            auto c = compileFilter(f, C("posts"), finder, {}, false);
            EXPECT_EQ(c.where.find("DROP"), std::string::npos) << c.where;
            EXPECT_EQ(c.where.find("1=1"), std::string::npos) << c.where;
            EXPECT_EQ(c.where.find("/*"), std::string::npos) << c.where;
            EXPECT_EQ(ids(f, {}, false), "") << f;
        }
    }
    EXPECT_EQ(query("SELECT count(*) FROM posts", {}).at(0), "6");
}

TEST_F(FilterSecurity, RequestValuesAreBound) {
    RequestInfo r;
    r.query.set("q", "' OR 1=1 --");
    r.headers.set("x_evil", "`); DROP TABLE posts; --");
    r.body.set("title", "\" OR \"\"=\"");
    auto c = compileFilter("title = @request.query.q || title = @request.headers.x_evil || title = @request.body.title",
                           C("posts"), finder, r, true);
    EXPECT_EQ(c.where.find("DROP"), std::string::npos);
    EXPECT_EQ(c.where.find("1=1"), std::string::npos);
    EXPECT_EQ(ids("title = @request.query.q || title = @request.headers.x_evil || title = @request.body.title", r), "");
    auto a = authAs("u1' OR '1'='1");
    EXPECT_EQ(ids("@request.auth.name = 'Ann'", a), "");  // the auth id is bound in the join
}

TEST_F(FilterSecurity, MalformedIdentifiersAndSyntaxAre400) {
    for (const char* f : {"`title` = 1", "title; DROP TABLE posts = 1", "title -- = 1", "title /* = 1", "ti\"tle = 1",
                          "title = 1; --", "unknown = 1", "title:bogus = 1", "posts.title = 1", "data.a'b = 1",
                          "title = {:p}", "title\r= 1", "#x = 1", "@collection.nope.id = 1", "tags.nope ?= 1",
                          "title.name = 1", "x_via_y.id = 1", "comments_via_body.id = 1"}) {
        EXPECT_EQ(statusOf([&] { compileFilter(f, C("posts"), finder, {}, true); }), 400) << f;
    }
    EXPECT_EQ(query("SELECT count(*) FROM posts", {}).at(0), "6");
}

TEST_F(FilterSecurity, LimitsAre400NotCrashes) {
    std::string deep = std::string(10000, '(') + "title = 1" + std::string(10000, ')');
    EXPECT_EQ(statusOf([&] { compileFilter(deep, C("posts"), finder, {}, true); }), 400);
    std::string many = "n = 1";
    for (int i = 0; i < 200; ++i) many += " || n = 1";  // 201 comparisons
    EXPECT_EQ(statusOf([&] { compileFilter(many, C("posts"), finder, {}, true); }), 400);
    std::string ok = "n = 1";
    for (int i = 0; i < 199; ++i) ok += "||n=1";
    EXPECT_EQ(statusOf([&] { compileFilter(ok, C("posts"), finder, {}, true); }), 0);
    std::string longF = "title = '" + std::string(3500, 'a') + "'";
    EXPECT_EQ(statusOf([&] { compileFilter(longF, C("posts"), finder, {}, true); }), 400);
    try {
        compileFilter("title = ", C("posts"), finder, {}, true);
        FAIL();
    } catch (const ApiError& e) {
        EXPECT_EQ(e.message(), "Something went wrong while processing your request.");
    }
}

TEST_F(FilterSecurity, QuoteIdentDoublesBackticks) {
    EXPECT_EQ(quoteIdent("a`b"), "`a``b`");
    EXPECT_EQ(col("t", "x`; DROP"), "`t`.`x``; DROP`");
    EXPECT_EQ(columnify("a'b\"c;-- d"), "abc--d");
}

TEST_F(FilterSecurity, SuperuserOnlyPrefixesAre403) {
    RequestInfo guest;
    auto u1 = authAs("u1");
    for (const char* f : {"@request.auth.id != ''", "@collection.tags.name ?= 'a'", "title = @request.query.x"}) {
        EXPECT_EQ(statusOf([&] { compileFilter(f, C("posts"), finder, guest, false); }), 403) << f;
        EXPECT_EQ(statusOf([&] { compileFilter(f, C("posts"), finder, u1, false); }), 403) << f;
    }
    try {
        compileFilter("@request.auth.id != ''", C("posts"), finder, guest, false);
    } catch (const ApiError& e) {
        EXPECT_EQ(e.message(), "Only superusers can filter by @request.");
    }
    auto su = authAs("s1", "_superusers");
    EXPECT_TRUE(su.isSuperuser());
    EXPECT_EQ(ids("@collection.tags.name ?= 'a'", su, true), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(statusOf([&] { compileSort("@request.auth.id", C("posts"), finder, guest, false); }), 403);
}

TEST_F(FilterSecurity, HiddenFieldsAndEmailVisibility) {
    EXPECT_EQ(statusOf([&] { compileFilter("author.secret = 's1'", C("posts"), finder, {}, false); }), 400);
    EXPECT_EQ(statusOf([&] { compileFilter("password != ''", C("users"), finder, {}, false); }), 400);
    EXPECT_EQ(statusOf([&] { compileSort("author.secret", C("posts"), finder, {}, false); }), 400);
    EXPECT_EQ(ids("author.secret = 's1'", {}, true), "p1,p4");
    // email of an auth collection requires emailVisibility for non-superusers
    EXPECT_EQ(ids("author.email = 'u2@x.com'", {}, false), "");
    EXPECT_EQ(ids("author.email = 'u2@x.com'", {}, true), "p2");
    EXPECT_EQ(ids("author.email = 'u1@x.com'", {}, false), "p1,p4");
    EXPECT_EQ(ids("email ~ 'x.com'", {}, false, "users"), "u1");
}

TEST_F(FilterSecurity, JoinedCollectionListRules) {
    // comments has a NULL listRule: non-superusers cannot filter through it
    EXPECT_EQ(statusOf([&] { compileFilter("comments_via_post.body ?= 'x'", C("posts"), finder, {}, false); }), 400);
    EXPECT_EQ(ids("comments_via_post.body ?= 'x'", {}, true), "p1,p2");
    // a non-empty listRule of the joined collection is ANDed in
    auto tags = std::make_shared<schema::Collection>(C("tags"));
    tags->listRule = "name != 'c'";
    colls["tags"] = tags;
    EXPECT_EQ(ids("tags.name ?!= 'zz'", {}, true), "p1,p2,p3,p4,p5,p6");
    EXPECT_EQ(ids("tags.name ?!= 'zz'", {}, false), "p1,p2,p3,p4,p6");
    auto c = compileFilter("tags.name ?!= 'zz'", C("posts"), finder, {}, false);
    EXPECT_NE(c.where.find("((`posts_tags`.`id` = '' OR `posts_tags`.`id` IS NULL) OR ("), std::string::npos) << c.where;
}
