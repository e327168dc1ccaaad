#pragma once
// PocketBase's error envelope {status, message, data}. Thrown by handlers, hooks and services;
// the router turns it into the response. Any other exception becomes a 400/500 without detail.
#include <stdexcept>
#include <string>

#include "util/json.hpp"

namespace pb {

class ApiError : public std::exception {
public:
    ApiError(int status, std::string message, json::Value data = json::Value::object());

    int status() const { return status_; }
    const std::string& message() const { return message_; }
    const json::Value& data() const { return data_; }
    json::Value& data() { return data_; }
    const char* what() const noexcept override { return message_.c_str(); }

    json::Value toJson() const;

    // Default message per status, e.g. 404 -> "The requested resource wasn't found."
    static std::string defaultMessage(int status);
    // Trims, upper-cases the first letter and adds a final '.' (PocketBase's normalisation).
    static std::string normalizeMessage(std::string msg, int status);

private:
    int status_;
    std::string message_;
    json::Value data_;
};

ApiError badRequest(std::string msg = "", json::Value data = json::Value::object());
ApiError notFound(std::string msg = "");
ApiError forbidden(std::string msg = "");
ApiError unauthorized(std::string msg = "");
ApiError tooManyRequests(std::string msg = "");
ApiError internalError(std::string msg = "");

// A single field validation error {code, message[, params]}: as PocketBase, `params` carries the
// values the message was built from (e.g. {"min":3}) and is left out when there are none.
json::Value fieldError(std::string code, std::string message, json::Value params = json::Value());

// Validation failure: collected field errors (possibly nested objects).
class ValidationErrors {
public:
    void add(const std::string& field, std::string code, std::string message);
    void add(const std::string& field, json::Value error);  // a ready fieldError(...)
    void addNested(const std::string& field, json::Value nested);
    bool empty() const { return errors_.size() == 0; }
    const json::Value& data() const { return errors_; }
    // Throws badRequest(msg, errors) if any.
    void throwIfAny(const std::string& msg = "") const;

private:
    json::Value errors_ = json::Value::object();
};

}  // namespace pb
