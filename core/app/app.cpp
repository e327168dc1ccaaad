#include "app/app.hpp"


#include <cstdio>
#include <filesystem>
#include <iostream>

#include "app/record_files.hpp"
#include "backup/backups.hpp"
#include "cron/cron.hpp"
#include "logs/log_writer.hpp"
#include "mail/mailer.hpp"
#include "realtime/broker.hpp"
#include "util/time.hpp"

namespace pb {

namespace fs = std::filesystem;

// The scheduler exists from construction so framework code can add jobs before bootstrap().
App::App(AppOptions opts) : opts_(std::move(opts)), cron_(std::make_unique<cron::Cron>()) {
    backupsHost_ = makeBackupsHost();
    backups_ = std::make_unique<backup::Backups>(*backupsHost_);
    // The auto backup job follows settings.backups.cron (loaded at bootstrap and on every update).
    hooks_.onSettingsReload.bind({"__pbAutoBackupReload__", 0, [this](SettingsReloadEvent& e) {
                                      e.next();
                                      backups_->loadCronJob();
                                  },
                                  {}});
}

void App::setRestartHandler(RestartHandler h) {
    std::lock_guard lk(restartMu_);
    restartHandler_ = std::move(h);
}

bool App::restart(std::function<void()> afterStop) {
    std::lock_guard lk(restartMu_);
    if (!restartHandler_) return false;
    restartHandler_(std::move(afterStop));
    return true;
}

App::~App() {
    try {
        stop();
    } catch (const std::exception& ex) {
        logError(std::string("stop: ") + ex.what());  // a destructor must not throw
    } catch (...) {
        logError("stop: unknown error");
    }
}

void App::logInfo(const std::string& msg) { std::cerr << timeutil::now() << " INFO " << msg << "\n"; }
void App::logError(const std::string& msg) { std::cerr << timeutil::now() << " ERROR " << msg << "\n"; }

void App::bootstrap() {
    if (bootstrapped_) return;
    BootstrapEvent e;
    e.app = this;
    hooks_.onBootstrap.trigger(e, [this](BootstrapEvent&) {
        fs::create_directories(opts_.dataDir);
        // Leftovers of an earlier backup/restore (e.g. the data replaced by a restore).
        backups_->cleanupTemp();
        db_ = std::make_unique<db::Database>((fs::path(opts_.dataDir) / "data.db").string());
        if (opts_.dev)  // dev mode: every SQL statement with its time on stderr
            db_->setTrace([](const std::string& sql, double ms) {
                char t[32];
                std::snprintf(t, sizeof t, "[%.2fms] ", ms);
                std::cerr << (t + sql + "\n");  // one write per line
            });
        logs_ = std::make_unique<logs::LogWriter>((fs::path(opts_.dataDir) / "auxiliary.db").string());
        collections_ = std::make_unique<schema::CollectionStore>(*db_);
        settings_ = std::make_unique<Settings>(*db_);
        runSystemMigrations();
        brokerHost_ = makeBrokerHost();
        realtime_ = std::make_unique<realtime::Broker>(*brokerHost_);
        files::bindStorageCleanup(*this);  // a deleted record's or collection's files go with it
        registerSystemCronJobs();
        bootstrapped_ = true;
    });
}

void App::runSystemMigrations() {
    collections_->ensureSystemTables();
    installRuleValidator();
    collections_->load();
    if (collections_->empty()) {
        db_->write([&] { collections_->createSystemCollections(); });
        db_->exec("INSERT OR IGNORE INTO _migrations (file, applied) VALUES ('1640988000_init.go', ?)",
                  {static_cast<double>(timeutil::nowMillis() * 1000)});
    }
    reloadSettings();
}

void App::stop(bool isRestart) {
    if (!bootstrapped_ || stopped_.exchange(true)) return;
    TerminateEvent e;
    e.app = this;
    e.isRestart = isRestart;
    hooks_.onTerminate.trigger(e, [this](TerminateEvent&) {
        if (cron_) cron_->stop();
        if (backups_) backups_->shutdown();  // a pending restore is cancelled
        if (realtime_) realtime_->shutdown();
        if (logs_) logs_->stop();  // flushes the queued logs
        if (db_) db_->close();
        stopMailer();  // after everything that may queue mail has stopped
    });
}

void App::registerSystemCronJobs() {
    cron_->add("__pbDBOptimize__", "0 0 * * *", [this] {
        try {
            db_->checkpoint();
        } catch (const std::exception& ex) {
            logError(std::string("db optimize: ") + ex.what());
        }
    });
}

schema::CollectionPtr App::findCollection(const std::string& idOrName) const { return collections_->find(idOrName); }

schema::CollectionPtr App::mustCollection(const std::string& idOrName) const {
    auto c = collections_->find(idOrName);
    if (!c) throw notFound("Missing collection context.");
    return c;
}

}  // namespace pb
