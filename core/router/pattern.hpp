#pragma once
// Route path patterns: "/api/collections/{collection}/records/{id}", "/static/{path...}".
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pb::router {

struct Segment {
    enum class Kind { Literal, Param, Rest } kind = Kind::Literal;
    std::string text;  // literal text or the param name
};

struct Pattern {
    std::string source;
    std::vector<Segment> segments;
    bool trailingSlash = false;  // "/api/" style prefix pattern

    // Parses a pattern; throws std::invalid_argument on a malformed one.
    static Pattern parse(std::string_view path);
    // Matches a raw (percent-encoded) request path; fills decoded params.
    bool match(std::string_view rawPath, std::vector<std::pair<std::string, std::string>>& params) const;
    // Higher is more specific (literals > params > rest).
    int specificity() const;
    // Same shape (used to detect clashes: "/a/{x}" and "/a/{y}" clash).
    bool sameShape(const Pattern& o) const;
};

std::string joinPath(std::string_view prefix, std::string_view path);

}  // namespace pb::router
