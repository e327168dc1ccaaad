#pragma once
// Size guard in front of Pistache's HTTP parser.
//
// Pistache buffers a whole request before it checks maxRequestSize, and after refusing an
// oversized one it re-parses the leftover body bytes as request lines, burning a reactor for
// tens of seconds (pistache#1190). The guard follows the byte stream of one connection (heads,
// Content-Length bodies) and refuses a request as soon as its head is too large or it announces
// a body over the limit — before any of it reaches the parser. After a refusal the rest of the
// connection's input is discarded without parsing and the write side is shut down.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pb::http {

struct RequestLimits {
    size_t maxHeaderBytes = 1 << 20;        // request line + headers (Go's MaxHeaderBytes)
    size_t maxRequestBytes = 16 << 20;      // head + body
};

class RequestGuard {
public:
    enum class Verdict { Pass, HeaderTooLarge, BodyTooLarge };

    explicit RequestGuard(RequestLimits limits) : limits_(limits) {}

    // Feeds the next bytes of the connection. Returns Pass, or the refusal of the request that
    // starts at `*acceptedBytes` (bytes before it belong to earlier, acceptable requests).
    Verdict feed(std::string_view data, size_t* acceptedBytes);

    bool refused() const { return phase_ == Phase::Refused; }

private:
    enum class Phase { Head, Body, Unbounded, Refused };
    Verdict onHeadComplete();

    RequestLimits limits_;
    Phase phase_ = Phase::Head;
    std::string head_;
    uint64_t bodyLeft_ = 0;
};

// The raw HTTP/1.1 refusal (PocketBase's error envelope, Connection: close).
std::string refusalResponse(RequestGuard::Verdict v);

}  // namespace pb::http
