// OAuth2 over real HTTP: a real `pb serve` talks to a fake OpenID provider on loopback
// (tests/support/fake_idp). Covers auth-with-oauth2, auth-methods, the collection options, the
// account-takeover regressions, provider failures/timeouts and the popup redirect endpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "api/realtime_sse_client.hpp"
#include "support/fake_idp.hpp"
#include "support/test_server.hpp"
#include "util/base64.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::FakeIdp;
using pbtest::TestServer;

namespace {

const std::string kPw = "Passw0rd!123";
const std::string kRedirect = "http://127.0.0.1:9/redirect";

std::string challengeOf(const std::string& verifier) {
    return pb::base64::encodeUrl(pb::hash::sha256(verifier));
}

struct OAuth2Fixture : ::testing::Test {
    static inline FakeIdp* idp = nullptr;
    static inline TestServer* s = nullptr;
    static inline std::string su;
    static inline int codeSeq = 0;

    static Value provider(const std::string& name, const std::string& userInfoPath = "/userinfo") {
        return Value(Object{{"name", name},
                            {"clientId", "client-id"},
                            {"clientSecret", "client-secret"},
                            {"authURL", idp->url("/authorize")},
                            {"tokenURL", idp->url("/token")},
                            {"userInfoURL", idp->url(userInfoPath)}});
    }

    static void SetUpTestSuite() {
        // Short provider budget so the hanging-provider cases finish quickly.
        ::setenv("PB_OAUTH2_TIMEOUT_MS", "1500", 1);
        idp = new FakeIdp();
        s = new TestServer();
        ::unsetenv("PB_OAUTH2_TIMEOUT_MS");
        su = s->superuserToken();
        auto r = s->patch("/api/collections/users",
                          Value(Object{{"oauth2", Value(Object{{"enabled", true},
                                                               {"providers", Value(Array{provider("oidc"), provider("github")})}})}}),
                          su);
        ASSERT_EQ(r.status, 200) << r.body;
        // A second collection: username and avatar URL mapped to text fields.
        auto c = s->post("/api/collections",
                         Value(Object{{"name", "members"},
                                      {"type", "auth"},
                                      {"createRule", ""},
                                      {"viewRule", ""},
                                      {"fields", Value(Array{Value(Object{{"name", "nick"}, {"type", "text"}}),
                                                             Value(Object{{"name", "pic"}, {"type", "text"}}),
                                                             Value(Object{{"name", "sub"}, {"type", "text"}})})},
                                      {"indexes", Value(Array{"CREATE UNIQUE INDEX idx_members_nick ON members (nick)"})},
                                      {"oauth2", Value(Object{{"enabled", true},
                                                              {"mappedFields", Value(Object{{"id", "sub"},
                                                                                            {"username", "nick"},
                                                                                            {"avatarURL", "pic"}})},
                                                              {"providers", Value(Array{provider("oidc2")})}})}}),
                         su);
        ASSERT_EQ(c.status, 200) << c.body;
        auto closed = s->post("/api/collections", Value(Object{{"name", "closed"}, {"type", "auth"}}), su);
        ASSERT_EQ(closed.status, 200) << closed.body;
        // MFA on: OAuth2 is a first factor like password.
        auto mfa = s->post("/api/collections",
                           Value(Object{{"name", "mfausers"},
                                        {"type", "auth"},
                                        {"createRule", ""},
                                        {"mfa", Value(Object{{"enabled", true}})},
                                        {"oauth2", Value(Object{{"enabled", true}, {"providers", Value(Array{provider("oidc3")})}})}}),
                           su);
        ASSERT_EQ(mfa.status, 200) << mfa.body;
    }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
        delete idp;
        idp = nullptr;
    }
    void TearDown() override {
        idp->tokenStatus = 0;
        idp->userinfoStatus = 0;
        idp->hangTokenMs = 0;
        idp->hangUserinfoMs = 0;
        idp->malformedUserinfo = false;
        idp->formEncodedToken = false;
        idp->setEmails(Value());
    }

    // An OIDC user (standard claims).
    static Value oidcUser(const std::string& sub, const std::string& email, bool verified, const std::string& name = "") {
        return Value(Object{{"sub", sub},
                            {"email", email},
                            {"email_verified", verified},
                            {"name", name},
                            {"preferred_username", "user_" + sub},
                            {"picture", idp->url("/avatar.png")}});
    }

