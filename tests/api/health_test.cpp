#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pbtest::TestServer;

TEST(ApiHealth, ReturnsHealthyEnvelope) {
    TestServer s;
    auto r = s.get("/api/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_EQ(r.body, "{\"message\":\"API is healthy.\",\"code\":200,\"data\":{}}\n");
    EXPECT_EQ(r.headers["x-frame-options"], "SAMEORIGIN");
    EXPECT_EQ(r.headers.count("connection") ? r.headers["connection"] : "", "");
}

TEST(ApiHealth, UnknownRouteIs404Envelope) {
    TestServer s;
    auto r = s.get("/api/nope");
    EXPECT_EQ(r.status, 404);
    auto j = r.json();
    EXPECT_EQ(j["status"].getNumber(), 404);
    EXPECT_EQ(j["message"].getString(), "The requested resource wasn't found.");
    EXPECT_TRUE(j["data"].isObject());
}

TEST(ApiHealth, CorsPreflight) {
    TestServer s;
    auto r = s.request("OPTIONS", "/api/collections/users/records", "",
                       {{"Origin", "http://example.com"}, {"Access-Control-Request-Method", "POST"},
                        {"Access-Control-Request-Headers", "content-type,authorization"}});
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
    EXPECT_EQ(r.headers["access-control-allow-methods"], "GET,HEAD,PUT,PATCH,POST,DELETE");
    EXPECT_EQ(r.headers["access-control-allow-headers"], "content-type,authorization");
}
