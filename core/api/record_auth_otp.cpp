// One-time passwords: request-otp and auth-with-otp (the _otps collection), plus the hourly
// cleanup jobs of expired OTPs and MFA sessions.
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "api/auth_flows.hpp"
#include "api/request_events.hpp"
#include "auth/password.hpp"
#include "cron/cron.hpp"
#include "app/record_mails.hpp"
#include "records/validator.hpp"
#include "util/random.hpp"
#include "util/time.hpp"

namespace pb::api {

using records::RecordPtr;

namespace {

constexpr int kOtpBcryptCost = 8;
constexpr size_t kMaxAttempts = 5;
constexpr int64_t kAttemptWindowMs = 180 * 1000;
constexpr size_t kMaxRecentOtps = 9;
const char* kInvalidOtp = "Invalid or expired OTP";

// Failed auth-with-otp attempts per record (in memory).
struct Attempts {
    std::mutex mu;
    std::map<std::string, std::deque<int64_t>> failures;

    size_t recent(const std::string& key) {
        std::lock_guard lk(mu);
        auto now = timeutil::nowMillis();
        for (auto it = failures.begin(); it != failures.end();) {
            auto& q = it->second;
            while (!q.empty() && q.front() + kAttemptWindowMs <= now) q.pop_front();
            it = q.empty() ? failures.erase(it) : std::next(it);
        }
        auto it = failures.find(key);
        return it == failures.end() ? 0 : it->second.size();
    }
    void fail(const std::string& key) {
        std::lock_guard lk(mu);
        failures[key].push_back(timeutil::nowMillis());
    }
    void clear(const std::string& key) {
        std::lock_guard lk(mu);
        failures.erase(key);
    }
};

bool otpExpired(const records::Record& otp, double durationSeconds) {
    auto created = timeutil::parse(otp.getString("created"));
    return !created || *created + static_cast<int64_t>(durationSeconds * 1000) < timeutil::nowMillis();
}

void requireOtpEnabled(const schema::CollectionPtr& c) {
    if (!c->options["otp"]["enabled"].getBool())
        throw forbidden("The collection is not configured to allow OTP authentication.");
}

void requestOtp(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    requireOtpEnabled(c);
    std::string email = e.body()["email"].getString();
    ValidationErrors errs;
    if (email.empty()) errs.add("email", "validation_required", "Cannot be blank.");
    else if (email.size() > 255 || !records::isValidEmail(email))
        errs.add("email", "validation_is_email", "Must be a valid email address.");
    errs.throwIfAny("An error occurred while validating the submitted data.");
    auto otps = app.findCollection("_otps");
    if (!otps) throw internalError("Missing _otps collection.");
    const auto& opt = c->options["otp"];
    int length = static_cast<int>(opt["length"].getNumber(8));
    if (length < 4 || length > 64) length = 8;

    auto ev = recordRequestEvent<RecordCreateOTPRequestEvent>(e, c, app.findAuthRecordByEmail(c, email));
    ev.password = random::string(static_cast<size_t>(length), "0123456789");
    app.hooks().onRecordRequestOTPRequest.trigger(ev, [&](RecordCreateOTPRequestEvent& x) {
        if (!x.record) {
            // Same shape and cost as a real answer (which hashes the code at kOtpBcryptCost):
            // emails can't be enumerated, by content or by timing.
            (void)auth::hashPassword(x.password, kOtpBcryptCost);
            e.json(200, json::Value(json::Object{{"otpId", random::recordId()}}));
            return;
        }
        // Too many live OTPs for the record: reuse the newest (with the new code).
        RecordPtr otp;
        auto rows = app.db().query("SELECT * FROM `_otps` WHERE `collectionRef`=? AND `recordRef`=? ORDER BY `created` DESC",
                                   {c->id, x.record->id()});
        size_t live = 0;
        for (auto& row : rows) {
            auto o = app.recordFromRow(otps, row);
            if (!otpExpired(*o, opt["duration"].getNumber(180))) ++live;
        }
        if (live > kMaxRecentOtps && !rows.empty()) otp = app.recordFromRow(otps, rows.front());
        if (!otp) {
            otp = std::make_shared<records::Record>(otps);
            otp->set("collectionRef", c->id);
            otp->set("recordRef", x.record->id());
        }
        otp->setRaw("password", auth::hashPassword(x.password, kOtpBcryptCost));
        otp->set("sentTo", x.record->email());
        app.save(*otp);
        mail::queueRecordMail(app, x.record, mail::RecordMail::Otp, x.record->email(),
                              {{"{OTP}", x.password}, {"{OTP_ID}", otp->id()}},
                              json::Value(json::Object{{"otpId", otp->id()}, {"password", x.password}}));
        e.json(200, json::Value(json::Object{{"otpId", otp->id()}}));
    });
}

void authWithOtp(RequestEvent& e, Attempts& attempts) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    requireOtpEnabled(c);
    const auto& body = e.body();
    std::string otpId = body["otpId"].getString(), password = body["password"].getString();
    ValidationErrors errs;
    if (otpId.empty()) errs.add("otpId", "validation_required", "Cannot be blank.");
    else if (otpId.size() > 255) errs.add("otpId", "validation_length_out_of_range", "The length must be between 1 and 255.");
    if (password.empty()) errs.add("password", "validation_required", "Cannot be blank.");
    else if (password.size() > 71) errs.add("password", "validation_length_out_of_range", "The length must be between 1 and 71.");
    errs.throwIfAny("An error occurred while validating the submitted data.");
    e.context = "otp";
    auto otps = app.findCollection("_otps");
    auto otp = otps ? app.findRecordById(otps, otpId) : nullptr;
    if (!otp || otp->getString("collectionRef") != c->id) throw badRequest(kInvalidOtp);
    std::string key = c->id + "_" + otp->getString("recordRef");
    if (attempts.recent(key) >= kMaxAttempts) throw tooManyRequests("Too many attempts, please try again later.");
    if (otpExpired(*otp, c->options["otp"]["duration"].getNumber(180))) throw badRequest(kInvalidOtp);
    auto record = app.findRecordById(c, otp->getString("recordRef"));
    if (!record) throw badRequest(kInvalidOtp);
    if (!auth::verifyPassword(password, otp->getString("password"))) {
        attempts.fail(key);
        throw badRequest(kInvalidOtp);
    }
    attempts.clear(key);
    auto ev = recordRequestEvent<RecordAuthWithOTPRequestEvent>(e, c, record);
    ev.otp = otp;
    app.hooks().onRecordAuthWithOTPRequest.trigger(ev, [&](RecordAuthWithOTPRequestEvent& x) {
        std::string sentTo = x.otp->getString("sentTo");
        if (!x.record->verified() && !sentTo.empty() && x.record->email() == sentTo) {
            x.record->set("verified", true);
            // Whoever set the password before the email was proven may not keep it.
            if (!c->options["mfa"]["enabled"].getBool()) x.record->setPassword(random::string(30));
            app.save(*x.record);
        }
        recordAuthResponse(e, c, x.record, "otp");
        try {
            app.deleteRecord(*x.otp);
        } catch (const std::exception& ex) {
            app.logError(std::string("otp delete: ") + ex.what());
        }
    });
}

// Deletes rows of a system collection older than each auth collection's duration option.
void cleanup(App& app, const char* table, const char* option) {
    try {
        for (auto& c : app.collections().all()) {
            if (!c->isAuth()) continue;
            double d = c->options[option]["duration"].getNumber(option[0] == 'o' ? 180 : 600);
            auto cutoff = timeutil::formatMillis(timeutil::nowMillis() - static_cast<int64_t>(d * 1000));
            app.db().exec(std::string("DELETE FROM `") + table + "` WHERE `collectionRef`=? AND `created`<?", {c->id, cutoff});
        }
    } catch (const std::exception& ex) {
        app.logError(std::string(table) + " cleanup: " + ex.what());
    }
}

}  // namespace

void registerRecordAuthOtpRoutes(App& app) {
    auto attempts = std::make_shared<Attempts>();
    auto& g = app.router().group("/api/collections/{collection}");
    g.post("/request-otp", requestOtp);
    g.post("/auth-with-otp", [attempts](RequestEvent& e) { authWithOtp(e, *attempts); });
    App* a = &app;
    app.cron().add("__pbOTPCleanup__", "0 * * * *", [a] { cleanup(*a, "_otps", "otp"); });
    app.cron().add("__pbMFACleanup__", "0 * * * *", [a] { cleanup(*a, "_mfas", "mfa"); });
}

}  // namespace pb::api
