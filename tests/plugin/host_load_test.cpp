// Plugin host, loading: real fixture .so files in a real `pb serve`. Load/call/unload, refusals
// (ABI major, newer minor, struct too small, not a plugin, truncated, name mismatch, failing
// init, clashing route) with the server still serving, status mapping, exception containment,
// record hooks, config, and the example plugins over HTTP.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "host_test_util.hpp"

using namespace pbplugtest;
using pb::json::Object;
using pb::json::Value;

namespace {

bool hasCron(pbtest::TestServer& s, const std::string& id) {
    auto body = s.get("/api/crons", s.superuserToken()).json();
    if (!body.isArray()) return false;
    for (auto& j : body.asArray())
        if (j["id"].getString() == id) return true;
    return false;
}

TEST(PluginHost, LoadCallUnload) {
    PluginDir dir;
    dir.install(fixture("fx_good"), "good");
    pbtest::TestServer s({"--plugins", dir.str()});

    auto r = s.get("/api/good/version");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["version"].getString(), "1.0.0");
    EXPECT_EQ(r.headers["x-fx-mw"], "1.0.0");      // group middleware (around)
    EXPECT_EQ(r.headers["x-fx-global"], "1.0.0");  // global middleware
    EXPECT_EQ(s.get("/api/health").headers["x-fx-global"], "1.0.0");

    EXPECT_EQ(s.get("/api/plugins").status, 401);
    auto info = pluginInfo(s, "good");
    ASSERT_TRUE(info.isObject());
    EXPECT_EQ(info["version"].getString(), "1.0.0");
    EXPECT_EQ(info["abi"].getString(), "1.0");
    EXPECT_EQ(info["state"].getString(), "active");
    EXPECT_EQ(info["generation"].getNumber(), 1);
    EXPECT_EQ(info["loadedGenerations"].getNumber(), 1);
    EXPECT_EQ(info["error"].getString(), "");
    EXPECT_NE(info["loadedAt"].getString(), "");
    EXPECT_TRUE(hasCron(s, "good:tick"));

    dir.remove("good");
    ASSERT_TRUE(waitFor([&] { return s.get("/api/good/version").status == 404; }));
    EXPECT_TRUE(waitFor([&] { return pluginInfo(s, "good")["loadedGenerations"].getNumber() == 0; }))
        << "the unloaded generation is still mapped";
    EXPECT_EQ(pluginInfo(s, "good")["state"].getString(), "disabled");
    EXPECT_FALSE(hasCron(s, "good:tick"));
    EXPECT_EQ(s.get("/api/health").headers.count("x-fx-global"), 0u);

    dir.install(fixture("fx_good"), "good");  // and back
    ASSERT_TRUE(waitFor([&] { return s.get("/api/good/version").status == 200; }));
    EXPECT_EQ(pluginInfo(s, "good")["generation"].getNumber(), 2);
}

TEST(PluginHost, RefusesBadPluginsAndKeepsServing) {
    PluginDir dir;
    dir.install(fixture("fx_badmajor"), "badmajor");
    dir.install(fixture("fx_newminor"), "newminor");
    dir.install(fixture("fx_tiny"), "tiny");
    dir.install(fixture("fx_notplugin"), "notplugin");
    dir.install(fixture("fx_initfail"), "initfail");
    dir.install(fixture("fx_clash"), "clash");
    dir.install(fixture("fx_good"), "other");  // manifest says "good"
    dir.install(fixture("fx_oldminor"), "oldminor");
    dir.install(fixture("fx_good"), "good");
    {
        std::ifstream in(fixture("fx_good"), std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        dir.write("trunc.so", bytes.substr(0, 1000));
    }
    pbtest::TestServer s({"--plugins", dir.str()});

    auto expectFailed = [&](const std::string& name, const std::string& text) {
        auto info = pluginInfo(s, name);
        ASSERT_TRUE(info.isObject()) << name;
        EXPECT_EQ(info["state"].getString(), "failed") << name;
        EXPECT_NE(info["error"].getString().find(text), std::string::npos) << name << ": " << info["error"].getString();
        EXPECT_EQ(info["loadedGenerations"].getNumber(), 0) << name;
    };
    expectFailed("badmajor", "ABI major mismatch");
    expectFailed("newminor", "needs host ABI 1.1");
    expectFailed("tiny", "manifest struct too small");
    expectFailed("notplugin", "not a pb plugin");
    expectFailed("trunc", "cannot load");
    expectFailed("other", "does not match the file name");
    expectFailed("initfail", "missing setting 'apiKey'");
    expectFailed("clash", "conflict");

    // Staged routes of failed inits were never published; the core route is intact.
    EXPECT_EQ(s.get("/api/initfail/x").status, 404);
    EXPECT_EQ(s.get("/api/clash/ok").status, 404);
    auto health = s.get("/api/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.json()["message"].getString(), "API is healthy.");

    // Older minor loads (and its short pb_bind_opts is accepted); the good one too.
    EXPECT_EQ(pluginInfo(s, "oldminor")["state"].getString(), "active");
    EXPECT_EQ(s.get("/api/oldminor/ok").json()["old"].getBool(), true);
    EXPECT_EQ(s.get("/api/good/version").status, 200);

    // The admin reload reports the refusal; unknown plugins are 404.
    auto rr = s.request("POST", "/api/plugins/badmajor/reload", "{}", {{"Authorization", s.superuserToken()}});
    EXPECT_EQ(rr.status, 400);
    EXPECT_NE(rr.json()["message"].getString().find("ABI major mismatch"), std::string::npos) << rr.body;
    EXPECT_EQ(s.request("POST", "/api/plugins/nosuch/reload", "{}", {{"Authorization", s.superuserToken()}}).status, 404);
    EXPECT_EQ(s.request("POST", "/api/plugins/good/reload", "{}", {}).status, 401);
}

TEST(PluginHost, HandlerStatusesMapToHttp) {
    PluginDir dir;
    dir.install(fixture("fx_good"), "good");
    pbtest::TestServer s({"--plugins", dir.str()});

    auto r = s.get("/api/good/err/404");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.json()["message"].getString(), "No such widget.");
    EXPECT_EQ(r.headers["x-fx-mw"], "1.0.0");  // the around middleware saw the error and passed it on
    EXPECT_EQ(s.get("/api/good/err/403").status, 403);
    EXPECT_EQ(s.get("/api/good/err/409").status, 409);
    EXPECT_EQ(s.get("/api/good/err/429").status, 429);
    r = s.get("/api/good/err/400");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["title"]["code"].getString(), "validation_required");
    r = s.get("/api/good/err/500");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << "5xx detail must stay in the log";
    EXPECT_EQ(s.get("/api/good/err/handled").status, 204);
    r = s.get("/api/good/err/twice");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.json()["n"].getNumber(), 1);
    EXPECT_EQ(s.get("/api/good/err/other").status, 400);
    EXPECT_EQ(s.get("/api/good/version").status, 200);
}

