// POST /api/settings/test/email.
#include "api/auth_flows.hpp"
#include "api/middlewares.hpp"
#include "app/record_mails.hpp"
#include "records/validator.hpp"
#include "util/random.hpp"

namespace pb::api {

namespace {

void testEmail(RequestEvent& e) {
    App& app = e.app;
    const auto& body = e.body();
    std::string email = body["email"].getString(), tpl = body["template"].getString();
    std::string collection = body["collection"].getString();
    if (collection.empty()) collection = "_superusers";
    ValidationErrors errs;
    if (email.empty()) errs.add("email", "validation_required", "Cannot be blank.");
    else if (!records::isValidEmail(email)) errs.add("email", "validation_is_email", "Must be a valid email address.");
    mail::RecordMail kind{};
    if (tpl.empty()) errs.add("template", "validation_required", "Cannot be blank.");
    else if (!mail::recordMailFromName(tpl, kind)) errs.add("template", "validation_in_invalid", "Must be a valid value.");
    auto c = app.findCollection(collection);
    if (!c || !c->isAuth()) errs.add("collection", "validation_invalid_collection", "Missing or invalid auth collection.");
    errs.throwIfAny("Failed to send the test email.");  // PocketBase's message, with the field errors

    // A throwaway record carrying the target email (never saved).
    auto r = std::make_shared<records::Record>(c);
    r->setId(random::recordId());
    r->set("email", email);
    r->refreshTokenKey();
    std::map<std::string, std::string> extra;
    json::Value meta = json::Value::object();
    if (kind == mail::RecordMail::Otp) {
        extra = {{"{OTP}", random::string(static_cast<size_t>(c->options["otp"]["length"].getNumber(8)), "0123456789")},
                 {"{OTP_ID}", random::recordId()}};
    } else if (kind == mail::RecordMail::AuthAlert) {
        extra = {{"{ALERT_INFO}", e.request.remoteIp}};
    } else {
        const char* type = kind == mail::RecordMail::Verification    ? "verification"
                           : kind == mail::RecordMail::PasswordReset ? "passwordReset"
                                                                     : "emailChange";
        json::Value claims(json::Object{{"email", email}});
        if (kind == mail::RecordMail::EmailChange) claims.set("newEmail", email);
        auto token = app.newToken(*r, type, 0, claims);
        extra = {{"{TOKEN}", token}};
        meta.set("token", token);
    }
    try {
        mail::sendRecordMail(app, r, kind, email, extra, meta);
    } catch (const ApiError&) {
        throw;
    } catch (const std::exception& ex) {
        app.logError(std::string("test email: ") + ex.what());
        throw badRequest("Failed to send the test email.");
    }
    e.noContent(204);
}

}  // namespace

void registerMailRoutes(App& app) {
    auto& g = app.router().group("/api/settings");
    g.post("/test/email", testEmail, {requireSuperuserAuth()});
}

}  // namespace pb::api