    // Registers a code at the IdP (with a PKCE challenge) and signs in with it.
    static pbtest::HttpResponse signIn(const std::string& coll, const std::string& providerName, const Value& user,
                                       Value createData = Value(), const std::string& token = "",
                                       const std::string& verifierOverride = "") {
        std::string code = "code" + std::to_string(++codeSeq);
        std::string verifier = "verifier-" + std::to_string(codeSeq) + "-abcdefghijklmnopqrstuvwxyz0123";
        idp->addCode(code, challengeOf(verifier), user);
        Value body(Object{{"provider", providerName},
                          {"code", code},
                          {"codeVerifier", verifierOverride.empty() ? verifier : verifierOverride},
                          {"redirectURL", kRedirect}});
        if (!createData.isNull()) body.set("createData", createData);
        return s->post("/api/collections/" + coll + "/auth-with-oauth2", body, token);
    }

    static Value externalAuths(const std::string& recordId) {
        auto r = s->get("/api/collections/_externalAuths/records?filter=" + pb::str::urlEncode("recordRef='" + recordId + "'"), su);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json()["items"];
    }

    static int passwordLogin(const std::string& coll, const std::string& email, const std::string& pw) {
        return s->post("/api/collections/" + coll + "/auth-with-password", Value(Object{{"identity", email}, {"password", pw}})).status;
    }

    static std::string createUser(const std::string& email, bool verified) {
        std::string id;
        s->createUser(email, kPw, &id);
        if (verified) {
            auto r = s->patch("/api/collections/users/records/" + id, Value(Object{{"verified", true}}), su);
            EXPECT_EQ(r.status, 200) << r.body;
        }
        return id;
    }
};

TEST_F(OAuth2Fixture, AuthMethodsListsProvidersWithPkce) {
    auto r = s->get("/api/collections/users/auth-methods");
    ASSERT_EQ(r.status, 200) << r.body;
    auto m = r.json();
    EXPECT_TRUE(m["oauth2"]["enabled"].getBool());
    const auto& ps = m["oauth2"]["providers"].asArray();
    ASSERT_EQ(ps.size(), 2u);
    const auto& p = ps.at(0);
    EXPECT_EQ(p["name"].getString(), "oidc");
    EXPECT_EQ(p["displayName"].getString(), "OIDC");
    EXPECT_EQ(p["state"].getString().size(), 30u);
    std::string verifier = p["codeVerifier"].getString();
    EXPECT_EQ(verifier.size(), 43u);
    EXPECT_EQ(p["codeChallenge"].getString(), challengeOf(verifier));
    EXPECT_EQ(p["codeChallengeMethod"].getString(), "S256");
    std::string url = p["authURL"].getString();
    EXPECT_TRUE(pb::str::startsWith(url, idp->url("/authorize?"))) << url;
    EXPECT_TRUE(pb::str::endsWith(url, "&redirect_uri=")) << url;
    EXPECT_NE(url.find("client_id=client-id"), std::string::npos) << url;
    EXPECT_NE(url.find("code_challenge=" + p["codeChallenge"].getString()), std::string::npos) << url;
    EXPECT_NE(url.find("code_challenge_method=S256"), std::string::npos) << url;
    EXPECT_NE(url.find("response_type=code"), std::string::npos) << url;
    EXPECT_NE(url.find("scope=openid+email+profile"), std::string::npos) << url;
    EXPECT_NE(url.find("state=" + p["state"].getString()), std::string::npos) << url;
    EXPECT_EQ(p["authUrl"].getString(), url);
    EXPECT_EQ(ps.at(1)["name"].getString(), "github");
    EXPECT_EQ(ps.at(1)["displayName"].getString(), "GitHub");
    EXPECT_EQ(m["authProviders"].size(), 2u);
    // Fresh state and verifier on every call.
    auto again = s->get("/api/collections/users/auth-methods").json();
    EXPECT_NE(again["oauth2"]["providers"].asArray().at(0)["state"].getString(), p["state"].getString());

    auto closed = s->get("/api/collections/closed/auth-methods").json();
    EXPECT_FALSE(closed["oauth2"]["enabled"].getBool());
    EXPECT_EQ(closed["oauth2"]["providers"].size(), 0u);
    EXPECT_TRUE(closed["authProviders"].isArray());  // [] as in PocketBase 0.40 (older: null)
    EXPECT_EQ(closed["authProviders"].size(), 0u);
}

