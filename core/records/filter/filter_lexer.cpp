// fexpr lexer: see filter_parser.hpp (github.com/ganigeorgiev/fexpr scanner.go).
#include "records/filter/filter_parser.hpp"

namespace pb::records::filter {

namespace {
bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentStart(char c) { return isLetter(c) || c == '@' || c == '_' || c == '#'; }
bool isIdentPart(char c) { return isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == ':'; }
bool isSignChar(char c) {
    return c == '=' || c == '?' || c == '!' || c == '<' || c == '>' || c == '~';
}
bool isValidSign(std::string_view s) {
    if (!s.empty() && s[0] == '?') s.remove_prefix(1);
    return s == "=" || s == "!=" || s == "~" || s == "!~" || s == "<" || s == "<=" || s == ">" ||
           s == ">=";
}
}  // namespace

Token Lexer::next() {
    for (;;) {
        if (pos_ >= src_.size()) return {TokenKind::End, ""};
        char c = src_[pos_];
        if (c == ' ' || c == '\t' || c == '\n') {
            ++pos_;
            continue;
        }
        if (c == '/' && pos_ + 1 < src_.size() && src_[pos_ + 1] == '/') {
            while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
            continue;
        }
        break;
    }
    char c = src_[pos_];
    if (isIdentStart(c)) return scanIdentifier();
    if (isDigit(c) || (c == '-' && pos_ + 1 < src_.size() && isDigit(src_[pos_ + 1])))
        return scanNumber();
    if (c == '\'' || c == '"') return scanText(c);
    if (isSignChar(c)) return scanSign();
    if (c == '&' || c == '|') {
        if (pos_ + 1 < src_.size() && src_[pos_ + 1] == c) {
            pos_ += 2;
            return {TokenKind::Join, std::string(2, c)};
        }
        throw FilterError("invalid join operator at position " + std::to_string(pos_));
    }
    if (c == '(') { ++pos_; return {TokenKind::GroupOpen, "("}; }
    if (c == ')') { ++pos_; return {TokenKind::GroupClose, ")"}; }
    if (c == ',') { ++pos_; return {TokenKind::Comma, ","}; }
    throw FilterError("unexpected character at position " + std::to_string(pos_));
}

Token Lexer::scanIdentifier() {
    size_t start = pos_++;
    while (pos_ < src_.size() && isIdentPart(src_[pos_])) ++pos_;
    std::string lit(src_.substr(start, pos_ - start));
    if (lit == "@" || lit == "_" || lit == "#")
        throw FilterError("invalid identifier \"" + lit + "\"");
    char last = lit.back();
    if (last == '.' || last == ':') throw FilterError("invalid identifier \"" + lit + "\"");
    if (pos_ < src_.size() && src_[pos_] == '(') {
        ++pos_;
        return {TokenKind::Function, lit};
    }
    return {TokenKind::Identifier, lit};
}

Token Lexer::scanNumber() {
    size_t start = pos_;
    if (src_[pos_] == '-') ++pos_;
    int dots = 0;
    while (pos_ < src_.size() && (isDigit(src_[pos_]) || src_[pos_] == '.')) {
        if (src_[pos_] == '.') ++dots;
        ++pos_;
    }
    std::string lit(src_.substr(start, pos_ - start));
    if (dots > 1 || lit.back() == '.') throw FilterError("invalid number \"" + lit + "\"");
    return {TokenKind::Number, lit};
}

Token Lexer::scanText(char quote) {
    size_t start = pos_++;
    std::string out;
    while (pos_ < src_.size()) {
        char c = src_[pos_];
        if (c == '\\' && pos_ + 1 < src_.size() && src_[pos_ + 1] == quote) {
            out.push_back(quote);
            pos_ += 2;
            continue;
        }
        if (c == quote) {
            ++pos_;
            return {TokenKind::Text, out};
        }
        out.push_back(c);
        ++pos_;
    }
    throw FilterError("unterminated text starting at position " + std::to_string(start));
}

Token Lexer::scanSign() {
    size_t start = pos_;
    while (pos_ < src_.size() && isSignChar(src_[pos_])) ++pos_;
    std::string lit(src_.substr(start, pos_ - start));
    if (!isValidSign(lit)) throw FilterError("invalid sign operator \"" + lit + "\"");
    return {TokenKind::Sign, lit};
}

std::vector<Token> tokenize(std::string_view src) {
    Lexer lx(src);
    std::vector<Token> out;
    for (Token t = lx.next(); t.kind != TokenKind::End; t = lx.next()) out.push_back(std::move(t));
    return out;
}

}  // namespace pb::records::filter
