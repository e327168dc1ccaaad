// The App side of backups: the BackupsHost the backup service reaches the App through (data dir,
// settings, onBackupCreate / onBackupRestore, restart, cron, log).
#include "app/app.hpp"
#include "backup/backups.hpp"

namespace pb {

namespace {

class AppBackupsHost final : public backup::BackupsHost {
public:
    explicit AppBackupsHost(App& app) : app_(app) {}
    std::string dataDir() const override { return app_.dataDir(); }
    json::Value settingsSection(const std::string& name) const override { return app_.settings().section(name); }
    void aroundCreate(backup::BackupRequest& r, const std::function<void(backup::BackupRequest&)>& action) override {
        around(app_.hooks().onBackupCreate, r, action);
    }
    void aroundRestore(backup::BackupRequest& r, const std::function<void(backup::BackupRequest&)>& action) override {
        around(app_.hooks().onBackupRestore, r, action);
    }
    bool restart(std::function<void()> afterStop) override { return app_.restart(std::move(afterStop)); }
    cron::Cron& cron() override { return app_.cron(); }
    void logError(const std::string& msg) override { app_.logError(msg); }

private:
    // The event carries the request; what handlers change in it is what the action and the
    // caller see.
    void around(hook::Hook<BackupEvent>& h, backup::BackupRequest& r,
                const std::function<void(backup::BackupRequest&)>& action) {
        BackupEvent e;
        e.app = &app_;
        e.name = r.name;
        e.exclude = r.exclude;
        h.trigger(e, [&](BackupEvent& ev) {
            backup::BackupRequest req{ev.name, ev.exclude};
            action(req);
            ev.name = req.name;
            ev.exclude = req.exclude;
        });
        r.name = e.name;
        r.exclude = e.exclude;
    }

    App& app_;
};

}  // namespace

std::unique_ptr<backup::BackupsHost> App::makeBackupsHost() { return std::make_unique<AppBackupsHost>(*this); }

}  // namespace pb
