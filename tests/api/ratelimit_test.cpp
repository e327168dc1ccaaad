// Rate limits (settings.rateLimits): the label/tag resolution and the bounded counter store as
// units, and pbRateLimit end to end over real HTTP (429 envelope, superusers and excluded IPs
// skipped, audiences, per-collection tags, disabling).
#include <gtest/gtest.h>

#include "api/activity.hpp"
#include "ratelimit/store.hpp"
#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

Value rule(const std::string& label, int max, int duration = 60, const std::string& audience = "") {
    return Value(Object{{"label", label}, {"audience", audience}, {"duration", duration}, {"maxRequests", max}});
}

Value rateLimits(bool enabled, Array rules, Array excluded = {}) {
    return Value(Object{{"rateLimits", Value(Object{{"enabled", enabled}, {"rules", Value(std::move(rules))},
                                                    {"excludedIPs", Value(std::move(excluded))}})}});
}

Value userBody(const std::string& email) {
    return Value(Object{{"email", email}, {"password", "password123"}, {"passwordConfirm", "password123"}});
}

}  // namespace

TEST(RateLimitTags, FromMethodAndPath) {
    using pb::api::rateLimitTarget;
    auto t = rateLimitTarget("POST", "/api/collections/users/auth-with-password");
    EXPECT_EQ(t.collection, "users");
    EXPECT_EQ(t.tags, (std::vector<std::string>{"authWithPassword", "auth"}));
    EXPECT_EQ(rateLimitTarget("POST", "/api/collections/users/auth-with-otp").tags,
              (std::vector<std::string>{"authWithOTP", "auth"}));
    EXPECT_EQ(rateLimitTarget("POST", "/api/collections/users/auth-with-oauth2").tags,
              (std::vector<std::string>{"authWithOAuth2", "auth"}));
    EXPECT_EQ(rateLimitTarget("GET", "/api/collections/posts/records").tags, std::vector<std::string>{"list"});
    EXPECT_EQ(rateLimitTarget("POST", "/api/collections/posts/records").tags, std::vector<std::string>{"create"});
    EXPECT_EQ(rateLimitTarget("GET", "/api/collections/posts/records/abc").tags, std::vector<std::string>{"view"});
    EXPECT_EQ(rateLimitTarget("PATCH", "/api/collections/posts/records/abc").tags, std::vector<std::string>{"update"});
    EXPECT_EQ(rateLimitTarget("DELETE", "/api/collections/posts/records/abc").tags, std::vector<std::string>{"delete"});
    EXPECT_EQ(rateLimitTarget("GET", "/api/collections/users/auth-methods").tags, std::vector<std::string>{"listAuthMethods"});
    EXPECT_EQ(rateLimitTarget("POST", "/api/collections/users/auth-refresh").tags, std::vector<std::string>{"authRefresh"});
    EXPECT_EQ(rateLimitTarget("POST", "/api/collections/users/request-otp").tags, std::vector<std::string>{"requestOTP"});
    EXPECT_EQ(rateLimitTarget("POST", "/api/collections/users/confirm-email-change").tags,
              std::vector<std::string>{"confirmEmailChange"});
    auto f = rateLimitTarget("GET", "/api/files/posts/rec1/a.png");
    EXPECT_EQ(f.collection, "posts");
    EXPECT_EQ(f.tags, std::vector<std::string>{"file"});
    EXPECT_EQ(rateLimitTarget("GET", "/api/collections/my%20c/records").collection, "my c");
    // non-tagged routes
    EXPECT_TRUE(rateLimitTarget("GET", "/api/health").tags.empty());
    EXPECT_TRUE(rateLimitTarget("GET", "/api/collections/users").tags.empty());
    EXPECT_TRUE(rateLimitTarget("GET", "/api/collections/users/auth-with-password").tags.empty());
    EXPECT_TRUE(rateLimitTarget("PUT", "/api/collections/users/records").collection.empty());
}