TEST_F(OAuth2Fixture, ClientSecretHiddenAndKeptOnResave) {
    auto r = s->get("/api/collections/users", su);
    ASSERT_EQ(r.status, 200);
    auto coll = r.json();
    const auto& p = coll["oauth2"]["providers"].asArray().at(0);
    EXPECT_EQ(p["clientId"].getString(), "client-id");
    EXPECT_FALSE(p.has("clientSecret")) << r.body;
    // Saving back what was read (no secret) keeps the stored secret: sign-in still works.
    auto save = s->patch("/api/collections/users", Value(Object{{"oauth2", coll["oauth2"]}}), su);
    ASSERT_EQ(save.status, 200) << save.body;
    EXPECT_EQ(signIn("users", "oidc", oidcUser("resave-1", "resave@example.com", true)).status, 200);
    EXPECT_EQ(idp->lastTokenForm()["client_secret"], "client-secret");
}

TEST_F(OAuth2Fixture, CollectionOptionsValidation) {
    auto bad = [&](Value providers) {
        return s->patch("/api/collections/closed",
                        Value(Object{{"oauth2", Value(Object{{"enabled", true}, {"providers", providers}})}}), su);
    };
    auto r = bad(Value(Array{Value(Object{{"name", "nope"}, {"clientId", "a"}, {"clientSecret", "b"}})}));
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["data"]["oauth2"]["providers"]["0"]["name"]["code"].getString(), "validation_missing_provider");
    r = bad(Value(Array{Value(Object{{"name", "google"}})}));
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["oauth2"]["providers"]["0"]["clientId"]["code"].getString(), "validation_required");
    EXPECT_EQ(r.json()["data"]["oauth2"]["providers"]["0"]["clientSecret"]["code"].getString(), "validation_required");
    Value g(Object{{"name", "google"}, {"clientId", "a"}, {"clientSecret", "b"}});
    r = bad(Value(Array{g, g}));
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["oauth2"]["providers"]["1"]["name"]["code"].getString(), "validation_duplicated_provider");
    Value badUrl(Object{{"name", "google"}, {"clientId", "a"}, {"clientSecret", "b"}, {"tokenURL", "not a url"}});
    r = bad(Value(Array{badUrl}));
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["oauth2"]["providers"]["0"]["tokenURL"]["code"].getString(), "validation_is_url");
    // Disabled: providers are not validated (PocketBase).
    auto ok = s->patch("/api/collections/closed",
                       Value(Object{{"oauth2", Value(Object{{"enabled", false}, {"providers", Value(Array{Value(Object{{"name", "google"}})})}})}}),
                       su);
    EXPECT_EQ(ok.status, 200) << ok.body;
    // _superusers can never enable OAuth2.
    auto sup = s->patch("/api/collections/_superusers", Value(Object{{"oauth2", Value(Object{{"enabled", true}})}}), su);
    ASSERT_EQ(sup.status, 200) << sup.body;
    EXPECT_FALSE(sup.json()["oauth2"]["enabled"].getBool());
}

