#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pbtest {

namespace fs = std::filesystem;

std::string pbBinary() {
    if (const char* b = std::getenv("PB_BIN")) return b;
    return PB_BINARY;
}

int forkTied() {
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);     // kept across execve
        if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
    } else if (pid > 0) {
        ::setpgid(pid, pid);  // also here, so a kill(-pid) right after fork cannot miss the group
    }
    return pid;
}

int stopTiedChild(int pid, int graceMs) {
    ::kill(pid, SIGTERM);
    for (int waited = 0; waited < graceMs; waited += 50) {
        int st = 0;
        if (::waitpid(pid, &st, WNOHANG) == pid) {
            ::kill(-pid, SIGKILL);  // anything the server left in its group
            return st;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
}

int slowFactor() {
    const char* s = std::getenv("PB_TEST_SLOW");
    return s && *s && std::strcmp(s, "0") != 0 ? 4 : 1;
}

// The server's environment: ours, with every sanitizer's log_path pointed into sanDir, so a
// report in the server (or in a process it forks: <log_path>.<pid>) is found by the harness
// and fails the test instead of scrolling by on a stderr nobody reads. Harmless for a binary
// built without sanitizers.
std::vector<std::string> serverEnvironment(const std::string& sanDir, bool crashesExpected) {
    std::vector<std::string> env;
    std::map<std::string, std::string> san = {{"ASAN_OPTIONS", ""}, {"UBSAN_OPTIONS", ""}, {"TSAN_OPTIONS", ""}};
    for (char** e = environ; e && *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        auto it = eq == std::string::npos ? san.end() : san.find(kv.substr(0, eq));
        if (it != san.end()) it->second = kv.substr(eq + 1);
        else env.push_back(kv);
    }
    for (auto& [name, value] : san) {
        std::string v = value;
        if (!v.empty()) v += ":";
        v += "log_path=" + sanDir + "/report";
        // Deliberate crashes (plugin SIGSEGV/SIGABRT tests) go to the server's own crash handling
        // as in production; a sanitizer report of them would be noise.
        if (crashesExpected) v += ":handle_segv=0:handle_sigbus=0:handle_sigill=0:handle_sigfpe=0:handle_abort=0";
        env.push_back(name + "=" + v);
    }
    return env;
}

void failOnSanitizerReports(const std::string& sanDir) {
    std::error_code ec;
    if (sanDir.empty() || !fs::is_directory(sanDir, ec)) return;
    for (auto& de : fs::directory_iterator(sanDir, ec)) {
        std::ifstream in(de.path());
        std::stringstream ss;
        ss << in.rdbuf();
        std::string report = ss.str();
        fs::remove(de.path(), ec);
        if (report.empty()) continue;
        ADD_FAILURE() << "sanitizer report from a pb server process (" << de.path().filename().string() << "):\n"
                      << report;
    }
}

bool waitFor(const std::function<bool()>& pred, int timeoutMs) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs * slowFactor());
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (pred()) return true;
        } catch (...) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

int freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    int port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

pb::json::Value HttpResponse::json() const {
    auto v = pb::json::parse(body);
    return v ? *v : pb::json::Value();
}

int listenLoopback(int backlog, int* port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, backlog) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

int connectLoopback(int port, int timeoutSec) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    timeval tv{timeoutSec, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

HttpResponse httpRequest(int port, const std::string& method, const std::string& path, const std::string& body,
                         const std::map<std::string, std::string>& headers) {
    int fd = connectLoopback(port, 30);
    if (fd < 0) throw std::runtime_error("connect failed");
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    bool hasCt = false;
    for (auto& [k, v] : headers) {
        req += k + ": " + v + "\r\n";
        if (k == "Content-Type") hasCt = true;
    }
    if (!body.empty() && !hasCt) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    size_t sent = 0;
    while (sent < req.size()) {
        ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    std::string raw;
    char buf[65536];
    HttpResponse res;
    size_t headerEnd = std::string::npos, contentLength = std::string::npos;
    bool chunked = false;
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<size_t>(n));
        if (headerEnd == std::string::npos) {
            headerEnd = raw.find("\r\n\r\n");
            if (headerEnd != std::string::npos) {
                std::string head = raw.substr(0, headerEnd);
                size_t lineEnd = head.find("\r\n");
                res.status = std::atoi(head.substr(9, 3).c_str());
                size_t pos = lineEnd + 2;
                while (pos < head.size() && lineEnd != std::string::npos) {
                    size_t e = head.find("\r\n", pos);
                    std::string line = head.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
                    auto colon = line.find(':');
                    if (colon != std::string::npos) {
                        std::string k = line.substr(0, colon);
                        for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                        std::string v = line.substr(colon + 1);
                        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
                        res.headers[k] = v;
                    }
                    if (e == std::string::npos) break;
                    pos = e + 2;
                }
                if (res.headers.count("content-length")) contentLength = std::stoul(res.headers["content-length"]);
                chunked = res.headers.count("transfer-encoding") > 0;
                if (method == "HEAD" || res.status == 204 || res.status == 304) contentLength = 0;
            }
        }
        if (headerEnd != std::string::npos && !chunked && contentLength != std::string::npos &&
            raw.size() >= headerEnd + 4 + contentLength)
            break;
    }
    ::close(fd);
    if (headerEnd != std::string::npos) {
        res.body = raw.substr(headerEnd + 4);
        if (contentLength != std::string::npos && res.body.size() > contentLength) res.body.resize(contentLength);
    }
    return res;
}

