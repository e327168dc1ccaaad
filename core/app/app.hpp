#pragma once
// The application: owns the database, the collection cache, settings, the hook bus, the router
// and the cron scheduler. No globals: several Apps can live in one process (tests do this).
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/events.hpp"
#include "app/settings.hpp"
#include "db/database.hpp"
#include "hook/hook.hpp"
#include "router/router.hpp"
#include "schema/collection_store.hpp"

namespace pb::backup {
class Backups;
class BackupsHost;
}
namespace pb::cron {
class Cron;
}
namespace pb::realtime {
class Broker;
class BrokerHost;
}
namespace pb::logs {
class LogWriter;
}
namespace pb::mail {
class Mailer;
class MailerHost;
}

namespace pb {

struct AppOptions {
    std::string dataDir = "pb_data";
    bool dev = false;
    std::string pluginsDir;  // empty = <dataDir>/../plugins
    int workerThreads = 16;
    // Deadline of one plugin callback (`serve --plugin-deadline`); unset = the host default
    // (10 s, or $PB_PLUGIN_DEADLINE); 0 = no deadline.
    std::optional<std::chrono::milliseconds> pluginDeadline;
};

// The hook catalogue (PocketBase names, C++ style). See docs/hooks.md for firing order and
// which hooks run inside the write transaction.
struct Hooks {
    hook::Hook<BootstrapEvent> onBootstrap;
    hook::Hook<ServeEvent> onServe;
    hook::Hook<TerminateEvent> onTerminate;

    // Record model hooks (inside the write transaction, except After*).
    hook::Hook<RecordEvent> onRecordValidate;
    hook::Hook<RecordEvent> onRecordCreate;
    hook::Hook<RecordEvent> onRecordCreateExecute;
    hook::Hook<RecordEvent> onRecordAfterCreateSuccess;
    hook::Hook<RecordEvent> onRecordAfterCreateError;
    hook::Hook<RecordEvent> onRecordUpdate;
    hook::Hook<RecordEvent> onRecordUpdateExecute;
    hook::Hook<RecordEvent> onRecordAfterUpdateSuccess;
    hook::Hook<RecordEvent> onRecordAfterUpdateError;
    hook::Hook<RecordEvent> onRecordDelete;
    hook::Hook<RecordEvent> onRecordDeleteExecute;
    hook::Hook<RecordEvent> onRecordAfterDeleteSuccess;
    hook::Hook<RecordEvent> onRecordAfterDeleteError;
    hook::Hook<RecordEnrichEvent> onRecordEnrich;

    // Collection model hooks.
    hook::Hook<CollectionEvent> onCollectionValidate;
    hook::Hook<CollectionEvent> onCollectionCreate;
    hook::Hook<CollectionEvent> onCollectionCreateExecute;
    hook::Hook<CollectionEvent> onCollectionAfterCreateSuccess;
    hook::Hook<CollectionEvent> onCollectionAfterCreateError;
    hook::Hook<CollectionEvent> onCollectionUpdate;
    hook::Hook<CollectionEvent> onCollectionUpdateExecute;
    hook::Hook<CollectionEvent> onCollectionAfterUpdateSuccess;
    hook::Hook<CollectionEvent> onCollectionAfterUpdateError;
    hook::Hook<CollectionEvent> onCollectionDelete;
    hook::Hook<CollectionEvent> onCollectionDeleteExecute;
    hook::Hook<CollectionEvent> onCollectionAfterDeleteSuccess;
    hook::Hook<CollectionEvent> onCollectionAfterDeleteError;

