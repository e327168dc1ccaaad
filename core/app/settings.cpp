#include "app/settings.hpp"

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

json::Value Settings::update(const json::Value& patch) {
    if (!patch.isObject()) throw badRequest("Invalid settings data.");
    json::Value next = get();
    json::Value p = patch;
    // Blank secrets in a patch mean "keep the current value".
    if (auto* smtp = p.find("smtp"))
        if (smtp->isObject() && (*smtp)["password"].getString().empty()) smtp->erase("password");
    deepMerge(next, p);
    ValidationErrors errs;
    auto& batch = next["batch"];
    if (batch["maxRequests"].getNumber() < 0) errs.addNested("batch", json::Value(json::Object{{"maxRequests", fieldError("validation_min_greater_equal_than_required", "Must be no less than 0.")}}));
    auto& meta = next["meta"];
    if (str::trim(meta["appName"].getString()).empty())
        errs.addNested("meta", json::Value(json::Object{{"appName", fieldError("validation_required", "Cannot be blank.")}}));
    if (next["logs"]["maxDays"].getNumber() < 0)
        errs.addNested("logs", json::Value(json::Object{{"maxDays", fieldError("validation_min_greater_equal_than_required", "Must be no less than 0.")}}));
    errs.throwIfAny("An error occurred while submitting the form.");
    persist(next);
    {
        std::lock_guard lk(mu_);
        current_ = next;
    }
    return toApiJson();
}

}  // namespace pb
