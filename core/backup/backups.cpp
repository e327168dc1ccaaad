#include "backup/backups.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "backup/archive.hpp"
#include "cron/cron.hpp"
#include "files/storage.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::backup {

namespace fs = std::filesystem;

namespace {

// Top-level data dir entries neither archived nor replaced by a restore: the backups, the temp dir,
// PocketBase's autocert cache and our runtime dir (.pb/plugin-cache: copies of loaded plugins).
std::vector<std::string> defaultExclude() { return {kBackupsDirName, kTempDirName, kAutocertDirName, ".pb"}; }

bool excluded(const std::vector<std::string>& exclude, const std::string& name) {
    return std::find(exclude.begin(), exclude.end(), name) != exclude.end();
}

// The SQLite files of the data dir: snapshotted with VACUUM INTO, never copied as files.
bool isDatabaseFile(const std::string& name) {
    for (const char* db : {"data.db", "auxiliary.db"})
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            if (name == std::string(db) + suffix) return true;
    return false;
}

// Removes a path when the scope ends (temp files and dirs).
struct RemoveOnExit {
    std::string path;
    ~RemoveOnExit() {
        std::error_code ec;
        if (!path.empty()) fs::remove_all(path, ec);
    }
};

// A consistent copy of a live SQLite database (one read transaction; writers keep going).
void snapshotDatabase(const std::string& src, const std::string& dest) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(src.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close_v2);
    if (rc != SQLITE_OK) throw std::runtime_error("snapshot: cannot open " + src);
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "VACUUM INTO ?", -1, &st, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string("snapshot: ") + sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, dest.c_str(), -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error("snapshot of " + src + " failed: " + sqlite3_errmsg(db));
}

// True when the file is a SQLite database that passes quick_check.
bool databaseOk(const std::string& path, std::string& why) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(db, sqlite3_close_v2);
    if (rc != SQLITE_OK) {
        why = "cannot open";
        return false;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) != SQLITE_OK) {
        why = sqlite3_errmsg(db);
        return false;
    }
    const unsigned char* res = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : nullptr;
    const bool ok = res && std::string(reinterpret_cast<const char*>(res)) == "ok";
    if (!ok) why = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    return ok;
}

// Mirrors src into dest with hard links (a copy when linking fails, e.g. across devices).
void linkTree(const fs::path& src, const fs::path& dest) {
    fs::create_directories(dest);
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(src, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        auto st = it->symlink_status(ec);
        if (ec) break;
        const fs::path target = dest / fs::relative(it->path(), src);
        if (fs::is_directory(st)) {
            fs::create_directories(target);
        } else if (fs::is_regular_file(st)) {
            std::error_code lec;
            fs::create_hard_link(it->path(), target, lec);
            if (lec) {
                fs::copy_file(it->path(), target, lec);
                // A file removed while we walk is simply not part of the backup.
                if (lec && fs::exists(it->path())) throw std::runtime_error("backup: cannot copy " + it->path().string());
            }
        }
    }
    if (ec && ec != std::errc::no_such_file_or_directory) throw std::runtime_error("backup: cannot list " + src.string());
}

// Moves the top-level entries of src (except `exclude`) into dest. All or nothing: on failure
// the entries already moved are moved back before throwing.
void moveDirContent(const fs::path& src, const fs::path& dest, const std::vector<std::string>& exclude) {
    fs::create_directories(dest);
    std::vector<std::string> moved;
    try {
        for (auto& entry : fs::directory_iterator(src)) {
            const std::string name = entry.path().filename().string();
            if (excluded(exclude, name)) continue;
            fs::rename(entry.path(), dest / name);
            moved.push_back(name);
        }
    } catch (...) {
        for (auto it = moved.rbegin(); it != moved.rend(); ++it) {
            std::error_code ec;
            fs::rename(dest / *it, src / *it, ec);
        }
        throw;
    }
}

std::string utcStamp() {
    std::time_t t = static_cast<std::time_t>(timeutil::nowSeconds());  // the app clock (tests set it)
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

int64_t mtimeMs(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0;
    return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

}  // namespace

// Releases the active backup/restore mark when the scope ends, unless dismissed.
class ActiveGuard {
public:
    explicit ActiveGuard(Backups& b) : b_(b) {}
    ~ActiveGuard() {
        if (armed_) b_.end();
    }
    void dismiss() { armed_ = false; }

private:
    Backups& b_;
    bool armed_ = true;
};

Backups::Backups(BackupsHost& host) : host_(host) {}

Backups::~Backups() { shutdown(); }

std::string Backups::dir() const { return (fs::path(host_.dataDir()) / kBackupsDirName).string(); }
std::string Backups::tempDir() const { return (fs::path(host_.dataDir()) / kTempDirName).string(); }

std::optional<std::string> Backups::path(const std::string& key) const {
    if (!files::safeSegment(key)) return std::nullopt;
    return (fs::path(dir()) / key).string();
}

bool Backups::exists(const std::string& key) const {
    auto p = path(key);
    std::error_code ec;
    return p && fs::is_regular_file(*p, ec);
}

std::vector<FileInfo> Backups::list(const std::string& prefix) const {
    std::vector<FileInfo> out;
    std::error_code ec;
    for (auto it = fs::directory_iterator(dir(), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::error_code sec;
        if (!it->is_regular_file(sec)) continue;
        std::string key = it->path().filename().string();
        if (!str::startsWith(key, prefix)) continue;
        out.push_back(FileInfo{key, static_cast<int64_t>(it->file_size(sec)), mtimeMs(it->path())});
    }
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.key < b.key; });
    return out;
}

