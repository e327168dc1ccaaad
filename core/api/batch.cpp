// POST /api/batch: several record create/update/upsert/delete requests in one transaction.
// Each item runs through App::handle (so every rule, hook and middleware applies) with the outer
// request's auth and @request.context = "batch"; any failed item rolls everything back.
#include <chrono>

#include "api/routes.hpp"
#include "router/pattern.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

constexpr size_t kDefaultMaxBodySize = 128u << 20;
constexpr size_t kMaxUrlLength = 2000;

// Set while a batch item is being handled on this thread.
struct BatchState {
    records::RecordPtr auth;
};
thread_local const BatchState* tBatch = nullptr;

struct ItemFailure {
    size_t index;
    json::Value response;
};

std::string safeHeaderValue(std::string s) {
    for (auto& c : s)
        if (c == '"' || c == '\\' || c == '\r' || c == '\n' || c == '\0') c = '_';
    return s;
}

// "requests.N.field" / "requests[N].field" -> {N, field}.
bool splitFileKey(const std::string& key, size_t& index, std::string& field) {
    std::string_view k = key;
    if (!str::startsWith(k, "requests")) return false;
    k.remove_prefix(8);
    size_t end = 0;
    if (str::startsWith(k, ".")) {
        k.remove_prefix(1);
        end = k.find('.');
        if (end == std::string_view::npos) return false;
    } else if (str::startsWith(k, "[")) {
        k.remove_prefix(1);
        end = k.find("].");
        if (end == std::string_view::npos) return false;
    } else {
        return false;
    }
    auto num = k.substr(0, end);
    if (num.empty() || num.size() > 6) return false;
    index = 0;
    for (char c : num) {
        if (c < '0' || c > '9') return false;
        index = index * 10 + static_cast<size_t>(c - '0');
    }
    field = std::string(k.substr(end + (k[end] == '.' ? 1 : 2)));
    return !field.empty();
}

