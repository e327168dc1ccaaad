#include "records/record.hpp"

#include <algorithm>
#include <cmath>

#include "auth/password.hpp"
#include "records/validator.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::records {

using schema::Field;
namespace FT = schema::FieldType;

Record::Record(schema::CollectionPtr collection) : collection_(std::move(collection)) {
    for (auto& f : collection_->fields) data_.set(f.name, zeroValue(f));
}

json::Value Record::zeroValue(const Field& f) {
    if (f.type == FT::Number) return 0.0;
    if (f.type == FT::Bool) return false;
    if (f.type == FT::Json) return json::Value();
    if (f.type == FT::GeoPoint) return json::Value(json::Object{{"lon", 0.0}, {"lat", 0.0}});
    if (f.isMultiple()) return json::Value::array();
    return std::string();
}

static std::string toStr(const json::Value& v) {
    switch (v.type()) {
        case json::Value::Type::String: return v.asString();
        case json::Value::Type::Number: return json::formatNumber(v.asNumber());
        case json::Value::Type::Bool: return v.asBool() ? "true" : "false";
        case json::Value::Type::Null: return "";
        case json::Value::Type::Raw: return v.asRaw().text;
        default: return v.dump();
    }
}

static std::vector<std::string> toList(const json::Value& v) {
    std::vector<std::string> out;
    auto add = [&](std::string s) {
        if (s.empty()) return;
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
    };
    if (v.isArray()) {
        for (auto& x : v.asArray()) add(toStr(x));
    } else if (v.isString()) {
        const auto& s = v.asString();
        auto t = str::trim(s);
        if (!t.empty() && t[0] == '[') {
            if (auto parsed = json::parse(t); parsed && parsed->isArray()) {
                for (auto& x : parsed->asArray()) add(toStr(x));
                return out;
            }
        }
        add(s);
    } else if (!v.isNull()) {
        add(toStr(v));
    }
    return out;
}

json::Value Record::normalize(const Field& f, const json::Value& v) {
    const std::string& t = f.type;
    if (t == FT::Number) {
        if (v.isNumber()) return std::isfinite(v.asNumber()) ? v.asNumber() : 0.0;
        if (v.isBool()) return v.asBool() ? 1.0 : 0.0;
        if (v.isString()) {
            auto s = str::trim(v.asString());
            if (s.empty()) return 0.0;
            char* end = nullptr;
            std::string tmp(s);
            double d = std::strtod(tmp.c_str(), &end);
            if (end && *end == '\0' && std::isfinite(d)) return d;
            return 0.0;
        }
        return 0.0;
    }
    if (t == FT::Bool) {
        if (v.isBool()) return v.asBool();
        if (v.isNumber()) return v.asNumber() != 0;
        if (v.isString()) {
            auto s = str::lower(str::trim(v.asString()));
            return s == "true" || s == "1" || s == "t";
        }
        return false;
    }
    if (t == FT::Date) {
        std::string s = toStr(v);
        if (v.isNumber()) s = json::formatNumber(v.asNumber());
        auto n = timeutil::normalize(s);
        return n ? *n : std::string();
    }
    if (t == FT::Autodate) {
        auto n = timeutil::normalize(toStr(v));
        return n ? *n : std::string();
    }
    if (f.isListType()) {
        auto list = toList(v);
        if (f.isMultiple()) {
            json::Value arr = json::Value::array();
            for (auto& s : list) arr.push(s);
            return arr;
        }
        return list.empty() ? std::string() : list.back();
    }
    if (t == FT::Json) {
        if (v.isNull()) return json::Value();
        if (v.isString()) {
            // A string that is valid JSON of a "JSON-looking" form is kept verbatim, else quoted.
            const auto& s = v.asString();
            auto tt = str::trim(s);
            bool looksJson = tt == "null" || tt == "true" || tt == "false" ||
                             (!tt.empty() && (std::isdigit(static_cast<unsigned char>(tt[0])) || tt[0] == '-' ||
                                              tt[0] == '"' || tt[0] == '[' || tt[0] == '{'));
            if (looksJson) {
                if (auto parsed = json::parse(tt)) return *parsed;
            }
            return v;
        }
        if (v.isRaw()) {
            if (auto parsed = json::parse(v.asRaw().text)) return *parsed;
            return json::Value();
        }
        return v;
    }
    if (t == FT::GeoPoint) {
        json::Value src = v;
        if (v.isString()) {
            if (auto parsed = json::parse(v.asString())) src = *parsed;
        }
        json::Value out(json::Object{{"lon", 0.0}, {"lat", 0.0}});
        if (src.isObject()) {
            out.set("lon", src["lon"].getNumber());
            out.set("lat", src["lat"].getNumber());
        }
        return out;
    }
    // text, email, url, editor, password (hash) and unknown types.
    return toStr(v);
}

json::Value Record::toDbValue(const Field& f, const json::Value& v) {
    if (f.type == FT::Json) {
        if (v.isNull()) return json::Value();
        return v.dump(true);
    }
    if (f.type == FT::GeoPoint) return v.dump();
    if (f.isMultiple()) return v.isArray() ? v.dump(true) : std::string("[]");
    if (f.type == FT::Bool) return v.getBool();
    return v;
}

void Record::set(const std::string& field, const json::Value& v) {
    if (auto* f = collection_->field(field)) data_.set(field, normalize(*f, v));
    else data_.set(field, v);
}

std::string Record::getString(std::string_view f) const { return toStr(data_[f]); }

std::vector<std::string> Record::getStringList(std::string_view f) const { return toList(data_[f]); }

void Record::markPersisted() {
    isNew_ = false;
    original_ = data_;
}

void Record::setPassword(std::string_view plain) {
    data_.set("password", auth::hashPassword(plain, passwordCost(*collection_)));
    refreshTokenKey();
}

bool Record::validatePassword(std::string_view plain) const {
    auto hash = getString("password");
    if (hash.empty()) return false;
    return auth::verifyPassword(plain, hash);
}

void Record::refreshTokenKey() { data_.set("tokenKey", random::string(50)); }

json::Value Record::toInternalJson() const {
    std::vector<std::pair<std::string, json::Value>> kv;
    kv.emplace_back("collectionId", collection_->id);
    kv.emplace_back("collectionName", collection_->name);
    for (auto& f : collection_->fields) kv.emplace_back(f.name, data_[f.name]);
    std::sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    return json::Value(json::Object(kv.begin(), kv.end()));
}

json::Value Record::toJson(bool showHidden) const {
    std::vector<std::pair<std::string, json::Value>> kv;
    kv.reserve(collection_->fields.size() + 3);
    kv.emplace_back("collectionId", collection_->id);
    kv.emplace_back("collectionName", collection_->name);
    bool isAuth = collection_->isAuth();
    for (auto& f : collection_->fields) {
        if (f.type == FT::Password) continue;
        if (isAuth && f.name == "tokenKey") continue;
        bool hidden = (f.hidden && !showHidden && !forceShown.count(f.name)) || forceHidden.count(f.name);
        if (hidden) continue;
        if (isAuth && f.name == "email" && !showHidden && !ignoreEmailVisibility && !getBool("emailVisibility"))
            continue;
        kv.emplace_back(f.name, data_[f.name]);
    }
    if (customData.isObject())
        for (auto& [k, v] : customData.asObject()) kv.emplace_back(k, v);
    if (!expand.isNull()) kv.emplace_back("expand", expand);
    std::stable_sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    return json::Value(json::Object(kv.begin(), kv.end()));
}

}  // namespace pb::records
