#include "api/record_upsert.hpp"

#include <algorithm>

#include "records/validator.hpp"
#include "util/strings.hpp"

namespace pb::api {

using records::Record;
using schema::Field;
namespace FT = schema::FieldType;

namespace {

const std::vector<std::string> kAuthExtraKeys = {"password", "passwordConfirm", "oldPassword"};

std::vector<std::string> asList(const json::Value& v) {
    std::vector<std::string> out;
    auto add = [&](const json::Value& x) {
        std::string s = x.isString() ? x.asString() : x.isNumber() ? json::formatNumber(x.asNumber()) : x.dump();
        if (!s.empty()) out.push_back(s);
    };
    if (v.isArray()) for (auto& x : v.asArray()) add(x);
    else if (!v.isNull()) add(v);
    return out;
}

// Applies the submitted keys of one field (plain, "f+", "+f", "f-") to `current`.
json::Value applyModifiers(const Field& f, json::Value current, const json::Value& body, bool& touched) {
    const std::string& n = f.name;
    if (auto* v = body.find(n)) {
        current = Record::normalize(f, *v);
        touched = true;
    }
    if (f.type == FT::Number) {
        if (auto* v = body.find(n + "+")) {
            current = current.getNumber() + Record::normalize(f, *v).getNumber();
            touched = true;
        }
        if (auto* v = body.find(n + "-")) {
            current = current.getNumber() - Record::normalize(f, *v).getNumber();
            touched = true;
        }
        return current;
    }
    if (!f.isListType()) return current;
    auto list = asList(current);
    if (auto* v = body.find("+" + n)) {
        auto add = asList(*v);
        list.insert(list.begin(), add.begin(), add.end());
        touched = true;
    }
    if (auto* v = body.find(n + "+")) {
        auto add = asList(*v);
        list.insert(list.end(), add.begin(), add.end());
        touched = true;
    }
    if (auto* v = body.find(n + "-")) {
        auto rm = asList(*v);
        std::erase_if(list, [&](auto& x) { return std::find(rm.begin(), rm.end(), x) != rm.end(); });
        touched = true;
    }
    json::Value arr = json::Value::array();
    for (auto& s : list) arr.push(s);
    return Record::normalize(f, arr);
}

bool writable(const Field& f, const Record& r, bool isSuperuser) {
    if (f.type == FT::Autodate) return false;
    if (f.type == FT::Password) return false;  // through password/passwordConfirm only
    if (r.collection().isAuth() && f.name == "tokenKey") return isSuperuser;
    if (f.hidden && !isSuperuser) return false;
    if (f.name == "id" && !r.isNew()) return false;  // the id cannot change (validated separately)
    return true;
}

}  // namespace

json::Value resolveBody(const Record& r, const json::Value& body, bool isSuperuser) {
    json::Value out = json::Value::object();
    if (!body.isObject()) return out;
    for (auto& f : r.collection().fields) {
        if (f.type == FT::File) continue;
        if (f.type == FT::Password) {
            if (auto* v = body.find(f.name)) out.set(f.name, *v);
            continue;
        }
        if (f.hidden && !isSuperuser) continue;
        bool touched = false;
        auto v = applyModifiers(f, r.get(f.name), body, touched);
        if (touched) out.set(f.name, v);
    }
    if (r.collection().isAuth())
        for (auto& k : kAuthExtraKeys)
            if (auto* v = body.find(k)) out.set(k, *v);
    return out;
}

void applyBody(App&, Record& r, const json::Value& body, const UpsertOptions& opts) {
    if (!body.isObject()) throw badRequest("Failed to load the submitted data due to invalid formatting.");
    const bool isNew = r.isNew();
    const auto& c = r.collection();
    ValidationErrors errs;
    for (auto& f : c.fields) {
        if (f.type == FT::File) continue;  // files are handled by the files module
        if (f.name == "id" && !isNew) {
            if (auto* v = body.find("id"); v && v->getString() != r.id())
                errs.add("id", "validation_pk_change", "The record primary key cannot be changed.");
            continue;
        }
        if (!writable(f, r, opts.isSuperuser)) continue;
        bool touched = false;
        auto v = applyModifiers(f, r.get(f.name), body, touched);
        if (!touched) continue;
        if (c.isAuth() && !opts.hasManageAccess) {
            if (f.name == "verified" && v.getBool() != r.getBool("verified")) {
                errs.add("verified", "validation_values_mismatch", "Only superusers or managers can change the verified state.");
                continue;
            }
            if (f.name == "email" && !isNew && v.getString() != r.email()) {
                errs.add("email", "validation_values_mismatch", "Only superusers or managers can change the email directly.");
                continue;
            }
        }
        r.setRaw(f.name, v);
    }
    if (c.isAuth()) {
        const Field* pf = c.field("password");
        auto has = [&](const char* k) { return body.has(k); };
        bool wantsPassword = isNew || has("password") || has("passwordConfirm") || has("oldPassword");
        if (wantsPassword && pf) {
            std::string pw = body["password"].isString() ? body["password"].asString() : body["password"].isNull() ? "" : body["password"].dump();
            std::string confirm = body["passwordConfirm"].isString() ? body["passwordConfirm"].asString() : "";
            // As PocketBase 0.40: a blank password is always reported, but its own rules (length,
            // pattern) only when passwordConfirm and oldPassword pass (a mismatch comes alone).
            const size_t before = errs.data().size();
            if (confirm.empty()) errs.add("passwordConfirm", "validation_required", "Cannot be blank.");
            else if (confirm != pw) errs.add("passwordConfirm", "validation_values_mismatch", "Values don't match.");
            if (!isNew && !opts.hasManageAccess) {
                std::string old = body["oldPassword"].getString();
                if (old.empty()) errs.add("oldPassword", "validation_required", "Cannot be blank.");
                else if (!r.validatePassword(old))
                    errs.add("oldPassword", "validation_invalid_old_password", "Missing or invalid old password.");
            }
            if (pw.empty() || errs.data().size() == before)
                if (auto e = records::validatePlainPassword(*pf, pw)) errs.addNested("password", *e);
            if (errs.empty()) r.setPassword(pw);
        }
    }
    errs.throwIfAny(isNew ? "Failed to create record." : "Failed to update record.");
}

json::Value dbRow(const Record& r) {
    json::Value row = json::Value::object();
    for (auto& f : r.collection().fields) row.set(f.name, Record::toDbValue(f, r.get(f.name)));
    return row;
}

}  // namespace pb::api