    // Request hooks.
    hook::Hook<RecordsListRequestEvent> onRecordsListRequest;
    hook::Hook<RecordRequestEvent> onRecordViewRequest;
    hook::Hook<RecordRequestEvent> onRecordCreateRequest;
    hook::Hook<RecordRequestEvent> onRecordUpdateRequest;
    hook::Hook<RecordRequestEvent> onRecordDeleteRequest;
    hook::Hook<RecordAuthRequestEvent> onRecordAuthRequest;
    hook::Hook<RecordAuthWithPasswordRequestEvent> onRecordAuthWithPasswordRequest;
    hook::Hook<RecordRequestEvent> onRecordAuthRefreshRequest;
    hook::Hook<RecordRequestEvent> onRecordRequestVerificationRequest;
    hook::Hook<RecordRequestEvent> onRecordConfirmVerificationRequest;
    hook::Hook<RecordRequestEvent> onRecordRequestPasswordResetRequest;
    hook::Hook<RecordRequestEvent> onRecordConfirmPasswordResetRequest;
    hook::Hook<RecordEmailChangeRequestEvent> onRecordRequestEmailChangeRequest;
    hook::Hook<RecordEmailChangeRequestEvent> onRecordConfirmEmailChangeRequest;
    hook::Hook<RecordCreateOTPRequestEvent> onRecordRequestOTPRequest;
    hook::Hook<RecordAuthWithOTPRequestEvent> onRecordAuthWithOTPRequest;
    hook::Hook<RecordAuthWithOAuth2RequestEvent> onRecordAuthWithOAuth2Request;
    hook::Hook<CollectionsListRequestEvent> onCollectionsListRequest;
    hook::Hook<CollectionsImportRequestEvent> onCollectionsImportRequest;
    hook::Hook<CollectionRequestEvent> onCollectionViewRequest;
    hook::Hook<CollectionRequestEvent> onCollectionCreateRequest;
    hook::Hook<CollectionRequestEvent> onCollectionUpdateRequest;
    hook::Hook<CollectionRequestEvent> onCollectionDeleteRequest;
    hook::Hook<SettingsEvent> onSettingsListRequest;
    hook::Hook<SettingsEvent> onSettingsUpdateRequest;
    // Settings (re)loaded: at bootstrap and after every successful update.
    hook::Hook<SettingsReloadEvent> onSettingsReload;

    // Realtime (SSE).
    hook::Hook<RealtimeConnectRequestEvent> onRealtimeConnectRequest;
    hook::Hook<RealtimeSubscribeRequestEvent> onRealtimeSubscribeRequest;
    hook::Hook<RealtimeMessageEvent> onRealtimeMessageSend;

    // Mail (core/mail): every message, then the per-kind auth mails (tagged by collection).
    hook::Hook<MailerEvent> onMailerSend;
    hook::Hook<MailerRecordEvent> onMailerRecordVerificationSend;
    hook::Hook<MailerRecordEvent> onMailerRecordPasswordResetSend;
    hook::Hook<MailerRecordEvent> onMailerRecordEmailChangeSend;
    hook::Hook<MailerRecordEvent> onMailerRecordOTPSend;
    hook::Hook<MailerRecordEvent> onMailerRecordAuthAlertSend;

    // Backups (core/backup): around the default create / restore actions.
    hook::Hook<BackupEvent> onBackupCreate;
    hook::Hook<BackupEvent> onBackupRestore;
};

class App {
public:
    explicit App(AppOptions opts = {});
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    const AppOptions& options() const { return opts_; }
    const std::string& dataDir() const { return opts_.dataDir; }
    bool isDev() const { return opts_.dev; }

    // Opens the data dir and database, runs system migrations, loads collections and settings,
    // then fires onBootstrap. Idempotent.
    void bootstrap();
    bool isBootstrapped() const { return bootstrapped_; }

    // Serving over HTTP is the serve layer's (serve/serving.hpp, PocketBase's apis.Serve): it
    // fires onServe. Stopping fires onTerminate; its default action stops cron, backups and
    // realtime, flushes the logs and closes the database. Idempotent.
    void stop(bool isRestart = false);
    // Handles one request through the router (used by the HTTP adapter, batch and tests).
    void handle(http::Request& req, http::Response& res);

    db::Database& db() { return *db_; }
    schema::CollectionStore& collections() { return *collections_; }
    Settings& settings() { return *settings_; }
    Hooks& hooks() { return hooks_; }
    router::Router<RequestEvent>& router() { return router_; }
    cron::Cron& cron() { return *cron_; }
    // Backups of the data dir (DATA_DIR/backups, auto backups cron job).
    backup::Backups& backups() { return *backups_; }

    // Restart (PocketBase's App.Restart). The serving loop that installed a handler (Cli::serve)
    // stops the app cleanly, runs `afterStop` (e.g. swapping in a restored data dir; it must not
    // touch the App) and re-executes the process with its original arguments. Returns false when
    // no handler is installed (embedded or in-process apps); returns at once otherwise.
    using RestartHandler = std::function<void(std::function<void()> afterStop)>;
    void setRestartHandler(RestartHandler h);
    bool restart(std::function<void()> afterStop = {});
    // The realtime (SSE) broker; created by bootstrap().
    realtime::Broker& realtime() { return *realtime_; }
    bool hasRealtime() const { return realtime_ != nullptr; }
    // Broadcasts `jsonData` under the custom `topic` to its subscribers (app_realtime.cpp).
    // Returns the number of frames sent (0 without realtime or for invalid JSON).
    size_t sendRealtimeMessage(std::string_view topic, std::string_view jsonData);
    // Request/app logs in auxiliary.db (background writer); null before bootstrap().
    logs::LogWriter* logWriter() { return logs_.get(); }
    // The mailer (app_mail.cpp): one background thread; created on first use, stopped by stop()
    // after the database closed (queued mail is still delivered).
    mail::Mailer& mailer();

