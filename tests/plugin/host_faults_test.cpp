// Plugin faults (issue 7, item 6), on a real `pb serve`: a plugin that throws in every kind of
// callback fails only that request; a hanging callback fails its request at the deadline
// (--plugin-deadline) while other requests - and other writers, after the hung transaction is
// rolled back - keep being served; a bad-ABI file dropped over a loaded plugin leaves the old
// generation serving. The crash/supervisor half is in host_supervise_test.cpp.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <future>
#include <thread>

#include "host_test_util.hpp"

using namespace pbplugtest;
using pb::json::Object;
using pb::json::Value;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

int countTitle(pbtest::TestServer& s, const std::string& coll, const std::string& title) {
    auto body = s.get("/api/collections/" + coll + "/records?perPage=200", s.superuserToken()).json();
    int n = 0;
    if (!body["items"].isArray()) return -1;
    for (auto& it : body["items"].asArray())
        if (it["title"].getString() == title) ++n;
    return n;
}

void expect5xxEnvelope(const pbtest::HttpResponse& r, const std::string& what) {
    EXPECT_EQ(r.status, 500) << what << ": " << r.body;
    EXPECT_EQ(r.json()["status"].getNumber(), 500) << what;
    EXPECT_EQ(r.body.find("boom"), std::string::npos) << what << ": plugin detail leaked: " << r.body;
}

TEST(PluginFaults, ThrowInEveryHookKindFailsOnlyThatRequest) {
    PluginDir dir;
    dir.install(fixture("fx_faults"), "faults");
    pbtest::TestServer s({"--plugins", dir.str()});
    ASSERT_EQ(pluginInfo(s, "faults")["state"].getString(), "active") << "a throwing SERVE hook is only logged";
    createCollection(s, "fault_items", {"title"});
    const std::string su = s.superuserToken();
    int fine = 0;
    auto nextWriteSucceeds = [&](const std::string& after) {
        auto r = s.post("/api/collections/fault_items/records", Value(Object{{"title", "fine" + std::to_string(++fine)}}));
        EXPECT_EQ(r.status, 200) << "write after " << after << ": " << r.body;
    };
    auto create = [&](const std::string& title) {
        return s.post("/api/collections/fault_items/records", Value(Object{{"title", title}}), su);
    };

    // Create path: the request fails, nothing is stored (the transaction rolled back).
    for (std::string hook : {"create_request", "validate", "create", "create_execute",
                             "validate throw:after_create_error"}) {
        std::string title = "throw:" + hook;
        expect5xxEnvelope(create(title), hook);
        EXPECT_EQ(countTitle(s, "fault_items", title), 0) << hook;
        nextWriteSucceeds(hook);
    }
    // After-success: the write is committed and stays; the error still reaches the client (as
    // PocketBase's Save returns it), without the detail.
    auto r = create("throw:after_create");
    expect5xxEnvelope(r, "after_create");
    EXPECT_EQ(countTitle(s, "fault_items", "throw:after_create"), 1);
    nextWriteSucceeds("after_create");

    // Update path: the record keeps its old title.
    for (std::string hook : {"update_request", "validate", "update", "update_execute",
                             "update_execute throw:after_update_error"}) {
        auto c = create("before-update");
        ASSERT_EQ(c.status, 200) << c.body;
        std::string id = c.json()["id"].getString();
        auto u = s.patch("/api/collections/fault_items/records/" + id, Value(Object{{"title", "throw:" + hook}}), su);
        expect5xxEnvelope(u, "update " + hook);
        EXPECT_EQ(s.get("/api/collections/fault_items/records/" + id, su).json()["title"].getString(), "before-update")
            << hook;
        nextWriteSucceeds("update " + hook);
        s.del("/api/collections/fault_items/records/" + id, su);
    }
    {
        std::string id = create("x").json()["id"].getString();
        auto u = s.patch("/api/collections/fault_items/records/" + id, Value(Object{{"title", "throw:after_update"}}), su);
        expect5xxEnvelope(u, "after_update");
        EXPECT_EQ(s.get("/api/collections/fault_items/records/" + id, su).json()["title"].getString(), "throw:after_update");
        nextWriteSucceeds("after_update");
    }

    // Delete path: the record is still there.
    for (std::string hook : {"delete_request", "delete", "delete_execute", "delete_execute throw:after_delete_error"}) {
        std::string title = "throw:" + hook;
        auto c = create(title);
        ASSERT_EQ(c.status, 200) << c.body;
        std::string id = c.json()["id"].getString();
        expect5xxEnvelope(s.del("/api/collections/fault_items/records/" + id, su), "delete " + hook);
        EXPECT_EQ(s.get("/api/collections/fault_items/records/" + id, su).status, 200) << hook;
        nextWriteSucceeds("delete " + hook);
    }
    {
        std::string id = create("throw:after_delete").json()["id"].getString();
        expect5xxEnvelope(s.del("/api/collections/fault_items/records/" + id, su), "after_delete");
        EXPECT_EQ(s.get("/api/collections/fault_items/records/" + id, su).status, 404);
        nextWriteSucceeds("after_delete");
    }

    // View request hook.
    {
        std::string id = create("throw:view_request").json()["id"].getString();
        expect5xxEnvelope(s.get("/api/collections/fault_items/records/" + id), "view_request");
        EXPECT_EQ(s.get("/api/collections/fault_items/records").status, 200);
        nextWriteSucceeds("view_request");
    }

    // Auth hooks (tag "users").
    const std::string pw = "Passw0rd!123";
    for (auto email : {"throw-auth@example.com", "throw-authpw@example.com", "throw-refresh@example.com"}) {
        auto c = s.post("/api/collections/users/records",
                        Value(Object{{"email", email}, {"password", pw}, {"passwordConfirm", pw}}), su);
        ASSERT_EQ(c.status, 200) << c.body;
    }
    auto authPw = [&](const std::string& email) {
        return s.post("/api/collections/users/auth-with-password", Value(Object{{"identity", email}, {"password", pw}}));
    };
    expect5xxEnvelope(authPw("throw-auth@example.com"), "auth request");
    expect5xxEnvelope(authPw("throw-authpw@example.com"), "auth-with-password request");
    auto a = authPw("throw-refresh@example.com");
    ASSERT_EQ(a.status, 200) << a.body;
    expect5xxEnvelope(s.request("POST", "/api/collections/users/auth-refresh", "",
                                {{"Authorization", a.json()["token"].getString()}}),
                      "auth refresh");
    EXPECT_FALSE(s.createUser("fine@example.com", pw).empty()) << "other users still authenticate";
    nextWriteSucceeds("auth hooks");

    // Routes and middlewares.
    expect5xxEnvelope(s.get("/api/faults/throw"), "route");
    expect5xxEnvelope(s.get("/api/faults/mw/x"), "group middleware");
    expect5xxEnvelope(s.request("GET", "/api/health", "", {{"X-Fault", "throw"}}), "global middleware");
    EXPECT_EQ(s.get("/api/faults/ok").status, 200);
    nextWriteSucceeds("routes");

    // Cron: the failure is logged, the run endpoint and the server carry on.
    EXPECT_EQ(s.request("POST", "/api/crons/faults:boom", "", {{"Authorization", su}}).status, 204);
    nextWriteSucceeds("cron");

    EXPECT_EQ(s.get("/api/health").status, 200);
    auto info = pluginInfo(s, "faults");
    EXPECT_EQ(info["state"].getString(), "active");
    EXPECT_EQ(info["generation"].getNumber(), 1);
}

