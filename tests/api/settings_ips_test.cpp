// settings.superuserIPs over real HTTP (PocketBase's pbSuperuserIPsWhitelist middleware and the
// auth response check): superuser requests and superuser sign-ins from outside the list get 403,
// IPs and CIDR subnets match, the client IP follows settings.trustedProxy, and the entries are
// validated on PATCH. Unit checks of the IP/subnet matcher.
#include <gtest/gtest.h>

#include "support/test_server.hpp"
#include "util/ip.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

Value superuserIPs(Array ips) { return Value(Object{{"superuserIPs", Value(std::move(ips))}}); }

pbtest::HttpResponse superuserLogin(TestServer& s) {
    return s.post("/api/collections/_superusers/auth-with-password",
                  Value(Object{{"identity", "admin@example.com"}, {"password", "Passw0rd!123"}}));
}

}  // namespace

TEST(IpList, AddressesAndSubnets) {
    using pb::ip::inList;
    EXPECT_TRUE(pb::ip::isAddr("127.0.0.1"));
    EXPECT_TRUE(pb::ip::isAddr("::1"));
    EXPECT_FALSE(pb::ip::isAddr("10.0.0.0/8"));
    EXPECT_FALSE(pb::ip::isAddr("localhost"));
    EXPECT_TRUE(pb::ip::isPrefix("10.0.0.0/8"));
    EXPECT_TRUE(pb::ip::isPrefix("2001:db8::/32"));
    EXPECT_FALSE(pb::ip::isPrefix("10.0.0.0/33"));
    EXPECT_FALSE(pb::ip::isPrefix("10.0.0.0/"));
    EXPECT_FALSE(pb::ip::isPrefix("10.0.0.0/a"));
    EXPECT_FALSE(pb::ip::isAddrOrPrefix("1.2.3"));
    EXPECT_TRUE(inList({"10.1.2.3"}, "10.1.2.3"));
    EXPECT_FALSE(inList({"10.1.2.3"}, "10.1.2.4"));
    EXPECT_TRUE(inList({"10.0.0.0/8"}, "10.200.0.1"));
    EXPECT_FALSE(inList({"10.0.0.0/8"}, "11.0.0.1"));
    EXPECT_TRUE(inList({"192.168.1.0/23"}, "192.168.0.7"));
    EXPECT_FALSE(inList({"192.168.1.0/24"}, "192.168.0.7"));
    EXPECT_TRUE(inList({"127.0.0.1"}, "::ffff:127.0.0.1"));
    EXPECT_TRUE(inList({"0.0.0.0/0"}, "8.8.8.8"));
    EXPECT_FALSE(inList({"0.0.0.0/0"}, "::1"));
    EXPECT_TRUE(inList({"::1"}, "::1"));
    EXPECT_FALSE(inList({"garbage", ""}, "127.0.0.1"));
    EXPECT_FALSE(inList({"127.0.0.1"}, "not-an-ip"));
}

TEST(ApiSettingsIPs, NotWhitelistedSuperuserIsForbidden) {
    TestServer s;
    auto su = s.superuserToken();
    std::string userId;
    auto user = s.createUser("ips@example.com", "password123", &userId);
    auto r = s.patch("/api/settings", superuserIPs({"10.1.2.3"}), su);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.json()["superuserIPs"].size(), 1u);

    // Every superuser request from 127.0.0.1 is refused, whatever the route.
    auto g = s.get("/api/settings", su);
    EXPECT_EQ(g.status, 403) << g.body;
    EXPECT_EQ(g.json()["message"].getString(), "You are not allowed to perform this request.");
    EXPECT_EQ(g.json()["data"].size(), 0u);
    EXPECT_EQ(s.get("/api/collections", su).status, 403);
    EXPECT_EQ(s.get("/api/collections/users/records", su).status, 403);
    EXPECT_EQ(s.get("/api/health", su).status, 403);
    // A superuser cannot sign in from here either.
    auto login = superuserLogin(s);
    EXPECT_EQ(login.status, 403) << login.body;
    EXPECT_FALSE(login.json().has("token"));
    // Guests and other auth records are not affected.
    EXPECT_EQ(s.get("/api/health").status, 200);
    EXPECT_EQ(s.get("/api/collections/users/records/" + userId, user).status, 200);
    auto userLogin = s.post("/api/collections/users/auth-with-password",
                            Value(Object{{"identity", "ips@example.com"}, {"password", "password123"}}));
    EXPECT_EQ(userLogin.status, 200) << userLogin.body;
}

