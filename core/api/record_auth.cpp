// Auth endpoints of auth collections: auth-methods, auth-with-password, auth-refresh, impersonate.
#include "api/auth_flows.hpp"
#include "api/middlewares.hpp"
#include "api/record_expand.hpp"
#include "api/request_events.hpp"
#include "api/routes.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "records/rule_sql.hpp"
#include "records/validator.hpp"
#include "util/strings.hpp"

namespace pb::api {

using records::RecordPtr;

namespace {

// The body of every auth response: {token, record (with its email), meta when set}.
void writeAuthBody(RequestEvent& e, RecordAuthRequestEvent& x) {
    x.record->ignoreEmailVisibility = true;
    json::Value out = json::Value::object();
    out.set("token", x.token);
    out.set("record", recordToJson(e.app, e, x.record));
    if (!x.meta.isNull()) out.set("meta", x.meta);
    e.json(200, out);
}

// Writes {token, record[, meta]} after the common auth checks and the OnRecordAuthRequest hook.
void authResponse(RequestEvent& e, const schema::CollectionPtr& c, const RecordPtr& r, const std::string& method,
                  std::string token = "", json::Value meta = json::Value()) {
    App& app = e.app;
    if (r->isSuperuser() && !superuserIpAllowed(e)) throw forbidden();  // superuserIPs
    if (!recordMatchesRule(e, *c, *r, c->authRule()))
        throw forbidden("The request doesn't satisfy the collection requirements to authenticate.");
    if (token.empty()) token = app.newAuthToken(*r);
    auto ev = recordRequestEvent<RecordAuthRequestEvent>(e, c, r);
    ev.token = token;
    ev.meta = meta;
    ev.authMethod = method;
    app.hooks().onRecordAuthRequest.trigger(ev, [&](RecordAuthRequestEvent& x) {
        if (enforceMfa(e, c, x.record, x.authMethod)) return;  // first factor: 401 {mfaId}
        recordAuthOrigin(e, x.record, x.authMethod);
        writeAuthBody(e, x);
    });
}

void authMethods(RequestEvent& e) {
    auto c = authCollectionOf(e);
    const auto& o = c->options;
    bool pwEnabled = o["passwordAuth"]["enabled"].getBool();
    json::Value identity = o["passwordAuth"]["identityFields"];
    if (!identity.isArray()) identity = json::Value::array();
    bool mfa = o["mfa"]["enabled"].getBool(), otp = o["otp"]["enabled"].getBool();
    json::Value out = json::Value::object();
    out.set("password", json::Value(json::Object{{"enabled", pwEnabled}, {"identityFields", identity}}));
    json::Value oauth2 = oauth2AuthMethods(*c);
    out.set("oauth2", oauth2);
    out.set("mfa", json::Value(json::Object{{"enabled", mfa}, {"duration", mfa ? o["mfa"]["duration"].getNumber() : 0.0}}));
    out.set("otp", json::Value(json::Object{{"enabled", otp}, {"duration", otp ? o["otp"]["duration"].getNumber() : 0.0}}));
    // Legacy keys kept by PocketBase for older SDKs.
    bool hasUsername = false, hasEmail = false;
    for (auto& f : identity.asArray()) {
        if (f.getString() == "email") hasEmail = true;
        if (f.getString() == "username") hasUsername = true;
    }
    // The legacy list mirrors oauth2.providers (an empty array while OAuth2 is disabled, as in
    // PocketBase 0.40; older versions sent null).
    out.set("authProviders", oauth2["providers"]);
    out.set("usernamePassword", pwEnabled && hasUsername);
    out.set("emailPassword", pwEnabled && hasEmail);
    e.json(200, out);
}

RecordPtr findByIdentity(App& app, const schema::CollectionPtr& c, const std::string& field, const std::string& value) {
    auto* f = c->field(field);
    if (!f) return nullptr;
    // Case-insensitive for email (unique index is NOCASE in PocketBase's default setup).
    std::string sql = "SELECT * FROM " + db::quoteIdent(c->name) + " WHERE " + db::quoteIdent(field) + "=?" +
                      (field == "email" ? " COLLATE NOCASE" : "") + " LIMIT 1";
    auto rows = app.db().query(sql, {value});
    if (rows.empty()) return nullptr;
    return app.recordFromRow(c, rows[0]);
}

void authWithPassword(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    if (!c->options["passwordAuth"]["enabled"].getBool()) throw forbidden("The collection is not configured to allow password authentication.");
    const auto& body = e.body();
    std::string identity = body["identity"].getString();
    std::string password = body["password"].getString();
    std::string identityField = body["identityField"].getString();
    ValidationErrors errs;
    if (identity.empty()) errs.add("identity", "validation_required", "Cannot be blank.");
    else if (identity.size() > 255) errs.add("identity", "validation_length_out_of_range", "The length must be between 1 and 255.");
    if (password.empty()) errs.add("password", "validation_required", "Cannot be blank.");
    else if (password.size() > 255) errs.add("password", "validation_length_out_of_range", "The length must be between 1 and 255.");
    auto& fields = c->options["passwordAuth"]["identityFields"];
    if (!identityField.empty()) {
        bool ok = false;
        if (fields.isArray())
            for (auto& f : fields.asArray()) ok = ok || f.getString() == identityField;
        if (!ok) errs.add("identityField", "validation_in_invalid", "Must be a valid value.");
    }
    errs.throwIfAny("An error occurred while validating the submitted data.");

    RecordPtr record;
    std::string usedField = identityField;
    if (!identityField.empty()) {
        record = findByIdentity(app, c, identityField, identity);
    } else if (fields.isArray()) {
        // email first (skipped when the input isn't an email), then the others in order.
        std::vector<std::string> order;
        for (auto& f : fields.asArray())
            if (f.getString() == "email") order.push_back("email");
        for (auto& f : fields.asArray())
            if (f.getString() != "email") order.push_back(f.getString());
        for (auto& f : order) {
            if (f == "email" && !records::isValidEmail(identity)) continue;
            record = findByIdentity(app, c, f, identity);
            if (record) {
                usedField = f;
                break;
            }
        }
    }
    auto ev = recordRequestEvent<RecordAuthWithPasswordRequestEvent>(e, c, record);
    ev.identity = identity;
    ev.identityField = usedField;
    ev.password = password;
    e.context = "password";
    app.hooks().onRecordAuthWithPasswordRequest.trigger(ev, [&](RecordAuthWithPasswordRequestEvent& x) {
        bool ok = false;
        if (x.record) ok = x.record->validatePassword(x.password);
        else auth::verifyPassword(x.password, auth::dummyHash(records::passwordCost(*c)));  // equalise timing
        if (!ok) throw badRequest("Failed to authenticate.");
        authResponse(e, c, x.record, "password");
    });
}

void authRefresh(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    if (!e.auth) throw unauthorized("The request requires valid record authorization token.");
    if (e.auth->collection().id != c->id) throw forbidden("The request requires valid record authorization token.");
    auto record = app.findRecordById(c, e.auth->id());
    if (!record) throw notFound("Missing auth record context.");
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, record);
    app.hooks().onRecordAuthRefreshRequest.trigger(ev, [&](RecordRequestEvent& x) {
        // Non-refreshable tokens (impersonate) are echoed back unchanged.
        std::string current = e.request.headerOr("authorization");
        if (str::istartsWith(current, "bearer ")) current = std::string(str::trim(current.substr(7)));
        std::string token;
        auto claims = auth::parseUnverified(current);
        if (claims && claims->isObject() && !(*claims)["refreshable"].getBool(true)) token = current;
        authResponse(e, c, x.record, "", token);
    });
}

void impersonate(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    auto record = app.findRecordById(c, e.pathValue("id"));
    if (!record) throw notFound();
    const auto& body = e.body();
    double duration = 0;
    if (body.has("duration")) {
        if (!body["duration"].isNumber() || body["duration"].asNumber() < 0) {
            ValidationErrors errs;
            errs.add("duration", "validation_min_greater_equal_than_required", "Must be no less than 0.");
            errs.throwIfAny("An error occurred while validating the submitted data.");
        }
        duration = body["duration"].asNumber();
    }
    std::string token = app.newAuthToken(*record, static_cast<int64_t>(duration), false);
    // Every auth response goes through OnRecordAuthRequest (authMethod ""), like PocketBase.
    auto ev = recordRequestEvent<RecordAuthRequestEvent>(e, c, record);
    ev.token = token;
    app.hooks().onRecordAuthRequest.trigger(ev, [&](RecordAuthRequestEvent& x) { writeAuthBody(e, x); });
}

}  // namespace

void recordAuthResponse(RequestEvent& e, const schema::CollectionPtr& c, const RecordPtr& r, const std::string& method,
                        json::Value meta) {
    authResponse(e, c, r, method, "", std::move(meta));
}

void registerRecordAuthRoutes(App& app) {
    auto& g = app.router().group("/api/collections/{collection}");
    g.get("/auth-methods", authMethods);
    g.post("/auth-with-password", authWithPassword);
    g.post("/auth-refresh", authRefresh);
    g.post("/impersonate/{id}", impersonate, {requireSuperuserAuth()});
}

}  // namespace pb::api
