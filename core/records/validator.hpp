#pragma once
// Field-level validation of a record before save (PocketBase's codes and messages).
#include "records/record.hpp"
#include "records/request_info.hpp"
#include "util/api_error.hpp"

namespace pb::records {

// Checks every field of `r` (relation ids are checked through `relationExists`).
// Returns field errors keyed by field name (empty = valid).
using RelationChecker = std::function<std::vector<std::string>(const std::string& collectionId,
                                                               const std::vector<std::string>& ids)>;  // returns the missing ids
json::Value validateRecord(const Record& r, const RelationChecker& relationMissing);

// The bcrypt cost of `c`'s password field (its `cost` option, else the default).
int passwordCost(const schema::Collection& c);
// Validates a plain password against the password field options (min/max/pattern).
std::optional<json::Value> validatePlainPassword(const schema::Field& f, const std::string& plain);

bool isValidEmail(std::string_view s);
bool isValidUrl(std::string_view s);

}  // namespace pb::records
