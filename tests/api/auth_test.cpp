// Auth API scenarios: password auth, refresh, impersonate, password change and token revocation.
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

struct AuthFixture : ::testing::Test {
    static inline TestServer* s = nullptr;
    static void SetUpTestSuite() { s = new TestServer(); }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }
};

Value creds(const std::string& id, const std::string& pw) { return Value(Object{{"identity", id}, {"password", pw}}); }

TEST_F(AuthFixture, SignUpAndPasswordAuth) {
    auto bad = s->post("/api/collections/users/records",
                       Value(Object{{"email", "x@example.com"}, {"password", "Passw0rd!123"}, {"passwordConfirm", "nope"}}));
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["data"]["passwordConfirm"]["code"].getString(), "validation_values_mismatch");
    std::string id;
    std::string token = s->createUser("signup@example.com", "Passw0rd!123", &id);
    EXPECT_FALSE(token.empty());
    auto wrong = s->post("/api/collections/users/auth-with-password", creds("signup@example.com", "wrong-password"));
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.json()["message"].getString(), "Failed to authenticate.");
    auto unknown = s->post("/api/collections/users/auth-with-password", creds("ghost@example.com", "Passw0rd!123"));
    EXPECT_EQ(unknown.status, 400);
    auto ok = s->post("/api/collections/users/auth-with-password", creds("SIGNUP@example.com", "Passw0rd!123"));
    ASSERT_EQ(ok.status, 200);
    auto rec = ok.json()["record"];
    EXPECT_EQ(rec["email"].getString(), "signup@example.com");
    EXPECT_FALSE(rec.has("password"));
    EXPECT_FALSE(rec.has("tokenKey"));
    auto dup = s->post("/api/collections/users/records",
                       Value(Object{{"email", "signup@example.com"}, {"password", "Passw0rd!123"}, {"passwordConfirm", "Passw0rd!123"}}));
    EXPECT_EQ(dup.status, 400);
    EXPECT_EQ(dup.json()["data"]["email"]["code"].getString(), "validation_not_unique");
}

TEST_F(AuthFixture, RefreshRequiresSameCollection) {
    std::string token = s->createUser("refresh@example.com", "Passw0rd!123");
    EXPECT_EQ(s->post("/api/collections/users/auth-refresh", Value(Object{})).status, 401);
    auto r = s->post("/api/collections/users/auth-refresh", Value(Object{}), token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_FALSE(r.json()["token"].getString().empty());
    EXPECT_EQ(s->post("/api/collections/_superusers/auth-refresh", Value(Object{}), token).status, 403);
}

TEST_F(AuthFixture, PasswordChangeNeedsOldPasswordAndRevokesTokens) {
    std::string id;
    std::string token = s->createUser("change@example.com", "Passw0rd!123", &id);
    auto noOld = s->patch("/api/collections/users/records/" + id,
                          Value(Object{{"password", "NewPassw0rd!1"}, {"passwordConfirm", "NewPassw0rd!1"}}), token);
    EXPECT_EQ(noOld.status, 400);
    EXPECT_TRUE(noOld.json()["data"].has("oldPassword"));
    auto ok = s->patch("/api/collections/users/records/" + id,
                       Value(Object{{"oldPassword", "Passw0rd!123"}, {"password", "NewPassw0rd!1"}, {"passwordConfirm", "NewPassw0rd!1"}}),
                       token);
    ASSERT_EQ(ok.status, 200) << ok.body;
    // The old token is revoked: the request becomes a guest request.
    EXPECT_EQ(s->post("/api/collections/users/auth-refresh", Value(Object{}), token).status, 401);
    EXPECT_EQ(s->post("/api/collections/users/auth-with-password", creds("change@example.com", "NewPassw0rd!1")).status, 200);
}

TEST_F(AuthFixture, UsersCannotSetVerifiedOrChangeEmail) {
    std::string id;
    std::string token = s->createUser("mass@example.com", "Passw0rd!123", &id);
    auto v = s->patch("/api/collections/users/records/" + id, Value(Object{{"verified", true}}), token);
    EXPECT_EQ(v.status, 400);
    auto e = s->patch("/api/collections/users/records/" + id, Value(Object{{"email", "other@example.com"}}), token);
    EXPECT_EQ(e.status, 400);
    auto su = s->patch("/api/collections/users/records/" + id, Value(Object{{"verified", true}}), s->superuserToken());
    EXPECT_EQ(su.status, 200);
    EXPECT_TRUE(su.json()["verified"].getBool());
}

TEST_F(AuthFixture, ImpersonateIsSuperuserOnlyAndNotRefreshable) {
    std::string id;
    std::string token = s->createUser("imp@example.com", "Passw0rd!123", &id);
    EXPECT_EQ(s->post("/api/collections/users/impersonate/" + id, Value(Object{})).status, 401);
    EXPECT_EQ(s->post("/api/collections/users/impersonate/" + id, Value(Object{}), token).status, 403);
    auto r = s->post("/api/collections/users/impersonate/" + id, Value(Object{{"duration", 100}}), s->superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
    std::string imp = r.json()["token"].getString();
    auto refreshed = s->post("/api/collections/users/auth-refresh", Value(Object{}), imp);
    ASSERT_EQ(refreshed.status, 200);
    EXPECT_EQ(refreshed.json()["token"].getString(), imp);
}

TEST_F(AuthFixture, AuthMethods) {
    auto r = s->get("/api/collections/users/auth-methods");
    ASSERT_EQ(r.status, 200);
    auto j = r.json();
    EXPECT_TRUE(j["password"]["enabled"].getBool());
    EXPECT_EQ(j["password"]["identityFields"].asArray().at(0).getString(), "email");
    EXPECT_FALSE(j["mfa"]["enabled"].getBool());
    EXPECT_EQ(s->get("/api/collections/nope/auth-methods").status, 404);
    // A base collection is no auth context either: the same 404 as PocketBase's findAuthCollection.
    s->request("POST", "/api/collections", R"({"name":"plainbase","type":"base"})", {{"Authorization", s->superuserToken()}});
    for (const char* path : {"/auth-methods", "/auth-with-password", "/request-otp", "/request-password-reset"}) {
        auto nonAuth = std::string(path) == "/auth-methods" ? s->get(std::string("/api/collections/plainbase") + path)
                                                             : s->post(std::string("/api/collections/plainbase") + path, Value(Object{}));
        EXPECT_EQ(nonAuth.status, 404) << path << " " << nonAuth.body;
        EXPECT_EQ(nonAuth.json()["message"].getString(), "Missing or invalid auth collection context.") << path;
    }
}

TEST_F(AuthFixture, EmailVisibility) {
    std::string idA, idB;
    std::string a = s->createUser("vis-a@example.com", "Passw0rd!123", &idA);
    std::string b = s->createUser("vis-b@example.com", "Passw0rd!123", &idB);
    // users viewRule is owner-only: make it public to test email visibility.
    auto su = s->superuserToken();
    ASSERT_EQ(s->patch("/api/collections/users", Value(Object{{"viewRule", ""}}), su).status, 200);
    EXPECT_FALSE(s->get("/api/collections/users/records/" + idA, b).json().has("email"));
    EXPECT_EQ(s->get("/api/collections/users/records/" + idA, a).json()["email"].getString(), "vis-a@example.com");
    EXPECT_EQ(s->get("/api/collections/users/records/" + idA, su).json()["email"].getString(), "vis-a@example.com");
    ASSERT_EQ(s->patch("/api/collections/users", Value(Object{{"viewRule", "id = @request.auth.id"}}), su).status, 200);
}

}  // namespace
