// OAuth2 providers: defaults, authorization URL, code exchange, user info (see oauth2.hpp).
#include "auth/oauth2.hpp"

#include <algorithm>
#include <cmath>

#include "auth/jwt.hpp"
#include "net/http_client.hpp"
#include "util/base64.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::oauth2 {

namespace {

// Simple monochrome badges (our own artwork, not the vendors' logos).
std::string badge(const char* letter, const char* color) {
    return std::string("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><circle cx=\"16\" cy=\"16\" r=\"16\" fill=\"") +
           color + "\"/><text x=\"16\" y=\"21\" font-size=\"14\" font-family=\"sans-serif\" text-anchor=\"middle\" fill=\"#fff\">" +
           letter + "</text></svg>";
}

std::vector<ProviderInfo> makeKnown() {
    const std::vector<std::string> oidcScopes = {"openid", "email", "profile"};
    std::vector<ProviderInfo> v;
    for (const char* n : {"oidc", "oidc2", "oidc3"})
        v.push_back({n, "OIDC", badge("ID", "#555"), true, oidcScopes, "", "", ""});
    v.push_back({"github", "GitHub", badge("GH", "#24292f"), true, {"read:user", "user:email"},
                 "https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token",
                 "https://api.github.com/user"});
    v.push_back({"gitlab", "GitLab", badge("GL", "#e24329"), true, {"read_user"}, "https://gitlab.com/oauth/authorize",
                 "https://gitlab.com/oauth/token", "https://gitlab.com/api/v4/user"});
    v.push_back({"google", "Google", badge("G", "#4285f4"), true,
                 {"https://www.googleapis.com/auth/userinfo.profile", "https://www.googleapis.com/auth/userinfo.email"},
                 "https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token",
                 "https://www.googleapis.com/oauth2/v3/userinfo"});
    v.push_back({"microsoft", "Microsoft", badge("MS", "#00a4ef"), true, {"User.Read"},
                 "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                 "https://login.microsoftonline.com/common/oauth2/v2.0/token", "https://graph.microsoft.com/v1.0/me"});
    return v;
}

// Go's url.QueryEscape (space as '+').
std::string queryEscape(const std::string& s) {
    return str::replaceAll(str::urlEncode(s), "%20", "+");
}

long remainingMs(Deadline deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) throw Error("OAuth2 provider request timeout");
    return static_cast<long>(left);
}

net::ClientResponse call(net::ClientRequest req, Deadline deadline) {
    req.timeoutMs = remainingMs(deadline);
    req.maxResponseBytes = 8u << 20;
    try {
        return net::send(req);
    } catch (const std::exception& ex) {
        throw Error(ex.what());
    }
}

std::string truncated(const std::string& s) {
    return s.size() > 500 ? s.substr(0, 500) + "..." : s;
}

json::Value parseObject(const std::string& body, const char* what) {
    auto v = json::parse(body);
    if (!v || !v->isObject()) throw Error(std::string("invalid ") + what + " response (expected a JSON object)");
    return *v;
}

// Numbers (GitHub/GitLab ids) and strings alike.
std::string scalar(const json::Value& v) {
    if (v.isString()) return v.asString();
    if (v.isNumber()) return json::formatNumber(v.asNumber());
    return "";
}

// OIDC `email_verified` may be a bool or a "true"/"false" string (spf13/cast semantics).
bool truthy(const json::Value& v) {
    if (v.isBool()) return v.asBool();
    if (v.isString()) {
        auto s = str::lower(v.asString());
        return s == "1" || s == "t" || s == "true";
    }
    if (v.isNumber()) return v.asNumber() != 0;
    return false;
}

std::string bearerGet(const Provider& p, const std::string& url, const Token& t, Deadline deadline, int* statusOut = nullptr) {
    net::ClientRequest req;
    req.url = url;
    req.headers = {{"Authorization", "Bearer " + t.accessToken}, {"Accept", "application/json"}};
    auto res = call(req, deadline);
    if (statusOut) {
        *statusOut = res.status;
        return res.body;
    }
    if (res.status >= 400)
        throw Error("failed to fetch OAuth2 user profile via " + url + " (" + std::to_string(res.status) + "):\n" +
                    truncated(res.body));
    (void)p;
    return res.body;
}

// The id_token claims (OIDC without a userInfoURL): audience and expiry are checked; a
// configured jwksURL (signature check) is not supported and fails closed.
json::Value idTokenClaims(const Provider& p, const Token& t) {
    if (t.idToken.empty()) throw Error("empty id_token");
    if (!p.extra["jwksURL"].getString().empty())
        throw Error("id_token signature verification (extra.jwksURL) is not supported; configure userInfoURL");
    auto claims = auth::parseUnverified(t.idToken);
    if (!claims || !claims->isObject()) throw Error("invalid id_token");
    const auto& aud = (*claims)["aud"];
    bool audOk = aud.isString() && aud.asString() == p.clientId;
    if (aud.isArray())
        for (auto& a : aud.asArray()) audOk = audOk || a.getString() == p.clientId;
    if (!audOk) throw Error("id_token has an invalid audience");
    constexpr double kLeeway = 300;
    double now = static_cast<double>(timeutil::nowSeconds());
    const auto& exp = (*claims)["exp"];
    if (exp.isNumber() && exp.asNumber() + kLeeway < now) throw Error("id_token is expired");
    const auto& iat = (*claims)["iat"];
    if (iat.isNumber() && iat.asNumber() - kLeeway > now) throw Error("id_token is used before issued");
    if (auto* issuers = p.extra.find("issuers"); issuers && issuers->isArray() && issuers->size() > 0) {
        bool ok = false;
        for (auto& i : issuers->asArray()) ok = ok || (i.isString() && i.asString() == (*claims)["iss"].getString());
        if (!ok) throw Error("id_token has an invalid issuer");
    }
    return *claims;
}

// GitHub: the verified primary address from GET {userInfoURL}/emails ("" when the scope is
// missing). The profile's public `email` is never used: GitHub does not say it is verified.
std::string githubPrimaryEmail(const Provider& p, const Token& t, Deadline deadline) {
    int status = 0;
    std::string body = bearerGet(p, p.info.userInfoURL + "/emails", t, deadline, &status);
    if (status == 401 || status == 403 || status == 404) return "";
    if (status >= 400) throw Error("failed to fetch the GitHub emails (" + std::to_string(status) + ")");
    auto list = json::parse(body);
    if (!list || !list->isArray()) throw Error("invalid GitHub emails response");
    for (auto& e : list->asArray())
        if (e.isObject() && e["verified"].getBool() && e["primary"].getBool()) return e["email"].getString();
    return "";
}

}  // namespace

const std::vector<ProviderInfo>& knownProviders() {
    static const std::vector<ProviderInfo> known = makeKnown();
    return known;
}

const ProviderInfo* findKnownProvider(const std::string& name) {
    for (auto& p : knownProviders())
        if (p.name == name) return &p;
    return nullptr;
}

std::optional<Provider> initProvider(const json::Value& config) {
    const ProviderInfo* known = findKnownProvider(config["name"].getString());
    if (!known) return std::nullopt;
    Provider p;
    p.info = *known;
    p.clientId = config["clientId"].getString();
    p.clientSecret = config["clientSecret"].getString();
    auto override = [&](const char* key, std::string& target) {
        std::string v = config[key].getString();
        if (!v.empty()) target = v;
    };
    override("authURL", p.info.authURL);
    override("tokenURL", p.info.tokenURL);
    override("userInfoURL", p.info.userInfoURL);
    override("displayName", p.info.displayName);
    if (config["pkce"].isBool()) p.info.pkce = config["pkce"].asBool();
    if (config["extra"].isObject()) p.extra = config["extra"];
    return p;
}

std::string buildAuthURL(const Provider& p, const std::string& state,
                         const std::vector<std::pair<std::string, std::string>>& params) {
    std::vector<std::pair<std::string, std::string>> v = {{"response_type", "code"}, {"client_id", p.clientId}};
    if (!p.info.scopes.empty()) v.emplace_back("scope", str::join(p.info.scopes, " "));
    if (!state.empty()) v.emplace_back("state", state);
    for (auto& kv : params) v.push_back(kv);
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::string out = p.info.authURL;
    out += out.find('?') == std::string::npos ? '?' : '&';
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += '&';
        out += queryEscape(v[i].first) + '=' + queryEscape(v[i].second);
    }
    return out;
}

