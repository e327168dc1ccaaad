#include "app/settings.hpp"

#include <algorithm>

#include "cron/schedule.hpp"
#include "util/api_error.hpp"
#include "util/strings.hpp"

namespace pb {

json::Value Settings::defaults() {
    auto rule = [](const char* label, double max, double dur) {
        return json::Value(json::Object{{"label", label}, {"audience", ""}, {"duration", dur}, {"maxRequests", max}});
    };
    json::Value s = json::Value::object();
    s.set("smtp", json::Value(json::Object{{"enabled", false}, {"port", 587.0}, {"host", "smtp.example.com"},
                                           {"username", ""}, {"password", ""}, {"authMethod", ""}, {"tls", false},
                                           {"localName", ""}}));
    s.set("backups", json::Value(json::Object{{"cron", ""}, {"cronMaxKeep", 3.0}, {"s3", json::Value::object()}}));
    s.set("s3", json::Value(json::Object{{"enabled", false}, {"bucket", ""}, {"region", ""}, {"endpoint", ""},
                                         {"accessKey", ""}, {"secret", ""}, {"forcePathStyle", false}}));
    s.set("meta", json::Value(json::Object{{"appName", "Acme"}, {"appURL", "http://localhost:8090"},
                                           {"senderName", "Support"}, {"senderAddress", "support@example.com"},
                                           {"hideControls", false}}));
    json::Value rules = json::Value::array();
    rules.push(rule("*:auth", 2, 3));
    rules.push(rule("*:create", 20, 5));
    rules.push(rule("/api/batch", 3, 1));
    rules.push(rule("/api/", 300, 10));
    s.set("rateLimits", json::Value(json::Object{{"rules", rules}, {"enabled", false}}));
    s.set("trustedProxy", json::Value(json::Object{{"headers", json::Value::array()}, {"useLeftmostIP", false}}));
    s.set("batch", json::Value(json::Object{{"enabled", false}, {"maxRequests", 50.0}, {"timeout", 3.0}, {"maxBodySize", 0.0}}));
    s.set("logs", json::Value(json::Object{{"maxDays", 5.0}, {"minLevel", 0.0}, {"logIP", true}, {"logAuthId", false}}));
    s.set("superuserIPs", json::Value::array());
    return s;
}

static void deepMerge(json::Value& dst, const json::Value& src) {
    if (!dst.isObject() || !src.isObject()) {
        dst = src;
        return;
    }
    for (auto& [k, v] : src.asObject()) {
        auto* cur = dst.find(k);
        if (cur && cur->isObject() && v.isObject()) deepMerge(*cur, v);
        else dst.set(k, v);
    }
}

void Settings::load() {
    db_.execScript(
        "CREATE TABLE IF NOT EXISTS `_params` (`id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,"
        " `value` JSON DEFAULT NULL, `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL,"
        " `updated` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL)");
    auto rows = db_.query("SELECT value FROM _params WHERE id='settings'");
    json::Value v = defaults();
    if (!rows.empty()) {
        if (auto parsed = json::parse(rows[0].at(0).getString())) deepMerge(v, *parsed);
    } else {
        persist(v);
    }
    std::lock_guard lk(mu_);
    current_ = std::move(v);
}

void Settings::persist(const json::Value& v) {
    db_.exec(
        "INSERT INTO _params (id, value) VALUES ('settings', ?) ON CONFLICT(id) DO UPDATE SET value=excluded.value,"
        " updated=strftime('%Y-%m-%d %H:%M:%fZ')",
        {v.dump()});
}

json::Value Settings::get() const {
    std::lock_guard lk(mu_);
    return current_;
}

json::Value Settings::section(const std::string& key) const {
    std::lock_guard lk(mu_);
    return current_[key];
}

bool Settings::batchEnabled() const { return section("batch")["enabled"].getBool(); }

json::Value Settings::toApiJson() const {
    json::Value v = get();
    if (auto* smtp = v.find("smtp")) smtp->set("password", "");
    if (auto* s3 = v.find("s3")) s3->erase("secret");
    if (auto* b = v.find("backups"))
        if (auto* s3 = b->find("s3")) s3->erase("secret");
    return v;
}

namespace {

json::Value err(const char* code, const std::string& msg) { return fieldError(code, msg); }

// Validates the sections the API exposes (PocketBase's settings validation, abridged).
void validateSettings(json::Value& next, ValidationErrors& errs) {
    for (const char* key : {"meta", "smtp", "s3", "backups", "batch", "rateLimits", "trustedProxy", "logs"}) {
        if (!next[key].isObject()) {
            errs.add(key, "validation_invalid_value", "Must be an object.");
            next.set(key, Settings::defaults()[key]);
        }
    }
    auto num = [](const json::Value& v) { return v.isNumber() ? v.asNumber() : v.isNull() ? 0.0 : -1.0; };
    json::Value meta = json::Value::object();
    const auto& m = next["meta"];
    if (str::trim(m["appName"].getString()).empty()) meta.set("appName", err("validation_required", "Cannot be blank."));
    else if (m["appName"].getString().size() > 255)
        meta.set("appName", err("validation_length_out_of_range", "The length must be between 1 and 255."));
    auto url = m["appURL"].getString();
    if (str::trim(url).empty()) meta.set("appURL", err("validation_required", "Cannot be blank."));
    else if (!str::startsWith(url, "http://") && !str::startsWith(url, "https://"))
        meta.set("appURL", err("validation_is_url", "Must be a valid URL."));
    if (str::trim(m["senderName"].getString()).empty()) meta.set("senderName", err("validation_required", "Cannot be blank."));
    auto addr = m["senderAddress"].getString();
    if (addr.empty()) meta.set("senderAddress", err("validation_required", "Cannot be blank."));
    else if (addr.find('@') == std::string::npos || addr.find(' ') != std::string::npos)
        meta.set("senderAddress", err("validation_is_email", "Must be a valid email address."));
    if (meta.size() > 0) errs.addNested("meta", meta);

    json::Value batch = json::Value::object();
    const auto& b = next["batch"];
    const bool enabled = b["enabled"].getBool();
    if (num(b["maxRequests"]) < 0) batch.set("maxRequests", err("validation_min_greater_equal_than_required", "Must be no less than 0."));
    else if (enabled && num(b["maxRequests"]) == 0) batch.set("maxRequests", err("validation_required", "Cannot be blank."));
    if (num(b["timeout"]) < 0) batch.set("timeout", err("validation_min_greater_equal_than_required", "Must be no less than 0."));
    else if (enabled && num(b["timeout"]) == 0) batch.set("timeout", err("validation_required", "Cannot be blank."));
    if (num(b["maxBodySize"]) < 0) batch.set("maxBodySize", err("validation_min_greater_equal_than_required", "Must be no less than 0."));
    if (batch.size() > 0) errs.addNested("batch", batch);

    json::Value logs = json::Value::object();
    const auto& l = next["logs"];
    if (num(l["maxDays"]) < 0) logs.set("maxDays", err("validation_min_greater_equal_than_required", "Must be no less than 0."));
    if (!l["minLevel"].isNumber()) logs.set("minLevel", err("validation_invalid_value", "Must be a number."));
    if (logs.size() > 0) errs.addNested("logs", logs);

    // backups: {cron, cronMaxKeep, s3}. Backups are stored locally only (no S3 yet).
    json::Value bk = json::Value::object();
    const auto& bs = next["backups"];
    const auto& cronV = bs["cron"];
    const std::string cronExpr = cronV.getString();
    if (!cronV.isNull() && !cronV.isString()) {
        bk.set("cron", err("validation_invalid_value", "Must be a string."));
    } else if (!cronExpr.empty()) {
        std::string why;
        if (!cron::Schedule::tryParse(cronExpr, &why)) bk.set("cron", err("validation_invalid_cron", why));
    }
    const auto& keep = bs["cronMaxKeep"];
    if (!keep.isNull() && (!keep.isNumber() || keep.asNumber() != static_cast<double>(static_cast<int64_t>(keep.asNumber()))))
        bk.set("cronMaxKeep", err("validation_invalid_value", "Must be an integer."));
    else if (!cronExpr.empty() && num(keep) == 0)
        bk.set("cronMaxKeep", err("validation_required", "Cannot be blank."));
    else if (num(keep) < 0)
        bk.set("cronMaxKeep", err("validation_min_greater_equal_than_required", "Must be no less than 1."));
    if (!bs["s3"].isNull() && !bs["s3"].isObject()) {
        bk.set("s3", err("validation_invalid_value", "Must be an object."));
    } else if (bs["s3"]["enabled"].getBool()) {
        bk.set("s3", json::Value(json::Object{{"enabled", err("validation_s3_not_supported",
                                                                "Storing backups on S3 is not supported; backups are stored in the local backups directory.")}}));
    }
    if (bk.size() > 0) errs.addNested("backups", bk);

    json::Value rl = json::Value::object();
    const auto& rules = next["rateLimits"]["rules"];
    if (!rules.isNull() && !rules.isArray()) {
        rl.set("rules", err("validation_invalid_value", "Must be an array."));
    } else if (rules.isArray()) {
        json::Value ruleErrs = json::Value::object();
        std::vector<std::string> seen;
        for (size_t i = 0; i < rules.size(); ++i) {
            const auto& r = rules.asArray()[i];
            json::Value e = json::Value::object();
            auto label = r["label"].getString();
            auto aud = r["audience"].getString();
            if (str::trim(label).empty()) e.set("label", err("validation_required", "Cannot be blank."));
            else if (std::find(seen.begin(), seen.end(), label + "|" + aud) != seen.end())
                e.set("label", err("validation_conflicting_rate_limit_rule", "Rate limit rule configuration with label " + label + " already exists or conflicts with another rule."));
            seen.push_back(label + "|" + aud);
            if (num(r["duration"]) < 1) e.set("duration", err("validation_min_greater_equal_than_required", "Must be no less than 1."));
            if (num(r["maxRequests"]) < 1) e.set("maxRequests", err("validation_min_greater_equal_than_required", "Must be no less than 1."));
            if (!aud.empty() && aud != "@guest" && aud != "@auth") e.set("audience", err("validation_in_invalid", "Must be a valid value."));
            if (e.size() > 0) ruleErrs.set(std::to_string(i), e);
        }
        if (ruleErrs.size() > 0) rl.set("rules", ruleErrs);
    }
    if (rl.size() > 0) errs.addNested("rateLimits", rl);
}

}  // namespace

json::Value Settings::update(const json::Value& patch) {
    if (!patch.isObject()) throw badRequest("Invalid settings data.");
    json::Value next = get();
    json::Value p = patch;
    // Blank secrets in a patch mean "keep the current value".
    if (auto* smtp = p.find("smtp"))
        if (smtp->isObject() && (*smtp)["password"].getString().empty()) smtp->erase("password");
    deepMerge(next, p);
    ValidationErrors errs;
    validateSettings(next, errs);
    errs.throwIfAny("An error occurred while submitting the form.");
    persist(next);
    {
        std::lock_guard lk(mu_);
        current_ = next;
    }
    return toApiJson();
}

}  // namespace pb
