// The plugin documents, run as written. (1) Every ```sh block of plugins/*/README.md against one
// real `pb serve` that loads the four example plugins, each README's ```json block used as that
// plugin's config; a step's output must match the `# ...` lines shown under it (JSON compared as
// JSON; a "…" string stands for any value). (2) The C++ and C plugins of docs/plugins.md, built
// from the document's code blocks (tests/plugin/CMakeLists.txt, pb_doc_fixture), loaded and
// exercised as the text describes them; its pbplug new/build/serve/curl commands as written.
// (3) docs/plugin-abi.md's GET /api/plugins example has the real answer's fields.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "host_test_util.hpp"
#include "support/doc_blocks.hpp"

using namespace pbplugtest;
using pb::json::Value;

namespace {

std::string readme(const std::string& plugin) { return std::string(PB_SOURCE_DIR) + "/plugins/" + plugin + "/README.md"; }

bool matches(const Value& want, const Value& got) {
    if (want.isString() && want.getString() == "…") return true;
    if (want.isObject()) {
        if (!got.isObject() || got.asObject().size() != want.asObject().size()) return false;
        for (auto& [k, v] : want.asObject())
            if (!got.has(k) || !matches(v, got[k])) return false;
        return true;
    }
    if (want.isArray()) {
        if (!got.isArray() || got.asArray().size() != want.asArray().size()) return false;
        for (size_t i = 0; i < want.asArray().size(); ++i)
            if (!matches(want.asArray()[i], got.asArray()[i])) return false;
        return true;
    }
    return want == got;
}

// Runs the step with bash (environment: TOKEN, SUPERUSER_TOKEN) in `cwd` against the test server;
// the document's build/pbplug is the tested pbplug.
void runStep(const pbtest::ShellStep& step, int port, const std::string& where, const fs::path& cwd = {}) {
    std::string cmd = pbtest::replaceAll(step.command, "localhost:8090", "127.0.0.1:" + std::to_string(port));
    cmd = pbtest::replaceAll(cmd, "build/pbplug ", std::string(PB_TEST_PBPLUG) + " ");
    fs::path script = fs::temp_directory_path() / ("pb-doc-step-" + std::to_string(::getpid()) + ".sh");
    std::ofstream(script) << "set -e -o pipefail\n" << (cwd.empty() ? "" : "cd '" + cwd.string() + "'\n") << cmd;
    FILE* p = ::popen(("bash " + script.string() + " 2>&1").c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int rc = ::pclose(p);
    fs::remove(script);
    SCOPED_TRACE(where + "\n$ " + step.command);
    ASSERT_EQ(rc, 0) << out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (step.expected.empty()) return;
    auto want = pb::json::parse(step.expected);
    if (want && (want->isObject() || want->isArray())) {
        auto got = pb::json::parse(out);
        ASSERT_TRUE(got.has_value()) << "not JSON: " << out;
        EXPECT_TRUE(matches(*want, *got)) << "want " << step.expected << "\n got " << out;
    } else {
        EXPECT_EQ(out, step.expected);
    }
}

void runReadme(const std::string& plugin, int port) {
    auto blocks = pbtest::docBlocks(readme(plugin), "sh");
    ASSERT_FALSE(blocks.empty()) << plugin << ": no sh block";
    for (size_t b = 0; b < blocks.size(); ++b)
        for (auto& step : pbtest::shellSteps(blocks[b].text))
            runStep(step, port, readme(plugin) + " block " + std::to_string(b + 1));
}

TEST(PluginReadmes, EveryShellBlockRunsAsShown) {
    PluginDir dir;
    for (std::string name : {"validate_posts", "audit_log", "greet_routes", "nightly_cron"}) {
        dir.install(fs::path(PB_TEST_PLUGINS_DIR) / (name + ".so"), name);
        for (auto& cfg : pbtest::docBlocks(readme(name), "json")) {  // the README's config, as shown
            ASSERT_TRUE(pb::json::parse(cfg.text).has_value()) << name << ": " << cfg.text;
            dir.write(name + ".json", cfg.text);
        }
    }
    fs::path log = dir.path() / "server.log";
    pbtest::TestServer s({"--plugins", dir.str()}, log.string());
    for (std::string name : {"validate_posts", "audit_log", "greet_routes", "nightly_cron"})
        ASSERT_EQ(pluginInfo(s, name)["state"].getString(), "active") << name;
    ::setenv("SUPERUSER_TOKEN", s.superuserToken().c_str(), 1);
    ::setenv("TOKEN", s.createUser("ann@example.com", "Passw0rd!123").c_str(), 1);

    // validate_posts creates `posts`, which audit_log's README then changes.
    for (std::string name : {"validate_posts", "audit_log", "greet_routes", "nightly_cron"}) {
        SCOPED_TRACE(name);
        runReadme(name, s.port());
    }
    // nightly_cron's README: the run it triggered logs its count and no failure.
    EXPECT_TRUE(waitFor([&] {
        return readText(log).find("nightly cleanup: deleted 0 audit_logs record(s) older than 30 day(s)") != std::string::npos;
    })) << readText(log);
    EXPECT_NE(readText(log).find("nightly cleanup scheduled (retention 30 days, batch 500)"), std::string::npos)
        << "the README's config was not used";
    EXPECT_EQ(readText(log).find("failed"), std::string::npos) << readText(log);
}

// docs/plugin-abi.md section 11: GET /api/plugins answers with the fields the example shows.
TEST(PluginAbiDoc, PluginsListHasTheDocumentedShape) {
    auto blocks = pbtest::docBlocks(std::string(PB_SOURCE_DIR) + "/docs/plugin-abi.md", "json");
    ASSERT_EQ(blocks.size(), 1u);
    auto doc = pb::json::parse(blocks[0].text);
    ASSERT_TRUE(doc.has_value());
    PluginDir dir;
    dir.install(fs::path(PB_TEST_PLUGINS_DIR) / "greet_routes.so", "greet_routes");
    pbtest::TestServer s({"--plugins", dir.str()});
    auto got = s.get("/api/plugins", s.superuserToken()).json();
    ASSERT_EQ(got["items"].asArray().size(), 1u);
    const Value& want = (*doc)["items"].asArray().at(0);
    const Value& item = got["items"].asArray().at(0);
    for (auto& [k, v] : want.asObject()) {
        ASSERT_TRUE(item.has(k)) << k;
        EXPECT_EQ(item[k].type(), v.type()) << k;
    }
    EXPECT_EQ(item.asObject().size(), want.asObject().size()) << got.dump();
    EXPECT_EQ(item["name"].getString(), "greet_routes");
    EXPECT_EQ(item["state"].getString(), "active");
}

// docs/plugins.md sections 1-3: pbplug new, pbplug build, serve, curl - the commands as written,
// in one working directory (the server started by the test with the same --plugins).
TEST(PluginsGuide, ScaffoldBuildAndRunAsWritten) {
    const std::string doc = std::string(PB_SOURCE_DIR) + "/docs/plugins.md";
    auto blocks = pbtest::docBlocks(doc, "sh");
    ASSERT_GE(blocks.size(), 4u);
    PluginDir work;
    for (size_t b : {0, 1})  // new hello / hello_c; build hello --plugins ./plugins
        for (auto& step : pbtest::shellSteps(blocks[b].text)) runStep(step, 0, doc, work.path());
    ASSERT_TRUE(fs::exists(work.path() / "hello_c" / "src" / "hello_c.c"));
    ASSERT_TRUE(fs::exists(work.path() / "plugins" / "hello.so"));
    ASSERT_EQ(blocks[2].text, "build/pb serve --plugins ./plugins\n") << "the server this test starts";
    pbtest::TestServer s({"--plugins", (work.path() / "plugins").string()});
    for (auto& step : pbtest::shellSteps(blocks[3].text)) runStep(step, s.port(), doc);
}

TEST(PluginsGuide, TheDocumentsPluginsBuildLoadAndBehaveAsDescribed) {
    PluginDir dir;
    dir.install(fixture("fx_doc_hello"), "hello");
    dir.install(fixture("fx_doc_check_posts"), "check_posts");
    pbtest::TestServer s({"--plugins", dir.str()});
    ASSERT_EQ(pluginInfo(s, "hello")["state"].getString(), "active");
    ASSERT_EQ(pluginInfo(s, "check_posts")["state"].getString(), "active");
    createCollection(s, "posts", {"title"});
    const std::string su = s.superuserToken();

    // Both reject an empty title with the core's envelope for a failed create.
    auto bad = s.post("/api/collections/posts/records", Value(pb::json::Object{{"title", ""}}));
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(bad.json()["message"].getString(), "Failed to create record.");
    EXPECT_EQ(bad.json()["data"]["title"]["code"].getString(), "validation_required");
    EXPECT_EQ(bad.json()["data"]["title"]["message"].getString(), "Cannot be blank.");
    // Returning normally continues: the INSERT runs.
    auto ok = s.post("/api/collections/posts/records", Value(pb::json::Object{{"title", "hi"}}));
    ASSERT_EQ(ok.status, 200) << ok.body;
    auto upd = s.patch("/api/collections/posts/records/" + ok.json()["id"].getString(),
                       Value(pb::json::Object{{"title", "there"}}), su);
    EXPECT_EQ(upd.status, 200) << upd.body;  // the "around" hook passes the UPDATE's status on
    EXPECT_EQ(upd.json()["title"].getString(), "there");

    // Routes: public ping, a private scope behind its middleware.
    auto ping = s.get("/api/hello/ping");
    EXPECT_EQ(ping.status, 200);
    EXPECT_EQ(ping.json(), Value(pb::json::Object{{"pong", true}}));
    EXPECT_EQ(s.get("/api/hello/me").status, 401);
    std::string userId;
    auto me = s.get("/api/hello/me", s.createUser("ann@example.com", "Passw0rd!123", &userId));
    EXPECT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.json()["id"].getString(), userId);
}

}  // namespace