TEST_F(OAuth2Fixture, NewUserIsCreatedLinkedAndVerified) {
    auto r = signIn("users", "oidc", oidcUser("sub-new", "new@example.com", true, "New Person"));
    ASSERT_EQ(r.status, 200) << r.body;
    auto j = r.json();
    EXPECT_FALSE(j["token"].getString().empty());
    const auto& rec = j["record"];
    EXPECT_EQ(rec["email"].getString(), "new@example.com");
    EXPECT_TRUE(rec["verified"].getBool());
    EXPECT_EQ(rec["name"].getString(), "New Person");
    // users.avatar is a file field: the loopback avatar URL is refused by the SSRF guard.
    EXPECT_EQ(rec["avatar"].getString(), "");
    EXPECT_EQ(idp->avatarCalls(), 0);
    const auto& meta = j["meta"];
    EXPECT_TRUE(meta["isNew"].getBool());
    EXPECT_EQ(meta["id"].getString(), "sub-new");
    EXPECT_EQ(meta["email"].getString(), "new@example.com");
    EXPECT_EQ(meta["name"].getString(), "New Person");
    EXPECT_EQ(meta["username"].getString(), "user_sub-new");
    EXPECT_EQ(meta["avatarURL"].getString(), idp->url("/avatar.png"));
    EXPECT_TRUE(pb::str::startsWith(meta["accessToken"].getString(), "at_"));
    EXPECT_TRUE(pb::str::startsWith(meta["refreshToken"].getString(), "rt_"));
    EXPECT_FALSE(meta["expiry"].getString().empty());
    EXPECT_EQ(meta["rawUser"]["sub"].getString(), "sub-new");
    // The code exchange carried the PKCE verifier and the redirect URL.
    auto form = idp->lastTokenForm();
    EXPECT_EQ(form["redirect_uri"], kRedirect);
    EXPECT_FALSE(form["code_verifier"].empty());
    // The token works; the link row exists.
    std::string id = rec["id"].getString();
    EXPECT_EQ(s->get("/api/collections/users/records/" + id, j["token"].getString()).status, 200);
    auto links = externalAuths(id);
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links.asArray().at(0)["provider"].getString(), "oidc");
    EXPECT_EQ(links.asArray().at(0)["providerId"].getString(), "sub-new");
    // Second sign-in: same record, not new, still one link.
    auto again = signIn("users", "oidc", oidcUser("sub-new", "new@example.com", true, "New Person"));
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["record"]["id"].getString(), id);
    EXPECT_FALSE(again.json()["meta"]["isNew"].getBool());
    EXPECT_EQ(externalAuths(id).size(), 1u);
}

TEST_F(OAuth2Fixture, LinksExistingVerifiedUserByEmail) {
    std::string id = createUser("verified@example.com", true);
    auto r = signIn("users", "oidc", oidcUser("sub-verified", "verified@example.com", true));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["record"]["id"].getString(), id);
    EXPECT_FALSE(r.json()["meta"]["isNew"].getBool());
    EXPECT_EQ(externalAuths(id).size(), 1u);
    // A verified owner keeps their password.
    EXPECT_EQ(passwordLogin("users", "verified@example.com", kPw), 200);
}

// GHSA-m93w-4fxv-r35v: an attacker pre-registers the victim's email with a password.
TEST_F(OAuth2Fixture, UnverifiedAccountTakeoverRegression) {
    std::string id = createUser("victim@example.com", false);
    ASSERT_EQ(passwordLogin("users", "victim@example.com", kPw), 200);
    auto r = signIn("users", "oidc", oidcUser("sub-victim", "victim@example.com", true));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["record"]["id"].getString(), id);
    EXPECT_TRUE(r.json()["record"]["verified"].getBool());
    // The attacker's password no longer works.
    EXPECT_EQ(passwordLogin("users", "victim@example.com", kPw), 400);
}

// The provider's email is trusted only when the provider says it is verified.
TEST_F(OAuth2Fixture, UnverifiedProviderEmailIsNotTrusted) {
    std::string id = createUser("owner@example.com", true);
    auto r = signIn("users", "oidc", oidcUser("sub-spoof", "owner@example.com", false));
    // No email -> no lookup by email; creating a record without an email fails validation.
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(externalAuths(id).size(), 0u);
    EXPECT_EQ(passwordLogin("users", "owner@example.com", kPw), 200);
    // The string form "true" is accepted (PocketBase's cast.ToBool), anything else is not.
    Value u = oidcUser("sub-str", "strverified@example.com", true);
    u.set("email_verified", "true");
    auto ok = signIn("users", "oidc", u);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["record"]["email"].getString(), "strverified@example.com");
}

TEST_F(OAuth2Fixture, GithubUsesVerifiedPrimaryEmailOnly) {
    Value gh(Object{{"id", 4242}, {"login", "octo"}, {"name", "Octo Cat"}, {"email", "public@example.com"},
                    {"avatar_url", idp->url("/avatar.png")}});
    idp->formEncodedToken = true;  // GitHub's legacy token response shape
    idp->setEmails(Value(Array{Value(Object{{"email", "unverified@example.com"}, {"verified", false}, {"primary", false}}),
                               Value(Object{{"email", "octo@example.com"}, {"verified", true}, {"primary", true}})}));
    auto r = signIn("users", "github", gh);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["record"]["email"].getString(), "octo@example.com");
    EXPECT_EQ(r.json()["meta"]["id"].getString(), "4242");
    EXPECT_EQ(r.json()["meta"]["username"].getString(), "octo");
    EXPECT_EQ(r.json()["meta"]["email"].getString(), "octo@example.com");
    EXPECT_EQ(r.json()["meta"]["expiry"].getString(), "");
    // A primary address GitHub has not verified is ignored (and so is the public profile email).
    idp->setEmails(Value(Array{Value(Object{{"email", "public@example.com"}, {"verified", false}, {"primary", true}})}));
    gh.set("id", 4243);
    auto r2 = signIn("users", "github", gh);
    EXPECT_EQ(r2.status, 400) << r2.body;  // no trusted email -> the record can't be created
}

