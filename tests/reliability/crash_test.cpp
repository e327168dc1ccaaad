// Crash durability (issue #7, R1): concurrent creates/updates/deletes over HTTP against a real
// `pb serve`, every acknowledged write recorded, `kill -9` at a random moment, restart on the same
// data dir, then: every acknowledged write is present and correct (via the API after restart and
// via SQLite directly), writes in flight at the kill are either fully applied or absent, and
// `PRAGMA integrity_check` is ok.
//
// Environment knobs (defaults = the short `make test` version, about 3 rounds):
//   PB_CRASH_ROUNDS   rounds (kill/restart cycles) per seed set   default 3
//   PB_CRASH_SEED     base seed                                    default 20240601
//   PB_CRASH_MAX_MS   max load duration before the kill            default 1500
//   PB_CRASH_THREADS  concurrent HTTP clients                      default 8
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::httpRequest;

namespace {

namespace fs = std::filesystem;

int envInt(const char* name, int def) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : def;
}

// A `pb serve` child we can SIGKILL and restart on the same directory.
struct Server {
    std::string dir;
    int port = 0;
    pid_t pid = -1;
    std::string sanDir = makeSanDir();  // sanitizer reports of the server (sanitizer builds)

    static std::string makeSanDir() {
        char tmpl[] = "/tmp/pbcrash_san_XXXXXX";
        return ::mkdtemp(tmpl);
    }

    void start() {
        port = pbtest::freePort();
        std::vector<std::string> envStrings = pbtest::serverEnvironment(sanDir);
        std::vector<char*> envp;
        for (auto& e : envStrings) envp.push_back(e.data());
        envp.push_back(nullptr);
        pid = pbtest::forkTied();  // dies with this test, even when ctest kills it
        if (pid == 0) {
            std::string bin = pbtest::pbBinary();
            std::string addr = "127.0.0.1:" + std::to_string(port);
            std::vector<std::string> args = {bin, "serve", "--http", addr, "--dir", dir};
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            if (!std::getenv("PB_TEST_VERBOSE")) ::dup2(devnull, 2);
            ::execve(bin.c_str(), argv.data(), envp.data());
            ::_exit(127);
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20 * pbtest::slowFactor());
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                if (httpRequest(port, "GET", "/api/health").status == 200) return;
            } catch (...) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("server did not become healthy on " + dir);
    }
    void kill9() {
        if (pid <= 0) return;
        ::kill(-pid, SIGKILL);  // the server's whole process group (forkTied)
        ::waitpid(pid, nullptr, 0);
        pid = -1;
        pbtest::failOnSanitizerReports(sanDir);
    }
    void stop() {
        if (pid <= 0) return;
        ::kill(pid, SIGTERM);
        for (int i = 0; i < 200 * pbtest::slowFactor(); ++i) {
            if (::waitpid(pid, nullptr, WNOHANG) == pid) {
                pid = -1;
                pbtest::failOnSanitizerReports(sanDir);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        kill9();
    }
    ~Server() {
        kill9();
        std::error_code ec;
        fs::remove_all(sanDir, ec);
    }
};

// What the client knows about one record.
struct Known {
    bool createAcked = false;     // a create returned 200
    bool createPending = false;   // create sent, no answer (killed)
    bool deleteAcked = false;
    bool deletePending = false;
    double ackedV = 0;                  // value of the last acknowledged write
    std::optional<double> pendingV;     // value of an update in flight at the kill
    std::string title;                  // immutable after create
};

std::string randomId(std::mt19937_64& rng) {
    static const char* abc = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 15; ++i) s.push_back(abc[rng() % 36]);
    return s;
}

std::string suLogin(int port) {
    auto r = httpRequest(port, "POST", "/api/collections/_superusers/auth-with-password",
                         Value(Object{{"identity", "admin@example.com"}, {"password", "Passw0rd!123"}}).dump());
    if (r.status != 200) throw std::runtime_error("su auth failed: " + r.body);
    return r.json()["token"].getString();
}

class CrashDurability : public ::testing::Test {
protected:
    Server srv;
    std::map<std::string, Known> known;  // id -> state (all threads' records)
    std::mutex mu;
    std::atomic<long> acked{0}, pendingAtKill{0};

