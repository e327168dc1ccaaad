#include "app/app.hpp"

#include <cstdlib>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "backup/backups.hpp"
#include "cron/cron.hpp"
#include "http/server.hpp"
#include "plugin/host.hpp"
#include "realtime/broker.hpp"
#include "logs/log_writer.hpp"
#include "util/time.hpp"

namespace pb {

namespace fs = std::filesystem;

// The scheduler exists from construction so framework code can add jobs before bootstrap().
App::App(AppOptions opts) : opts_(std::move(opts)), cron_(std::make_unique<cron::Cron>()) {
    backups_ = std::make_unique<backup::Backups>(*this);
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
    } catch (...) {
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
        realtime_ = std::make_unique<realtime::Broker>(*this);
        realtime::bindRecordEvents(*this);
        registerRoutes();
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

void App::start(const std::string& host, uint16_t port) {
    bootstrap();
    ServeEvent e;
    e.app = this;
    hooks_.onServe.trigger(e, [&](ServeEvent&) {
        http::ServerOptions so;
        so.host = host;
        so.port = port;
        so.workerThreads = opts_.workerThreads;
        // Tuning knobs for deployments and benchmarks (defaults suit most machines).
        if (const char* w = std::getenv("PB_WORKER_THREADS"); w && std::atoi(w) > 0) so.workerThreads = std::atoi(w);
        if (const char* r = std::getenv("PB_REACTOR_THREADS"); r && std::atoi(r) > 0) so.reactorThreads = std::atoi(r);
        // Plugins load after the router is built and before serving (routes exist at once).
        plugins_ = std::make_unique<plugin::PluginHost>(*this, plugin::PluginHost::defaultOptions(*this));
        plugins_->start();
        server_ = std::make_unique<http::Server>(so);
        server_->start([this](http::Request& req, http::Response& res) { handle(req, res); });
        registerSystemCronJobs();
        cron_->start();
    });
}

uint16_t App::port() const { return server_ ? server_->port() : 0; }

void App::stop(bool isRestart) {
    if (!bootstrapped_ || stopped_.exchange(true)) return;
    TerminateEvent e;
    e.app = this;
    e.isRestart = isRestart;
    hooks_.onTerminate.trigger(e, [this](TerminateEvent&) {
        if (cron_) cron_->stop();
        if (backups_) backups_->shutdown();  // a pending restore is cancelled
        if (realtime_) realtime_->shutdown();
        if (server_) server_->stop();
        server_.reset();
        if (plugins_) plugins_->stop();  // TERMINATE, shutdown, unload - before the DB closes
        if (logs_) logs_->stop();  // flushes the queued logs
        if (db_) db_->close();
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
