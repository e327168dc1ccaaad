// ?expand: the `expand` key appears only when a requested path resolves (reference §1.4/§1.5).
#include <gtest/gtest.h>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

TEST(ApiRecordExpand, InvalidPathsOmitTheExpandKey) {
    TestServer s;
    auto su = s.superuserToken();
    auto authors = s.post("/api/collections",
                          Value(Object{{"name", "authors"}, {"listRule", ""}, {"viewRule", ""},
                                       {"fields", Value(Array{Value(Object{{"name", "name"}, {"type", "text"}})})}}),
                          su);
    ASSERT_EQ(authors.status, 200) << authors.body;
    auto books = s.post("/api/collections",
                        Value(Object{{"name", "books"}, {"listRule", ""}, {"viewRule", ""},
                                     {"fields", Value(Array{Value(Object{{"name", "author"}, {"type", "relation"},
                                                                         {"collectionId", authors.json()["id"]}, {"maxSelect", 1}})})}}),
                        su);
    ASSERT_EQ(books.status, 200) << books.body;
    auto author = s.post("/api/collections/authors/records", Value(Object{{"name", "Ann"}}), su).json();
    auto withAuthor = s.post("/api/collections/books/records", Value(Object{{"author", author["id"]}}), su).json();
    auto without = s.post("/api/collections/books/records", Value(Object{}), su).json();
    const std::string base = "/api/collections/books/records/";

    auto get = [&](const std::string& id, const std::string& expand) {
        auto r = s.get(base + id + "?expand=" + expand);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    };
    EXPECT_FALSE(get(withAuthor["id"].getString(), "nonexistent").has("expand"));
    EXPECT_FALSE(get(withAuthor["id"].getString(), "author.nonexistent").has("expand"));
    EXPECT_FALSE(get(withAuthor["id"].getString(), "nope_via_author").has("expand"));
    auto list = s.get("/api/collections/books/records?expand=nonexistent").json();
    for (auto& item : list["items"].asArray()) EXPECT_FALSE(item.has("expand")) << item.dump();

    // Valid paths: the relation, or {} when nothing resolved.
    auto ok = get(withAuthor["id"].getString(), "author");
    EXPECT_EQ(ok["expand"]["author"]["name"].getString(), "Ann") << ok.dump();
    auto empty = get(without["id"].getString(), "author");
    ASSERT_TRUE(empty["expand"].isObject()) << empty.dump();
    EXPECT_EQ(empty["expand"].size(), 0u);
    // A valid path next to an invalid one still expands.
    auto mixed = get(withAuthor["id"].getString(), "nonexistent,author");
    EXPECT_EQ(mixed["expand"]["author"]["name"].getString(), "Ann") << mixed.dump();
    // A back-relation that resolves to nothing is a valid path.
    auto back = s.get("/api/collections/authors/records/" + author["id"].getString() + "?expand=books_via_author").json();
    ASSERT_TRUE(back["expand"].isObject()) << back.dump();
    auto none = s.get("/api/collections/authors/records/" + author["id"].getString() + "?expand=books_via_nope").json();
    EXPECT_FALSE(none.has("expand")) << none.dump();
}

}  // namespace
