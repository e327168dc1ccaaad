// Tests for the router (core/router): patterns, groups, middleware order, unbind, clashes,
// HEAD, and changes while other threads dispatch.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "router/event.hpp"
#include "router/pattern.hpp"
#include "router/router.hpp"

using pb::router::Pattern;
using pb::router::Router;

namespace {

struct Ev : pb::router::RequestEventBase {
    using RequestEventBase::RequestEventBase;
    std::vector<std::string> log;
};
using H = pb::hook::Handler<Ev>;
using Log = std::vector<std::string>;

H mw(std::string id, int priority, std::string name = "") {
    if (name.empty()) name = id;
    return H{std::move(id), priority, [name](Ev& e) {
                 e.log.push_back(name);
                 e.next();
             },
             {}};
}

std::function<void(Ev&)> action(std::string name) {
    return [name](Ev& e) {
        e.log.push_back(name);
        e.written = true;
    };
}

// Dispatches one request; returns the log ("404" appended when no route matched).
struct Result {
    bool matched = false;
    Log log;
    std::vector<std::pair<std::string, std::string>> params;
};

Result run(const Router<Ev>& r, const std::string& method, const std::string& path) {
    pb::http::Request req;
    req.method = method;
    req.path = path;
    pb::http::Response res;
    Ev e(req, res);
    Result out;
    out.matched = r.dispatch(e, [](Ev& ev) { ev.log.push_back("404"); });
    out.log = e.log;
    out.params = e.pathParams;
    return out;
}

bool matches(const std::string& pattern, const std::string& path,
             std::vector<std::pair<std::string, std::string>>* params = nullptr) {
    std::vector<std::pair<std::string, std::string>> p;
    bool ok = Pattern::parse(pattern).match(path, p);
    if (params) *params = p;
    return ok;
}

using Params = std::vector<std::pair<std::string, std::string>>;

}  // namespace

// ---------------------------------------------------------------- patterns

TEST(RouterPattern, NamedParamMatchesExactlyOneSegment) {
    Params p;
    EXPECT_TRUE(matches("/users/{id}", "/users/abc", &p));
    EXPECT_EQ(p, (Params{{"id", "abc"}}));
    EXPECT_FALSE(matches("/users/{id}", "/users"));
    EXPECT_FALSE(matches("/users/{id}", "/users/"));
    EXPECT_FALSE(matches("/users/{id}", "/users/a/b"));
    EXPECT_TRUE(matches("/c/{collection}/records/{id}", "/c/posts/records/r1", &p));
    EXPECT_EQ(p, (Params{{"collection", "posts"}, {"id", "r1"}}));
}

TEST(RouterPattern, LiteralsAreExact) {
    EXPECT_TRUE(matches("/api/health", "/api/health"));
    EXPECT_FALSE(matches("/api/health", "/api/healthz"));
    EXPECT_FALSE(matches("/api/health", "/api/health/"));
    EXPECT_FALSE(matches("/api/health", "/api"));
    EXPECT_FALSE(matches("/api/health", "api/health"));
}

TEST(RouterPattern, RestParamTakesTheRemainder) {
    Params p;
    EXPECT_TRUE(matches("/static/{path...}", "/static/css/site.css", &p));
    EXPECT_EQ(p, (Params{{"path", "css/site.css"}}));
    EXPECT_TRUE(matches("/static/{path...}", "/static/", &p));
    EXPECT_EQ(p, (Params{{"path", ""}}));
    EXPECT_TRUE(matches("/{path...}", "/a/b/c", &p));
    EXPECT_EQ(p, (Params{{"path", "a/b/c"}}));
    EXPECT_FALSE(matches("/static/{path...}", "/other/x"));
}

