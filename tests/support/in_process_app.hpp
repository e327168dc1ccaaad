#pragma once
// An App running in the test process (temp data dir, free port) with a counting handler bound on
// every hook of pb::Hooks, for PocketBase-style "expected events" scenario tests.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "app/app.hpp"
#include "serve/serving.hpp"
#include "support/test_server.hpp"

// Every hook of pb::Hooks (keep in sync with core/app/app.hpp; docs/hooks.md lists them too).
#define PBTEST_ALL_HOOKS(X)                                                                                    \
    X(onBootstrap) X(onServe) X(onTerminate)                                                                   \
    X(onRecordValidate) X(onRecordCreate) X(onRecordCreateExecute) X(onRecordAfterCreateSuccess)               \
    X(onRecordAfterCreateError) X(onRecordUpdate) X(onRecordUpdateExecute) X(onRecordAfterUpdateSuccess)       \
    X(onRecordAfterUpdateError) X(onRecordDelete) X(onRecordDeleteExecute) X(onRecordAfterDeleteSuccess)       \
    X(onRecordAfterDeleteError) X(onRecordEnrich)                                                              \
    X(onCollectionValidate) X(onCollectionCreate) X(onCollectionCreateExecute)                                 \
    X(onCollectionAfterCreateSuccess) X(onCollectionAfterCreateError) X(onCollectionUpdate)                    \
    X(onCollectionUpdateExecute) X(onCollectionAfterUpdateSuccess) X(onCollectionAfterUpdateError)             \
    X(onCollectionDelete) X(onCollectionDeleteExecute) X(onCollectionAfterDeleteSuccess)                       \
    X(onCollectionAfterDeleteError)                                                                            \
    X(onRecordsListRequest) X(onRecordViewRequest) X(onRecordCreateRequest) X(onRecordUpdateRequest)           \
    X(onRecordDeleteRequest) X(onRecordAuthRequest) X(onRecordAuthWithPasswordRequest)                         \
    X(onRecordAuthRefreshRequest) X(onCollectionsListRequest) X(onCollectionViewRequest)                       \
    X(onCollectionCreateRequest) X(onCollectionUpdateRequest) X(onCollectionDeleteRequest)                     \
    X(onSettingsListRequest) X(onSettingsUpdateRequest) X(onSettingsReload)                                    \
    X(onRealtimeConnectRequest) X(onRealtimeSubscribeRequest) X(onRealtimeMessageSend)                         \
    X(onBackupCreate) X(onBackupRestore)

namespace pbtest {

using EventCounts = std::map<std::string, int>;

class InProcessApp {
public:
    InProcessApp() {
        char tmpl[] = "/tmp/pb_hooks_XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        pb::AppOptions o;
        o.dataDir = dir_ + "/pb_data";
        o.pluginsDir = dir_ + "/plugins";
        o.workerThreads = 4;
        app_ = std::make_unique<pb::App>(o);
#define PBTEST_BIND(name)                                                                                      \
    app_->hooks().name.bind({"__count__", -1000, [this](auto& e) { count(#name); e.next(); }, {}});
        PBTEST_ALL_HOOKS(PBTEST_BIND)
#undef PBTEST_BIND
    }
    ~InProcessApp() {
        try {
            serving_.reset();  // stops the app
            app_->stop();
        } catch (...) {
        }
        app_.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    InProcessApp(const InProcessApp&) = delete;
    InProcessApp& operator=(const InProcessApp&) = delete;

    void start() {
        port_ = freePort();
        serving_ = std::make_unique<pb::serve::Serving>(*app_);
        serving_->start("127.0.0.1", static_cast<uint16_t>(port_));
    }
    pb::App& app() { return *app_; }
    int port() const { return port_; }

    HttpResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                         const std::string& token = "") {
        std::map<std::string, std::string> h;
        if (!body.empty()) h["Content-Type"] = "application/json";
        if (!token.empty()) h["Authorization"] = token;
        return httpRequest(port_, method, path, body, h);
    }

    // Counts of every hook fired since the last reset (zero counts omitted).
    EventCounts counts() {
        std::lock_guard lk(mu_);
        return counts_;
    }
    void reset() {
        std::lock_guard lk(mu_);
        counts_.clear();
    }

private:
    void count(const char* name) {
        std::lock_guard lk(mu_);
        ++counts_[name];
    }
    std::string dir_;
    int port_ = 0;
    std::unique_ptr<pb::App> app_;
    std::unique_ptr<pb::serve::Serving> serving_;
    std::mutex mu_;
    EventCounts counts_;
};

}  // namespace pbtest