    void SetUp() override {
        char tmpl[] = "/tmp/pbcrash_XXXXXX";
        srv.dir = ::mkdtemp(tmpl);
        std::string cmd = pbtest::pbBinary() + " superuser upsert admin@example.com 'Passw0rd!123' --dir " + srv.dir +
                          " > /dev/null";
        ASSERT_EQ(std::system(cmd.c_str()), 0);
        srv.start();
        std::string su = suLogin(srv.port);
        auto r = httpRequest(srv.port, "POST", "/api/collections",
                             Value(Object{{"name", "items"},
                                          {"listRule", ""},
                                          {"viewRule", ""},
                                          {"createRule", ""},
                                          {"updateRule", ""},
                                          {"deleteRule", ""},
                                          {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}}),
                                                                 Value(Object{{"name", "v"}, {"type", "number"}}),
                                                                 Value(Object{{"name", "pad"}, {"type", "text"}})})}})
                                 .dump(),
                             {{"Authorization", su}});
        ASSERT_EQ(r.status, 200) << r.body;
    }
    void TearDown() override {
        srv.kill9();
        if (!HasFailure()) {
            std::error_code ec;
            fs::remove_all(srv.dir, ec);
        } else {
            std::fprintf(stderr, "data dir kept for inspection: %s\n", srv.dir.c_str());
        }
    }

    // One client: creates new records and updates/deletes its own acknowledged ones until the
    // server dies.
    void worker(uint64_t seed, int port, std::atomic<bool>& stop) {
        std::mt19937_64 rng(seed);
        std::vector<std::string> mine;
        std::string pad(static_cast<size_t>(rng() % 2000), 'p');
        while (!stop.load()) {
            int op = static_cast<int>(rng() % 10);
            if (mine.empty() || op < 5) {
                std::string id = randomId(rng);
                std::string title = "t-" + id;
                {
                    std::lock_guard lk(mu);
                    auto& k = known[id];
                    k.createPending = true;
                    k.title = title;
                    k.ackedV = 1;
                }
                pbtest::HttpResponse r;
                try {
                    r = httpRequest(port, "POST", "/api/collections/items/records",
                                    Value(Object{{"id", id}, {"title", title}, {"v", 1.0}, {"pad", pad}}).dump());
                } catch (...) {
                    return;  // connection refused: the server is gone; the create stays pending
                }
                if (r.status == 0) return;
                std::lock_guard lk(mu);
                auto& k = known[id];
                k.createPending = false;
                if (r.status == 200) {
                    k.createAcked = true;
                    acked++;
                    mine.push_back(id);
                } else {
                    ADD_FAILURE() << "create failed while the server was up: " << r.status << " " << r.body;
                    known.erase(id);
                }
            } else if (op < 9) {
                const std::string& id = mine[rng() % mine.size()];
                double nv;
                {
                    std::lock_guard lk(mu);
                    auto& k = known[id];
                    nv = k.ackedV + 1;
                    k.pendingV = nv;
                }
                pbtest::HttpResponse r;
                try {
                    r = httpRequest(port, "PATCH", "/api/collections/items/records/" + id,
                                    Value(Object{{"v", nv}}).dump());
                } catch (...) {
                    return;
                }
                if (r.status == 0) return;
                std::lock_guard lk(mu);
                auto& k = known[id];
                k.pendingV.reset();
                if (r.status == 200) {
                    k.ackedV = nv;
                    acked++;
                } else {
                    ADD_FAILURE() << "update failed while the server was up: " << r.status << " " << r.body;
                }
            } else {
                size_t idx = rng() % mine.size();
                std::string id = mine[idx];
                mine.erase(mine.begin() + static_cast<long>(idx));
                {
                    std::lock_guard lk(mu);
                    known[id].deletePending = true;
                }
                pbtest::HttpResponse r;
                try {
                    r = httpRequest(port, "DELETE", "/api/collections/items/records/" + id);
                } catch (...) {
                    return;
                }
                if (r.status == 0) return;
                std::lock_guard lk(mu);
                auto& k = known[id];
                k.deletePending = false;
                if (r.status == 204) {
                    k.deleteAcked = true;
                    acked++;
                } else {
                    ADD_FAILURE() << "delete failed while the server was up: " << r.status << " " << r.body;
                }
            }
        }
    }

    // After a restart: fold the outcome of in-flight writes into the known state, so the next
    // round starts from exactly what is on disk. Returns the number of records checked.
    size_t verify(const std::map<std::string, std::pair<std::string, double>>& actual, const char* via) {
        size_t checked = 0;
        for (auto it = known.begin(); it != known.end();) {
            auto& [id, k] = *it;
            auto a = actual.find(id);
            bool present = a != actual.end();
            if (k.deleteAcked) {
                EXPECT_FALSE(present) << via << ": acknowledged delete came back: " << id;
            } else if (k.createAcked && !k.deletePending) {
                EXPECT_TRUE(present) << via << ": acknowledged create lost: " << id;
            }
            if (present) {
                EXPECT_TRUE(k.createAcked || k.createPending) << via << ": unknown record " << id;
                EXPECT_EQ(a->second.first, k.title) << via << ": " << id;
                bool okV = a->second.second == k.ackedV || (k.pendingV && a->second.second == *k.pendingV);
                EXPECT_TRUE(okV) << via << ": record " << id << " has v=" << a->second.second << ", acknowledged "
                                 << k.ackedV << (k.pendingV ? " (in flight " + std::to_string(*k.pendingV) + ")" : "");
            }
            ++checked;
            ++it;
        }
        return checked;
    }

    void settle(const std::map<std::string, std::pair<std::string, double>>& actual) {
        for (auto it = known.begin(); it != known.end();) {
            auto a = actual.find(it->first);
            if (a == actual.end()) {
                it = known.erase(it);
                continue;
            }
            Known& k = it->second;
            k.createAcked = true;
            k.createPending = false;
            k.deletePending = false;
            k.deleteAcked = false;
            k.ackedV = a->second.second;
            k.pendingV.reset();
            ++it;
        }
    }

    std::map<std::string, std::pair<std::string, double>> readViaApi() {
        std::map<std::string, std::pair<std::string, double>> out;
        std::string su = suLogin(srv.port);
        for (int page = 1;; ++page) {
            auto r = httpRequest(srv.port, "GET",
                                 "/api/collections/items/records?perPage=1000&skipTotal=1&sort=id&fields=id,title,v&page=" +
                                     std::to_string(page),
                                 "", {{"Authorization", su}});
            EXPECT_EQ(r.status, 200) << r.body;
            if (r.status != 200) break;
            auto items = r.json()["items"];
            if (!items.isArray() || items.asArray().empty()) break;
            for (auto& it : items.asArray()) out[it["id"].getString()] = {it["title"].getString(), it["v"].getNumber()};
            if (items.asArray().size() < 1000) break;
        }
        return out;
    }

    std::map<std::string, std::pair<std::string, double>> readViaSqlite(std::string& integrity, std::string& fk) {
        std::map<std::string, std::pair<std::string, double>> out;
        sqlite3* db = nullptr;
        std::string path = srv.dir + "/data.db";
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
            sqlite3_close(db);
            return out;
        }
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW) integrity += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW) fk += "row;";
        sqlite3_finalize(st);
        EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT id, title, v FROM items", -1, &st, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        while (sqlite3_step(st) == SQLITE_ROW) {
            auto t = sqlite3_column_text(st, 1);
            out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = {t ? reinterpret_cast<const char*>(t) : "",
                                                                              sqlite3_column_double(st, 2)};
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        return out;
    }
};

