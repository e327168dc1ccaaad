// /api/collections/{collection}/records: list, view, create, update, delete with API rules.
#include <chrono>
#include <cmath>
#include <random>

#include "api/activity.hpp"
#include "api/list_params.hpp"
#include "api/record_expand.hpp"
#include "api/record_upsert.hpp"
#include "api/request_events.hpp"
#include "api/routes.hpp"
#include "api/rule_check.hpp"
#include "app/record_files.hpp"
#include "http/response_delay.hpp"
#include "ratelimit/store.hpp"
#include "records/rule_sql.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::api {

using records::RecordPtr;

namespace {

// Anti-timing throttle (PocketBase's "@pb_list_timing_check_"): the list rule acts as a filter in
// the same query as the client's filter, so a client that keeps filtering to empty results (more
// than 3 times in 3 s) gets a random delay of up to 500 ms per further empty search. Superusers
// and public (empty-rule) collections are exempt. The HTTP layer sends the response later from a
// timer (http::delayResponse), so no worker sleeps: sleeping ones starved the pool.
void throttleEmptySearches(RequestEvent& e, const schema::Collection& c, size_t found) {
    if (found > 0 || e.hasSuperuserAuth() || !c.listRule || c.listRule->empty()) return;
    if (e.request.queryParam("filter").value_or("").empty()) return;
    static ratelimit::Store store(20000);
    std::string client = e.auth ? "auth:" + e.auth->id() : realIp(e.request, e.app.settings().section("trustedProxy"));
    std::string key = "@pb_list_timing_check_" + c.id + "\x1f" + client;
    if (store.allow(key, 3, 3000, timeutil::nowMillis())) return;
    static thread_local std::mt19937 rng{std::random_device{}()};
    http::delayResponse(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 499)(rng)));
}

void requireRule(const RequestEvent& e, const std::optional<std::string>& rule) {
    if (!rule && !e.hasSuperuserAuth()) throw forbidden("Only superusers can perform this action.");
}

// Whether the request passes the auth collection's manageRule for record `id`.
bool hasManageAccess(App& app, RequestEvent& e, const schema::Collection& c, const std::string& id,
                     const records::RequestInfo& info) {
    if (e.hasSuperuserAuth()) return true;
    if (!c.isAuth() || !e.auth) return false;
    auto rule = c.manageRule();
    if (!rule || rule->empty()) return false;
    return recordPassesRule(app, c, info, rule, id);
}

RecordPtr loadWithRule(App& app, RequestEvent& e, const schema::CollectionPtr& c, const std::string& id,
                       const std::optional<std::string>& rule, const records::RequestInfo& info) {
    requireRule(e, rule);
    auto q = records::buildRecordRuleQuery(*c, app.collectionFinder(), info, rule, id);
    auto rows = app.db().query(q.sql, q.params);
    if (rows.empty()) throw notFound();
    return app.recordFromRow(c, rows[0]);
}

void listRecords(RequestEvent& e) {
    App& app = e.app;
    auto c = app.mustCollection(e.pathValue("collection"));
    requireRule(e, c->listRule);
    const auto lp = parseListParams(e);
    const int page = lp.page, perPage = lp.perPage;
    auto info = e.requestInfo();
    auto q = records::buildListQuery(*c, app.collectionFinder(), info, e.request.queryParam("filter").value_or(""),
                                     e.request.queryParam("sort").value_or(""));
    auto params = q.params();
    std::vector<RecordPtr> items;
    for (auto& row : app.db().query(q.itemsSql(perPage, static_cast<long long>(page - 1) * perPage), params))
        items.push_back(app.recordFromRow(c, row));
    double total = -1, totalPages = -1;
    if (!lp.skipTotal) {
        auto rows = app.db().query(q.countSql(), params);
        total = rows.empty() ? 0 : rows[0].at(0).getNumber();
        totalPages = std::ceil(total / perPage);
    }
    auto ev = collectionRequestEvent<RecordsListRequestEvent>(e, c);
    ev.records = std::move(items);
    ev.result = json::Value(json::Object{{"page", page}, {"perPage", perPage}, {"totalItems", total},
                                         {"totalPages", totalPages}});
    app.hooks().onRecordsListRequest.trigger(ev, [&](RecordsListRequestEvent& x) {
        throttleEmptySearches(e, *c, x.records.size());
        json::Value out = x.result;
        out.set("items", recordsToJson(app, e, x.records));
        e.isListEnvelope = true;
        e.json(200, out);
    });
}