std::string s256Challenge(const std::string& verifier) {
    return base64::encodeUrl(hash::sha256(verifier));
}

Token fetchToken(const Provider& p, const std::string& code, const std::string& codeVerifier,
                 const std::string& redirectURL, Deadline deadline) {
    if (p.info.tokenURL.empty()) throw Error("missing OAuth2 token URL");
    std::vector<std::pair<std::string, std::string>> form = {{"grant_type", "authorization_code"}, {"code", code}};
    if (!redirectURL.empty()) form.emplace_back("redirect_uri", redirectURL);
    if (p.info.pkce) form.emplace_back("code_verifier", codeVerifier);
    form.emplace_back("client_id", p.clientId);
    form.emplace_back("client_secret", p.clientSecret);
    net::ClientRequest req;
    req.method = "POST";
    req.url = p.info.tokenURL;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
    req.body = net::formEncode(form);
    auto res = call(req, deadline);
    if (res.status < 200 || res.status > 299)
        throw Error("oauth2: cannot fetch token: " + std::to_string(res.status) + "\nResponse: " + truncated(res.body));

    json::Value data = json::Value::object();
    const std::string* ct = res.header("content-type");
    std::string type = ct ? str::lower(*ct) : "";
    if (str::startsWith(type, "application/x-www-form-urlencoded") || str::startsWith(type, "text/plain")) {
        for (auto& [k, v] : str::parseQuery(res.body)) data.set(k, v);
    } else {
        data = parseObject(res.body, "token");
    }
    Token t;
    t.accessToken = data["access_token"].getString();
    t.refreshToken = data["refresh_token"].getString();
    t.tokenType = data["token_type"].getString();
    t.idToken = data["id_token"].getString();
    double expiresIn = 0;
    if (data["expires_in"].isNumber()) expiresIn = data["expires_in"].asNumber();
    else if (data["expires_in"].isString()) expiresIn = std::atof(data["expires_in"].asString().c_str());
    if (expiresIn > 0 && std::isfinite(expiresIn) && expiresIn < 1e10)
        t.expiry = timeutil::formatMillis(timeutil::nowMillis() + static_cast<int64_t>(expiresIn) * 1000);
    if (t.accessToken.empty()) throw Error("oauth2: server response missing access_token");
    return t;
}

