#include "http/request_guard.hpp"

#include <algorithm>
#include <charconv>

#include "util/strings.hpp"

namespace pb::http {

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

// Value of header `name` in a raw head (case-insensitive name), or empty.
std::string_view headerValue(std::string_view head, std::string_view name) {
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        size_t start = pos + 2;
        size_t end = head.find("\r\n", start);
        if (end == std::string_view::npos) end = head.size();
        std::string_view line = head.substr(start, end - start);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos && str::iequals(str::trim(line.substr(0, colon)), name))
            return str::trim(line.substr(colon + 1));
        pos = end;
    }
    return {};
}

}  // namespace

RequestGuard::Verdict RequestGuard::feed(std::string_view data, size_t* acceptedBytes) {
    size_t i = 0, requestStart = 0;
    // A head that began in an earlier read started "before" this buffer.
    bool headStartedHere = head_.empty();
    while (i < data.size()) {
        switch (phase_) {
            case Phase::Refused:
            case Phase::Unbounded:
                i = data.size();
                break;
            case Phase::Body: {
                size_t n = static_cast<size_t>(std::min<uint64_t>(bodyLeft_, data.size() - i));
                bodyLeft_ -= n;
                i += n;
                if (bodyLeft_ == 0) {
                    phase_ = Phase::Head;
                    requestStart = i;
                    headStartedHere = true;
                }
                break;
            }
            case Phase::Head: {
                // Tolerate blank lines between pipelined requests, as parsers do.
                if (head_.empty()) {
                    while (i < data.size() && (data[i] == '\r' || data[i] == '\n')) ++i;
                    if (i == data.size()) break;
                    requestStart = i;
                    headStartedHere = true;
                }
                size_t scanFrom = head_.size() >= 3 ? head_.size() - 3 : 0;
                size_t take = std::min(data.size() - i, limits_.maxHeaderBytes + kHeadEnd.size() - head_.size());
                head_.append(data.substr(i, take));
                size_t end = head_.find(kHeadEnd, scanFrom);
                if (end == std::string::npos) {
                    i += take;
                    if (head_.size() > limits_.maxHeaderBytes) {
                        phase_ = Phase::Refused;
                        *acceptedBytes = headStartedHere ? requestStart : 0;
                        return Verdict::HeaderTooLarge;
                    }
                    break;
                }
                // Only the bytes up to the end of the head belong to it.
                size_t headLen = end + kHeadEnd.size();
                i += take - (head_.size() - headLen);
                head_.resize(headLen);
                Verdict v = onHeadComplete();
                if (v != Verdict::Pass) {
                    *acceptedBytes = headStartedHere ? requestStart : 0;
                    return v;
                }
                break;
            }
        }
    }
    *acceptedBytes = data.size();
    return Verdict::Pass;
}

RequestGuard::Verdict RequestGuard::onHeadComplete() {
    std::string head = std::move(head_);
    head_.clear();
    if (head.size() > limits_.maxHeaderBytes) {
        phase_ = Phase::Refused;
        return Verdict::HeaderTooLarge;
    }
    std::string_view te = headerValue(head, "transfer-encoding");
    if (!te.empty() && !str::iequals(te, "identity")) {
        // Chunked bodies carry no announced size; Pistache's own maxRequestSize bounds them.
        // The stream can no longer be followed, so stop tracking this connection.
        phase_ = Phase::Unbounded;
        return Verdict::Pass;
    }
    std::string_view cl = headerValue(head, "content-length");
    uint64_t len = 0;
    if (!cl.empty()) {
        auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), len);
        if (ec != std::errc() || p != cl.data() + cl.size()) {
            // Malformed length: let the parser answer 400, but stop following the stream.
            phase_ = Phase::Unbounded;
            return Verdict::Pass;
        }
    }
    if (len > limits_.maxRequestBytes || head.size() + len > limits_.maxRequestBytes) {
        phase_ = Phase::Refused;
        return Verdict::BodyTooLarge;
    }
    bodyLeft_ = len;
    phase_ = len ? Phase::Body : Phase::Head;
    return Verdict::Pass;
}

std::string refusalResponse(RequestGuard::Verdict v) {
    bool header = v == RequestGuard::Verdict::HeaderTooLarge;
    std::string body = header
        ? R"({"status":431,"message":"Request header fields too large.","data":{}})"
        : R"({"status":413,"message":"Request entity too large.","data":{}})";
    std::string out = header ? "HTTP/1.1 431 Request Header Fields Too Large\r\n"
                             : "HTTP/1.1 413 Request Entity Too Large\r\n";
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n";
    out += body;
    return out;
}

}  // namespace pb::http
