#pragma once
// The auth emails of auth collections, rendered from the collection's templates
// (verificationTemplate, resetPasswordTemplate, confirmEmailChangeTemplate, otp.emailTemplate,
// authAlert.emailTemplate) with {APP_NAME} {APP_URL} {TOKEN} {OTP} {OTP_ID} {ALERT_INFO}
// {RECORD:field} placeholders. App-level glue between the auth collections, the hooks and the
// mailer (core/mail knows neither).
#include <map>
#include <string>

#include "mail/message.hpp"
#include "records/record.hpp"
#include "util/json.hpp"

namespace pb {
class App;
}

namespace pb::mail {

enum class RecordMail { Verification, PasswordReset, EmailChange, Otp, AuthAlert };

// Parses "verification" | "password-reset" | "email-change" | "otp" | "login-alert".
bool recordMailFromName(const std::string& name, RecordMail& out);

Message buildRecordMail(App& app, const records::Record& r, RecordMail kind, const std::string& to,
                        const std::map<std::string, std::string>& extra);

// Queues the mail: on the mailer thread the kind's hook (onMailerRecord*Send) fires, then
// onMailerSend and the delivery. Never blocks.
void queueRecordMail(App& app, const records::RecordPtr& r, RecordMail kind, const std::string& to,
                     const std::map<std::string, std::string>& extra, json::Value meta = json::Value::object());
// Same, in the calling thread; throws on delivery failure (settings test email).
void sendRecordMail(App& app, const records::RecordPtr& r, RecordMail kind, const std::string& to,
                    const std::map<std::string, std::string>& extra, json::Value meta = json::Value::object());

}  // namespace pb::mail
