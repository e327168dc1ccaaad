// GET/PATCH /api/settings over real HTTP: superuser only, partial updates of meta, batch,
// rateLimits and logs persisted, secrets hidden, validation errors; the full key set in PocketBase's
// order, unknown keys dropped, mistyped values refused; POST /api/settings/test/s3.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;

TEST(ApiSettings, SuperuserOnly) {
    TestServer s;
    EXPECT_EQ(s.get("/api/settings").status, 401);
    auto user = s.createUser("s1@example.com", "password123");
    EXPECT_EQ(s.get("/api/settings", user).status, 403);
    EXPECT_EQ(s.patch("/api/settings", Value(Object{{"batch", Value(Object{{"enabled", true}})}}), user).status, 403);
    EXPECT_EQ(s.patch("/api/settings", Value(Object{{"batch", Value(Object{{"enabled", true}})}})).status, 401);
    auto g = s.get("/api/settings", s.superuserToken());
    ASSERT_EQ(g.status, 200);
    auto j = g.json();
    EXPECT_EQ(j["meta"]["appName"].getString(), "Acme");
    EXPECT_FALSE(j["batch"]["enabled"].getBool());
    EXPECT_EQ(j["batch"]["maxRequests"].getNumber(), 50);
    EXPECT_EQ(j["batch"]["timeout"].getNumber(), 3);
    EXPECT_EQ(j["logs"]["maxDays"].getNumber(), 5);
    EXPECT_EQ(j["rateLimits"]["rules"].size(), 4u);
    EXPECT_FALSE(j["s3"].has("secret"));
    EXPECT_FALSE(j["smtp"].has("password"));  // PocketBase 0.40 never returns the key
}

TEST(ApiSettings, PartialPatchPersists) {
    TestServer s;
    auto su = s.superuserToken();
    Value patch(Object{
        {"meta", Value(Object{{"appName", "My App"}, {"appURL", "https://example.com"}})},
        {"batch", Value(Object{{"enabled", true}, {"maxRequests", 10}, {"timeout", 5}, {"maxBodySize", 1024}})},
        {"rateLimits", Value(Object{{"enabled", true},
                                    {"rules", Value(Array{Value(Object{{"label", "/api/"}, {"audience", ""}, {"duration", 10}, {"maxRequests", 100}})})}})},
        {"logs", Value(Object{{"maxDays", 7}, {"minLevel", -4}, {"logIP", false}})},
        {"smtp", Value(Object{{"password", "hunter2"}})},
    });
    auto r = s.patch("/api/settings", patch, su);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["meta"]["appName"].getString(), "My App");
    EXPECT_FALSE(r.json()["smtp"].has("password"));
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
    auto g = s.get("/api/settings", su).json();
    EXPECT_EQ(g["meta"]["appName"].getString(), "My App");
    EXPECT_EQ(g["meta"]["senderName"].getString(), "Support");  // untouched keys kept
    EXPECT_TRUE(g["batch"]["enabled"].getBool());
    EXPECT_EQ(g["batch"]["maxRequests"].getNumber(), 10);
    EXPECT_EQ(g["batch"]["maxBodySize"].getNumber(), 1024);
    EXPECT_TRUE(g["rateLimits"]["enabled"].getBool());
    EXPECT_EQ(g["rateLimits"]["rules"].size(), 1u);
    EXPECT_EQ(g["logs"]["maxDays"].getNumber(), 7);
    EXPECT_EQ(g["logs"]["minLevel"].getNumber(), -4);
    EXPECT_FALSE(g["logs"]["logIP"].getBool());
    // Persisted in _params (what a restart loads).
    std::string cmd = "sqlite3 " + s.dataDir() + "/data.db \"SELECT value FROM _params WHERE id='settings'\"";
    std::string stored;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) stored.append(buf, n);
        ::pclose(p);
    }
    auto saved = pb::json::parse(stored);
    ASSERT_TRUE(saved.has_value()) << stored;
    EXPECT_EQ((*saved)["meta"]["appName"].getString(), "My App");
    EXPECT_EQ((*saved)["batch"]["maxRequests"].getNumber(), 10);
    EXPECT_EQ((*saved)["logs"]["maxDays"].getNumber(), 7);
    // The batch limit applies immediately.
    auto big = s.request("POST", "/api/batch", "{\"requests\":[" + std::string(2000, ' ') + "]}",
                         {{"Content-Type", "application/json"}});
    EXPECT_EQ(big.status, 413);
}

