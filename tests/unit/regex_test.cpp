// Linear-time regular expressions (issue 13, 2.1): RE2 in Go's syntax for admin patterns, with
// PocketBase's compile errors, a per-pattern cache, and no stack use proportional to the input
// (libstdc++'s std::regex recursed once per character and crashed on a 50 KB url).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "records/validator.hpp"
#include "schema/index_sql.hpp"
#include "util/regex.hpp"

namespace rx = pb::rx;

TEST(Regex, CompileErrorsAreGoRegexpMessages) {
    // Texts as PocketBase 0.40.6 answers them (validation_invalid_regex messages).
    EXPECT_EQ(rx::compileError("(abc"), "Error parsing regexp: missing closing ): `(abc`.");
    EXPECT_EQ(rx::compileError("a{2000}"), "Error parsing regexp: invalid repeat count: `{2000}`.");
    EXPECT_EQ(rx::compileError("a(?=b)"), "Error parsing regexp: invalid or unsupported Perl syntax: `(?=`.");
    EXPECT_EQ(rx::compileError("\\"), "Error parsing regexp: trailing backslash at end of expression: ``.");
    EXPECT_EQ(rx::compileError("x)"), "Error parsing regexp: unexpected ): `x)`.");
    EXPECT_EQ(rx::compileError("**"), "Error parsing regexp: missing argument to repetition operator: `*`.");
    EXPECT_EQ(rx::compileError("[a"), "Error parsing regexp: missing closing ]: `[a`.");
    EXPECT_EQ(rx::compileError("\\8"), "Error parsing regexp: invalid escape sequence: `\\8`.");
    EXPECT_EQ(rx::compileError("[z-a]"), "Error parsing regexp: invalid character class range: `z-a`.");
    EXPECT_EQ(rx::compileError("a{2}{3}"), "Error parsing regexp: invalid nested repetition operator: `{2}{3}`.");
    EXPECT_EQ(rx::compileError("(a{1000}){1000}"), "Error parsing regexp: invalid repeat count: `{1000}`.");
    EXPECT_EQ(rx::compileError("\\C"), "Error parsing regexp: invalid escape sequence: `\\C`.");  // RE2-only syntax
    // Valid Go syntax, including both named-group spellings.
    for (const char* ok : {"", "^[a-z0-9]+$", "(?P<n>a)", "(?<n>a)b", "(?i)abc", "\\pL+", "[[:alpha:]]", "\\Q(?<\\E"})
        EXPECT_EQ(rx::compileError(ok), "") << ok;
}

TEST(Regex, SearchIsGoMatchString) {
    EXPECT_TRUE(rx::search("b+", "abbbc"));  // unanchored, like regexp.MatchString
    EXPECT_FALSE(rx::search("^b+$", "abbbc"));
    EXPECT_TRUE(rx::search("(?<word>[a-z]+)-\\d", "x abc-1"));
    EXPECT_TRUE(rx::search("[(?<]x", "<x"));  // inside a class "(?<" is three literals
    // An invalid pattern matches nothing: validation fails, never passes silently.
    EXPECT_FALSE(rx::search("(abc", "(abc"));
}

TEST(Regex, CompiledPatternsAreCached) {
    auto a = rx::compiled("^[a-z]{3}$");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(rx::compiled("^[a-z]{3}$").get(), a.get());
    EXPECT_EQ(rx::compiled("(bad"), nullptr);
}

TEST(Regex, HugeInputsMatchInLinearTimeWithoutRecursion) {
    using Clock = std::chrono::steady_clock;
    // 8 MB against patterns that overflow std::regex's recursion or make a backtracker explode.
    const std::string huge(8 << 20, 'a');
    auto start = Clock::now();
    EXPECT_FALSE(rx::search("^(a|aa)*$b", huge));
    EXPECT_FALSE(rx::search("^(a+)+$", huge + "!"));
    EXPECT_TRUE(rx::search("^[a-z]+$", huge));
    auto url = rx::builtin(R"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*)");
    EXPECT_TRUE(re2::RE2::FullMatch("http://" + huge, *url));
    // The public validators cap first (Go's is.URL refuses 2083 characters or more).
    EXPECT_FALSE(pb::records::isValidUrl("http://" + huge));
    EXPECT_FALSE(pb::records::isValidEmail(huge + "@example.com"));
    EXPECT_TRUE(pb::records::isValidUrl("http://a.com/" + std::string(2069, 'a')));   // 2082 characters
    EXPECT_FALSE(pb::records::isValidUrl("http://a.com/" + std::string(2070, 'a')));  // 2083
    // Generous: linear matching of ~40 MB takes well under a second unloaded.
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(20));
}

TEST(Regex, PasswordPatternNeverPassesSilently) {
    pb::schema::Field f;
    f.name = "password";
    f.type = pb::schema::FieldType::Password;
    f.opts = pb::json::Value(pb::json::Object{{"pattern", "(unclosed"}});
    auto e = pb::records::validatePlainPassword(f, "whatever123");
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ((*e)["code"].getString(), "validation_invalid_format");
    f.opts = pb::json::Value(pb::json::Object{{"pattern", "\\d"}});
    EXPECT_FALSE(pb::records::validatePlainPassword(f, "abc1").has_value());
    EXPECT_TRUE(pb::records::validatePlainPassword(f, "abcd").has_value());
}

TEST(Regex, IndexStatements) {
    using pb::schema::matchIndex;
    auto m = matchIndex("CREATE UNIQUE INDEX IF NOT EXISTS `idx_x` ON `posts` (`title`, lower(slug))");
    ASSERT_TRUE(m.has_value());
    EXPECT_TRUE(m->unique);
    EXPECT_EQ(m->name, "idx_x");
    EXPECT_EQ(m->table, "posts");
    EXPECT_EQ(m->columns, "(`title`, lower(slug))");
    EXPECT_EQ(m->namePos, 35u);
    auto plain = matchIndex("create index idx_y on t (a)");
    ASSERT_TRUE(plain.has_value());
    EXPECT_FALSE(plain->unique);
    EXPECT_EQ(plain->name, "idx_y");
    EXPECT_FALSE(matchIndex("DROP INDEX x").has_value());
    EXPECT_EQ(pb::schema::replaceInIndexName("CREATE INDEX `idx_old_a` ON `old` (a)", "old", "new"),
              "CREATE INDEX `idx_new_a` ON `old` (a)");
    EXPECT_TRUE(pb::schema::hasSingleColumnUniqueIndex({"CREATE UNIQUE INDEX u ON t (`Email`)"}, "email"));
    EXPECT_FALSE(pb::schema::hasSingleColumnUniqueIndex({"CREATE UNIQUE INDEX u ON t (email, name)"}, "email"));
}
