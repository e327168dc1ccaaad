#include "schema/collection.hpp"

#include <algorithm>
#include <array>

#include "util/strings.hpp"

namespace pb::schema {

bool isKnownFieldType(const std::string& t) {
    static const std::array<const char*, 14> all = {
        FieldType::Text,   FieldType::Number, FieldType::Bool,     FieldType::Email,    FieldType::Url,
        FieldType::Editor, FieldType::Date,   FieldType::Autodate, FieldType::Select,   FieldType::Json,
        FieldType::Relation, FieldType::File, FieldType::Password, FieldType::GeoPoint};
    return std::any_of(all.begin(), all.end(), [&](const char* x) { return t == x; });
}

bool Field::isListType() const {
    return type == FieldType::Select || type == FieldType::Relation || type == FieldType::File;
}

bool Field::isMultiple() const { return isListType() && maxSelect() > 1; }

json::Value Field::toJson() const {
    // Keys sorted alphabetically, as Go marshals the field map.
    std::vector<std::pair<std::string, json::Value>> kv;
    kv.emplace_back("id", id);
    kv.emplace_back("name", name);
    kv.emplace_back("type", type);
    kv.emplace_back("system", system);
    kv.emplace_back("hidden", hidden);
    kv.emplace_back("presentable", presentable);
    if (opts.isObject())
        for (auto& [k, v] : opts.asObject()) kv.emplace_back(k, v);
    std::stable_sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    json::Object o;
    for (auto& p : kv)
        if (o.empty() || o.back().first != p.first) o.push_back(std::move(p));
    return json::Value(std::move(o));
}

Field Field::fromJson(const json::Value& v) {
    Field f;
    f.id = v["id"].getString();
    f.name = v["name"].getString();
    f.type = v["type"].getString();
    f.system = v["system"].getBool();
    f.hidden = v["hidden"].getBool();
    f.presentable = v["presentable"].getBool();
    if (v.isObject()) {
        for (auto& [k, val] : v.asObject()) {
            if (k == "id" || k == "name" || k == "type" || k == "system" || k == "hidden" || k == "presentable")
                continue;
            f.opts.set(k, val);
        }
    }
    return f;
}

std::string Field::columnType() const {
    if (type == FieldType::Text && primaryKey())
        return "TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL";
    if (type == FieldType::Number) return "NUMERIC DEFAULT 0 NOT NULL";
    if (type == FieldType::Bool) return "BOOLEAN DEFAULT FALSE NOT NULL";
    if (type == FieldType::Json) return "JSON DEFAULT NULL";
    if (type == FieldType::GeoPoint) return "JSON DEFAULT '{\"lon\":0,\"lat\":0}' NOT NULL";
    if (isMultiple()) return "JSON DEFAULT '[]' NOT NULL";
    return "TEXT DEFAULT '' NOT NULL";
}

std::string toString(CollectionType t) {
    switch (t) {
        case CollectionType::Base: return "base";
        case CollectionType::Auth: return "auth";
        case CollectionType::View: return "view";
    }
    return "base";
}

std::optional<CollectionType> collectionTypeFromString(const std::string& s) {
    if (s == "base") return CollectionType::Base;
    if (s == "auth") return CollectionType::Auth;
    if (s == "view") return CollectionType::View;
    return std::nullopt;
}

const Field* Collection::field(const std::string& n) const {
    for (auto& f : fields)
        if (f.name == n) return &f;
    return nullptr;
}

Field* Collection::field(const std::string& n) {
    for (auto& f : fields)
        if (f.name == n) return &f;
    return nullptr;
}

const Field* Collection::fieldById(const std::string& fid) const {
    for (auto& f : fields)
        if (f.id == fid) return &f;
    return nullptr;
}

std::optional<std::string> Collection::authRule() const {
    auto* v = options.find("authRule");
    if (!v || v->isNull()) return std::nullopt;
    return v->getString();
}

std::optional<std::string> Collection::manageRule() const {
    auto* v = options.find("manageRule");
    if (!v || v->isNull()) return std::nullopt;
    return v->getString();
}

static json::Value ruleJson(const std::optional<std::string>& r) {
    return r ? json::Value(*r) : json::Value();
}

static json::Value stripSecrets(json::Value options) {
    for (const char* key : {"authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken"})
        if (auto* t = options.find(key)) t->erase("secret");
    if (auto* o = options.find("oauth2"))
        if (auto* ps = o->find("providers"); ps && ps->isArray())
            for (auto& p : ps->asArray()) p.erase("clientSecret");
    return options;
}

json::Value Collection::toJson(bool forApi) const {
    json::Value v = json::Value::object();
    // PocketBase field order of the collection model.
    v.set("id", id);
    v.set("listRule", ruleJson(listRule));
    v.set("viewRule", ruleJson(viewRule));
    v.set("createRule", ruleJson(createRule));
    v.set("updateRule", ruleJson(updateRule));
    v.set("deleteRule", ruleJson(deleteRule));
    v.set("name", name);
    v.set("type", toString(type));
    json::Value fs = json::Value::array();
    for (auto& f : fields) fs.push(f.toJson());
    v.set("fields", std::move(fs));
    json::Value idx = json::Value::array();
    for (auto& i : indexes) idx.push(i);
    v.set("indexes", std::move(idx));
    v.set("system", system);
    v.set("created", created);
    v.set("updated", updated);
    if (options.isObject()) {
        json::Value opts = forApi ? stripSecrets(options) : options;
        for (auto& [k, val] : opts.asObject()) v.set(k, val);
    }
    return v;
}

uint32_t crc32(std::string_view s) {
    static uint32_t table[256];
    static bool init = [] {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        return true;
    }();
    (void)init;
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char ch : s) crc = table[(crc ^ ch) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

std::string defaultCollectionId(const std::string& type, const std::string& name) {
    return "pbc_" + std::to_string(crc32(type + name));
}

std::string defaultFieldId(const std::string& type, const std::string& name) {
    return type + std::to_string(crc32(name));
}

}  // namespace pb::schema
