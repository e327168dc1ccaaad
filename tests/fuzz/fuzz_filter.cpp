// Filter parser + compiler (client filters and rules) and the sort compiler.
// Input layout: byte 0 = mode bits, the rest = the filter text.
//   bit 0: allowHidden (superuser/rule) vs client filter
//   bit 1: authenticated request (users record u1) vs guest
//   bit 2: base collection `users` instead of `posts`
//   bit 3: also compile the text as a sort expression
// Oracles:
//   - no crash / sanitizer report; only pb::ApiError (400/403) may escape — anything else would
//     become a 500 in the API;
//   - the SQL prepares against a real schema (no SQL error reaches a client as a 500), its `?`
//     count equals the bound params, and it runs;
//   - no user text literal appears in the SQL: every quoted SQL string literal is one of the
//     compiler's constants, and no text literal containing non-identifier characters appears
//     anywhere in the SQL.
#include <sqlite3.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "db/database.hpp"
#include "records/filter/filter_compiler.hpp"
#include "records/filter/filter_parser.hpp"
#include "records/rule_sql.hpp"
#include "records/sort.hpp"
#include "util/api_error.hpp"
#include "util/strings.hpp"

using namespace pb;
using namespace pb::records;

namespace {

schema::Field fld(std::string name, std::string type, json::Value opts = json::Value::object(), bool hidden = false) {
    schema::Field f;
    f.id = name + "_id";
    f.name = std::move(name);
    f.type = std::move(type);
    f.opts = std::move(opts);
    f.hidden = hidden;
    return f;
}
json::Value rel(const std::string& coll, int maxSelect) {
    json::Value o = json::Value::object();
    o.set("collectionId", coll);
    o.set("maxSelect", maxSelect);
    return o;
}
json::Value sel(int maxSelect) {
    json::Value o = json::Value::object();
    o.set("maxSelect", maxSelect);
    return o;
}

struct Env {
    sqlite3* db = nullptr;
    std::map<std::string, schema::CollectionPtr> colls;
    CollectionFinder finder;
    RequestInfo guest, user;

    void add(schema::Collection c) {
        std::string n = c.name;
        colls[n] = std::make_shared<schema::Collection>(std::move(c));
    }

