#include "records/validator.hpp"

#include <cmath>
#include <cstdio>

#include "auth/password.hpp"
#include "util/regex.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::records {

using schema::Field;
namespace FT = schema::FieldType;

namespace {

json::Value err(const std::string& code, const std::string& msg, json::Value params = json::Value()) {
    return fieldError(code, msg, std::move(params));
}
json::Value param(const char* name, json::Value v) { return json::Value(json::Object{{name, std::move(v)}}); }

std::string num(double d) { return json::formatNumber(d); }
// Go's %f, which PocketBase's number bounds are printed with: 10 -> "10.000000".
std::string goFloat(double d) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", d);
    return buf;
}

// A date bound the way ozzo-validation reports it: the message prints Go's time.String()
// ("2024-01-01 00:00:00 +0000 UTC"), params.threshold the RFC 3339 JSON form.
struct GoTime {
    std::string text, rfc3339;
};
GoTime goTime(int64_t ms) {
    std::string base = timeutil::formatMillis(ms);  // "2006-01-02 15:04:05.000Z"
    std::string date = base.substr(0, 10), clock = base.substr(11, 8), frac = base.substr(20, 3);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    if (!frac.empty()) frac = "." + frac;
    return {date + " " + clock + frac + " +0000 UTC", date + "T" + clock + frac + "Z"};
}

bool isEmptyValue(const Field& f, const json::Value& v) {
    if (v.isNull()) return true;
    if (f.type == FT::Json) {
        if (v.isString()) return v.asString().empty();
        if (v.isArray() || v.isObject()) return v.size() == 0;
        return false;
    }
    if (f.type == FT::GeoPoint) return v["lon"].getNumber() == 0 && v["lat"].getNumber() == 0;
    if (v.isString()) return v.asString().empty();
    if (v.isNumber()) return v.asNumber() == 0;
    if (v.isBool()) return !v.asBool();
    if (v.isArray()) return v.size() == 0;
    return false;
}

std::string domainOf(const std::string& s) {
    auto at = s.rfind('@');
    if (at != std::string::npos) return str::lower(s.substr(at + 1));
    // url: scheme://host[:port]/...
    auto p = s.find("://");
    std::string host = p == std::string::npos ? s : s.substr(p + 3);
    host = host.substr(0, host.find_first_of("/:?#"));
    return str::lower(host);
}

std::optional<json::Value> checkDomains(const Field& f, const std::string& value) {
    auto d = domainOf(value);
    auto& only = f.opts["onlyDomains"];
    auto& except = f.opts["exceptDomains"];
    if (only.isArray() && only.size() > 0) {
        bool ok = false;
        for (auto& x : only.asArray()) ok = ok || str::iequals(x.getString(), d);
        if (!ok) return err(f.type == FT::Email ? "validation_email_domain_not_allowed" : "validation_url_domain_not_allowed",
                            "Domain not allowed.");
    }
    if (except.isArray())
        for (auto& x : except.asArray())
            if (str::iequals(x.getString(), d))
                return err(f.type == FT::Email ? "validation_email_domain_not_allowed" : "validation_url_domain_not_allowed",
                           "Domain not allowed.");
    return std::nullopt;
}

std::optional<json::Value> checkText(const Field& f, const std::string& s) {
    size_t n = str::runeCount(s);
    double mn = f.opts["min"].getNumber(), mx = f.opts["max"].getNumber();
    if (f.primaryKey()) {
        if (s.empty()) return err("validation_required", "Cannot be blank.");
    }
    if (!s.empty() || f.primaryKey()) {
        if (mn > 0 && n < static_cast<size_t>(mn))
            return err("validation_min_text_constraint", "Must be at least " + num(mn) + " character(s).", param("min", mn));
        size_t limit = mx > 0 ? static_cast<size_t>(mx) : 5000;
        if (n > limit)
            return err("validation_max_text_constraint", "Must be no more than " + num(static_cast<double>(limit)) + " character(s).",
                       param("max", static_cast<double>(limit)));
        const auto& pat = f.opts["pattern"].getString();
        if (!pat.empty() && !rx::search(pat, s)) return err("validation_invalid_format", "Invalid value format.");
    }
    return std::nullopt;
}

}  // namespace

bool isValidEmail(std::string_view s) {
    static const auto re = rx::builtin(
        R"(^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$)");
    if (s.size() > 254) return false;
    return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re);
}

bool isValidUrl(std::string_view s) {
    static const auto re = rx::builtin(R"(^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*$)");
    // Go's is.URL (govalidator.IsURL) refuses 2083 characters or more.
    constexpr size_t kMaxUrlRunes = 2083;
    if (s.size() >= 4 * kMaxUrlRunes || str::runeCount(s) >= kMaxUrlRunes) return false;
    return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re);
}

int passwordCost(const schema::Collection& c) {
    if (auto* f = c.field("password")) {
        int cost = static_cast<int>(f->opts["cost"].getNumber(0));
        if (cost > 0) return cost;
    }
    return auth::kDefaultBcryptCost;
}

std::optional<json::Value> validatePlainPassword(const Field& f, const std::string& plain) {
    double mn = f.opts["min"].getNumber(), mx = f.opts["max"].getNumber();
    size_t n = str::runeCount(plain);
    if (plain.empty()) return err("validation_required", "Cannot be blank.");
    if (mn > 0 && n < static_cast<size_t>(mn)) return err("validation_min_text_constraint", "Must be at least " + num(mn) + " character(s).");
    size_t limit = mx > 0 ? static_cast<size_t>(mx) : 71;
    if (plain.size() > limit) return err("validation_max_text_constraint", "Must be less than " + num(static_cast<double>(limit)) + " character(s).");
    const auto& pat = f.opts["pattern"].getString();
    if (!pat.empty() && !rx::search(pat, plain)) return err("validation_invalid_format", "Invalid value format.");
    return std::nullopt;
}

