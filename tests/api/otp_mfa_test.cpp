// OTP, MFA and auth alerts over real HTTP; OTP codes are read from the mails in DATA_DIR/mail.
#include <gtest/gtest.h>

#include <thread>

#include "api/mail_test_util.hpp"
#include "support/test_server.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::MailBox;
using pbtest::TestServer;

namespace {

const std::string kPw = "Passw0rd!123";

struct OtpFixture : ::testing::Test {
    static inline TestServer* s = nullptr;
    static void SetUpTestSuite() {
        s = new TestServer();
        // A second auth collection with OTP + MFA on, so `users` keeps OTP-only behaviour.
        auto su = s->superuserToken();
        auto r = s->patch("/api/collections/users",
                          Value(Object{{"otp", Value(Object{{"enabled", true}, {"length", 6}})}}), su);
        ASSERT_EQ(r.status, 200) << r.body;
        auto c = s->post("/api/collections",
                         Value(Object{{"name", "staff"},
                                      {"type", "auth"},
                                      {"createRule", ""},
                                      {"otp", Value(Object{{"enabled", true}})},
                                      {"mfa", Value(Object{{"enabled", true}})}}),
                         su);
        ASSERT_EQ(c.status, 200) << c.body;
    }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }
    static pbtest::HttpResponse requestOtp(const std::string& coll, const std::string& email) {
        return s->post("/api/collections/" + coll + "/request-otp", Value(Object{{"email", email}}));
    }
    static void createIn(const std::string& coll, const std::string& email) {
        auto r = s->post("/api/collections/" + coll + "/records",
                         Value(Object{{"email", email}, {"password", kPw}, {"passwordConfirm", kPw}}));
        ASSERT_EQ(r.status, 200) << r.body;
    }
};

TEST_F(OtpFixture, OtpDisabledIs403) {
    auto r = s->post("/api/collections/_superusers/request-otp", Value(Object{{"email", "admin@example.com"}}));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(s->post("/api/collections/_superusers/auth-with-otp", Value(Object{{"otpId", "x"}, {"password", "1"}})).status, 403);
}

TEST_F(OtpFixture, OtpAuthFlow) {
    MailBox box(s->dataDir());
    createIn("users", "otp@example.com");
    auto methods = s->get("/api/collections/users/auth-methods").json();
    EXPECT_TRUE(methods["otp"]["enabled"].getBool());
    EXPECT_EQ(methods["otp"]["duration"].getNumber(), 180);

    auto known = requestOtp("users", "otp@example.com");
    auto unknown = requestOtp("users", "nobody@example.com");
    ASSERT_EQ(known.status, 200);
    ASSERT_EQ(unknown.status, 200);
    std::string otpId = known.json()["otpId"].getString();
    EXPECT_EQ(otpId.size(), 15u);
    EXPECT_EQ(unknown.json()["otpId"].getString().size(), 15u);
    auto mail = box.waitFor("otp@example.com");
    std::string code = pbtest::otpFrom(mail);
    ASSERT_EQ(code.size(), 6u) << mail.body;

    auto wrong = s->post("/api/collections/users/auth-with-otp", Value(Object{{"otpId", otpId}, {"password", "000000x"}}));
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.json()["message"].getString(), "Invalid or expired OTP.");
    auto dummy = s->post("/api/collections/users/auth-with-otp",
                         Value(Object{{"otpId", unknown.json()["otpId"].getString()}, {"password", code}}));
    EXPECT_EQ(dummy.status, 400);
    auto ok = s->post("/api/collections/users/auth-with-otp", Value(Object{{"otpId", otpId}, {"password", code}}));
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_FALSE(ok.json()["token"].getString().empty());
    EXPECT_EQ(ok.json()["record"]["email"].getString(), "otp@example.com");
    EXPECT_TRUE(ok.json()["record"]["verified"].getBool());
    // Deleted on success.
    EXPECT_EQ(s->post("/api/collections/users/auth-with-otp", Value(Object{{"otpId", otpId}, {"password", code}})).status, 400);
    EXPECT_EQ(box.countNew("nobody@example.com"), 0u);
}

TEST_F(OtpFixture, OtpAttemptLimit) {
    MailBox box(s->dataDir());
    createIn("users", "otp-limit@example.com");
    auto r = requestOtp("users", "otp-limit@example.com");
    ASSERT_EQ(r.status, 200);
    std::string otpId = r.json()["otpId"].getString();
    std::string code = pbtest::otpFrom(box.waitFor("otp-limit@example.com"));
    ASSERT_FALSE(code.empty());
    std::string wrongCode = code == "111111" ? "222222" : "111111";
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(s->post("/api/collections/users/auth-with-otp", Value(Object{{"otpId", otpId}, {"password", wrongCode}})).status, 400);
    auto limited = s->post("/api/collections/users/auth-with-otp", Value(Object{{"otpId", otpId}, {"password", code}}));
    EXPECT_EQ(limited.status, 429) << limited.body;
}

