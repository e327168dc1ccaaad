// End to end: `pbplug new` + `pbplug build` into the plugins directory of a running server, the
// server picks it up, GET /api/NAME/hello answers; edit the message, rebuild, and the new answer
// is served within a second of the file landing; then the reload endpoint `pbplug reload` uses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/realtime_sse_client.hpp"
#include "host_test_util.hpp"

using namespace pbplugtest;
using Clock = std::chrono::steady_clock;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string message(pbtest::TestServer& s, const std::string& name) {
    auto r = s.get("/api/" + name + "/hello");
    return r.status == 200 ? r.json()["message"].getString() : "";
}

TEST(PluginE2E, PbplugNewBuildServeEditRebuild) {
    PluginDir work;  // project + plugins dir
    const std::string name = "e2eplug";
    const fs::path plugins = work.path() / "plugins";
    fs::create_directories(plugins);
    pbtest::TestServer s({"--plugins", plugins.string()});

    const std::string pbplug = PB_TEST_PBPLUG;
    const fs::path log = work.path() / "build.log";
    ASSERT_EQ(sh(pbplug + " new " + name + " --dir " + work.str() + " > /dev/null"), 0);
    const std::string build = pbplug + " build " + (work.path() / name).string() + " --plugins " + plugins.string() +
                              " --sdk " + PB_TEST_SDK_CMAKE_DIR + " > " + log.string() + " 2>&1";
    ASSERT_EQ(sh(build), 0) << "see " << log;
    ASSERT_TRUE(waitFor([&] { return message(s, name) == "hello from " + name; }, std::chrono::milliseconds(3000)));

    // Edit the message and rebuild; measure from the moment the new file landed.
    fs::path src = work.path() / name / "src" / (name + ".cpp");
    std::stringstream ss;
    ss << std::ifstream(src).rdbuf();
    std::string text = ss.str();
    size_t edits = 0;
    for (size_t pos; (pos = text.find("\"hello from ")) != std::string::npos; ++edits) text.replace(pos, 12, "\"howdy from ");
    ASSERT_GT(edits, 0u);
    std::ofstream(src) << text;
    ASSERT_EQ(sh(build), 0) << "see " << log;
    auto landed = Clock::now();  // pbplug renames the file into place as its last step
    ASSERT_TRUE(waitFor([&] { return message(s, name) == "howdy from " + name; }, std::chrono::milliseconds(3000)));
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - landed).count();
    std::cout << "[e2e] rebuilt plugin answering " << ms << " ms after pbplug build returned\n";
    EXPECT_LT(ms, 1000);

    auto info = pluginInfo(s, name);
    EXPECT_EQ(info["generation"].getNumber(), 2);
    EXPECT_TRUE(waitFor([&] { return pluginInfo(s, name)["loadedGenerations"].getNumber() == 1; }));

    // `pbplug list` and `pbplug reload` against the running server: they read to EOF, so they
    // also check that the server closes after answering a "Connection: close" request.
    const std::string auth = " --url http://127.0.0.1:" + std::to_string(s.port()) + " --token '" + s.superuserToken() + "'";
    const std::string out = (work.path() / "pbplug.out").string();
    auto t0 = Clock::now();
    ASSERT_EQ(sh("timeout 20 " + pbplug + " list" + auth + " > " + out), 0);
    ASSERT_EQ(sh("timeout 20 " + pbplug + " reload " + name + auth + " >> " + out), 0);
    // The form docs/plugins.md shows: sign in with the superuser's email and password.
    const std::string login = " --url http://127.0.0.1:" + std::to_string(s.port()) +
                              " --email admin@example.com --password 'Passw0rd!123'";
    ASSERT_EQ(sh("timeout 20 " + pbplug + " list" + login + " >> " + out), 0);
    EXPECT_LT(Clock::now() - t0, std::chrono::seconds(8));
    std::ifstream in(out);
    std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(printed.find(name), std::string::npos) << printed;
    EXPECT_EQ(pluginInfo(s, name)["generation"].getNumber(), 3) << printed;
    EXPECT_EQ(message(s, name), "howdy from " + name);
}

// realtime_send from a plugin (greet_routes' POST /api/greet/broadcast) reaches an SSE client
// subscribed to the topic.
TEST(PluginE2E, RealtimeSendReachesSubscribers) {
    PluginDir dir;
    dir.install(fs::path(PB_TEST_PLUGINS_DIR) / "greet_routes.so", "greet_routes");
    pbtest::TestServer s({"--plugins", dir.str()});
    std::string token = s.createUser("rt@example.com", "Passw0rd!123");

    pbtest::SseClient c;
    ASSERT_TRUE(c.open(s.port()));
    ASSERT_EQ(c.readHead(), 200);
    auto hello = c.next(5000);
    ASSERT_TRUE(hello && hello->event == "PB_CONNECT");
    pb::json::Value subs = pb::json::Value::array();
    subs.push("greetings");
    ASSERT_EQ(s.post("/api/realtime", pb::json::Value(pb::json::Object{{"clientId", hello->id}, {"subscriptions", subs}}))
                  .status,
              204);
    auto r = s.request("POST", "/api/greet/broadcast", R"({"hi":"there"})", {{"Authorization", token}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto f = c.next(5000);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->event, "greetings");
    EXPECT_EQ(f->data, R"({"hi":"there"})");
}

}  // namespace
