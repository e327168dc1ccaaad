#pragma once
// Application settings persisted as JSON in _params (id='settings'); PocketBase's defaults, key
// set and key order (settings_model.go). The defaults double as the schema: a patch or a stored
// value only carries the keys the defaults have, with the defaults' JSON types.
#include <mutex>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "util/api_error.hpp"
#include "util/json.hpp"

namespace pb {

class Settings {
public:
    explicit Settings(db::Database& db) : db_(db) {}

    void load();  // inserts defaults when missing
    json::Value get() const;
    // Output for the API (smtp password blanked, S3 secrets omitted).
    json::Value toApiJson() const;
    // The current settings with `patch` applied, the way PocketBase binds a PATCH body onto a
    // clone: unknown keys dropped, a null keeps the value (an array becomes []), and a value of
    // the wrong JSON type (or a fraction for an integer) throws 400 "An error occurred while
    // loading the submitted data.". A blank smtp.password keeps the stored one.
    json::Value merged(const json::Value& patch) const;
    // merged(patch), validated and persisted; returns toApiJson(). Throws ApiError.
    json::Value update(const json::Value& patch);
    static json::Value defaults();
    // PocketBase's Settings.PostValidate (settings_validate.cpp).
    static void validate(const json::Value& settings, ValidationErrors& errs);

    // Convenience readers.
    bool batchEnabled() const;
    json::Value section(const std::string& key) const;
    std::vector<std::string> superuserIPs() const;

private:
    void persist(const json::Value& v);
    db::Database& db_;
    mutable std::mutex mu_;
    json::Value current_;
};

}  // namespace pb
