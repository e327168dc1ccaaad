#pragma once
// The paging query parameters shared by every list endpoint (records, collections, logs):
// page ≤ 0 → 1, perPage ≤ 0 → 30, perPage clamped to 1000, a non-integer → 400, skipTotal bool.
#include "app/events.hpp"

namespace pb::api {

struct ListParams {
    int page = 1;
    int perPage = 30;
    bool skipTotal = false;
};

ListParams parseListParams(RequestEvent& e);

}  // namespace pb::api