TEST_F(OtpFixture, MfaPasswordThenOtp) {
    MailBox box(s->dataDir());
    createIn("staff", "mfa@example.com");
    auto first = s->post("/api/collections/staff/auth-with-password", Value(Object{{"identity", "mfa@example.com"}, {"password", kPw}}));
    ASSERT_EQ(first.status, 401) << first.body;
    auto body = first.json();
    ASSERT_TRUE(body.isObject());
    EXPECT_EQ(body.size(), 1u) << first.body;  // exactly {"mfaId": "..."}
    std::string mfaId = body["mfaId"].getString();
    ASSERT_EQ(mfaId.size(), 15u);

    // The same method again is not a second factor.
    auto same = s->post("/api/collections/staff/auth-with-password",
                        Value(Object{{"identity", "mfa@example.com"}, {"password", kPw}, {"mfaId", mfaId}}));
    EXPECT_EQ(same.status, 400);
    // A bogus session id.
    auto bogus = s->post("/api/collections/staff/auth-with-password",
                         Value(Object{{"identity", "mfa@example.com"}, {"password", kPw}, {"mfaId", "aaaaaaaaaaaaaaa"}}));
    EXPECT_EQ(bogus.status, 400);

    auto req = requestOtp("staff", "mfa@example.com");
    ASSERT_EQ(req.status, 200);
    std::string code = pbtest::otpFrom(box.waitFor("mfa@example.com"));
    ASSERT_FALSE(code.empty());
    // mfaId in the query string works as well as in the body.
    auto second = s->post("/api/collections/staff/auth-with-otp?mfaId=" + mfaId,
                          Value(Object{{"otpId", req.json()["otpId"].getString()}, {"password", code}}));
    ASSERT_EQ(second.status, 200) << second.body;
    EXPECT_FALSE(second.json()["token"].getString().empty());
    // The MFA session is consumed.
    auto again = s->post("/api/collections/staff/auth-with-password",
                         Value(Object{{"identity", "mfa@example.com"}, {"password", kPw}, {"mfaId", mfaId}}));
    EXPECT_EQ(again.status, 400);
    auto methods = s->get("/api/collections/staff/auth-methods").json();
    EXPECT_TRUE(methods["mfa"]["enabled"].getBool());
    EXPECT_EQ(methods["mfa"]["duration"].getNumber(), 600);
}

TEST_F(OtpFixture, MfaAuthAlertOnNewDevice) {
    MailBox box(s->dataDir());
    createIn("users", "alert@example.com");
    box.skipAll();
    auto loginAs = [&](const std::string& ua) {
        return s->request("POST", "/api/collections/users/auth-with-password",
                          Value(Object{{"identity", "alert@example.com"}, {"password", kPw}}).dump(),
                          {{"Content-Type", "application/json"}, {"User-Agent", ua}});
    };
    ASSERT_EQ(loginAs("device-A").status, 200);  // first login: no alert
    ASSERT_EQ(loginAs("device-A").status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(box.countNew("alert@example.com"), 0u);
    ASSERT_EQ(loginAs("device-B").status, 200);
    auto alert = box.waitFor("alert@example.com");
    ASSERT_FALSE(alert.file.empty()) << "no auth alert mail";
    EXPECT_EQ(alert.subject, "Login from a new location");
    ASSERT_EQ(loginAs("device-B").status, 200);  // known device: no second alert
    for (int i = 0; i < 5; ++i) ASSERT_EQ(loginAs("device-extra-" + std::to_string(i)).status, 200);
    auto again = loginAs("device-A").json();  // device-A was evicted (only the last 5 are kept)
    std::string uid = again["record"]["id"].getString();
    auto list = s->get("/api/collections/_authOrigins/records?perPage=50", s->superuserToken());
    ASSERT_EQ(list.status, 200) << list.body;
    auto items = list.json()["items"];
    ASSERT_TRUE(items.isArray()) << list.body;
    size_t mine = 0;
    for (auto& it : items.asArray())
        if (it["recordRef"].getString() == uid) ++mine;
    EXPECT_EQ(mine, 5u);
}

}  // namespace

// MFA needs two enabled auth methods; _superusers forces password auth on, OAuth2 off and MFA on
// together with OTP (PocketBase's collection rules).
TEST(ApiMfaConfig, NeedsTwoMethodsAndSuperusersForceMfaWithOtp) {
    TestServer s;
    auto su = s.superuserToken();
    auto bad = s.post("/api/collections",
                      Value(Object{{"name", "solo"}, {"type", "auth"}, {"mfa", Value(Object{{"enabled", true}})}}), su);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["data"]["mfa"]["enabled"]["code"].getString(), "validation_mfa_not_enough_auths") << bad.body;
    auto r = s.patch("/api/collections/_superusers",
                     Value(Object{{"otp", Value(Object{{"enabled", true}})}, {"oauth2", Value(Object{{"enabled", true}})},
                                  {"passwordAuth", Value(Object{{"enabled", false}})}}),
                     su);
    ASSERT_EQ(r.status, 200) << r.body;
    auto c = r.json();
    EXPECT_TRUE(c["mfa"]["enabled"].getBool());
    EXPECT_TRUE(c["otp"]["enabled"].getBool());
    EXPECT_TRUE(c["passwordAuth"]["enabled"].getBool());
    EXPECT_FALSE(c["oauth2"]["enabled"].getBool());
}
