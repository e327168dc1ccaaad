// /api/files: file tokens and record file downloads (protected files, thumbnails, ranges).
#include <charconv>

#include "api/middlewares.hpp"
#include "api/routes.hpp"
#include "api/rule_check.hpp"
#include "app/record_files.hpp"
#include "files/mime.hpp"
#include "files/thumb_gate.hpp"
#include "files/thumbs.hpp"
#include "records/rule_sql.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

namespace FT = schema::FieldType;

constexpr const char* kCsp = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox";
constexpr const char* kCacheControl = "max-age=2592000, stale-while-revalidate=86400";

bool truthy(const std::optional<std::string>& v) {
    if (!v) return false;
    auto s = str::lower(*v);
    return s == "1" || s == "t" || s == "true";
}

bool parseSize(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// Parses a single "bytes=a-b" / "bytes=a-" / "bytes=-n" range. Returns 1 when satisfiable
// (start/end set, inclusive), 0 when the header should be ignored (multi-range, other unit,
// malformed), -1 when unsatisfiable (416).
int parseRange(const std::string& header, uint64_t size, uint64_t& start, uint64_t& end) {
    std::string_view h = str::trim(header);
    if (!str::startsWith(h, "bytes=")) return 0;
    h.remove_prefix(6);
    if (h.find(',') != std::string_view::npos) return 0;
    h = str::trim(h);
    auto dash = h.find('-');
    if (dash == std::string_view::npos) return -1;
    auto a = str::trim(h.substr(0, dash)), b = str::trim(h.substr(dash + 1));
    if (a.empty()) {
        uint64_t n = 0;
        if (!parseSize(b, n) || n == 0 || size == 0) return -1;
        start = n >= size ? 0 : size - n;
        end = size - 1;
        return 1;
    }
    if (!parseSize(a, start) || start >= size) return -1;
    if (b.empty()) {
        end = size - 1;
        return 1;
    }
    if (!parseSize(b, end) || end < start) return -1;
    if (end >= size) end = size - 1;
    return 1;
}

void fileToken(RequestEvent& e) {
    if (!e.auth) throw unauthorized("The request requires valid record authorization token.");
    e.json(200, json::Value(json::Object{{"token", e.app.newToken(*e.auth, "file", 0)}}));
}

bool canAccessProtected(RequestEvent& e, const schema::CollectionPtr& c, const std::string& recordId) {
    App& app = e.app;
    records::RecordPtr tokenAuth;
    if (auto token = e.request.queryParam("token"); token && !token->empty()) {
        tokenAuth = app.findRecordByToken(*token, "file");  // null for any invalid token
    }
    // A superuser file token from outside settings.superuserIPs counts as no token.
    if (tokenAuth && tokenAuth->isSuperuser() && !superuserIpAllowed(e)) tokenAuth = nullptr;
    if (tokenAuth && tokenAuth->isSuperuser()) return true;
    if (!c->viewRule) return false;
    if (c->viewRule->empty()) return true;
    records::RequestInfo info;
    info.method = e.request.method;
    info.context = "protectedFile";
    for (auto& [k, v] : e.request.query)
        if (!info.query.has(k)) info.query.set(k, v);
    if (tokenAuth) info.auth = tokenAuth->toInternalJson();
    return recordPassesRule(app, *c, info, c->viewRule, recordId);
}

void serveFile(RequestEvent& e) {
    App& app = e.app;
    auto c = app.findCollection(e.pathValue("collection"));
    if (!c || c->isView()) throw notFound();
    const std::string recordId = e.pathValue("recordId");
    const std::string filename = e.pathValue("filename");
    if (!files::safeSegment(recordId) || !files::safeSegment(filename)) throw notFound();
    auto record = app.findRecordById(c, recordId);
    if (!record) throw notFound();
    // Only names referenced by the record are served (this is also the traversal guard).
    const schema::Field* field = nullptr;
    for (auto& f : c->fields) {
        if (f.type != FT::File) continue;
        auto names = record->getStringList(f.name);
        if (std::find(names.begin(), names.end(), filename) != names.end()) {
            field = &f;
            break;
        }
    }
    if (!field) throw notFound();
    if (field->opts["protected"].getBool() && !canAccessProtected(e, c, recordId)) throw notFound();

    auto storage = files::storageOf(app);
    auto path = storage.filePath(c->id, recordId, filename);
    if (!path) throw notFound();
    auto data = files::Storage::read(*path);
    if (!data) throw notFound();
    std::string mime = files::detectMime(*data);
    std::string servedName = filename;

    if (auto thumb = e.request.queryParam("thumb"); thumb && !thumb->empty() && files::thumbSupported(mime)) {
        bool allowed = *thumb == "100x100";
        const auto& thumbs = field->opts["thumbs"];
        if (thumbs.isArray())
            for (auto& t : thumbs.asArray()) allowed = allowed || t.getString() == *thumb;
        auto spec = allowed ? files::parseThumb(*thumb) : std::nullopt;
        auto tpath = spec ? storage.thumbPath(c->id, recordId, filename, *thumb) : std::nullopt;
        if (spec && tpath) {
            auto cached = files::cachedOrNewThumb(files::thumbGate(), storage, *tpath, *data, mime, *spec,
                                                  [&app](const std::string& m) { app.logError(m); });
            if (cached) {
                data = std::move(cached);
                mime = files::detectMime(*data);
                servedName = *thumb + "_" + filename;
            }
        }
    }

    const bool inlineOk = files::isInlineMime(mime) && !truthy(e.request.queryParam("download"));
    // servedName is a stored name ([a-z0-9_.-]): quoting needs no escaping.
    e.setHeader("Content-Disposition", std::string(inlineOk ? "inline" : "attachment") + "; filename=\"" + servedName + "\"");
    e.setHeader("Content-Security-Policy", kCsp);
    // As PocketBase 0.40: files may be framed by other origins (the sandboxing CSP still applies).
    e.response.removeHeader("X-Frame-Options");
    e.setHeader("Cache-Control", kCacheControl);
    e.setHeader("Accept-Ranges", "bytes");
    const uint64_t size = data->size();
    if (auto* range = e.request.header("range"); range && e.request.method == "GET") {
        uint64_t start = 0, end = 0;
        int rc = parseRange(*range, size, start, end);
        if (rc < 0) {
            e.setHeader("Content-Range", "bytes */" + std::to_string(size));
            throw ApiError(416, "Requested range not satisfiable.");
        }
        if (rc > 0) {
            e.setHeader("Content-Range",
                        "bytes " + std::to_string(start) + "-" + std::to_string(end) + "/" + std::to_string(size));
            e.bytes(206, data->substr(start, end - start + 1), mime);
            return;
        }
    }
    e.bytes(200, std::move(*data), mime);
}

}  // namespace

void registerFileRoutes(App& app) {
    auto& g = app.router().group("/api/files");
    g.post("/token", fileToken);
    g.get("/{collection}/{recordId}/{filename}", serveFile);
}

}  // namespace pb::api
