// Request logs (auxiliary.db `_logs`) and GET /api/logs{,/stats,/{id}} over real HTTP; the
// background LogWriter directly; `serve --dev` printing requests and SQL to stderr.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <thread>

#include "db/database.hpp"
#include "logs/log_writer.hpp"
#include "support/test_server.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::HttpResponse;
using pbtest::TestServer;

namespace {

std::string enc(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

// Polls GET /api/logs?filter=... (generously) until at least `min` logs match.
Value waitLogs(TestServer& s, const std::string& su, const std::string& filter, size_t min,
               const std::string& extra = "") {
    Value last;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = s.get("/api/logs?perPage=100&filter=" + enc(filter) + extra, su);
        if (r.status == 200) {
            last = r.json();
            if (last["items"].size() >= min) return last;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return last;
}

bool waitFor(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
}

std::string readFile(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

TEST(ApiLogs, RequestLogHasPocketBaseShape) {
    TestServer s;
    auto su = s.superuserToken();
    auto r = s.request("GET", "/api/health?marker=shape1", "", {{"User-Agent", "logs-test/1.0"}, {"Referer", "http://ref.example/"}});
    ASSERT_EQ(r.status, 200);
    auto list = waitLogs(s, su, "data.url ~ 'marker=shape1'", 1);
    ASSERT_EQ(list["items"].size(), 1u) << list.dump();
    EXPECT_EQ(list["page"].getNumber(), 1);
    EXPECT_EQ(list["perPage"].getNumber(), 100);
    EXPECT_EQ(list["totalItems"].getNumber(), 1);
    EXPECT_EQ(list["totalPages"].getNumber(), 1);
    const auto& log = list["items"].asArray()[0];
    EXPECT_EQ(log["id"].getString().size(), 15u);
    EXPECT_TRUE(std::regex_match(log["created"].getString(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z)")));
    EXPECT_EQ(log["level"].getNumber(-99), 0);
    EXPECT_EQ(log["message"].getString(), "GET /api/health?marker=shape1");
    const auto& d = log["data"];
    EXPECT_EQ(d["type"].getString(), "request");
    EXPECT_EQ(d["method"].getString(), "GET");
    EXPECT_EQ(d["url"].getString(), "/api/health?marker=shape1");
    EXPECT_EQ(d["status"].getNumber(), 200);
    EXPECT_TRUE(d["execTime"].isNumber());
    EXPECT_EQ(d["remoteIP"].getString(), "127.0.0.1");
    EXPECT_EQ(d["userIP"].getString(), "127.0.0.1");
    EXPECT_EQ(d["auth"].getString(), "");
    EXPECT_FALSE(d.has("authId"));
    EXPECT_EQ(d["userAgent"].getString(), "logs-test/1.0");
    EXPECT_EQ(d["referer"].getString(), "http://ref.example/");

    // view one / missing one
    auto one = s.get("/api/logs/" + log["id"].getString(), su);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(one.json()["id"].getString(), log["id"].getString());
    EXPECT_EQ(one.json()["data"]["url"].getString(), "/api/health?marker=shape1");
    auto missing = s.get("/api/logs/missingid123456", su);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.json()["status"].getNumber(), 404);
}

TEST(ApiLogs, SuperuserOnly) {
    TestServer s;
    auto user = s.createUser("logs1@example.com", "password123");
    for (const char* path : {"/api/logs", "/api/logs/stats", "/api/logs/abc"}) {
        EXPECT_EQ(s.get(path).status, 401) << path;
        EXPECT_EQ(s.get(path, user).status, 403) << path;
    }
}

TEST(ApiLogs, ErrorsFilterSortPagingStats) {
    TestServer s;
    auto su = s.superuserToken();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(s.get("/api/nope-xyz-" + std::to_string(i)).status, 404);
    const std::string f = "data.url ~ 'nope-xyz' && data.status = 404";
    auto all = waitLogs(s, su, f, 3);
    ASSERT_EQ(all["items"].size(), 3u) << all.dump();
    for (auto& it : all["items"].asArray()) {
        EXPECT_EQ(it["level"].getNumber(), 8);
        EXPECT_TRUE(it["data"].has("error"));
    }
    // level filter, paging, sort
    auto paged = s.get("/api/logs?perPage=2&sort=-data.url&filter=" + enc(f + " && level >= 8"), su);
    ASSERT_EQ(paged.status, 200) << paged.body;
    auto pj = paged.json();
    EXPECT_EQ(pj["totalItems"].getNumber(), 3);
    EXPECT_EQ(pj["totalPages"].getNumber(), 2);
    ASSERT_EQ(pj["items"].size(), 2u);
    EXPECT_EQ(pj["items"].asArray()[0]["data"]["url"].getString(), "/api/nope-xyz-2");
    auto page2 = s.get("/api/logs?perPage=2&page=2&sort=data.url&skipTotal=1&filter=" + enc(f), su).json();
    ASSERT_EQ(page2["items"].size(), 1u);
    EXPECT_EQ(page2["items"].asArray()[0]["data"]["url"].getString(), "/api/nope-xyz-2");
    EXPECT_EQ(page2["totalItems"].getNumber(), -1);
    EXPECT_EQ(s.get("/api/logs?filter=" + enc("level = 0 && " + f), su).json()["totalItems"].getNumber(), 0);
    // fields
    auto fields = s.get("/api/logs?fields=id,level&filter=" + enc(f), su).json();
    ASSERT_GE(fields["items"].size(), 1u);
    EXPECT_FALSE(fields["items"].asArray()[0].has("data"));
    // stats
    auto st = s.get("/api/logs/stats?filter=" + enc(f), su);
    ASSERT_EQ(st.status, 200) << st.body;
    auto sj = st.json();
    ASSERT_TRUE(sj.isArray());
    double total = 0;
    for (auto& b : sj.asArray()) {
        EXPECT_TRUE(std::regex_match(b["date"].getString(), std::regex(R"(\d{4}-\d\d-\d\d \d\d:00:00\.000Z)")));
        total += b["total"].getNumber();
    }
    EXPECT_EQ(total, 3);
    auto stAll = s.get("/api/logs/stats", su).json();
    ASSERT_TRUE(stAll.isArray());
    EXPECT_GE(stAll.size(), 1u);
    // invalid filters/params
    EXPECT_EQ(s.get("/api/logs?filter=" + enc("nosuchfield = 1"), su).status, 400);
    EXPECT_EQ(s.get("/api/logs/stats?filter=" + enc("(("), su).status, 400);
    EXPECT_EQ(s.get("/api/logs?page=abc", su).status, 400);
}

TEST(ApiLogs, LogAuthIdAndLogIpSettings) {
    TestServer s;
    auto su = s.superuserToken();
    std::string userId;
    auto user = s.createUser("logs2@example.com", "password123", &userId);
    auto p = s.patch("/api/settings", Value(Object{{"logs", Value(Object{{"logAuthId", true}, {"logIP", false}})}}), su);
    ASSERT_EQ(p.status, 200) << p.body;
    ASSERT_EQ(s.get("/api/collections/users/records?marker=auth1", user).status, 200);
    auto list = waitLogs(s, su, "data.url ~ 'marker=auth1'", 1);
    ASSERT_EQ(list["items"].size(), 1u) << list.dump();
    const auto& d = list["items"].asArray()[0]["data"];
    EXPECT_EQ(d["auth"].getString(), "users");
    EXPECT_EQ(d["authId"].getString(), userId);
    EXPECT_FALSE(d.has("userIP"));
    EXPECT_FALSE(d.has("remoteIP"));
}

TEST(ApiLogs, MaxDaysZeroWritesNothing) {
    TestServer s;
    auto su = s.superuserToken();
    ASSERT_EQ(s.patch("/api/settings", Value(Object{{"logs", Value(Object{{"maxDays", 0}})}}), su).status, 200);
    ASSERT_EQ(s.get("/api/health?marker=zero1").status, 200);
    ASSERT_EQ(s.get("/api/nope?marker=zero2").status, 404);
    ASSERT_EQ(s.patch("/api/settings", Value(Object{{"logs", Value(Object{{"maxDays", 5}})}}), su).status, 200);
    ASSERT_EQ(s.get("/api/health?marker=after1").status, 200);
    // The writer is FIFO: once the later request is visible, the earlier ones would be too.
    ASSERT_EQ(waitLogs(s, su, "data.url ~ 'marker=after1'", 1)["items"].size(), 1u);
    auto zero = s.get("/api/logs?filter=" + enc("data.url ~ 'marker=zero'"), su);
    ASSERT_EQ(zero.status, 200);
    EXPECT_EQ(zero.json()["totalItems"].getNumber(), 0) << zero.body;
}

TEST(ApiLogs, CleanupCronDeletesOldLogs) {
    TestServer s;
    auto su = s.superuserToken();
    auto crons = s.get("/api/crons", su).json();
    bool hasLogs = false, hasRate = false;
    for (auto& j : crons.asArray()) {
        if (j["id"].getString() == "__pbLogsCleanup__") hasLogs = j["expression"].getString() == "0 */6 * * *";
        if (j["id"].getString() == "__pbRateLimitersCleanup__") hasRate = j["expression"].getString() == "2 * * * *";
    }
    EXPECT_TRUE(hasLogs) << crons.dump();
    EXPECT_TRUE(hasRate) << crons.dump();
    {
        pb::db::Database aux((std::filesystem::path(s.dataDir()) / "auxiliary.db").string());
        aux.exec("INSERT INTO _logs (id, level, message, data, created) VALUES ('oldlog000000001', 0, 'old', '{}', '2001-01-01 00:00:00.000Z')");
    }
    ASSERT_EQ(s.get("/api/health?marker=recent1").status, 200);
    ASSERT_EQ(waitLogs(s, su, "data.url ~ 'marker=recent1'", 1)["items"].size(), 1u);
    ASSERT_EQ(s.get("/api/logs/oldlog000000001", su).status, 200);
    ASSERT_EQ(s.post("/api/crons/__pbLogsCleanup__", Value::object(), su).status, 204);
    EXPECT_TRUE(waitFor([&] { return s.get("/api/logs/oldlog000000001", su).status == 404; }));
    EXPECT_EQ(waitLogs(s, su, "data.url ~ 'marker=recent1'", 1)["items"].size(), 1u);
}

TEST(LogWriter, BatchesFlushOnStopAndSchema) {
    char tmpl[] = "/tmp/pblogw_XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    std::string path = dir + "/auxiliary.db";
    {
        pb::logs::LogWriter w(path);
        for (int i = 0; i < 450; ++i) {
            pb::logs::Entry e;
            e.message = "m" + std::to_string(i);
            e.data = Value(Object{{"z", 1}, {"a", Value(Object{{"y", 2}, {"b", 3}})}});
            EXPECT_TRUE(w.push(std::move(e)));
        }
        w.flush();
        EXPECT_EQ(w.db().query("SELECT COUNT(*) FROM _logs").at(0).at(0).getNumber(), 450);
        for (int i = 0; i < 50; ++i) w.push(pb::logs::Entry{"", pb::logs::kLevelWarn, "late", Value::object(), ""});
        w.stop();  // flushes the rest
        EXPECT_FALSE(w.push(pb::logs::Entry{}));
    }
    pb::db::Database db(path);
    EXPECT_EQ(db.query("SELECT COUNT(*) FROM _logs").at(0).at(0).getNumber(), 500);
    EXPECT_EQ(db.query("SELECT COUNT(*) FROM _logs WHERE level = 4").at(0).at(0).getNumber(), 50);
    EXPECT_EQ(db.query("SELECT data FROM _logs WHERE message = 'm0'").at(0).at(0).getString(), R"({"a":{"b":3,"y":2},"z":1})");
    auto idx = db.query("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='_logs' AND name LIKE 'idx_%' ORDER BY name");
    std::vector<std::string> names;
    for (auto& r : idx) names.push_back(r.at(0).getString());
    EXPECT_EQ(names, (std::vector<std::string>{"idx_logs_created_hour", "idx_logs_level", "idx_logs_message"}));
    db.close();
    std::filesystem::remove_all(dir);
}

TEST(LogWriter, BoundedQueueDropsWhenFull) {
    char tmpl[] = "/tmp/pblogw_XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    {
        pb::logs::LogWriter w(dir + "/auxiliary.db", 200);
        size_t accepted = 0;
        for (int i = 0; i < 5000; ++i) accepted += w.push(pb::logs::Entry{}) ? 1 : 0;
        EXPECT_EQ(accepted + w.dropped(), 5000u);
        w.stop();
        EXPECT_EQ(w.dropped(), 5000u - accepted);
    }
    std::filesystem::remove_all(dir);
}

TEST(ApiDevMode, PrintsRequestsAndSql) {
    std::string errPath = "/tmp/pbdev_" + std::to_string(::getpid()) + ".log";
    {
        TestServer s({"--dev"}, errPath);
        ASSERT_EQ(s.get("/api/collections/users/records?marker=dev1").status, 200);
        bool ok = waitFor([&] {
            auto out = readFile(errPath);
            return out.find("GET /api/collections/users/records?marker=dev1 200") != std::string::npos &&
                   std::regex_search(out, std::regex(R"(\[\d+\.\d\dms\] SELECT)"));
        });
        EXPECT_TRUE(ok) << readFile(errPath).substr(0, 4000);
    }
    std::filesystem::remove(errPath);
}

TEST(ApiDevMode, OffByDefault) {
    std::string errPath = "/tmp/pbnodev_" + std::to_string(::getpid()) + ".log";
    {
        TestServer s({}, errPath);
        ASSERT_EQ(s.get("/api/collections/users/records").status, 200);
        auto su = s.superuserToken();
        ASSERT_EQ(waitLogs(s, su, "data.url ~ '/api/collections/users/records'", 1)["items"].size(), 1u);
        auto out = readFile(errPath);
        EXPECT_EQ(out.find("[dev]"), std::string::npos) << out;
        EXPECT_FALSE(std::regex_search(out, std::regex(R"(\[\d+\.\d\dms\] SELECT)"))) << out;
    }
    std::filesystem::remove(errPath);
}