void viewRecord(RequestEvent& e) {
    App& app = e.app;
    auto c = app.mustCollection(e.pathValue("collection"));
    auto info = e.requestInfo();
    auto r = loadWithRule(app, e, c, e.pathValue("id"), c->viewRule, info);
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordViewRequest.trigger(ev, [&](RecordRequestEvent& x) { e.json(200, recordToJson(app, e, x.record)); });
}

void createRecord(RequestEvent& e) {
    App& app = e.app;
    auto c = app.mustCollection(e.pathValue("collection"));
    if (c->isView()) throw badRequest("Unsupported collection type.");
    requireRule(e, c->createRule);
    const json::Value& body = e.body();
    auto r = std::make_shared<records::Record>(c);
    UpsertOptions opts;
    opts.isSuperuser = e.hasSuperuserAuth();
    auto info = e.requestInfo();
    info.body = resolveBody(*r, body, opts.isSuperuser);
    // Manage access on create is checked against the submitted data through the same CTE.
    if (!opts.isSuperuser && c->isAuth() && e.auth) {
        auto rule = c->manageRule();
        if (rule && !rule->empty()) {
            records::Record probe(c);
            try {
                applyBody(app, probe, body, {false, true});
                auto q = records::buildCreateRuleQuery(*c, app.collectionFinder(), info, *rule, dbRow(probe));
                opts.hasManageAccess = !q.sql.empty() && !app.db().query(q.sql, q.params).empty();
            } catch (const ApiError&) {
                // an invalid body or rule gives no manage access; the body's errors come from applyBody below
            }
        }
    }
    opts.hasManageAccess = opts.hasManageAccess || opts.isSuperuser;
    if (body.has("id")) r->set("id", body["id"]);
    applyBody(app, *r, body, opts);
    auto filePlan = files::applyFileFields(*r, body, e.files());
    if (!opts.isSuperuser && c->createRule && !c->createRule->empty()) {
        bool ok = false;
        try {
            auto q = records::buildCreateRuleQuery(*c, app.collectionFinder(), info, *c->createRule, dbRow(*r));
            ok = q.sql.empty() || !app.db().query(q.sql, q.params).empty();
        } catch (const ApiError&) {
            ok = false;
        }
        if (!ok) throw badRequest("Failed to create record.");
    }
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordCreateRequest.trigger(ev, [&](RecordRequestEvent& x) {
        files::saveWithFiles(app, *x.record, filePlan);
        if (x.record->collection().isAuth() && opts.hasManageAccess) x.record->ignoreEmailVisibility = true;
        e.json(200, recordToJson(app, e, x.record));
    });
}

void updateRecord(RequestEvent& e) {
    App& app = e.app;
    auto c = app.mustCollection(e.pathValue("collection"));
    if (c->isView()) throw badRequest("Unsupported collection type.");
    requireRule(e, c->updateRule);
    const std::string id = e.pathValue("id");
    auto existing = app.findRecordById(c, id);
    if (!existing) throw notFound();
    const json::Value& body = e.body();
    auto info = e.requestInfo();
    info.body = resolveBody(*existing, body, e.hasSuperuserAuth());
    auto r = loadWithRule(app, e, c, id, c->updateRule, info);
    UpsertOptions opts;
    opts.isSuperuser = e.hasSuperuserAuth();
    opts.hasManageAccess = hasManageAccess(app, e, *c, id, info);
    applyBody(app, *r, body, opts);
    auto filePlan = files::applyFileFields(*r, body, e.files());
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordUpdateRequest.trigger(ev, [&](RecordRequestEvent& x) {
        files::saveWithFiles(app, *x.record, filePlan);
        e.json(200, recordToJson(app, e, x.record));
    });
}

void deleteRecord(RequestEvent& e) {
    App& app = e.app;
    auto c = app.mustCollection(e.pathValue("collection"));
    if (c->isView()) throw badRequest("Unsupported collection type.");
    auto info = e.requestInfo();
    auto r = loadWithRule(app, e, c, e.pathValue("id"), c->deleteRule, info);
    auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);
    app.hooks().onRecordDeleteRequest.trigger(ev, [&](RecordRequestEvent& x) {
        app.deleteRecord(*x.record);
        e.noContent(204);
    });
}

}  // namespace

void registerRecordCrudRoutes(App& app) {
    auto& g = app.router().group("/api/collections/{collection}/records");
    g.get("", listRecords);
    g.post("", createRecord);
    g.get("/{id}", viewRecord);
    g.patch("/{id}", updateRecord);
    g.del("/{id}", deleteRecord);
}

}  // namespace pb::api
