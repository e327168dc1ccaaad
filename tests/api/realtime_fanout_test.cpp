// Realtime fan-out: 1,000 SSE clients connect, receive one broadcast each and disconnect, without
// leaking threads or file descriptors in the server. Also the in-process C++ API (custom topics,
// message hook) on an App started inside the test.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "api/realtime_sse_client.hpp"
#include "app/app.hpp"
#include "realtime/broker.hpp"
#include "serve/serving.hpp"
#include "support/test_server.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::SseClient;
using pbtest::TestServer;

namespace {

size_t countEntries(const std::string& dir) {
    size_t n = 0;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return 0;
    while (auto* ent = ::readdir(d))
        if (ent->d_name[0] != '.') ++n;
    ::closedir(d);
    return n;
}

long long msSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(ApiRealtimeFanout, ThousandClientsReceiveOneBroadcastAndLeaveNoLeaks) {
    constexpr int kClients = 1000;
    ::setenv("PB_REALTIME_SWEEP_MS", "100", 1);
    ::setenv("PB_REALTIME_MAX_CLIENTS_PER_IP", "0", 1);  // all 1,000 come from 127.0.0.1
    TestServer s;
    ::unsetenv("PB_REALTIME_SWEEP_MS");
    ::unsetenv("PB_REALTIME_MAX_CLIENTS_PER_IP");
    int pid = s.pid();
    ASSERT_GT(pid, 0);
    const std::string fdDir = "/proc/" + std::to_string(pid) + "/fd";
    const std::string taskDir = "/proc/" + std::to_string(pid) + "/task";

    Value fields = Value::array();
    fields.push(Value(Object{{"name", "title"}, {"type", "text"}}));
    auto cr = s.post("/api/collections",
                     Value(Object{{"name", "news"}, {"type", "base"}, {"listRule", ""}, {"viewRule", ""},
                                  {"createRule", ""}, {"fields", fields}}),
                     s.superuserToken());
    ASSERT_EQ(cr.status, 200) << cr.body;
    // Warm up a stream so lazily created server threads exist before the baseline.
    {
        SseClient warm;
        ASSERT_TRUE(warm.open(s.port()));
        ASSERT_TRUE(warm.next());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const size_t fdsBefore = countEntries(fdDir), tasksBefore = countEntries(taskDir);

    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<SseClient>> clients;
    std::vector<std::string> ids;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<SseClient>());
        ASSERT_TRUE(clients.back()->open(s.port())) << i;
    }
    for (int i = 0; i < kClients; ++i) {
        auto f = clients[i]->next(10000);
        ASSERT_TRUE(f && f->event == "PB_CONNECT") << i;
        ids.push_back(f->id);
    }
    auto connectMs = msSince(t0);
    const size_t fdsOpen = countEntries(fdDir), tasksOpen = countEntries(taskDir);
    EXPECT_GE(fdsOpen, fdsBefore + kClients);
    EXPECT_LE(tasksOpen, tasksBefore + 2) << "no thread per stream";

