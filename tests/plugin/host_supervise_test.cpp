// `pb serve --supervise` with a plugin that crashes the process (issue 7, item 6): the server is
// back on the same port within 3 s, acknowledged writes survive, the plugin is quarantined (its
// route is 404, not another crash) while other plugins serve, a new build clears the quarantine;
// a crash outside plugin code is restarted too (with backoff when it repeats); SIGTERM to the
// supervisor ends both processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "host_test_util.hpp"

using namespace pbplugtest;
using pb::json::Object;
using pb::json::Value;
using Clock = std::chrono::steady_clock;

namespace {

// The supervisor: the `pb serve ... --supervise` process of this data dir.
int supervisorOf(const pbtest::TestServer& s) {
    for (auto& de : fs::directory_iterator("/proc")) {
        std::string name = de.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(de.path() / "cmdline", std::ios::binary);
        std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find(std::string("--supervise")) != std::string::npos && cmd.find(s.dataDir()) != std::string::npos)
            return std::stoi(name);
    }
    return 0;
}

// The server process under the supervisor (its only child).
int childOf(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    int c = 0;
    in >> c;
    return c;
}

bool healthy(pbtest::TestServer& s) {
    try {
        return s.get("/api/health").status == 200;
    } catch (...) {
        return false;
    }
}

// Waits until the server answers again (on the same port) and returns the time it took.
double waitBack(pbtest::TestServer& s, Clock::time_point since, int oldChild) {
    int sup = supervisorOf(s);
    bool ok = waitFor([&] { return childOf(sup) != 0 && childOf(sup) != oldChild && healthy(s); },
                      std::chrono::milliseconds(10000 * pbtest::slowFactor()));
    EXPECT_TRUE(ok) << "server not back";
    return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// The bound: back within 3 s. Sanitizer runs (PB_TEST_SLOW) start the server several
// times slower, so there it is scaled; `make test` asserts the real 3 s.
double restartBoundMs() { return 3000.0 * pbtest::slowFactor(); }

TEST(PluginSupervisor, SegfaultingPluginRestartsQuarantinesAndKeepsWrites) {
    PluginDir dir;
    dir.install(fixture("fx_crash"), "crash");
    dir.install(fixture("fx_good"), "good");
    pbtest::TestServer s({"--plugins", dir.str(), "--supervise"}, "", /*crashesExpected=*/true);
    int child = childOf(supervisorOf(s));
    ASSERT_GT(child, 0);
    createCollection(s, "acked", {"title"});
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) {
        auto r = s.post("/api/collections/acked/records", Value(Object{{"title", "w" + std::to_string(i)}}));
        ASSERT_EQ(r.status, 200) << r.body;
        ids.push_back(r.json()["id"].getString());
    }
    ASSERT_EQ(s.get("/api/crash/ok").status, 200);

    auto t0 = Clock::now();
    auto crash = s.get("/api/crash/segv");
    EXPECT_EQ(crash.status, 0) << "the connection dies with the server: " << crash.body;
    double backMs = waitBack(s, t0, child);
    EXPECT_LT(backMs, restartBoundMs()) << "restarted within 3 s";
    std::cerr << "[ supervise ] server back after " << backMs << " ms\n";

    // Acknowledged writes survived.
    auto list = s.get("/api/collections/acked/records?perPage=100", s.superuserToken());
    EXPECT_EQ(list.json()["totalItems"].getNumber(), 20) << list.body;
    for (auto& id : ids) EXPECT_EQ(s.get("/api/collections/acked/records/" + id).status, 200) << id;

    // The crashing plugin is quarantined: its route is gone (404), not another crash.
    int child2 = childOf(supervisorOf(s));
    EXPECT_EQ(s.get("/api/crash/segv").status, 404);
    EXPECT_EQ(s.get("/api/crash/ok").status, 404);
    EXPECT_EQ(childOf(supervisorOf(s)), child2) << "no second crash";
    auto info = pluginInfo(s, "crash");
    EXPECT_EQ(info["state"].getString(), "quarantined") << info.dump();
    EXPECT_NE(info["error"].getString().find("SIGSEGV"), std::string::npos) << info.dump();
    EXPECT_EQ(s.get("/api/good/version").status, 200) << "other plugins serve";
    EXPECT_EQ(s.post("/api/collections/acked/records", Value(Object{{"title", "after"}})).status, 200);

    // Reloading the same file is refused; a new build clears the quarantine.
    auto rr = s.request("POST", "/api/plugins/crash/reload", "{}", {{"Authorization", s.superuserToken()}});
    EXPECT_EQ(rr.status, 400);
    EXPECT_NE(rr.json()["message"].getString().find("uarantined"), std::string::npos) << rr.body;
    dir.install(fixture("fx_crash_v2"), "crash");
    ASSERT_TRUE(waitFor([&] { return s.get("/api/crash/ok").status == 200; }));
    EXPECT_EQ(s.get("/api/crash/ok").json()["version"].getString(), "v2");
    EXPECT_EQ(pluginInfo(s, "crash")["state"].getString(), "active");

    // SIGABRT in plugin code: same treatment.
    child = childOf(supervisorOf(s));
    t0 = Clock::now();
    EXPECT_EQ(s.get("/api/crash/abort").status, 0);
    EXPECT_LT(waitBack(s, t0, child), restartBoundMs());
    EXPECT_EQ(pluginInfo(s, "crash")["state"].getString(), "quarantined");
    EXPECT_NE(pluginInfo(s, "crash")["error"].getString().find("SIGABRT"), std::string::npos);
    EXPECT_EQ(s.get("/api/collections/acked/records").json()["totalItems"].getNumber(), 21);
}

TEST(PluginSupervisor, CrashOutsidePluginsRestartsWithBackoffAndSigtermEndsBoth) {
    pbtest::TestServer s({"--supervise"}, "", /*crashesExpected=*/true);
    createCollection(s, "acked", {"title"});
    ASSERT_EQ(s.post("/api/collections/acked/records", Value(Object{{"title", "a"}})).status, 200);
    for (int round = 0; round < 2; ++round) {  // the second one is a quick repeat: backoff
        int child = childOf(supervisorOf(s));
        ASSERT_GT(child, 0);
        auto t0 = Clock::now();
        ::kill(child, round == 0 ? SIGKILL : SIGSEGV);
        double back = waitBack(s, t0, child);
        EXPECT_LT(back, restartBoundMs()) << "round " << round;
        EXPECT_EQ(s.get("/api/collections/acked/records").json()["totalItems"].getNumber(), 1);
    }
    int child = childOf(supervisorOf(s));
    ASSERT_GT(child, 0);
    auto t0 = Clock::now();
    s.stop();  // SIGTERM to the supervisor (SIGKILL only after 5 s)
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 4.5) << "the supervisor ended on SIGTERM";
    EXPECT_TRUE(waitFor([&] { return ::kill(child, 0) != 0; })) << "the server ended with its supervisor";
    EXPECT_FALSE(healthy(s));
}

}  // namespace
