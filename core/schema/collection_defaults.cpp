// Scaffolds and defaults: system fields, field option defaults, auth options, built-in collections.
#include "schema/collection_store.hpp"
#include "schema/index_sql.hpp"
#include "util/random.hpp"
#include "util/time.hpp"

namespace pb::schema {

namespace {

const char* kAuthAlertBody =
    "<p>Hello,</p>\n<p>We noticed a login to your {APP_NAME} account from a new location.</p>\n<p>If this was you, you "
    "may disregard this email.</p>\n<p><strong>If this wasn't you, you should immediately change your {APP_NAME} "
    "account password to revoke access from all other locations.</strong></p>\n<p>\n  Thanks,<br/>\n  {APP_NAME} "
    "team\n</p>";
const char* kOtpBody =
    "<p>Hello,</p>\n<p>Your one-time password is: <strong>{OTP}</strong></p>\n<p><i>If you didn't ask for the "
    "one-time password, you can ignore this email.</i></p>\n<p>\n  Thanks,<br/>\n  {APP_NAME} team\n</p>";
const char* kVerifyBody =
    "<p>Hello,</p>\n<p>Thank you for joining us at {APP_NAME}.</p>\n<p>Click on the button below to verify your email "
    "address.</p>\n<p>\n  <a class=\"btn\" href=\"{APP_URL}/_/#/auth/confirm-verification/{TOKEN}\" "
    "target=\"_blank\" rel=\"noopener\">Verify</a>\n</p>\n<p><i>If you didn't recently register, please ignore this "
    "email.</i></p>\n<p>\n  Thanks,<br/>\n  {APP_NAME} team\n</p>";
const char* kResetBody =
    "<p>Hello,</p>\n<p>Click on the button below to reset your password.</p>\n<p>\n  <a class=\"btn\" "
    "href=\"{APP_URL}/_/#/auth/confirm-password-reset/{TOKEN}\" target=\"_blank\" rel=\"noopener\">Reset "
    "password</a>\n</p>\n<p><i>If you didn't ask to reset your password, please ignore this email.</i></p>\n<p>\n  "
    "Thanks,<br/>\n  {APP_NAME} team\n</p>";
const char* kEmailChangeBody =
    "<p>Hello,</p>\n<p>Click on the button below to confirm your new email address.</p>\n<p>\n  <a class=\"btn\" "
    "href=\"{APP_URL}/_/#/auth/confirm-email-change/{TOKEN}\" target=\"_blank\" rel=\"noopener\">Confirm new "
    "email</a>\n</p>\n<p><i>If you didn't ask to change your email address, please ignore this email.</i></p>\n<p>\n "
    " Thanks,<br/>\n  {APP_NAME} team\n</p>";

json::Value tmpl(const char* subject, const char* body) {
    return json::Value(json::Object{{"subject", subject}, {"body", body}});
}

json::Value tokenCfg(double duration) {
    return json::Value(json::Object{{"secret", random::string(50)}, {"duration", duration}});
}

json::Value authOptions(bool superusers) {
    json::Value o = json::Value::object();
    o.set("authRule", "");
    o.set("manageRule", json::Value());
    o.set("authAlert", json::Value(json::Object{{"enabled", true}, {"emailTemplate", tmpl("Login from a new location", kAuthAlertBody)}}));
    o.set("oauth2", json::Value(json::Object{
                        {"providers", json::Value::array()},
                        {"mappedFields", json::Value(json::Object{{"id", ""}, {"name", ""}, {"username", ""}, {"avatarURL", ""}})},
                        {"enabled", false}}));
    o.set("passwordAuth", json::Value(json::Object{{"enabled", true}, {"identityFields", json::Value(json::Array{"email"})}}));
    o.set("mfa", json::Value(json::Object{{"enabled", false}, {"duration", 600.0}, {"rule", ""}}));
    o.set("otp", json::Value(json::Object{{"enabled", false}, {"duration", 180.0}, {"length", 8.0},
                                          {"emailTemplate", tmpl("OTP for {APP_NAME}", kOtpBody)}}));
    o.set("authToken", tokenCfg(superusers ? 86400 : 432000));
    o.set("passwordResetToken", tokenCfg(1800));
    o.set("emailChangeToken", tokenCfg(1800));
    o.set("verificationToken", tokenCfg(86400));
    o.set("fileToken", tokenCfg(180));
    o.set("verificationTemplate", tmpl("Verify your {APP_NAME} email", kVerifyBody));
    o.set("resetPasswordTemplate", tmpl("Reset your {APP_NAME} password", kResetBody));
    o.set("confirmEmailChangeTemplate", tmpl("Confirm your {APP_NAME} new email address", kEmailChangeBody));
    return o;
}

Field makeField(const std::string& name, const std::string& type, json::Value opts, bool system = true, bool hidden = false) {
    Field f;
    f.name = name;
    f.type = type;
    f.id = defaultFieldId(type, name);
    f.system = system;
    f.hidden = hidden;
    if (opts.isObject())
        for (auto& [k, v] : opts.asObject()) f.opts.set(k, v);
    CollectionStore::applyFieldDefaults(f);
    return f;
}

Field idField() {
    return makeField("id", FieldType::Text,
                     json::Value(json::Object{{"autogeneratePattern", "[a-z0-9]{15}"}, {"max", 15.0}, {"min", 15.0},
                                              {"pattern", "^[a-z0-9]+$"}, {"primaryKey", true}, {"required", true}}));
}

std::vector<Field> authFields() {
    return {
        makeField("password", FieldType::Password, json::Value(json::Object{{"min", 8.0}, {"required", true}}), true, true),
        makeField("tokenKey", FieldType::Text,
                  json::Value(json::Object{{"autogeneratePattern", "[a-zA-Z0-9]{50}"}, {"max", 60.0}, {"min", 30.0},
                                           {"required", true}}),
                  true, true),
        makeField("email", FieldType::Email, json::Value(json::Object{{"required", true}})),
        makeField("emailVisibility", FieldType::Bool, json::Value::object()),
        makeField("verified", FieldType::Bool, json::Value::object()),
    };
}

Field autodate(const std::string& name, bool onUpdate, bool system) {
    return makeField(name, FieldType::Autodate, json::Value(json::Object{{"onCreate", true}, {"onUpdate", onUpdate}}), system);
}

}  // namespace

void CollectionStore::applyFieldDefaults(Field& f) {
    auto def = [&](const char* key, json::Value v) {
        if (!f.opts.has(key)) f.opts.set(key, std::move(v));
    };
    const std::string& t = f.type;
    if (t != FieldType::Autodate) def("help", "");
    if (t == FieldType::Text) {
        def("autogeneratePattern", "");
        def("max", 0.0);
        def("min", 0.0);
        def("pattern", "");
        def("primaryKey", false);
        def("required", false);
    } else if (t == FieldType::Number) {
        def("max", json::Value());
        def("min", json::Value());
        def("onlyInt", false);
        def("required", false);
    } else if (t == FieldType::Bool || t == FieldType::GeoPoint) {
        def("required", false);
    } else if (t == FieldType::Email || t == FieldType::Url) {
        // Always arrays, as PocketBase 0.40 (null or missing becomes []).
        for (const char* k : {"exceptDomains", "onlyDomains"})
            if (!f.opts[k].isArray()) f.opts.set(k, json::Value::array());
        def("required", false);
    } else if (t == FieldType::Editor) {
        def("convertURLs", false);
        def("maxSize", 0.0);
        def("required", false);
    } else if (t == FieldType::Date) {
        def("max", "");
        def("min", "");
        def("required", false);
    } else if (t == FieldType::Autodate) {
        def("onCreate", false);
        def("onUpdate", false);
    } else if (t == FieldType::Select) {
        def("maxSelect", 0.0);
        def("values", json::Value::array());
        def("required", false);
    } else if (t == FieldType::Json) {
        def("maxSize", 0.0);
        def("required", false);
    } else if (t == FieldType::File) {
        def("maxSelect", 0.0);
        def("maxSize", 0.0);
        def("mimeTypes", json::Value::array());
        def("protected", false);
        def("required", false);
        def("thumbs", json::Value::array());
    } else if (t == FieldType::Relation) {
        def("cascadeDelete", false);
        def("collectionId", "");
        def("maxSelect", 0.0);
        def("minSelect", 0.0);
        def("required", false);
    } else if (t == FieldType::Password) {
        def("cost", 0.0);
        def("max", 0.0);
        def("min", 0.0);
        def("pattern", "");
        def("required", false);
    }
    // maxSelect is kept as given: 0 (the default) and 1 both mean a single value, as in PocketBase
    // (isMultiple() is maxSelect > 1; the validators treat anything below 1 as 1).
}

void ensureAuthIndexes(Collection& c) {
    if (!c.isAuth()) return;
    auto add = [&](const std::string& column, const std::string& where) {
        if (hasSingleColumnUniqueIndex(c.indexes, column)) return;
        std::string name = ("idx_" + column + "_" + c.id).substr(0, 64);
        c.indexes.push_back("CREATE UNIQUE INDEX `" + name + "` ON `" + c.name + "` (`" + column + "`)" + where);
    };
    add("tokenKey", "");
    add("email", " WHERE `email` != ''");
}

Collection CollectionStore::scaffold(CollectionType type, const std::string& name) {
    Collection c;
    c.name = name;
    c.type = type;
    c.id = defaultCollectionId(toString(type), name);
    c.isNew = true;
    c.autogeneratedId = c.id;
    if (type != CollectionType::View) c.fields.push_back(idField());
    if (type == CollectionType::Auth) {
        for (auto& f : authFields()) c.fields.push_back(std::move(f));
        c.options = authOptions(name == "_superusers");
        ensureAuthIndexes(c);
    } else if (type == CollectionType::View) {
        c.options.set("viewQuery", "");
    }
    return c;
}

void CollectionStore::createSystemCollections() {
    auto now = timeutil::now();
    const std::string owner =
        "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId";
    auto text = [](const std::string& n, bool hidden = false) {
        return makeField(n, FieldType::Text, json::Value(json::Object{{"required", true}}), true, hidden);
    };

    Collection su = scaffold(CollectionType::Auth, "_superusers");
    su.system = true;
    su.fields.push_back(autodate("created", false, true));
    su.fields.push_back(autodate("updated", true, true));
    save(su);

    Collection users = scaffold(CollectionType::Auth, "users");
    users.id = "_pb_users_auth_";
    users.indexes = {"CREATE UNIQUE INDEX `idx_tokenKey__pb_users_auth_` ON `users` (`tokenKey`)",
                     "CREATE UNIQUE INDEX `idx_email__pb_users_auth_` ON `users` (`email`) WHERE `email` != ''"};
    users.listRule = users.viewRule = users.updateRule = users.deleteRule = std::string("id = @request.auth.id");
    users.createRule = std::string("");
    users.options["oauth2"]["mappedFields"].set("name", "name");
    users.options["oauth2"]["mappedFields"].set("avatarURL", "avatar");
    users.fields.push_back(makeField("name", FieldType::Text, json::Value(json::Object{{"max", 255.0}}), false));
    users.fields.push_back(makeField(
        "avatar", FieldType::File,
        json::Value(json::Object{{"maxSelect", 1.0},
                                 {"mimeTypes", json::Value(json::Array{"image/jpeg", "image/png", "image/svg+xml",
                                                                       "image/gif", "image/webp"})}}),
        false));
    users.fields.push_back(autodate("created", false, false));
    users.fields.push_back(autodate("updated", true, false));
    save(users);

    struct Sys {
        const char* name;
        const char* id;
        std::vector<Field> fields;
        std::vector<std::string> indexes;
        bool ownerDelete;
    };
    std::vector<Sys> sys = {
        {"_mfas", "pbc_2279338944", {text("collectionRef"), text("recordRef"), text("method")},
         {"CREATE INDEX `idx_mfas_collectionRef_recordRef` ON `_mfas` (collectionRef,recordRef)"}, false},
        {"_otps", "pbc_1638494021",
         {text("collectionRef"), text("recordRef"),
          makeField("password", FieldType::Password, json::Value(json::Object{{"cost", 8.0}, {"required", true}}), true, true),
          makeField("sentTo", FieldType::Text, json::Value::object(), true, true)},
         {"CREATE INDEX `idx_otps_collectionRef_recordRef` ON `_otps` (collectionRef, recordRef)"}, false},
        {"_externalAuths", "pbc_2281828961", {text("collectionRef"), text("recordRef"), text("provider"), text("providerId")},
         {"CREATE UNIQUE INDEX `idx_externalAuths_record_provider` ON `_externalAuths` (collectionRef, recordRef, provider)",
          "CREATE UNIQUE INDEX `idx_externalAuths_collection_provider` ON `_externalAuths` (collectionRef, provider, providerId)"},
         true},
        {"_authOrigins", "pbc_4275539003", {text("collectionRef"), text("recordRef"), text("fingerprint")},
         {"CREATE UNIQUE INDEX `idx_authOrigins_unique_pairs` ON `_authOrigins` (collectionRef, recordRef, fingerprint)"}, true},
    };
    for (auto& s : sys) {
        Collection c = scaffold(CollectionType::Base, s.name);
        c.id = s.id;
        c.system = true;
        for (auto& f : s.fields) c.fields.push_back(f);
        c.fields.push_back(autodate("created", false, true));
        c.fields.push_back(autodate("updated", true, true));
        c.indexes = s.indexes;
        c.listRule = c.viewRule = owner;
        if (s.ownerDelete) c.deleteRule = owner;
        save(c);
    }
    (void)now;
}

}  // namespace pb::schema
