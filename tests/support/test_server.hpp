#pragma once
// Starts a real `pb serve` on a free loopback port with a temporary data dir, and a minimal
// blocking HTTP/1.1 client for scenario tests.
#include <map>
#include <string>
#include <vector>

#include "util/json.hpp"

namespace pbtest {

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    pb::json::Value json() const;
};

HttpResponse httpRequest(int port, const std::string& method, const std::string& path, const std::string& body = "",
                         const std::map<std::string, std::string>& headers = {});

class TestServer {
public:
    // extraArgs are appended to `pb serve`. A non-empty stderrPath captures the server's stderr
    // into that file (truncated first).
    explicit TestServer(std::vector<std::string> extraArgs = {}, std::string stderrPath = "");
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    int port() const { return port_; }
    const std::string& dataDir() const { return dir_; }

    HttpResponse get(const std::string& path, const std::string& token = "");
    HttpResponse post(const std::string& path, const pb::json::Value& body, const std::string& token = "");
    HttpResponse patch(const std::string& path, const pb::json::Value& body, const std::string& token = "");
    HttpResponse del(const std::string& path, const std::string& token = "");
    HttpResponse request(const std::string& method, const std::string& path, const std::string& body,
                         const std::map<std::string, std::string>& headers);

    // Superuser created before start: admin@example.com / Passw0rd!123.
    std::string superuserToken();
    // Creates a user in `users` and returns its auth token.
    std::string createUser(const std::string& email, const std::string& password, std::string* idOut = nullptr);

    void stop();

private:
    std::string dir_;
    int port_ = 0;
    int pid_ = -1;
    std::string suToken_;
};

std::string pbBinary();
int freePort();

}  // namespace pbtest
