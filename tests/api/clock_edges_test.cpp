// Date-sensitive server behaviour under fixed clocks (issue 13, item 1), never "today":
// - in-process (timeutil::ScopedClock, frozen): auth token expiry, exactly at its last second;
//   log retention's cutoff, exactly at its millisecond;
// - a `pb serve` child started with PB_TEST_NOW (its clock starts there and advances): records'
//   autodates and filter date macros across a new year and on a leap day, the logs cleanup
//   cron's cutoff, and the auto-backup cron firing by itself at the year boundary, then rotating.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "auth/jwt.hpp"
#include "db/database.hpp"
#include "logs/log_writer.hpp"
#include "support/edge_clocks.hpp"
#include "support/in_process_app.hpp"
#include "support/test_server.hpp"
#include "util/time.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;
using pbtest::waitFor;
namespace tu = pb::timeutil;

namespace {

int64_t at(const std::string& iso) { return *tu::parse(iso); }

int64_t expClaim(const std::string& token) {
    auto claims = pb::auth::parseUnverified(token);
    return claims ? static_cast<int64_t>((*claims)["exp"].getNumber()) : -1;
}

std::string enc(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
            out.push_back(static_cast<char>(c));
        } else {
            char b[4];
            std::snprintf(b, sizeof b, "%%%02X", c);
            out += b;
        }
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------- token expiry (in-process)

// A token issued at each edge clock expires exactly `duration` seconds later: valid through the
// last millisecond before `exp`, refused from `exp` on (PocketBase: exp must be in the future).
TEST(ClockEdges, AuthTokenExpiresExactlyAtExp) {
    pbtest::InProcessApp s;
    s.start();
    {
        pb::records::Record u(s.app().mustCollection("users"));
        u.set("email", "clock@example.com");
        u.setPassword("Passw0rd!123");
        s.app().save(u);
    }
    const auto duration =
        static_cast<int64_t>(s.app().mustCollection("users")->options["authToken"]["duration"].getNumber());
    ASSERT_GT(duration, 0);
    const std::string login = R"({"identity":"clock@example.com","password":"Passw0rd!123"})";
    for (const auto& c : pbtest::kEdgeClocks) {
        SCOPED_TRACE(c.iso);
        const int64_t issued = pbtest::edgeMillis(c);
        tu::ScopedClock clock(issued);
        auto auth = s.request("POST", "/api/collections/users/auth-with-password", login);
        ASSERT_EQ(auth.status, 200) << auth.body;
        const std::string token = auth.json()["token"].getString();
        const int64_t exp = expClaim(token);
        EXPECT_EQ(exp, issued / 1000 + duration);
        auto refresh = [&] { return s.request("POST", "/api/collections/users/auth-refresh", "", token).status; };
        EXPECT_EQ(refresh(), 200);
        tu::setClock(exp * 1000 - 1);
        EXPECT_EQ(refresh(), 200);
        tu::setClock(exp * 1000);
        EXPECT_EQ(refresh(), 401);
        tu::setClock(exp * 1000 + 86400000);
        EXPECT_EQ(refresh(), 401);
        tu::setClock(issued - 1000);  // a clock set back (before issue) still honours exp
        EXPECT_EQ(refresh(), 200);
    }
}

// ---------------------------------------------------------------- log retention (in-process)

// deleteOlderThan(maxDays) removes exactly the logs created at or before now - maxDays, under
// each edge clock (the cutoff crosses month, year and leap-day boundaries).
TEST(ClockEdges, LogRetentionCutoffIsExact) {
    char tmpl[] = "/tmp/pbclocklogs_XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    {
        pb::logs::LogWriter w(dir + "/auxiliary.db");
        for (const auto& c : pbtest::kEdgeClocks) {
            SCOPED_TRACE(c.iso);
            const int64_t now = pbtest::edgeMillis(c);
            tu::ScopedClock clock(now);
            for (int maxDays : {0, 1, 5}) {
                const int64_t cutoff = now - int64_t{maxDays} * 86400000;
                w.db().exec("DELETE FROM _logs");
                int n = 0;
                std::vector<std::string> expected;  // in `created` order: those after the cutoff
                for (int64_t t : {cutoff - 86400000, cutoff - 1, cutoff, cutoff + 1, now + 1}) {
                    w.db().exec("INSERT INTO _logs (id, level, message, data, created) VALUES (?, 0, ?, '{}', ?)",
                                {"log" + std::to_string(n++), tu::formatMillis(t), tu::formatMillis(t)});
                    if (t > cutoff) expected.push_back(tu::formatMillis(t));
                }
                w.deleteOlderThan(maxDays);
                std::vector<std::string> left;
                for (auto& row : w.db().query("SELECT message FROM _logs ORDER BY created"))
                    left.push_back(row.at(0).getString());
                EXPECT_EQ(left, expected) << "maxDays " << maxDays;
                EXPECT_EQ(left.size(), 2u);
            }
        }
        w.stop();
    }
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- a server on a test clock

// PB_TEST_NOW starts the server's clock at the last millisecond of 2026: a record created right
// after is dated 1 January 2027, and the date macros the server evaluates agree.
TEST(ClockEdges, ServerClockCrossesTheNewYear) {
    TestServer s({}, "", false, {"PB_TEST_NOW=2026-12-31 23:59:59.999Z"});
    auto su = s.superuserToken();
    const int64_t suExp = expClaim(su);
    EXPECT_GE(suExp, at("2027-01-01 00:00:00Z") / 1000 + 86400);  // _superusers: 1 day
    EXPECT_LT(suExp, at("2027-01-01 00:10:00Z") / 1000 + 86400);
    std::string id;
    s.createUser("newyear@example.com", "password123", &id);
    auto rec = s.get("/api/collections/users/records/" + id, su).json();
    EXPECT_EQ(rec["created"].getString().substr(0, 15), "2027-01-01 00:0") << rec.dump();
    auto list = [&](const std::string& filter) {
        auto r = s.get("/api/collections/users/records?filter=" + enc(filter), su);
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json()["totalItems"].getNumber();
    };
    EXPECT_EQ(list("@year = 2027 && @month = 1 && @day = 1 && @hour = 0"), 1);
    EXPECT_EQ(list("created >= @yearStart && created >= @monthStart && created >= @todayStart && "
                   "created <= @now && created < @todayEnd && @yearStart = '2027-01-01 00:00:00.000Z' && "
                   "@yearEnd = '2027-12-31 23:59:59.999Z' && @yesterday < '2027-01-01'"),
              1);
    EXPECT_EQ(list("created < '2027-01-01' || @year = 2026"), 0);
}

TEST(ClockEdges, ServerClockOnALeapDay) {
    TestServer s({}, "", false, {"PB_TEST_NOW=2028-02-29 12:00:00.000Z"});
    auto su = s.superuserToken();
    std::string id;
    s.createUser("leap@example.com", "password123", &id);
    auto r = s.get("/api/collections/users/records?filter=" +
                       enc("@day = 29 && @month = 2 && @year = 2028 && @monthEnd = '2028-02-29 23:59:59.999Z' && "
                           "@tomorrow >= '2028-03-01 12:00:00.000Z' && created >= @todayStart && created <= @todayEnd"),
                   su);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["totalItems"].getNumber(), 1) << r.body;
}

