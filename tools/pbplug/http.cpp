// A minimal blocking HTTP/1.1 client over a POSIX socket: enough to talk to the server's admin
// API. http:// only, one request per connection ("Connection: close"), chunked bodies decoded.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "pbplug.hpp"

namespace pbplug {

namespace {

struct Url {
    std::string host, port, base;
};

Url parse_url(const std::string& url) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0) throw std::runtime_error("only http:// URLs are supported: " + url);
    std::string rest = url.substr(scheme.size());
    Url u;
    size_t slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    u.base = slash == std::string::npos ? "" : rest.substr(slash);
    while (!u.base.empty() && u.base.back() == '/') u.base.pop_back();
    size_t colon = hostport.rfind(':');
    if (!hostport.empty() && hostport[0] == '[') {  // [::1]:8090
        size_t close = hostport.find(']');
        u.host = hostport.substr(1, close - 1);
        u.port = close + 1 < hostport.size() && hostport[close + 1] == ':' ? hostport.substr(close + 2) : "80";
    } else if (colon != std::string::npos) {
        u.host = hostport.substr(0, colon);
        u.port = hostport.substr(colon + 1);
    } else {
        u.host = hostport;
        u.port = "80";
    }
    if (u.host.empty()) throw std::runtime_error("bad URL: " + url);
    return u;
}

int connect_to(const Url& u) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (int rc = ::getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res); rc != 0)
        throw std::runtime_error("cannot resolve " + u.host + ": " + gai_strerror(rc));
    int fd = -1;
    std::string last = "no address";
    for (addrinfo* a = res; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        timeval tv{30, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        last = std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd < 0) throw std::runtime_error("cannot connect to " + u.host + ":" + u.port + ": " + last);
    return fd;
}

void send_all(int fd, const std::string& data) {
    for (size_t off = 0; off < data.size();) {
        ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
        off += static_cast<size_t>(n);
    }
}

std::string decode_chunked(const std::string& in) {
    std::string out;
    size_t pos = 0;
    while (pos < in.size()) {
        size_t eol = in.find("\r\n", pos);
        if (eol == std::string::npos) break;
        size_t len = std::stoul(in.substr(pos, eol - pos), nullptr, 16);
        if (len == 0) break;
        out.append(in, eol + 2, len);
        pos = eol + 2 + len + 2;
    }
    return out;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

HttpResponse http_request(const std::string& base_url, const std::string& method, const std::string& path,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& body) {
    Url u = parse_url(base_url);
    std::string req = method + " " + u.base + path + " HTTP/1.1\r\n";
    req += "Host: " + u.host + (u.port == "80" ? "" : ":" + u.port) + "\r\n";
    req += "User-Agent: pbplug\r\nAccept: application/json\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH")
        req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;

    int fd = connect_to(u);
    std::string raw;
    try {
        send_all(fd, req);
        char buf[8192];
        for (;;) {
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
            if (n == 0) break;
            raw.append(buf, static_cast<size_t>(n));
        }
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);

    size_t head_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/", 0) != 0 || head_end == std::string::npos)
        throw std::runtime_error("malformed HTTP response");
    HttpResponse res;
    size_t sp = raw.find(' ');
    res.status = std::atoi(raw.c_str() + sp + 1);
    std::string head = lower(raw.substr(0, head_end));
    res.body = raw.substr(head_end + 4);
    if (head.find("\r\ntransfer-encoding: chunked") != std::string::npos) res.body = decode_chunked(res.body);
    return res;
}

}  // namespace pbplug