TEST(ApiSettings, ValidationErrors) {
    TestServer s;
    auto su = s.superuserToken();
    auto r = s.patch("/api/settings",
                     Value(Object{{"meta", Value(Object{{"appName", ""}, {"appURL", "notaurl"}})},
                                  {"batch", Value(Object{{"maxRequests", -1}, {"timeout", -2}})},
                                  {"logs", Value(Object{{"maxDays", -1}})},
                                  {"rateLimits", Value(Object{{"rules", Value(Array{Value(Object{{"label", ""}, {"audience", "x"}, {"duration", 0}, {"maxRequests", 0}})})}})}}),
                     su);
    ASSERT_EQ(r.status, 400) << r.body;
    auto d = r.json()["data"];
    EXPECT_EQ(d["meta"]["appName"]["code"].getString(), "validation_required");
    EXPECT_EQ(d["meta"]["appURL"]["code"].getString(), "validation_is_url");
    EXPECT_EQ(d["batch"]["maxRequests"]["code"].getString(), "validation_min_greater_equal_than_required");
    EXPECT_EQ(d["batch"]["timeout"]["code"].getString(), "validation_min_greater_equal_than_required");
    EXPECT_EQ(d["logs"]["maxDays"]["code"].getString(), "validation_min_greater_equal_than_required");
    auto& rule = d["rateLimits"]["rules"]["0"];
    EXPECT_EQ(rule["label"]["code"].getString(), "validation_required");
    EXPECT_EQ(rule["audience"]["code"].getString(), "validation_in_invalid");
    EXPECT_EQ(rule["duration"]["code"].getString(), "validation_min_greater_equal_than_required");
    EXPECT_EQ(rule["maxRequests"]["code"].getString(), "validation_min_greater_equal_than_required");
    // Enabling batch with maxRequests 0 is invalid.
    auto z = s.patch("/api/settings", Value(Object{{"batch", Value(Object{{"enabled", true}, {"maxRequests", 0}})}}), su);
    EXPECT_EQ(z.status, 400);
    auto bad = s.patch("/api/settings", Value(Object{{"batch", "yes"}}), su);
    EXPECT_EQ(bad.status, 400);
    // Nothing was saved.
    auto g = s.get("/api/settings", su).json();
    EXPECT_EQ(g["meta"]["appName"].getString(), "Acme");
    EXPECT_FALSE(g["batch"]["enabled"].getBool());
    EXPECT_TRUE(g["batch"].isObject());
}

namespace {

std::vector<std::string> keysOf(const Value& v) {
    std::vector<std::string> out;
    for (auto& [k, _] : v.asObject()) out.push_back(k);
    return out;
}

}  // namespace

