#pragma once
// The request event every route handler and middleware receives (generic part).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hook/hook.hpp"
#include "http/types.hpp"
#include "util/json.hpp"

namespace pb::router {

class RequestEventBase : public hook::Event {
public:
    RequestEventBase(http::Request& req, http::Response& res) : request(req), response(res) {}

    http::Request& request;
    http::Response& response;
    std::vector<std::pair<std::string, std::string>> pathParams;  // decoded
    bool written = false;

    std::string pathValue(std::string_view name) const;

    // Response writers. json() appends the trailing newline PocketBase emits.
    virtual void json(int status, const json::Value& v);
    void jsonRaw(int status, std::string body);
    void string(int status, std::string body, std::string contentType = "text/plain; charset=utf-8");
    void bytes(int status, std::string data, std::string contentType);
    void noContent(int status = 204);
    void redirect(int status, const std::string& url);
    void setHeader(std::string_view name, std::string value) { response.setHeader(name, std::move(value)); }
};

}  // namespace pb::router
