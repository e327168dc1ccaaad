#include "api/list_params.hpp"

#include <algorithm>

#include "util/api_error.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

int intQuery(RequestEvent& e, const char* key, int def) {
    auto v = e.request.queryParam(key);
    if (!v || v->empty()) return def;
    try {
        size_t pos = 0;
        long n = std::stol(*v, &pos);
        if (pos != v->size()) throw std::invalid_argument("trailing text");
        return static_cast<int>(std::clamp<long>(n, -1000000, 1000000));
    } catch (...) {
        throw badRequest();  // PocketBase's generic 400 for an unparsable page/perPage
    }
}

}  // namespace

ListParams parseListParams(RequestEvent& e) {
    ListParams p;
    p.page = intQuery(e, "page", 1);
    p.perPage = intQuery(e, "perPage", 30);
    if (p.page <= 0) p.page = 1;
    if (p.perPage <= 0) p.perPage = 30;
    p.perPage = std::min(p.perPage, 1000);
    auto skip = str::lower(e.request.queryParam("skipTotal").value_or(""));
    p.skipTotal = skip == "1" || skip == "true" || skip == "t";
    return p;
}

}  // namespace pb::api