TEST(PluginFaults, HangingCallbackFailsAtTheDeadlineOthersUnaffected) {
    PluginDir dir;
    dir.install(fixture("fx_hang"), "hang");
    dir.install(fixture("fx_good"), "good");
    pbtest::TestServer s({"--plugins", dir.str(), "--plugin-deadline", "1s"});
    createCollection(s, "hang_items", {"title"});
    createCollection(s, "other_items", {"title"});
    createCollection(s, "hang_ok", {"title"});
    ASSERT_EQ(s.get("/api/hang/ok").status, 200);
    EXPECT_EQ(s.post("/api/collections/hang_ok/records", Value(Object{{"title", "t"}})).status, 200)
        << "healthy in-transaction plugin hooks pass through the watchdog";

    // 1. A route that never returns (outside any transaction).
    auto t0 = Clock::now();
    auto hung = std::async(std::launch::async, [&] { return s.get("/api/hang/route"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    auto t1 = Clock::now();
    EXPECT_EQ(s.get("/api/health").status, 200);
    auto w = s.post("/api/collections/other_items/records", Value(Object{{"title", "meanwhile"}}));
    EXPECT_EQ(w.status, 200) << w.body;
    EXPECT_EQ(s.get("/api/good/version").status, 200) << "other plugins keep serving";
    double meanwhileMs = msSince(t1);
    EXPECT_LT(meanwhileMs, 900) << "served while the hook hung";
    EXPECT_EQ(hung.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout) << "still hanging";
    auto r = hung.get();
    double took = msSince(t0);
    EXPECT_EQ(r.status, 504) << r.body;
    EXPECT_EQ(r.json()["status"].getNumber(), 504);
    EXPECT_FALSE(r.json()["message"].getString().empty());
    EXPECT_GE(took, 950);
    EXPECT_LT(took, 4000);
    // The generation is faulted: a thread is stuck in its code. Its routes are gone, not hanging.
    auto info = pluginInfo(s, "hang");
    EXPECT_EQ(info["state"].getString(), "faulted") << info.dump();
    EXPECT_NE(info["error"].getString().find("did not return within 1s"), std::string::npos) << info.dump();
    t0 = Clock::now();
    EXPECT_EQ(s.get("/api/hang/route").status, 404);
    EXPECT_LT(msSince(t0), 900);

    // 2. A new file (a fix) loads a fresh generation; its in-transaction hook hangs while holding
    //    the write lock: at the deadline the transaction is rolled back and the writer waiting
    //    behind it gets through.
    dir.install(fixture("fx_hang"), "hang");
    ASSERT_TRUE(waitFor([&] { return s.get("/api/hang/ok").status == 200; }));
    EXPECT_EQ(pluginInfo(s, "hang")["state"].getString(), "active");
    t0 = Clock::now();
    auto hungTx = std::async(std::launch::async,
                             [&] { return s.post("/api/collections/hang_items/records", Value(Object{{"title", "t"}})); });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_EQ(s.get("/api/health").status, 200);
    EXPECT_EQ(s.get("/api/collections/other_items/records").status, 200) << "reads are not blocked by the writer";
    auto other = std::async(std::launch::async, [&] {
        return s.post("/api/collections/other_items/records", Value(Object{{"title", "behind the hung writer"}}));
    });
    auto rt = hungTx.get();
    EXPECT_EQ(rt.status, 504) << rt.body;
    auto ro = other.get();
    EXPECT_EQ(ro.status, 200) << ro.body;
    EXPECT_LT(msSince(t0), 4000);
    EXPECT_EQ(s.get("/api/collections/hang_items/records").json()["totalItems"].getNumber(), 0)
        << "the hung create was rolled back";
    EXPECT_EQ(s.post("/api/collections/other_items/records", Value(Object{{"title", "after"}})).status, 200);
    EXPECT_EQ(pluginInfo(s, "hang")["state"].getString(), "faulted");
}

TEST(PluginFaults, BadAbiDroppedOverALoadedPluginKeepsTheOldGeneration) {
    PluginDir dir;
    dir.install(fixture("fx_good"), "good");
    pbtest::TestServer s({"--plugins", dir.str()});
    ASSERT_EQ(s.get("/api/good/version").status, 200);
    dir.install(fixture("fx_badmajor"), "good");  // same name, ABI major + 1
    ASSERT_TRUE(waitFor([&] { return pluginInfo(s, "good")["state"].getString() == "failed"; }));
    auto info = pluginInfo(s, "good");
    EXPECT_NE(info["error"].getString().find("ABI major mismatch"), std::string::npos) << info.dump();
    EXPECT_EQ(info["generation"].getNumber(), 1);
    EXPECT_EQ(info["loadedGenerations"].getNumber(), 1);
    for (int i = 0; i < 5; ++i) {
        auto r = s.get("/api/good/version");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.json()["version"].getString(), "1.0.0");
    }
    dir.install(fixture("fx_newminor"), "good");  // needs a newer host minor
    ASSERT_TRUE(waitFor([&] { return pluginInfo(s, "good")["error"].getString().find("needs host ABI") != std::string::npos; }));
    EXPECT_EQ(s.get("/api/good/version").status, 200);
    dir.install(fixture("fx_good"), "good");  // a good build again
    ASSERT_TRUE(waitFor([&] { return pluginInfo(s, "good")["generation"].getNumber() == 2; }));
    EXPECT_EQ(pluginInfo(s, "good")["state"].getString(), "active");
}

}  // namespace

namespace {

TEST(PluginFaults, DeadlineZeroRunsPluginCodeInline) {
    PluginDir dir;
    dir.install(fixture("fx_good"), "good");
    dir.install(fixture("fx_throws"), "throws");
    pbtest::TestServer s({"--plugins", dir.str(), "--plugin-deadline", "0"});
    createCollection(s, "hr_items", {"title", "ver"});
    auto r = s.get("/api/good/version");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["x-fx-global"], "1.0.0");
    r = s.request("POST", "/api/good/items", "", {});  // route -> record_save -> the plugin's own hook
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["ver"].getString(), "1.0.0");
    EXPECT_EQ(s.get("/api/throws/boom").status, 500);
    EXPECT_EQ(s.get("/api/throws/ok").status, 200);
}

TEST(PluginFaults, InvalidDeadlineFlagIsRefused) {
    std::string cmd = pbtest::pbBinary() + " serve --dir /tmp/pb_invalid_deadline_unused --plugin-deadline soon >/dev/null 2>&1";
    int rc = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(rc));
    EXPECT_EQ(WEXITSTATUS(rc), 2);
}

}  // namespace