TEST(ApiSettings, FullShapeInPocketBaseOrder) {
    TestServer s;
    auto j = s.get("/api/settings", s.superuserToken()).json();
    EXPECT_EQ(keysOf(j), (std::vector<std::string>{"superuserIPs", "smtp", "backups", "s3", "meta", "rateLimits",
                                                   "trustedProxy", "batch", "logs"}));
    EXPECT_EQ(keysOf(j["meta"]), (std::vector<std::string>{"appName", "appURL", "senderName", "senderAddress",
                                                           "accentColor", "hideControls"}));
    EXPECT_TRUE(j["meta"]["accentColor"].isString());
    EXPECT_EQ(j["meta"]["accentColor"].getString(), "#1055c9");  // PocketBase 0.40's default
    EXPECT_TRUE(j["rateLimits"]["excludedIPs"].isArray());
    EXPECT_EQ(j["rateLimits"]["excludedIPs"].size(), 0u);
    // backups.s3 is the whole S3 object, its secret omitted like the top-level one.
    const std::vector<std::string> s3Keys{"enabled", "bucket", "region", "endpoint", "accessKey", "forcePathStyle"};
    EXPECT_EQ(keysOf(j["s3"]), s3Keys);
    EXPECT_EQ(keysOf(j["backups"]["s3"]), s3Keys);
    EXPECT_FALSE(j["backups"]["s3"]["enabled"].getBool());
    auto r = s.patch("/api/settings",
                     Value(Object{{"meta", Value(Object{{"accentColor", "#ff0000"}})},
                                  {"backups", Value(Object{{"s3", Value(Object{{"bucket", "b"}, {"secret", "hush"}})}})}}),
                     s.superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["meta"]["accentColor"].getString(), "#ff0000");
    // Empty or exactly 7 characters (runes), as PocketBase 0.40.
    auto bad = s.patch("/api/settings", Value(Object{{"meta", Value(Object{{"accentColor", "red"}})}}), s.superuserToken());
    EXPECT_EQ(bad.status, 400) << bad.body;
    EXPECT_EQ(bad.json()["data"]["meta"]["accentColor"]["code"].getString(), "validation_length_invalid");
    EXPECT_EQ(bad.json()["data"]["meta"]["accentColor"]["params"].dump(), R"({"min":7,"max":7})");
    auto cleared = s.patch("/api/settings", Value(Object{{"meta", Value(Object{{"accentColor", ""}})}}), s.superuserToken());
    EXPECT_EQ(cleared.status, 200) << cleared.body;
    EXPECT_EQ(r.json()["backups"]["s3"]["bucket"].getString(), "b");
    EXPECT_FALSE(r.json()["backups"]["s3"].has("secret"));
    EXPECT_EQ(r.body.find("hush"), std::string::npos);
}

TEST(ApiSettings, PatchDropsUnknownKeysAndRejectsMistypedValues) {
    TestServer s;
    auto su = s.superuserToken();
    auto r = s.patch("/api/settings",
                     Value(Object{{"unknownTop", 1},
                                  {"meta", Value(Object{{"appName", "Kept"}, {"bogus", "x"}})},
                                  {"rateLimits", Value(Object{{"rules", Value(Array{Value(Object{{"label", "/api/"}, {"duration", 5}, {"maxRequests", 9}, {"extra", true}})})}})}}),
                     su);
    ASSERT_EQ(r.status, 200) << r.body;
    auto g = s.get("/api/settings", su).json();
    EXPECT_EQ(g["meta"]["appName"].getString(), "Kept");
    EXPECT_FALSE(g.has("unknownTop"));
    EXPECT_FALSE(g["meta"].has("bogus"));
    ASSERT_EQ(g["rateLimits"]["rules"].size(), 1u);
    EXPECT_EQ(keysOf(g["rateLimits"]["rules"].asArray()[0]),
              (std::vector<std::string>{"label", "audience", "duration", "maxRequests"}));

    for (const Value& bad : {Value(Object{{"batch", Value(Object{{"enabled", "yes"}})}}),
                             Value(Object{{"logs", Value(Object{{"maxDays", 1.5}})}}),
                             Value(Object{{"meta", Value(Object{{"appName", 5}})}}),
                             Value(Object{{"superuserIPs", "127.0.0.1"}}),
                             Value(Object{{"trustedProxy", Value(Object{{"headers", Value(Array{1})}})}}),
                             Value(Object{{"meta", "x"}})}) {
        auto b = s.patch("/api/settings", bad, su);
        EXPECT_EQ(b.status, 400) << bad.dump() << " -> " << b.body;
        EXPECT_EQ(b.json()["message"].getString(), "An error occurred while loading the submitted data.") << bad.dump();
        EXPECT_EQ(b.json()["data"].size(), 0u);
    }
    auto after = s.get("/api/settings", su).json();
    EXPECT_FALSE(after["batch"]["enabled"].getBool());
    EXPECT_EQ(after["logs"]["maxDays"].getNumber(), 5);
    EXPECT_EQ(after["meta"]["appName"].getString(), "Kept");
}

