#include "router/pattern.hpp"

#include <stdexcept>

#include "util/strings.hpp"

namespace pb::router {

Pattern Pattern::parse(std::string_view path) {
    Pattern p;
    p.source = std::string(path);
    if (path.empty() || path[0] != '/') throw std::invalid_argument("route pattern must start with '/': " + p.source);
    std::string_view rest = path.substr(1);
    if (rest.empty()) {
        p.trailingSlash = true;
        return p;
    }
    auto parts = str::split(rest, '/');
    for (size_t i = 0; i < parts.size(); ++i) {
        auto& s = parts[i];
        if (s.empty()) {
            if (i + 1 == parts.size()) {
                p.trailingSlash = true;
                break;
            }
            throw std::invalid_argument("empty segment in route pattern: " + p.source);
        }
        Segment seg;
        if (s.front() == '{' && s.back() == '}') {
            std::string name = s.substr(1, s.size() - 2);
            if (str::endsWith(name, "...")) {
                if (i + 1 != parts.size()) throw std::invalid_argument("{name...} must be last: " + p.source);
                seg.kind = Segment::Kind::Rest;
                name.resize(name.size() - 3);
            } else {
                seg.kind = Segment::Kind::Param;
            }
            if (name.empty()) throw std::invalid_argument("empty parameter name: " + p.source);
            seg.text = name;
        } else {
            if (s.find('{') != std::string::npos || s.find('}') != std::string::npos)
                throw std::invalid_argument("malformed segment: " + p.source);
            seg.text = s;
        }
        p.segments.push_back(std::move(seg));
    }
    return p;
}

bool Pattern::match(std::string_view rawPath, std::vector<std::pair<std::string, std::string>>& params) const {
    params.clear();
    if (rawPath.empty() || rawPath[0] != '/') return false;
    std::string_view rest = rawPath.substr(1);
    size_t pos = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
        const auto& seg = segments[i];
        if (seg.kind == Segment::Kind::Rest) {
            params.emplace_back(seg.text, str::urlDecode(rest.substr(std::min(pos, rest.size())), false));
            return true;
        }
        if (pos > rest.size()) return false;
        size_t end = rest.find('/', pos);
        std::string_view part = rest.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (part.empty()) return false;
        std::string decoded = str::urlDecode(part, false);
        if (seg.kind == Segment::Kind::Literal) {
            if (decoded != seg.text) return false;
        } else {
            params.emplace_back(seg.text, std::move(decoded));
        }
        if (end == std::string_view::npos) {
            pos = rest.size() + 1;
        } else {
            pos = end + 1;
        }
    }
    // All segments consumed.
    if (pos > rest.size()) return !trailingSlash;  // path ended exactly after the last segment
    // Remaining text: only a prefix pattern ("/api/") accepts it.
    if (trailingSlash) return true;
    return false;
}

int Pattern::specificity() const {
    int score = 0;
    for (auto& s : segments) score = score * 4 + (s.kind == Segment::Kind::Literal ? 3 : s.kind == Segment::Kind::Param ? 2 : 1);
    return score * 2 + (trailingSlash ? 0 : 1);
}

bool Pattern::sameShape(const Pattern& o) const {
    if (segments.size() != o.segments.size() || trailingSlash != o.trailingSlash) return false;
    for (size_t i = 0; i < segments.size(); ++i) {
        if (segments[i].kind != o.segments[i].kind) return false;
        if (segments[i].kind == Segment::Kind::Literal && segments[i].text != o.segments[i].text) return false;
    }
    return true;
}

std::string joinPath(std::string_view prefix, std::string_view path) {
    std::string a(prefix);
    while (!a.empty() && a.back() == '/') a.pop_back();
    std::string b(path);
    if (b.empty()) return a.empty() ? "/" : a;
    if (b[0] != '/') b = "/" + b;
    return a + b;
}

}  // namespace pb::router
