// OAuth2 building blocks without the network: PKCE, the authorization URL, provider config and
// the SSRF guard's address classification.
#include <gtest/gtest.h>

#include "auth/oauth2.hpp"
#include "net/http_client.hpp"

using pb::json::Object;
using pb::json::Value;

TEST(OAuth2, PkceS256IsBase64UrlOfSha256) {
    // Expected value from: printf %s VERIFIER | openssl dgst -sha256 -binary | basenc --base64url
    EXPECT_EQ(pb::oauth2::s256Challenge("dBjftJeZ4CVP-mJ92K9TAUzVAqEiuSm2Zr1s_eR0gcQ"),
              "7SKRZDrSEnmzt_JZ1cnqPROwlOq2yTZnw_wFqML9o1U");
}

TEST(OAuth2, AuthUrlIsSortedAndEscapedLikeGo) {
    auto p = pb::oauth2::initProvider(Value(Object{{"name", "google"}, {"clientId", "id 1"}}));
    ASSERT_TRUE(p);
    std::string url = pb::oauth2::buildAuthURL(*p, "st", {{"code_challenge", "abc"}, {"code_challenge_method", "S256"}});
    EXPECT_EQ(url,
              "https://accounts.google.com/o/oauth2/v2/auth?client_id=id+1&code_challenge=abc&code_challenge_method=S256"
              "&response_type=code&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.profile+"
              "https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.email&state=st");
    // An auth URL that already has a query gets '&'.
    auto q = pb::oauth2::initProvider(Value(Object{{"name", "oidc"}, {"authURL", "https://idp/auth?tenant=x"}}));
    ASSERT_TRUE(q);
    EXPECT_EQ(pb::oauth2::buildAuthURL(*q, "s").rfind("https://idp/auth?tenant=x&client_id=", 0), 0u);
}

TEST(OAuth2, ProviderConfigOverridesDefaults) {
    EXPECT_FALSE(pb::oauth2::initProvider(Value(Object{{"name", "nope"}})));
    auto p = pb::oauth2::initProvider(Value(Object{{"name", "github"},
                                                   {"displayName", "Corp GitHub"},
                                                   {"tokenURL", "https://ghe/token"},
                                                   {"authURL", ""},
                                                   {"pkce", false}}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->info.displayName, "Corp GitHub");
    EXPECT_EQ(p->info.tokenURL, "https://ghe/token");
    EXPECT_EQ(p->info.authURL, "https://github.com/login/oauth/authorize");  // empty keeps the default
    EXPECT_FALSE(p->info.pkce);
    for (const char* n : {"oidc", "oidc2", "oidc3", "github", "gitlab", "google", "microsoft"})
        EXPECT_NE(pb::oauth2::findKnownProvider(n), nullptr) << n;
}

TEST(HttpClient, PrivateAddressesAreRefused) {
    for (const char* ip : {"127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                           "169.254.169.254", "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::",
                           "fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.1.1.1", "garbage"})
        EXPECT_TRUE(pb::net::isPrivateAddress(ip)) << ip;
    for (const char* ip : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"})
        EXPECT_FALSE(pb::net::isPrivateAddress(ip)) << ip;
}

TEST(HttpClient, FormEncode) {
    EXPECT_EQ(pb::net::formEncode({{"a", "1 2"}, {"b&c", "x=y"}}), "a=1%202&b%26c=x%3Dy");
}

TEST(HttpClient, TransportErrorsThrow) {
    pb::net::ClientRequest r;
    r.url = "ftp://127.0.0.1/x";  // protocol not allowed
    EXPECT_THROW(pb::net::send(r), std::runtime_error);
    r.url = "http://127.0.0.1:1/";  // nothing listens on port 1
    r.timeoutMs = 2000;
    EXPECT_THROW(pb::net::send(r), std::runtime_error);
    r.blockPrivateAddresses = true;
    try {
        pb::net::send(r);
        FAIL() << "expected refusal";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("private"), std::string::npos) << e.what();
    }
}
