// OAuth2: POST /api/collections/{c}/auth-with-oauth2, the oauth2 part of auth-methods,
// GET|POST /api/oauth2-redirect (SDK popup flow over realtime) and
// GET /api/collections/meta/oauth2-providers (PocketBase apis/record_auth_with_oauth2*.go).
#include <cstdlib>

#include "api/auth_flows.hpp"
#include "api/middlewares.hpp"
#include "api/request_events.hpp"
#include "auth/oauth2.hpp"
#include "files/mime.hpp"
#include "net/http_client.hpp"
#include "realtime/broker.hpp"
#include "records/validator.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::api {

using records::RecordPtr;

namespace {

constexpr const char* kLoadError = "An error occurred while loading the submitted data.";
constexpr const char* kOAuth2Topic = "@oauth2";
constexpr long kAvatarTimeoutMs = 15000;

// Set on this thread while the internal create request of a new OAuth2 record runs.
struct InternalCreate {
    RecordPtr auth;
};
thread_local const InternalCreate* tInternalCreate = nullptr;

// Whole provider exchange budget (token + user info); PB_OAUTH2_TIMEOUT_MS overrides (tests).
long providerTimeoutMs() {
    if (const char* v = std::getenv("PB_OAUTH2_TIMEOUT_MS")) {
        long ms = std::atol(v);
        if (ms > 0) return ms;
    }
    return 30000;
}

const json::Value* providerConfig(const schema::Collection& c, const std::string& name) {
    const auto& ps = c.options["oauth2"]["providers"];
    if (!ps.isArray() || name.empty()) return nullptr;
    for (auto& p : ps.asArray())
        if (p["name"].getString() == name) return &p;
    return nullptr;
}

RecordPtr findExternalAuth(App& app, const schema::Collection& c, const std::string& provider, const std::string& providerId) {
    auto ea = app.findCollection("_externalAuths");
    if (!ea) throw internalError("Missing _externalAuths collection.");
    auto rows = app.db().query(
        "SELECT * FROM `_externalAuths` WHERE `collectionRef`=? AND `provider`=? AND `providerId`=? LIMIT 1",
        {c.id, provider, providerId});
    return rows.empty() ? nullptr : app.recordFromRow(ea, rows[0]);
}

// The username mapping is applied only when the value is free (single-column unique index) and
// valid for the (text) field, like PocketBase's oldCanAssignUsername.
bool canAssignUsername(App& app, const schema::CollectionPtr& c, const std::string& field, const std::string& value) {
    const auto* f = c->field(field);
    if (!f || f->type != "text" || value.empty()) return false;
    auto rows = app.db().query("SELECT 1 FROM " + db::quoteIdent(c->name) + " WHERE " + db::quoteIdent(field) + "=? LIMIT 1", {value});
    if (!rows.empty()) return false;
    try {
        records::Record probe(c);
        probe.set(field, value);
        auto errs = records::validateRecord(probe, [](const std::string&, const std::vector<std::string>&) {
            return std::vector<std::string>{};
        });
        return !errs.has(field);
    } catch (const std::exception&) {
        return false;
    }
}

struct Avatar {
    std::string filename, contentType, data;
};

// Downloads the provider avatar through the SSRF-safe client; nullopt (logged) on any failure.
std::optional<Avatar> downloadAvatar(App& app, const std::string& url) {
    try {
        net::ClientRequest req;
        req.url = url;
        req.timeoutMs = kAvatarTimeoutMs;
        req.followRedirects = true;
        req.blockPrivateAddresses = true;
        auto res = net::send(req);
        if (res.status < 200 || res.status > 299) throw std::runtime_error("status " + std::to_string(res.status));
        Avatar a;
        a.data = std::move(res.body);
        const std::string* ct = res.header("content-type");
        a.contentType = ct ? files::baseMime(*ct) : files::detectMime(a.data);
        if (a.contentType.empty() || a.contentType.find_first_of("\r\n\"") != std::string::npos) a.contentType = files::detectMime(a.data);
        std::string ext = files::extensionFor(a.contentType);
        a.filename = "avatar" + (ext.empty() ? std::string(".png") : ext);
        return a;
    } catch (const std::exception& ex) {
        app.logError(std::string("Failed to retrieve OAuth2 avatar: ") + ex.what());
        return std::nullopt;
    }
}

std::string multipartWithFile(const json::Value& payload, const std::string& field, const Avatar& a, std::string& boundary) {
    do boundary = "pboauth2" + random::string(30);
    while (a.data.find(boundary) != std::string::npos);
    std::string out = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"@jsonPayload\"\r\n\r\n" + payload.dump() +
                      "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" +
                      a.filename + "\"\r\nContent-Type: " + a.contentType + "\r\n\r\n" + a.data + "\r\n--" + boundary + "--\r\n";
    return out;
}

// Creates the record through POST /api/collections/{c}/records (rules, hooks, validation) with
// @request.context = "oauth2" and the outer request's auth. Errors of that request are rethrown.
RecordPtr internalCreate(RequestEvent& e, const schema::CollectionPtr& c, const json::Value& payload,
                         const std::string& fileField, const std::optional<Avatar>& avatar) {
    App& app = e.app;
    http::Request sub;
    sub.method = "POST";
    sub.path = "/api/collections/" + str::urlEncode(c->name) + "/records";
    sub.remoteIp = e.request.remoteIp;
    for (auto& [k, v] : e.request.headers)
        if (k == "user-agent" || k == "x-forwarded-for" || k == "x-real-ip" || k == "accept-language") sub.headers.emplace_back(k, v);
    if (avatar) {
        std::string boundary;
        sub.body = multipartWithFile(payload, fileField, *avatar, boundary);
        sub.headers.emplace_back("content-type", "multipart/form-data; boundary=" + boundary);
    } else {
        sub.body = payload.dump();
        sub.headers.emplace_back("content-type", "application/json");
    }
    http::Response res;
    InternalCreate state{e.auth};
    const InternalCreate* prev = tInternalCreate;
    tInternalCreate = &state;
    try {
        app.handle(sub, res);
    } catch (...) {
        tInternalCreate = prev;
        throw;
    }
    tInternalCreate = prev;
    auto body = json::parse(res.body);
    if (res.status != 200) {
        if (body && body->isObject() && body->has("message"))
            throw ApiError(res.status, (*body)["message"].getString(),
                           (*body)["data"].isObject() ? (*body)["data"] : json::Value::object());
        throw badRequest("Failed to authenticate.");
    }
    std::string id = body ? (*body)["id"].getString() : "";
    auto r = id.empty() ? nullptr : app.findRecordById(c, id);
    if (!r) throw badRequest("Failed to authenticate.");
    return r;
}

// A brand-new record: createData + provider email + mapped fields + random password.
RecordPtr createFromOAuth2(RequestEvent& e, const schema::CollectionPtr& c, const oauth2::AuthUser& user,
                           const json::Value& createData) {
    App& app = e.app;
    if (c->name == "_superusers") throw badRequest("Failed to authenticate.");  // no SU sign-up via OAuth2
    json::Value payload = createData.isObject() ? createData : json::Value::object();
    payload.set("email", user.email);
    if (payload["password"].getString().empty()) {
        std::string pw = random::string(30);
        payload.set("password", pw);
        payload.set("passwordConfirm", pw);
    }
    const auto& mf = c->options["oauth2"]["mappedFields"];
    auto mapped = [&](const char* key) { return mf[key].getString(); };
    if (auto f = mapped("id"); !f.empty() && !payload.has(f)) payload.set(f, user.id);
    if (auto f = mapped("name"); !f.empty() && !payload.has(f)) payload.set(f, user.name);
    if (auto f = mapped("username"); !f.empty() && !payload.has(f) && canAssignUsername(app, c, f, user.username))
        payload.set(f, user.username);
    std::optional<Avatar> avatar;
    std::string avatarField = mapped("avatarURL");
    if (!avatarField.empty() && !payload.has(avatarField) && !user.avatarURL.empty()) {
        const auto* f = c->field(avatarField);
        if (f && f->type == "file") avatar = downloadAvatar(app, user.avatarURL);
        else payload.set(avatarField, user.avatarURL);
    }
    auto r = internalCreate(e, c, payload, avatarField, avatar);
    if (r->email() == user.email && !r->verified()) {
        // Verified as long as it matches the provider's (verified) email, even when empty.
        r->set("verified", true);
        app.save(*r);
    }
    return r;
}

// Deletes the record's links except the one for (provider, providerId).
void deleteOtherLinks(App& app, const schema::Collection& c, const records::Record& r, const std::string& provider,
                      const std::string& providerId) {
    auto ea = app.findCollection("_externalAuths");
    auto rows = app.db().query("SELECT * FROM `_externalAuths` WHERE `collectionRef`=? AND `recordRef`=?", {c.id, r.id()});
    for (auto& row : rows) {
        auto link = app.recordFromRow(ea, row);
        if (link->getString("provider") == provider && link->getString("providerId") == providerId) continue;
        app.deleteRecord(*link);
    }
}

void oauth2Submit(RecordAuthWithOAuth2RequestEvent& x, RequestEvent& e) {
    App& app = e.app;
    const auto& c = x.collection;
    const auto& user = x.oauth2User;
    app.runInTransaction([&] {
        if (!x.record) {
            x.record = createFromOAuth2(e, c, user, x.createData);
        } else {
            auto& r = *x.record;
            bool needUpdate = false;
            bool isLogged = e.auth && e.auth->id() == r.id() && e.auth->collection().id == c->id;
            // Whoever registered this email with a password before it was proven may not keep
            // the password (GHSA-m93w-4fxv-r35v).
            if (!isLogged && !r.email().empty() && !r.verified()) {
                r.setPassword(random::string(30));
                needUpdate = true;
            }
            // A record created earlier through a provider without an email gets this one.
            if (r.email().empty() && !user.email.empty()) {
                r.set("email", user.email);
                needUpdate = true;
            }
            if (!r.verified() && (r.email().empty() || r.email() == user.email)) {
                r.set("verified", true);  // the save drops the record's earlier links
                needUpdate = true;
            }
            if (needUpdate) app.save(r);
        }
        // An unverified record holds at most one link (GHSA-pq7p-mc74-g65w).
        if (!x.record->verified()) deleteOtherLinks(app, *c, *x.record, x.providerName, user.id);
        // (Re)create the link: it may be new, or dropped by the unverified->verified save above.
        if (!findExternalAuth(app, *c, x.providerName, user.id)) {
            auto ea = app.findCollection("_externalAuths");
            records::Record link(ea);
            link.set("collectionRef", c->id);
            link.set("recordRef", x.record->id());
            link.set("provider", x.providerName);
            link.set("providerId", user.id);
            app.save(link);
        }
    });
}

void authWithOAuth2(RequestEvent& e) {
    App& app = e.app;
    auto c = authCollectionOf(e);
    if (!c->options["oauth2"]["enabled"].getBool())
        throw forbidden("The collection is not configured to allow OAuth2 authentication.");
    RecordPtr fallback = e.auth && e.auth->collection().id == c->id ? e.auth : nullptr;

    const auto& body = e.body();
    for (const char* key : {"provider", "code", "codeVerifier", "redirectURL", "redirectUrl"})
        if (body.has(key) && !body[key].isString() && !body[key].isNull()) throw badRequest(kLoadError);
    if (body.has("createData") && !body["createData"].isObject() && !body["createData"].isNull()) throw badRequest(kLoadError);
    std::string providerName = body["provider"].getString();
    std::string code = body["code"].getString();
    std::string verifier = body["codeVerifier"].getString();
    std::string redirectURL = body["redirectURL"].getString();
    if (redirectURL.empty()) redirectURL = body["redirectUrl"].getString();  // legacy name
    ValidationErrors errs;
    const json::Value* cfg = providerConfig(*c, providerName);
    std::optional<oauth2::Provider> provider = cfg ? oauth2::initProvider(*cfg) : std::nullopt;
    if (providerName.empty()) errs.add("provider", "validation_required", "Cannot be blank.");
    else if (!provider)
        errs.add("provider", "validation_invalid_provider", "Provider with name \"" + providerName + "\" is missing or is not enabled.");
    if (code.empty()) errs.add("code", "validation_required", "Cannot be blank.");
    if (redirectURL.empty()) errs.add("redirectURL", "validation_required", "Cannot be blank.");
    errs.throwIfAny(kLoadError);

    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(providerTimeoutMs());
    oauth2::Token token;
    try {
        token = oauth2::fetchToken(*provider, code, verifier, redirectURL, deadline);
    } catch (const oauth2::Error& ex) {
        app.logError(std::string("auth-with-oauth2 (") + providerName + "): " + ex.what());
        throw badRequest("Failed to fetch OAuth2 token.");
    }
    oauth2::AuthUser user;
    try {
        user = oauth2::fetchAuthUser(*provider, token, deadline);
    } catch (const oauth2::Error& ex) {
        app.logError(std::string("auth-with-oauth2 (") + providerName + "): " + ex.what());
        throw badRequest("Failed to fetch OAuth2 user.");
    }

    // Lookup order: existing link, the caller's own record, a record with the same email.
    RecordPtr record;
    if (auto link = findExternalAuth(app, *c, providerName, user.id)) {
        record = app.findRecordById(c, link->getString("recordRef"));
        if (!record) app.deleteRecord(*link);  // dangling link: relink below
    }
    if (!record && fallback) record = app.findRecordById(c, fallback->id());
    if (!record && !user.email.empty()) record = app.findAuthRecordByEmail(c, user.email);

    auto ev = recordRequestEvent<RecordAuthWithOAuth2RequestEvent>(e, c, record);
    ev.providerName = providerName;
    ev.oauth2User = user;
    ev.createData = body["createData"].isObject() ? body["createData"] : json::Value::object();
    ev.isNewRecord = !record;
    app.hooks().onRecordAuthWithOAuth2Request.trigger(ev, [&](RecordAuthWithOAuth2RequestEvent& x) {
        try {
            oauth2Submit(x, e);
        } catch (const ApiError&) {
            throw;
        } catch (const std::exception& ex) {
            app.logError(std::string("auth-with-oauth2 submit: ") + ex.what());
            throw badRequest("Failed to authenticate.");
        }
        recordAuthResponse(e, c, x.record, "oauth2", oauth2::metaJson(x.oauth2User, x.isNewRecord));
    });
}

// ---- popup flow: the provider redirects the browser here; the code goes to the SSE client ----

void redirectPage(RequestEvent& e, bool ok) {
    // No admin UI is bundled: PocketBase's plain fallbacks.
    if (ok) e.string(200, "Auth completed. You can close this window and go back to the app.", "text/html; charset=utf-8");
    else e.string(200, "Failed to authenticate. You can close this window and go back to the app to try again.");
}

void oauth2Redirect(RequestEvent& e) {
    App& app = e.app;
    std::string state, code, error;
    if (e.request.method == "POST") {
        json::Value body;
        try {
            body = e.body();
        } catch (const ApiError&) {
            return redirectPage(e, false);
        }
        state = body["state"].getString();
        code = body["code"].getString();
        error = body["error"].getString();
    } else {
        state = e.request.queryParam("state").value_or("");
        code = e.request.queryParam("code").value_or("");
        error = e.request.queryParam("error").value_or("");
    }
    if (state.empty() || !app.hasRealtime()) return redirectPage(e, false);
    auto client = app.realtime().client(state);
    if (!client || !client->isOpen() || !client->hasSubscription(kOAuth2Topic) || client->ip() != e.request.remoteIp)
        return redirectPage(e, false);
    json::Value data(json::Object{{"state", state}, {"code", code}});
    if (!error.empty()) data.set("error", error);
    app.realtime().sendTo(client, kOAuth2Topic, data.dump());
    client->unsubscribe({kOAuth2Topic});
    redirectPage(e, error.empty() && !code.empty());
}

void oauth2ProvidersList(RequestEvent& e) {
    json::Value out = json::Value::array();
    for (auto& p : oauth2::knownProviders())
        out.push(json::Value(json::Object{{"name", p.name}, {"displayName", p.displayName}, {"logo", p.logo}}));
    e.json(200, out);
}

}  // namespace

