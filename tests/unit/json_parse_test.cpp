// pb::json::parse: numbers convert exactly (the regression fuzz_json found: RapidJSON 1.1's own
// full-precision conversion turned "0e38" into -1.9e+227), repeated keys as Go decodes them,
// limits and trailing data.
#include <gtest/gtest.h>

#include <cmath>

#include "util/json.hpp"

using pb::json::parse;
using pb::json::ParseError;

namespace {

double number(const std::string& text) {
    ParseError err;
    auto v = parse(text, &err);
    EXPECT_TRUE(v.has_value()) << text << ": " << err.message;
    return v && v->isNumber() ? v->asNumber() : std::nan("");
}

TEST(JsonParse, ZeroWithAnyExponentIsZero) {
    for (const char* t : {"0e38", "0e39", "0e100", "0.0e50", "0.000e308", "-0e38", "0E+38", "0e-400"})
        EXPECT_EQ(number(t), 0.0) << t;
    ParseError err;
    auto arr = parse("[0e38, 1]", &err);
    ASSERT_TRUE(arr.has_value());
    EXPECT_EQ(arr->asArray().at(0).asNumber(), 0.0);
}

TEST(JsonParse, NumbersAreCorrectlyRounded) {
    EXPECT_EQ(number("0.1"), 0.1);
    EXPECT_EQ(number("2.2250738585072011e-308"), 2.2250738585072011e-308);
    EXPECT_EQ(number("1.7976931348623157e308"), 1.7976931348623157e308);
    EXPECT_EQ(number("9007199254740993"), 9007199254740992.0);  // ties to even
    EXPECT_EQ(number("123456789012345678901234567890"), 1.2345678901234568e29);
    EXPECT_EQ(number("-42"), -42.0);
    EXPECT_EQ(number("1e-400"), 0.0);  // underflow rounds to zero, as Go does
}

TEST(JsonParse, OverflowIsAnError) {
    ParseError err;
    EXPECT_FALSE(parse("1e309", &err).has_value());
    EXPECT_FALSE(parse("{\"n\": -2e308}", &err).has_value());
    EXPECT_NE(err.message.find("too big"), std::string::npos) << err.message;
}

TEST(JsonParse, RepeatedKeyKeepsItsLastValueAtItsFirstPlace) {
    // As Go's encoding/json: {"a":1,"b":2,"a":3} is {"a":3,"b":2} (found by fuzz_jwt: claims with
    // two "nbf" keys kept the first one).
    auto v = parse(R"({"a":1,"b":2,"a":3,"c":{"x":1,"x":2},"a":4})");
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->dump(), R"({"a":4,"b":2,"c":{"x":2}})");
    auto arr = parse(R"([{"k":"one","k":"two"},{"k":"three"}])");
    ASSERT_TRUE(arr.has_value());
    EXPECT_EQ(arr->dump(), R"([{"k":"two"},{"k":"three"}])");
    // More than 16 keys takes the sorting path instead of the small pairwise check.
    std::string big = "{", expect = "{";
    for (int i = 0; i < 20; ++i) {
        big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
        expect += "\"k" + std::to_string(i) + "\":" + std::to_string(i == 3 ? 99 : i) + (i < 19 ? "," : "}");
    }
    big += "\"k3\":99}";
    auto many = parse(big);
    ASSERT_TRUE(many.has_value());
    EXPECT_EQ(many->dump(), expect);
}

TEST(JsonParse, TrailingDataAndDepth) {
    ParseError err;
    EXPECT_FALSE(parse("{} x", &err).has_value());
    EXPECT_TRUE(parse("{}  \n", &err).has_value());
    EXPECT_FALSE(parse("[[[[1]]]]", &err, 3).has_value());
    EXPECT_EQ(err.message, "JSON nesting too deep");
}

}  // namespace
