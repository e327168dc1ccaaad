// Realtime (SSE) scenario tests over real HTTP against `pb serve`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "api/realtime_sse_client.hpp"
#include "support/test_server.hpp"
#include "util/strings.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::SseClient;
using pbtest::SseFrame;
using pbtest::TestServer;

namespace {

Value parse(const std::string& s) {
    auto v = pb::json::parse(s);
    return v ? *v : Value();
}

std::string withOptions(const std::string& topic, const Value& options) {
    return topic + "?options=" + pb::str::urlEncode(options.dump());
}

// Opens a stream and returns the client id from PB_CONNECT ("" on failure).
std::string connectClient(SseClient& c, int port, const std::string& sourceIp = "") {
    if (!c.open(port, sourceIp)) return "";
    auto f = c.next(5000);
    if (!f || f->event != "PB_CONNECT") return "";
    return f->id;
}

pbtest::HttpResponse subscribe(TestServer& s, const std::string& clientId, const std::vector<std::string>& subs,
                               const std::string& token = "") {
    Value arr = Value::array();
    for (auto& x : subs) arr.push(x);
    return s.post("/api/realtime", Value(Object{{"clientId", clientId}, {"subscriptions", arr}}), token);
}

void createCollection(TestServer& s, const Value& def) {
    auto r = s.post("/api/collections", def, s.superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
}

Value nullableRule(const char* rule) { return rule ? Value(rule) : Value(nullptr); }

void createPostsCollection(TestServer& s, const char* listRule = "", const char* viewRule = "") {
    Value fields = Value::array();
    fields.push(Value(Object{{"name", "title"}, {"type", "text"}}));
    fields.push(Value(Object{{"name", "public"}, {"type", "bool"}}));
    fields.push(Value(Object{{"name", "secret"}, {"type", "text"}, {"hidden", true}}));
    createCollection(s, Value(Object{{"name", "posts"},
                                     {"type", "base"},
                                     {"listRule", nullableRule(listRule)},
                                     {"viewRule", nullableRule(viewRule)},
                                     {"createRule", ""},
                                     {"updateRule", ""},
                                     {"deleteRule", ""},
                                     {"fields", fields}}));
}

std::string createPost(TestServer& s, const std::string& title, bool isPublic = true) {
    auto r = s.post("/api/collections/posts/records",
                    Value(Object{{"title", title}, {"public", isPublic}, {"secret", "s-" + title}}),
                    s.superuserToken());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["id"].getString();
}

}  // namespace

TEST(ApiRealtime, ConnectSendsPbConnectFrame) {
    TestServer s;
    SseClient c;
    ASSERT_TRUE(c.open(s.port()));
    ASSERT_EQ(c.readHead(), 200);
    EXPECT_EQ(c.headers["content-type"], "text/event-stream");
    EXPECT_EQ(c.headers["cache-control"], "no-store");
    EXPECT_EQ(c.headers["x-accel-buffering"], "no");
    EXPECT_EQ(c.headers["transfer-encoding"], "chunked");
    auto f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "PB_CONNECT");
    ASSERT_EQ(f->id.size(), 40u);
    for (char ch : f->id) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(ch))) << f->id;
    EXPECT_EQ(f->data, "{\"clientId\":\"" + f->id + "\"}");

    // A second client gets another id.
    SseClient c2;
    auto id2 = connectClient(c2, s.port());
    EXPECT_EQ(id2.size(), 40u);
    EXPECT_NE(id2, f->id);
}