std::optional<std::string> Backups::active() const {
    std::lock_guard lk(mu_);
    return active_;
}

bool Backups::tryBegin(const std::string& name) {
    std::lock_guard lk(mu_);
    if (active_) return false;
    active_ = name;
    return true;
}

void Backups::end() {
    std::lock_guard lk(mu_);
    active_.reset();
}

std::string Backups::generateName(const std::string& prefix) const {
    std::string appName = str::snakeCase(host_.settingsSection("meta")["appName"].getString());
    if (appName.size() > 50) appName.resize(50);
    return prefix + appName + "_" + utcStamp() + ".zip";
}

void Backups::cleanupTemp() {
    std::error_code ec;
    fs::remove_all(tempDir(), ec);
}

// ---- create ----

std::string Backups::create(std::string name) {
    if (!tryBegin(name)) throw BusyError();
    ActiveGuard guard(*this);
    BackupRequest e{std::move(name), defaultExclude()};
    host_.aroundCreate(e, [this](BackupRequest& ev) {
        if (ev.name.empty()) ev.name = generateName("pb_backup_");
        if (!files::safeSegment(ev.name)) throw std::runtime_error("invalid backup name");
        doCreate(ev.name, ev.exclude);
    });
    return e.name;
}

void Backups::doCreate(const std::string& name, const std::vector<std::string>& exclude) {
    const fs::path dataDir(host_.dataDir());
    // Inside the data dir: hard links and the final rename stay on one filesystem.
    fs::create_directories(tempDir());
    const std::string id = random::string(10, "abcdefghijklmnopqrstuvwxyz0123456789");
    RemoveOnExit snapshotDir{(fs::path(tempDir()) / ("pb_backup_" + id)).string()};
    RemoveOnExit zipTmp{snapshotDir.path + ".zip"};
    fs::create_directories(snapshotDir.path);

    // 1. The databases first (one consistent read transaction each)...
    for (const char* db : {"data.db", "auxiliary.db"}) {
        if (excluded(exclude, db) || !fs::exists(dataDir / db)) continue;
        snapshotDatabase((dataDir / db).string(), (fs::path(snapshotDir.path) / db).string());
    }
    // 2. ...then everything else (files are added before their record commits and removed after
    //    its delete commits, so a record of the snapshot rarely misses its file).
    for (auto& entry : fs::directory_iterator(dataDir)) {
        const std::string n = entry.path().filename().string();
        if (excluded(exclude, n) || isDatabaseFile(n)) continue;
        std::error_code ec;
        auto st = entry.symlink_status(ec);
        if (fs::is_directory(st)) {
            linkTree(entry.path(), fs::path(snapshotDir.path) / n);
        } else if (fs::is_regular_file(st)) {
            fs::create_hard_link(entry.path(), fs::path(snapshotDir.path) / n, ec);
            if (ec) fs::copy_file(entry.path(), fs::path(snapshotDir.path) / n, ec);
        }
    }
    archive::create(snapshotDir.path, zipTmp.path);
    fs::create_directories(dir());
    fs::rename(zipTmp.path, fs::path(dir()) / name);  // atomic; replaces a same-named backup
}

// ---- upload / delete ----

