#pragma once
// Transport-neutral HTTP request/response types. Nothing outside core/http sees Pistache.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/http_status.hpp"

namespace pb::http {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method;     // upper case, e.g. "GET"
    std::string path;       // raw (still percent-encoded) path without the query
    std::string rawQuery;   // without the leading '?'
    Pairs query;            // percent-decoded, in order; repeated keys kept
    Pairs headers;          // names lower-cased, in order
    std::string body;
    std::string remoteIp;

    const std::string* header(std::string_view lowerName) const;
    std::string headerOr(std::string_view lowerName, std::string def = "") const;
    // First value of a query key.
    std::optional<std::string> queryParam(std::string_view key) const;
};

// Thread-safe writer for a long-lived chunked response (SSE). write() returns false once the
// peer is gone; after that the stream is dead and the owner should drop it. write() only queues:
// pendingBytes() is what was queued and has not reached the socket yet (a peer that stops
// reading makes it grow; the owner decides when that is too much).
class StreamWriter {
public:
    virtual ~StreamWriter() = default;
    virtual bool write(std::string_view data) = 0;
    virtual bool isOpen() const = 0;
    virtual void close() = 0;
    virtual size_t pendingBytes() const { return 0; }
};

struct Response {
    int status = 200;
    Pairs headers;
    std::string body;
    // When set the adapter sends status + headers as a chunked stream and hands the writer to
    // this callback (on the worker thread); `body` is ignored.
    std::function<void(std::shared_ptr<StreamWriter>)> onStream;
    bool headOnly = false;  // HEAD request: send headers, no body

    void setHeader(std::string_view name, std::string value);
    const std::string* header(std::string_view name) const;  // case-insensitive
    void removeHeader(std::string_view name);
};

using pb::statusText;

}  // namespace pb::http
