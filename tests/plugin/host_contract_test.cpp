// What pb_plugin.h and docs/plugin-abi.md promise, on a real `pb serve` with the fx_contract
// fixture: pb_bind_opts.id replaces a handler bound with the same id (hooks and middlewares);
// req_remote_ip honours settings.trustedProxy; an after-success error reaches the client while
// the write stays committed and the log names the plugin; a plugin's validation error gets the
// core's envelope; a handler that never calls next continues the chain.
#include <gtest/gtest.h>

#include "host_test_util.hpp"

using namespace pbplugtest;
using pb::json::Object;
using pb::json::Value;

namespace {

class PluginContract : public ::testing::Test {
protected:
    void SetUp() override {
        dir.install(fixture("fx_contract"), "contract");
        log = dir.path() / "server.log";
        s = std::make_unique<pbtest::TestServer>(std::vector<std::string>{"--plugins", dir.str()}, log.string());
        ASSERT_EQ(pluginInfo(*s, "contract")["state"].getString(), "active");
        createCollection(*s, "fx_items", {"title", "note"});
        su = s->superuserToken();
    }
    pbtest::HttpResponse create(const std::string& title) {
        return s->post("/api/collections/fx_items/records", Value(Object{{"title", title}}));
    }
    int count(const std::string& title) {
        auto r = s->get("/api/collections/fx_items/records?perPage=200", su).json();
        int n = 0;
        for (auto& it : r["items"].asArray()) n += it["title"].getString() == title;
        return n;
    }

    PluginDir dir;
    fs::path log;
    std::unique_ptr<pbtest::TestServer> s;
    std::string su;
};

TEST_F(PluginContract, BindIdReplacesTheEarlierHandlerAndAForgottenNextContinues) {
    auto r = create("plain");
    ASSERT_EQ(r.status, 200) << r.body;  // the first "stamp" handler (403) was replaced
    EXPECT_EQ(r.json()["note"].getString(), "replaced");
    EXPECT_EQ(count("plain"), 1);  // "stamp" returned PB_OK without next: the INSERT still ran
}

TEST_F(PluginContract, MiddlewareIdReplacesTheEarlierMiddleware) {
    auto h = s->get("/api/health");
    EXPECT_EQ(h.status, 200) << h.body;  // the first "mw" middleware (403) was replaced
    ASSERT_EQ(h.headers.count("x-contract"), 1u);
    EXPECT_EQ(h.headers.at("x-contract"), "replaced");
}

TEST_F(PluginContract, RemoteIpHonoursTrustedProxySettings) {
    std::map<std::string, std::string> xff{{"X-Forwarded-For", "203.0.113.7, 198.51.100.2"}};
    EXPECT_EQ(s->request("GET", "/api/contract/ip", "", xff).json()["ip"].getString(), "127.0.0.1")
        << "no trusted proxy header configured: the socket address";
    auto p = s->patch("/api/settings",
                      Value(Object{{"trustedProxy", Value(Object{{"headers", Value(pb::json::Array{Value("X-Forwarded-For")})},
                                                                 {"useLeftmostIP", true}})}}),
                      su);
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(s->request("GET", "/api/contract/ip", "", xff).json()["ip"].getString(), "203.0.113.7");
    p = s->patch("/api/settings", Value(Object{{"trustedProxy", Value(Object{{"useLeftmostIP", false}})}}), su);
    ASSERT_EQ(p.status, 200) << p.body;
    EXPECT_EQ(s->request("GET", "/api/contract/ip", "", xff).json()["ip"].getString(), "198.51.100.2");
    EXPECT_EQ(s->get("/api/contract/ip").json()["ip"].getString(), "127.0.0.1") << "header absent: the socket address";
}

TEST_F(PluginContract, AfterSuccessErrorReachesTheClientTheWriteStaysAndTheLogNamesThePlugin) {
    auto r = create("fail-after");
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "Audit store is full.");
    EXPECT_EQ(count("fail-after"), 1) << "the row was committed before the hook ran";

    auto ok = create("to-update");
    ASSERT_EQ(ok.status, 200) << ok.body;
    std::string id = ok.json()["id"].getString();
    auto u = s->patch("/api/collections/fx_items/records/" + id, Value(Object{{"title", "fail-after"}}), su);
    EXPECT_EQ(u.status, 400) << u.body;
    EXPECT_EQ(u.json()["message"].getString(), "Failed to update record.");
    EXPECT_EQ(u.json()["data"]["title"]["code"].getString(), "validation_after");
    EXPECT_EQ(s->get("/api/collections/fx_items/records/" + id, su).json()["title"].getString(), "fail-after");

    ASSERT_TRUE(waitFor([&] { return readText(log).find("after-success hook failed") != std::string::npos; }));
    std::string text = readText(log);
    EXPECT_NE(text.find("[plugin contract] after-success hook failed (the write stays committed): conflict: audit store is full"),
              std::string::npos)
        << text;
}

TEST_F(PluginContract, ValidationErrorGetsTheCoresEnvelope) {
    for (std::string title : {"invalid", "legacy"}) {
        auto r = create(title);
        EXPECT_EQ(r.status, 400) << r.body;
        EXPECT_EQ(r.json()["message"].getString(), "Failed to create record.") << title;
        EXPECT_EQ(r.json()["data"]["title"]["code"].getString(), "validation_invalid") << title;
        EXPECT_EQ(count(title), 0);
    }
    std::string id = create("x").json()["id"].getString();
    auto u = s->patch("/api/collections/fx_items/records/" + id, Value(Object{{"title", "invalid"}}), su);
    EXPECT_EQ(u.status, 400) << u.body;
    EXPECT_EQ(u.json()["message"].getString(), "Failed to update record.");
    EXPECT_EQ(u.json()["data"]["title"]["message"].getString(), "Not allowed.");
}

}  // namespace