void Backups::upload(const std::string& key, const std::string& data) {
    auto dest = path(key);
    if (!dest) throw std::runtime_error("invalid backup file name");
    fs::create_directories(tempDir());
    RemoveOnExit tmp{(fs::path(tempDir()) / ("pb_upload_" + random::string(10) + ".zip")).string()};
    {
        std::ofstream out(tmp.path, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        out.flush();
        if (!out) throw std::runtime_error("cannot write the uploaded backup");
    }
    archive::inspect(tmp.path);
    fs::create_directories(dir());
    // link() never replaces: a same-named backup that appeared meanwhile is an error.
    if (::link(tmp.path.c_str(), dest->c_str()) != 0) throw std::runtime_error("backup file already exists");
}

void Backups::remove(const std::string& key) {
    {
        std::lock_guard lk(mu_);
        if (active_ && *active_ == key) throw std::runtime_error("The backup is currently being used and cannot be deleted.");
    }
    auto p = path(key);
    std::error_code ec;
    if (!p || !fs::is_regular_file(*p, ec) || !fs::remove(*p, ec)) throw std::runtime_error("Invalid or already deleted backup file.");
}

// ---- restore ----

void Backups::restoreAsync(const std::string& key, int delayMs) {
    auto p = path(key);
    if (!p || !exists(key)) throw std::runtime_error("Missing or invalid backup file.");
    auto info = archive::inspect(*p);
    if (!info.hasDataDb) throw ArchiveError("the archive has no data.db");
    if (!tryBegin(key)) throw BusyError();
    std::thread previous;  // a finished (failed) earlier restore
    {
        std::lock_guard lk(mu_);
        previous = std::move(restoreThread_);
        cancel_ = false;
    }
    if (previous.joinable()) previous.join();
    std::lock_guard lk(mu_);
    restoreThread_ = std::thread([this, key, delayMs] {
        {
            std::unique_lock lk(mu_);
            // Let the 204 reach the client first; shutdown() cancels.
            if (cv_.wait_for(lk, std::chrono::milliseconds(delayMs), [this] { return cancel_; })) {
                active_.reset();
                return;
            }
        }
        ActiveGuard guard(*this);
        try {
            doRestore(key, defaultExclude());
            guard.dismiss();  // stays active until the process re-execs
        } catch (const std::exception& ex) {
            host_.logError(std::string("Failed to restore backup ") + key + ": " + ex.what());
        }
    });
}

void Backups::restore(const std::string& key) {
    if (!tryBegin(key)) throw BusyError();
    ActiveGuard guard(*this);
    doRestore(key, defaultExclude());
    guard.dismiss();
}

void Backups::doRestore(const std::string& key, const std::vector<std::string>& exclude) {
    BackupRequest e{key, exclude};
    host_.aroundRestore(e, [this](BackupRequest& ev) {
        auto zipPath = path(ev.name);
        if (!zipPath || !exists(ev.name)) throw std::runtime_error("missing or invalid backup file \"" + ev.name + "\" to restore");
        fs::create_directories(tempDir());
        const std::string extracted = (fs::path(tempDir()) / ("pb_restore_" + random::string(8))).string();
        RemoveOnExit cleanup{extracted};
        archive::extract(*zipPath, extracted);
        std::string why;
        if (!fs::is_regular_file(fs::path(extracted) / "data.db")) throw std::runtime_error("data.db file is missing or invalid");
        if (!databaseOk((fs::path(extracted) / "data.db").string(), why))
            throw std::runtime_error("data.db file is invalid: " + why);

        // The swap runs after the clean shutdown (no open database), then the process re-execs.
        const fs::path dataDir(host_.dataDir());
        const fs::path oldDir = fs::path(tempDir()) / ("old_pb_data_" + random::string(8));
        auto swap = [dataDir, oldDir, extracted, exclude = ev.exclude] {
            moveDirContent(dataDir, oldDir, exclude);
            try {
                moveDirContent(extracted, dataDir, exclude);
            } catch (...) {
                moveDirContent(oldDir, dataDir, exclude);  // put the old contents back
                throw;
            }
        };
        if (!host_.restart(swap)) throw std::runtime_error("the app cannot restart itself (not started by `serve`)");
        cleanup.path.clear();  // the swap needs it; the next bootstrap removes the temp dir
    });
}

void Backups::shutdown() {
    {
        std::lock_guard lk(mu_);
        cancel_ = true;
    }
    cv_.notify_all();
    std::thread t;
    {
        std::lock_guard lk(mu_);
        t = std::move(restoreThread_);
    }
    if (!t.joinable()) return;
    if (t.get_id() == std::this_thread::get_id()) t.detach();
    else t.join();
}

// ---- auto backups ----

void Backups::loadCronJob() {
    const std::string expr = host_.settingsSection("backups")["cron"].getString();
    if (expr.empty()) {
        host_.cron().remove(kCronJobId);
        return;
    }
    try {
        host_.cron().add(kCronJobId, expr, [this] { runAutoBackup(); });
    } catch (const std::exception& ex) {
        host_.logError(std::string("[Backup cron] invalid expression: ") + ex.what());
    }
}

void Backups::runAutoBackup() {
    const std::string name = generateName(kAutoPrefix);
    try {
        create(name);
    } catch (const std::exception& ex) {
        host_.logError("[Backup cron] Failed to create backup " + name + ": " + ex.what());
    }
    const json::Value backupsSettings = host_.settingsSection("backups");  // a copy: keep it alive
    const auto& maxKeepV = backupsSettings["cronMaxKeep"];
    const int64_t maxKeep = maxKeepV.isNumber() ? static_cast<int64_t>(maxKeepV.asNumber()) : 0;
    if (maxKeep <= 0) return;  // no explicit limit
    auto files = list(kAutoPrefix);
    if (static_cast<int64_t>(files.size()) <= maxKeep) return;
    // Newest first (the key holds the date: the tie-breaker within one millisecond).
    std::sort(files.begin(), files.end(), [](const FileInfo& a, const FileInfo& b) {
        return a.modifiedMs != b.modifiedMs ? a.modifiedMs > b.modifiedMs : a.key > b.key;
    });
    for (size_t i = static_cast<size_t>(maxKeep); i < files.size(); ++i) {
        try {
            remove(files[i].key);
        } catch (const std::exception& ex) {
            host_.logError("[Backup cron] Failed to remove old autogenerated backup " + files[i].key + ": " + ex.what());
        }
    }
}

}  // namespace pb::backup
