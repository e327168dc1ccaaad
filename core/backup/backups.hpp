#pragma once
// Backups of the data dir (PocketBase's CreateBackup / RestoreBackup / auto backups), stored as
// zip files in DATA_DIR/backups/. One per App (App::backups()), which it reaches only through
// BackupsHost (app/app_backups.cpp).
//
// Snapshot: data.db and auxiliary.db are copied with `VACUUM INTO` on a fresh read connection
// (a consistent snapshot of one read transaction; writers are not blocked in WAL mode), the rest
// of the data dir (storage/, mail/, ...) is hard-linked into a temp dir (files are replaced by
// rename, never rewritten in place, so a link is a stable copy), then zipped. The zip excludes
// backups/, the temp dir and the SQLite -wal/-shm/-journal files.
//
// Restore: the zip is validated and extracted into DATA_DIR/.pb_temp_to_delete/, then the app
// restarts through BackupsHost::restart() (App::restart): after the clean shutdown the current contents are moved into
// .pb_temp_to_delete/old_pb_data_* (kept until the next bootstrap removes the temp dir), the
// extracted contents are moved into place (reverted when a move fails) and the process re-execs.
//
// Only one backup/restore runs at a time (PocketBase's @activeBackup store key).
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/json.hpp"

namespace pb::cron {
class Cron;
}

namespace pb::backup {

constexpr const char* kBackupsDirName = "backups";
constexpr const char* kTempDirName = ".pb_temp_to_delete";
constexpr const char* kAutocertDirName = ".autocert_cache";
constexpr const char* kAutoPrefix = "@auto_pb_backup_";
constexpr const char* kCronJobId = "__pbAutoBackup__";

// Another backup or restore is in progress.
class BusyError : public std::runtime_error {
public:
    BusyError() : std::runtime_error("try again later - another backup/restore operation has already been started") {}
};

// What a backup or restore works on; hooks may change both before the default action runs.
struct BackupRequest {
    std::string name;
    std::vector<std::string> exclude;  // top-level names of the data dir left out
};

// What the backups need from the application that owns them.
class BackupsHost {
public:
    virtual ~BackupsHost() = default;
    virtual std::string dataDir() const = 0;
    // A settings section as JSON: "meta" (appName) and "backups" (cron, cronMaxKeep).
    virtual json::Value settingsSection(const std::string& name) const = 0;
    // Run the create / restore hooks around `action` (which a handler may skip).
    virtual void aroundCreate(BackupRequest& r, const std::function<void(BackupRequest&)>& action) = 0;
    virtual void aroundRestore(BackupRequest& r, const std::function<void(BackupRequest&)>& action) = 0;
    // Clean shutdown, then `afterStop`, then re-exec; false when the process cannot restart itself.
    virtual bool restart(std::function<void()> afterStop) = 0;
    virtual cron::Cron& cron() = 0;
    virtual void logError(const std::string& msg) = 0;
};

struct FileInfo {
    std::string key;
    int64_t size = 0;
    int64_t modifiedMs = 0;
};

class Backups {
public:
    explicit Backups(BackupsHost& host);
    ~Backups();
    Backups(const Backups&) = delete;
    Backups& operator=(const Backups&) = delete;

    std::string dir() const;  // DATA_DIR/backups
    // The file of a backup key; nullopt when the key is not a safe file name.
    std::optional<std::string> path(const std::string& key) const;
    bool exists(const std::string& key) const;
    // Backup files whose key starts with prefix, sorted by key (PocketBase's list order).
    std::vector<FileInfo> list(const std::string& prefix = "") const;

    // The name of the running backup/restore (the empty string is a valid name), if any.
    std::optional<std::string> active() const;

    // Creates a backup through the create hook (onBackupCreate); an empty name is generated
    // (pb_backup_<app>_<UTC YYYYMMDDHHMMSS>.zip). An existing file with the same name is
    // replaced. Returns the name. Throws BusyError or std::runtime_error.
    std::string create(std::string name = "");

    // Stores an uploaded zip as backups/<key> after validating it (archive::inspect).
    // Throws ArchiveError (invalid zip) or std::runtime_error.
    void upload(const std::string& key, const std::string& data);
    // Removes a backup. Throws std::runtime_error when missing or in use.
    void remove(const std::string& key);

    // The API's restore: validates the zip now (throws ArchiveError / std::runtime_error) and
    // marks the restore active (throws BusyError), then restores on a background thread after
    // `delayMs` (PocketBase waits 1 s so the 204 reaches the client). Failures are logged.
    void restoreAsync(const std::string& key, int delayMs = 1000);
    // Restores synchronously through the restore hook (onBackupRestore): extracts, then asks the app to restart
    // with the swapped data dir. Returns once the restart is scheduled. Throws on failure
    // (nothing in the data dir changed).
    void restore(const std::string& key);

    // Auto backups: (re)registers or removes the __pbAutoBackup__ cron job from settings.
    void loadCronJob();
    // One auto backup run: creates @auto_pb_backup_<app>_<date>.zip, then keeps only the
    // newest backups.cronMaxKeep auto backups.
    void runAutoBackup();

    // Removes DATA_DIR/.pb_temp_to_delete (left by a previous backup or restore).
    void cleanupTemp();
    // Cancels a pending restoreAsync and joins its thread (App::stop calls this).
    void shutdown();

private:
    friend class ActiveGuard;
    bool tryBegin(const std::string& name);
    void end();
    std::string generateName(const std::string& prefix) const;
    std::string tempDir() const;
    void doCreate(const std::string& name, const std::vector<std::string>& exclude);
    void doRestore(const std::string& name, const std::vector<std::string>& exclude);

    BackupsHost& host_;
    mutable std::mutex mu_;
    std::optional<std::string> active_;
    std::condition_variable cv_;
    bool cancel_ = false;
    std::thread restoreThread_;
};

}  // namespace pb::backup
