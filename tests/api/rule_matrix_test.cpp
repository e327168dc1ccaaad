// Rule matrix (issue #7, S1): generated scenarios over
//   roles   {guest, user A (verified), user B (unverified), superuser}
// x rules   {null, "", owner, relation path, @request.body, @collection join, multi-value select,
//            multi-value relation}
// x actions {list (+ client filters), view, create, update, delete, expand (single, nested, multi)}
// with the expected outcome computed from PocketBase's semantics (PocketBase apis/record_crud.go and the filter syntax):
// list filters rows (exact ids), view/update/delete fail with 404 (403 for null), create fails
// with 400 "Failed to create record."; superusers bypass every rule; empty/NULL compare equal
// (so `owner = @request.auth.id` matches ownerless rows for guests). A bare multi-value field is
// its raw JSON column (PocketBase core/record_field_resolver.go), so membership is written `tags:each ?= 'x'` /
// `members.id ?= @request.auth.id`; an empty list joins as one NULL item. Every response from a
// non-superuser is also checked for leaked hidden fields and other users' emails.
// One server for the whole matrix; collections are generated in SetUpTestSuite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/test_server.hpp"
#include "util/strings.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

namespace {

enum Role { Guest, UserA, UserB, Super };
const char* kRoleNames[] = {"guest", "userA", "userB", "superuser"};

struct Kind {
    const char* name;
    std::optional<std::string> rule;
};
const std::vector<Kind> kKinds = {
    {"null", std::nullopt},
    {"public", ""},
    {"owner", "owner = @request.auth.id"},
    {"relation", "owner.verified = true"},
    {"body", "@request.body.title = 'ok'"},
    {"coll", "@collection.grants.user ?= @request.auth.id && @collection.grants.target ?= title"},
    {"tags", "tags:each ?= 'x'"},
    {"members", "members.id ?= @request.auth.id"},
};

// Owner / member placeholders: 'A', 'B', 'S' (the acting user; "" for guest/superuser), '-' none.
struct Shape {
    std::string title;
    char owner;
    std::vector<std::string> tags;
    std::string members;  // chars among A, B, S
};
const std::vector<Shape> kSeeds = {
    {"ga", 'A', {"x"}, "A"},        {"gb", 'B', {"y", "z"}, "B"}, {"ok", '-', {"x", "y"}, "AB"},
    {"zz", 'B', {}, ""},            {"gb", 'A', {"z"}, "B"},      {"ga", '-', {"x"}, ""},
};
const std::vector<Shape> kCreates = {
    {"ok", 'S', {"x"}, "S"},   {"ga", 'A', {"y"}, "A"},  {"gb", 'B', {"x", "z"}, "B"},
    {"bad", '-', {}, ""},      {"ok", 'B', {"y"}, "AB"}, {"gb", 'A', {"x"}, ""},
};

std::string seedId(size_t k, size_t i) {
    char b[64];
    std::snprintf(b, sizeof b, "rm%02zus%02zu00000000", k, i);
    return b;
}

struct RuleMatrix : ::testing::Test {
    static inline TestServer* s = nullptr;
    static inline std::string su, tokA, tokB, idA, idB;
    static inline std::vector<std::string> collIds;
    static inline long scenarios = 0;
    static inline const std::string emailA = "rm-a@example.com", emailB = "rm-b@example.com";

    static std::string token(Role r) { return r == UserA ? tokA : r == UserB ? tokB : r == Super ? su : ""; }
    static std::string self(Role r) { return r == UserA ? idA : r == UserB ? idB : ""; }
    static std::string resolveUser(char c, Role r) {
        return c == 'A' ? idA : c == 'B' ? idB : c == 'S' ? self(r) : "";
    }
    static std::vector<std::string> resolveMembers(const std::string& m, Role r) {
        std::vector<std::string> out;
        for (char c : m) {
            std::string u = resolveUser(c, r);
            if (!u.empty() && std::find(out.begin(), out.end(), u) == out.end()) out.push_back(u);
        }
        return out;
    }

