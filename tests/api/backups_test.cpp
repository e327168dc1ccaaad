// /api/backups over real HTTP (PocketBase's apis/backup*_test.go scenarios plus ours): auth,
// list/create/download/delete, name validation, uploads (valid, not a zip, truncated, zip-slip),
// restore validation, concurrent creates, a backup taken under concurrent writes restored through
// the process re-exec, and auto backup rotation through POST /api/crons/__pbAutoBackup__.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zip.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "api/files_test_util.hpp"
#include "backup/archive.hpp"
#include "backup/backups.hpp"
#include "support/in_process_app.hpp"
#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;
using pbtest::waitFor;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBusyMsg = "Try again later - another backup/restore process has already been started.";

std::string readFile(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeFile(const std::string& p, const std::string& data) {
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A zip with the given (name, content) entries, built with libzip (names are not sanitised, so
// hostile archives can be made too).
std::string makeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
    char tmpl[] = "/tmp/pbzip_XXXXXX";
    int fd = ::mkstemp(tmpl);
    ::close(fd);
    ::unlink(tmpl);
    int err = 0;
    zip_t* z = zip_open(tmpl, ZIP_CREATE | ZIP_EXCL, &err);
    if (!z) throw std::runtime_error("zip_open");
    std::vector<std::string> keep;  // buffers must outlive zip_close
    keep.reserve(entries.size());
    for (auto& [name, content] : entries) {
        keep.push_back(content);
        zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
        if (zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) throw std::runtime_error("zip_file_add");
    }
    if (zip_close(z) != 0) throw std::runtime_error("zip_close");
    std::string data = readFile(tmpl);
    ::unlink(tmpl);
    return data;
}

pbtest::HttpResponse uploadZip(TestServer& s, const std::string& filename, const std::string& data,
                               const std::string& token) {
    const std::string boundary = "----pbbackupboundary";
    std::map<std::string, std::string> h{{"Content-Type", "multipart/form-data; boundary=" + boundary}};
    if (!token.empty()) h["Authorization"] = token;
    return s.request("POST", "/api/backups/upload",
                     pbtest::multipartForm({{"file", data, filename, "application/zip"}}, boundary), h);
}

std::vector<std::string> keys(TestServer& s, const std::string& su) {
    std::vector<std::string> out;
    auto j = s.get("/api/backups", su).json();
    for (auto& f : j.asArray()) out.push_back(f["key"].getString());
    return out;
}

std::string fileToken(TestServer& s, const std::string& authToken) {
    auto r = s.request("POST", "/api/files/token", "", {{"Authorization", authToken}});
    return r.json()["token"].getString();
}

bool canBackup(TestServer& s, const std::string& su) {
    return s.get("/api/health", su).json()["data"]["canBackup"].getBool();
}

std::string randomBytes(size_t n) {
    std::mt19937_64 rng(42);
    std::string out(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = rng();
        std::memcpy(out.data() + i, &v, std::min<size_t>(8, n - i));
    }
    return out;
}

}  // namespace

TEST(ApiBackups, AuthAndEmptyList) {
    TestServer s;
    auto user = s.createUser("b1@example.com", "password123");
    EXPECT_EQ(s.get("/api/backups").status, 401);
    EXPECT_EQ(s.get("/api/backups", user).status, 403);
    EXPECT_EQ(s.post("/api/backups", Value::object()).status, 401);
    EXPECT_EQ(s.post("/api/backups", Value::object(), user).status, 403);
    EXPECT_EQ(s.del("/api/backups/x.zip", user).status, 403);
    EXPECT_EQ(s.post("/api/backups/x.zip/restore", Value::object()).status, 401);
    auto r = s.get("/api/backups", s.superuserToken());
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "[]\n");
    EXPECT_TRUE(canBackup(s, s.superuserToken()));
}

