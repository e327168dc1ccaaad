// Email flows over real HTTP: verification, password reset, email change, the resend throttle,
// the settings test email, and SMTP delivery to a tiny in-test SMTP sink.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "api/mail_test_util.hpp"
#include "support/test_server.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::MailBox;
using pbtest::TestServer;

namespace {

const std::string kPw = "Passw0rd!123";

struct MailFixture : ::testing::Test {
    static inline TestServer* s = nullptr;
    static void SetUpTestSuite() { s = new TestServer(); }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }
    static Value email(const std::string& e) { return Value(Object{{"email", e}}); }
    static pbtest::HttpResponse login(const std::string& e, const std::string& pw) {
        return s->post("/api/collections/users/auth-with-password", Value(Object{{"identity", e}, {"password", pw}}));
    }
};

TEST_F(MailFixture, MailVerificationFlow) {
    MailBox box(s->dataDir());
    s->createUser("verify@example.com", kPw);
    auto r = s->post("/api/collections/users/request-verification", email("verify@example.com"));
    ASSERT_EQ(r.status, 204) << r.body;
    auto mail = box.waitFor("verify@example.com");
    ASSERT_FALSE(mail.file.empty()) << "no verification mail";
    EXPECT_EQ(mail.subject, "Verify your Acme email");
    auto token = pbtest::tokenFrom(mail, "verification");
    ASSERT_FALSE(token.empty()) << mail.body;

    // A forged token (signature changed) is rejected.
    std::string forged = token.substr(0, token.size() - 4) + (token.substr(token.size() - 4) == "AAAA" ? "BBBB" : "AAAA");
    auto bad = s->post("/api/collections/users/confirm-verification", Value(Object{{"token", forged}}));
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["data"]["token"]["code"].getString(), "validation_invalid_token");
    auto garbage = s->post("/api/collections/users/confirm-verification", Value(Object{{"token", "abc"}}));
    EXPECT_EQ(garbage.status, 400);

    auto ok = s->post("/api/collections/users/confirm-verification", Value(Object{{"token", token}}));
    ASSERT_EQ(ok.status, 204) << ok.body;
    auto auth = login("verify@example.com", kPw);
    ASSERT_EQ(auth.status, 200);
    EXPECT_TRUE(auth.json()["record"]["verified"].getBool());
    // Reusing the token is a no-op; a verified record gets no new mail.
    EXPECT_EQ(s->post("/api/collections/users/confirm-verification", Value(Object{{"token", token}})).status, 204);
    EXPECT_EQ(s->post("/api/collections/users/request-verification", email("verify@example.com")).status, 204);
    // Token of another type is rejected.
    auto wrongType = s->post("/api/collections/users/confirm-verification",
                             Value(Object{{"token", auth.json()["token"].getString()}}));
    EXPECT_EQ(wrongType.status, 400);
    // Superusers are always verified.
    EXPECT_EQ(s->post("/api/collections/_superusers/request-verification", email("admin@example.com")).status, 400);
}

