// fexpr parser: flat (join, expr|group) lists; see github.com/ganigeorgiev/fexpr parser.go.
#include "records/filter/filter_parser.hpp"

namespace pb::records::filter {

namespace {

class Parser {
public:
    explicit Parser(std::string_view src) : lx_(src) { advance(); }

    std::vector<ExprGroup> parseList(int depth, bool inGroup) {
        if (depth > kMaxGroupDepth) throw FilterError("too deeply nested filter groups");
        std::vector<ExprGroup> items;
        bool orJoin = false;
        for (;;) {
            ExprGroup item;
            item.orJoin = orJoin;
            if (tok_.kind == TokenKind::GroupOpen) {
                advance();
                item.isGroup = true;
                item.items = parseList(depth + 1, true);
                if (tok_.kind != TokenKind::GroupClose) throw FilterError("missing closing parenthesis");
                advance();
            } else {
                if (tok_.kind == TokenKind::End && items.empty()) {
                    throw FilterError(inGroup ? "empty group" : "empty filter expression");
                }
                item.expr.left = parseOperand(0);
                if (tok_.kind != TokenKind::Sign) throw FilterError("expected a sign operator");
                item.expr.op = tok_.literal;
                advance();
                item.expr.right = parseOperand(0);
            }
            items.push_back(std::move(item));
            if (tok_.kind == TokenKind::Join) {
                orJoin = tok_.literal == "||";
                advance();
                continue;
            }
            if (tok_.kind == TokenKind::End) {
                if (inGroup) throw FilterError("missing closing parenthesis");
                return items;
            }
            if (tok_.kind == TokenKind::GroupClose) {
                if (!inGroup) throw FilterError("unexpected closing parenthesis");
                return items;
            }
            throw FilterError("expected && or || after an expression");
        }
    }

    bool atEnd() const { return tok_.kind == TokenKind::End; }

private:
    void advance() { tok_ = lx_.next(); }

    Operand parseOperand(int fnDepth) {
        Operand op;
        switch (tok_.kind) {
            case TokenKind::Identifier: op.kind = Operand::Kind::Identifier; break;
            case TokenKind::Number: op.kind = Operand::Kind::Number; break;
            case TokenKind::Text: op.kind = Operand::Kind::Text; break;
            case TokenKind::Function: {
                if (fnDepth + 1 > kMaxFunctionDepth) throw FilterError("max function nesting reached");
                op.kind = Operand::Kind::Function;
                op.literal = tok_.literal;
                advance();
                if (tok_.kind == TokenKind::GroupClose) {
                    advance();
                    return op;
                }
                for (;;) {
                    op.args.push_back(parseOperand(fnDepth + 1));
                    if (tok_.kind == TokenKind::Comma) {
                        advance();
                        continue;
                    }
                    if (tok_.kind == TokenKind::GroupClose) {
                        advance();
                        return op;
                    }
                    throw FilterError("invalid function arguments");
                }
            }
            default: throw FilterError("expected an operand");
        }
        op.literal = tok_.literal;
        advance();
        return op;
    }

    Lexer lx_;
    Token tok_;
};

}  // namespace

std::vector<ExprGroup> parse(std::string_view src) {
    Parser p(src);
    return p.parseList(0, false);
}

}  // namespace pb::records::filter