TEST(ApiBackups, CreateListDownloadDelete) {
    TestServer s;
    auto su = s.superuserToken();
    auto user = s.createUser("b2@example.com", "password123");
    writeFile(s.dataDir() + "/storage/abc/def/file.txt", "hello storage");
    ASSERT_EQ(s.post("/api/backups", Value(Object{{"name", "test1.zip"}}), su).status, 204);
    auto gen = s.post("/api/backups", Value::object(), su);
    ASSERT_EQ(gen.status, 204) << gen.body;

    auto list = s.get("/api/backups", su);
    ASSERT_EQ(list.status, 200);
    auto arr = list.json().asArray();
    ASSERT_EQ(arr.size(), 2u);
    // Sorted by key; the generated name is pb_backup_<snake app name>_<UTC YYYYMMDDHHMMSS>.zip.
    EXPECT_TRUE(std::regex_match(arr.at(0)["key"].getString(), std::regex("^pb_backup_acme_\\d{14}\\.zip$")))
        << arr.at(0)["key"].getString();
    EXPECT_EQ(arr.at(1)["key"].getString(), "test1.zip");
    EXPECT_GT(arr.at(1)["size"].getNumber(), 100);
    EXPECT_TRUE(std::regex_match(arr.at(1)["modified"].getString(),
                                 std::regex("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$")));

    // Download: only a superuser *file* token (PocketBase answers 403 otherwise, even to guests).
    EXPECT_EQ(s.get("/api/backups/test1.zip").status, 403);
    EXPECT_EQ(s.get("/api/backups/test1.zip?token=").status, 403);
    EXPECT_EQ(s.get("/api/backups/test1.zip", su).status, 403);  // auth header is not enough
    EXPECT_EQ(s.get("/api/backups/test1.zip?token=" + su).status, 403);  // auth token, not file token
    EXPECT_EQ(s.get("/api/backups/test1.zip?token=" + fileToken(s, user)).status, 403);
    const std::string ft = fileToken(s, su);
    ASSERT_FALSE(ft.empty());
    EXPECT_EQ(s.get("/api/backups/missing.zip?token=" + ft).status, 404);
    EXPECT_EQ(s.get("/api/backups/%2e%2e?token=" + ft).status, 404);
    auto dl = s.get("/api/backups/test1.zip?token=" + ft);
    ASSERT_EQ(dl.status, 200);
    EXPECT_EQ(dl.headers["content-type"], "application/zip");
    EXPECT_NE(dl.headers["content-disposition"].find("attachment"), std::string::npos);
    EXPECT_EQ(dl.body, readFile(s.dataDir() + "/backups/test1.zip"));
    // The archive holds the databases and storage/, never backups/ or the temp dir.
    const std::string extracted = s.dataDir() + "/../" + fs::path(s.dataDir()).filename().string() + "_x";
    writeFile(extracted + ".zip", dl.body);
    auto info = pb::backup::archive::inspect(extracted + ".zip");
    EXPECT_TRUE(info.hasDataDb);
    pb::backup::archive::extract(extracted + ".zip", extracted);
    EXPECT_TRUE(fs::exists(extracted + "/auxiliary.db"));
    EXPECT_EQ(readFile(extracted + "/storage/abc/def/file.txt"), "hello storage");
    EXPECT_FALSE(fs::exists(extracted + "/backups"));
    EXPECT_FALSE(fs::exists(extracted + "/.pb_temp_to_delete"));
    EXPECT_FALSE(fs::exists(extracted + "/data.db-wal"));
    fs::remove_all(extracted);
    fs::remove(extracted + ".zip");

    // Same name again replaces? No: the API refuses existing names.
    auto dup = s.post("/api/backups", Value(Object{{"name", "test1.zip"}}), su);
    EXPECT_EQ(dup.status, 400);
    EXPECT_EQ(dup.json()["data"]["name"]["code"].getString(), "validation_backup_name_exists");

    EXPECT_EQ(s.del("/api/backups/test1.zip", su).status, 204);
    EXPECT_EQ(s.del("/api/backups/test1.zip", su).status, 400);
    EXPECT_EQ(s.del("/api/backups/missing.zip", su).status, 400);
    EXPECT_EQ(keys(s, su).size(), 1u);
    EXPECT_TRUE(fs::is_empty(s.dataDir() + "/.pb_temp_to_delete"));  // temp files cleaned
}