TEST(ApiRealtime, SubscribeThenRecordEventsArriveUnderExactSubscriptionName) {
    TestServer s;
    createPostsCollection(s);
    SseClient c;
    auto id = connectClient(c, s.port());
    ASSERT_FALSE(id.empty());
    const std::string picked = withOptions("posts/*", Value(Object{{"query", Value(Object{{"fields", "id,title"}})}}));
    auto r = subscribe(s, id, {"posts/*", picked, "custom-topic"});
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(r.body, "");

    auto postId = createPost(s, "hello");
    std::map<std::string, Value> got;
    for (int i = 0; i < 2; ++i) {
        auto f = c.next();
        ASSERT_TRUE(f) << "frame " << i;
        EXPECT_EQ(f->id, id);
        got[f->event] = parse(f->data);
    }
    ASSERT_TRUE(got.count("posts/*"));
    ASSERT_TRUE(got.count(picked));
    auto& full = got["posts/*"];
    EXPECT_EQ(full["action"].getString(), "create");
    EXPECT_EQ(full["record"]["id"].getString(), postId);
    EXPECT_EQ(full["record"]["title"].getString(), "hello");
    EXPECT_EQ(full["record"]["collectionName"].getString(), "posts");
    EXPECT_FALSE(full["record"].has("secret"));  // hidden field, guest subscriber
    EXPECT_EQ(got[picked].dump(), Value(Object{{"action", "create"},
                                               {"record", Value(Object{{"id", postId}, {"title", "hello"}})}})
                                      .dump());

    // Resubscribe replaces the set: only the record topic now.
    ASSERT_EQ(subscribe(s, id, {"posts/" + postId}).status, 204);
    auto u = s.patch("/api/collections/posts/records/" + postId, Value(Object{{"title", "changed"}}), s.superuserToken());
    ASSERT_EQ(u.status, 200) << u.body;
    auto f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "posts/" + postId);
    auto d = parse(f->data);
    EXPECT_EQ(d["action"].getString(), "update");
    EXPECT_EQ(d["record"]["title"].getString(), "changed");

    ASSERT_EQ(s.del("/api/collections/posts/records/" + postId, s.superuserToken()).status, 204);
    f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "posts/" + postId);
    d = parse(f->data);
    EXPECT_EQ(d["action"].getString(), "delete");
    EXPECT_EQ(d["record"]["id"].getString(), postId);
    EXPECT_EQ(d["record"]["title"].getString(), "changed");
    EXPECT_EQ(c.drain(300), 0u);  // nothing else
}

TEST(ApiRealtime, ListRuleHidesRecordsFromGuestButNotFromSuperuser) {
    TestServer s;
    createPostsCollection(s, "public = true", "public = true");
    SseClient guest, su;
    auto gid = connectClient(guest, s.port());
    auto sid = connectClient(su, s.port());
    ASSERT_FALSE(gid.empty());
    ASSERT_FALSE(sid.empty());
    ASSERT_EQ(subscribe(s, gid, {"posts/*"}).status, 204);
    ASSERT_EQ(subscribe(s, sid, {"posts/*"}, s.superuserToken()).status, 204);

    auto hiddenId = createPost(s, "hidden", false);
    auto publicId = createPost(s, "visible", true);

    // The superuser sees both, with the hidden field.
    auto f1 = su.next();
    auto f2 = su.next();
    ASSERT_TRUE(f1 && f2);
    EXPECT_EQ(parse(f1->data)["record"]["id"].getString(), hiddenId);
    EXPECT_EQ(parse(f1->data)["record"]["secret"].getString(), "s-hidden");
    EXPECT_EQ(parse(f2->data)["record"]["id"].getString(), publicId);

    // The guest's first frame is the public record: the hidden one was never sent.
    auto g = guest.next();
    ASSERT_TRUE(g);
    auto gd = parse(g->data);
    EXPECT_EQ(gd["record"]["id"].getString(), publicId);
    EXPECT_FALSE(gd["record"].has("secret"));
    EXPECT_EQ(guest.drain(300), 0u);
}

