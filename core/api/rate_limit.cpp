// pbRateLimit (-1000): settings.rateLimits (PocketBase apis/middlewares_rate_limit.go). Runs after the auth
// token is loaded, so superusers are skipped and @guest/@auth audiences are known. The rule
// configuration is cached and refreshed on every settings reload; counters live in a size-capped
// fixed-window store cleaned by the `__pbRateLimitersCleanup__` cron job.
#include <atomic>
#include <memory>

#include "api/activity.hpp"
#include "cron/cron.hpp"
#include "ratelimit/store.hpp"
#include "util/ip.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::api {

namespace {

struct Config {
    bool enabled = false;
    std::vector<RateLimitRule> rules;
    std::vector<std::string> excludedIPs;
    json::Value trustedProxy;
};

struct State {
    std::shared_ptr<const Config> config = std::make_shared<Config>();
    ratelimit::Store store{100000};
};

std::shared_ptr<const Config> loadConfig(App& app) {
    auto cfg = std::make_shared<Config>();
    auto rl = app.settings().section("rateLimits");
    cfg->enabled = rl["enabled"].getBool();
    if (rl["rules"].isArray())
        for (auto& r : rl["rules"].asArray()) {
            RateLimitRule rule;
            rule.label = r["label"].getString();
            rule.audience = r["audience"].getString();
            rule.maxRequests = static_cast<int64_t>(r["maxRequests"].getNumber());
            rule.durationSeconds = static_cast<int64_t>(r["duration"].getNumber());
            if (!rule.label.empty() && rule.maxRequests > 0 && rule.durationSeconds > 0) cfg->rules.push_back(rule);
        }
    if (rl["excludedIPs"].isArray())
        for (auto& ip : rl["excludedIPs"].asArray())
            if (ip.isString()) cfg->excludedIPs.push_back(std::string(str::trim(ip.asString())));
    cfg->trustedProxy = app.settings().section("trustedProxy");
    return cfg;
}

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= path.size()) {
        size_t next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        if (next > pos) out.push_back(str::urlDecode(path.substr(pos, next - pos), false));
        pos = next + 1;
    }
    return out;
}

void check(RequestEvent& e, State& st) {
    auto cfg = std::atomic_load(&st.config);
    if (!cfg->enabled || cfg->rules.empty() || e.hasSuperuserAuth()) return;
    std::string ip = realIp(e.request, cfg->trustedProxy);
    if (ip::inList(cfg->excludedIPs, ip)) return;  // addresses or CIDR subnets

    std::vector<std::string> labels;
    std::string limiterPrefix;
    auto target = rateLimitTarget(e.request.method, e.request.path);
    if (!target.collection.empty() && !target.tags.empty()) {
        // Only existing collections get tagged labels (keeps the limiter ids bounded).
        if (auto c = e.app.findCollection(target.collection)) {
            limiterPrefix = c->id;
            for (auto& t : target.tags) {
                labels.push_back(c->name + ":" + t);
                limiterPrefix += ":" + t;
            }
            for (auto& t : target.tags) labels.push_back("*:" + t);
            limiterPrefix += "|";
        }
    }
    // Decoded, like the path the router matched: "/%61pi/batch" is "/api/batch" to both.
    std::string path = str::urlDecode(e.request.path, false);
    labels.push_back(e.request.method + " " + path);
    labels.push_back(path);

    const std::string audience = e.auth ? "@auth" : "@guest";
    const RateLimitRule* rule = findRateLimitRule(cfg->rules, labels, audience);
    if (!rule) return;
    // Per client: the IP, or the auth record for @auth rules.
    std::string client = rule->audience == "@auth" && e.auth ? "auth:" + e.auth->collection().id + "/" + e.auth->id() : ip;
    std::string key = limiterPrefix + rule->label + rule->audience + "\x1f" + client;
    if (!st.store.allow(key, rule->maxRequests, rule->durationSeconds * 1000, timeutil::nowMillis()))
        throw tooManyRequests();
}

}  // namespace