json::Value validateRecord(const Record& r, const RelationChecker& relationMissing) {
    json::Value errors = json::Value::object();
    for (auto& f : r.collection().fields) {
        const json::Value& v = r.get(f.name);
        std::optional<json::Value> e;
        if (f.type == FT::Password || f.type == FT::Autodate) continue;  // checked elsewhere / server managed
        if (f.required() && isEmptyValue(f, v)) {
            errors.set(f.name, err("validation_required", "Cannot be blank."));
            continue;
        }
        if (f.type == FT::Text) {
            e = checkText(f, v.getString());
        } else if (f.type == FT::Email) {
            auto s = v.getString();
            if (!s.empty()) {
                if (!isValidEmail(s)) e = err("validation_is_email", "Must be a valid email address.");
                else e = checkDomains(f, s);
            }
        } else if (f.type == FT::Url) {
            auto s = v.getString();
            if (!s.empty()) {
                if (!isValidUrl(s)) e = err("validation_invalid_url", "Must be a valid url.");
                else e = checkDomains(f, s);
            }
        } else if (f.type == FT::Editor) {
            double mx = f.opts["maxSize"].getNumber();
            size_t limit = mx > 0 ? static_cast<size_t>(mx) : (5u << 20);
            if (v.getString().size() > limit)
                e = err("validation_content_size_limit", "The maximum allowed content size is " + std::to_string(limit) + " bytes.",
                        param("maxSize", static_cast<double>(limit)));
        } else if (f.type == FT::Number) {
            double d = v.getNumber();
            auto& mn = f.opts["min"];
            auto& mx = f.opts["max"];
            if (f.opts["onlyInt"].getBool() && d != std::floor(d)) e = err("validation_only_int_constraint", "Decimal numbers are not allowed.");
            else if (mn.isNumber() && d < mn.asNumber()) e = err("validation_min_number_constraint", "Must be larger than " + goFloat(mn.asNumber()) + ".");
            else if (mx.isNumber() && d > mx.asNumber()) e = err("validation_max_number_constraint", "Must be less than " + goFloat(mx.asNumber()) + ".");
        } else if (f.type == FT::Date) {
            auto s = v.getString();
            if (!s.empty()) {
                auto t = timeutil::parse(s);
                auto mn = timeutil::parse(f.opts["min"].getString());
                auto mx = timeutil::parse(f.opts["max"].getString());
                // PocketBase checks date bounds with ozzo's generic Min/Max rules, hence their codes.
                if (mn && t && *t < *mn) {
                    auto g = goTime(*mn);
                    e = err("validation_min_greater_equal_than_required", "Must be no less than " + g.text + ".", param("threshold", g.rfc3339));
                } else if (mx && t && *t > *mx) {
                    auto g = goTime(*mx);
                    e = err("validation_max_less_equal_than_required", "Must be no greater than " + g.text + ".", param("threshold", g.rfc3339));
                }
            }
        } else if (f.type == FT::Select || f.type == FT::Relation || f.type == FT::File) {
            std::vector<std::string> items;
            if (v.isArray()) for (auto& x : v.asArray()) items.push_back(x.getString());
            else if (!v.getString().empty()) items.push_back(v.getString());
            // PocketBase's order: minSelect (relations), maxSelect, then the values themselves.
            int maxSel = std::max(1, f.maxSelect());
            int minSel = f.type == FT::Relation ? static_cast<int>(f.opts["minSelect"].getNumber()) : 0;
            if (!items.empty() && static_cast<int>(items.size()) < minSel)
                e = err("validation_not_enough_values", "Select at least " + std::to_string(minSel) + ".", param("minSelect", minSel));
            else if (static_cast<int>(items.size()) > maxSel)
                e = err("validation_too_many_values", "Select no more than " + std::to_string(maxSel) + ".", param("maxSelect", maxSel));
            if (!e && f.type == FT::Select) {
                auto& allowed = f.opts["values"];
                for (auto& it : items) {
                    bool ok = false;
                    if (allowed.isArray())
                        for (auto& a : allowed.asArray()) ok = ok || a.getString() == it;
                    if (!ok) {
                        e = err("validation_invalid_value", "Invalid value " + it + ".", param("value", it));
                        break;
                    }
                }
            }
            if (!e && f.type == FT::Relation) {
                if (!items.empty() && relationMissing) {
                    auto missing = relationMissing(f.relationCollectionId(), items);
                    if (!missing.empty())
                        e = err("validation_missing_rel_records", "Failed to find all relation records with the provided ids.");
                }
            }
        } else if (f.type == FT::Json) {
            double mx = f.opts["maxSize"].getNumber();
            size_t limit = mx > 0 ? static_cast<size_t>(mx) : (1u << 20);
            if (!v.isNull() && v.dump().size() > limit)
                e = err("validation_json_size_limit", "The maximum allowed JSON size is " + std::to_string(limit) + " bytes.",
                        param("maxSize", static_cast<double>(limit)));
        } else if (f.type == FT::GeoPoint) {
            double lon = v["lon"].getNumber(), lat = v["lat"].getNumber();
            if (lat < -90 || lat > 90) e = err("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.");
            else if (lon < -180 || lon > 180) e = err("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.");
        }
        if (e) errors.set(f.name, *e);
    }
    return errors;
}

}  // namespace pb::records