TEST(ApiRealtime, ViewRuleHidesRecordFromGuest) {
    TestServer s;
    createPostsCollection(s, "", "public = true");
    auto hiddenId = createPost(s, "hidden", false);
    auto publicId = createPost(s, "visible", true);
    SseClient guest, su;
    auto gid = connectClient(guest, s.port());
    auto sid = connectClient(su, s.port());
    ASSERT_EQ(subscribe(s, gid, {"posts/" + hiddenId, "posts/" + publicId}).status, 204);
    ASSERT_EQ(subscribe(s, sid, {"posts/" + hiddenId}, s.superuserToken()).status, 204);

    ASSERT_EQ(s.patch("/api/collections/posts/records/" + hiddenId, Value(Object{{"title", "h2"}}), s.superuserToken()).status, 200);
    ASSERT_EQ(s.patch("/api/collections/posts/records/" + publicId, Value(Object{{"title", "p2"}}), s.superuserToken()).status, 200);

    auto f = su.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "posts/" + hiddenId);
    EXPECT_EQ(parse(f->data)["record"]["secret"].getString(), "s-hidden");

    auto g = guest.next();
    ASSERT_TRUE(g);
    EXPECT_EQ(g->event, "posts/" + publicId);  // not the hidden record's update
    EXPECT_EQ(guest.drain(300), 0u);
}

TEST(ApiRealtime, SuperuserOnlyCollectionAndFilterOption) {
    TestServer s;
    createPostsCollection(s, nullptr, nullptr);  // superusers only
    SseClient guest, su;
    auto gid = connectClient(guest, s.port());
    auto sid = connectClient(su, s.port());
    ASSERT_EQ(subscribe(s, gid, {"posts/*"}).status, 204);
    const std::string filtered =
        withOptions("posts/*", Value(Object{{"query", Value(Object{{"filter", "title = 'b'"}})}}));
    ASSERT_EQ(subscribe(s, sid, {filtered}, s.superuserToken()).status, 204);
    createPost(s, "a");
    auto bId = createPost(s, "b");
    auto f = su.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, filtered);
    EXPECT_EQ(parse(f->data)["record"]["id"].getString(), bId);
    EXPECT_EQ(su.drain(200), 0u);
    EXPECT_EQ(guest.drain(200), 0u);
}

TEST(ApiRealtime, SubscribeErrors) {
    TestServer s;
    auto r = subscribe(s, "nope", {"posts/*"});
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json()["message"].getString(), "Missing or invalid client id.");

    r = subscribe(s, "", {});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["clientId"]["code"].getString(), "validation_required");
    r = subscribe(s, std::string(256, 'a'), {});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["clientId"]["code"].getString(), "validation_length_out_of_range");

    SseClient c;
    auto id = connectClient(c, s.port());
    ASSERT_FALSE(id.empty());
    r = subscribe(s, id, std::vector<std::string>(1001, "x"));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["subscriptions"]["code"].getString(), "validation_length_too_long");
    r = subscribe(s, id, {"ok", std::string(2501, 'x')});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["subscriptions"]["1"]["code"].getString(), "validation_length_too_long");
    r = s.request("POST", "/api/realtime", "{\"clientId\":5}", {});
    EXPECT_EQ(r.status, 400);
    r = s.request("POST", "/api/realtime", "{bad json", {});
    EXPECT_EQ(r.status, 400);

    // Exactly at the limits is fine.
    EXPECT_EQ(subscribe(s, id, std::vector<std::string>(1000, std::string(2500, 'x'))).status, 204);

    // Auth binding: guest -> user is allowed, user -> other user or guest is not.
    auto tokenA = s.createUser("a@example.com", "Passw0rd!123");
    auto tokenB = s.createUser("b@example.com", "Passw0rd!123");
    EXPECT_EQ(subscribe(s, id, {"x"}, tokenA).status, 204);
    EXPECT_EQ(subscribe(s, id, {"x"}, tokenA).status, 204);
    r = subscribe(s, id, {"x"}, tokenB);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json()["message"].getString(), "The current and the previous request authorization don't match.");
    EXPECT_EQ(subscribe(s, id, {"x"}).status, 403);
    EXPECT_EQ(subscribe(s, id, {"x"}, s.superuserToken()).status, 403);
}

TEST(ApiRealtime, ClientIdFromAnotherIpIsRejected) {
    TestServer s;
    SseClient c;
    auto id = connectClient(c, s.port(), "127.0.0.2");  // the POST below comes from 127.0.0.1
    ASSERT_FALSE(id.empty());
    auto r = subscribe(s, id, {"x"});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["message"].getString(), "Invalid realtime client.");
}

