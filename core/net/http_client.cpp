// Outgoing HTTP over libcurl (see http_client.hpp).
#include "net/http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

#include "util/strings.hpp"

namespace pb::net {

namespace {

struct Transfer {
    ClientResponse res;
    size_t max = 0;
    bool tooLarge = false;
    bool blockPrivate = false;
    bool refused = false;
};

size_t onBody(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t len = size * n;
    if (t->res.body.size() + len > t->max) {
        t->tooLarge = true;
        return 0;  // aborts the transfer
    }
    t->res.body.append(data, len);
    return len;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
    auto* t = static_cast<Transfer*>(user);
    size_t len = size * n;
    std::string_view line(data, len);
    // A new status line (redirect hop, 100-continue) resets the collected headers.
    if (str::startsWith(line, "HTTP/")) t->res.headers.clear();
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        t->res.headers.emplace_back(str::lower(str::trim(line.substr(0, colon))),
                                    std::string(str::trim(line.substr(colon + 1))));
    }
    return len;
}

// Called by libcurl for every socket it is about to connect, with the resolved address.
curl_socket_t onOpenSocket(void* user, curlsocktype, curl_sockaddr* addr) {
    auto* t = static_cast<Transfer*>(user);
    if (t->blockPrivate) {
        char buf[INET6_ADDRSTRLEN] = {0};
        if (addr->family == AF_INET)
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr->addr)->sin_addr, buf, sizeof buf);
        else if (addr->family == AF_INET6)
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr->addr)->sin6_addr, buf, sizeof buf);
        if (!buf[0] || isPrivateAddress(buf)) {
            t->refused = true;
            return CURL_SOCKET_BAD;
        }
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool inV4(uint32_t ip, uint32_t net, int bits) {
    uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
    return (ip & mask) == (net & mask);
}

}  // namespace

const std::string* ClientResponse::header(const std::string& lowerName) const {
    for (auto& [k, v] : headers)
        if (k == lowerName) return &v;
    return nullptr;
}

bool isPrivateAddress(const std::string& ip) {
    in_addr v4{};
    if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
        uint32_t a = ntohl(v4.s_addr);
        static const std::pair<uint32_t, int> blocked[] = {
            {0x00000000, 8},   {0x0A000000, 8},  {0x64400000, 10}, {0x7F000000, 8},  {0xA9FE0000, 16},
            {0xAC100000, 12},  {0xC0000000, 24}, {0xC0000200, 24}, {0xC0A80000, 16}, {0xC6120000, 15},
            {0xC6336400, 24},  {0xCB007100, 24}, {0xE0000000, 4},  {0xF0000000, 4},
        };
        for (auto& [net, bits] : blocked)
            if (inV4(a, net, bits)) return true;
        return false;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, ip.c_str(), &v6) != 1) return true;  // unparsable: refuse
    const unsigned char* b = v6.s6_addr;
    static const unsigned char zero[16] = {0};
    if (std::memcmp(b, zero, 16) == 0) return true;                      // ::
    if (std::memcmp(b, zero, 15) == 0 && b[15] == 1) return true;        // ::1
    if (b[0] == 0xff) return true;                                       // multicast
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;              // fe80::/10 link-local
    if ((b[0] & 0xfe) == 0xfc) return true;                              // fc00::/7 unique local
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // documentation
    // IPv4-mapped / -compatible: judge the embedded IPv4 address.
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, mapped, 12) == 0 || std::memcmp(b, zero, 12) == 0) {
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, b + 12, buf, sizeof buf);
        return isPrivateAddress(buf);
    }
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return true;  // NAT64
    return false;
}

std::string formEncode(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out;
    for (auto& [k, v] : pairs) {
        if (!out.empty()) out += '&';
        out += str::urlEncode(k) + '=' + str::urlEncode(v);
    }
    return out;
}

ClientResponse send(const ClientRequest& req) {
    globalInit();
    CURL* h = curl_easy_init();
    if (!h) throw std::runtime_error("http client: curl_easy_init failed");
    curl_slist* hdrs = nullptr;
    struct Cleanup {
        CURL* h;
        curl_slist*& l;
        ~Cleanup() {
            if (l) curl_slist_free_all(l);
            curl_easy_cleanup(h);
        }
    } cleanup{h, hdrs};

    Transfer t;
    t.max = req.maxResponseBytes;
    t.blockPrivate = req.blockPrivateAddresses;
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req.timeoutMs);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(req.timeoutMs, 15000L));
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req.followRedirects ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "pocketbase-cpp");
    // The SSRF guard inspects the real peer: never tunnel through an environment proxy then.
    if (req.blockPrivateAddresses) curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, onOpenSocket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // any encoding curl can decode

    std::string method = str::upper(req.method);
    if (method == "GET") {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
    }
    for (auto& [k, v] : req.headers) hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    hdrs = curl_slist_append(hdrs, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

    CURLcode rc = curl_easy_perform(h);
    if (t.refused) throw std::runtime_error("http client: refused to connect to a private or reserved address");
    if (t.tooLarge) throw std::runtime_error("http client: response exceeds the size limit");
    if (rc != CURLE_OK) throw std::runtime_error(std::string("http client: ") + curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.res.status = static_cast<int>(status);
    return std::move(t.res);
}

}  // namespace pb::net
