#include "http/request_guard.hpp"

#include <algorithm>
#include <utility>

#include "util/strings.hpp"

namespace pb::http {

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";
constexpr std::string_view kCrlf = "\r\n";
// Longest chunk-size line, extensions included (Go's net/http/internal maxLineLength).
constexpr size_t kMaxChunkLine = 4096;

using Verdict = RequestGuard::Verdict;

bool isTchar(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}
bool isToken(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return isTchar(static_cast<unsigned char>(c)); });
}
// Field values and chunk extensions: no control characters except HTAB (obs-text allowed).
bool isFieldText(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c == '\t' || (c >= 0x20 && c != 0x7f);
    });
}
std::string_view trimOws(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "METHOD SP request-target SP HTTP/1.x".
bool validRequestLine(std::string_view line) {
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || !isToken(line.substr(0, sp1))) return false;
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    for (char ch : target) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) return false;
    }
    std::string_view version = line.substr(sp2 + 1);
    return version == "HTTP/1.1" || version == "HTTP/1.0";
}

// What the head says about the body.
struct Framing {
    int lengthHeaders = 0, encodingHeaders = 0;
    bool lengthValid = true, chunked = false;
    uint64_t length = 0;  // saturates at UINT64_MAX
};

// Plain ASCII digits only: no sign, no spaces inside, no list ("5, 5").
bool parseLength(std::string_view v, uint64_t* out) {
    if (v.empty()) return false;
    uint64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return false;
        unsigned d = static_cast<unsigned>(c - '0');
        n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;
    }
    *out = n;
    return true;
}

// Validates the head (ending in CRLFCRLF) and rewrites it without its framing headers.
Verdict checkHead(std::string& head, Framing& f, const char** reason) {
    *reason = "Malformed request.";
    std::string_view h = head;
    size_t eol = h.find(kCrlf);
    if (!validRequestLine(h.substr(0, eol))) return Verdict::BadRequest;
    std::string out(h.substr(0, eol + 2));
    size_t pos = eol + 2;
    for (;;) {
        size_t end = h.find(kCrlf, pos);
        std::string_view line = h.substr(pos, end - pos);
        if (line.empty()) break;  // the blank line ending the head
        pos = end + 2;
        size_t colon = line.find(':');
        // No whitespace before the colon, no obs-fold continuation lines.
        if (colon == std::string_view::npos || !isToken(line.substr(0, colon))) return Verdict::BadRequest;
        std::string_view name = line.substr(0, colon), value = trimOws(line.substr(colon + 1));
        if (!isFieldText(value)) return Verdict::BadRequest;
        if (str::iequals(name, "content-length")) {
            ++f.lengthHeaders;
            if (!parseLength(value, &f.length)) f.lengthValid = false;
            continue;
        }
        if (str::iequals(name, "transfer-encoding")) {
            ++f.encodingHeaders;
            f.chunked = str::iequals(value, "chunked");
            continue;
        }
        out.append(line);
        out.append(kCrlf);
    }
    out.append(kCrlf);
    if (f.lengthHeaders > 1) {
        *reason = "Multiple Content-Length headers.";
        return Verdict::BadRequest;
    }
    if (!f.lengthValid) {
        *reason = "Invalid Content-Length header.";
        return Verdict::BadRequest;
    }
    if (f.lengthHeaders && f.encodingHeaders) {
        *reason = "Content-Length and Transfer-Encoding headers cannot be combined.";
        return Verdict::BadRequest;
    }
    if (f.encodingHeaders && (f.encodingHeaders > 1 || !f.chunked)) {
        *reason = "Unsupported transfer encoding.";
        return Verdict::UnsupportedEncoding;
    }
    head = std::move(out);
    return Verdict::Pass;
}