    t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kClients; ++i) {
        Value subs = Value::array();
        subs.push("news/*");
        auto r = s.post("/api/realtime", Value(Object{{"clientId", ids[i]}, {"subscriptions", subs}}));
        ASSERT_EQ(r.status, 204) << i << " " << r.body;
    }
    auto subscribeMs = msSince(t0);

    t0 = std::chrono::steady_clock::now();
    auto created = s.post("/api/collections/news/records", Value(Object{{"title", "extra"}}));
    ASSERT_EQ(created.status, 200);
    auto createMs = msSince(t0);
    const std::string recId = created.json()["id"].getString();
    int received = 0;
    for (int i = 0; i < kClients; ++i) {
        auto f = clients[i]->next(10000);
        if (f && f->event == "news/*" && f->data.find(recId) != std::string::npos) ++received;
    }
    auto deliverMs = msSince(t0);
    EXPECT_EQ(received, kClients);

    t0 = std::chrono::steady_clock::now();
    clients.clear();  // closes every socket
    size_t fdsAfter = 0, tasksAfter = 0;
    for (int i = 0; i < 100; ++i) {
        fdsAfter = countEntries(fdDir);
        tasksAfter = countEntries(taskDir);
        if (fdsAfter <= fdsBefore + 2 && tasksAfter <= tasksBefore) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto closeMs = msSince(t0);
    EXPECT_LE(fdsAfter, fdsBefore + 2) << "fds before " << fdsBefore << ", open " << fdsOpen;
    EXPECT_LE(tasksAfter, tasksBefore);
    // Every client is gone from the broker too, once the sweeper has seen the disconnects (the
    // fds close first; poll, within a bound, rather than assume the sweep already ran).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10 * pbtest::slowFactor());
    for (const auto& id : {ids.front(), ids[kClients / 2], ids.back()}) {
        int status = 0;
        for (;;) {
            status = s.post("/api/realtime", Value(Object{{"clientId", id}, {"subscriptions", Value::array()}})).status;
            if (status == 404 || std::chrono::steady_clock::now() > deadline) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        EXPECT_EQ(status, 404) << id;
    }
    std::printf("[fanout] %d clients: connect %lld ms, subscribe %lld ms, create %lld ms, deliver %lld ms, "
                "close %lld ms; fds %zu -> %zu -> %zu, threads %zu -> %zu -> %zu\n",
                kClients, static_cast<long long>(connectMs), static_cast<long long>(subscribeMs),
                static_cast<long long>(createMs), static_cast<long long>(deliverMs), static_cast<long long>(closeMs),
                fdsBefore, fdsOpen, fdsAfter, tasksBefore, tasksOpen, tasksAfter);
}

TEST(ApiRealtimeInProcess, CustomTopicsAndMessageHook) {
    namespace fs = std::filesystem;
    auto dir = fs::temp_directory_path() / ("pbrt_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    {
        pb::AppOptions opts;
        opts.dataDir = dir.string();
        opts.workerThreads = 4;
        pb::App app(opts);
        app.bootstrap();
        std::atomic<int> connects{0};  // written on a server thread, read here
        app.hooks().onRealtimeConnectRequest.bindFunc([&](pb::RealtimeConnectRequestEvent& e) {
            ++connects;
            e.next();
        });
        // Drops "blocked", rewrites "greet" data.
        app.hooks().onRealtimeMessageSend.bindFunc([](pb::RealtimeMessageEvent& e) {
            if (e.name == "blocked") return;
            if (e.name == "greet") e.data = "{\"hello\":\"hooked\"}";
            e.next();
        });
        int port = pbtest::freePort();
        pb::serve::Serving serving(app);
        serving.start("127.0.0.1", static_cast<uint16_t>(port));
        SseClient c;
        ASSERT_TRUE(c.open(port));
        auto f = c.next();
        ASSERT_TRUE(f);
        EXPECT_EQ(connects.load(), 1);
        Value subs = Value::array();
        for (auto* t : {"greet", "blocked", "plain", "plain?options=%7B%7D"}) subs.push(t);
        auto r = pbtest::httpRequest(port, "POST", "/api/realtime",
                                     Value(Object{{"clientId", f->id}, {"subscriptions", subs}}).dump());
        ASSERT_EQ(r.status, 204) << r.body;
        auto client = app.realtime().client(f->id);
        ASSERT_TRUE(client);
        EXPECT_TRUE(client->hasSubscription("plain"));

        EXPECT_EQ(app.realtime().send("blocked", Value(Object{{"x", 1}})), 0u);
        EXPECT_EQ(app.realtime().send("greet", Value(Object{{"x", 1}})), 1u);
        EXPECT_EQ(app.sendRealtimeMessage("plain", "{\"n\":\n 2}"), 2u);
        EXPECT_EQ(app.sendRealtimeMessage("plain", "not json"), 0u);
        EXPECT_EQ(app.realtime().send("nobody", Value(1)), 0u);

        auto g = c.next();
        ASSERT_TRUE(g);
        EXPECT_EQ(g->event, "greet");
        EXPECT_EQ(g->data, "{\"hello\":\"hooked\"}");
        std::set<std::string> plain;
        for (int i = 0; i < 2; ++i) {
            auto p = c.next();
            ASSERT_TRUE(p);
            EXPECT_EQ(p->data, "{\"n\":2}");
            plain.insert(p->event);
        }
        EXPECT_EQ(plain, (std::set<std::string>{"plain", "plain?options=%7B%7D"}));
        EXPECT_EQ(c.drain(200), 0u);

        // A throwing message hook closes the stream and removes the client.
        app.hooks().onRealtimeMessageSend.bindFunc([](pb::RealtimeMessageEvent& e) {
            if (e.name == "boom") throw std::runtime_error("boom");
            e.next();
        });
        client->subscribe({"boom"});
        EXPECT_EQ(app.realtime().send("boom", Value(1)), 0u);
        EXPECT_TRUE(c.waitClosed(2000));
        EXPECT_FALSE(app.realtime().client(f->id));
        app.stop();
    }
    fs::remove_all(dir);
}
