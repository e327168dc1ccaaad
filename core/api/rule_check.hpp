#pragma once
// One rule check for every handler that asks "may this request see record `id`?" (manage rule,
// expand, protected files, MFA and auth rules).
#include <optional>
#include <string>

#include "app/app.hpp"
#include "records/field_resolver.hpp"

namespace pb::api {

// Whether record `id` of `c` passes `rule` for the request `info` describes, by one
// `SELECT (1) ... WHERE id = ? AND (rule)` (records::buildRecordRuleQuery: a superuser and an
// empty rule skip the rule). A locked (null) rule or one that does not compile lets nobody pass
// (the compiler's ApiError); a database error is logged and lets nobody pass. Anything else
// propagates.
bool recordPassesRule(App& app, const schema::Collection& c, const records::RequestInfo& info,
                      const std::optional<std::string>& rule, const std::string& id);

}  // namespace pb::api