TEST_F(OAuth2Fixture, MappedTextFieldsAndCreateData) {
    Value u = oidcUser("m-1", "member@example.com", true, "Member");
    u.set("preferred_username", "octonick");
    auto r = signIn("members", "oidc2", u);
    ASSERT_EQ(r.status, 200) << r.body;
    auto rec = r.json()["record"];
    EXPECT_EQ(rec["nick"].getString(), "octonick") << r.body;
    EXPECT_EQ(rec["pic"].getString(), idp->url("/avatar.png"));
    EXPECT_EQ(rec["sub"].getString(), "m-1");
    // The username mapping is skipped when the value is taken; createData wins over mappings.
    Value u2 = oidcUser("m-2", "member2@example.com", true);
    u2.set("preferred_username", "octonick");
    auto r2 = signIn("members", "oidc2", u2, Value(Object{{"pic", "chosen"}}));
    ASSERT_EQ(r2.status, 200) << r2.body;
    EXPECT_EQ(r2.json()["record"]["nick"].getString(), "");
    EXPECT_EQ(r2.json()["record"]["pic"].getString(), "chosen");
}

TEST_F(OAuth2Fixture, CreateDataIsValidated) {
    auto r = signIn("users", "oidc", oidcUser("cd-1", "cd@example.com", true),
                    Value(Object{{"password", "short"}, {"passwordConfirm", "short"}}));
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_TRUE(r.json()["data"].has("password")) << r.body;
    EXPECT_EQ(passwordLogin("users", "cd@example.com", "short"), 400);
    // Nothing was created or linked: the same identity can sign up afterwards.
    auto ok = signIn("users", "oidc", oidcUser("cd-1", "cd@example.com", true), Value(Object{{"name", "Chosen"}}));
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["record"]["name"].getString(), "Chosen");
    EXPECT_TRUE(ok.json()["meta"]["isNew"].getBool());
    // createData must be an object.
    Value body(Object{{"provider", "oidc"}, {"code", "x"}, {"redirectURL", kRedirect}, {"createData", "nope"}});
    EXPECT_EQ(s->post("/api/collections/users/auth-with-oauth2", body).status, 400);
}

TEST_F(OAuth2Fixture, BadInputIs400) {
    auto post = [&](Value body, const std::string& coll = "users") {
        return s->post("/api/collections/" + coll + "/auth-with-oauth2", body);
    };
    auto r = post(Value(Object{{"provider", "google"}, {"code", "x"}, {"redirectURL", kRedirect}}));
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["provider"]["code"].getString(), "validation_invalid_provider");
    r = post(Value(Object{{"provider", "oidc"}}));
    ASSERT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["code"]["code"].getString(), "validation_required");
    EXPECT_EQ(r.json()["data"]["redirectURL"]["code"].getString(), "validation_required");
    // The legacy redirectUrl name is accepted.
    idp->addCode("legacy", "", oidcUser("legacy", "legacy@example.com", true));
    EXPECT_EQ(post(Value(Object{{"provider", "oidc"}, {"code", "legacy"}, {"redirectUrl", kRedirect}})).status, 200);
    // Disabled OAuth2: 403; unknown collection: 404.
    EXPECT_EQ(post(Value(Object{{"provider", "oidc"}, {"code", "x"}, {"redirectURL", kRedirect}}), "closed").status, 403);
    EXPECT_EQ(post(Value(Object{{"provider", "oidc"}}), "nope").status, 404);
    EXPECT_EQ(s->request("POST", "/api/collections/users/auth-with-oauth2", "{bad json", {}).status, 400);
}