TEST(PluginHost, ExceptionsAreContained) {
    PluginDir dir;
    dir.install(fixture("fx_throws"), "throws");
    pbtest::TestServer s({"--plugins", dir.str()});
    createCollection(s, "throw_items", {"title"});

    for (int i = 0; i < 3; ++i) {
        auto r = s.get("/api/throws/boom");
        EXPECT_EQ(r.status, 500);
        EXPECT_EQ(r.body.find("kaboom"), std::string::npos);
        EXPECT_EQ(s.get("/api/throws/int").status, 500);
        EXPECT_EQ(s.get("/api/throws/ok").status, 200);
    }
    auto c = s.post("/api/collections/throw_items/records", Value(Object{{"title", "x"}}));
    EXPECT_EQ(c.status, 500) << c.body;
    auto list = s.get("/api/collections/throw_items/records");
    EXPECT_EQ(list.json()["totalItems"].getNumber(), 0) << "the throwing hook must roll the insert back";
    EXPECT_EQ(s.get("/api/health").status, 200);
}

TEST(PluginHost, RecordHooksConfigAndNestedSaves) {
    PluginDir dir;
    dir.install(fixture("fx_good"), "good");
    dir.write("good.json", R"({"greeting":"hi","n":2})");
    pbtest::TestServer s({"--plugins", dir.str()});
    createCollection(s, "hr_items", {"title", "ver"});
    createCollection(s, "other_items", {"title", "ver"});

    auto r = s.post("/api/collections/hr_items/records", Value(Object{{"title", "a"}}));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["ver"].getString(), "1.0.0");
    EXPECT_EQ(r.headers["x-plugin-version"], "1.0.0");
    r = s.post("/api/collections/other_items/records", Value(Object{{"title", "b"}}));
    EXPECT_EQ(r.json()["ver"].getString(), "") << "tagged hooks only run for their collection";
    EXPECT_EQ(r.headers.count("x-plugin-version"), 0u);

    r = s.request("POST", "/api/good/items", "", {});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["ver"].getString(), "1.0.0");
    EXPECT_EQ(r.json()["title"].getString(), "from plugin");
    EXPECT_EQ(s.get("/api/collections/hr_items/records").json()["totalItems"].getNumber(), 2);

    EXPECT_EQ(s.get("/api/good/config").json()["greeting"].getString(), "hi");
    // A broken config refuses the reload; the running generation keeps serving.
    dir.write("good.json", "{broken");
    EXPECT_TRUE(waitFor([&] { return pluginInfo(s, "good")["state"].getString() == "failed"; }));
    EXPECT_NE(pluginInfo(s, "good")["error"].getString().find("invalid JSON"), std::string::npos);
    EXPECT_EQ(s.get("/api/good/config").json()["greeting"].getString(), "hi");
    dir.write("good.json", R"({"greeting":"hello"})");
    EXPECT_TRUE(waitFor([&] { return s.get("/api/good/config").json()["greeting"].getString() == "hello"; }));
}

