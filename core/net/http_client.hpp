#pragma once
// A small blocking HTTP(S) client over libcurl for outgoing calls (OAuth2 providers, avatar
// downloads). Every call has a total timeout and a response size cap; nothing is retried and
// redirects are not followed unless asked for.
//
// blockPrivateAddresses = PocketBase's "safe HTTP client" (SSRF guard): the check runs at
// connect time on the address DNS returned (so DNS rebinding cannot slip through) and refuses
// loopback, private, link-local, multicast, unspecified and other special-purpose addresses.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace pb::net {

struct ClientRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    long timeoutMs = 30000;        // whole transfer (connect + send + receive)
    size_t maxResponseBytes = 32u << 20;
    bool followRedirects = false;  // at most 5 hops when true
    bool blockPrivateAddresses = false;
};

struct ClientResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
    std::string body;
    const std::string* header(const std::string& lowerName) const;
};

// Throws std::runtime_error on transport failure (DNS, connect, timeout, size cap, refused
// address). Any HTTP status is returned as is.
ClientResponse send(const ClientRequest& req);

// application/x-www-form-urlencoded encoding of key/value pairs (in the given order).
std::string formEncode(const std::vector<std::pair<std::string, std::string>>& pairs);

// True for addresses the safe client refuses (numeric IPv4/IPv6 text).
bool isPrivateAddress(const std::string& ip);

}  // namespace pb::net