AuthUser fetchAuthUser(const Provider& p, const Token& t, Deadline deadline) {
    const std::string& name = p.info.name;
    json::Value raw;
    if (str::startsWith(name, "oidc") && p.info.userInfoURL.empty()) raw = idTokenClaims(p, t);
    else {
        if (p.info.userInfoURL.empty()) throw Error("missing OAuth2 user info URL");
        raw = parseObject(bearerGet(p, p.info.userInfoURL, t, deadline), "user info");
    }
    AuthUser u;
    u.rawUser = raw;
    u.accessToken = t.accessToken;
    u.refreshToken = t.refreshToken;
    u.expiry = t.expiry;
    if (str::startsWith(name, "oidc") || name == "google") {
        // Standard claims; the email only when the provider marks it verified.
        u.id = scalar(raw["sub"]);
        u.name = raw["name"].getString();
        if (name != "google") u.username = raw["preferred_username"].getString();
        u.avatarURL = raw["picture"].getString();
        if (truthy(raw["email_verified"])) u.email = raw["email"].getString();
    } else if (name == "github") {
        u.id = scalar(raw["id"]);
        u.name = raw["name"].getString();
        u.username = raw["login"].getString();
        u.avatarURL = raw["avatar_url"].getString();
        u.email = githubPrimaryEmail(p, t, deadline);
    } else if (name == "gitlab") {
        u.id = scalar(raw["id"]);
        u.name = raw["name"].getString();
        u.username = raw["username"].getString();
        u.avatarURL = raw["avatar_url"].getString();
        // GitLab marks a confirmed primary address with confirmed_at.
        if (timeutil::parse(raw["confirmed_at"].getString())) u.email = raw["email"].getString();
    } else if (name == "microsoft") {
        // Graph's `mail` is set by the directory admin; trusted as PocketBase does.
        u.id = scalar(raw["id"]);
        u.name = raw["displayName"].getString();
        u.email = raw["mail"].getString();
    }
    if (u.id.empty()) throw Error("the OAuth2 user info has no id");
    return u;
}

json::Value metaJson(const AuthUser& u, bool isNew) {
    json::Value m = json::Value::object();
    m.set("id", u.id);
    m.set("name", u.name);
    m.set("username", u.username);
    m.set("email", u.email);
    m.set("avatarURL", u.avatarURL);
    m.set("avatarUrl", u.avatarURL);  // legacy alias kept by PocketBase
    m.set("accessToken", u.accessToken);
    m.set("refreshToken", u.refreshToken);
    m.set("expiry", u.expiry);
    m.set("rawUser", u.rawUser);
    m.set("isNew", isNew);
    return m;
}

}  // namespace pb::oauth2