// The logs cleanup cron deletes by the server's clock: started at midnight of a new year with
// maxDays 5, it removes a log from just before 27 December and keeps the ones after.
TEST(ClockEdges, LogsCleanupUsesTheServerClock) {
    TestServer s({}, "", false, {"PB_TEST_NOW=2027-01-01 00:00:00.000Z"});
    auto su = s.superuserToken();
    ASSERT_EQ(s.patch("/api/settings", Value(Object{{"logs", Value(Object{{"maxDays", 5}})}}), su).status, 200);
    {
        pb::db::Database aux((std::filesystem::path(s.dataDir()) / "auxiliary.db").string());
        for (auto [id, created] : {std::pair{"edgeold00000001", "2026-12-26 23:59:58.000Z"},
                                   std::pair{"edgekept0000001", "2026-12-27 00:05:00.000Z"},
                                   std::pair{"edgekept0000002", "2026-12-31 23:59:59.999Z"}})
            aux.exec("INSERT INTO _logs (id, level, message, data, created) VALUES (?, 0, 'edge', '{}', ?)",
                     {std::string(id), std::string(created)});
    }
    ASSERT_EQ(s.get("/api/logs/edgeold00000001", su).status, 200);
    ASSERT_EQ(s.post("/api/crons/__pbLogsCleanup__", Value::object(), su).status, 204);
    EXPECT_TRUE(waitFor([&] { return s.get("/api/logs/edgeold00000001", su).status == 404; }, 8000));
    EXPECT_EQ(s.get("/api/logs/edgekept0000001", su).status, 200);
    EXPECT_EQ(s.get("/api/logs/edgekept0000002", su).status, 200);
}

// The server's cron ticker runs on its clock: a "0 0 1 1 *" auto backup fires by itself when the
// test clock crosses into the new year, named with the new year's stamp; later runs rotate it out.
TEST(ClockEdges, AutoBackupFiresAtTheYearBoundaryAndRotates) {
    TestServer s({}, "", false, {"PB_TEST_NOW=2026-12-31 23:59:48.000Z"});
    auto su = s.superuserToken();
    ASSERT_EQ(s.patch("/api/settings",
                      Value(Object{{"backups", Value(Object{{"cron", "0 0 1 1 *"}, {"cronMaxKeep", 2}})}}), su)
                  .status,
              200);
    const std::string prefix = "@auto_pb_backup_acme_";
    auto autos = [&] {
        std::vector<std::string> out;
        const Value list = s.get("/api/backups", su).json();
        if (!list.isArray()) return out;
        for (auto& f : list.asArray())
            if (f["key"].getString().rfind(prefix, 0) == 0) out.push_back(f["key"].getString());
        std::sort(out.begin(), out.end());
        return out;
    };
    auto idle = [&] { return s.get("/api/health", su).json()["data"]["canBackup"].getBool(); };
    ASSERT_TRUE(autos().empty());
    // No request triggers it: the ticker does, within a few seconds of the boundary.
    ASSERT_TRUE(waitFor([&] { return autos().size() == 1 && idle(); }, 30000));
    const std::string first = autos()[0];
    EXPECT_EQ(first.substr(prefix.size(), 12), "202701010000") << first;  // within the first minute of 2027
    std::vector<std::string> made{first};
    for (int run = 0; run < 2; ++run) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // names have 1 s resolution
        auto before = autos();
        ASSERT_EQ(s.post("/api/crons/__pbAutoBackup__", Value::object(), su).status, 204);
        ASSERT_TRUE(waitFor([&] { return autos() != before && idle(); }, 20000)) << "run " << run;
        for (auto& k : autos())
            if (std::find(made.begin(), made.end(), k) == made.end()) made.push_back(k);
    }
    ASSERT_EQ(made.size(), 3u);
    for (auto& k : made) EXPECT_EQ(k.substr(prefix.size(), 8), "20270101") << k;
    EXPECT_EQ(autos(), (std::vector<std::string>{made[1], made[2]}));  // the boundary backup rotated out
}