TEST_F(OAuth2Fixture, BadCodeOrVerifierIs400) {
    auto r = signIn("users", "oidc", oidcUser("pkce-1", "pkce@example.com", true), Value(), "", "wrong-verifier");
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "Failed to fetch OAuth2 token.");
    Value body(Object{{"provider", "oidc"}, {"code", "never-issued"}, {"codeVerifier", "x"}, {"redirectURL", kRedirect}});
    auto unknown = s->post("/api/collections/users/auth-with-oauth2", body);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.json()["message"].getString(), "Failed to fetch OAuth2 token.");
}

TEST_F(OAuth2Fixture, ProviderErrorsAre400) {
    idp->tokenStatus = 500;
    auto r = signIn("users", "oidc", oidcUser("e-1", "e1@example.com", true));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["message"].getString(), "Failed to fetch OAuth2 token.");
    EXPECT_EQ(r.json()["data"].size(), 0u);  // provider details are not leaked
    idp->tokenStatus = 0;
    idp->userinfoStatus = 503;
    r = signIn("users", "oidc", oidcUser("e-2", "e2@example.com", true));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["message"].getString(), "Failed to fetch OAuth2 user.");
    idp->userinfoStatus = 0;
    idp->malformedUserinfo = true;
    r = signIn("users", "oidc", oidcUser("e-3", "e3@example.com", true));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["message"].getString(), "Failed to fetch OAuth2 user.");
    // A user info without an id is refused (it would link every such identity together).
    idp->malformedUserinfo = false;
    r = signIn("users", "oidc", Value(Object{{"email", "noid@example.com"}, {"email_verified", true}}));
    EXPECT_EQ(r.status, 400);
}

TEST_F(OAuth2Fixture, HangingProviderTimesOutWith400) {
    for (int which = 0; which < 2; ++which) {
        if (which == 0) idp->hangTokenMs = 20000;
        else idp->hangUserinfoMs = 20000;
        auto start = std::chrono::steady_clock::now();
        auto r = signIn("users", "oidc", oidcUser("hang-" + std::to_string(which), "hang@example.com", true));
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_LT(ms, 8000) << "the provider budget (1.5 s in this suite) must bound the request";
        idp->hangTokenMs = 0;
        idp->hangUserinfoMs = 0;
    }
    EXPECT_EQ(s->get("/api/health").status, 200);
}

// GHSA-pq7p-mc74-g65w: links made while unverified do not survive verification, and an
// unverified record holds at most one link.
TEST_F(OAuth2Fixture, VerificationDropsEarlierLinks) {
    std::string id = createUser("prehijack@example.com", false);
    auto login = s->post("/api/collections/users/auth-with-password",
                         Value(Object{{"identity", "prehijack@example.com"}, {"password", kPw}}));
    std::string token = login.json()["token"].getString();
    // Logged in, the attacker links two identities whose (verified) emails differ.
    auto a = signIn("users", "oidc", oidcUser("attacker-a", "attacker-a@example.com", true), Value(), token);
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.json()["record"]["id"].getString(), id);
    EXPECT_FALSE(a.json()["record"]["verified"].getBool());
    EXPECT_EQ(passwordLogin("users", "prehijack@example.com", kPw), 200);  // own session: password kept
    auto b = signIn("users", "oidc", oidcUser("attacker-b", "attacker-b@example.com", true), Value(), token);
    ASSERT_EQ(b.status, 200) << b.body;
    auto links = externalAuths(id);
    ASSERT_EQ(links.size(), 1u);
    EXPECT_EQ(links.asArray().at(0)["providerId"].getString(), "attacker-b");
    // The owner proves the email (here: a superuser marks it verified): every link goes.
    auto v = s->patch("/api/collections/users/records/" + id, Value(Object{{"verified", true}}), su);
    ASSERT_EQ(v.status, 200) << v.body;
    EXPECT_EQ(externalAuths(id).size(), 0u);
    // The attacker's identity now creates a separate account (its email is different).
    auto again = signIn("users", "oidc", oidcUser("attacker-b", "attacker-b@example.com", true));
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_NE(again.json()["record"]["id"].getString(), id);
}

