#pragma once
// A tiny OAuth2 / OpenID Connect identity provider on a loopback port for the API tests
// (raw sockets, one thread per connection, `Connection: close`).
//
// Endpoints:
//   POST /token            authorization_code grant; checks client_id/secret, the code, and the
//                          PKCE verifier against the challenge registered with the code
//   GET  /userinfo         the user registered for the bearer access token
//   GET  /userinfo/emails  GitHub-style email list of that user (see setEmails)
//   GET  /avatar.png       a tiny PNG
// Misbehaviour on demand: error statuses, hanging endpoints, malformed bodies.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/json.hpp"

namespace pbtest {

class FakeIdp {
public:
    FakeIdp(std::string clientId = "client-id", std::string clientSecret = "client-secret");
    ~FakeIdp();
    FakeIdp(const FakeIdp&) = delete;
    FakeIdp& operator=(const FakeIdp&) = delete;

    int port() const { return port_; }
    std::string url(const std::string& path) const;

    // Registers an authorization code. `challenge` is the S256 PKCE challenge the client sent
    // to the authorize endpoint (empty: no PKCE check). The user JSON is what /userinfo returns.
    void addCode(const std::string& code, const std::string& challenge, const pb::json::Value& user);
    // GitHub-style /userinfo/emails payload for every user (null: 404).
    void setEmails(const pb::json::Value& emails);

    // Behaviour switches (0 = normal).
    std::atomic<int> tokenStatus{0};     // force this status on /token
    std::atomic<int> userinfoStatus{0};  // force this status on /userinfo
    std::atomic<int> hangTokenMs{0};     // sleep before answering /token
    std::atomic<int> hangUserinfoMs{0};  // sleep before answering /userinfo
    std::atomic<bool> malformedUserinfo{false};
    std::atomic<bool> formEncodedToken{false};  // answer /token as x-www-form-urlencoded (GitHub legacy)

    // The last /token request form (decoded).
    std::map<std::string, std::string> lastTokenForm();
    int tokenCalls() const { return tokenCalls_.load(); }
    int avatarCalls() const { return avatarCalls_.load(); }

private:
    void acceptLoop();
    void handle(int fd);
    void sleepUnlessStopped(int ms);

    std::string clientId_, clientSecret_;
    int listenFd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread acceptThread_;
    std::mutex mu_;
    std::vector<std::thread> workers_;
    struct Grant {
        std::string challenge;
        pb::json::Value user;
    };
    std::map<std::string, Grant> codes_;
    std::map<std::string, pb::json::Value> tokens_;  // access token -> user
    pb::json::Value emails_;
    std::map<std::string, std::string> lastForm_;
    std::atomic<int> tokenCalls_{0}, avatarCalls_{0};
};

}  // namespace pbtest