TEST_F(CrashDurability, Kill9DuringConcurrentWritesLosesNoAcknowledgedWrite) {
    const int rounds = envInt("PB_CRASH_ROUNDS", 3);
    const uint64_t baseSeed = static_cast<uint64_t>(envInt("PB_CRASH_SEED", 20240601));
    const int maxMs = envInt("PB_CRASH_MAX_MS", 1500);
    const int threads = envInt("PB_CRASH_THREADS", 8);
    long totalAcked = 0, totalInFlight = 0;
    for (int round = 0; round < rounds; ++round) {
        const uint64_t seed = baseSeed + static_cast<uint64_t>(round) * 7919;
        SCOPED_TRACE("round " + std::to_string(round) + " seed " + std::to_string(seed));
        std::mt19937_64 rng(seed);
        const int killAfterMs = 150 + static_cast<int>(rng() % static_cast<uint64_t>(std::max(1, maxMs - 150)));
        acked = 0;
        std::atomic<bool> stop{false};
        std::vector<std::thread> ws;
        for (int t = 0; t < threads; ++t) ws.emplace_back([&, t] { worker(seed * 131 + static_cast<uint64_t>(t), srv.port, stop); });
        std::this_thread::sleep_for(std::chrono::milliseconds(killAfterMs));
        srv.kill9();  // the crash: no shutdown path runs
        stop = true;
        for (auto& w : ws) w.join();
        long inFlight = 0;
        for (auto& [id, k] : known) inFlight += (k.createPending || k.deletePending || k.pendingV) ? 1 : 0;
        totalAcked += acked;
        totalInFlight += inFlight;
        EXPECT_GT(acked.load(), 0) << "no write was acknowledged before the kill";

        // Restart on the same data dir and check through the API.
        srv.start();
        auto viaApi = readViaApi();
        verify(viaApi, "api");
        srv.stop();  // clean shutdown, then inspect the file directly
        std::string integrity, fk;
        auto viaDb = readViaSqlite(integrity, fk);
        EXPECT_EQ(integrity, "ok");
        EXPECT_EQ(fk, "");
        verify(viaDb, "sqlite");
        EXPECT_EQ(viaApi.size(), viaDb.size());
        settle(viaDb);
        std::printf("[crash] round %d seed %llu: kill after %d ms, %ld writes acknowledged, %ld in flight, %zu records on disk\n",
                    round, static_cast<unsigned long long>(seed), killAfterMs, acked.load(), inFlight, viaDb.size());
        if (HasFailure()) break;
        srv.start();
    }
    std::printf("[crash] %d rounds, %ld acknowledged writes verified, %ld writes in flight at kills\n", rounds, totalAcked,
                totalInFlight);
}

}  // namespace