TEST_F(OAuth2Fixture, MfaTreatsOAuth2AsAFactor) {
    auto c = s->post("/api/collections/mfausers/records",
                     Value(Object{{"email", "mfa@example.com"}, {"password", kPw}, {"passwordConfirm", kPw}}));
    ASSERT_EQ(c.status, 200) << c.body;
    std::string id = c.json()["id"].getString();
    ASSERT_EQ(s->patch("/api/collections/mfausers/records/" + id, Value(Object{{"verified", true}}), su).status, 200);
    auto first = signIn("mfausers", "oidc3", oidcUser("mfa-sub", "mfa@example.com", true));
    ASSERT_EQ(first.status, 401) << first.body;
    std::string mfaId = first.json()["mfaId"].getString();
    ASSERT_FALSE(mfaId.empty()) << first.body;
    // The same method again is not a second factor; password is.
    auto same = signIn("mfausers", "oidc3", oidcUser("mfa-sub", "mfa@example.com", true));
    EXPECT_EQ(same.status, 401);
    auto second = s->post("/api/collections/mfausers/auth-with-password",
                          Value(Object{{"identity", "mfa@example.com"}, {"password", kPw}, {"mfaId", mfaId}}));
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_EQ(second.json()["record"]["id"].getString(), id);
}

TEST_F(OAuth2Fixture, MetaProvidersListIsSuperuserOnly) {
    EXPECT_EQ(s->get("/api/collections/meta/oauth2-providers").status, 401);
    auto r = s->get("/api/collections/meta/oauth2-providers", su);
    ASSERT_EQ(r.status, 200) << r.body;
    auto list = r.json();
    ASSERT_TRUE(list.isArray());
    std::vector<std::string> names;
    for (auto& p : list.asArray()) {
        names.push_back(p["name"].getString());
        EXPECT_FALSE(p["displayName"].getString().empty());
        EXPECT_TRUE(pb::str::startsWith(p["logo"].getString(), "<svg"));
    }
    for (const char* n : {"oidc", "oidc2", "oidc3", "github", "gitlab", "google", "microsoft"})
        EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
}

TEST_F(OAuth2Fixture, RedirectForwardsCodeToRealtimeClient) {
    // Unknown state: the failure page, no crash.
    auto bad = s->get("/api/oauth2-redirect?state=nope&code=abc");
    EXPECT_EQ(bad.status, 200);
    EXPECT_NE(bad.body.find("Failed to authenticate"), std::string::npos);

    pbtest::SseClient c;
    ASSERT_TRUE(c.open(s->port()));
    auto hello = c.next(5000);
    ASSERT_TRUE(hello && hello->event == "PB_CONNECT");
    std::string clientId = hello->id;
    // Not subscribed to @oauth2 yet: refused.
    EXPECT_NE(s->get("/api/oauth2-redirect?state=" + clientId + "&code=abc").body.find("Failed"), std::string::npos);
    auto sub = s->post("/api/realtime", Value(Object{{"clientId", clientId}, {"subscriptions", Value(Array{"@oauth2"})}}));
    ASSERT_EQ(sub.status, 204) << sub.body;
    auto ok = s->get("/api/oauth2-redirect?state=" + clientId + "&code=the-code");
    EXPECT_EQ(ok.status, 200);
    EXPECT_NE(ok.body.find("Auth completed"), std::string::npos) << ok.body;
    auto f = c.next(5000);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "@oauth2");
    auto data = pb::json::parse(f->data);
    ASSERT_TRUE(data);
    EXPECT_EQ((*data)["state"].getString(), clientId);
    EXPECT_EQ((*data)["code"].getString(), "the-code");
    EXPECT_FALSE(data->has("error"));
    // One shot: the subscription is gone.
    EXPECT_NE(s->get("/api/oauth2-redirect?state=" + clientId + "&code=again").body.find("Failed"), std::string::npos);
    // POST (form_post providers) with an error: forwarded, failure page.
    s->post("/api/realtime", Value(Object{{"clientId", clientId}, {"subscriptions", Value(Array{"@oauth2"})}}));
    auto err = s->request("POST", "/api/oauth2-redirect", "state=" + clientId + "&error=access_denied",
                          {{"Content-Type", "application/x-www-form-urlencoded"}});
    EXPECT_EQ(err.status, 200);
    EXPECT_NE(err.body.find("Failed"), std::string::npos);
    auto ef = c.next(5000);
    ASSERT_TRUE(ef);
    auto edata = pb::json::parse(ef->data);
    ASSERT_TRUE(edata);
    EXPECT_EQ((*edata)["error"].getString(), "access_denied");
}

}  // namespace
