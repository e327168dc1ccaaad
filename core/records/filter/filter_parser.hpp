#pragma once
// PocketBase's fexpr filter grammar: lexer + parser producing a flat list of (join, expr|group)
// items, exactly like github.com/ganigeorgiev/fexpr (no precedence; SQL's AND/OR precedence
// applies when compiled). See github.com/ganigeorgiev/fexpr.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pb::records::filter {

// Any lexing/parsing/compilation problem. Public entry points turn it into a 400 ApiError.
struct FilterError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class TokenKind { Identifier, Number, Text, Function, Sign, Join, GroupOpen, GroupClose, Comma, End };

struct Token {
    TokenKind kind = TokenKind::End;
    std::string literal;  // identifier/number/text value (text unescaped), sign, "&&"/"||"
};

// Pull lexer over the raw filter text. Comments and whitespace are skipped.
class Lexer {
public:
    explicit Lexer(std::string_view src) : src_(src) {}
    Token next();
    size_t pos() const { return pos_; }

private:
    Token scanIdentifier();
    Token scanNumber();
    Token scanText(char quote);
    Token scanSign();
    std::string_view src_;
    size_t pos_ = 0;
};

struct Operand {
    enum class Kind { Identifier, Number, Text, Function } kind = Kind::Identifier;
    std::string literal;        // identifier name, number text, text value or function name
    std::vector<Operand> args;  // function arguments
};

struct Expr {
    Operand left;
    std::string op;  // "=", "!=", "~", "!~", "<", "<=", ">", ">=" (optionally prefixed by "?")
    Operand right;
};

struct ExprGroup {
    bool orJoin = false;  // join with the previous item: false = "&&", true = "||"
    bool isGroup = false;
    Expr expr;                      // when !isGroup
    std::vector<ExprGroup> items;   // when isGroup
};

inline constexpr int kMaxGroupDepth = 64;
inline constexpr int kMaxFunctionDepth = 3;

// Parses a filter expression. Throws FilterError on any syntax error, on an empty (or
// comment-only) expression and when groups nest deeper than kMaxGroupDepth.
std::vector<ExprGroup> parse(std::string_view src);

// Every token of the input (for tests/tools); throws FilterError on lexical errors.
std::vector<Token> tokenize(std::string_view src);

}  // namespace pb::records::filter
