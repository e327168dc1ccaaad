#pragma once
// Request framing in front of Pistache's HTTP parser.
//
// Pistache's parser must never see a request body: it reserves a buffer of the size the client
// announces, accepts `Content-Length: +N` (stoull), mis-parses negative chunk sizes, answers its
// own exceptions with plain-text 500s carrying the C++ message, and after refusing a request it
// re-parses the leftover bytes as request lines, pinning the reactor (pistache#1190). The guard
// follows the byte stream of one connection itself:
//  - heads are validated strictly (request line, header syntax, one plain-digit Content-Length,
//    Transfer-Encoding only `chunked`, never both) and handed on without their framing headers,
//    so the parser only parses a request line and headers;
//  - bodies (Content-Length or chunked) are collected here, growing with the bytes that really
//    arrive, and refused as soon as head + body would pass the request limit;
//  - after a refusal every further byte of the connection is discarded unparsed.
// Each step is linear in the input; nothing is reserved from a size the client announced.
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
    enum class Verdict {
        Pass,
        BadRequest,           // 400: malformed head or framing
        HeaderTooLarge,       // 431
        BodyTooLarge,         // 413
        UnsupportedEncoding,  // 501: a Transfer-Encoding other than chunked (as Go answers)
        TooManyPipelined,     // 429: the connection's queue of unanswered requests is full
    };
    enum class Event {
        NeedMore,  // the input is consumed
        Head,      // head() holds the next request's head, without Content-Length/Transfer-Encoding
        Body,      // that request's whole body (maybe empty) is ready: takeBody()
        Refused,   // verdict()/reason() tell why; all later input is discarded
    };

    explicit RequestGuard(RequestLimits limits) : limits_(limits) {}

    // Consumes bytes from the front of `in` up to the next event. Head and Body alternate,
    // one pair per request; Refused is reported once.
    Event next(std::string_view& in);

    const std::string& head() const { return head_; }
    // Whether the request announced a body (Content-Length or chunked), even an empty one.
    bool hasBody() const { return framed_; }
    std::string takeBody();

    // Refuses the current request from outside (e.g. the parser rejected the head).
    void refuse(Verdict v, const char* reason);
    bool refused() const { return phase_ == Phase::Refused; }
    Verdict verdict() const { return verdict_; }
    const char* reason() const { return reason_; }
    // Memory held for the current request (buffers' capacity).
    size_t heldBytes() const { return head_.capacity() + line_.capacity() + body_.capacity(); }

private:
    enum class Phase { Head, Length, ChunkSize, ChunkData, ChunkEnd, Trailers, Complete, Refused };
    Event onHeadComplete();
    Event onChunkSizeLine(std::string_view line);
    // Moves up to left_ body bytes from `in` into body_; true once left_ reaches 0.
    bool takeBodyBytes(std::string_view& in);
    // Reads one CRLF-terminated line into line_ (bounded by `maxLine`); true once complete.
    bool readLine(std::string_view& in, size_t maxLine, bool* tooLong);
    Event refuseNow(Verdict v, const char* reason);
    size_t bodyRoom() const;

    RequestLimits limits_;
    Phase phase_ = Phase::Head;
    std::string head_, line_, body_;
    uint64_t left_ = 0;  // bytes still expected in the Content-Length body or current chunk
    size_t headBytes_ = 0;     // the current head as received (framing headers included)
    size_t trailerBytes_ = 0;
    bool framed_ = false;
    Verdict verdict_ = Verdict::Pass;
    const char* reason_ = "";
};

// The raw HTTP/1.1 refusal (PocketBase's error envelope, Connection: close).
std::string refusalResponse(RequestGuard::Verdict v, std::string_view reason = {});

}  // namespace pb::http