std::string realIp(const http::Request& req, const json::Value& trustedProxy) {
    const auto& headers = trustedProxy["headers"];
    if (headers.isArray()) {
        const bool leftmost = trustedProxy["useLeftmostIP"].getBool();
        for (auto& h : headers.asArray()) {
            if (!h.isString() || h.asString().empty()) continue;
            const std::string* v = req.header(str::lower(h.asString()));
            if (!v || v->empty()) continue;
            auto ips = str::splitList(*v);
            if (ips.empty()) continue;
            return leftmost ? ips.front() : ips.back();
        }
    }
    return req.remoteIp;
}

RateLimitTarget rateLimitTarget(const std::string& method, const std::string& path) {
    RateLimitTarget t;
    auto seg = splitPath(path);
    if (seg.size() >= 5 && seg[0] == "api" && seg[1] == "files" && method == "GET") {
        t.collection = seg[2];
        t.tags = {"file"};
        return t;
    }
    if (seg.size() < 4 || seg[0] != "api" || seg[1] != "collections") return t;
    const std::string& action = seg[3];
    t.collection = seg[2];
    if (action == "records") {
        if (seg.size() == 4) {
            if (method == "GET" || method == "HEAD") t.tags = {"list"};
            else if (method == "POST") t.tags = {"create"};
        } else if (seg.size() == 5) {
            if (method == "GET" || method == "HEAD") t.tags = {"view"};
            else if (method == "PATCH") t.tags = {"update"};
            else if (method == "DELETE") t.tags = {"delete"};
        }
    } else if (seg.size() == 4) {
        static const std::vector<std::pair<std::string, std::vector<std::string>>> kActions = {
            {"auth-refresh", {"authRefresh"}},
            {"auth-with-password", {"authWithPassword", "auth"}},
            {"auth-with-oauth2", {"authWithOAuth2", "auth"}},
            {"auth-with-otp", {"authWithOTP", "auth"}},
            {"request-otp", {"requestOTP"}},
            {"request-password-reset", {"requestPasswordReset"}},
            {"confirm-password-reset", {"confirmPasswordReset"}},
            {"request-verification", {"requestVerification"}},
            {"confirm-verification", {"confirmVerification"}},
            {"request-email-change", {"requestEmailChange"}},
            {"confirm-email-change", {"confirmEmailChange"}},
        };
        if (action == "auth-methods" && (method == "GET" || method == "HEAD")) {
            t.tags = {"listAuthMethods"};
        } else if (method == "POST") {
            for (auto& [name, tags] : kActions)
                if (name == action) t.tags = tags;
        }
    }
    if (t.tags.empty()) t.collection.clear();
    return t;
}

const RateLimitRule* findRateLimitRule(const std::vector<RateLimitRule>& rules, const std::vector<std::string>& labels,
                                       const std::string& audience) {
    auto audienceOk = [&](const RateLimitRule& r) { return r.audience.empty() || r.audience == audience; };
    std::vector<const RateLimitRule*> prefixRules;
    for (size_t i = 0; i < labels.size(); ++i) {
        for (auto& r : rules) {
            if (labels[i] == r.label && audienceOk(r)) return &r;
            if (i == 0 && !r.label.empty() && r.label.back() == '/') prefixRules.push_back(&r);
        }
        for (auto* r : prefixRules)
            if (str::startsWith(labels[i] + "/", r->label) && audienceOk(*r)) return r;
    }
    return nullptr;
}

void bindRateLimit(App& app) {
    auto st = std::make_shared<State>();
    std::atomic_store(&st->config, loadConfig(app));
    app.hooks().onSettingsReload.bind({"pbRateLimitSettings", 0,
                                       [st](SettingsReloadEvent& e) {
                                           e.next();
                                           std::atomic_store(&st->config, loadConfig(*e.app));
                                       },
                                       {}});
    app.router().bind({"pbRateLimit", kRateLimitPriority,
                       [st](RequestEvent& e) {
                           check(e, *st);
                           e.next();
                       },
                       {}});
    app.cron().add("__pbRateLimitersCleanup__", "2 * * * *", [st] { st->store.cleanup(timeutil::nowMillis()); });
}

}  // namespace pb::api