TEST(RouterPattern, TrailingSlashIsAPrefixMatch) {
    EXPECT_TRUE(matches("/api/", "/api/"));
    EXPECT_TRUE(matches("/api/", "/api/anything/below"));
    EXPECT_FALSE(matches("/api/", "/api"));
    EXPECT_FALSE(matches("/api/", "/apix/y"));
    EXPECT_TRUE(matches("/", "/"));
    EXPECT_TRUE(matches("/", "/whatever/deep"));
}

TEST(RouterPattern, ParamsArePercentDecodedAfterSplitting) {
    Params p;
    EXPECT_TRUE(matches("/files/{name}", "/files/a%2Fb%20c", &p));
    EXPECT_EQ(p, (Params{{"name", "a/b c"}}));  // %2F stays inside the segment
    EXPECT_TRUE(matches("/files/{name}", "/files/a+b", &p));
    EXPECT_EQ(p, (Params{{"name", "a+b"}}));  // '+' is not a space in paths
    EXPECT_TRUE(matches("/s/{rest...}", "/s/x%20y/%C3%A9", &p));
    EXPECT_EQ(p, (Params{{"rest", "x y/\xC3\xA9"}}));
    EXPECT_TRUE(matches("/caf\xC3\xA9", "/caf%C3%A9"));  // literals compare decoded
}

TEST(RouterPattern, MalformedPatternsThrow) {
    EXPECT_THROW(Pattern::parse("no/slash"), std::invalid_argument);
    EXPECT_THROW(Pattern::parse(""), std::invalid_argument);
    EXPECT_THROW(Pattern::parse("/a//b"), std::invalid_argument);
    EXPECT_THROW(Pattern::parse("/{rest...}/b"), std::invalid_argument);
    EXPECT_THROW(Pattern::parse("/{}"), std::invalid_argument);
    EXPECT_THROW(Pattern::parse("/a{b}"), std::invalid_argument);
}

TEST(RouterPattern, JoinPath) {
    EXPECT_EQ(pb::router::joinPath("/api", "/x"), "/api/x");
    EXPECT_EQ(pb::router::joinPath("/api/", "x"), "/api/x");
    EXPECT_EQ(pb::router::joinPath("/api", ""), "/api");
    EXPECT_EQ(pb::router::joinPath("", ""), "/");
}

// ---------------------------------------------------------------- dispatch

TEST(RouterDispatch, MoreSpecificRouteWins) {
    Router<Ev> r;
    r.get("/{path...}", action("rest"));
    r.get("/a/{x}", action("param"));
    r.get("/a/b", action("literal"));
    EXPECT_EQ(run(r, "GET", "/a/b").log, Log{"literal"});
    EXPECT_EQ(run(r, "GET", "/a/c").log, Log{"param"});
    EXPECT_EQ(run(r, "GET", "/zzz/q").log, Log{"rest"});
}

TEST(RouterDispatch, MethodMustMatchAndAnyMatchesAll) {
    Router<Ev> r;
    r.post("/p", action("post"));
    r.any("/any", action("any"));
    EXPECT_EQ(run(r, "POST", "/p").log, Log{"post"});
    auto miss = run(r, "GET", "/p");
    EXPECT_FALSE(miss.matched);
    EXPECT_EQ(miss.log, Log{"404"});
    for (auto m : {"GET", "POST", "DELETE", "PATCH", "OPTIONS"}) EXPECT_EQ(run(r, m, "/any").log, Log{"any"}) << m;
}

TEST(RouterDispatch, HeadMatchesGet) {
    Router<Ev> r;
    r.get("/g", action("get"));
    auto res = run(r, "HEAD", "/g");
    EXPECT_TRUE(res.matched);
    EXPECT_EQ(res.log, Log{"get"});
    r.post("/p", action("post"));
    EXPECT_FALSE(run(r, "HEAD", "/p").matched);
}

TEST(RouterDispatch, PathParamsReachTheEvent) {
    Router<Ev> r;
    std::string seen;
    r.get("/hello/{name}", [&](Ev& e) {
        seen = e.pathValue("name");
        e.written = true;
    });
    auto res = run(r, "GET", "/hello/J%C3%BCrgen");
    EXPECT_EQ(seen, "J\xC3\xBCrgen");
    EXPECT_EQ(res.params, (Params{{"name", "J\xC3\xBCrgen"}}));
}