    // ---- record operations (run the model hooks; each is one write transaction) ----
    schema::CollectionPtr findCollection(const std::string& idOrName) const;
    schema::CollectionPtr mustCollection(const std::string& idOrName) const;  // 404 ApiError
    // findCollection as the filter compiler's collection lookup (@collection.*, relations).
    records::CollectionFinder collectionFinder() const {
        return [this](const std::string& n) { return findCollection(n); };
    }
    records::RecordPtr findRecordById(const schema::CollectionPtr& c, const std::string& id);
    records::RecordPtr findRecordById(const std::string& collection, const std::string& id);
    // Rows matching a filter (compiled with rule privileges; params bound for {:name} placeholders).
    std::vector<records::RecordPtr> findRecordsByFilter(const std::string& collection, const std::string& filter,
                                                        const std::string& sort = "", int limit = 0, int offset = 0,
                                                        const json::Value& params = json::Value::object());
    records::RecordPtr findAuthRecordByEmail(const schema::CollectionPtr& c, const std::string& email);
    records::RecordPtr recordFromRow(const schema::CollectionPtr& c, const db::Row& row);
    // Validates and saves (insert or update). Throws ApiError on validation failure.
    void save(records::Record& r, bool validate = true);
    void deleteRecord(records::Record& r);
    // Collection definitions through the collection model hooks (onCollectionCreate/Update{
    // onCollectionValidate, on*Execute }, after-success after commit), one write transaction each.
    // validate=false skips the definition checks (the view query is still resolved); used by
    // importCollections, which validates every collection once all of them are saved.
    schema::CollectionPtr saveCollection(schema::Collection& c, bool validate = true);
    // PocketBase's ImportCollections: upserts `collections` (an array of collection JSON objects)
    // in one transaction; deleteMissing also drops non-system collections and fields absent from
    // the import. Throws ApiError 400 (data.collections) on any failure; nothing is changed then.
    void importCollections(const json::Value& collections, bool deleteMissing);
    void deleteCollection(const schema::Collection& c);
    // Reloads settings from the database through onSettingsReload.
    void reloadSettings();
    // Runs fn in one write transaction (hooks fired by saves inside it join it).
    void runInTransaction(const std::function<void()>& fn) { db_->write(fn); }

    // Token helpers.
    std::string newAuthToken(const records::Record& r, int64_t durationSeconds = 0, bool refreshable = true);
    std::string newToken(const records::Record& r, const std::string& type, int64_t durationSeconds,
                         json::Value extraClaims = json::Value::object());
    // Verifies a token of the given type ("auth", "file", ...) and returns its record.
    records::RecordPtr findRecordByToken(const std::string& token, const std::string& type);

    // Serialises a record for a response: enrich hook, visibility rules relative to `req`.
    json::Value recordJson(records::Record& r, RequestEvent* req);

    // Logging (stderr; request logs land in the logs issue).
    void logInfo(const std::string& msg);
    void logError(const std::string& msg);

private:
    void runSystemMigrations();
    void installRuleValidator();
    void registerSystemCronJobs();
    void reloadCollectionsAfterRollback();
    void stopMailer();
    std::unique_ptr<backup::BackupsHost> makeBackupsHost();
    std::unique_ptr<realtime::BrokerHost> makeBrokerHost();

    AppOptions opts_;
    std::unique_ptr<db::Database> db_;
    std::unique_ptr<schema::CollectionStore> collections_;
    std::unique_ptr<Settings> settings_;
    std::unique_ptr<cron::Cron> cron_;
    std::unique_ptr<logs::LogWriter> logs_;
    Hooks hooks_;
    std::unique_ptr<backup::BackupsHost> backupsHost_;  // before backups_: outlives it
    std::unique_ptr<backup::Backups> backups_;
    std::mutex restartMu_;
    RestartHandler restartHandler_;
    std::unique_ptr<realtime::BrokerHost> brokerHost_;  // before realtime_: outlives it
    std::unique_ptr<realtime::Broker> realtime_;
    std::mutex mailerMu_;
    std::unique_ptr<mail::MailerHost> mailerHost_;
    std::unique_ptr<mail::Mailer> mailer_;
    router::Router<RequestEvent> router_;
    bool bootstrapped_ = false;
    std::atomic<bool> stopped_{false};
};

}  // namespace pb