TEST(PluginHost, ExamplePluginsServeTheirRoutes) {
    PluginDir dir;
    for (auto name : {"greet_routes", "validate_posts", "audit_log", "nightly_cron"})
        dir.install(fs::path(PB_TEST_PLUGINS_DIR) / (std::string(name) + ".so"), name);
    pbtest::TestServer s({"--plugins", dir.str()});
    for (auto name : {"greet_routes", "validate_posts", "audit_log", "nightly_cron"})
        EXPECT_EQ(pluginInfo(s, name)["state"].getString(), "active") << name << " " << pluginInfo(s, name).dump();

    auto r = s.get("/api/greet/hello?name=Ann");
    EXPECT_EQ(r.json()["message"].getString(), "Hello, Ann!");
    EXPECT_EQ(r.headers["x-greet"], "1");
    EXPECT_EQ(s.get("/api/greet/hello/Bob").json()["message"].getString(), "Hello, Bob!");
    EXPECT_EQ(s.get("/api/greet/hello").json()["message"].getString(), "Hello, stranger!");
    EXPECT_EQ(s.get("/api/greet/me").status, 401);
    std::string uid;
    std::string token = s.createUser("ann@example.com", "Passw0rd!123", &uid);
    r = s.get("/api/greet/me", token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "Hello, ann@example.com!");
    EXPECT_EQ(r.json()["id"].getString(), uid);
    r = s.request("POST", "/api/greet/broadcast", R"({"hi":1})", {{"Authorization", token}});
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.request("POST", "/api/greet/broadcast", "nope", {{"Authorization", token}}).status, 400);

    createCollection(s, "posts", {"title", "slug"});
    createCollection(s, "audit_logs", {"action", "collection", "record", "data:json"});
    r = s.post("/api/collections/posts/records", Value(Object{{"title", "   "}}));
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.json()["data"]["title"]["code"].getString(), "validation_required") << r.body;
    r = s.post("/api/collections/posts/records", Value(Object{{"title", "  Hello   World "}}));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["title"].getString(), "Hello World");
    EXPECT_EQ(r.json()["slug"].getString(), "hello-world");
    std::string postId = r.json()["id"].getString();
    EXPECT_TRUE(waitFor([&] {
        auto l = s.get("/api/collections/audit_logs/records?filter=record%3D%27" + postId + "%27",
                       s.superuserToken());
        return l.json()["totalItems"].getNumber() >= 1;
    })) << "audit_log writes one entry per create";
    EXPECT_TRUE(hasCron(s, "nightly_cron:cleanup") || hasCron(s, "nightly_cron:nightly") ||
                s.get("/api/crons", s.superuserToken()).body.find("nightly_cron:") != std::string::npos);
}

}  // namespace

// PB_PLUGIN_FLAG_SERIALIZED: the host runs at most one callback of the plugin at a time, even
// under concurrent requests; schedule() runs a task once on a worker and then calls destroy.
TEST(PluginHost, SerializedFlagAndSchedule) {
    PluginDir dir;
    dir.install(fixture("fx_serial"), "serial");
    pbtest::TestServer s({"--plugins", dir.str()});
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < 3; ++k)
                if (s.get("/api/serial/work").status == 200) ++ok;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 24);
    EXPECT_EQ(s.get("/api/serial/work").json()["max"].getNumber(), 1);

    EXPECT_EQ(s.post("/api/serial/schedule", Value::object()).status, 202);
    EXPECT_EQ(s.post("/api/serial/schedule", Value::object()).status, 202);
    bool done = false;
    for (int i = 0; i < 100 && !done; ++i) {
        auto j = s.get("/api/serial/ran").json();
        done = j["ran"].getNumber() == 2 && j["destroyed"].getNumber() == 2;
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(done) << s.get("/api/serial/ran").body;
}

// A plugin compiled against the frozen ABI 1.0 header (tests/plugin/abi_1_0/pb_plugin.h) loads and
// works on this host: routes, group and global middleware, the error mapping, its cron job.
TEST(PluginAbiCompat, Frozen10PluginWorksOnThisHost) {
    PluginDir dir;
    dir.install(fixture("fx_frozen10"), "frozen10");
    pbtest::TestServer s({"--plugins", dir.str()});
    auto r = s.get("/api/frozen10/version");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["version"].getString(), "1.0-frozen");
    EXPECT_EQ(r.headers["x-fx-mw"], "1.0-frozen");
    EXPECT_EQ(r.headers["x-fx-global"], "1.0-frozen");
    EXPECT_EQ(s.get("/api/frozen10/err/404").status, 404);
    EXPECT_EQ(s.get("/api/frozen10/err/409").status, 409);
    auto info = pluginInfo(s, "frozen10");
    EXPECT_EQ(info["abi"].getString(), "1.0");
    EXPECT_EQ(info["state"].getString(), "active");
    EXPECT_TRUE(hasCron(s, "frozen10:tick"));
}
