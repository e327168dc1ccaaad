// Email flows of auth collections: request/confirm verification, password reset, email change.
// Request endpoints answer 204 whether or not the email exists; mails are queued on the mailer
// thread; resends are throttled to one per 2 minutes per record (in memory).
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "api/auth_flows.hpp"
#include "api/middlewares.hpp"
#include "api/request_events.hpp"
#include "app/record_mails.hpp"
#include "auth/jwt.hpp"
#include "records/validator.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::api {

using records::RecordPtr;

namespace {

constexpr int64_t kResendWindowMs = 2 * 60 * 1000;
const char* kValidationMsg = "An error occurred while validating the submitted data.";

// In-memory resend throttle: key -> expiry (ms).
struct Throttle {
    std::mutex mu;
    std::map<std::string, int64_t> until;

    bool has(const std::string& key) {
        std::lock_guard lk(mu);
        auto now = timeutil::nowMillis();
        for (auto it = until.begin(); it != until.end();) it = it->second <= now ? until.erase(it) : std::next(it);
        return until.count(key) > 0;
    }
    void set(const std::string& key) {
        std::lock_guard lk(mu);
        until[key] = timeutil::nowMillis() + kResendWindowMs;
    }
    void remove(const std::string& key) {
        std::lock_guard lk(mu);
        until.erase(key);
    }
};

std::string resendKey(const char* kind, const records::Record& r) {
    return std::string(kind) + "_" + r.collection().id + "_" + r.id();
}

// Validates `{email}` of the request endpoints (400 only for a malformed email).
std::string requestEmail(RequestEvent& e) {
    std::string email = e.body()["email"].getString();
    ValidationErrors errs;
    if (email.empty()) errs.add("email", "validation_required", "Cannot be blank.");
    else if (email.size() > 255 || !records::isValidEmail(email))
        errs.add("email", "validation_is_email", "Must be a valid email address.");
    errs.throwIfAny(kValidationMsg);
    return email;
}

// Verifies a token of `type` for collection `c`; adds a `token` field error when invalid.
RecordPtr checkToken(App& app, const schema::CollectionPtr& c, const std::string& token, const std::string& type,
                     const char* requiredClaim, ValidationErrors& errs, json::Value& claims) {
    if (token.empty()) {
        errs.add("token", "validation_required", "Cannot be blank.");
        return nullptr;
    }
    auto parsed = auth::parseUnverified(token);
    if (parsed && parsed->isObject()) claims = *parsed;
    if (!claims.isObject() || claims[requiredClaim].getString().empty()) {
        errs.add("token", "validation_invalid_token_claims", std::string("Missing ") + requiredClaim + " token claim.");
        return nullptr;
    }
    auto r = app.findRecordByToken(token, type);
    if (!r) {
        errs.add("token", "validation_invalid_token", "Invalid or expired token.");
        return nullptr;
    }
    if (r->collection().id != c->id) {
        errs.add("token", "validation_token_collection_mismatch", "The provided token is for different auth collection.");
        return nullptr;
    }
    return r;
}

void rejectSuperusers(const schema::CollectionPtr& c, const char* msg) {
    if (c->name == "_superusers") throw badRequest(msg);
}

void requestVerification(RequestEvent& e, Throttle& throttle) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    rejectSuperusers(c, "All superusers are verified by default.");
    auto email = requestEmail(e);
    auto r = app.findAuthRecordByEmail(c, email);
    if (!r || r->verified()) return e.noContent(204);
    auto key = resendKey("verification", *r);
    if (throttle.has(key)) return e.noContent(204);
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordRequestVerificationRequest.trigger(ev, [&](RecordRequestEvent& x) {
        if (!x.record->verified()) {
            auto token = app.newToken(*x.record, "verification", 0, json::Value(json::Object{{"email", x.record->email()}}));
            mail::queueRecordMail(app, x.record, mail::RecordMail::Verification, x.record->email(), {{"{TOKEN}", token}},
                                  json::Value(json::Object{{"token", token}}));
            throttle.set(key);
        }
        e.noContent(204);
    });
}

