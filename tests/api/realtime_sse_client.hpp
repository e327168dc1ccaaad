#pragma once
// A minimal SSE client for the realtime scenario tests: opens GET /api/realtime on a raw socket,
// de-chunks the body and yields `id:/event:/data:` frames, with timeouts (poll).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

namespace pbtest {

struct SseFrame {
    std::string id, event, data;
};

class SseClient {
public:
    SseClient() = default;
    ~SseClient() { close(); }
    SseClient(const SseClient&) = delete;
    SseClient& operator=(const SseClient&) = delete;

    // Connects (optionally from a given loopback source address) and sends the GET.
    bool open(int port, const std::string& sourceIp = "", const std::string& path = "/api/realtime") {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd_ < 0) return false;
        if (receiveBuffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
        if (!sourceIp.empty()) {
            sockaddr_in src{};
            src.sin_family = AF_INET;
            ::inet_pton(AF_INET, sourceIp.c_str(), &src.sin_addr);
            if (::bind(fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) return false;
        }
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<uint16_t>(port));
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
        return ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
    }

    // Waits for the response head. Returns the status (0 on timeout/error).
    int readHead(int timeoutMs = 5000) {
        auto deadline = now() + timeoutMs;
        while (headEnd_ == std::string::npos) {
            if (!fill(deadline - now())) return 0;
            headEnd_ = raw_.find("\r\n\r\n");
        }
        std::string head = raw_.substr(0, headEnd_);
        raw_.erase(0, headEnd_ + 4);
        status_ = std::atoi(head.substr(9, 3).c_str());
        size_t pos = head.find("\r\n");
        while (pos != std::string::npos) {
            size_t e = head.find("\r\n", pos + 2);
            std::string line = head.substr(pos + 2, e == std::string::npos ? std::string::npos : e - pos - 2);
            auto colon = line.find(':');
            if (colon != std::string::npos) {
                std::string k = line.substr(0, colon), v = line.substr(colon + 1);
                for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                while (!v.empty() && v.front() == ' ') v.erase(0, 1);
                headers[k] = v;
            }
            pos = e;
        }
        return status_;
    }

    // Next frame within timeoutMs, or nullopt (timeout, EOF or error).
    std::optional<SseFrame> next(int timeoutMs = 5000) {
        if (headEnd_ == std::string::npos && readHead(timeoutMs) == 0) return std::nullopt;
        auto deadline = now() + timeoutMs;
        for (;;) {
            dechunk();
            auto end = body_.find("\n\n");
            if (end != std::string::npos) {
                std::string block = body_.substr(0, end);
                body_.erase(0, end + 2);
                SseFrame f;
                size_t pos = 0;
                while (pos <= block.size()) {
                    size_t nl = block.find('\n', pos);
                    std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
                    if (line.rfind("id:", 0) == 0) f.id = line.substr(3);
                    else if (line.rfind("event:", 0) == 0) f.event = line.substr(6);
                    else if (line.rfind("data:", 0) == 0) f.data += (f.data.empty() ? "" : "\n") + line.substr(5);
                    if (nl == std::string::npos) break;
                    pos = nl + 1;
                }
                return f;
            }
            if (ended_ || !fill(deadline - now())) return std::nullopt;
        }
    }

    // Bytes received (after the head) within timeoutMs; used to check that nothing arrives.
    size_t drain(int timeoutMs) {
        size_t before = raw_.size() + body_.size();
        auto deadline = now() + timeoutMs;
        while (now() < deadline && fill(deadline - now())) {
        }
        return raw_.size() + body_.size() - before;
    }

    // True once the server ended the stream (terminating chunk or EOF) within timeoutMs.
    bool waitClosed(int timeoutMs) {
        auto deadline = now() + timeoutMs;
        while (!eof_ && now() < deadline) fill(deadline - now());
        dechunk();
        return eof_;
    }

    bool endedCleanly() const { return ended_; }
    const std::string& rawRest() const { return raw_; }
    int status() const { return status_; }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    std::map<std::string, std::string> headers;
    // SO_RCVBUF set before connecting when > 0 (a small one makes a non-reading client's backlog
    // pile up on the server sooner).
    int receiveBuffer = 0;

private:
    static long long now() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    bool fill(long long timeoutMs) {
        if (fd_ < 0 || eof_ || timeoutMs <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeoutMs)) <= 0) return false;
        char buf[16384];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        raw_.append(buf, static_cast<size_t>(n));
        return true;
    }
    void dechunk() {
        if (headEnd_ == std::string::npos) return;
        for (;;) {
            auto crlf = raw_.find("\r\n");
            if (crlf == std::string::npos) return;
            size_t len = std::strtoul(raw_.substr(0, crlf).c_str(), nullptr, 16);
            if (raw_.size() < crlf + 2 + len + 2) return;
            if (len == 0) {
                ended_ = true;
                raw_.erase(0, crlf + 4);
                return;
            }
            body_.append(raw_, crlf + 2, len);
            raw_.erase(0, crlf + 2 + len + 2);
        }
    }

    int fd_ = -1;
    int status_ = 0;
    size_t headEnd_ = std::string::npos;
    std::string raw_, body_;
    bool eof_ = false, ended_ = false;
};

}  // namespace pbtest
