#pragma once
// Starts a real `pb serve` on a free loopback port with a temporary data dir, and a minimal
// blocking HTTP/1.1 client for scenario tests.
#include <functional>
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
    // crashesExpected: the test makes the server die of SIGSEGV/SIGABRT on purpose; sanitizers
    // then leave those signals to the server's own handlers (no report, production behaviour).
    // extraEnv: "NAME=value" entries added to the server's environment (e.g. PB_TEST_NOW=...).
    // The server dies with the thread that started it (see forkTied).
    explicit TestServer(std::vector<std::string> extraArgs = {}, std::string stderrPath = "",
                        bool crashesExpected = false, std::vector<std::string> extraEnv = {});
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    int port() const { return port_; }
    int pid() const { return pid_; }  // of the `pb serve` process
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

    // SIGTERM (SIGKILL after a grace period), then fails the running test if a sanitizer wrote a
    // report in the server (or in a process it forked).
    void stop();

private:
    std::string dir_;
    std::string sanDir_;  // sanitizer log_path directory of this server (see test_server.cpp)
    int port_ = 0;
    int pid_ = -1;
    std::string suToken_;
};

std::string pbBinary();
// fork() for a server a test starts: the child gets its own process group and SIGKILL when the
// thread that forked it ends, so a test killed by ctest's timeout (or a crash) never leaves a
// server behind. Returns as fork() does; the child then execs.
int forkTied();
// Ends a server started with forkTied: SIGTERM, then SIGKILL to its whole process group after
// graceMs; reaps it. Returns the wait status, -1 when it had to be killed.
int stopTiedChild(int pid, int graceMs);
int freePort();
// A TCP socket connected to 127.0.0.1:port with receive and send timeouts of `timeoutSec`;
// -1 when the connection fails.
int connectLoopback(int port, int timeoutSec);
// A TCP socket listening on 127.0.0.1 at a free port, which is written to *port; -1 on failure.
int listenLoopback(int backlog, int* port);
// 1 normally; larger with PB_TEST_SLOW=1 (sanitizer runs): scales start-up/shutdown waits and the
// timeouts of timing-sensitive tests, never their assertions about behaviour.
int slowFactor();

// Polls pred every 50 ms until it is true (an exception counts as false) or timeoutMs (scaled by
// slowFactor) has passed; returns whether it became true.
bool waitFor(const std::function<bool()>& pred, int timeoutMs = 20000);

// Sanitizer reports of child `pb` processes (see test_server.cpp): the environment to exec a
// server with, which points every sanitizer's log_path into sanDir; and the check that fails the
// running test with the content of any report found there (the files are removed).
std::vector<std::string> serverEnvironment(const std::string& sanDir, bool crashesExpected = false);
void failOnSanitizerReports(const std::string& sanDir);

}  // namespace pbtest