json::Value oauth2AuthMethods(const schema::Collection& c) {
    json::Value providers = json::Value::array();
    bool enabled = c.options["oauth2"]["enabled"].getBool();
    if (enabled) {
        const auto& cfgs = c.options["oauth2"]["providers"];
        if (cfgs.isArray()) {
            for (auto& cfg : cfgs.asArray()) {
                auto p = oauth2::initProvider(cfg);
                if (!p) continue;  // unknown provider: skipped like a failed InitProvider
                json::Value info = json::Value::object();
                info.set("name", p->info.name);
                info.set("displayName", p->info.displayName.empty() ? p->info.name : p->info.displayName);
                info.set("logo", p->info.logo);
                std::string state = random::string(30);
                info.set("state", state);
                std::vector<std::pair<std::string, std::string>> params;
                std::string verifier, challenge, method;
                if (p->info.pkce) {
                    verifier = random::string(43);
                    challenge = oauth2::s256Challenge(verifier);
                    method = "S256";
                    params = {{"code_challenge", challenge}, {"code_challenge_method", method}};
                }
                // Empty redirect_uri last, so clients can append their redirect URL.
                std::string url = oauth2::buildAuthURL(*p, state, params) + "&redirect_uri=";
                info.set("authURL", url);
                info.set("authUrl", url);
                info.set("codeVerifier", verifier);
                info.set("codeChallenge", challenge);
                info.set("codeChallengeMethod", method);
                providers.push(std::move(info));
            }
        }
    }
    return json::Value(json::Object{{"providers", providers}, {"enabled", enabled}});
}

void registerRecordAuthOAuth2Routes(App& app) {
    // Internal create requests of auth-with-oauth2 run as the outer caller, context "oauth2".
    app.router().bind({"pbOAuth2Context", -1018,
                       [](RequestEvent& e) {
                           if (tInternalCreate) {
                               e.auth = tInternalCreate->auth;
                               e.context = "oauth2";
                           }
                           e.next();
                       },
                       {}});
    app.router().group("/api/collections/{collection}").post("/auth-with-oauth2", authWithOAuth2);
    app.router().group("/api/collections").get("/meta/oauth2-providers", oauth2ProvidersList, {requireSuperuserAuth()});
    auto& r = app.router().group("/api/oauth2-redirect");
    r.get("", oauth2Redirect);
    r.post("", oauth2Redirect);
}

}  // namespace pb::api
