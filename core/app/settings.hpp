#pragma once
// Application settings persisted as JSON in _params (id='settings'); PocketBase's defaults.
#include <mutex>

#include "db/database.hpp"
#include "util/json.hpp"

namespace pb {

class Settings {
public:
    explicit Settings(db::Database& db) : db_(db) {}

    void load();  // inserts defaults when missing
    json::Value get() const;
    // Output for the API (secrets blanked).
    json::Value toApiJson() const;
    // Deep-merges `patch` into the current settings, validates and persists. Throws ApiError.
    json::Value update(const json::Value& patch);
    static json::Value defaults();

    // Convenience readers.
    bool batchEnabled() const;
    json::Value section(const std::string& key) const;

private:
    void persist(const json::Value& v);
    db::Database& db_;
    mutable std::mutex mu_;
    json::Value current_;
};

}  // namespace pb
