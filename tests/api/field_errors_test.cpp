// Field validation errors as PocketBase reports them: each data.<field> is {code, message[, params]}
// with the exact code, the message built from the field options and `params` carrying those values;
// plus the generic messages of a few request errors (unparsable paging, writes to a view, a
// superuser route without a token).
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

struct FieldErrorsFixture : ::testing::Test {
    static inline TestServer* s = nullptr;
    static inline std::string su;

    static void SetUpTestSuite() {
        s = new TestServer();
        su = s->superuserToken();
        auto tags = s->post("/api/collections", Value(Object{{"name", "ftags"}, {"createRule", ""}, {"fields", Value(Array{Value(Object{{"name", "t"}, {"type", "text"}})})}}), su);
        ASSERT_EQ(tags.status, 200) << tags.body;
        auto r = s->post(
            "/api/collections",
            Value(Object{{"name", "strictf"},
                         {"createRule", ""},
                         {"fields", Value(Array{
                                        Value(Object{{"name", "title"}, {"type", "text"}, {"min", 3}, {"max", 5}}),
                                        Value(Object{{"name", "n"}, {"type", "number"}, {"min", 1}, {"max", 10}}),
                                        Value(Object{{"name", "kinds"}, {"type", "select"}, {"values", Value(Array{"a", "b", "c"})}, {"maxSelect", 2}}),
                                        Value(Object{{"name", "refs"}, {"type", "relation"}, {"collectionId", tags.json()["id"].getString()}, {"minSelect", 2}, {"maxSelect", 3}}),
                                        Value(Object{{"name", "link"}, {"type", "url"}}),
                                        Value(Object{{"name", "day"}, {"type", "date"}, {"min", "2024-01-01 00:00:00.000Z"}, {"max", "2024-12-31 10:30:00.500Z"}}),
                                        Value(Object{{"name", "meta"}, {"type", "json"}, {"maxSize", 20}}),
                                        Value(Object{{"name", "body"}, {"type", "editor"}, {"maxSize", 10}}),
                                    })}}),
            su);
        ASSERT_EQ(r.status, 200) << r.body;
    }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }

    // The error of `field` after creating a record with `body`.
    static Value fieldError(Value body, const std::string& field) {
        auto r = s->post("/api/collections/strictf/records", body);
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_EQ(r.json()["message"].getString(), "Failed to create record.");
        Value e = r.json()["data"][field];
        return e;
    }
};

TEST_F(FieldErrorsFixture, TextBoundsCarryParams) {
    auto e = fieldError(Value(Object{{"title", "ab"}}), "title");
    EXPECT_EQ(e["code"].getString(), "validation_min_text_constraint");
    EXPECT_EQ(e["message"].getString(), "Must be at least 3 character(s).");
    EXPECT_EQ(e["params"].dump(), R"({"min":3})");
    e = fieldError(Value(Object{{"title", "abcdef"}}), "title");
    EXPECT_EQ(e["code"].getString(), "validation_max_text_constraint");
    EXPECT_EQ(e["message"].getString(), "Must be no more than 5 character(s).");
    EXPECT_EQ(e["params"].dump(), R"({"max":5})");
}

TEST_F(FieldErrorsFixture, NumberBoundsUseGoFloatFormatAndNoParams) {
    auto e = fieldError(Value(Object{{"n", 11}}), "n");
    EXPECT_EQ(e["code"].getString(), "validation_max_number_constraint");
    EXPECT_EQ(e["message"].getString(), "Must be less than 10.000000.");
    EXPECT_FALSE(e.has("params")) << e.dump();
    e = fieldError(Value(Object{{"n", 0.5}}), "n");
    EXPECT_EQ(e["code"].getString(), "validation_min_number_constraint");
    EXPECT_EQ(e["message"].getString(), "Must be larger than 1.000000.");
}

TEST_F(FieldErrorsFixture, SelectChecksCountBeforeValues) {
    auto e = fieldError(Value(Object{{"kinds", Value(Array{"a", "zzz"})}}), "kinds");
    EXPECT_EQ(e["code"].getString(), "validation_invalid_value");
    EXPECT_EQ(e["message"].getString(), "Invalid value zzz.");
    EXPECT_EQ(e["params"].dump(), R"({"value":"zzz"})");
    // Three values, one of them unknown: the count is reported first, as PocketBase does.
    e = fieldError(Value(Object{{"kinds", Value(Array{"a", "b", "zzz"})}}), "kinds");
    EXPECT_EQ(e["code"].getString(), "validation_too_many_values");
    EXPECT_EQ(e["message"].getString(), "Select no more than 2.");
    EXPECT_EQ(e["params"].dump(), R"({"maxSelect":2})");
}