TEST(RouterDispatch, UnmatchedRunsOnlyRootMiddlewaresThenNotFound) {
    Router<Ev> r;
    r.bind(mw("root", 0));
    auto& g = r.group("/api");
    g.bind(mw("group", 0));
    g.get("/x", action("x"));
    auto res = run(r, "GET", "/api/nope");
    EXPECT_FALSE(res.matched);
    EXPECT_EQ(res.log, (Log{"root", "404"}));
}

TEST(RouterDispatch, NestedGroupsPrefixRoutes) {
    Router<Ev> r;
    auto& api = r.group("/api");
    auto& v1 = api.group("v1");
    v1.get("/items/{id}", action("item"));
    api.get("/", action("api-root"));
    EXPECT_EQ(v1.prefix(), "/api/v1");
    auto res = run(r, "GET", "/api/v1/items/7");
    EXPECT_EQ(res.log, Log{"item"});
    EXPECT_EQ(res.params, (Params{{"id", "7"}}));
    EXPECT_EQ(run(r, "GET", "/api/").log, Log{"api-root"});
    EXPECT_EQ(run(r, "GET", "/api/other").log, Log{"api-root"});  // "/api/" is a prefix route
}

// ---------------------------------------------------------------- middlewares

TEST(RouterMiddleware, GroupThenRouteOrderWithEqualPriorities) {
    Router<Ev> r;
    r.bind(mw("root", 0));
    auto& g = r.group("/g");
    g.bind(mw("group", 0));
    auto& sub = g.group("/s");
    sub.bind(mw("sub", 0));
    sub.get("/x", action("action"), {mw("route", 0)});
    EXPECT_EQ(run(r, "GET", "/g/s/x").log, (Log{"root", "group", "sub", "route", "action"}));
}

TEST(RouterMiddleware, PrioritySortsAcrossLevelsAndTiesKeepRegistrationOrder) {
    Router<Ev> r;
    r.bind(mw("root-late", 10));
    r.bind(mw("root-a", 0));
    auto& g = r.group("/g");
    g.bind(mw("group-first", -5));
    g.bind(mw("group-b", 0));
    g.get("/x", action("action"), {mw("route-early", -10), mw("route-c", 0)});
    EXPECT_EQ(run(r, "GET", "/g/x").log,
              (Log{"route-early", "group-first", "root-a", "group-b", "route-c", "root-late", "action"}));
}

TEST(RouterMiddleware, BindingAnExistingIdReplacesIt) {
    Router<Ev> r;
    r.bind(mw("m", 0, "old"));
    r.bind(mw("other", 0));
    r.bind(mw("m", 0, "new"));
    r.get("/x", action("action"));
    EXPECT_EQ(run(r, "GET", "/x").log, (Log{"new", "other", "action"}));
}

TEST(RouterMiddleware, MiddlewareNotCallingNextStopsTheChain) {
    Router<Ev> r;
    r.bind(H{"guard", 0, [](Ev& e) { e.log.push_back("guard"); }, {}});
    r.get("/x", action("action"), {mw("route", 0)});
    EXPECT_EQ(run(r, "GET", "/x").log, Log{"guard"});
}

TEST(RouterMiddleware, ErrorsPropagateOutOfDispatch) {
    Router<Ev> r;
    r.get("/x", [](Ev&) { throw std::runtime_error("boom"); });
    pb::http::Request req;
    req.method = "GET";
    req.path = "/x";
    pb::http::Response res;
    Ev e(req, res);
    EXPECT_THROW(r.dispatch(e, {}), std::runtime_error);
}

