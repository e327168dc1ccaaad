// The App's mailer: created on first use, stopped after the database closed (App::stop). The
// mailer reaches the App only through this MailerHost: settings, the mail folder, onMailerSend
// and the log.
#include <filesystem>

#include "app/app.hpp"
#include "mail/mailer.hpp"

namespace pb {

namespace {

class AppMailerHost final : public mail::MailerHost {
public:
    explicit AppMailerHost(App& app) : app_(app) {}
    json::Value mailSettings(const std::string& section) const override { return app_.settings().section(section); }
    std::string mailDir() const override { return (std::filesystem::path(app_.dataDir()) / "mail").string(); }
    void aroundSend(mail::Message m, const std::function<void(const mail::Message&)>& deliver) override {
        MailerEvent ev;
        ev.app = &app_;
        ev.message = std::move(m);
        app_.hooks().onMailerSend.trigger(ev, [&deliver](MailerEvent& e) { deliver(e.message); });
    }
    void logInfo(const std::string& msg) override { app_.logInfo(msg); }
    void logError(const std::string& msg) override { app_.logError(msg); }

private:
    App& app_;
};

}  // namespace

mail::Mailer& App::mailer() {
    std::lock_guard lk(mailerMu_);
    if (!mailer_) {
        mailerHost_ = std::make_unique<AppMailerHost>(*this);
        mailer_ = std::make_unique<mail::Mailer>(*mailerHost_);
    }
    return *mailer_;
}

void App::stopMailer() {
    std::unique_ptr<mail::Mailer> m;
    {
        std::lock_guard lk(mailerMu_);
        m = std::move(mailer_);
    }
    if (m) m->stop();  // delivers what is queued, joins the thread
}

}  // namespace pb