TEST(ApiRealtime, BadSubscriptionOptionsDoNotCrash) {
    TestServer s;
    createPostsCollection(s, "public = true", "");
    SseClient c;
    auto id = connectClient(c, s.port());
    const std::vector<std::string> subs = {
        "posts/*?options=%7Bbroken",  // invalid JSON: options ignored
        withOptions("posts/*", Value(Object{{"query", Value(Object{{"filter", "((("}})}})),
        withOptions("posts/*", Value(Object{{"query", Value(Object{{"filter", "@request.headers.x = 1"}})}})),
        withOptions("posts/*", Value(Object{{"query", Value(Object{{"filter", "@collection.posts.id != ''"}})}})),
        withOptions("posts/*", Value(Object{{"query", Value(Object{{"expand", "nope.nope.nope"},
                                                                   {"fields", "title:excerpt(abc)"}})}})),
        withOptions("posts/*", Value(Object{{"query", Value(Object{{"filter", 5}, {"expand", Value::array()}})},
                                            {"headers", Value(Object{{"X-Weird Header", true}})}})),
        "posts/*?options=" + std::string(2000, '%'),
        "?options=",
        "posts/*?options=%7B%22query%22%3A%5B%5D%7D",
    };
    ASSERT_EQ(subscribe(s, id, subs).status, 204);
    auto pid = createPost(s, "x", true);
    std::set<std::string> events;
    while (auto f = c.next(1000)) {
        events.insert(f->event);
        EXPECT_EQ(parse(f->data)["record"]["id"].getString(), pid) << f->event;
    }
    EXPECT_TRUE(events.count(subs[0]));
    EXPECT_FALSE(events.count(subs[1]));  // invalid filter: nothing sent
    EXPECT_FALSE(events.count(subs[2]));  // @request. filter by a guest: nothing sent
    EXPECT_FALSE(events.count(subs[3]));  // @collection. filter by a guest
    EXPECT_TRUE(events.count(subs[4]));   // bad expand/fields are ignored
    EXPECT_EQ(s.get("/api/health").status, 200);
}

TEST(ApiRealtime, StoredAuthIsClearedWhenTheAuthRecordIsDeleted) {
    TestServer s;
    createPostsCollection(s, "@request.auth.id != ''", "");
    std::string userId;
    auto token = s.createUser("u@example.com", "Passw0rd!123", &userId);
    SseClient c;
    auto id = connectClient(c, s.port());
    ASSERT_EQ(subscribe(s, id, {"posts/*", "users/" + userId}, token).status, 204);
    createPost(s, "one");
    auto f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "posts/*");
    ASSERT_EQ(s.del("/api/collections/users/records/" + userId, s.superuserToken()).status, 204);
    // The delete event of the auth record itself was prepared while it was still the client's auth.
    f = c.next();
    ASSERT_TRUE(f);
    EXPECT_EQ(f->event, "users/" + userId);
    EXPECT_EQ(parse(f->data)["action"].getString(), "delete");
    createPost(s, "two");
    EXPECT_FALSE(c.next(500));  // now a guest: the list rule hides it
    // As a guest again, a new guest subscription is allowed.
    EXPECT_EQ(subscribe(s, id, {"posts/*"}).status, 204);
}

