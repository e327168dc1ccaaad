#include "router/event.hpp"

#include "util/api_error.hpp"

namespace pb::router {

std::string RequestEventBase::pathValue(std::string_view name) const {
    for (auto& [k, v] : pathParams)
        if (k == name) return v;
    return {};
}

void RequestEventBase::json(int status, const json::Value& v) {
    std::string body;
    v.dumpTo(body);
    body.push_back('\n');
    jsonRaw(status, std::move(body));
}

void RequestEventBase::jsonRaw(int status, std::string body) {
    response.status = status;
    response.setHeader("Content-Type", "application/json");
    response.body = std::move(body);
    written = true;
}

void RequestEventBase::string(int status, std::string body, std::string contentType) {
    response.status = status;
    response.setHeader("Content-Type", std::move(contentType));
    response.body = std::move(body);
    written = true;
}

void RequestEventBase::bytes(int status, std::string data, std::string contentType) {
    string(status, std::move(data), std::move(contentType));
}

void RequestEventBase::noContent(int status) {
    response.status = status;
    response.body.clear();
    written = true;
}

void RequestEventBase::redirect(int status, const std::string& url) {
    if (status < 300 || status > 399) throw badRequest("Invalid redirect status code.");
    response.status = status;
    response.setHeader("Location", url);
    response.body.clear();
    written = true;
}

}  // namespace pb::router
