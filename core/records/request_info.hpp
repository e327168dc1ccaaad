#pragma once
// What @request.* sees in filters and rules. (Shared by the filter compiler and the API layer.)
#include <functional>
#include <string>

#include "schema/collection.hpp"
#include "util/json.hpp"

namespace pb::records {

struct RequestInfo {
    std::string method = "GET";
    std::string context = "default";  // default|oauth2|otp|password|realtime|protectedFile|batch|expand
    json::Value query = json::Value::object();    // string values, first value per key
    json::Value headers = json::Value::object();  // keys snake_case (x_token), string values
    json::Value body = json::Value::object();     // submitted values after modifiers
    json::Value auth;  // null for guests; else the auth record with ALL fields (incl. hidden), id, collectionId, collectionName
    bool isSuperuser() const { return auth.isObject() && auth["collectionName"].getString() == "_superusers"; }
};

// Finds a collection by id or (case-insensitive) name; nullptr when missing.
using CollectionFinder = std::function<schema::CollectionPtr(const std::string& idOrName)>;

}  // namespace pb::records