void confirmVerification(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    rejectSuperusers(c, "All superusers are verified by default.");
    ValidationErrors errs;
    json::Value claims;
    auto r = checkToken(app, c, e.body()["token"].getString(), "verification", "email", errs, claims);
    if (r && r->email() != claims["email"].getString())
        errs.add("token", "validation_token_email_mismatch", "The record email doesn't match with the requested token claims.");
    errs.throwIfAny(kValidationMsg);
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordConfirmVerificationRequest.trigger(ev, [&](RecordRequestEvent& x) {
        if (!x.record->verified()) {
            x.record->set("verified", true);
            if (!c->options["passwordAuth"]["enabled"].getBool()) x.record->setPassword(random::string(30));
            try {
                app.save(*x.record);
            } catch (const ApiError&) {
                throw badRequest("An error occurred while saving the verified state.");
            }
        }
        e.noContent(204);
    });
}

void requestPasswordReset(RequestEvent& e, Throttle& throttle) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    if (!c->options["passwordAuth"]["enabled"].getBool())
        throw badRequest("The collection is not configured to allow password authentication.");
    auto email = requestEmail(e);
    auto r = app.findAuthRecordByEmail(c, email);
    if (!r) return e.noContent(204);
    auto key = resendKey("passwordReset", *r);
    if (throttle.has(key)) return e.noContent(204);
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordRequestPasswordResetRequest.trigger(ev, [&](RecordRequestEvent& x) {
        auto token = app.newToken(*x.record, "passwordReset", 0, json::Value(json::Object{{"email", x.record->email()}}));
        mail::queueRecordMail(app, x.record, mail::RecordMail::PasswordReset, x.record->email(), {{"{TOKEN}", token}},
                              json::Value(json::Object{{"token", token}}));
        throttle.set(key);
        e.noContent(204);
    });
}

void confirmPasswordReset(RequestEvent& e, Throttle& throttle) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    const auto& body = e.body();
    std::string password = body["password"].getString(), confirm = body["passwordConfirm"].getString();
    ValidationErrors errs;
    json::Value claims;
    auto r = checkToken(app, c, body["token"].getString(), "passwordReset", "email", errs, claims);
    // The form checks only presence and a length in [field min or 1, 255] (as PocketBase); the
    // password field's own rules (max 71 bytes, pattern) run when the record is saved.
    const auto* passField = c->field("password");
    const int minLen = std::max(1, passField ? static_cast<int>(passField->opts["min"].getNumber()) : 1);
    const size_t runes = str::runeCount(password);
    if (password.empty()) errs.add("password", "validation_required", "Cannot be blank.");
    else if (runes < static_cast<size_t>(minLen) || runes > 255)
        errs.add("password", fieldError("validation_length_out_of_range",
                                        "The length must be between " + std::to_string(minLen) + " and 255.",
                                        json::Value(json::Object{{"min", minLen}, {"max", 255}})));
    if (confirm.empty()) errs.add("passwordConfirm", "validation_required", "Cannot be blank.");
    else if (confirm != password) errs.add("passwordConfirm", "validation_values_mismatch", "Values don't match.");
    errs.throwIfAny(kValidationMsg);
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordConfirmPasswordResetRequest.trigger(ev, [&](RecordRequestEvent& x) {
        if (passField)
            if (auto err = records::validatePlainPassword(*passField, password))
                throw badRequest("Failed to set new password.", json::Value(json::Object{{"password", *err}}));
        x.record->setPassword(password);  // rotates tokenKey: old auth and reset tokens die
        if (!x.record->verified() && x.record->email() == claims["email"].getString()) x.record->set("verified", true);
        try {
            app.save(*x.record);
        } catch (const ApiError&) {
            throw badRequest("Failed to set new password.");
        }
        throttle.remove(resendKey("passwordReset", *x.record));
        e.noContent(204);
    });
}

