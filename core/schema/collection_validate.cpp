// Validation of collection definitions (names, fields, rules, indexes).
#include <algorithm>
#include <set>

#include "auth/oauth2.hpp"
#include "schema/collection_store.hpp"
#include "schema/index_sql.hpp"
#include "util/api_error.hpp"
#include "util/regex.hpp"
#include "util/strings.hpp"

namespace pb::schema {

namespace {

bool isWord(const std::string& s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!(std::isalnum(c) || c == '_')) return false;
    return true;
}

const std::set<std::string> kReservedFieldNames = {"null", "true", "false", "_rowid_", "collectionId",
                                                   "collectionName", "expand"};

bool isUrl(const std::string& s) {
    for (const char* scheme : {"http://", "https://"})
        if (str::startsWith(s, scheme) && s.size() > std::string_view(scheme).size() &&
            s.find_first_of(" \t\r\n") == std::string::npos)
            return true;
    return false;
}

// The file field `thumbs` option (PocketBase's FileField.ValidateSettings): each entry matches
// ^(\d+)x(\d+)(t|b|f)?$ and is not a 0x0 size. Returns {"<index>": error} for the bad entries.
json::Value thumbsErrors(const json::Value& thumbs) {
    static const auto kThumbSize = rx::builtin(R"(^(\d+)x(\d+)(t|b|f)?$)");
    static const std::set<std::string> kZero = {"0x0", "0x0t", "0x0b", "0x0f"};
    json::Value errs = json::Value::object();
    if (!thumbs.isArray()) return errs;
    for (size_t i = 0; i < thumbs.size(); ++i) {
        const auto& t = thumbs.asArray()[i];
        if (t.isString() && t.asString().empty()) continue;  // empty values are not checked
        if (t.isString() && kZero.count(t.asString()))
            errs.set(std::to_string(i), fieldError("validation_not_in_invalid", "Must not be in list."));
        else if (!t.isString() || !re2::RE2::FullMatch(t.asString(), *kThumbSize))
            errs.set(std::to_string(i), fieldError("validation_match_invalid", "Must be in a valid format."));
    }
    return errs;
}

// The `oauth2` option (PocketBase's OAuth2Config): providers are checked only when enabled.
json::Value validateOAuth2Options(const json::Value& o) {
    json::Value errs = json::Value::object();
    if (!o.isObject()) {
        errs.set("enabled", fieldError("validation_invalid_value", "Must be an object."));
        return errs;
    }
    const auto& ps = o["providers"];
    if (!ps.isNull() && !ps.isArray()) errs.set("providers", fieldError("validation_invalid_value", "Must be an array."));
    if (!o["mappedFields"].isNull() && !o["mappedFields"].isObject())
        errs.set("mappedFields", fieldError("validation_invalid_value", "Must be an object."));
    if (!o["enabled"].getBool() || !ps.isArray() || errs.size() > 0) return errs;
    json::Value perItem = json::Value::object();
    std::set<std::string> seen;
    const auto& items = ps.asArray();
    for (size_t i = 0; i < items.size(); ++i) {
        const auto& p = items[i];
        json::Value e = json::Value::object();
        if (!p.isObject()) {
            e.set("name", fieldError("validation_required", "Cannot be blank."));
            perItem.set(std::to_string(i), e);
            continue;
        }
        std::string name = p["name"].getString();
        if (name.empty()) e.set("name", fieldError("validation_required", "Cannot be blank."));
        else if (!oauth2::findKnownProvider(name))
            e.set("name", fieldError("validation_missing_provider", "Invalid or missing provider with name " + name + "."));
        else if (!seen.insert(name).second)
            e.set("name", fieldError("validation_duplicated_provider", "The provider " + name + " is already registered."));
        if (p["clientId"].getString().empty()) e.set("clientId", fieldError("validation_required", "Cannot be blank."));
        if (p["clientSecret"].getString().empty()) e.set("clientSecret", fieldError("validation_required", "Cannot be blank."));
        for (const char* key : {"authURL", "tokenURL", "userInfoURL"}) {
            const auto& v = p[key];
            if (!v.isNull() && !v.isString()) e.set(key, fieldError("validation_is_url", "Must be a valid URL."));
            else if (!v.getString().empty() && !isUrl(v.getString()))
                e.set(key, fieldError("validation_is_url", "Must be a valid URL."));
        }
        if (!p["pkce"].isNull() && !p["pkce"].isBool()) e.set("pkce", fieldError("validation_invalid_value", "Must be a boolean."));
        if (!p["extra"].isNull() && !p["extra"].isObject()) e.set("extra", fieldError("validation_invalid_value", "Must be an object."));
        if (e.size() > 0) perItem.set(std::to_string(i), e);
    }
    if (perItem.size() > 0) errs.set("providers", perItem);
    return errs;
}

// passwordAuth.identityFields (PocketBase's checkFieldsForUniqueIndex): with password auth
// enabled, each identity field must exist and have a single-column UNIQUE index. The first
// failing name gives one error (with params.fieldName); null when all are fine.
json::Value validateIdentityFields(const Collection& c) {
    const auto& pa = c.options["passwordAuth"];
    if (!pa["enabled"].getBool() || !pa["identityFields"].isArray()) return json::Value();
    for (const auto& item : pa["identityFields"].asArray()) {
        const std::string name = item.getString();
        json::Value err;
        if (!c.field(name)) err = fieldError("validation_missing_field", "Invalid or missing field " + name + ".");
        else if (!hasSingleColumnUniqueIndex(c.indexes, name))
            err = fieldError("validation_missing_unique_constraint", "The field " + name + " doesn't have a UNIQUE constraint.");
        if (err.isNull()) continue;
        err.set("params", json::Value(json::Object{{"fieldName", name}}));
        return err;
    }
    return json::Value();
}

}  // namespace

