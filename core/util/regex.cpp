#include "util/regex.hpp"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace pb::rx {
namespace {

re2::RE2::Options options(bool icase) {
    re2::RE2::Options o;
    o.set_log_errors(false);
    o.set_case_sensitive(!icase);
    return o;
}

// Go's syntax in RE2's: Go accepts "(?<name>re)" as well as "(?P<name>re)", this RE2 only the
// latter; the former is rewritten outside escapes, \Q...\E quotes and character classes
// (lookbehinds stay invalid). RE2's "\C" (any byte) is not Go syntax: `anyByte` reports it.
std::string goToRe2(const std::string& p, bool& anyByte) {
    anyByte = false;
    std::string out;
    out.reserve(p.size() + 8);
    bool inClass = false;
    for (size_t i = 0; i < p.size(); ++i) {
        char c = p[i];
        if (c == '\\' && i + 1 < p.size()) {
            if (p[i + 1] == 'Q') {  // literal up to \E (or the end)
                size_t e = p.find("\\E", i + 2);
                size_t stop = e == std::string::npos ? p.size() : e + 2;
                out.append(p, i, stop - i);
                i = stop - 1;
                continue;
            }
            anyByte = anyByte || p[i + 1] == 'C';
            out.push_back(c);
            out.push_back(p[++i]);
            continue;
        }
        if (inClass) {
            if (c == ']') inClass = false;
        } else if (c == '[') {
            inClass = true;
            out.push_back(c);
            // "[]...]" and "[^]...]": a ']' right after the opening is a literal.
            if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
            if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
            continue;
        } else if (c == '(' && p.compare(i, 3, "(?<") == 0 && i + 3 < p.size() && p[i + 3] != '=' && p[i + 3] != '!') {
            out += "(?P<";
            i += 2;
            continue;
        }
        out.push_back(c);
    }
    return out;
}

// Go's regexp/syntax ErrorCode texts for RE2's codes.
const char* goErrorText(re2::RE2::ErrorCode code) {
    switch (code) {
        case re2::RE2::ErrorBadEscape: return "invalid escape sequence";
        case re2::RE2::ErrorBadCharClass: return "invalid character class";
        case re2::RE2::ErrorBadCharRange: return "invalid character class range";
        case re2::RE2::ErrorMissingBracket: return "missing closing ]";
        case re2::RE2::ErrorMissingParen: return "missing closing )";
        case re2::RE2::ErrorUnexpectedParen: return "unexpected )";
        case re2::RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
        case re2::RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
        case re2::RE2::ErrorRepeatSize: return "invalid repeat count";
        case re2::RE2::ErrorRepeatOp: return "invalid nested repetition operator";
        case re2::RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
        case re2::RE2::ErrorBadUTF8: return "invalid UTF-8";
        case re2::RE2::ErrorBadNamedCapture: return "invalid named capture";
        case re2::RE2::ErrorPatternTooLarge: return "expression too large";
        default: return "regexp/syntax: internal error";
    }
}

// A compiled pattern, or the Go error message when it is not valid Go syntax.
struct Compiled {
    std::unique_ptr<re2::RE2> re;  // null when invalid
    std::string error;
};

Compiled compile(const std::string& pattern, bool icase) {
    bool anyByte = false;
    auto re = std::make_unique<re2::RE2>(goToRe2(pattern, anyByte), options(icase));
    if (!re->ok())  // Go quotes the offending fragment (empty for a trailing backslash)
        return {nullptr, std::string("Error parsing regexp: ") + goErrorText(re->error_code()) + ": `" + re->error_arg() + "`."};
    if (anyByte) return {nullptr, "Error parsing regexp: invalid escape sequence: `\\C`."};
    return {std::move(re), ""};
}

// Patterns are per field, so few and long-lived; the cap only bounds a collection churn.
constexpr size_t kMaxCached = 256;
std::mutex cacheMu;
std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;  // nullptr: invalid

}  // namespace

std::unique_ptr<const re2::RE2> builtin(std::string_view pattern, bool icase) {
    auto c = compile(std::string(pattern), icase);
    if (!c.re) throw std::logic_error("invalid built-in regex " + std::string(pattern) + ": " + c.error);
    return std::move(c.re);
}

std::shared_ptr<const re2::RE2> compiled(const std::string& pattern) {
    {
        std::lock_guard lk(cacheMu);
        if (auto it = cache.find(pattern); it != cache.end()) return it->second;
    }
    std::shared_ptr<const re2::RE2> re = compile(pattern, false).re;
    std::lock_guard lk(cacheMu);
    if (cache.size() >= kMaxCached) cache.clear();
    cache.emplace(pattern, re);
    return re;
}

std::string compileError(const std::string& pattern) { return compile(pattern, false).error; }

bool search(const std::string& pattern, std::string_view s) {
    auto re = compiled(pattern);
    return re && re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re);
}

}  // namespace pb::rx
