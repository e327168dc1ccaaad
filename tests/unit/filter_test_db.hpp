#pragma once
// Shared fixture for the filter tests: a real in-memory SQLite DB with PocketBase-like tables.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <string>
#include <vector>

#include "records/filter/filter_compiler.hpp"
#include "db/database.hpp"
#include "records/rule_sql.hpp"
#include "records/sort.hpp"
#include "util/api_error.hpp"
#include "util/strings.hpp"

namespace filtertest {

using namespace pb;
using namespace pb::records;

inline schema::Field fld(std::string name, std::string type, json::Value opts = json::Value::object(), bool hidden = false) {
    schema::Field f;
    f.id = name + "_id";
    f.name = std::move(name);
    f.type = std::move(type);
    f.opts = std::move(opts);
    f.hidden = hidden;
    return f;
}
inline json::Value rel(const std::string& coll, int maxSelect) {
    json::Value o = json::Value::object();
    o.set("collectionId", coll);
    o.set("maxSelect", maxSelect);
    return o;
}

class FilterDb : public ::testing::Test {
protected:
    sqlite3* db = nullptr;
    std::map<std::string, schema::CollectionPtr> colls;
    CollectionFinder finder = [this](const std::string& n) -> schema::CollectionPtr {
        for (auto& [k, c] : colls)
            if (str::iequals(c->name, n) || c->id == n) return c;
        return nullptr;
    };

    void add(schema::Collection c) {
        std::string n = c.name;
        colls[n] = std::make_shared<schema::Collection>(std::move(c));
    }
    const schema::Collection& C(const std::string& n) { return *colls.at(n); }

    void exec(const std::string& sql) {
        char* err = nullptr;
        ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "") << "\n" << sql;
    }

    // Runs `sql` with params; returns the first column of each row.
    std::vector<std::string> query(const std::string& sql, const std::vector<SqlParam>& params) {
        sqlite3_stmt* st = nullptr;
        std::vector<std::string> out;
        int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
        EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db) << "\n" << sql;
        if (rc != SQLITE_OK) return out;
        EXPECT_EQ(sqlite3_bind_parameter_count(st), static_cast<int>(params.size())) << sql;
        db::bindParams(st, params);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            auto t = sqlite3_column_text(st, 0);
            out.push_back(t ? reinterpret_cast<const char*>(t) : "<null>");
        }
        EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db) << "\n" << sql;
        sqlite3_finalize(st);
        return out;
    }

    // Ids of `posts` matching a client filter.
    std::string ids(const std::string& filter, const RequestInfo& info = {}, bool allowHidden = true,
                    const std::string& table = "posts") {
        CompiledFilter f = compileFilter(filter, C(table), finder, info, allowHidden);
        std::string sql = "SELECT DISTINCT `" + table + "`.`id` FROM `" + table + "` " + f.joinSql() + " WHERE " +
                          f.where + " ORDER BY `" + table + "`.`id`";
        std::vector<SqlParam> p = f.joinParams;
        p.insert(p.end(), f.params.begin(), f.params.end());
        return str::join(query(sql, p), ",");
    }

    void SetUp() override {
        ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
        schema::Collection users;
        users.id = "pbc_users";
        users.name = "users";
        users.type = schema::CollectionType::Auth;
        users.listRule = "";
        users.fields = {fld("id", "text"), fld("email", "email"), fld("emailVisibility", "bool"), fld("verified", "bool"),
                        fld("password", "password", json::Value::object(), true), fld("name", "text"),
                        fld("secret", "text", json::Value::object(), true)};
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
                        fld("created", "autodate")};
        add(posts);
        schema::Collection comments;
        comments.id = "pbc_comments";
        comments.name = "comments";
        comments.listRule = std::nullopt;
        comments.fields = {fld("id", "text"), fld("post", "relation", rel("pbc_posts", 1)), fld("body", "text")};
        add(comments);

        exec(R"(
CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT DEFAULT '' NOT NULL, emailVisibility BOOLEAN DEFAULT FALSE NOT NULL,
  verified BOOLEAN DEFAULT FALSE NOT NULL, password TEXT DEFAULT '' NOT NULL, name TEXT DEFAULT '' NOT NULL, secret TEXT DEFAULT '' NOT NULL);
CREATE TABLE tags (id TEXT PRIMARY KEY, name TEXT DEFAULT '' NOT NULL);
CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT DEFAULT '', n NUMERIC DEFAULT 0 NOT NULL, flag BOOLEAN DEFAULT FALSE NOT NULL,
  tags JSON DEFAULT '[]' NOT NULL, author TEXT DEFAULT '' NOT NULL, parent TEXT DEFAULT '' NOT NULL, data JSON DEFAULT NULL,
  loc JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL, created TEXT DEFAULT '' NOT NULL);
CREATE TABLE comments (id TEXT PRIMARY KEY, post TEXT DEFAULT '' NOT NULL, body TEXT DEFAULT '' NOT NULL);
INSERT INTO users VALUES ('u1','u1@x.com',1,1,'$2a$hash','Ann','s1'), ('u2','u2@x.com',0,0,'$2a$hash','Bob','s2');
INSERT INTO tags VALUES ('t1','a'), ('t2','b'), ('t3','c');
INSERT INTO posts (id,title,n,flag,tags,author,parent,data,loc,created) VALUES
 ('p1','hello',1,1,'["t1","t1"]','u1','','{"a":{"b":[1,2]},"s":"x"}','{"lon":0,"lat":0}','2024-01-02 10:00:00.000Z'),
 ('p2','',2,0,'["t1","t2"]','u2','p1',NULL,'{"lon":10,"lat":10}','2023-05-06 00:00:00.000Z'),
 ('p3','x%y',0,0,'[]','','p2','5','{"lon":0,"lat":0}',''),
 ('p4','under_score',10,0,'["t1","missing"]','u1','p3','{"s":"y"}','{"lon":0,"lat":0}',''),
 ('p5','it''s',-1,0,'["t3"]','','p4','"str"','{"lon":0,"lat":0}',''),
 ('p6',NULL,0,0,'["t2"]','','p5','null','{"lon":0,"lat":0}','');
INSERT INTO comments VALUES ('c1','p1','x'), ('c2','p1','y'), ('c3','p2','x');
)");
    }
    void TearDown() override { sqlite3_close(db); }

    static RequestInfo authAs(const std::string& id, const std::string& collection = "users") {
        RequestInfo i;
        i.auth = json::Value::object();
        i.auth.set("id", id);
        i.auth.set("collectionId", collection == "users" ? "pbc_users" : "pbc_su");
        i.auth.set("collectionName", collection);
        i.auth.set("email", id + "@x.com");
        i.auth.set("verified", true);
        return i;
    }
};

inline int statusOf(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const pb::ApiError& e) {
        return e.status();
    }
    return 0;
}

}  // namespace filtertest
