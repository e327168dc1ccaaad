#include "util/multipart.hpp"

#include <algorithm>
#include <map>

#include "util/strings.hpp"

namespace pb::multipart {
namespace {

// ---- media type / disposition parameters (Go's mime package) ----

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool isTSpecial(char c) { return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos; }

bool isTokenChar(char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && !isTSpecial(c);
}

std::string_view trimLeft(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && isSpace(s[i])) ++i;
    return s.substr(i);
}

std::string_view consumeToken(std::string_view& s) {
    size_t i = 0;
    while (i < s.size() && isTokenChar(s[i])) ++i;
    std::string_view tok = s.substr(0, i);
    s.remove_prefix(i);
    return tok;
}

// Token or quoted-string. Returns false when neither is present or the quote is broken.
bool consumeValue(std::string_view& s, std::string& out) {
    out.clear();
    if (s.empty()) return false;
    if (s[0] != '"') {
        std::string_view tok = consumeToken(s);
        out.assign(tok);
        return !tok.empty();
    }
    for (size_t i = 1; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') {
            s.remove_prefix(i + 1);
            return true;
        }
        // Only special characters are escaped, so IE's "C:\dir\file" keeps its backslashes.
        if (c == '\\' && i + 1 < s.size() && isTSpecial(s[i + 1])) {
            out.push_back(s[++i]);
        } else if (c == '\r' || c == '\n') {
            return false;
        } else {
            out.push_back(c);
        }
    }
    return false;  // unterminated
}

int hexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percentUnescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        int hi = hexVal(s[i + 1]), lo = hexVal(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

// RFC 2231 "charset'language'percent-encoded".
std::optional<std::string> decode2231(std::string_view v) {
    size_t q1 = v.find('\'');
    if (q1 == std::string_view::npos) return std::nullopt;
    size_t q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return std::nullopt;
    std::string charset = str::lower(v.substr(0, q1));
    if (charset != "utf-8" && charset != "us-ascii") return std::nullopt;
    return percentUnescape(v.substr(q2 + 1));
}

bool validMediaType(std::string_view s) {
    if (consumeToken(s).empty()) return false;
    if (s.empty()) return true;
    if (s[0] != '/') return false;
    s.remove_prefix(1);
    return !consumeToken(s).empty() && s.empty();
}

}  // namespace

const std::string* MediaType::param(std::string_view key) const {
    for (const auto& [k, v] : params)
        if (k == key) return &v;
    return nullptr;
}

std::optional<MediaType> parseMediaType(std::string_view value) {
    MediaType mt;
    size_t semi = value.find(';');
    mt.type = str::lower(str::trim(value.substr(0, semi)));
    if (!validMediaType(mt.type)) return std::nullopt;

    // Plain parameters keep their order; RFC 2231 pieces are grouped by base name.
    std::vector<std::string> extOrder;
    std::map<std::string, std::map<std::string, std::string>> ext;
    std::string_view rest = semi == std::string_view::npos ? std::string_view() : value.substr(semi);
    std::string val;
    while (true) {
        rest = trimLeft(rest);
        if (rest.empty()) break;
        if (rest[0] != ';') return std::nullopt;
        rest = trimLeft(rest.substr(1));
        if (rest.empty()) break;  // trailing semicolon
        std::string key = str::lower(consumeToken(rest));
        if (key.empty()) {
            if (rest == ";" || trimLeft(rest).empty()) break;
            return std::nullopt;
        }
        rest = trimLeft(rest);
        if (rest.empty() || rest[0] != '=') return std::nullopt;
        rest = trimLeft(rest.substr(1));
        // Fails for a missing value or a broken quoted string; "" is a valid empty value.
        if (!consumeValue(rest, val)) return std::nullopt;
        size_t star = key.find('*');
        if (star == std::string::npos) {
            auto it = std::find_if(mt.params.begin(), mt.params.end(),
                                   [&](const auto& p) { return p.first == key; });
            if (it != mt.params.end()) {
                if (it->second != val) return std::nullopt;  // duplicate with another value
                continue;
            }
            mt.params.emplace_back(key, val);
        } else {
            std::string base = key.substr(0, star);
            auto& pieces = ext[base];
            if (pieces.empty()) extOrder.push_back(base);
            auto [it, inserted] = pieces.emplace(key, val);
            if (!inserted && it->second != val) return std::nullopt;
        }
    }

    for (const auto& base : extOrder) {
        const auto& pieces = ext[base];
        std::optional<std::string> decoded;
        if (auto it = pieces.find(base + "*"); it != pieces.end()) {
            decoded = decode2231(it->second);
        } else {
            std::string joined;
            bool valid = false;
            for (size_t n = 0; n < pieces.size(); ++n) {
                std::string simple = base + "*" + std::to_string(n);
                if (auto p = pieces.find(simple); p != pieces.end()) {
                    valid = true;
                    joined += p->second;
                    continue;
                }
                auto e = pieces.find(simple + "*");
                if (e == pieces.end()) break;
                valid = true;
                auto d = n == 0 ? decode2231(e->second) : percentUnescape(e->second);
                if (d) joined += *d;
            }
            if (valid) decoded = std::move(joined);
        }
        if (!decoded) continue;
        auto it = std::find_if(mt.params.begin(), mt.params.end(),
                               [&](const auto& p) { return p.first == base; });
        if (it != mt.params.end()) it->second = std::move(*decoded);
        else mt.params.emplace_back(base, std::move(*decoded));
    }
    return mt;
}