TEST(ApiSettingsIPs, WhitelistedAddressOrSubnetKeepsAccess) {
    TestServer s;
    auto su = s.superuserToken();
    ASSERT_EQ(s.patch("/api/settings", superuserIPs({"10.1.2.3", "127.0.0.1"}), su).status, 200);
    EXPECT_EQ(s.get("/api/settings", su).status, 200);
    EXPECT_EQ(superuserLogin(s).status, 200);
    ASSERT_EQ(s.patch("/api/settings", superuserIPs({"127.0.0.0/8"}), su).status, 200);
    EXPECT_EQ(s.get("/api/collections", su).status, 200);
    // Clearing the list lifts the restriction.
    auto cleared = s.patch("/api/settings", superuserIPs({}), su);
    ASSERT_EQ(cleared.status, 200);
    EXPECT_EQ(cleared.json()["superuserIPs"].size(), 0u);
    EXPECT_TRUE(cleared.json()["superuserIPs"].isArray());
}

TEST(ApiSettingsIPs, ClientIpFollowsTrustedProxy) {
    TestServer s;
    auto su = s.superuserToken();
    Value patch(Object{{"superuserIPs", Value(Array{"127.0.0.1"})},
                       {"trustedProxy", Value(Object{{"headers", Value(Array{"X-Real-IP"})}})}});
    ASSERT_EQ(s.patch("/api/settings", patch, su).status, 200);
    EXPECT_EQ(s.get("/api/settings", su).status, 200);  // no header: the socket address
    auto viaProxy = s.request("GET", "/api/settings", "", {{"Authorization", su}, {"X-Real-IP", "203.0.113.9"}});
    EXPECT_EQ(viaProxy.status, 403) << viaProxy.body;
    auto allowed = s.request("GET", "/api/settings", "", {{"Authorization", su}, {"X-Real-IP", "127.0.0.1"}});
    EXPECT_EQ(allowed.status, 200);
}

TEST(ApiSettingsIPs, EntriesMustBeAddressesOrSubnets) {
    TestServer s;
    auto su = s.superuserToken();
    auto r = s.patch("/api/settings", superuserIPs({"127.0.0.1", "nope", "10.0.0.0/33"}), su);
    ASSERT_EQ(r.status, 400) << r.body;
    auto d = r.json()["data"]["superuserIPs"];
    EXPECT_FALSE(d.has("0"));
    EXPECT_EQ(d["1"]["code"].getString(), "validation_invlaid_ip_or_subnet");  // PocketBase's spelling
    EXPECT_EQ(d["1"]["message"].getString(), "Invalid IP or CIDR subnet.");
    EXPECT_EQ(d["2"]["code"].getString(), "validation_invlaid_ip_or_subnet");
    auto ex = s.patch("/api/settings", Value(Object{{"rateLimits", Value(Object{{"excludedIPs", Value(Array{"x.y"})}})}}), su);
    ASSERT_EQ(ex.status, 400) << ex.body;
    EXPECT_EQ(ex.json()["data"]["rateLimits"]["excludedIPs"]["0"]["code"].getString(), "validation_invlaid_ip_or_subnet");
    // Nothing was saved: the superuser still has access.
    auto g = s.get("/api/settings", su);
    ASSERT_EQ(g.status, 200);
    EXPECT_EQ(g.json()["superuserIPs"].size(), 0u);
}
