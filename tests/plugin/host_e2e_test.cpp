// End to end: `pbplug new` + `pbplug build` into the plugins directory of a running server, the
// server picks it up, GET /api/NAME/hello answers; edit the message, rebuild, and the new answer
// is served within a second of the file landing. `pbplug list` / `pbplug reload` against it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "host_test_util.hpp"

using namespace pbplugtest;
using Clock = std::chrono::steady_clock;

namespace {

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

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
    auto pos = text.find("\"hello from ");
    ASSERT_NE(pos, std::string::npos);
    text.replace(pos, 12, "\"howdy from ");
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

    // pbplug's admin client against the real endpoints.
    std::string url = " --url http://127.0.0.1:" + std::to_string(s.port()) + " --token " + s.superuserToken();
    std::string listed = run(pbplug + " list" + url);
    EXPECT_NE(listed.find(name), std::string::npos) << listed;
    EXPECT_NE(listed.find("active"), std::string::npos) << listed;
    std::string reloaded = run(pbplug + " reload " + name + url);
    EXPECT_NE(reloaded.find("reloaded " + name), std::string::npos) << reloaded;
    EXPECT_NE(reloaded.find("generation 3"), std::string::npos) << reloaded;
    EXPECT_EQ(message(s, name), "howdy from " + name);
}

}  // namespace