    // PocketBase's evaluation of kind k's rule for `role` on a row with `shape` (resolved for
    // `shapeRole`) and an optional submitted body title.
    static bool passes(size_t k, Role role, const Shape& shape, Role shapeRole, std::optional<std::string> bodyTitle) {
        if (role == Super) return true;
        const std::string me = self(role);
        const std::string owner = resolveUser(shape.owner, shapeRole);
        const auto members = resolveMembers(shape.members, shapeRole);
        const std::string kind = kKinds[k].name;
        if (kind == "null") return false;
        if (kind == "public") return true;
        if (kind == "owner") return owner == me;  // NULL auth id == '' owner
        if (kind == "relation") return owner == idA;  // only A is verified
        if (kind == "body") return bodyTitle && *bodyTitle == "ok";
        if (kind == "coll") return (me == idA && shape.title == "ga") || (me == idB && shape.title == "gb");
        if (kind == "tags") return std::find(shape.tags.begin(), shape.tags.end(), "x") != shape.tags.end();
        if (kind == "members") {
            if (members.empty()) return me.empty();  // LEFT JOIN json_each -> NULL row matches NULL
            return !me.empty() && std::find(members.begin(), members.end(), me) != members.end();
        }
        return false;
    }

    static Value shapeJson(const Shape& sh, Role r) {
        Array tags, mem;
        for (auto& t : sh.tags) tags.push_back(Value(t));
        for (auto& m : resolveMembers(sh.members, r)) mem.push_back(Value(m));
        return Value(Object{{"title", sh.title}, {"owner", resolveUser(sh.owner, r)}, {"tags", Value(tags)},
                            {"members", Value(mem)}});
    }

    // No hidden field and no email of someone else may appear in a non-superuser response.
    static void expectNoLeak(Role r, const pbtest::HttpResponse& res, const std::string& what) {
        if (r == Super) return;
        EXPECT_EQ(res.body.find("SECRET-"), std::string::npos) << what << " leaked a hidden field: " << res.body;
        EXPECT_EQ(res.body.find("tokenKey"), std::string::npos) << what << ": " << res.body;
        EXPECT_EQ(res.body.find("\"password\""), std::string::npos) << what << ": " << res.body;
        if (r != UserA) {
            EXPECT_EQ(res.body.find(emailA), std::string::npos) << what << " leaked A's email: " << res.body;
        }
        if (r != UserB) {
            EXPECT_EQ(res.body.find(emailB), std::string::npos) << what << " leaked B's email: " << res.body;
        }
    }
    static void expectError(const pbtest::HttpResponse& res, int status, const std::string& msg, const std::string& what) {
        EXPECT_EQ(res.status, status) << what << ": " << res.body;
        if (!msg.empty()) {
            EXPECT_EQ(res.json()["message"].getString(), msg) << what << ": " << res.body;
        }
        EXPECT_TRUE(res.json()["data"].isObject()) << what << ": " << res.body;
    }

