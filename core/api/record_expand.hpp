#pragma once
// ?expand=: loads related records (relations, back-relations X_via_F, nested with dots) and
// attaches them to each record's `expand`. Every expanded record must pass its collection's
// viewRule (evaluated with @request.context = "expand"); failing ones are silently omitted.
#include <string>
#include <vector>

#include "app/app.hpp"

namespace pb::api {

// Expands `records` in place; the expanded values are serialised JSON (visibility relative to req).
void expandRecords(App& app, RequestEvent* req, const records::RequestInfo& info,
                   std::vector<records::RecordPtr>& records, const std::string& expandParam);

// Serialises records for a response (enrich + visibility), applying ?expand first.
json::Value recordsToJson(App& app, RequestEvent& e, std::vector<records::RecordPtr>& list);
json::Value recordToJson(App& app, RequestEvent& e, const records::RecordPtr& r);

}  // namespace pb::api