TEST(RateLimitRules, LookupOrderPrefixAndAudience) {
    using pb::api::RateLimitRule;
    // Prefix rules are tried in configuration order (PocketBase's FindRateLimitRule).
    std::vector<RateLimitRule> rules = {
        {"/api/collections/posts/", "@auth", 7, 1},
        {"/api/", "", 300, 10},
        {"*:auth", "", 2, 3},
        {"users:auth", "@guest", 5, 3},
        {"POST /api/batch", "", 3, 1},
    };
    auto find = [&](std::vector<std::string> labels, const std::string& aud) {
        auto* r = pb::api::findRateLimitRule(rules, labels, aud);
        return r ? r->label + r->audience : std::string("none");
    };
    std::vector<std::string> authLabels = {"users:authWithPassword", "users:auth", "*:authWithPassword", "*:auth",
                                           "POST /api/collections/users/auth-with-password",
                                           "/api/collections/users/auth-with-password"};
    EXPECT_EQ(find(authLabels, "@guest"), "users:auth@guest");
    EXPECT_EQ(find(authLabels, "@auth"), "*:auth");
    EXPECT_EQ(find({"POST /api/batch", "/api/batch"}, "@guest"), "POST /api/batch");
    EXPECT_EQ(find({"GET /api/batch", "/api/batch"}, "@guest"), "/api/");
    EXPECT_EQ(find({"GET /api/collections/posts/records", "/api/collections/posts/records"}, "@guest"), "/api/");
    EXPECT_EQ(find({"GET /api/collections/posts/records", "/api/collections/posts/records"}, "@auth"),
              "/api/collections/posts/@auth");
    EXPECT_EQ(find({"GET /other", "/other"}, "@guest"), "none");
    // "/api/" also matches the path "/api" itself (label + "/").
    EXPECT_EQ(find({"GET /api", "/api"}, "@guest"), "/api/");
}

TEST(RateLimitStore, FixedWindowAndBoundedMemory) {
    pb::ratelimit::Store st(1000);
    EXPECT_TRUE(st.allow("k", 2, 1000, 0));
    EXPECT_TRUE(st.allow("k", 2, 1000, 10));
    EXPECT_FALSE(st.allow("k", 2, 1000, 20));
    EXPECT_TRUE(st.allow("other", 2, 1000, 20));
    EXPECT_TRUE(st.allow("k", 2, 1000, 1000));  // new window
    EXPECT_EQ(st.cleanup(5000), 2u);
    EXPECT_EQ(st.size(), 0u);
    for (int i = 0; i < 100000; ++i) st.allow("client" + std::to_string(i), 5, 60000, 100);
    EXPECT_LE(st.size(), st.capacity());
    EXPECT_GT(st.size(), 0u);
}

TEST(RateLimit, DisabledByDefault) {
    TestServer s;
    for (int i = 0; i < 10; ++i) ASSERT_EQ(s.get("/api/health").status, 200);
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(s.post("/api/collections/users/auth-with-password",
                         Value(Object{{"identity", "x@example.com"}, {"password", "nopenope"}})).status, 400);
}

TEST(RateLimit, PathRuleExcludedIpsSuperusersAndDisable) {
    TestServer s;
    auto su = s.superuserToken();
    auto p = s.patch("/api/settings", rateLimits(true, {rule("GET /api/health", 3)}), su);
    ASSERT_EQ(p.status, 200) << p.body;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(s.get("/api/health").status, 200) << i;
    auto limited = s.get("/api/health");
    ASSERT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(limited.json()["status"].getNumber(), 429);
    EXPECT_EQ(limited.json()["message"].getString(), "Too Many Requests.");
    EXPECT_TRUE(limited.json()["data"].isObject());
    EXPECT_EQ(limited.json()["data"].size(), 0u);
    // other routes are not covered by the rule
    EXPECT_EQ(s.get("/api/collections/users/auth-methods").status, 200);
    // superusers are never limited
    for (int i = 0; i < 5; ++i) EXPECT_EQ(s.get("/api/health", su).status, 200);
    // excluded IPs are never limited
    ASSERT_EQ(s.patch("/api/settings", rateLimits(true, {rule("GET /api/health", 3)}, {Value("127.0.0.1")}), su).status, 200);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(s.get("/api/health").status, 200);
    // disabled again: no 429
    ASSERT_EQ(s.patch("/api/settings", rateLimits(false, {rule("GET /api/health", 3)}), su).status, 200);
    for (int i = 0; i < 6; ++i) EXPECT_EQ(s.get("/api/health").status, 200);
    EXPECT_EQ(s.get("/api/settings", su).json()["rateLimits"]["enabled"].getBool(true), false);
}