// "1*HEXDIG [ BWS ';' chunk-ext ]", without the CRLF. Sizes saturate at UINT64_MAX.
bool parseChunkSize(std::string_view line, uint64_t* size) {
    uint64_t n = 0;
    size_t i = 0;
    for (; i < line.size(); ++i) {
        char c = line[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
        else break;
        n = n > (UINT64_MAX >> 4) ? UINT64_MAX : (n << 4) | d;
    }
    if (i == 0) return false;
    std::string_view rest = trimOws(line.substr(i));
    if (!rest.empty() && (rest[0] != ';' || !isFieldText(rest))) return false;
    *size = n;
    return true;
}

}  // namespace

size_t RequestGuard::bodyRoom() const {
    return limits_.maxRequestBytes > headBytes_ ? limits_.maxRequestBytes - headBytes_ : 0;
}

RequestGuard::Event RequestGuard::refuseNow(Verdict v, const char* reason) {
    refuse(v, reason);
    return Event::Refused;
}

void RequestGuard::refuse(Verdict v, const char* reason) {
    phase_ = Phase::Refused;
    verdict_ = v;
    reason_ = reason;
    head_ = std::string();
    line_ = std::string();
    body_ = std::string();
}

std::string RequestGuard::takeBody() { return std::exchange(body_, std::string()); }

bool RequestGuard::takeBodyBytes(std::string_view& in) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(left_, in.size()));
    body_.append(in.substr(0, n));
    in.remove_prefix(n);
    left_ -= n;
    return left_ == 0;
}

bool RequestGuard::readLine(std::string_view& in, size_t maxLine, bool* tooLong) {
    size_t room = maxLine - line_.size();
    size_t nl = in.substr(0, room).find('\n');
    if (nl == std::string_view::npos) {
        if (in.size() >= room) {
            *tooLong = true;
            return false;
        }
        line_.append(in);
        in = {};
        return false;
    }
    line_.append(in.substr(0, nl + 1));
    in.remove_prefix(nl + 1);
    return true;
}

RequestGuard::Event RequestGuard::next(std::string_view& in) {
    for (;;) {
        switch (phase_) {
            case Phase::Refused:
                in = {};  // discard what follows a refusal, unparsed
                return Event::NeedMore;
            case Phase::Complete:
                phase_ = Phase::Head;
                head_.clear();  // consumed with the Head event
                return Event::Body;
            case Phase::Head: {
                // Tolerate blank lines between requests, as parsers do.
                if (head_.empty())
                    while (!in.empty() && (in[0] == '\r' || in[0] == '\n')) in.remove_prefix(1);
                if (in.empty()) return Event::NeedMore;
                size_t scanFrom = head_.size() >= 3 ? head_.size() - 3 : 0;
                size_t take = std::min(in.size(), limits_.maxHeaderBytes + kHeadEnd.size() - head_.size());
                head_.append(in.substr(0, take));
                size_t end = head_.find(kHeadEnd, scanFrom);
                if (end == std::string::npos) {
                    in.remove_prefix(take);
                    if (head_.size() > limits_.maxHeaderBytes)
                        return refuseNow(Verdict::HeaderTooLarge, "Request header fields too large.");
                    return Event::NeedMore;
                }
                // Only the bytes up to the end of the head belong to it.
                size_t headLen = end + kHeadEnd.size();
                in.remove_prefix(take - (head_.size() - headLen));
                head_.resize(headLen);
                return onHeadComplete();
            }
            case Phase::Length:
                if (in.empty()) return Event::NeedMore;
                if (takeBodyBytes(in)) phase_ = Phase::Complete;
                break;
            case Phase::ChunkSize:
            case Phase::ChunkEnd:
            case Phase::Trailers: {
                if (in.empty()) return Event::NeedMore;
                bool tooLong = false;
                size_t maxLine = phase_ == Phase::ChunkSize ? kMaxChunkLine
                               : phase_ == Phase::ChunkEnd  ? kCrlf.size()
                                                            : limits_.maxHeaderBytes;
                if (!readLine(in, maxLine, &tooLong)) {
                    if (!tooLong) return Event::NeedMore;
                    if (phase_ == Phase::Trailers)
                        return refuseNow(Verdict::HeaderTooLarge, "Request header fields too large.");
                    return refuseNow(Verdict::BadRequest, "Malformed chunked request body.");
                }
                std::string line = std::exchange(line_, std::string());
                if (line.size() < 2 || line[line.size() - 2] != '\r')
                    return refuseNow(Verdict::BadRequest, "Malformed chunked request body.");
                line.resize(line.size() - 2);
                if (phase_ == Phase::ChunkSize) {
                    Event e = onChunkSizeLine(line);
                    if (e != Event::NeedMore) return e;
                } else if (phase_ == Phase::ChunkEnd) {
                    if (!line.empty()) return refuseNow(Verdict::BadRequest, "Malformed chunked request body.");
                    phase_ = Phase::ChunkSize;
                } else if (line.empty()) {
                    phase_ = Phase::Complete;  // trailers are read and dropped
                } else if ((trailerBytes_ += line.size() + 2) > limits_.maxHeaderBytes) {
                    return refuseNow(Verdict::HeaderTooLarge, "Request header fields too large.");
                }
                break;
            }
            case Phase::ChunkData:
                if (in.empty()) return Event::NeedMore;
                if (takeBodyBytes(in)) phase_ = Phase::ChunkEnd;
                break;
        }
    }
}

