// fexpr lexer/parser tests (github.com/ganigeorgiev/fexpr).
#include <gtest/gtest.h>

#include "records/filter/filter_parser.hpp"

using namespace pb::records::filter;

TEST(FilterLexer, TokenForms) {
    auto t = tokenize("a.b:each @request.auth.id _x #y 12 -3.5 'it\\'s' \"q\\\"x\\n\" ?!= >= && || ( ) fn(");
    ASSERT_EQ(t.size(), 15u);
    EXPECT_EQ(t[0].kind, TokenKind::Identifier);
    EXPECT_EQ(t[0].literal, "a.b:each");
    EXPECT_EQ(t[1].literal, "@request.auth.id");
    EXPECT_EQ(t[4].kind, TokenKind::Number);
    EXPECT_EQ(t[5].literal, "-3.5");
    EXPECT_EQ(t[6].kind, TokenKind::Text);
    EXPECT_EQ(t[6].literal, "it's");
    EXPECT_EQ(t[7].literal, "q\"x\\n");  // other backslashes stay
    EXPECT_EQ(t[8].kind, TokenKind::Sign);
    EXPECT_EQ(t[8].literal, "?!=");
    EXPECT_EQ(t[10].kind, TokenKind::Join);
    EXPECT_EQ(t[12].kind, TokenKind::GroupOpen);
    EXPECT_EQ(t[14].kind, TokenKind::Function);
    EXPECT_EQ(t[14].literal, "fn");
}

TEST(FilterLexer, Errors) {
    for (const char* bad : {"a\r= 1", "a = 1.", "a = 1.2.3", "a = 'x", "a & b", "a | b", "a =! 1", "a == 1",
                            "a. = 1", "a: = 1", "@ = 1", "_ = 1", "# = 1", "a = {:x}", "a = `b`", "a ; b", "a = é"}) {
        EXPECT_THROW(
            {
                auto g = parse(bad);
                (void)g;
            },
            FilterError)
            << bad;
    }
}

TEST(FilterParser, AllSigns) {
    for (const char* s : {"=", "!=", "~", "!~", "<", "<=", ">", ">=", "?=", "?!=", "?~", "?!~", "?<", "?<=", "?>", "?>="}) {
        auto g = parse(std::string("a ") + s + " 1");
        ASSERT_EQ(g.size(), 1u);
        EXPECT_EQ(g[0].expr.op, s);
    }
}

TEST(FilterParser, FlatListAndGroups) {
    auto g = parse("a = 1 && (b = 'x' || c != null) || d ~ \"y\" // comment\n");
    ASSERT_EQ(g.size(), 3u);
    EXPECT_FALSE(g[0].isGroup);
    EXPECT_EQ(g[0].expr.left.literal, "a");
    EXPECT_EQ(g[0].expr.right.kind, Operand::Kind::Number);
    EXPECT_TRUE(g[1].isGroup);
    EXPECT_FALSE(g[1].orJoin);
    ASSERT_EQ(g[1].items.size(), 2u);
    EXPECT_TRUE(g[1].items[1].orJoin);
    EXPECT_TRUE(g[2].orJoin);
    EXPECT_EQ(g[2].expr.right.kind, Operand::Kind::Text);
}

TEST(FilterParser, Functions) {
    auto g = parse("geoDistance(a.lon, a.lat, 1.5, -2) < 25 && strftime('%Y', created, 'start of day') = '2024'");
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].expr.left.kind, Operand::Kind::Function);
    EXPECT_EQ(g[0].expr.left.args.size(), 4u);
    EXPECT_EQ(g[1].expr.left.args[2].literal, "start of day");
    EXPECT_NO_THROW(parse("f(g(h(1))) = 1"));
    EXPECT_THROW(parse("f(g(h(i(1)))) = 1"), FilterError);
    EXPECT_THROW(parse("f(1,) = 1"), FilterError);
}

TEST(FilterParser, SyntaxErrors) {
    for (const char* bad : {"", "   ", "// only comment", "a", "a =", "= 1", "a = 1 &&", "a = 1 b = 2", "(a = 1",
                            "a = 1)", "()", "(a = 1) (b = 2)", "a = 1 && && b = 2", "a , b = 1"}) {
        EXPECT_THROW(parse(bad), FilterError) << bad;
    }
}

TEST(FilterParser, DeepNestingIsRejectedNotCrashing) {
    std::string deep(10000, '(');
    deep += "a = 1";
    deep += std::string(10000, ')');
    EXPECT_THROW(parse(deep), FilterError);
    std::string ok(30, '(');
    ok += "a = 1" + std::string(30, ')');
    EXPECT_NO_THROW(parse(ok));
}
