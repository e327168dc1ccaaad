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

}  // namespace pb::http
