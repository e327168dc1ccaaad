// /api/logs (superuser only): list, stats and view over auxiliary.db `_logs`
// (PocketBase apis/logs.go, tools/search/provider.go). Filter/sort fields: id, created, level,
// message, data and data.* (JSON paths), compiled over a synthetic `_logs` collection.
#include <algorithm>
#include <cmath>

#include "api/activity.hpp"
#include "api/middlewares.hpp"
#include "logs/log_writer.hpp"
#include "records/filter/filter_compiler.hpp"
#include "api/list_params.hpp"
#include "records/sort.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

const char* kCols = "`_logs`.`id`, `_logs`.`created`, `_logs`.`level`, `_logs`.`message`, `_logs`.`data`";


const schema::Collection& logsCollection() {
    static const schema::Collection c = [] {
        schema::Collection meta;
        meta.name = "_logs";
        for (auto [n, t] : {std::pair{"id", "text"}, {"created", "text"}, {"level", "number"}, {"message", "text"},
                            {"data", "json"}}) {
            schema::Field f;
            f.name = n;
            f.type = t;
            meta.fields.push_back(f);
        }
        return meta;
    }();
    return c;
}

db::Database& auxDb(App& app) {
    auto* w = app.logWriter();
    if (!w) throw badRequest("Logs are not available.");
    w->flush();  // what is queued becomes visible to this request
    return w->db();
}

// Compiles `filter` (may be empty) into " WHERE ..." + params.
std::string whereClause(const std::string& filter, db::Params& params) {
    if (str::trim(filter).empty()) return "";
    records::RequestInfo info;
    records::CollectionFinder finder = [](const std::string&) { return nullptr; };
    auto cf = records::compileFilter(filter, logsCollection(), finder, info, true);
    for (auto& p : cf.joinParams) params.push_back(p);
    for (auto& p : cf.params) params.push_back(p);
    return (cf.joins.empty() ? "" : " " + cf.joinSql()) + " WHERE " + cf.where;
}

json::Value logJson(const db::Row& r) {
    json::Value data = json::Value::object();
    if (auto parsed = json::parse(r["data"].getString()); parsed && parsed->isObject()) data = std::move(*parsed);
    return json::Value(json::Object{{"created", r["created"].getString()},
                                    {"data", std::move(data)},
                                    {"id", r["id"].getString()},
                                    {"level", r["level"].getNumber()},
                                    {"message", r["message"].getString()}});
}

void listLogs(RequestEvent& e) {
    const auto lp = parseListParams(e);
    const int page = lp.page, perPage = lp.perPage;
    const bool skipTotal = lp.skipTotal;

    db::Params params;
    std::string where = whereClause(e.request.queryParam("filter").value_or(""), params);
    std::string orderBy;
    auto sort = e.request.queryParam("sort").value_or("");
    if (!str::trim(sort).empty()) {
        records::RequestInfo info;
        records::CollectionFinder finder = [](const std::string&) { return nullptr; };
        auto cs = records::compileSort(sort, logsCollection(), finder, info, true);
        if (!cs.orderBy.empty()) orderBy = " ORDER BY " + cs.orderBy;
    }
    auto& db = auxDb(e.app);
    std::string sql = std::string("SELECT ") + kCols + " FROM `_logs`" + where + orderBy + " LIMIT " +
                      std::to_string(perPage);
    if (page > 1) sql += " OFFSET " + std::to_string(static_cast<int64_t>(page - 1) * perPage);
    json::Value items = json::Value::array();
    for (auto& r : db.query(sql, params)) items.push(logJson(r));

    double total = -1, totalPages = -1;
    if (!skipTotal) {
        auto rows = db.query("SELECT COUNT(`_logs`.`id`) FROM `_logs`" + where, params);
        total = rows.empty() ? 0 : rows[0].at(0).getNumber();
        totalPages = std::ceil(total / perPage);
    }
    json::Value out = json::Value::object();
    out.set("page", page);
    out.set("perPage", perPage);
    out.set("totalItems", total);
    out.set("totalPages", totalPages);
    out.set("items", items);
    e.isListEnvelope = true;
    e.json(200, out);
}

void logsStats(RequestEvent& e) {
    db::Params params;
    std::string where;
    try {
        where = whereClause(e.request.queryParam("filter").value_or(""), params);
    } catch (const ApiError&) {
        throw badRequest("Invalid filter format.");
    }
    auto rows = auxDb(e.app).query(
        "SELECT COUNT(`_logs`.`id`) AS total, strftime('%Y-%m-%d %H:00:00', `_logs`.`created`) AS date FROM `_logs`" +
            where + " GROUP BY date ORDER BY date",
        params);
    json::Value out = json::Value::array();
    for (auto& r : rows) {
        std::string date = r["date"].getString();
        if (!date.empty()) date += ".000Z";
        out.push(json::Value(json::Object{{"date", date}, {"total", r["total"].getNumber()}}));
    }
    e.json(200, out);
}

void viewLog(RequestEvent& e) {
    auto id = e.pathValue("id");
    if (id.empty()) throw notFound();
    auto rows = auxDb(e.app).query(std::string("SELECT ") + kCols + " FROM `_logs` WHERE `_logs`.`id` = ? LIMIT 1",
                                   {id});
    if (rows.empty()) throw notFound();
    e.json(200, logJson(rows[0]));
}

}  // namespace

void registerLogRoutes(App& app) {
    auto& g = app.router().group("/api/logs");
    g.bind(requireSuperuserAuth());
    g.get("", listLogs);
    g.get("/stats", logsStats);
    g.get("/{id}", viewLog);
}

}  // namespace pb::api