TEST_F(MailFixture, MailRequestsDoNotRevealEmails) {
    MailBox box(s->dataDir());
    s->createUser("exists@example.com", kPw);
    auto a = s->post("/api/collections/users/request-password-reset", email("exists@example.com"));
    auto b = s->post("/api/collections/users/request-password-reset", email("ghost@example.com"));
    EXPECT_EQ(a.status, 204);
    EXPECT_EQ(b.status, 204);
    EXPECT_EQ(a.body, b.body);
    auto c = s->post("/api/collections/users/request-verification", email("ghost@example.com"));
    EXPECT_EQ(c.status, 204);
    EXPECT_EQ(c.body, "");
    ASSERT_FALSE(box.waitFor("exists@example.com").file.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(box.countNew("ghost@example.com"), 0u);
    // Malformed emails are a validation error either way.
    EXPECT_EQ(s->post("/api/collections/users/request-password-reset", email("not-an-email")).status, 400);
}

TEST_F(MailFixture, MailResendThrottle) {
    MailBox box(s->dataDir());
    s->createUser("throttle@example.com", kPw);
    EXPECT_EQ(s->post("/api/collections/users/request-verification", email("throttle@example.com")).status, 204);
    ASSERT_FALSE(box.waitFor("throttle@example.com").file.empty());
    EXPECT_EQ(s->post("/api/collections/users/request-verification", email("throttle@example.com")).status, 204);
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    EXPECT_EQ(box.countNew("throttle@example.com"), 0u);
}

TEST_F(MailFixture, MailPasswordResetRevokesTokens) {
    MailBox box(s->dataDir());
    std::string oldToken = s->createUser("reset@example.com", kPw);
    ASSERT_EQ(s->post("/api/collections/users/auth-refresh", Value(Object{}), oldToken).status, 200);
    ASSERT_EQ(s->post("/api/collections/users/request-password-reset", email("reset@example.com")).status, 204);
    auto mail = box.waitFor("reset@example.com");
    auto token = pbtest::tokenFrom(mail, "password-reset");
    ASSERT_FALSE(token.empty()) << mail.body;

    auto mismatch = s->post("/api/collections/users/confirm-password-reset",
                            Value(Object{{"token", token}, {"password", "NewPassw0rd!"}, {"passwordConfirm", "other"}}));
    EXPECT_EQ(mismatch.status, 400);
    EXPECT_EQ(mismatch.json()["data"]["passwordConfirm"]["code"].getString(), "validation_values_mismatch");
    // The form checks the length against the field's min (8 for users) and 255, as PocketBase.
    auto shortPw = s->post("/api/collections/users/confirm-password-reset",
                           Value(Object{{"token", token}, {"password", "short"}, {"passwordConfirm", "short"}}));
    EXPECT_EQ(shortPw.status, 400);
    EXPECT_EQ(shortPw.json()["message"].getString(), "An error occurred while validating the submitted data.");
    auto shortErr = shortPw.json()["data"]["password"];
    EXPECT_EQ(shortErr["code"].getString(), "validation_length_out_of_range");
    EXPECT_EQ(shortErr["message"].getString(), "The length must be between 8 and 255.");
    EXPECT_EQ(shortErr["params"].dump(), R"({"min":8,"max":255})");
    // Past the form, the password field's own rules (at most 71 bytes) fail the save.
    std::string longPw(100, 'x');
    auto tooLong = s->post("/api/collections/users/confirm-password-reset",
                           Value(Object{{"token", token}, {"password", longPw}, {"passwordConfirm", longPw}}));
    EXPECT_EQ(tooLong.status, 400);
    EXPECT_EQ(tooLong.json()["message"].getString(), "Failed to set new password.");
    EXPECT_EQ(tooLong.json()["data"]["password"]["code"].getString(), "validation_max_text_constraint");
    auto ok = s->post("/api/collections/users/confirm-password-reset",
                      Value(Object{{"token", token}, {"password", "NewPassw0rd!"}, {"passwordConfirm", "NewPassw0rd!"}}));
    ASSERT_EQ(ok.status, 204) << ok.body;

    EXPECT_EQ(s->post("/api/collections/users/auth-refresh", Value(Object{}), oldToken).status, 401);
    EXPECT_EQ(login("reset@example.com", kPw).status, 400);
    auto fresh = login("reset@example.com", "NewPassw0rd!");
    ASSERT_EQ(fresh.status, 200);
    EXPECT_TRUE(fresh.json()["record"]["verified"].getBool());  // the token email matched
    // Single use: the password change rotated tokenKey.
    auto reuse = s->post("/api/collections/users/confirm-password-reset",
                         Value(Object{{"token", token}, {"password", "Another0ne!!"}, {"passwordConfirm", "Another0ne!!"}}));
    EXPECT_EQ(reuse.status, 400);
    EXPECT_EQ(reuse.json()["data"]["token"]["code"].getString(), "validation_invalid_token");
}

TEST_F(MailFixture, MailExpiredToken) {
    MailBox box(s->dataDir());
    std::string su = s->superuserToken();
    auto patch = s->patch("/api/collections/users", Value(Object{{"passwordResetToken", Value(Object{{"duration", 1}})}}), su);
    ASSERT_EQ(patch.status, 200) << patch.body;
    s->createUser("expire@example.com", kPw);
    ASSERT_EQ(s->post("/api/collections/users/request-password-reset", email("expire@example.com")).status, 204);
    auto token = pbtest::tokenFrom(box.waitFor("expire@example.com"), "password-reset");
    ASSERT_FALSE(token.empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    auto r = s->post("/api/collections/users/confirm-password-reset",
                     Value(Object{{"token", token}, {"password", "NewPassw0rd!"}, {"passwordConfirm", "NewPassw0rd!"}}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["token"]["code"].getString(), "validation_invalid_token");
    s->patch("/api/collections/users", Value(Object{{"passwordResetToken", Value(Object{{"duration", 1800}})}}), su);
}

TEST_F(MailFixture, MailEmailChange) {
    MailBox box(s->dataDir());
    std::string token = s->createUser("change-old@example.com", kPw);
    s->createUser("taken@example.com", kPw);
    EXPECT_EQ(s->post("/api/collections/users/request-email-change", Value(Object{{"newEmail", "x@example.com"}})).status, 401);
    auto taken = s->post("/api/collections/users/request-email-change", Value(Object{{"newEmail", "taken@example.com"}}), token);
    EXPECT_EQ(taken.status, 400);
    ASSERT_EQ(s->post("/api/collections/users/request-email-change", Value(Object{{"newEmail", "change-new@example.com"}}), token)
                  .status,
              204);
    auto mail = box.waitFor("change-new@example.com");
    auto ct = pbtest::tokenFrom(mail, "email-change");
    ASSERT_FALSE(ct.empty()) << mail.body;
    auto wrongPw = s->post("/api/collections/users/confirm-email-change", Value(Object{{"token", ct}, {"password", "nope-nope"}}));
    EXPECT_EQ(wrongPw.status, 400);
    EXPECT_EQ(wrongPw.json()["data"]["password"]["code"].getString(), "validation_invalid_password");
    auto ok = s->post("/api/collections/users/confirm-email-change", Value(Object{{"token", ct}, {"password", kPw}}));
    ASSERT_EQ(ok.status, 204) << ok.body;
    EXPECT_EQ(s->post("/api/collections/users/auth-refresh", Value(Object{}), token).status, 401);
    auto fresh = login("change-new@example.com", kPw);
    ASSERT_EQ(fresh.status, 200);
    EXPECT_TRUE(fresh.json()["record"]["verified"].getBool());
    EXPECT_EQ(s->post("/api/collections/users/confirm-email-change", Value(Object{{"token", ct}, {"password", kPw}})).status, 400);
    EXPECT_EQ(s->post("/api/collections/_superusers/request-email-change", Value(Object{{"newEmail", "a@b.co"}}),
                      s->superuserToken())
                  .status,
              400);
}

TEST_F(MailFixture, MailSettingsTestEmail) {
    MailBox box(s->dataDir());
    Value body(Object{{"email", "probe@example.com"}, {"template", "otp"}});
    EXPECT_EQ(s->post("/api/settings/test/email", body).status, 401);
    EXPECT_EQ(s->post("/api/settings/test/email", Value(Object{{"email", "probe@example.com"}, {"template", "nope"}}),
                      s->superuserToken())
                  .status,
              400);
    ASSERT_EQ(s->post("/api/settings/test/email", body, s->superuserToken()).status, 204);
    auto m = box.waitFor("probe@example.com");
    EXPECT_EQ(m.subject, "OTP for Acme");
    EXPECT_FALSE(pbtest::otpFrom(m).empty());
}

// ---- SMTP sink: a minimal SMTP server on a loopback port ----

struct SmtpSink {
    int fd = -1, port = 0;
    std::thread th;
    std::mutex mu;
    std::vector<std::string> rcpts, datas;
    std::string helo;

    SmtpSink() {
        fd = pbtest::listenLoopback(4, &port);
        th = std::thread([this] { serve(); });
    }
    ~SmtpSink() {
        ::shutdown(fd, SHUT_RDWR);
        ::close(fd);
        if (th.joinable()) th.join();
    }
    void serve() {
        int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) return;
        timeval tv{20, 0};
        ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        auto say = [&](const std::string& s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); };
        std::string buf;
        auto line = [&](std::string& out) {
            for (;;) {
                auto p = buf.find("\r\n");
                if (p != std::string::npos) {
                    out = buf.substr(0, p);
                    buf.erase(0, p + 2);
                    return true;
                }
                char tmp[4096];
                ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
                if (n <= 0) return false;
                buf.append(tmp, static_cast<size_t>(n));
            }
        };
        say("220 sink ESMTP\r\n");
        std::string l;
        while (line(l)) {
            std::string cmd = l.substr(0, 4);
            for (auto& ch : cmd) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            if (cmd == "EHLO" || cmd == "HELO") {
                std::lock_guard lk(mu);
                helo = l.substr(5);
                say("250-sink\r\n250 8BITMIME\r\n");
            } else if (cmd == "MAIL") {
                say("250 OK\r\n");
            } else if (cmd == "RCPT") {
                std::lock_guard lk(mu);
                rcpts.push_back(l);
                say("250 OK\r\n");
            } else if (cmd == "DATA") {
                say("354 go ahead\r\n");
                std::string data, dl;
                while (line(dl) && dl != ".") data += (dl.rfind("..", 0) == 0 ? dl.substr(1) : dl) + "\r\n";
                {
                    std::lock_guard lk(mu);
                    datas.push_back(data);
                }
                say("250 queued\r\n");
            } else if (cmd == "QUIT") {
                say("221 bye\r\n");
                break;
            } else {
                say("250 OK\r\n");
            }
        }
        ::close(c);
    }
};

TEST(MailSmtp, MailDeliveredToLocalSmtpSink) {
    SmtpSink sink;
    TestServer srv;
    std::string su = srv.superuserToken();
    auto p = srv.patch("/api/settings",
                       Value(Object{{"smtp", Value(Object{{"enabled", true}, {"host", "127.0.0.1"}, {"port", sink.port},
                                                          {"tls", false}, {"localName", "pb.test"}})}}),
                       su);
    ASSERT_EQ(p.status, 200) << p.body;
    auto r = srv.post("/api/settings/test/email", Value(Object{{"email", "sink@example.com"}, {"template", "verification"}}), su);
    ASSERT_EQ(r.status, 204) << r.body;
    std::string data;
    for (int i = 0; i < 400 && data.empty(); ++i) {
        {
            std::lock_guard lk(sink.mu);
            if (!sink.datas.empty()) data = sink.datas[0];
        }
        if (data.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_FALSE(data.empty()) << "the sink got no DATA";
    auto mail = pbtest::parseMail(data);
    EXPECT_EQ(mail.to, "<sink@example.com>");
    EXPECT_EQ(mail.subject, "Verify your Acme email");
    EXPECT_FALSE(pbtest::tokenFrom(mail, "verification").empty()) << mail.body;
    std::lock_guard lk(sink.mu);
    ASSERT_EQ(sink.rcpts.size(), 1u);
    EXPECT_NE(sink.rcpts[0].find("<sink@example.com>"), std::string::npos);
    EXPECT_EQ(sink.helo, "pb.test");
    // Nothing went to the file fallback.
    EXPECT_TRUE(MailBox(srv.dataDir()).all().empty());
}

}  // namespace

// An SMTP server that refuses connections, or accepts and never answers, must not hang requests
// or hurt the server: the (synchronous) test email fails with a 400 envelope, bounded by the SMTP
// timeouts (15 s without a greeting); mail sent by auth flows answers at once (delivery runs on
// the mailer thread and fails there); the server keeps serving.
TEST(MailSmtp, RefusingOrHangingSmtpDoesNotHangRequests) {
    int silent = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(silent, 16), 0);  // accepts (kernel backlog) but never greets
    socklen_t len = sizeof a;
    ::getsockname(silent, reinterpret_cast<sockaddr*>(&a), &len);
    const int hangingPort = ntohs(a.sin_port);
    const int refusingPort = pbtest::freePort();  // nothing listens there

    TestServer srv;
    std::string su = srv.superuserToken();
    srv.createUser("smtpfail@example.com", "Passw0rd!123");
    for (int port : {refusingPort, hangingPort}) {
        auto p = srv.patch("/api/settings",
                           Value(Object{{"smtp", Value(Object{{"enabled", true}, {"host", "127.0.0.1"}, {"port", port}, {"tls", false}})}}),
                           su);
        ASSERT_EQ(p.status, 200) << p.body;
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(srv.post("/api/collections/users/request-verification", Value(Object{{"email", "smtpfail@example.com"}})).status, 204);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << "port " << port;
        auto t = srv.post("/api/settings/test/email", Value(Object{{"email", "x@example.com"}, {"template", "verification"}}), su);
        EXPECT_EQ(t.status, 400) << t.body;
        EXPECT_EQ(t.json()["status"].getNumber(), 400);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(25)) << "port " << port;
        EXPECT_EQ(srv.get("/api/health").status, 200);
    }
    ::close(silent);
}