std::optional<std::string> boundaryFromContentType(std::string_view contentType) {
    auto mt = parseMediaType(contentType);
    if (!mt || mt->type != "multipart/form-data") return std::nullopt;
    const std::string* b = mt->param("boundary");
    if (!b || b->empty() || b->size() > 70) return std::nullopt;
    if (b->find_first_of("\r\n") != std::string::npos) return std::nullopt;
    return *b;
}

namespace {

// ---- body parsing ----

bool isLwsp(char c) { return c == ' ' || c == '\t'; }

enum class Delim { None, Next, Close };

// Classifies what follows "--boundary" at `pos` (just past the boundary text):
// "--" is the close delimiter, optional spaces/tabs then `nl` start the next part.
// On success `after` is the first byte after the delimiter line (for Close: after the "--").
Delim classify(std::string_view body, size_t pos, std::string_view nl, size_t& after) {
    if (body.substr(pos, 2) == "--") {
        after = pos + 2;
        return Delim::Close;
    }
    size_t i = pos;
    while (i < body.size() && isLwsp(body[i])) ++i;
    if (body.substr(i, nl.size()) == nl) {
        after = i + nl.size();
        return Delim::Next;
    }
    return Delim::None;
}

// After a close delimiter only transport padding and a line break (then the epilogue) may
// follow, as in Go.
bool validCloseTail(std::string_view body, size_t pos) {
    while (pos < body.size() && isLwsp(body[pos])) ++pos;
    return pos == body.size() || body[pos] == '\n' || body.substr(pos, 2) == "\r\n";
}

// Parses the header block at the start of `content`; on success `content` is left holding
// the part's data.
bool parsePartHeaders(std::string_view& content, const Limits& limits, Part& part, bool& keep) {
    std::vector<std::pair<std::string, std::string>> headers;
    size_t pos = 0;
    while (true) {
        size_t window = std::min(content.size() - pos, limits.maxHeaderLineBytes + 2);
        size_t nl = content.substr(pos, window).find('\n');
        if (nl == std::string_view::npos) return false;  // unterminated or too long
        std::string_view line = content.substr(pos, nl);
        pos += nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > limits.maxHeaderLineBytes) return false;
        if (line.empty()) break;
        if (isLwsp(line[0])) {  // obsolete line folding: continues the previous header
            if (headers.empty()) return false;
            auto& value = headers.back().second;
            if (value.size() + line.size() > limits.maxHeaderLineBytes) return false;
            value.push_back(' ');
            value.append(str::trim(line));
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return false;
        std::string_view name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), isTokenChar)) return false;
        if (headers.size() >= limits.maxHeadersPerPart) return false;
        headers.emplace_back(str::lower(name), std::string(str::trim(line.substr(colon + 1))));
    }
    content.remove_prefix(pos);

    keep = false;
    for (const auto& [name, value] : headers) {
        if (name == "content-type" && part.contentType.empty()) {
            part.contentType = value;
        } else if (name == "content-disposition" && !keep) {
            auto mt = parseMediaType(value);
            if (!mt || mt->type != "form-data") continue;
            const std::string* n = mt->param("name");
            if (!n || n->empty()) continue;
            part.name = *n;
            keep = true;
            if (const std::string* f = mt->param("filename")) {
                // Go's filepath.Base: drop trailing slashes, keep the last element.
                std::string_view fn = *f;
                while (fn.size() > 1 && fn.back() == '/') fn.remove_suffix(1);
                if (fn.size() > 1) {
                    size_t slash = fn.rfind('/');
                    if (slash != std::string_view::npos) fn.remove_prefix(slash + 1);
                }
                if (!fn.empty()) part.filename = std::string(fn);
            }
        }
    }
    return true;
}

}  // namespace

std::optional<std::vector<Part>> parseMultipart(std::string_view body, std::string_view boundary,
                                                const Limits& limits) {
    if (boundary.empty() || boundary.size() > 70) return std::nullopt;
    if (boundary.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
    const std::string dash = "--" + std::string(boundary);

    // The opening delimiter: at the start of the body or of a preamble line.
    std::string_view nl = "\r\n";
    size_t pos = 0;
    while (true) {
        size_t at = body.find(dash, pos);
        if (at == std::string_view::npos) return std::nullopt;
        pos = at + 1;
        if (at != 0 && body[at - 1] != '\n') continue;
        size_t after = 0;
        size_t end = at + dash.size();
        Delim d = classify(body, end, "\r\n", after);
        if (d == Delim::None && classify(body, end, "\n", after) == Delim::Next) {
            nl = "\n";  // LF-only body, as Go accepts
            d = Delim::Next;
        }
        if (d == Delim::Close) {
            if (!validCloseTail(body, after)) return std::nullopt;
            return std::vector<Part>{};
        }
        if (d == Delim::Next) {
            pos = after;
            break;
        }
    }

    const std::string delim = std::string(nl) + dash;
    std::vector<Part> parts;
    size_t seen = 0;
    while (true) {
        // Find the delimiter ending this part.
        size_t search = pos, at = 0, after = 0;
        Delim d = Delim::None;
        while (d == Delim::None) {
            at = body.find(delim, search);
            if (at == std::string_view::npos) return std::nullopt;  // truncated
            d = classify(body, at + delim.size(), nl, after);
            search = at + 1;
        }
        if (++seen > limits.maxParts) return std::nullopt;

        std::string_view content = body.substr(pos, at - pos);
        Part part;
        bool keep = false;
        if (!parsePartHeaders(content, limits, part, keep)) return std::nullopt;
        if (keep) {
            part.data.assign(content);
            parts.push_back(std::move(part));
        }
        if (d == Delim::Close) {
            if (!validCloseTail(body, after)) return std::nullopt;
            return parts;
        }
        pos = after;
    }
}

}  // namespace pb::multipart