void requestEmailChange(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    if (!e.auth) throw unauthorized("The request requires valid record authorization token.");
    if (e.auth->collection().id != c->id) throw forbidden("The request requires valid record authorization token.");
    rejectSuperusers(c, "Superusers can change their email directly.");
    auto r = app.findRecordById(c, e.auth->id());
    if (!r) throw notFound("Missing auth record context.");
    std::string newEmail = e.body()["newEmail"].getString();
    ValidationErrors errs;
    if (newEmail.empty()) errs.add("newEmail", "validation_required", "Cannot be blank.");
    else if (newEmail.size() > 255 || !records::isValidEmail(newEmail))
        errs.add("newEmail", "validation_is_email", "Must be a valid email address.");
    else if (str::iequals(newEmail, r->email()))
        errs.add("newEmail", "validation_not_in_invalid", "Must be a valid value.");
    else if (app.findAuthRecordByEmail(c, newEmail))
        errs.add("newEmail", "validation_invalid_new_email", "Invalid new email address.");
    errs.throwIfAny(kValidationMsg);
    auto ev = recordRequestEvent<RecordEmailChangeRequestEvent>(e, c, r);
    ev.newEmail = newEmail;
    app.hooks().onRecordRequestEmailChangeRequest.trigger(ev, [&](RecordEmailChangeRequestEvent& x) {
        auto token = app.newToken(*x.record, "emailChange", 0,
                                  json::Value(json::Object{{"email", x.record->email()}, {"newEmail", x.newEmail}}));
        mail::queueRecordMail(app, x.record, mail::RecordMail::EmailChange, x.newEmail, {{"{TOKEN}", token}},
                              json::Value(json::Object{{"token", token}, {"newEmail", x.newEmail}}));
        e.noContent(204);
    });
}

void confirmEmailChange(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    rejectSuperusers(c, "Superusers can change their email directly.");
    const auto& body = e.body();
    ValidationErrors errs;
    json::Value claims;
    auto r = checkToken(app, c, body["token"].getString(), "emailChange", "newEmail", errs, claims);
    std::string newEmail = claims["newEmail"].getString();
    if (r && app.findAuthRecordByEmail(c, newEmail))
        errs.add("token", "validation_existing_token_email", "The new email address is already registered: " + newEmail + ".");
    std::string password = body["password"].getString();
    if (password.empty()) errs.add("password", "validation_required", "Cannot be blank.");
    else if (r && !r->validatePassword(password))
        errs.add("password", "validation_invalid_password", "Missing or invalid auth record password.");
    errs.throwIfAny(kValidationMsg);
    auto ev = recordRequestEvent<RecordEmailChangeRequestEvent>(e, c, r);
    ev.newEmail = newEmail;
    app.hooks().onRecordConfirmEmailChangeRequest.trigger(ev, [&](RecordEmailChangeRequestEvent& x) {
        x.record->set("email", x.newEmail);  // the save rotates tokenKey
        x.record->set("verified", true);
        try {
            app.save(*x.record);
        } catch (const ApiError&) {
            throw badRequest("Failed to confirm email change.");
        }
        e.noContent(204);
    });
}

}  // namespace

void registerRecordAuthEmailRoutes(App& app) {
    auto throttle = std::make_shared<Throttle>();
    auto& g = app.router().group("/api/collections/{collection}");
    g.post("/request-verification", [throttle](RequestEvent& e) { requestVerification(e, *throttle); });
    g.post("/confirm-verification", confirmVerification);
    g.post("/request-password-reset", [throttle](RequestEvent& e) { requestPasswordReset(e, *throttle); });
    g.post("/confirm-password-reset", [throttle](RequestEvent& e) { confirmPasswordReset(e, *throttle); });
    g.post("/request-email-change", requestEmailChange);
    g.post("/confirm-email-change", confirmEmailChange);
}

}  // namespace pb::api