TEST(RateLimit, CollectionTagsCreateAndAuth) {
    TestServer s;
    auto su = s.superuserToken();
    ASSERT_EQ(s.patch("/api/settings", rateLimits(true, {rule("users:create", 2), rule("*:auth", 2)}), su).status, 200);
    EXPECT_EQ(s.post("/api/collections/users/records", userBody("rl1@example.com")).status, 200);
    EXPECT_EQ(s.post("/api/collections/users/records", userBody("rl2@example.com")).status, 200);
    EXPECT_EQ(s.post("/api/collections/users/records", userBody("rl3@example.com")).status, 429);
    // listing is not "create"
    EXPECT_EQ(s.get("/api/collections/users/records").status, 200);
    Value bad(Object{{"identity", "rl1@example.com"}, {"password", "wrong-password"}});
    EXPECT_EQ(s.post("/api/collections/users/auth-with-password", bad).status, 400);
    EXPECT_EQ(s.post("/api/collections/users/auth-with-password", bad).status, 400);
    EXPECT_EQ(s.post("/api/collections/users/auth-with-password", bad).status, 429);
    Value good(Object{{"identity", "rl1@example.com"}, {"password", "password123"}});
    EXPECT_EQ(s.post("/api/collections/users/auth-with-password", good).status, 429);
}

TEST(RateLimit, AudiencesAndPerAuthRecord) {
    TestServer s;
    auto su = s.superuserToken();
    auto u1 = s.createUser("aud1@example.com", "password123");
    auto u2 = s.createUser("aud2@example.com", "password123");
    ASSERT_EQ(s.patch("/api/settings",
                      rateLimits(true, {rule("GET /api/health", 1, 60, "@guest"), rule("/api/", 2, 60, "@auth")}), su)
                  .status,
              200);
    // guest: only the @guest rule applies
    EXPECT_EQ(s.get("/api/health").status, 200);
    EXPECT_EQ(s.get("/api/health").status, 429);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(s.get("/api/collections/users/records").status, 200);
    // auth: the @auth prefix rule, counted per auth record (collection routes count separately,
    // per collection and action, like PocketBase's limiter ids)
    EXPECT_EQ(s.get("/api/health", u1).status, 200);
    EXPECT_EQ(s.get("/api/health", u1).status, 200);
    EXPECT_EQ(s.get("/api/health", u1).status, 429);
    EXPECT_EQ(s.get("/api/health", u2).status, 200);
    EXPECT_EQ(s.get("/api/collections/users/records", u1).status, 200);
}

// Issue 13, 2.7: the router decodes "/%61pi/health" to "/api/health"; the rule labels must see
// the same decoded path, or percent-encoding any letter walks around every path rule.
TEST(RateLimit, PercentEncodedPathsHitTheSameRules) {
    TestServer s;
    auto su = s.superuserToken();
    ASSERT_EQ(s.patch("/api/settings", rateLimits(true, {rule("POST /api/batch", 1), rule("/api/", 2)}), su).status, 200);
    // The encoded path reaches the route (same answer as the plain one) and counts for "/api/".
    EXPECT_EQ(s.get("/%61pi/health").status, 200);
    EXPECT_EQ(s.get("/api/h%65alth").status, 200);
    auto limited = s.get("/%61pi/%68ealth");
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_EQ(s.get("/api/health").status, 429);
    // An exact "METHOD path" rule too: the first batch call is let through (and refused by the
    // disabled batch API), the second is limited whatever its spelling.
    EXPECT_EQ(s.post("/api/b%61tch", Value(Object{{"requests", Value(Array{})}})).status, 403);
    EXPECT_EQ(s.post("/%61pi/batch", Value(Object{{"requests", Value(Array{})}})).status, 429);
}
