#pragma once
// Loads submitted data into a record as PocketBase's record upsert form does: field modifiers
// (f+, +f, f-), hidden/system field rules, auth password fields and manage-only fields.
#include "app/app.hpp"

namespace pb::api {

struct UpsertOptions {
    bool isSuperuser = false;
    bool hasManageAccess = false;  // superuser or passes the auth collection's manageRule
};

// Resolves modifiers against the record's current values and returns the resolved body
// (what @request.body sees). Does not modify the record.
json::Value resolveBody(const records::Record& r, const json::Value& body, bool isSuperuser);

// Applies `body` to `r` and validates the auth-specific keys. Throws ApiError 400 with field
// errors (message "Failed to create record." / "Failed to update record.").
void applyBody(App& app, records::Record& r, const json::Value& body, const UpsertOptions& opts);

// The record's values encoded for the database (used by the create-rule CTE).
json::Value dbRow(const records::Record& r);

}  // namespace pb::api