TEST(ApiSettings, SmtpAndS3RequiredWhenEnabled) {
    TestServer s;
    auto su = s.superuserToken();
    auto r = s.patch("/api/settings",
                     Value(Object{{"smtp", Value(Object{{"enabled", true}, {"host", ""}, {"port", 0}})},
                                  {"s3", Value(Object{{"enabled", true}})}}),
                     su);
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "An error occurred while saving the new settings.");
    auto d = r.json()["data"];
    EXPECT_EQ(d["smtp"]["host"]["code"].getString(), "validation_required");
    EXPECT_EQ(d["smtp"]["port"]["code"].getString(), "validation_required");
    for (const char* key : {"bucket", "region", "endpoint", "accessKey", "secret"})
        EXPECT_EQ(d["s3"][key]["code"].getString(), "validation_required") << key;
    auto bad = s.patch("/api/settings", Value(Object{{"smtp", Value(Object{{"host", "bad host!"}, {"authMethod", "CRAM"}})}}), su);
    ASSERT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["data"]["smtp"]["host"]["code"].getString(), "validation_is_host");
    EXPECT_EQ(bad.json()["data"]["smtp"]["authMethod"]["code"].getString(), "validation_in_invalid");
    // A complete S3 config is accepted; the stored secret satisfies later patches.
    Value s3(Object{{"enabled", true}, {"bucket", "b"}, {"region", "r"}, {"endpoint", "https://s3.example.com"},
                    {"accessKey", "k"}, {"secret", "hush"}});
    auto ok = s.patch("/api/settings", Value(Object{{"s3", s3}}), su);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_FALSE(ok.json()["s3"].has("secret"));
    EXPECT_EQ(s.patch("/api/settings", Value(Object{{"s3", Value(Object{{"bucket", "b2"}})}}), su).status, 200);
}

TEST(ApiSettings, TestS3) {
    TestServer s;
    auto su = s.superuserToken();
    auto user = s.createUser("s3@example.com", "password123");
    Value storage(Object{{"filesystem", "storage"}});
    EXPECT_EQ(s.post("/api/settings/test/s3", storage).status, 401);
    EXPECT_EQ(s.post("/api/settings/test/s3", storage, user).status, 403);
    auto none = s.post("/api/settings/test/s3", Value::object(), su);
    ASSERT_EQ(none.status, 400) << none.body;
    EXPECT_EQ(none.json()["message"].getString(), "Failed to test the S3 filesystem.");
    EXPECT_EQ(none.json()["data"]["filesystem"]["code"].getString(), "validation_required");
    auto other = s.post("/api/settings/test/s3", Value(Object{{"filesystem", "logs"}}), su);
    ASSERT_EQ(other.status, 400);
    EXPECT_EQ(other.json()["data"]["filesystem"]["code"].getString(), "validation_in_invalid");
    auto disabled = s.post("/api/settings/test/s3", storage, su);
    ASSERT_EQ(disabled.status, 400);
    EXPECT_EQ(disabled.json()["message"].getString(),
              "Failed to test the S3 filesystem. Raw error: \nS3 storage filesystem is not enabled.");
    EXPECT_EQ(s.post("/api/settings/test/s3", Value(Object{{"filesystem", "backups"}}), su).json()["message"].getString(),
              disabled.json()["message"].getString());
    // Enabled: this server has no S3 client, and says so.
    Value s3(Object{{"enabled", true}, {"bucket", "b"}, {"region", "r"}, {"endpoint", "https://s3.example.com"},
                    {"accessKey", "k"}, {"secret", "hush"}});
    ASSERT_EQ(s.patch("/api/settings", Value(Object{{"s3", s3}}), su).status, 200);
    auto enabled = s.post("/api/settings/test/s3", storage, su);
    ASSERT_EQ(enabled.status, 400);
    EXPECT_NE(enabled.json()["message"].getString().find("not supported"), std::string::npos) << enabled.body;
    EXPECT_EQ(enabled.json()["data"].size(), 0u);
}