TEST_F(FieldErrorsFixture, RelationCountsCarryParams) {
    auto e = fieldError(Value(Object{{"refs", Value(Array{"x1"})}}), "refs");
    EXPECT_EQ(e["code"].getString(), "validation_not_enough_values");
    EXPECT_EQ(e["message"].getString(), "Select at least 2.");
    EXPECT_EQ(e["params"].dump(), R"({"minSelect":2})");
    e = fieldError(Value(Object{{"refs", Value(Array{"x1", "x2", "x3", "x4"})}}), "refs");
    EXPECT_EQ(e["code"].getString(), "validation_too_many_values");
    EXPECT_EQ(e["params"].dump(), R"({"maxSelect":3})");
    e = fieldError(Value(Object{{"refs", Value(Array{"x1", "x2"})}}), "refs");
    EXPECT_EQ(e["code"].getString(), "validation_missing_rel_records");
    EXPECT_FALSE(e.has("params"));
}

TEST_F(FieldErrorsFixture, UrlUsesItsOwnCode) {
    auto e = fieldError(Value(Object{{"link", "notaurl"}}), "link");
    EXPECT_EQ(e["code"].getString(), "validation_invalid_url");
    EXPECT_EQ(e["message"].getString(), "Must be a valid url.");
}

TEST_F(FieldErrorsFixture, DateBoundsAreOzzoMinMax) {
    auto e = fieldError(Value(Object{{"day", "2023-06-01 00:00:00.000Z"}}), "day");
    EXPECT_EQ(e["code"].getString(), "validation_min_greater_equal_than_required");
    EXPECT_EQ(e["message"].getString(), "Must be no less than 2024-01-01 00:00:00 +0000 UTC.");
    EXPECT_EQ(e["params"].dump(), R"({"threshold":"2024-01-01T00:00:00Z"})");
    e = fieldError(Value(Object{{"day", "2025-01-01 00:00:00.000Z"}}), "day");
    EXPECT_EQ(e["code"].getString(), "validation_max_less_equal_than_required");
    EXPECT_EQ(e["message"].getString(), "Must be no greater than 2024-12-31 10:30:00.5 +0000 UTC.");
    EXPECT_EQ(e["params"].dump(), R"({"threshold":"2024-12-31T10:30:00.5Z"})");
}

TEST_F(FieldErrorsFixture, SizeLimitsCarryMaxSize) {
    auto e = fieldError(Value(Object{{"meta", Value(Object{{"k", "a long enough string"}})}}), "meta");
    EXPECT_EQ(e["code"].getString(), "validation_json_size_limit");
    EXPECT_EQ(e["message"].getString(), "The maximum allowed JSON size is 20 bytes.");
    EXPECT_EQ(e["params"].dump(), R"({"maxSize":20})");
    e = fieldError(Value(Object{{"body", "<p>too long</p>"}}), "body");
    EXPECT_EQ(e["code"].getString(), "validation_content_size_limit");
    EXPECT_EQ(e["params"].dump(), R"({"maxSize":10})");
}

TEST_F(FieldErrorsFixture, GenericRequestErrors) {
    auto page = s->get("/api/collections/strictf/records?page=abc", su);
    EXPECT_EQ(page.status, 400);
    EXPECT_EQ(page.json()["message"].getString(), "Something went wrong while processing your request.");
    EXPECT_EQ(s->get("/api/collections/strictf/records?perPage=1x", su).status, 400);

    auto view = s->post("/api/collections", Value(Object{{"name", "strictview"}, {"type", "view"}, {"viewQuery", "SELECT id, title FROM strictf"}}), su);
    ASSERT_EQ(view.status, 200) << view.body;
    auto write = s->post("/api/collections/strictview/records", Value(Object{{"title", "x"}}), su);
    EXPECT_EQ(write.status, 400);
    EXPECT_EQ(write.json()["message"].getString(), "Unsupported collection type.");

    auto noToken = s->get("/api/collections");
    EXPECT_EQ(noToken.status, 401);
    EXPECT_EQ(noToken.json()["message"].getString(), "The request requires valid record authorization token.");
}

}  // namespace
