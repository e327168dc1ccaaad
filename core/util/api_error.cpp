#include "util/api_error.hpp"

#include <cctype>

#include "util/http_status.hpp"
#include "util/strings.hpp"

namespace pb {

std::string ApiError::defaultMessage(int status) {
    switch (status) {
        case 400:
        case 500: return "Something went wrong while processing your request.";
        case 401: return "Missing or invalid authentication.";
        case 403: return "You are not allowed to perform this request.";
        case 404: return "The requested resource wasn't found.";
        case 413: return "Request entity too large.";
        case 429: return "Too Many Requests.";
        default: return statusText(status) + ".";
    }
}

std::string ApiError::normalizeMessage(std::string msg, int status) {
    std::string m(str::trim(msg));
    if (m.empty()) return defaultMessage(status);
    m[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(m[0])));
    char last = m.back();
    if (last != '.' && last != '?' && last != '!') m.push_back('.');
    return m;
}

ApiError::ApiError(int status, std::string message, json::Value data)
    : status_(status), message_(normalizeMessage(std::move(message), status)), data_(std::move(data)) {
    if (!data_.isObject()) data_ = json::Value::object();
}

json::Value ApiError::toJson() const {
    json::Value v = json::Value::object();
    v.set("data", data_);
    v.set("message", message_);
    v.set("status", status_);
    return v;
}

ApiError badRequest(std::string msg, json::Value data) { return ApiError(400, std::move(msg), std::move(data)); }
ApiError notFound(std::string msg) { return ApiError(404, std::move(msg)); }
ApiError forbidden(std::string msg) { return ApiError(403, std::move(msg)); }
ApiError unauthorized(std::string msg) { return ApiError(401, std::move(msg)); }
ApiError tooManyRequests(std::string msg) { return ApiError(429, std::move(msg)); }
ApiError internalError(std::string msg) { return ApiError(500, std::move(msg)); }

json::Value fieldError(std::string code, std::string message, json::Value params) {
    json::Value v = json::Value::object();
    v.set("code", std::move(code));
    v.set("message", std::move(message));
    if (params.isObject() && params.size() > 0) v.set("params", std::move(params));
    return v;
}

void ValidationErrors::add(const std::string& field, std::string code, std::string message) {
    add(field, fieldError(std::move(code), std::move(message)));
}

void ValidationErrors::add(const std::string& field, json::Value error) {
    if (errors_.has(field)) return;  // first error per field wins
    errors_.set(field, std::move(error));
}

void ValidationErrors::addNested(const std::string& field, json::Value nested) {
    if (errors_.has(field)) return;
    errors_.set(field, std::move(nested));
}

void ValidationErrors::throwIfAny(const std::string& msg) const {
    if (!empty()) throw badRequest(msg, errors_);
}

}  // namespace pb
