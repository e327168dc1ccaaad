#include "app/settings.hpp"

#include <cmath>

namespace pb {

namespace {

constexpr const char* kLoadError = "An error occurred while loading the submitted data.";

json::Value s3Defaults() {
    return json::Value(json::Object{{"enabled", false}, {"bucket", ""}, {"region", ""}, {"endpoint", ""},
                                    {"accessKey", ""}, {"secret", ""}, {"forcePathStyle", false}});
}

// Go's zero value of a field whose default is `v` (arrays become empty).
json::Value zeroOf(const json::Value& v) {
    switch (v.type()) {
        case json::Value::Type::Bool: return json::Value(false);
        case json::Value::Type::Number: return json::Value(0.0);
        case json::Value::Type::String: return json::Value("");
        case json::Value::Type::Array: return json::Value::array();
        case json::Value::Type::Object: {
            json::Value out = json::Value::object();
            for (auto& [k, child] : v.asObject()) out.set(k, zeroOf(child));
            return out;
        }
        default: return json::Value();
    }
}

// The element shape of an array setting: the rule object for rateLimits.rules (its defaults are
// non-empty), a string for the IP and header lists.
json::Value elementShape(const json::Value& arr) {
    return arr.size() > 0 ? zeroOf(arr.asArray()[0]) : json::Value("");
}

bool sameLeafType(const json::Value& shape, const json::Value& v) {
    if (shape.isNumber()) return v.isNumber() && std::isfinite(v.asNumber()) && std::trunc(v.asNumber()) == v.asNumber();
    return v.type() == shape.type();
}

// Applies `src` onto `dst` (which already has the shape of `shape`), like Go's json.Unmarshal
// into the settings struct. Returns false on a type mismatch when `strict`; otherwise the
// mismatched value is skipped.
bool assign(const json::Value& shape, json::Value& dst, const json::Value& src, bool strict) {
    if (src.isNull()) {
        if (shape.isArray()) dst = json::Value::array();
        return true;
    }
    if (shape.isObject()) {
        if (!src.isObject()) return !strict;
        for (auto& [k, v] : src.asObject()) {
            const json::Value* childShape = shape.find(k);
            json::Value* child = dst.find(k);
            if (!childShape || !child) continue;  // unknown key: dropped
            if (!assign(*childShape, *child, v, strict)) return false;
        }
        return true;
    }
    if (shape.isArray()) {
        if (!src.isArray()) return !strict;
        const json::Value elem = elementShape(shape);
        json::Value out = json::Value::array();
        for (auto& item : src.asArray()) {
            json::Value e = zeroOf(elem);
            if (!assign(elem, e, item, strict)) return false;
            out.push(std::move(e));
        }
        dst = std::move(out);
        return true;
    }
    if (!sameLeafType(shape, src)) return !strict;
    dst = src;
    return true;
}

}  // namespace

json::Value Settings::defaults() {
    auto rule = [](const char* label, double max, double dur) {
        return json::Value(json::Object{{"label", label}, {"audience", ""}, {"duration", dur}, {"maxRequests", max}});
    };
    json::Value rules = json::Value::array();
    rules.push(rule("*:auth", 2, 3));
    rules.push(rule("*:create", 20, 5));
    rules.push(rule("/api/batch", 3, 1));
    rules.push(rule("/api/", 300, 10));
    // Top-level keys in PocketBase's struct order.
    json::Value s = json::Value::object();
    s.set("superuserIPs", json::Value::array());
    s.set("smtp", json::Value(json::Object{{"enabled", false}, {"port", 587.0}, {"host", "smtp.example.com"},
                                           {"username", ""}, {"password", ""}, {"authMethod", ""}, {"tls", false},
                                           {"localName", ""}}));
    s.set("backups", json::Value(json::Object{{"cron", ""}, {"cronMaxKeep", 3.0}, {"s3", s3Defaults()}}));
    s.set("s3", s3Defaults());
    s.set("meta", json::Value(json::Object{{"appName", "Acme"}, {"appURL", "http://localhost:8090"},
                                           {"senderName", "Support"}, {"senderAddress", "support@example.com"},
                                           {"accentColor", "#1055c9"}, {"hideControls", false}}));
    s.set("rateLimits", json::Value(json::Object{{"rules", rules}, {"enabled", false}, {"excludedIPs", json::Value::array()}}));
    s.set("trustedProxy", json::Value(json::Object{{"headers", json::Value::array()}, {"useLeftmostIP", false}}));
    s.set("batch", json::Value(json::Object{{"enabled", false}, {"maxRequests", 50.0}, {"timeout", 3.0}, {"maxBodySize", 0.0}}));
    s.set("logs", json::Value(json::Object{{"maxDays", 5.0}, {"minLevel", 0.0}, {"logIP", true}, {"logAuthId", false}}));
    return s;
}

void Settings::load() {
    db_.execScript(
        "CREATE TABLE IF NOT EXISTS `_params` (`id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,"
        " `value` JSON DEFAULT NULL, `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL,"
        " `updated` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL)");
    auto rows = db_.query("SELECT value FROM _params WHERE id='settings'");
    const json::Value shape = defaults();
    json::Value v = shape;
    if (!rows.empty()) {
        // Stored values are taken leniently: unknown keys and mistyped values are ignored.
        if (auto parsed = json::parse(rows[0].at(0).getString())) assign(shape, v, *parsed, false);
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

std::vector<std::string> Settings::superuserIPs() const {
    std::vector<std::string> out;
    const json::Value list = section("superuserIPs");
    if (list.isArray())
        for (auto& v : list.asArray()) out.push_back(v.getString());
    return out;
}

json::Value Settings::toApiJson() const {
    json::Value v = get();
    if (auto* smtp = v.find("smtp")) smtp->erase("password");  // PocketBase never returns the key
    if (auto* s3 = v.find("s3")) s3->erase("secret");
    if (auto* b = v.find("backups"))
        if (auto* s3 = b->find("s3")) s3->erase("secret");
    return v;
}

json::Value Settings::merged(const json::Value& patch) const {
    if (!patch.isObject()) throw badRequest(kLoadError);
    json::Value p = patch;
    // Blank secrets in a patch mean "keep the current value".
    if (auto* smtp = p.find("smtp"))
        if (const auto* pw = smtp->find("password"); pw && pw->isString() && pw->asString().empty()) smtp->erase("password");
    json::Value next = get();
    if (!assign(defaults(), next, p, true)) throw badRequest(kLoadError);
    return next;
}

json::Value Settings::update(const json::Value& patch) {
    json::Value next = merged(patch);
    ValidationErrors errs;
    validate(next, errs);
    errs.throwIfAny("An error occurred while saving the new settings.");
    persist(next);
    {
        std::lock_guard lk(mu_);
        current_ = next;
    }
    return toApiJson();
}

}  // namespace pb
