// RequestEvent: body binding (JSON / urlencoded / multipart with PocketBase's type inference),
// the @request.* view and JSON responses with ?fields applied.
#include <cmath>

#include "app/app.hpp"
#include "util/fields_picker.hpp"
#include "util/multipart.hpp"
#include "util/strings.hpp"

namespace pb {

namespace {

// "true"/"false" become bools; a numeric string whose canonical form is identical becomes a number.
json::Value inferValue(const std::string& s) {
    if (s == "true") return true;
    if (s == "false") return false;
    if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-')) {
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end && *end == '\0' && std::isfinite(d) && json::formatNumber(d) == s) return d;
    }
    return s;
}

void addFormValue(json::Value& body, const std::string& key, json::Value v) {
    if (auto* cur = body.find(key)) {
        if (!cur->isArray()) {
            json::Value arr = json::Value::array();
            arr.push(*cur);
            *cur = arr;
        }
        cur->push(std::move(v));
    } else {
        body.set(key, std::move(v));
    }
}

}  // namespace

void RequestEvent::parseBody() {
    bodyParsed_ = true;
    body_ = json::Value::object();
    if (request.body.empty()) return;
    std::string ct = str::lower(request.headerOr("content-type"));
    if (ct.empty() || str::startsWith(ct, "application/json")) {
        json::ParseError err;
        auto parsed = json::parse(request.body, &err, 64);
        if (!parsed) throw badRequest("Failed to load the submitted data due to invalid formatting.");
        if (parsed->isObject()) body_ = std::move(*parsed);
        else if (!parsed->isNull()) throw badRequest("Failed to load the submitted data due to invalid formatting.");
        return;
    }
    if (str::startsWith(ct, "application/x-www-form-urlencoded")) {
        for (auto& [k, v] : str::parseQuery(request.body)) addFormValue(body_, k, inferValue(v));
        return;
    }
    if (str::startsWith(ct, "multipart/form-data")) {
        auto boundary = multipart::boundaryFromContentType(request.headerOr("content-type"));
        if (!boundary) throw badRequest("Failed to load the submitted data due to invalid formatting.");
        auto parts = multipart::parseMultipart(request.body, *boundary);
        if (!parts) throw badRequest("Failed to load the submitted data due to invalid formatting.");
        std::vector<json::Value> payloads;
        for (auto& p : *parts) {
            if (p.filename) {
                files_.push_back({p.name, *p.filename, p.contentType, std::move(p.data)});
                continue;
            }
            if (p.name == "@jsonPayload") {
                auto parsed = json::parse(p.data, nullptr, 64);
                if (!parsed || !parsed->isObject())
                    throw badRequest("Failed to load the submitted data due to invalid formatting.");
                payloads.push_back(std::move(*parsed));
                continue;
            }
            addFormValue(body_, p.name, inferValue(p.data));
        }
        for (auto& pl : payloads)
            for (auto& [k, v] : pl.asObject()) body_.set(k, v);
        return;
    }
    throw badRequest("Unsupported Content-Type.");
}

const json::Value& RequestEvent::body() {
    if (!bodyParsed_) parseBody();
    return body_;
}

const std::vector<RequestEvent::UploadedFile>& RequestEvent::files() {
    if (!bodyParsed_) parseBody();
    return files_;
}

records::RequestInfo RequestEvent::requestInfo() {
    records::RequestInfo info;
    info.method = request.method;
    info.context = context;
    for (auto& [k, v] : request.query)
        if (!info.query.has(k)) info.query.set(k, v);
    for (auto& [k, v] : request.headers) {
        auto key = str::headerToSnake(k);
        if (!info.headers.has(key)) info.headers.set(key, v);
    }
    try {
        info.body = body();
    } catch (const ApiError&) {
        info.body = json::Value::object();
    }
    if (auth) info.auth = auth->toInternalJson();
    return info;
}

void RequestEvent::json(int status, const json::Value& v) {
    auto fields = request.queryParam("fields");
    if (fields && !fields->empty() && status >= 200 && status < 300) {
        json::Value copy = v;
        pickFields(copy, *fields, isListEnvelope);
        router::RequestEventBase::json(status, copy);
        return;
    }
    router::RequestEventBase::json(status, v);
}

}  // namespace pb