    Env() {
        finder = [this](const std::string& n) -> schema::CollectionPtr {
            for (auto& [k, c] : colls)
                if (str::iequals(c->name, n) || c->id == n) return c;
            return nullptr;
        };
        schema::Collection users;
        users.id = "pbc_users";
        users.name = "users";
        users.type = schema::CollectionType::Auth;
        users.listRule = "id = @request.auth.id";
        users.fields = {fld("id", "text"), fld("email", "email"), fld("emailVisibility", "bool"), fld("verified", "bool"),
                        fld("password", "password", json::Value::object(), true),
                        fld("tokenKey", "text", json::Value::object(), true), fld("name", "text"),
                        fld("secret", "text", json::Value::object(), true), fld("best", "relation", rel("pbc_posts", 1))};
        add(users);
        schema::Collection tags;
        tags.id = "pbc_tags";
        tags.name = "tags";
        tags.listRule = "";
        tags.fields = {fld("id", "text"), fld("name", "text")};
        add(tags);
        schema::Collection posts;
        posts.id = "pbc_posts";
        posts.name = "posts";
        posts.listRule = "";
        posts.fields = {fld("id", "text"), fld("title", "text"), fld("n", "number"), fld("flag", "bool"),
                        fld("tags", "relation", rel("pbc_tags", 5)), fld("author", "relation", rel("pbc_users", 1)),
                        fld("parent", "relation", rel("pbc_posts", 1)), fld("data", "json"), fld("loc", "geoPoint"),
                        fld("created", "autodate"), fld("kind", "select", sel(1)), fld("labels", "select", sel(3)),
                        fld("files", "file", sel(2)), fld("hid", "text", json::Value::object(), true)};
        add(posts);
        schema::Collection comments;
        comments.id = "pbc_comments";
        comments.name = "comments";
        comments.listRule = std::nullopt;
        comments.fields = {fld("id", "text"), fld("post", "relation", rel("pbc_posts", 1)), fld("body", "text"),
                           fld("author", "relation", rel("pbc_users", 1))};
        add(comments);

        sqlite3_open(":memory:", &db);
        const char* ddl = R"(
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT DEFAULT '' NOT NULL, emailVisibility BOOLEAN DEFAULT FALSE NOT NULL,
  verified BOOLEAN DEFAULT FALSE NOT NULL, password TEXT DEFAULT '' NOT NULL, tokenKey TEXT DEFAULT '' NOT NULL,
  name TEXT DEFAULT '' NOT NULL, secret TEXT DEFAULT '' NOT NULL, best TEXT DEFAULT '' NOT NULL);
CREATE TABLE tags (id TEXT PRIMARY KEY, name TEXT DEFAULT '' NOT NULL);
CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT DEFAULT '', n NUMERIC DEFAULT 0 NOT NULL, flag BOOLEAN DEFAULT FALSE NOT NULL,
  tags JSON DEFAULT '[]' NOT NULL, author TEXT DEFAULT '' NOT NULL, parent TEXT DEFAULT '' NOT NULL, data JSON DEFAULT NULL,
  loc JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL, created TEXT DEFAULT '' NOT NULL, kind TEXT DEFAULT '' NOT NULL,
  labels JSON DEFAULT '[]' NOT NULL, files JSON DEFAULT '[]' NOT NULL, hid TEXT DEFAULT '' NOT NULL);
CREATE TABLE comments (id TEXT PRIMARY KEY, post TEXT DEFAULT '' NOT NULL, body TEXT DEFAULT '' NOT NULL, author TEXT DEFAULT '' NOT NULL);
INSERT INTO users VALUES ('u1','u1@x.com',1,1,'$2a$hash','k1','Ann','s1','p1'), ('u2','u2@x.com',0,0,'$2a$hash','k2','Bob','s2','');
INSERT INTO tags VALUES ('t1','a'), ('t2','b'), ('t3','c');
INSERT INTO posts (id,title,n,flag,tags,author,parent,data,loc,created,kind,labels,files,hid) VALUES
 ('p1','hello',1,1,'["t1","t1"]','u1','','{"a":{"b":[1,2]},"s":"x"}','{"lon":0,"lat":0}','2024-01-02 10:00:00.000Z','a','["x","y"]','["f.png"]','h'),
 ('p2','',2,0,'["t1","t2"]','u2','p1',NULL,'{"lon":10,"lat":10}','2023-05-06 00:00:00.000Z','','[]','[]',''),
 ('p3','x%y',0,0,'[]','','p2','5','{"lon":0,"lat":0}','','b','["z"]','[]','');
INSERT INTO comments VALUES ('c1','p1','x','u1'), ('c2','p1','y','u2'), ('c3','p2','x','');
)";
        sqlite3_exec(db, ddl, nullptr, nullptr, nullptr);

        user.auth = json::Value::object();
        user.auth.set("id", "u1");
        user.auth.set("collectionId", "pbc_users");
        user.auth.set("collectionName", "users");
        user.auth.set("email", "u1@x.com");
        user.auth.set("emailVisibility", true);
        user.auth.set("verified", true);
        user.auth.set("name", "Ann");
        user.auth.set("best", "p1");
        for (RequestInfo* r : {&guest, &user}) {
            r->query.set("q", "it's");
            r->headers.set("x_token", "abc");
            r->body.set("title", "hello");
            r->body.set("n", 2.0);
        }
    }
};

Env& env() {
    static Env* e = new Env();
    return *e;
}

// Every single-quoted SQL string literal must be a compiler constant (never user text).
void checkSqlLiterals(const std::string& sql, const std::string& input) {
    for (size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] == '`') {  // skip quoted identifiers
            size_t j = i + 1;
            while (j < sql.size()) {
                if (sql[j] == '`') {
                    if (j + 1 < sql.size() && sql[j + 1] == '`') { j += 2; continue; }
                    break;
                }
                ++j;
            }
            i = j;
            continue;
        }
        if (sql[i] != '\'') continue;
        size_t j = i + 1;
        std::string lit;
        while (j < sql.size()) {
            if (sql[j] == '\'') {
                if (j + 1 < sql.size() && sql[j + 1] == '\'') { lit += '\''; j += 2; continue; }
                break;
            }
            lit += sql[j++];
        }
        bool ok = lit.empty() || lit == "%" || lit == "\\" || lit == "array" || lit == "[]" || lit == "pb" ||
                  lit == "object" || lit == "null";
        if (!ok && (lit[0] == '$')) {
            ok = true;  // JSON path built from identifier characters only
            for (char c : lit)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '$' || c == '.' || c == '[' || c == ']' ||
                      c == '_' || c == '-' || c == '#'))
                    ok = false;
        }
        FUZZ_CHECK(ok, "unexpected SQL string literal '%s'\ninput: %s\nsql: %s", lit.c_str(), input.c_str(), sql.c_str());
        i = j;
    }
}

bool isPlainWord(const std::string& lit) {
    for (char c : lit)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '%')) return false;
    return true;
}

size_t occurrences(const std::string& hay, const std::string& needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
}

// The input with every checked text literal replaced by a neutral "zzz" (other tokens kept verbatim).
std::string neutralized(const std::string& input) {
    filter::Lexer lx(input);
    std::string out;
    size_t from = 0;
    for (;;) {
        filter::Token t;
        try {
            t = lx.next();
        } catch (...) {
            return input;
        }
        if (t.kind == filter::TokenKind::End) break;
        std::string span = input.substr(from, lx.pos() - from);
        out += (t.kind == filter::TokenKind::Text && t.literal.size() >= 3 && !isPlainWord(t.literal)) ? " \"zzz\"" : span;
        from = lx.pos();
    }
    return out + input.substr(from);
}