TEST(ApiBackups, InvalidNames) {
    TestServer s;
    auto su = s.superuserToken();
    for (const char* bad : {"!test.zip", "Test.zip", "test.tar", "../x.zip", "a b.zip", ".zip"}) {
        auto r = s.post("/api/backups", Value(Object{{"name", bad}}), su);
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_EQ(r.json()["data"]["name"]["code"].getString(), "validation_match_invalid") << bad;
    }
    auto longName = s.post("/api/backups", Value(Object{{"name", std::string(150, 'a') + ".zip"}}), su);
    EXPECT_EQ(longName.status, 400);
    EXPECT_EQ(longName.json()["data"]["name"]["code"].getString(), "validation_length_out_of_range");
    EXPECT_EQ(s.post("/api/backups", Value(Object{{"name", 12}}), su).status, 400);
    EXPECT_TRUE(keys(s, su).empty());
    EXPECT_EQ(s.post("/api/backups", Value(Object{{"name", "ok_name-1.zip"}}), su).status, 204);
}

TEST(ApiBackups, Upload) {
    TestServer s;
    auto su = s.superuserToken();
    const std::string good = makeZip({{"data.db", "not really a db"}, {"storage/a/b.txt", "x"}});
    EXPECT_EQ(uploadZip(s, "up.zip", good, "").status, 401);
    auto ok = uploadZip(s, "up.zip", good, su);
    ASSERT_EQ(ok.status, 204) << ok.body;
    EXPECT_EQ(readFile(s.dataDir() + "/backups/up.zip"), good);
    // An empty zip is a valid upload (PocketBase's test uploads one), any safe file name.
    const std::string emptyZip = std::string("PK\x05\x06", 4) + std::string(18, '\0');  // libzip deletes empty archives
    auto empty = uploadZip(s, "test", emptyZip, su);
    EXPECT_EQ(empty.status, 204) << empty.body;

    auto dup = uploadZip(s, "up.zip", good, su);
    EXPECT_EQ(dup.status, 400);
    EXPECT_EQ(dup.json()["data"]["file"]["code"].getString(), "validation_backup_name_exists");

    auto notZip = uploadZip(s, "n.zip", "hello, this is not a zip file", su);
    EXPECT_EQ(notZip.status, 400);
    EXPECT_EQ(notZip.json()["data"]["file"]["code"].getString(), "validation_invalid_mime_type");

    auto truncated = uploadZip(s, "t.zip", good.substr(0, good.size() / 2), su);
    EXPECT_EQ(truncated.status, 400);
    EXPECT_EQ(truncated.json()["data"]["file"]["code"].getString(), "validation_invalid_backup") << truncated.body;

    for (const char* evil : {"../evil.txt", "storage/../../evil.txt", "/etc/evil.txt", "a\\..\\evil.txt"}) {
        auto r = uploadZip(s, "evil.zip", makeZip({{"data.db", "x"}, {evil, "pwned"}}), su);
        EXPECT_EQ(r.status, 400) << evil;
        EXPECT_EQ(r.json()["data"]["file"]["code"].getString(), "validation_invalid_backup") << evil;
    }

    const std::string boundary = "----b";
    auto missing = s.request("POST", "/api/backups/upload", pbtest::multipartForm({{"other", "x"}}, boundary),
                             {{"Content-Type", "multipart/form-data; boundary=" + boundary}, {"Authorization", su}});
    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.json()["data"]["file"]["code"].getString(), "validation_required");

    auto list = keys(s, su);
    EXPECT_EQ(std::set<std::string>(list.begin(), list.end()), (std::set<std::string>{"test", "up.zip"}));
    EXPECT_FALSE(fs::exists(s.dataDir() + "/../evil.txt"));
}