    static void SetUpTestSuite() {
        s = new TestServer();
        su = s->superuserToken();
        tokA = s->createUser(emailA, "Passw0rd!123", &idA);
        tokB = s->createUser(emailB, "Passw0rd!123", &idB);
        auto p = s->patch("/api/collections/users/records/" + idA, Value(Object{{"verified", true}, {"name", "Ann"}}), su);
        ASSERT_EQ(p.status, 200) << p.body;
        p = s->patch("/api/collections/users/records/" + idB, Value(Object{{"name", "Bob"}}), su);
        ASSERT_EQ(p.status, 200) << p.body;

        auto g = s->post("/api/collections",
                         Value(Object{{"name", "grants"},
                                      {"fields", Value(Array{Value(Object{{"name", "user"}, {"type", "relation"}, {"collectionId", "_pb_users_auth_"}, {"maxSelect", 1}}),
                                                             Value(Object{{"name", "target"}, {"type", "text"}})})}}),
                         su);
        ASSERT_EQ(g.status, 200) << g.body;
        ASSERT_EQ(s->post("/api/collections/grants/records", Value(Object{{"user", idA}, {"target", "ga"}}), su).status, 200);
        ASSERT_EQ(s->post("/api/collections/grants/records", Value(Object{{"user", idB}, {"target", "gb"}}), su).status, 200);

        Array linkFields;
        for (size_t k = 0; k < kKinds.size(); ++k) {
            Value rule = kKinds[k].rule ? Value(*kKinds[k].rule) : Value();
            Value fields(Array{
                Value(Object{{"name", "title"}, {"type", "text"}}),
                Value(Object{{"name", "owner"}, {"type", "relation"}, {"collectionId", "_pb_users_auth_"}, {"maxSelect", 1}}),
                Value(Object{{"name", "tags"}, {"type", "select"}, {"values", Value(Array{Value("x"), Value("y"), Value("z")})}, {"maxSelect", 3}}),
                Value(Object{{"name", "members"}, {"type", "relation"}, {"collectionId", "_pb_users_auth_"}, {"maxSelect", 5}}),
                Value(Object{{"name", "note"}, {"type", "text"}}),
                Value(Object{{"name", "secret"}, {"type", "text"}, {"hidden", true}}),
            });
            auto c = s->post("/api/collections",
                             Value(Object{{"name", std::string("m_") + kKinds[k].name}, {"listRule", rule}, {"viewRule", rule},
                                          {"createRule", rule}, {"updateRule", rule}, {"deleteRule", rule}, {"fields", fields}}),
                             su);
            ASSERT_EQ(c.status, 200) << c.body;
            collIds.push_back(c.json()["id"].getString());
            for (size_t i = 0; i < kSeeds.size(); ++i) {
                Value body = shapeJson(kSeeds[i], Super);
                body.set("id", seedId(k, i));
                body.set("secret", "SECRET-" + seedId(k, i));
                auto r = s->post(std::string("/api/collections/m_") + kKinds[k].name + "/records", body, su);
                ASSERT_EQ(r.status, 200) << r.body;
            }
            linkFields.push_back(Value(Object{{"name", std::string("k_") + kKinds[k].name}, {"type", "relation"}, {"collectionId", collIds[k]}, {"maxSelect", 1}}));
            linkFields.push_back(Value(Object{{"name", std::string("km_") + kKinds[k].name}, {"type", "relation"}, {"collectionId", collIds[k]}, {"maxSelect", 10}}));
        }
        auto l = s->post("/api/collections", Value(Object{{"name", "links"}, {"listRule", ""}, {"viewRule", ""}, {"fields", Value(linkFields)}}), su);
        ASSERT_EQ(l.status, 200) << l.body;
        for (size_t i = 0; i < kSeeds.size(); ++i) {
            Value body(Object{{"id", "links" + std::string(8, '0') + "0" + std::to_string(i)}});
            for (size_t k = 0; k < kKinds.size(); ++k) {
                body.set(std::string("k_") + kKinds[k].name, seedId(k, i));
                Array all;
                if (i == 0)
                    for (size_t j = 0; j < kSeeds.size(); ++j) all.push_back(Value(seedId(k, j)));
                body.set(std::string("km_") + kKinds[k].name, Value(all));
            }
            auto r = s->post("/api/collections/links/records", body, su);
            ASSERT_EQ(r.status, 200) << r.body;
        }
    }
    static void TearDownTestSuite() {
        std::printf("[rule_matrix] %ld scenarios\n", scenarios);
        delete s;
        s = nullptr;
    }
    static std::string linkId(size_t i) { return "links" + std::string(8, '0') + "0" + std::to_string(i); }
    static std::string base(size_t k) { return std::string("/api/collections/m_") + kKinds[k].name + "/records"; }
};

const Role kRoles[] = {Guest, UserA, UserB, Super};

TEST_F(RuleMatrix, List) {
    struct F {
        std::string filter;
        bool hiddenProbe;  // non-superusers get 400
        std::function<bool(size_t i, Role r)> match;
    };
    std::vector<F> filters = {
        {"", false, [](size_t, Role) { return true; }},
        {"owner = '" + idA + "'", false, [](size_t i, Role) { return kSeeds[i].owner == 'A'; }},
        {"secret = 'x'", true, [](size_t, Role) { return false; }},
        {"owner.email ~ 'rm-a@'", false, [](size_t i, Role r) { return r == Super && kSeeds[i].owner == 'A'; }},
        {"owner.name = 'Ann'", false, [](size_t i, Role r) { return (r == Super || r == UserA) && kSeeds[i].owner == 'A'; }},
        {"owner.tokenKey != ''", true, [](size_t i, Role) { return kSeeds[i].owner != '-'; }},
        {"members ~ '" + idB + "'", false, [](size_t i, Role) { return kSeeds[i].members.find('B') != std::string::npos; }},
        {"tags:length > 1", false, [](size_t i, Role) { return kSeeds[i].tags.size() > 1; }},
    };
    for (size_t k = 0; k < kKinds.size(); ++k)
        for (Role r : kRoles)
            for (auto& f : filters) {
                ++scenarios;
                std::string what = std::string("list m_") + kKinds[k].name + " as " + kRoleNames[r] + " filter [" + f.filter + "]";
                std::string url = base(k) + "?perPage=200&sort=id";
                if (!f.filter.empty()) url += "&filter=" + pb::str::urlEncode(f.filter);
                auto res = s->get(url, token(r));
                expectNoLeak(r, res, what);
                if (!kKinds[k].rule && r != Super) {
                    expectError(res, 403, "Only superusers can perform this action.", what);
                    continue;
                }
                if (f.hiddenProbe && r != Super) {
                    expectError(res, 400, "", what);
                    continue;
                }
                ASSERT_EQ(res.status, 200) << what << ": " << res.body;
                std::vector<std::string> want, got;
                for (size_t i = 0; i < kSeeds.size(); ++i)
                    if (passes(k, r, kSeeds[i], Super, std::nullopt) && f.match(i, r)) want.push_back(seedId(k, i));
                auto j = res.json();
                for (auto& it : j["items"].asArray()) {
                    got.push_back(it["id"].getString());
                    EXPECT_EQ(it.has("secret"), r == Super) << what;
                }
                EXPECT_EQ(got, want) << what;
                EXPECT_EQ(j["totalItems"].getNumber(-2), static_cast<double>(want.size())) << what;
            }
}

TEST_F(RuleMatrix, View) {
    for (size_t k = 0; k < kKinds.size(); ++k)
        for (Role r : kRoles)
            for (size_t i = 0; i < kSeeds.size(); ++i) {
                ++scenarios;
                std::string what = std::string("view m_") + kKinds[k].name + "/" + std::to_string(i) + " as " + kRoleNames[r];
                auto res = s->get(base(k) + "/" + seedId(k, i), token(r));
                expectNoLeak(r, res, what);
                if (!kKinds[k].rule && r != Super) {
                    expectError(res, 403, "Only superusers can perform this action.", what);
                } else if (passes(k, r, kSeeds[i], Super, std::nullopt)) {
                    ASSERT_EQ(res.status, 200) << what << ": " << res.body;
                    auto j = res.json();
                    EXPECT_EQ(j["id"].getString(), seedId(k, i)) << what;
                    EXPECT_EQ(j["title"].getString(), kSeeds[i].title) << what;
                    EXPECT_EQ(j.has("secret"), r == Super) << what;
                } else {
                    expectError(res, 404, "The requested resource wasn't found.", what);
                }
            }
}

TEST_F(RuleMatrix, Expand) {
    for (size_t k = 0; k < kKinds.size(); ++k) {
        const std::string kf = std::string("k_") + kKinds[k].name, kmf = std::string("km_") + kKinds[k].name;
        for (Role r : kRoles) {
            for (size_t i = 0; i < kSeeds.size(); ++i) {
                // Single relation: the target passes its viewRule or is silently omitted.
                ++scenarios;
                std::string what = "expand " + kf + " link " + std::to_string(i) + " as " + kRoleNames[r];
                auto res = s->get("/api/collections/links/records/" + linkId(i) + "?expand=" + kf, token(r));
                ASSERT_EQ(res.status, 200) << what << ": " << res.body;
                expectNoLeak(r, res, what);
                auto j = res.json();
                bool visible = passes(k, r, kSeeds[i], Super, std::nullopt);
                EXPECT_EQ(j["expand"].has(kf), visible) << what << ": " << res.body;
                if (visible) {
                    EXPECT_EQ(j["expand"][kf]["id"].getString(), seedId(k, i)) << what;
                    EXPECT_EQ(j["expand"][kf].has("secret"), r == Super) << what;
                }
                // Nested: the owner (users viewRule `id = @request.auth.id`) and its email.
                ++scenarios;
                what = "expand " + kf + ".owner link " + std::to_string(i) + " as " + kRoleNames[r];
                res = s->get("/api/collections/links/records/" + linkId(i) + "?expand=" + pb::str::urlEncode(kf + ".owner"), token(r));
                ASSERT_EQ(res.status, 200) << what << ": " << res.body;
                expectNoLeak(r, res, what);
                j = res.json();
                EXPECT_EQ(j["expand"].has(kf), visible) << what << ": " << res.body;
                std::string owner = resolveUser(kSeeds[i].owner, Super);
                bool ownerVisible = visible && !owner.empty() && (r == Super || owner == self(r));
                const Value& inner = j["expand"][kf]["expand"];
                EXPECT_EQ(inner.has("owner"), ownerVisible) << what << ": " << res.body;
                if (ownerVisible) {
                    EXPECT_EQ(inner["owner"]["id"].getString(), owner) << what;
                    EXPECT_EQ(inner["owner"]["email"].getString(), owner == idA ? emailA : emailB) << what << ": " << res.body;
                    EXPECT_FALSE(inner["owner"].has("tokenKey")) << what;
                    EXPECT_FALSE(inner["owner"].has("password")) << what;
                }
            }
            // Multiple relation: only the visible targets, in stored order.
            ++scenarios;
            std::string what = "expand " + kmf + " as " + std::string(kRoleNames[r]);
            auto res = s->get("/api/collections/links/records?perPage=50&sort=id&expand=" + kmf, token(r));
            ASSERT_EQ(res.status, 200) << what << ": " << res.body;
            expectNoLeak(r, res, what);
            auto items = res.json()["items"];
            ASSERT_EQ(items.asArray().size(), kSeeds.size()) << what;
            std::vector<std::string> want, got;
            for (size_t i = 0; i < kSeeds.size(); ++i)
                if (passes(k, r, kSeeds[i], Super, std::nullopt)) want.push_back(seedId(k, i));
            const Value& first = items.asArray()[0];
            if (first["expand"].has(kmf))
                for (auto& e : first["expand"][kmf].asArray()) got.push_back(e["id"].getString());
            EXPECT_EQ(got, want) << what << ": " << res.body;
            for (size_t i = 1; i < kSeeds.size(); ++i)
                EXPECT_FALSE(items.asArray()[i]["expand"].has(kmf) && !items.asArray()[i]["expand"][kmf].asArray().empty()) << what;
        }
    }
}

TEST_F(RuleMatrix, Create) {
    for (size_t k = 0; k < kKinds.size(); ++k)
        for (Role r : kRoles)
            for (size_t c = 0; c < kCreates.size(); ++c) {
                ++scenarios;
                std::string what = std::string("create m_") + kKinds[k].name + " body " + std::to_string(c) + " as " + kRoleNames[r];
                Value body = shapeJson(kCreates[c], r);
                body.set("secret", "SECRET-new");
                auto res = s->post(base(k), body, token(r));
                expectNoLeak(r, res, what);
                if (!kKinds[k].rule && r != Super) {
                    expectError(res, 403, "Only superusers can perform this action.", what);
                } else if (passes(k, r, kCreates[c], r, kCreates[c].title)) {
                    ASSERT_EQ(res.status, 200) << what << ": " << res.body;
                    auto j = res.json();
                    EXPECT_EQ(j["title"].getString(), kCreates[c].title) << what;
                    EXPECT_EQ(j["owner"].getString(), resolveUser(kCreates[c].owner, r)) << what;
                    EXPECT_EQ(j.has("secret"), r == Super) << what;
                    // Hidden fields written by a non-superuser are dropped.
                    auto back = s->get(base(k) + "/" + j["id"].getString(), su);
                    EXPECT_EQ(back.json()["secret"].getString(), r == Super ? "SECRET-new" : "") << what;
                    EXPECT_EQ(s->del(base(k) + "/" + j["id"].getString(), su).status, 204) << what;
                } else {
                    expectError(res, 400, "Failed to create record.", what);
                }
            }
}

TEST_F(RuleMatrix, Update) {
    for (size_t k = 0; k < kKinds.size(); ++k) {
        const bool bodyKind = std::string(kKinds[k].name) == "body";
        for (Role r : kRoles)
            for (size_t i = 0; i < kSeeds.size(); ++i)
                for (int v = 0; v < 2; ++v) {
                    ++scenarios;
                    std::string what = std::string("update m_") + kKinds[k].name + "/" + std::to_string(i) + " v" +
                                       std::to_string(v) + " as " + kRoleNames[r];
                    std::string note = std::string("n-") + kRoleNames[r] + std::to_string(v);
                    Value body(Object{{"note", note}, {"secret", "SECRET-upd"}});
                    std::optional<std::string> bodyTitle;
                    if (bodyKind) bodyTitle = v == 0 ? "ok" : "no";
                    else if (v == 1) bodyTitle = kSeeds[i].title;
                    if (bodyTitle) body.set("title", *bodyTitle);
                    auto res = s->patch(base(k) + "/" + seedId(k, i), body, token(r));
                    expectNoLeak(r, res, what);
                    if (!kKinds[k].rule && r != Super) {
                        expectError(res, 403, "Only superusers can perform this action.", what);
                    } else if (passes(k, r, kSeeds[i], Super, bodyTitle)) {
                        ASSERT_EQ(res.status, 200) << what << ": " << res.body;
                        auto j = res.json();
                        EXPECT_EQ(j["note"].getString(), note) << what;
                        EXPECT_EQ(j.has("secret"), r == Super) << what;
                    } else {
                        expectError(res, 404, "The requested resource wasn't found.", what);
                        auto back = s->get(base(k) + "/" + seedId(k, i), su);
                        EXPECT_NE(back.json()["note"].getString(), note) << what << " changed the record anyway";
                    }
                    auto back = s->get(base(k) + "/" + seedId(k, i), su);
                    EXPECT_EQ(back.json()["secret"].getString(), r == Super ? "SECRET-upd" : "SECRET-" + seedId(k, i)) << what;
                    if (r == Super) s->patch(base(k) + "/" + seedId(k, i), Value(Object{{"secret", "SECRET-" + seedId(k, i)}}), su);
                }
    }
}

TEST_F(RuleMatrix, Delete) {
    int n = 0;
    for (size_t k = 0; k < kKinds.size(); ++k)
        for (Role r : kRoles)
            for (size_t i = 0; i < kSeeds.size(); ++i) {
                ++scenarios;
                std::string what = std::string("delete m_") + kKinds[k].name + " shape " + std::to_string(i) + " as " + kRoleNames[r];
                char id[32];
                std::snprintf(id, sizeof id, "del%012d", ++n);
                Value body = shapeJson(kSeeds[i], Super);
                body.set("id", id);
                body.set("secret", "SECRET-del");
                ASSERT_EQ(s->post(base(k), body, su).status, 200) << what;
                auto res = s->del(base(k) + "/" + id, token(r));
                expectNoLeak(r, res, what);
                bool ok = false;
                if (!kKinds[k].rule && r != Super) {
                    expectError(res, 403, "Only superusers can perform this action.", what);
                } else if (passes(k, r, kSeeds[i], Super, std::nullopt)) {
                    EXPECT_EQ(res.status, 204) << what << ": " << res.body;
                    EXPECT_EQ(res.body, "") << what;
                    ok = true;
                } else {
                    expectError(res, 404, "The requested resource wasn't found.", what);
                }
                auto back = s->get(base(k) + "/" + id, su);
                EXPECT_EQ(back.status, ok ? 404 : 200) << what;
                if (back.status == 200) s->del(base(k) + "/" + id, su);
            }
}

}  // namespace