RequestGuard::Event RequestGuard::onChunkSizeLine(std::string_view line) {
    uint64_t size = 0;
    if (!parseChunkSize(line, &size)) return refuseNow(Verdict::BadRequest, "Malformed chunked request body.");
    if (size == 0) {
        phase_ = Phase::Trailers;
        trailerBytes_ = 0;
        return Event::NeedMore;
    }
    // Compared with the room left, never used to size a buffer.
    if (size > bodyRoom() - body_.size()) return refuseNow(Verdict::BodyTooLarge, "Request entity too large.");
    left_ = size;
    phase_ = Phase::ChunkData;
    return Event::NeedMore;
}

RequestGuard::Event RequestGuard::onHeadComplete() {
    headBytes_ = head_.size();
    if (headBytes_ > limits_.maxHeaderBytes)
        return refuseNow(Verdict::HeaderTooLarge, "Request header fields too large.");
    Framing f;
    const char* reason = "";
    Verdict v = checkHead(head_, f, &reason);
    if (v != Verdict::Pass) return refuseNow(v, reason);
    body_ = std::string();
    framed_ = f.lengthHeaders > 0 || f.chunked;
    if (f.chunked) {
        phase_ = Phase::ChunkSize;
    } else if (f.length > bodyRoom()) {
        return refuseNow(Verdict::BodyTooLarge, "Request entity too large.");
    } else {
        left_ = f.length;
        phase_ = left_ ? Phase::Length : Phase::Complete;
    }
    return Event::Head;
}

std::string refusalResponse(RequestGuard::Verdict v, std::string_view reason) {
    int status = 400;
    const char* text = "Bad Request";
    switch (v) {
        case RequestGuard::Verdict::HeaderTooLarge: status = 431, text = "Request Header Fields Too Large"; break;
        case RequestGuard::Verdict::BodyTooLarge: status = 413, text = "Request Entity Too Large"; break;
        case RequestGuard::Verdict::UnsupportedEncoding: status = 501, text = "Not Implemented"; break;
        case RequestGuard::Verdict::TooManyPipelined: status = 429, text = "Too Many Requests"; break;
        default: break;
    }
    if (reason.empty()) reason = status == 431 ? "Request header fields too large."
                                 : status == 413 ? "Request entity too large."
                                                 : "Malformed request.";
    // The reasons are fixed strings of this file: no JSON escaping needed.
    std::string body = "{\"status\":" + std::to_string(status) + ",\"message\":\"" + std::string(reason) + "\",\"data\":{}}";
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + text + "\r\n";
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n";
    out += body;
    return out;
}

}  // namespace pb::http