// A user text literal must never be copied into the SQL: it goes in as a bound parameter. The
// literal may still coincide with text the compiler emits anyway (the fuzzer learns SQL fragments
// from comparisons, e.g. "id` FROM `posts`"), so the oracle compares against the SQL compiled from
// the same filter with its literals neutralized: an echoed literal shows up more often.
void checkNoRawText(const std::string& sql, const std::string& input,
                    const std::function<std::optional<std::string>(const std::string&)>& compile) {
    std::vector<filter::Token> toks;
    try {
        toks = filter::tokenize(input);
    } catch (...) {
        return;
    }
    std::optional<std::string> skeleton;
    bool compiled = false;
    for (auto& t : toks) {
        if (t.kind != filter::TokenKind::Text || t.literal.size() < 3 || isPlainWord(t.literal)) continue;
        size_t inSql = occurrences(sql, t.literal);
        if (inSql == 0) continue;
        if (!compiled) {
            skeleton = compile(neutralized(input));
            compiled = true;
        }
        if (!skeleton) return;  // the neutral form does not compile: nothing to compare against
        FUZZ_CHECK(inSql <= occurrences(*skeleton, t.literal), "user literal in SQL: %s\nsql: %s",
                   t.literal.c_str(), sql.c_str());
    }
}

void runSql(const std::string& sql, const std::vector<SqlParam>& params, const std::string& input) {
    sqlite3* db = env().db;
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    FUZZ_CHECK(rc == SQLITE_OK, "SQL does not prepare: %s\ninput: %s\nsql: %s", sqlite3_errmsg(db), input.c_str(),
               sql.c_str());
    FUZZ_CHECK(sqlite3_bind_parameter_count(st) == static_cast<int>(params.size()),
               "placeholder/param mismatch %d vs %zu\nsql: %s", sqlite3_bind_parameter_count(st), params.size(),
               sql.c_str());
    db::bindParams(st, params);
    int steps = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && ++steps < 1000) {
    }
    FUZZ_CHECK(rc == SQLITE_ROW || rc == SQLITE_DONE, "SQL fails at runtime: %s\ninput: %s\nsql: %s",
               sqlite3_errmsg(db), input.c_str(), sql.c_str());
    sqlite3_finalize(st);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1 || size > 4000) return 0;
    Env& e = env();
    const uint8_t mode = data[0];
    std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
    const bool allowHidden = mode & 1;
    const RequestInfo& info = (mode & 2) ? e.user : e.guest;
    const std::string table = (mode & 4) ? "users" : "posts";
    const schema::Collection& coll = *e.colls.at(table);

    try {
        filter::parse(input);
    } catch (const filter::FilterError&) {
    }

    auto sqlOf = [&](const CompiledFilter& f) {
        return "SELECT " + std::string(f.distinct ? "DISTINCT " : "") + "`" + table + "`.`id` FROM `" + table + "` " +
               f.joinSql() + " WHERE " + f.where;
    };
    auto compileOnly = [&](const std::string& in) -> std::optional<std::string> {
        try {
            return sqlOf(compileFilter(in, coll, e.finder, info, allowHidden));
        } catch (...) {
            return std::nullopt;
        }
    };
    try {
        CompiledFilter f = compileFilter(input, coll, e.finder, info, allowHidden);
        std::string sql = sqlOf(f);
        checkSqlLiterals(sql, input);
        checkNoRawText(sql, input, compileOnly);
        std::vector<SqlParam> p = f.joinParams;
        p.insert(p.end(), f.params.begin(), f.params.end());
        runSql(sql, p, input);
    } catch (const pb::ApiError& err) {
        FUZZ_CHECK(err.status() == 400 || err.status() == 403, "unexpected status %d", err.status());
    }

    if (mode & 8) {
        try {
            CompiledSort s = compileSort(input, coll, e.finder, info, allowHidden);
            if (!s.orderBy.empty()) {
                std::string sql = "SELECT DISTINCT `" + table + "`.`id` FROM `" + table + "` " + str::join(s.joins, " ") +
                                  (s.where.empty() ? "" : " WHERE " + s.where) + " ORDER BY " + s.orderBy;
                checkSqlLiterals(sql, input);
                std::vector<SqlParam> p = s.params;
                p.insert(p.end(), s.whereParams.begin(), s.whereParams.end());
                runSql(sql, p, input);
            }
        } catch (const pb::ApiError& err) {
            FUZZ_CHECK(err.status() == 400 || err.status() == 403, "unexpected sort status %d", err.status());
        }
    }
    return 0;
}