TEST(ApiBackups, RestoreValidationTouchesNothing) {
    TestServer s;
    auto su = s.superuserToken();
    EXPECT_EQ(s.post("/api/backups/missing.zip/restore", Value::object(), su).status, 400);
    // Hostile archives placed directly in backups/ (uploads refuse them): rejected before anything
    // is extracted or moved, and the server keeps serving the current data.
    writeFile(s.dataDir() + "/backups/slip.zip", makeZip({{"data.db", "x"}, {"../../slip.txt", "pwned"}}));
    writeFile(s.dataDir() + "/backups/abs.zip", makeZip({{"data.db", "x"}, {"/tmp/pb_abs_slip.txt", "pwned"}}));
    writeFile(s.dataDir() + "/backups/nodb.zip", makeZip({{"storage/x.txt", "x"}}));
    writeFile(s.dataDir() + "/backups/junk.zip", "PK\x03\x04 garbage");
    const std::string valid = makeZip({{"data.db", "x"}});
    writeFile(s.dataDir() + "/backups/trunc.zip", valid.substr(0, valid.size() - 10));
    for (const char* k : {"slip.zip", "abs.zip", "nodb.zip", "junk.zip", "trunc.zip"}) {
        auto r = s.post(std::string("/api/backups/") + k + "/restore", Value::object(), su);
        EXPECT_EQ(r.status, 400) << k << " " << r.body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_TRUE(canBackup(s, su));
    EXPECT_FALSE(fs::exists(fs::path(s.dataDir()).parent_path() / "slip.txt"));
    EXPECT_FALSE(fs::exists("/tmp/pb_abs_slip.txt"));
    EXPECT_FALSE(fs::exists(s.dataDir() + "/.pb_temp_to_delete/old_pb_data_"));
    EXPECT_EQ(s.get("/api/collections/users/records", su).status, 200);
}

TEST(ApiBackups, ConcurrentCreateIsRefused) {
    TestServer s;
    auto su = s.superuserToken();
    // Incompressible data keeps each backup busy long enough for the requests to overlap.
    writeFile(s.dataDir() + "/storage/big/blob.bin", randomBytes(8u << 20));
    std::vector<pbtest::HttpResponse> res(4);
    std::vector<std::thread> ts;
    std::atomic<bool> go{false};
    for (int i = 0; i < 4; ++i)
        ts.emplace_back([&, i] {
            while (!go) std::this_thread::yield();
            res[i] = s.post("/api/backups", Value(Object{{"name", "c" + std::to_string(i) + ".zip"}}), su);
        });
    go = true;
    for (auto& t : ts) t.join();
    int ok = 0, busy = 0;
    for (auto& r : res) {
        if (r.status == 204) ++ok;
        else if (r.status == 400 && r.json()["message"].getString() == kBusyMsg) ++busy;
        else ADD_FAILURE() << r.status << " " << r.body;
    }
    EXPECT_GE(ok, 1);
    EXPECT_GE(busy, 1);
    EXPECT_EQ(keys(s, su).size(), static_cast<size_t>(ok));
}

// The snapshot is taken while a writer creates records one after another; the restored data must
// be exactly a prefix of the writes (one consistent point in time) and pass integrity_check.
TEST(ApiBackups, RestoreRoundTripUnderConcurrentWrites) {
    TestServer s;
    auto su = s.superuserToken();
    auto c = s.post("/api/collections",
                    Value(Object{{"name", "notes"},
                                 {"createRule", ""},
                                 {"fields", Value(Array{Value(Object{{"name", "seq"}, {"type", "number"}}),
                                                        Value(Object{{"name", "body"}, {"type", "text"}})})}}),
                    su);
    ASSERT_EQ(c.status, 200) << c.body;

    std::atomic<bool> stop{false};
    std::atomic<int> completed{0}, started{0};
    std::atomic<int64_t> maxLatencyMs{0};
    std::thread writer([&] {
        for (int i = 0; !stop; ++i) {
            started = i + 1;
            auto t0 = std::chrono::steady_clock::now();
            auto r = s.post("/api/collections/notes/records",
                            Value(Object{{"seq", i}, {"body", std::string(200, 'a' + i % 26)}}));
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
            if (ms > maxLatencyMs) maxLatencyMs = ms;
            if (r.status != 200) break;
            completed = i + 1;
        }
    });
    ASSERT_TRUE(waitFor([&] { return completed >= 50; }));
    const int before = completed;
    auto b = s.post("/api/backups", Value(Object{{"name", "snap.zip"}}), su);
    const int after = started;
    ASSERT_EQ(b.status, 204) << b.body;
    ASSERT_TRUE(waitFor([&] { return completed >= after + 30; }));
    stop = true;
    writer.join();
    const int total = completed;
    ASSERT_GT(total, after);
    EXPECT_LT(maxLatencyMs.load(), 3000) << "writers were stalled by the backup";

    auto r = s.post("/api/backups/snap.zip/restore", Value::object(), su);
    ASSERT_EQ(r.status, 204) << r.body;
    // Another operation is refused while the restore is pending.
    EXPECT_EQ(s.post("/api/backups", Value::object(), su).json()["message"].getString(), kBusyMsg);

    // The process re-execs on the same port; wait until the restored data answers.
    int restoredCount = -1;
    ASSERT_TRUE(waitFor(
        [&] {
            auto l = s.get("/api/collections/notes/records?perPage=1&sort=-seq", su);
            if (l.status != 200) return false;
            restoredCount = static_cast<int>(l.json()["totalItems"].getNumber());
            return restoredCount < total;
        },
        30000))
        << "server did not come back with the restored data";
    EXPECT_GE(restoredCount, before);
    EXPECT_LE(restoredCount, after);
    // Exactly the prefix 0..n-1 (no gaps, nothing written after the snapshot).
    auto all = s.get("/api/collections/notes/records?perPage=1000&sort=seq&fields=seq", su).json();
    auto items = all["items"].asArray();
    ASSERT_EQ(static_cast<int>(items.size()), restoredCount);
    for (int i = 0; i < restoredCount; ++i) ASSERT_EQ(items.at(static_cast<size_t>(i))["seq"].getNumber(), i);

    // The restored database is sound, the backups survived, the replaced data was removed at boot.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((s.dataDir() + "/data.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
    EXPECT_EQ(keys(s, su), std::vector<std::string>{"snap.zip"});
    EXPECT_FALSE(fs::exists(s.dataDir() + "/.pb_temp_to_delete"));
    EXPECT_TRUE(canBackup(s, su));
    // Still writable after the restart.
    EXPECT_EQ(s.post("/api/collections/notes/records", Value(Object{{"seq", 100000}})).status, 200);
}

TEST(ApiBackups, SettingsValidation) {
    TestServer s;
    auto su = s.superuserToken();
    auto bad = s.patch("/api/settings", Value(Object{{"backups", Value(Object{{"cron", "not a cron"}})}}), su);
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.json()["data"]["backups"]["cron"]["code"].getString(), "validation_invalid_cron");
    auto noKeep = s.patch("/api/settings", Value(Object{{"backups", Value(Object{{"cron", "0 0 * * *"}, {"cronMaxKeep", 0}})}}), su);
    EXPECT_EQ(noKeep.status, 400);
    EXPECT_EQ(noKeep.json()["data"]["backups"]["cronMaxKeep"]["code"].getString(), "validation_required");
    auto neg = s.patch("/api/settings", Value(Object{{"backups", Value(Object{{"cronMaxKeep", -1}})}}), su);
    EXPECT_EQ(neg.status, 400);
    auto s3 = s.patch("/api/settings", Value(Object{{"backups", Value(Object{{"s3", Value(Object{{"enabled", true}})}})}}), su);
    EXPECT_EQ(s3.status, 400);
    EXPECT_TRUE(s3.json()["data"]["backups"]["s3"].has("enabled"));

    auto crons = [&] {
        std::set<std::string> ids;
        auto list = s.get("/api/crons", su).json();
        for (auto& j : list.asArray()) ids.insert(j["id"].getString());
        return ids;
    };
    EXPECT_EQ(crons().count("__pbAutoBackup__"), 0u);
    auto ok = s.patch("/api/settings", Value(Object{{"backups", Value(Object{{"cron", "0 3 * * *"}, {"cronMaxKeep", 5}})}}), su);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.json()["backups"]["cron"].getString(), "0 3 * * *");
    EXPECT_EQ(crons().count("__pbAutoBackup__"), 1u);
    auto g = s.get("/api/settings", su).json();
    EXPECT_EQ(g["backups"]["cronMaxKeep"].getNumber(), 5);
    ASSERT_EQ(s.patch("/api/settings", Value(Object{{"backups", Value(Object{{"cron", ""}})}}), su).status, 200);
    EXPECT_EQ(crons().count("__pbAutoBackup__"), 0u);
}

