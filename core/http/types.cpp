#include "http/types.hpp"

#include "util/strings.hpp"

namespace pb::http {

const std::string* Request::header(std::string_view lowerName) const {
    for (auto& [k, v] : headers)
        if (k == lowerName) return &v;
    return nullptr;
}

std::string Request::headerOr(std::string_view lowerName, std::string def) const {
    auto* h = header(lowerName);
    return h ? *h : def;
}

std::optional<std::string> Request::queryParam(std::string_view key) const {
    for (auto& [k, v] : query)
        if (k == key) return v;
    return std::nullopt;
}

void Response::setHeader(std::string_view name, std::string value) {
    for (auto& [k, v] : headers) {
        if (str::iequals(k, name)) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::string(name), std::move(value));
}

const std::string* Response::header(std::string_view name) const {
    for (auto& [k, v] : headers)
        if (str::iequals(k, name)) return &v;
    return nullptr;
}

void Response::removeHeader(std::string_view name) {
    std::erase_if(headers, [&](auto& p) { return str::iequals(p.first, name); });
}

std::string statusText(int s) {
    switch (s) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Request Entity Too Large";
        case 415: return "Unsupported Media Type";
        case 416: return "Requested Range Not Satisfiable";
        case 422: return "Unprocessable Entity";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        default: return "Unknown";
    }
}

}  // namespace pb::http