std::string multipartBody(const json::Value& body, const std::vector<const RequestEvent::UploadedFile*>& files,
                          const std::string& boundary) {
    std::string out;
    out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"@jsonPayload\"\r\n\r\n";
    out += body.isObject() ? body.dump() : std::string("{}");
    out += "\r\n";
    for (auto* f : files) {
        out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + safeHeaderValue(f->field) +
               "\"; filename=\"" + safeHeaderValue(f->filename) + "\"\r\n";
        out += "Content-Type: " + safeHeaderValue(f->contentType.empty() ? "application/octet-stream" : f->contentType) +
               "\r\n\r\n";
        out += f->data;
        out += "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
}

json::Value validationError(const std::string& field, const char* code, const std::string& msg) {
    json::Value d = json::Value::object();
    d.set(field, fieldError(code, msg));
    return d;
}

// Resolves the item's action; returns false for anything but the four record routes.
bool resolveAction(App& app, const std::string& method, const std::string& path, json::Value& body,
                   std::string& outPath, std::string& outMethod) {
    static const auto recordsPattern = router::Pattern::parse("/api/collections/{collection}/records");
    static const auto recordPattern = router::Pattern::parse("/api/collections/{collection}/records/{id}");
    std::vector<std::pair<std::string, std::string>> params;
    outPath = path;
    outMethod = method;
    if (recordsPattern.match(path, params)) {
        if (method == "POST") return true;
        if (method != "PUT") return false;
        // Upsert: update when body.id names an existing record, else create.
        std::string collection;
        for (auto& [k, v] : params)
            if (k == "collection") collection = v;
        std::string id = body.isObject() ? body["id"].getString() : "";
        auto c = app.findCollection(collection);
        if (c && !id.empty() && app.findRecordById(c, id)) {
            outMethod = "PATCH";
            outPath = path + "/" + str::urlEncode(id);
        } else {
            outMethod = "POST";
        }
        return true;
    }
    params.clear();
    if (recordPattern.match(path, params)) return method == "PATCH" || method == "DELETE";
    return false;
}

void batchHandler(RequestEvent& e) {
    App& app = e.app;
    const json::Value cfg = app.settings().section("batch");
    if (!cfg["enabled"].getBool()) throw forbidden("Batch requests are not allowed.");
    const json::Value& body = e.body();
    const auto& uploads = e.files();
    const json::Value* requests = body.find("requests");
    if (!requests || !requests->isArray() || requests->size() == 0)
        throw badRequest("Invalid batch request data.", validationError("requests", "validation_required", "Cannot be blank."));
    const size_t maxRequests = static_cast<size_t>(std::max(0.0, cfg["maxRequests"].getNumber(50)));
    if (requests->size() > maxRequests)
        throw badRequest("Invalid batch request data.",
                         validationError("requests", "validation_length_too_long",
                                         "The length must be no more than " + std::to_string(maxRequests) + "."));
    // Per-item shape validation.
    json::Value itemErrs = json::Value::object();
    const auto& items = requests->asArray();
    for (size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        json::Value errs = json::Value::object();
        std::string m = str::upper(it["method"].getString());
        std::string url = it["url"].getString();
        if (!it.isObject()) errs.set("method", fieldError("validation_required", "Cannot be blank."));
        else {
            if (m.empty()) errs.set("method", fieldError("validation_required", "Cannot be blank."));
            else if (m != "GET" && m != "POST" && m != "PUT" && m != "PATCH" && m != "DELETE")
                errs.set("method", fieldError("validation_in_invalid", "Must be a valid value."));
            if (url.empty()) errs.set("url", fieldError("validation_required", "Cannot be blank."));
            else if (url.size() > kMaxUrlLength)
                errs.set("url", fieldError("validation_length_too_long", "The length must be no more than 2000."));
            if (auto* h = it.find("headers"); h && !h->isNull() && !h->isObject())
                errs.set("headers", fieldError("validation_invalid_value", "Must be an object."));
        }
        if (errs.size() > 0) itemErrs.set(std::to_string(i), errs);
    }
    if (itemErrs.size() > 0)
        throw badRequest("Invalid batch request data.", json::Value(json::Object{{"requests", itemErrs}}));

    // Files per item.
    std::vector<std::vector<RequestEvent::UploadedFile>> itemFiles(items.size());
    for (auto& f : uploads) {
        size_t idx = 0;
        std::string field;
        if (!splitFileKey(f.field, idx, field) || idx >= items.size()) continue;
        itemFiles[idx].push_back({field, f.filename, f.contentType, f.data});
    }

    const double timeoutSec = cfg["timeout"].getNumber(3);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long long>((timeoutSec > 0 ? timeoutSec : 3) * 1000));
    BatchState state{e.auth};
    json::Value results = json::Value::array();
    try {
        app.runInTransaction([&] {
            for (size_t i = 0; i < items.size(); ++i) {
                if (std::chrono::steady_clock::now() > deadline)
                    throw ItemFailure{i, ApiError(400, "Batch transaction timeout.").toJson()};
                const auto& it = items[i];
                std::string url = it["url"].getString();
                std::string path = url, rawQuery;
                if (auto q = url.find('?'); q != std::string::npos) {
                    path = url.substr(0, q);
                    rawQuery = url.substr(q + 1);
                }
                json::Value itemBody = it["body"].isObject() ? it["body"] : json::Value::object();
                std::string method, finalPath;
                if (!resolveAction(app, str::upper(it["method"].getString()), path, itemBody, finalPath, method))
                    throw ItemFailure{i, ApiError(400, "Invalid batch request action.").toJson()};
                http::Request sub;
                sub.method = method;
                sub.path = finalPath;
                sub.rawQuery = rawQuery;
                sub.query = str::parseQuery(rawQuery);
                sub.remoteIp = e.request.remoteIp;
                for (auto& [k, v] : e.request.headers)
                    if (k != "authorization" && k != "content-type" && k != "content-length" && k != "transfer-encoding")
                        sub.headers.emplace_back(k, v);
                if (auto* h = it.find("headers"); h && h->isObject())
                    for (auto& [k, v] : h->asObject()) {
                        auto name = str::lower(k);
                        if (name == "authorization" || name == "content-type" || name == "content-length") continue;
                        std::erase_if(sub.headers, [&](auto& p) { return p.first == name; });
                        sub.headers.emplace_back(name, v.isString() ? v.asString() : v.dump());
                    }
                if (itemFiles[i].empty()) {
                    sub.body = itemBody.dump();
                    sub.headers.emplace_back("content-type", "application/json");
                } else {
                    std::vector<const RequestEvent::UploadedFile*> fs;
                    for (auto& f : itemFiles[i]) fs.push_back(&f);
                    std::string boundary;
                    std::string encoded;
                    do {
                        boundary = "pbbatch" + random::string(30);
                        encoded = multipartBody(itemBody, fs, boundary);
                    } while (std::any_of(fs.begin(), fs.end(), [&](auto* f) { return f->data.find(boundary) != std::string::npos; }));
                    sub.body = std::move(encoded);
                    sub.headers.emplace_back("content-type", "multipart/form-data; boundary=" + boundary);
                }
                http::Response res;
                const BatchState* prev = tBatch;
                tBatch = &state;
                try {
                    app.handle(sub, res);
                } catch (...) {
                    tBatch = prev;
                    throw;
                }
                tBatch = prev;
                json::Value resBody;
                if (!res.body.empty()) {
                    if (auto parsed = json::parse(res.body)) resBody = std::move(*parsed);
                }
                if (res.status >= 400) {
                    if (!resBody.isObject()) resBody = ApiError(res.status, "").toJson();
                    throw ItemFailure{i, resBody};
                }
                results.push(json::Value(json::Object{{"status", res.status}, {"body", resBody}}));
            }
            if (std::chrono::steady_clock::now() > deadline)
                throw ItemFailure{items.size() - 1, ApiError(400, "Batch transaction timeout.").toJson()};
        });
    } catch (const ItemFailure& f) {
        json::Value entry(json::Object{{"code", "batch_request_failed"},
                                       {"message", "Batch request failed."},
                                       {"response", f.response}});
        json::Value reqs = json::Value::object();
        reqs.set(std::to_string(f.index), entry);
        throw badRequest("Batch transaction failed.", json::Value(json::Object{{"requests", reqs}}));
    }
    e.json(200, results);
}

}  // namespace

void registerBatchRoutes(App& app) {
    // Batch items inherit the outer auth and run with @request.context = "batch".
    app.router().bind({"pbBatchContext", -1019,
                       [](RequestEvent& e) {
                           if (tBatch) {
                               e.auth = tBatch->auth;
                               e.context = "batch";
                           }
                           e.next();
                       },
                       {}});
    auto& g = app.router().group("/api/batch");
    // Replaces the global 32 MiB body limit with batch.maxBodySize (128 MiB when 0).
    hook::Handler<RequestEvent> limit{"pbBodyLimit", -990,
                                      [](RequestEvent& e) {
                                          double max = e.app.settings().section("batch")["maxBodySize"].getNumber(0);
                                          size_t limit = max > 0 ? static_cast<size_t>(max) : kDefaultMaxBodySize;
                                          if (e.request.body.size() > limit) throw ApiError(413, "Request entity too large.");
                                          e.next();
                                      },
                                      {}};
    g.post("", batchHandler, {limit});
}

}  // namespace pb::api