namespace {

// The errors of one validation: the first error of a key wins (PocketBase reports one per key).
struct Errors {
    json::Value v = json::Value::object();
    void add(const std::string& key, const char* code, const char* msg) {
        if (!v.has(key)) v.set(key, fieldError(code, msg));
    }
    bool has(const std::string& key) const { return v.has(key); }
};

void validateIdAndName(const Collection& c, const Collection* existing, const std::vector<CollectionPtr>& others,
                       Errors& errs) {
    if (!existing) {
        if (c.id.empty()) errs.add("id", "validation_required", "Cannot be blank.");
        else if (c.id.size() > 100) errs.add("id", "validation_length_out_of_range", "The length must be between 1 and 100.");
        else if (!isWord(c.id)) errs.add("id", "validation_match_invalid", "Must be in a valid format.");
        else if (std::any_of(others.begin(), others.end(), [&](const CollectionPtr& o) { return o->id == c.id; }))
            errs.add("id", "validation_invalid_or_existing_id", "The model id is invalid or already exists.");
    }
    if (str::trim(c.name).empty()) {
        errs.add("name", "validation_required", "Cannot be blank.");
    } else if (c.name.size() > 255) {
        errs.add("name", "validation_length_out_of_range", "The length must be between 1 and 255.");
    } else if (!isWord(c.name)) {
        errs.add("name", "validation_match_invalid", "Must be in a valid format.");
    } else if (c.name.find("_via_") != std::string::npos) {
        errs.add("name", "validation_invalid_name", "The name must not contain '_via_'.");
    } else {
        auto clash = [&](auto same) {
            return std::any_of(others.begin(), others.end(), [&](const CollectionPtr& o) {
                return !(existing && o->id == existing->id) && same(*o);
            });
        };
        if (clash([&](const Collection& o) { return str::iequals(o.name, c.name); }))
            errs.add("name", "validation_collection_name_exists", "Collection name must be unique (case insensitive).");
        else if (clash([&](const Collection& o) { return o.id == c.name; }))
            errs.add("name", "validation_collection_name_id_duplicate", "The name must not match an existing collection id.");
        if (!existing && str::startsWith(c.name, "_") && !c.system && !errs.has("name"))
            errs.add("name", "validation_collection_name_invalid", "Collection names starting with _ are reserved.");
    }
    if (existing && existing->system && !str::iequals(existing->name, c.name))
        errs.add("name", "validation_collection_system_name_change", "System collection name cannot be changed.");
    if (existing && existing->type != c.type)
        errs.add("type", "validation_collection_type_change", "Collection type cannot be changed.");
}

// The errors of one field definition (keyed by option), empty when it is valid.
json::Value fieldDefinitionErrors(const CollectionStore& store, const Collection& c, const Collection* existing,
                                  const Field& f, std::set<std::string>& names) {
    json::Value fe = json::Value::object();
    if (f.name.empty()) fe.set("name", fieldError("validation_required", "Cannot be blank."));
    else if (!isWord(f.name) || f.name.size() > 100)
        fe.set("name", fieldError("validation_match_invalid", "Must be in a valid format."));
    else if (kReservedFieldNames.count(f.name))
        fe.set("name", fieldError("validation_not_in_invalid", "The name is reserved."));
    else if (!names.insert(str::lower(f.name)).second)
        fe.set("name", fieldError("validation_duplicated_field_name", "Duplicated or invalid field name."));
    if (!isKnownFieldType(f.type)) fe.set("type", fieldError("validation_in_invalid", "Must be a valid value."));
    if (existing && !c.isView()) {
        if (auto* of = existing->fieldById(f.id); of && of->type != f.type)
            fe.set("type", fieldError("validation_field_type_change", "Field type cannot be changed."));
    }
    if (f.type == FieldType::Select) {
        auto& vals = f.opts["values"];
        if (!vals.isArray() || vals.size() == 0) fe.set("values", fieldError("validation_required", "Cannot be blank."));
    }
    if (f.type == FieldType::Relation) {
        auto target = f.relationCollectionId();
        auto tc = target.empty() ? nullptr : store.find(target);
        bool self = target == c.id;
        if (!tc && !self) fe.set("collectionId", fieldError("validation_missing_collection", "The related collection doesn't exist."));
        else if (tc && tc->isView() && !c.isView())
            fe.set("collectionId", fieldError("validation_view_relation", "Non-view collections are not allowed to have a view relation."));
    }
    // PocketBase's validators.IsRegex: patterns must compile as Go regexp syntax.
    auto checkRegex = [&](const char* opt) {
        if (auto msg = rx::compileError(f.opts[opt].getString()); !msg.empty())
            fe.set(opt, fieldError("validation_invalid_regex", msg));
    };
    if (f.type == FieldType::Text || f.type == FieldType::Password) checkRegex("pattern");
    if (f.type == FieldType::Text) checkRegex("autogeneratePattern");
    if (f.type == FieldType::Text) {
        double mn = f.opts["min"].getNumber(), mx = f.opts["max"].getNumber();
        if (mn < 0) fe.set("min", fieldError("validation_min_greater_equal_than_required", "Must be no less than 0."));
        if (mx != 0 && mx < mn) fe.set("max", fieldError("validation_min_greater_equal_than_required", "Must be no less than min."));
    }
    if (f.type == FieldType::File) {
        if (auto te = thumbsErrors(f.opts["thumbs"]); te.size() > 0) fe.set("thumbs", te);
    }
    if (f.type == FieldType::Password) {
        if (f.opts["max"].getNumber() > 71) fe.set("max", fieldError("validation_max_less_equal_than_required", "Must be no greater than 71."));
    }
    return fe;
}

void validateFields(const CollectionStore& store, const Collection& c, const Collection* existing, Errors& errs) {
    json::Value fieldErrs = json::Value::object();
    std::set<std::string> names;
    for (size_t i = 0; i < c.fields.size(); ++i) {
        json::Value fe = fieldDefinitionErrors(store, c, existing, c.fields[i], names);
        if (fe.size() > 0) fieldErrs.set(std::to_string(i), fe);
    }
    // Existing system fields cannot be removed or renamed (view fields follow the query).
    if (existing && !c.isView()) {
        for (auto& of : existing->fields) {
            if (!of.system) continue;
            auto* nf = c.fieldById(of.id);
            if (!nf || nf->name != of.name) {
                errs.add("fields", "validation_system_field_change", "System fields cannot be deleted or renamed.");
                break;
            }
        }
    }
    if (!c.isView()) {
        const Field* id = c.field("id");
        if (!id || !id->primaryKey()) errs.add("fields", "validation_missing_primary_key", "Missing or invalid id primary key field.");
    }
    if (fieldErrs.size() > 0 && !errs.has("fields")) errs.v.set("fields", fieldErrs);
}

void validateRules(const CollectionStore::RuleValidator& ruleValidator, const Collection& c, const Collection* existing,
                   Errors& errs) {
    if (ruleValidator && !errs.has("fields")) {
        for (auto [key, rule] : {std::pair{"listRule", &c.listRule}, {"viewRule", &c.viewRule},
                                 {"createRule", &c.createRule}, {"updateRule", &c.updateRule},
                                 {"deleteRule", &c.deleteRule}}) {
            if (!*rule || rule->value().empty()) continue;
            if (ruleValidator(c, rule->value())) errs.add(key, "validation_invalid_rule", "Invalid rule.");
        }
        if (c.isAuth()) {
            for (const char* key : {"authRule", "manageRule"}) {
                auto& v = c.options[key];
                if (!v.isString() || v.asString().empty()) continue;
                if (ruleValidator(c, v.asString())) errs.add(key, "validation_invalid_rule", "Invalid rule.");
            }
        }
    }
    if (existing && existing->system) {
        if (existing->listRule != c.listRule || existing->viewRule != c.viewRule || existing->createRule != c.createRule ||
            existing->updateRule != c.updateRule || existing->deleteRule != c.deleteRule) {
            if (existing->name != "users") errs.add("listRule", "validation_collection_system_rules_change", "System collection API rules cannot be changed.");
        }
    }
    if (c.isView() && (c.createRule || c.updateRule || c.deleteRule)) {
        if (c.createRule) errs.add("createRule", "validation_nil_invalid", "Must be null for view collections.");
        if (c.updateRule) errs.add("updateRule", "validation_nil_invalid", "Must be null for view collections.");
        if (c.deleteRule) errs.add("deleteRule", "validation_nil_invalid", "Must be null for view collections.");
    }
}

void validateAuthOptions(const Collection& c, Errors& errs) {
    if (!c.isAuth()) return;
    // MFA needs at least two enabled auth methods (PocketBase's collectionAuthOptions.validate).
    if (c.options["mfa"]["enabled"].getBool() && !errs.has("mfa")) {
        int methods = 0;
        for (const char* m : {"passwordAuth", "oauth2", "otp"})
            if (c.options[m]["enabled"].getBool()) ++methods;
        if (methods < 2)
            errs.v.set("mfa", json::Value(json::Object{{"enabled", fieldError("validation_mfa_not_enough_auths",
                                                                              "MFA requires at least 2 auth methods to be enabled.")}}));
    }
    if (!errs.has("mfa") && !errs.has("passwordAuth")) {
        if (json::Value ierr = validateIdentityFields(c); !ierr.isNull())
            errs.v.set("passwordAuth", json::Value(json::Object{{"identityFields", ierr}}));
    }
    json::Value oerr = validateOAuth2Options(c.options["oauth2"]);
    if (oerr.size() > 0) errs.v.set("oauth2", oerr);
}

void validateIndexes(const Collection& c, Errors& errs) {
    std::set<std::string> idxNames;
    for (auto& n : indexNames(c)) {
        if (!idxNames.insert(str::lower(n)).second) errs.add("indexes", "validation_duplicated_index_name", "Duplicated index name.");
    }
    if (indexNames(c).size() != c.indexes.size()) errs.add("indexes", "validation_invalid_index_expression", "Invalid index expression.");
}

}  // namespace

// One section per part of the definition, in PocketBase's order; the first error of a key wins.
json::Value CollectionStore::validate(const Collection& c, const Collection* existing) const {
    Errors errs;
    validateIdAndName(c, existing, all(), errs);
    validateFields(*this, c, existing, errs);
    validateRules(ruleValidator_, c, existing, errs);
    validateAuthOptions(c, errs);
    validateIndexes(c, errs);
    return errs.v;
}

}  // namespace pb::schema