TestServer::TestServer(std::vector<std::string> extraArgs, std::string stderrPath, bool crashesExpected,
                       std::vector<std::string> extraEnv) {
    char tmpl[] = "/tmp/pbtest_XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    char sanTmpl[] = "/tmp/pbtest_san_XXXXXX";
    sanDir_ = ::mkdtemp(sanTmpl);
    std::vector<std::string> envStrings = serverEnvironment(sanDir_, crashesExpected);
    for (auto& e : extraEnv) envStrings.push_back(e);
    std::vector<char*> envp;
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);
    port_ = freePort();
    std::string bin = pbBinary();
    std::string cmd = bin + " superuser upsert admin@example.com 'Passw0rd!123' --dir " + dir_ + " > /dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("superuser upsert failed");
    pid_ = forkTied();
    if (pid_ == 0) {
        std::string addr = "127.0.0.1:" + std::to_string(port_);
        std::vector<std::string> args = {bin, "serve", "--http", addr, "--dir", dir_};
        for (auto& a : extraArgs) args.push_back(a);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int devnull = ::open("/dev/null", 1);
        if (!std::getenv("PB_TEST_VERBOSE")) ::dup2(devnull, 1);
        if (!stderrPath.empty()) {
            int errFd = ::open(stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (errFd >= 0) ::dup2(errFd, 2);
        }
        ::execve(bin.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15 * slowFactor());
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (httpRequest(port_, "GET", "/api/health").status == 200) return;
        } catch (...) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    stop();
    throw std::runtime_error("server did not become healthy");
}

TestServer::~TestServer() {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::remove_all(sanDir_, ec);
}

void TestServer::stop() {
    if (pid_ <= 0) return;
    // A sanitized server runs its leak check at exit: give it time before SIGKILL loses it.
    stopTiedChild(pid_, 5000 * slowFactor());
    pid_ = -1;
    failOnSanitizerReports(sanDir_);
}

HttpResponse TestServer::request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
    return httpRequest(port_, method, path, body, headers);
}

static std::map<std::string, std::string> authHeaders(const std::string& token) {
    if (token.empty()) return {};
    return {{"Authorization", token}};
}

HttpResponse TestServer::get(const std::string& path, const std::string& token) { return request("GET", path, "", authHeaders(token)); }
HttpResponse TestServer::post(const std::string& path, const pb::json::Value& body, const std::string& token) {
    return request("POST", path, body.dump(), authHeaders(token));
}
HttpResponse TestServer::patch(const std::string& path, const pb::json::Value& body, const std::string& token) {
    return request("PATCH", path, body.dump(), authHeaders(token));
}
HttpResponse TestServer::del(const std::string& path, const std::string& token) { return request("DELETE", path, "", authHeaders(token)); }

std::string TestServer::superuserToken() {
    if (!suToken_.empty()) return suToken_;
    auto r = post("/api/collections/_superusers/auth-with-password",
                  pb::json::Value(pb::json::Object{{"identity", "admin@example.com"}, {"password", "Passw0rd!123"}}));
    if (r.status != 200) throw std::runtime_error("superuser auth failed: " + r.body);
    suToken_ = r.json()["token"].getString();
    return suToken_;
}

std::string TestServer::createUser(const std::string& email, const std::string& password, std::string* idOut) {
    auto c = post("/api/collections/users/records",
                  pb::json::Value(pb::json::Object{{"email", email}, {"password", password}, {"passwordConfirm", password}}));
    if (c.status != 200) throw std::runtime_error("create user failed: " + c.body);
    if (idOut) *idOut = c.json()["id"].getString();
    auto r = post("/api/collections/users/auth-with-password",
                  pb::json::Value(pb::json::Object{{"identity", email}, {"password", password}}));
    if (r.status != 200) throw std::runtime_error("user auth failed: " + r.body);
    return r.json()["token"].getString();
}

}  // namespace pbtest