TEST(ApiBackups, AutoBackupRotation) {
    TestServer s;
    auto su = s.superuserToken();
    ASSERT_EQ(s.post("/api/backups", Value(Object{{"name", "manual.zip"}}), su).status, 204);
    ASSERT_EQ(s.patch("/api/settings",
                      Value(Object{{"backups", Value(Object{{"cron", "0 0 1 1 *"}, {"cronMaxKeep", 2}})}}), su)
                  .status,
              200);
    auto autos = [&] {
        std::vector<std::string> out;
        for (auto& k : keys(s, su))
            if (k.rfind("@auto_pb_backup_acme_", 0) == 0) out.push_back(k);
        return out;
    };
    std::vector<std::string> made;
    for (int run = 0; run < 3; ++run) {
        if (run > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // names have 1 s resolution
        auto before = autos();
        ASSERT_EQ(s.post("/api/crons/__pbAutoBackup__", Value::object(), su).status, 204);
        ASSERT_TRUE(waitFor([&] { return autos() != before && canBackup(s, su); })) << "run " << run;
        for (auto& k : autos())
            if (std::find(made.begin(), made.end(), k) == made.end()) made.push_back(k);
    }
    ASSERT_EQ(made.size(), 3u);
    auto left = autos();
    EXPECT_EQ(left, (std::vector<std::string>{made[1], made[2]}));  // the two newest
    auto all = keys(s, su);
    EXPECT_NE(std::find(all.begin(), all.end(), "manual.zip"), all.end());  // not rotated
}

// In-process: the backup hooks fire (and can rename/exclude), and a restore without a serving
// loop to restart the process fails without touching the data dir.
TEST(ApiBackups, HooksAndRestoreWithoutRestartHandler) {
    pbtest::InProcessApp p;
    auto& app = p.app();
    app.bootstrap();
    std::string seen;
    app.hooks().onBackupCreate.bindFunc([&](pb::BackupEvent& e) {
        seen = e.name;
        e.name = "renamed.zip";
        e.next();
    });
    EXPECT_EQ(app.backups().create("orig.zip"), "renamed.zip");
    EXPECT_EQ(seen, "orig.zip");
    EXPECT_TRUE(app.backups().exists("renamed.zip"));
    EXPECT_FALSE(app.backups().exists("orig.zip"));
    EXPECT_EQ(p.counts()["onBackupCreate"], 1);

    const auto entriesBefore = std::distance(fs::directory_iterator(app.dataDir()), fs::directory_iterator());
    EXPECT_THROW(app.backups().restore("renamed.zip"), std::runtime_error);
    EXPECT_EQ(p.counts()["onBackupRestore"], 1);
    EXPECT_FALSE(app.backups().active().has_value());
    EXPECT_TRUE(fs::exists(fs::path(app.dataDir()) / "data.db"));
    EXPECT_EQ(std::distance(fs::directory_iterator(app.dataDir()), fs::directory_iterator()), entriesBefore);
    // Busy while another operation holds the lock.
    app.hooks().onBackupCreate.bindFunc([&](pb::BackupEvent& e) {
        EXPECT_THROW(app.backups().create("nested.zip"), pb::backup::BusyError);
        e.next();
    });
    EXPECT_NO_THROW(app.backups().create("outer.zip"));
}