TEST(ApiRealtime, StoredAuthIsClearedWhenTheTokenKeyChanges) {
    TestServer s;
    createPostsCollection(s, "@request.auth.id != ''", "");
    std::string userId;
    auto token = s.createUser("k@example.com", "Passw0rd!123", &userId);
    SseClient c;
    auto id = connectClient(c, s.port());
    ASSERT_EQ(subscribe(s, id, {"posts/*"}, token).status, 204);
    // A plain update keeps the auth.
    ASSERT_EQ(s.patch("/api/collections/users/records/" + userId, Value(Object{{"name", "K"}}), s.superuserToken()).status, 200);
    createPost(s, "one");
    ASSERT_TRUE(c.next());
    // A password change rotates tokenKey: the stored auth is dropped.
    auto r = s.patch("/api/collections/users/records/" + userId,
                     Value(Object{{"password", "NewPassw0rd!1"}, {"passwordConfirm", "NewPassw0rd!1"}}), s.superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
    createPost(s, "two");
    EXPECT_FALSE(c.next(500));
}

TEST(ApiRealtime, IdleStreamGetsNoStrayBytesAndClosesCleanlyAfterIdleTimeout) {
    ::setenv("PB_REALTIME_IDLE_TIMEOUT_MS", "3000", 1);
    ::setenv("PB_REALTIME_SWEEP_MS", "100", 1);
    TestServer s;
    ::unsetenv("PB_REALTIME_IDLE_TIMEOUT_MS");
    ::unsetenv("PB_REALTIME_SWEEP_MS");
    SseClient c;
    auto id = connectClient(c, s.port());
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(c.drain(2500), 0u);  // no pings, no 408 from Pistache's sweeper
    EXPECT_TRUE(c.waitClosed(3000));  // closed (the terminating chunk may race the socket shutdown)
    EXPECT_EQ(c.rawRest().find("408"), std::string::npos) << c.rawRest();
    EXPECT_EQ(subscribe(s, id, {"x"}).status, 404);  // the client is gone
}

// PocketBase clears the stored auth of every client of an auth collection whose token secret
// changes (explicitly, or rotated by an authRule change): the revoked token must not keep
// receiving the user's private records.
TEST(ApiRealtime, StoredAuthIsClearedWhenTheAuthTokenSecretChanges) {
    TestServer s;
    Value fields = Value::array();
    fields.push(Value(Object{{"name", "owner"}, {"type", "text"}}));
    createCollection(s, Value(Object{{"name", "notes"},
                                     {"type", "base"},
                                     {"listRule", "owner = @request.auth.id"},
                                     {"viewRule", "owner = @request.auth.id"},
                                     {"fields", fields}}));
    std::string userId;
    auto token = s.createUser("rot@example.com", "Passw0rd!123", &userId);
    auto createNote = [&] {
        auto r = s.post("/api/collections/notes/records", Value(Object{{"owner", userId}}), s.superuserToken());
        EXPECT_EQ(r.status, 200) << r.body;
    };
    auto refreshStatus = [&](const std::string& t) {
        return s.post("/api/collections/users/auth-refresh", Value(Object{}), t).status;
    };

    // 1. An explicit new secret through the collections API.
    SseClient c;
    auto id = connectClient(c, s.port());
    ASSERT_EQ(subscribe(s, id, {"notes/*"}, token).status, 204);
    createNote();
    auto f = c.next();
    ASSERT_TRUE(f) << "the owner receives its private record";
    EXPECT_EQ(f->event, "notes/*");
    auto r = s.patch("/api/collections/users",
                     Value(Object{{"authToken", Value(Object{{"secret", std::string(50, 'r')}, {"duration", 604800}})}}),
                     s.superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(refreshStatus(token), 401) << "the REST token is revoked";
    createNote();
    EXPECT_FALSE(c.next(700)) << "the stream lost the revoked auth";

    // 2. An authRule change rotates the secret as well: a client bound with a fresh token loses it.
    auto token2 = s.post("/api/collections/users/auth-with-password",
                         Value(Object{{"identity", "rot@example.com"}, {"password", "Passw0rd!123"}}))
                      .json()["token"]
                      .getString();
    ASSERT_FALSE(token2.empty());
    SseClient c2;
    auto id2 = connectClient(c2, s.port());
    ASSERT_EQ(subscribe(s, id2, {"notes/*"}, token2).status, 204);
    createNote();
    ASSERT_TRUE(c2.next());
    r = s.patch("/api/collections/users", Value(Object{{"authRule", "verified = false"}}), s.superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(refreshStatus(token2), 401);
    createNote();
    EXPECT_FALSE(c2.next(700));
}
