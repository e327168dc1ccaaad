#include "support/fake_idp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "util/base64.hpp"
#include "util/hash.hpp"
#include "util/random.hpp"
#include "support/test_server.hpp"
#include "util/strings.hpp"

namespace pbtest {

using pb::json::Object;
using pb::json::Value;

namespace {

void sendAll(int fd, const std::string& s) {
    size_t sent = 0;
    while (sent < s.size()) {
        ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
    }
}

void respond(int fd, int status, const std::string& body, const std::string& type = "application/json") {
    sendAll(fd, "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
}

// A 1x1 transparent PNG.
const unsigned char kPng[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
                              0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
                              0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00,
                              0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
                              0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

}  // namespace

FakeIdp::FakeIdp(std::string clientId, std::string clientSecret)
    : clientId_(std::move(clientId)), clientSecret_(std::move(clientSecret)) {
    listenFd_ = pbtest::listenLoopback(64, &port_);
    if (listenFd_ < 0) throw std::runtime_error("fake idp: bind/listen failed");
    acceptThread_ = std::thread([this] { acceptLoop(); });
}

FakeIdp::~FakeIdp() {
    stop_ = true;
    ::shutdown(listenFd_, SHUT_RDWR);
    if (acceptThread_.joinable()) acceptThread_.join();
    ::close(listenFd_);
    std::vector<std::thread> ws;
    {
        std::lock_guard lk(mu_);
        ws.swap(workers_);
    }
    for (auto& t : ws)
        if (t.joinable()) t.join();
}

std::string FakeIdp::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void FakeIdp::addCode(const std::string& code, const std::string& challenge, const Value& user) {
    std::lock_guard lk(mu_);
    codes_[code] = {challenge, user};
}

void FakeIdp::setEmails(const Value& emails) {
    std::lock_guard lk(mu_);
    emails_ = emails;
}

std::map<std::string, std::string> FakeIdp::lastTokenForm() {
    std::lock_guard lk(mu_);
    return lastForm_;
}

void FakeIdp::sleepUnlessStopped(int ms) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

void FakeIdp::acceptLoop() {
    while (!stop_) {
        pollfd p{listenFd_, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        int fd = ::accept(listenFd_, nullptr, nullptr);
        if (fd < 0) continue;
        std::lock_guard lk(mu_);
        workers_.emplace_back([this, fd] {
            handle(fd);
            ::close(fd);
        });
    }
}

void FakeIdp::handle(int fd) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string raw;
    char buf[8192];
    size_t headerEnd = std::string::npos;
    size_t contentLength = 0;
    while (true) {
        if (headerEnd != std::string::npos && raw.size() >= headerEnd + 4 + contentLength) break;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return;
        raw.append(buf, static_cast<size_t>(n));
        if (headerEnd == std::string::npos && (headerEnd = raw.find("\r\n\r\n")) != std::string::npos) {
            std::string head = pb::str::lower(raw.substr(0, headerEnd));
            auto cl = head.find("content-length:");
            if (cl != std::string::npos) contentLength = std::stoul(head.substr(cl + 15));
        }
    }
    std::string head = raw.substr(0, headerEnd);
    std::string body = raw.substr(headerEnd + 4, contentLength);
    auto sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    std::string method = head.substr(0, sp1), target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string path = target.substr(0, target.find('?'));
    std::string bearer;
    for (auto& line : pb::str::split(head, '\n')) {
        auto l = std::string(pb::str::trim(line));
        if (pb::str::istartsWith(l, "authorization: bearer ")) bearer = l.substr(22);
    }

    if (method == "POST" && path == "/token") {
        ++tokenCalls_;
        std::map<std::string, std::string> form;
        for (auto& [k, v] : pb::str::parseQuery(body)) form[k] = v;
        {
            std::lock_guard lk(mu_);
            lastForm_ = form;
        }
        if (hangTokenMs > 0) sleepUnlessStopped(hangTokenMs);
        if (tokenStatus > 0) return respond(fd, tokenStatus, R"({"error":"server_error"})");
        if (form["grant_type"] != "authorization_code" || form["client_id"] != clientId_ ||
            form["client_secret"] != clientSecret_)
            return respond(fd, 401, R"({"error":"invalid_client"})");
        Value user;
        {
            std::lock_guard lk(mu_);
            auto it = codes_.find(form["code"]);
            if (it == codes_.end()) return respond(fd, 400, R"({"error":"invalid_grant"})");
            if (!it->second.challenge.empty() &&
                pb::base64::encodeUrl(pb::hash::sha256(form["code_verifier"])) != it->second.challenge)
                return respond(fd, 400, R"({"error":"invalid_grant","error_description":"PKCE verification failed"})");
            user = it->second.user;
            codes_.erase(it);  // codes are single use
        }
        std::string access = "at_" + pb::random::string(20);
        {
            std::lock_guard lk(mu_);
            tokens_[access] = user;
        }
        if (formEncodedToken)
            return respond(fd, 200, "access_token=" + access + "&token_type=bearer&scope=read", "application/x-www-form-urlencoded");
        return respond(fd, 200,
                       Value(Object{{"access_token", access}, {"token_type", "Bearer"}, {"refresh_token", "rt_" + access},
                                    {"expires_in", 3600}})
                           .dump());
    }
    if (method == "GET" && (path == "/userinfo" || path == "/userinfo/emails")) {
        if (path == "/userinfo" && hangUserinfoMs > 0) sleepUnlessStopped(hangUserinfoMs);
        if (path == "/userinfo" && userinfoStatus > 0) return respond(fd, userinfoStatus, R"({"error":"nope"})");
        Value user, emails;
        {
            std::lock_guard lk(mu_);
            auto it = tokens_.find(bearer);
            if (it == tokens_.end()) return respond(fd, 401, R"({"error":"invalid_token"})");
            user = it->second;
            emails = emails_;
        }
        if (path == "/userinfo/emails") {
            if (emails.isNull()) return respond(fd, 404, R"({"message":"Not Found"})");
            return respond(fd, 200, emails.dump());
        }
        if (malformedUserinfo) return respond(fd, 200, "{not json");
        return respond(fd, 200, user.dump());
    }
    if (method == "GET" && path == "/avatar.png") {
        ++avatarCalls_;
        return respond(fd, 200, std::string(reinterpret_cast<const char*>(kPng), sizeof kPng), "image/png");
    }
    respond(fd, 404, R"({"error":"not_found"})");
}

}  // namespace pbtest
