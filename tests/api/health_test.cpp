#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "support/test_server.hpp"
#include "util/strings.hpp"

using pbtest::TestServer;

TEST(ApiHealth, ReturnsHealthyEnvelope) {
    TestServer s;
    auto r = s.get("/api/health");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_EQ(r.body, "{\"message\":\"API is healthy.\",\"code\":200,\"data\":{}}\n");
    EXPECT_EQ(r.headers["x-frame-options"], "SAMEORIGIN");
    // The test client sends "Connection: close", which is echoed (as Go's server does).
    EXPECT_TRUE(pb::str::iequals(r.headers["connection"], "close")) << r.headers["connection"];
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

namespace {
// Sends raw bytes and reads until the server closes (or 3 s pass); returns what was read and
// whether EOF came from the server.
std::pair<std::string, bool> rawExchange(int port, const std::string& bytes) {
    int fd = pbtest::connectLoopback(port, 3);
    if (fd < 0) return {"", false};
    ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[4096];
    bool eof = false;
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) { eof = true; break; }
        if (n < 0) break;  // timeout
        got.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return {got, eof};
}
}  // namespace

// Clients that ask for "Connection: close" (and read to EOF) must not wait for an idle timeout.
TEST(ApiHealth, ConnectionCloseIsHonoured) {
    TestServer s;
    auto t0 = std::chrono::steady_clock::now();
    auto [resp, eof] = rawExchange(s.port(), "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(eof);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    EXPECT_EQ(resp.rfind("HTTP/1.1 200", 0), 0u) << resp;
    EXPECT_NE(resp.find("API is healthy."), std::string::npos);
    // Without it the connection stays open for the next request.
    auto [kept, eofKept] = rawExchange(s.port(), "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_FALSE(eofKept);
    EXPECT_EQ(kept.rfind("HTTP/1.1 200", 0), 0u) << kept;
    EXPECT_EQ(kept.find("Connection"), std::string::npos) << kept;
}