TEST(RouterMiddleware, UnbindRemovesHereAndExcludesInDescendants) {
    Router<Ev> r;
    r.bind(mw("auth", 0));
    r.bind(mw("log", 0));
    auto& g = r.group("/g");
    auto& sub = g.group("/sub");
    g.get("/a", action("a"));
    sub.get("/b", action("b"), {mw("auth", 1, "route-auth")});
    r.get("/top", action("top"));

    g.unbind("auth");  // the root's "auth" no longer runs under /g (also /g/sub)
    EXPECT_EQ(run(r, "GET", "/top").log, (Log{"auth", "log", "top"}));
    EXPECT_EQ(run(r, "GET", "/g/a").log, (Log{"log", "a"}));
    EXPECT_EQ(run(r, "GET", "/g/sub/b").log, (Log{"log", "b"}));  // route-level "auth" excluded too

    r.unbind("log");
    EXPECT_EQ(run(r, "GET", "/top").log, (Log{"auth", "top"}));
    EXPECT_EQ(run(r, "GET", "/g/a").log, Log{"a"});
    EXPECT_EQ(run(r, "GET", "/nowhere").log, (Log{"auth", "404"}));
}

// ---------------------------------------------------------------- clashes and removal

TEST(RouterRoutes, ClashIsReported) {
    Router<Ev> r;
    r.get("/a/{x}", action("1"));
    EXPECT_THROW(r.get("/a/{y}", action("2")), std::invalid_argument);
    auto& g = r.group("/a");
    EXPECT_THROW(g.get("/{z}", action("3")), std::invalid_argument);  // same route through a group
    EXPECT_NO_THROW(r.post("/a/{x}", action("4")));                   // another method
    EXPECT_NO_THROW(r.get("/a/b", action("5")));                      // literal is another shape
    EXPECT_NO_THROW(r.get("/a/{x}/", action("6")));                   // prefix is another shape
    EXPECT_THROW(r.get("/a/{x}/", action("7")), std::invalid_argument);
    EXPECT_EQ(run(r, "GET", "/a/q").log, Log{"1"});
}

TEST(RouterRoutes, RemoveRouteById) {
    Router<Ev> r;
    auto& g = r.group("/g");
    auto id = g.get("/x", action("x"));
    EXPECT_EQ(run(r, "GET", "/g/x").log, Log{"x"});
    EXPECT_TRUE(r.removeRoute(id));
    EXPECT_FALSE(run(r, "GET", "/g/x").matched);
    EXPECT_FALSE(r.removeRoute(id));
    EXPECT_NO_THROW(g.get("/x", action("x2")));  // no clash after removal
    EXPECT_EQ(run(r, "GET", "/g/x").log, Log{"x2"});
}

// ---------------------------------------------------------------- concurrency

// Routes and middlewares change while other threads dispatch: every dispatch sees a consistent
// table (run this under -fsanitize=thread as well; see docs/framework.md).
TEST(RouterConcurrency, AddRemoveWhileDispatching) {
    Router<Ev> r;
    r.get("/stable", action("stable"));
    auto& g = r.group("/dyn");
    std::atomic<bool> stop{false};
    std::atomic<long> dispatched{0}, bad{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            while (!stop.load()) {
                auto res = run(r, "GET", "/stable");
                if (res.log.empty() || res.log.back() != "stable") ++bad;
                auto d = run(r, "GET", "/dyn/r1");
                if (d.matched && d.log.back() != "r1") ++bad;
                ++dispatched;
            }
        });
    }
    for (int i = 0; i < 300; ++i) {
        auto id = g.get("/r1", action("r1"));
        g.bind(mw("m" + std::to_string(i % 3), i % 5));
        if (i % 2) g.unbind("m" + std::to_string(i % 3));
        r.bind(mw("root", 0));
        EXPECT_TRUE(r.removeRoute(id));
        if (i % 7 == 0) r.unbind("root");
    }
    // Let readers run a little against the final table.
    while (dispatched.load() < 1000) std::this_thread::yield();
    stop = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_FALSE(run(r, "GET", "/dyn/r1").matched);
}
