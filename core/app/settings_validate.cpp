// Settings::validate: PocketBase's Settings.PostValidate (core/settings_model.go), run on the
// merged settings, whose keys and JSON types Settings::merged already guarantees.
#include <algorithm>
#include <cctype>

#include "app/settings.hpp"
#include "cron/schedule.hpp"
#include "records/validator.hpp"
#include "util/ip.hpp"
#include "util/strings.hpp"

namespace pb {

namespace {

json::Value err(const char* code, const std::string& msg) { return fieldError(code, msg); }
json::Value required() { return err("validation_required", "Cannot be blank."); }
json::Value tooSmall(int min) {
    return err("validation_min_greater_equal_than_required", "Must be no less than " + std::to_string(min) + ".");
}

// Collects the errors of one section; added to the form errors only when non-empty.
class Section {
public:
    void set(const std::string& key, json::Value e) {
        if (!errs_.has(key)) errs_.set(key, std::move(e));
    }
    bool empty() const { return errs_.size() == 0; }
    const json::Value& data() const { return errs_; }
    void addTo(ValidationErrors& errs, const std::string& name) const {
        if (!empty()) errs.addNested(name, errs_);
    }

private:
    json::Value errs_ = json::Value::object();
};

bool isUrl(const std::string& s) {
    if (!str::startsWith(s, "http://") && !str::startsWith(s, "https://")) return false;
    auto host = s.substr(s.find("//") + 2);
    return !host.empty() && host[0] != '/' && s.find_first_of(" \t\r\n") == std::string::npos;
}

// ozzo's is.Host: an IP address or a DNS name (labels of [A-Za-z0-9_-], not starting with '-').
bool isHost(std::string_view s) {
    if (ip::isAddr(s)) return true;
    if (s.empty() || s.size() > 255) return false;
    if (s.back() == '.') s.remove_suffix(1);
    for (auto& label : str::split(s, '.')) {
        if (label.empty() || label.size() > 63 || label[0] == '-') return false;
        for (char c : label)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    }
    return true;
}

// validators.IPOrSubnet over a list: {"<index>": error} for the invalid entries.
json::Value ipListErrors(const json::Value& list) {
    json::Value out = json::Value::object();
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string& v = list.asArray()[i].getString();
        // PocketBase's code carries this typo.
        if (!v.empty() && !ip::isAddrOrPrefix(v))
            out.set(std::to_string(i), err("validation_invlaid_ip_or_subnet", "Invalid IP or CIDR subnet."));
    }
    return out;
}

void validateMeta(const json::Value& m, ValidationErrors& errs) {
    Section s;
    const std::string& name = m["appName"].getString();
    if (str::trim(name).empty()) s.set("appName", required());
    else if (name.size() > 255) s.set("appName", err("validation_length_out_of_range", "The length must be between 1 and 255."));
    const std::string& url = m["appURL"].getString();
    if (str::trim(url).empty()) s.set("appURL", required());
    else if (!isUrl(url)) s.set("appURL", err("validation_is_url", "Must be a valid URL."));
    const std::string& sender = m["senderName"].getString();
    if (str::trim(sender).empty()) s.set("senderName", required());
    else if (sender.size() > 255) s.set("senderName", err("validation_length_out_of_range", "The length must be between 1 and 255."));
    const std::string& addr = m["senderAddress"].getString();
    if (addr.empty()) s.set("senderAddress", required());
    else if (!records::isValidEmail(addr)) s.set("senderAddress", err("validation_is_email", "Must be a valid email address."));
    // PocketBase 0.40: an optional "#rrggbb"-sized value (length only, counted in runes).
    const std::string& accent = m["accentColor"].getString();
    if (!accent.empty() && str::runeCount(accent) != 7)
        s.set("accentColor", fieldError("validation_length_invalid", "The length must be exactly 7.",
                                        json::Value(json::Object{{"min", 7.0}, {"max", 7.0}})));
    s.addTo(errs, "meta");
}

void validateSmtp(const json::Value& c, ValidationErrors& errs) {
    Section s;
    const bool enabled = c["enabled"].getBool();
    const std::string& host = c["host"].getString();
    if (enabled && host.empty()) s.set("host", required());
    else if (!host.empty() && !isHost(host)) s.set("host", err("validation_is_host", "Must be a valid IP address or DNS name."));
    const double port = c["port"].getNumber();
    if (enabled && port == 0) s.set("port", required());
    else if (port < 0) s.set("port", tooSmall(0));
    const std::string& method = c["authMethod"].getString();
    if (!method.empty() && method != "PLAIN" && method != "LOGIN") s.set("authMethod", err("validation_in_invalid", "Must be a valid value."));
    const std::string& local = c["localName"].getString();
    if (!local.empty() && !isHost(local)) s.set("localName", err("validation_is_host", "Must be a valid IP address or DNS name."));
    s.addTo(errs, "smtp");
}

// S3Config.Validate (top-level s3 and backups.s3).
Section s3Errors(const json::Value& c) {
    Section s;
    const bool enabled = c["enabled"].getBool();
    const std::string& endpoint = c["endpoint"].getString();
    if (enabled && endpoint.empty()) s.set("endpoint", required());
    else if (!endpoint.empty() && !isUrl(endpoint)) s.set("endpoint", err("validation_is_url", "Must be a valid URL."));
    for (const char* key : {"bucket", "region", "accessKey", "secret"})
        if (enabled && c[key].getString().empty()) s.set(key, required());
    return s;
}

void validateBackups(const json::Value& b, ValidationErrors& errs) {
    Section s;
    Section s3 = s3Errors(b["s3"]);
    // Backups are written to the local backups directory only (no S3 client in this server).
    if (b["s3"]["enabled"].getBool())
        s3.set("enabled", err("validation_s3_not_supported",
                              "Storing backups on S3 is not supported; backups are stored in the local backups directory."));
    if (!s3.empty()) s.set("s3", s3.data());
    const std::string& cronExpr = b["cron"].getString();
    std::string why;
    if (!cronExpr.empty() && !cron::Schedule::tryParse(cronExpr, &why)) s.set("cron", err("validation_invalid_cron", why));
    const double keep = b["cronMaxKeep"].getNumber();
    if (!cronExpr.empty() && keep == 0) s.set("cronMaxKeep", required());
    else if (keep < 0) s.set("cronMaxKeep", tooSmall(1));
    s.addTo(errs, "backups");
}

void validateBatch(const json::Value& b, ValidationErrors& errs) {
    Section s;
    const bool enabled = b["enabled"].getBool();
    for (const char* key : {"maxRequests", "timeout"}) {
        const double v = b[key].getNumber();
        if (v < 0) s.set(key, tooSmall(0));
        else if (enabled && v == 0) s.set(key, required());
    }
    if (b["maxBodySize"].getNumber() < 0) s.set("maxBodySize", tooSmall(0));
    s.addTo(errs, "batch");
}

void validateRateLimits(const json::Value& rl, ValidationErrors& errs) {
    Section s;
    json::Value ruleErrs = json::Value::object();
    std::vector<std::string> seen;
    const auto& rules = rl["rules"];
    for (size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules.asArray()[i];
        Section e;
        const std::string& label = r["label"].getString();
        const std::string& aud = r["audience"].getString();
        if (str::trim(label).empty()) e.set("label", required());
        else if (std::find(seen.begin(), seen.end(), label + "|" + aud) != seen.end())
            e.set("label", err("validation_conflicting_rate_limit_rule",
                               "Rate limit rule configuration with label " + label + " already exists or conflicts with another rule."));
        seen.push_back(label + "|" + aud);
        if (r["duration"].getNumber() < 1) e.set("duration", tooSmall(1));
        if (r["maxRequests"].getNumber() < 1) e.set("maxRequests", tooSmall(1));
        if (!aud.empty() && aud != "@guest" && aud != "@auth") e.set("audience", err("validation_in_invalid", "Must be a valid value."));
        if (!e.empty()) ruleErrs.set(std::to_string(i), e.data());
    }
    if (ruleErrs.size() > 0) s.set("rules", ruleErrs);
    if (auto ips = ipListErrors(rl["excludedIPs"]); ips.size() > 0) s.set("excludedIPs", ips);
    s.addTo(errs, "rateLimits");
}

}  // namespace

void Settings::validate(const json::Value& next, ValidationErrors& errs) {
    validateMeta(next["meta"], errs);
    {
        Section logs;
        if (next["logs"]["maxDays"].getNumber() < 0) logs.set("maxDays", tooSmall(0));
        logs.addTo(errs, "logs");
    }
    validateSmtp(next["smtp"], errs);
    s3Errors(next["s3"]).addTo(errs, "s3");
    validateBackups(next["backups"], errs);
    validateBatch(next["batch"], errs);
    validateRateLimits(next["rateLimits"], errs);
    if (auto ips = ipListErrors(next["superuserIPs"]); ips.size() > 0) errs.addNested("superuserIPs", ips);
}

}  // namespace pb
