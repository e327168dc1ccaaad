// Rendering and dispatch of the auth emails.
#include "app/record_mails.hpp"

#include "app/app.hpp"
#include "mail/mailer.hpp"
#include "mail/mime.hpp"

namespace pb::mail {

namespace {

const json::Value& templateOf(const schema::Collection& c, RecordMail kind) {
    const auto& o = c.options;
    switch (kind) {
        case RecordMail::Verification: return o["verificationTemplate"];
        case RecordMail::PasswordReset: return o["resetPasswordTemplate"];
        case RecordMail::EmailChange: return o["confirmEmailChangeTemplate"];
        case RecordMail::Otp: return o["otp"]["emailTemplate"];
        case RecordMail::AuthAlert: return o["authAlert"]["emailTemplate"];
    }
    return o["verificationTemplate"];
}

hook::Hook<MailerRecordEvent>& hookOf(App& app, RecordMail kind) {
    auto& h = app.hooks();
    switch (kind) {
        case RecordMail::Verification: return h.onMailerRecordVerificationSend;
        case RecordMail::PasswordReset: return h.onMailerRecordPasswordResetSend;
        case RecordMail::EmailChange: return h.onMailerRecordEmailChangeSend;
        case RecordMail::Otp: return h.onMailerRecordOTPSend;
        case RecordMail::AuthAlert: return h.onMailerRecordAuthAlertSend;
    }
    return h.onMailerRecordVerificationSend;
}

void dispatch(App& app, Mailer& m, const records::RecordPtr& r, RecordMail kind, Message msg, json::Value meta) {
    MailerRecordEvent ev;
    ev.app = &app;
    ev.message = &msg;
    ev.record = r;
    ev.meta = std::move(meta);
    hookOf(app, kind).trigger(ev, [&m](MailerRecordEvent& e) { m.send(*e.message); });
}

}  // namespace

bool recordMailFromName(const std::string& name, RecordMail& out) {
    if (name == "verification") out = RecordMail::Verification;
    else if (name == "password-reset") out = RecordMail::PasswordReset;
    else if (name == "email-change") out = RecordMail::EmailChange;
    else if (name == "otp") out = RecordMail::Otp;
    else if (name == "login-alert") out = RecordMail::AuthAlert;
    else return false;
    return true;
}

Message buildRecordMail(App& app, const records::Record& r, RecordMail kind, const std::string& to,
                        const std::map<std::string, std::string>& extra) {
    auto meta = app.settings().section("meta");
    std::map<std::string, std::string> values = extra;
    values["{APP_NAME}"] = meta["appName"].getString();
    std::string url = meta["appURL"].getString();
    while (!url.empty() && url.back() == '/') url.pop_back();
    values["{APP_URL}"] = url;
    auto data = r.toInternalJson();
    for (auto& [k, v] : data.asObject()) {
        if (k == "password" || k == "tokenKey") continue;
        values["{RECORD:" + k + "}"] = v.isString() ? v.asString() : (v.isNull() ? std::string() : v.dump());
    }
    const auto& tpl = templateOf(r.collection(), kind);
    Message m;
    m.from = Address{meta["senderName"].getString(), meta["senderAddress"].getString()};
    m.to.push_back(Address{"", to});
    m.subject = renderTemplate(tpl["subject"].getString(), values, false);
    m.html = renderTemplate(tpl["body"].getString(), values, true);
    return m;
}

void queueRecordMail(App& app, const records::RecordPtr& r, RecordMail kind, const std::string& to,
                     const std::map<std::string, std::string>& extra, json::Value meta) {
    Message msg = buildRecordMail(app, *r, kind, to, extra);
    Mailer& m = app.mailer();
    m.enqueue([&app, &m, r, kind, msg = std::move(msg), meta = std::move(meta)]() mutable {
        dispatch(app, m, r, kind, std::move(msg), std::move(meta));
    });
}

void sendRecordMail(App& app, const records::RecordPtr& r, RecordMail kind, const std::string& to,
                    const std::map<std::string, std::string>& extra, json::Value meta) {
    dispatch(app, app.mailer(), r, kind, buildRecordMail(app, *r, kind, to, extra), std::move(meta));
}

}  // namespace pb::mail
