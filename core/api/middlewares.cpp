#include "api/middlewares.hpp"

#include <zlib.h>

#include "api/activity.hpp"
#include "util/ip.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

constexpr int kCorsPriority = -1041;
constexpr int kLoadAuthPriority = -1020;
constexpr int kSuperuserIPsPriority = -1015;
constexpr int kSecurityHeadersPriority = -1010;
constexpr int kBodyLimitPriority = -990;
constexpr size_t kDefaultBodyLimit = 32u << 20;

void cors(RequestEvent& e) {
    auto& res = e.response;
    res.setHeader("Vary", "Origin");
    const std::string* origin = e.request.header("origin");
    if (origin) res.setHeader("Access-Control-Allow-Origin", "*");
    if (e.request.method == "OPTIONS" && e.request.header("access-control-request-method")) {
        res.headers.emplace_back("Vary", "Access-Control-Request-Method");
        res.headers.emplace_back("Vary", "Access-Control-Request-Headers");
        res.setHeader("Access-Control-Allow-Origin", "*");
        res.setHeader("Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
        if (auto* h = e.request.header("access-control-request-headers"))
            res.setHeader("Access-Control-Allow-Headers", *h);
        e.noContent(204);
        return;
    }
    e.next();
}

void securityHeaders(RequestEvent& e) {
    e.response.setHeader("X-XSS-Protection", "1; mode=block");
    e.response.setHeader("X-Content-Type-Options", "nosniff");
    e.response.setHeader("X-Frame-Options", "SAMEORIGIN");
    e.response.setHeader("Cross-Origin-Opener-Policy", "same-origin");  // PocketBase 0.40
    e.next();
}

// pbSuperuserIPsWhitelist: a superuser request from outside settings.superuserIPs is refused.
void superuserIPsWhitelist(RequestEvent& e) {
    if (e.hasSuperuserAuth() && !superuserIpAllowed(e)) throw forbidden();
    e.next();
}

}  // namespace

bool superuserIpAllowed(RequestEvent& e) {
    const auto list = e.app.settings().superuserIPs();
    return list.empty() || ip::inList(list, realIp(e.request, e.app.settings().section("trustedProxy")));
}

void loadAuthToken(RequestEvent& e) {
    const std::string* h = e.request.header("authorization");
    if (!h || h->empty()) return;
    std::string token(str::trim(*h));
    if (str::istartsWith(token, "bearer ")) token = std::string(str::trim(token.substr(7)));
    if (token.empty()) return;
    e.auth = e.app.findRecordByToken(token, "auth");  // null for an invalid token: a guest request
}

void bindDefaultMiddlewares(App& app) {
    auto& r = app.router();
    r.bind({"pbCors", kCorsPriority, cors, {}});
    bindActivityLogger(app);  // pbActivityLogger -1040
    r.bind({"pbLoadAuthToken", kLoadAuthPriority,
            [](RequestEvent& e) {
                loadAuthToken(e);
                e.next();
            },
            {}});
    r.bind({"pbSuperuserIPsWhitelist", kSuperuserIPsPriority, superuserIPsWhitelist, {}});
    r.bind({"pbSecurityHeaders", kSecurityHeadersPriority, securityHeaders, {}});
    bindRateLimit(app);  // pbRateLimit -1000
    r.bind(bodyLimit(kDefaultBodyLimit));
}

hook::Handler<RequestEvent> bodyLimit(size_t bytes) {
    return {"pbBodyLimit", kBodyLimitPriority,
            [bytes](RequestEvent& e) {
                if (bytes > 0 && e.request.body.size() > bytes) throw ApiError(413, "Request entity too large.");
                e.next();
            },
            {}};
}

hook::Handler<RequestEvent> requireAuth(std::vector<std::string> collections) {
    return {"pbRequireAuth", 0,
            [collections](RequestEvent& e) {
                if (!e.auth) throw unauthorized("The request requires valid record authorization token.");
                if (!collections.empty()) {
                    bool ok = false;
                    for (auto& c : collections)
                        if (c == e.auth->collection().name || c == e.auth->collection().id) ok = true;
                    if (!ok) throw forbidden("The authorized record is not allowed to perform this action.");
                }
                e.next();
            },
            {}};
}

hook::Handler<RequestEvent> requireSuperuserAuth() {
    return {"pbRequireSuperuserAuth", 0,
            [](RequestEvent& e) {
                if (!e.auth) throw unauthorized("The request requires valid record authorization token.");
                if (!e.auth->isSuperuser()) throw forbidden("The authorized record is not allowed to perform this action.");
                e.next();
            },
            {}};
}

hook::Handler<RequestEvent> requireSuperuserOrOwnerAuth(std::string ownerParam) {
    return {"pbRequireSuperuserOrOwnerAuth", 0,
            [ownerParam](RequestEvent& e) {
                if (!e.auth) throw unauthorized("The request requires superuser or record authorization token.");
                if (!e.auth->isSuperuser() && e.auth->id() != e.pathValue(ownerParam))
                    throw forbidden("You are not allowed to perform this request.");
                e.next();
            },
            {}};
}

hook::Handler<RequestEvent> requireGuestOnly() {
    return {"pbRequireGuestOnly", 0,
            [](RequestEvent& e) {
                if (e.auth) throw badRequest("The request can be accessed only by guests.");
                e.next();
            },
            {}};
}

hook::Handler<RequestEvent> gzip() {
    return {"pbGzip", 0,
            [](RequestEvent& e) {
                e.next();
                auto ae = str::lower(e.request.headerOr("accept-encoding"));
                auto& res = e.response;
                if (ae.find("gzip") == std::string::npos || res.body.size() < 256 || res.header("Content-Encoding")) return;
                z_stream zs{};
                if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return;
                std::string out;
                out.resize(deflateBound(&zs, res.body.size()));
                zs.next_in = reinterpret_cast<Bytef*>(res.body.data());
                zs.avail_in = static_cast<uInt>(res.body.size());
                zs.next_out = reinterpret_cast<Bytef*>(out.data());
                zs.avail_out = static_cast<uInt>(out.size());
                int rc = deflate(&zs, Z_FINISH);
                deflateEnd(&zs);
                if (rc != Z_STREAM_END) return;
                out.resize(zs.total_out);
                res.body = std::move(out);
                res.setHeader("Content-Encoding", "gzip");
                res.headers.emplace_back("Vary", "Accept-Encoding");
            },
            {}};
}

}  // namespace pb::api
