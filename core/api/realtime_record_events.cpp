// Record events on the realtime broker (PocketBase apis/realtime.go bindRealtimeEvents):
// create/update are broadcast after commit; a delete is serialised (and access-checked) inside
// the delete transaction before the row goes away and sent after commit. Each subscriber gets
// the record as its own auth sees it: the list rule for `coll/*` (and the deprecated bare
// `coll`), the view rule for `coll/id`, the subscription's filter/expand/fields options applied.
#include <optional>
#include <unordered_map>

#include "api/record_expand.hpp"
#include "api/routes.hpp"
#include "app/app.hpp"
#include "realtime/broker.hpp"
#include "records/rule_sql.hpp"
#include "util/fields_picker.hpp"

namespace pb::api {

using realtime::ClientPtr;
using realtime::SubscriptionOptions;

namespace {

struct Outgoing {
    ClientPtr client;
    std::string name;
    std::string data;
};

// PocketBase realtimeCanAccessRecord: the access rule, then the subscription's own filter.
bool canAccess(App& app, const schema::Collection& c, const std::string& id, const records::RequestInfo& info,
               const std::optional<std::string>& rule) {
    const bool su = info.isSuperuser();
    if (!su && !rule) return false;
    const std::string filter = info.query["filter"].getString();
    try {
        if (filter.empty()) {
            if (su || rule->empty()) return true;
            auto q = records::buildRecordRuleQuery(c, app.collectionFinder(), info, rule, id, true);
            return !app.db().query(q.sql, q.params).empty();
        }
        // Rule AND filter in one query: buildListQuery applies the collection's listRule, so give
        // it a copy whose listRule is the rule being checked (the view rule for `coll/id`).
        schema::Collection probe = c;
        probe.listRule = rule;
        auto q = records::buildListQuery(probe, app.collectionFinder(), info, filter, "");
        const std::string idCond = q.table + ".`id` = ?";
        q.where = q.where.empty() ? idCond : "(" + q.where + ") AND " + idCond;
        q.whereParams.emplace_back(id);
        return !app.db().query(q.itemsSql(1), q.params()).empty();
    } catch (const ApiError&) {
        return false;  // invalid filter or rule: nothing is sent
    } catch (const db::DbError& ex) {
        app.logError(std::string("realtime access check: ") + ex.what());
        return false;
    }
}

// The message data for one subscriber, or nullopt when its auth may not see the record.
std::optional<std::string> buildMessage(App& app, const std::string& action, const records::Record& record,
                                        const records::RecordPtr& auth, const SubscriptionOptions& opts,
                                        const std::optional<std::string>& rule) {
    records::RequestInfo info;
    info.context = "realtime";
    info.method = "GET";
    info.query = opts.query;
    info.headers = opts.headers;
    if (auth) info.auth = auth->toInternalJson();
    if (!canAccess(app, record.collection(), record.id(), info, rule)) return std::nullopt;

    // A synthetic GET request carrying the subscriber's auth and options, for expand + enrich.
    http::Request req;
    req.method = "GET";
    for (auto& [k, v] : opts.query.asObject()) req.query.emplace_back(k, v.getString());
    for (auto& [k, v] : opts.headers.asObject()) req.headers.emplace_back(k, v.getString());
    http::Response res;
    RequestEvent ev(app, req, res);
    ev.auth = auth;
    ev.context = "realtime";

    auto copy = std::make_shared<records::Record>(record);
    copy->expand = json::Value();
    copy->ignoreEmailVisibility = false;
    const std::string expand = opts.query["expand"].getString();
    if (!expand.empty()) {
        std::vector<records::RecordPtr> list{copy};
        try {
            expandRecords(app, &ev, info, list, expand);
        } catch (const ApiError&) {
            // an invalid expand is ignored, as on the REST API
        }
    }
    json::Value rj = app.recordJson(*copy, &ev);
    const std::string fields = opts.query["fields"].getString();
    if (!fields.empty()) {
        json::Value picked = rj;
        try {
            pickFields(picked, fields, false);
            rj = std::move(picked);
        } catch (const ApiError&) {
            // an invalid fields modifier sends the whole record
        }
    }
    json::Value data = json::Value(json::Object{{"action", action}, {"record", std::move(rj)}});
    return data.dump();
}

// Every frame the record event produces, one per matching subscription.
std::vector<Outgoing> prepare(App& app, const std::string& action, const records::Record& record) {
    std::vector<Outgoing> out;
    if (!app.hasRealtime()) return out;
    auto clients = app.realtime().clients();
    if (clients.empty()) return out;
    const auto& c = record.collection();
    const std::string id = record.id();
    const std::pair<std::string, const std::optional<std::string>*> keys[] = {
        {c.name + "/" + id, &c.viewRule}, {c.id + "/" + id, &c.viewRule}, {c.name + "/*", &c.listRule},
        {c.id + "/*", &c.listRule},       {c.name, &c.listRule},          {c.id, &c.listRule},
    };
    // Subscribers with the same auth and the same subscription string get the same data (all
    // guests of a popular topic share one serialisation).
    std::unordered_map<std::string, std::optional<std::string>> cache;
    for (auto& client : clients) {
        auto auth = client->auth();
        std::string authKey = auth ? auth->collection().id + "/" + auth->id() : std::string();
        for (auto& [key, rule] : keys) {
            for (auto& [sub, opts] : client->subscriptionsFor(key)) {
                std::string ck = authKey + '\n' + sub;
                auto it = cache.find(ck);
                if (it == cache.end()) {
                    std::optional<std::string> msg;
                    try {
                        msg = buildMessage(app, action, record, auth, opts, *rule);
                    } catch (const std::exception& ex) {
                        app.logError(std::string("realtime: ") + ex.what());
                    }
                    it = cache.emplace(std::move(ck), std::move(msg)).first;
                }
                if (it->second) out.push_back({client, sub, *it->second});
            }
        }
    }
    return out;
}

void dispatch(App& app, std::vector<Outgoing>& msgs) {
    if (!app.hasRealtime()) return;
    auto& broker = app.realtime();
    for (auto& m : msgs) broker.sendTo(m.client, std::move(m.name), std::move(m.data));
}

// Create/update: prepared and sent on the broker's event thread, so the request that wrote the
// record does not wait for the fan-out (one serialisation per distinct auth + subscription, one
// frame per subscriber); events still go out in commit order.
void broadcast(App& app, const std::string& action, const records::Record& record) {
    if (!app.hasRealtime() || app.realtime().size() == 0) return;
    auto copy = std::make_shared<const records::Record>(record);
    app.realtime().post([&app, action, copy] {
        try {
            auto msgs = prepare(app, action, *copy);
            dispatch(app, msgs);
        } catch (const std::exception& ex) {
            app.logError(std::string("realtime broadcast: ") + ex.what());
        }
    });
}

bool isAuthOf(const records::RecordPtr& auth, const records::Record& r) {
    return auth && auth->id() == r.id() && auth->collection().id == r.collection().id;
}

// Keeps the clients' stored auth current: an update refreshes it, a tokenKey change (password or
// email change, logout-all) or a delete removes it.
void updateClientsAuth(App& app, const records::Record& r, bool deleted) {
    if (!app.hasRealtime() || !r.collection().isAuth()) return;
    for (auto& client : app.realtime().clients()) {
        auto auth = client->auth();
        if (!isAuthOf(auth, r)) continue;
        if (deleted || auth->tokenKey() != r.tokenKey()) {
            client->setAuth(nullptr);
        } else {
            auto fresh = std::make_shared<records::Record>(r);
            fresh->expand = json::Value();
            client->setAuth(std::move(fresh));
        }
    }
}

// PocketBase realtimeUnsetClientsAuthByCollection: every client authenticated by a record of the
// collection continues as a guest.
void unsetClientsAuthByCollection(App& app, const std::string& collectionId) {
    if (!app.hasRealtime()) return;
    for (auto& client : app.realtime().clients()) {
        auto auth = client->auth();
        if (auth && auth->collection().id == collectionId) client->setAuth(nullptr);
    }
}

}  // namespace

void bindRealtimeRecordEvents(App& app) {
    auto& h = app.hooks();
    constexpr int kPriority = -99;  // before user handlers, like PocketBase's system handlers
    h.onRecordAfterCreateSuccess.bind({"__pbRealtimeCreate__", kPriority, [&app](RecordEvent& e) {
                                           broadcast(app, "create", *e.record);
                                           e.next();
                                       }, {}});
    h.onRecordAfterUpdateSuccess.bind({"__pbRealtimeUpdate__", kPriority, [&app](RecordEvent& e) {
                                           updateClientsAuth(app, *e.record, false);
                                           broadcast(app, "update", *e.record);
                                           e.next();
                                       }, {}});
    // Delete: check access and serialise while the row (and its relations) still exist, send
    // only once the transaction has committed (dropped on rollback).
    h.onRecordDelete.bind({"__pbRealtimeDelete__", kPriority, [&app](RecordEvent& e) {
                               std::shared_ptr<std::vector<Outgoing>> msgs;
                               try {
                                   msgs = std::make_shared<std::vector<Outgoing>>(prepare(app, "delete", *e.record));
                               } catch (const std::exception& ex) {
                                   app.logError(std::string("realtime delete: ") + ex.what());
                               }
                               e.next();
                               if (msgs && !msgs->empty())
                                   app.db().afterCommit([&app, msgs] {
                                       if (app.hasRealtime()) app.realtime().post([&app, msgs] { dispatch(app, *msgs); });
                                   });
                           }, {}});
    h.onRecordAfterDeleteSuccess.bind({"__pbRealtimeDeleteAuth__", kPriority, [&app](RecordEvent& e) {
                                           updateClientsAuth(app, *e.record, true);
                                           e.next();
                                       }, {}});
    h.onCollectionAfterDeleteSuccess.bind({"__pbRealtimeCollectionDelete__", kPriority, [&app](CollectionEvent& e) {
                                               if (e.collection) unsetClientsAuthByCollection(app, e.collection->id);
                                               e.next();
                                           }, {}});
    // A new auth token secret (set explicitly, or rotated by an authRule change) revokes the
    // tokens the clients authenticated with: drop their stored auth too (PocketBase does this in
    // OnCollectionUpdate, after next(), comparing with the cached collection).
    h.onCollectionUpdate.bind({"__pbRealtimeCollectionSecret__", kPriority, [&app](CollectionEvent& e) {
                                   if (!e.collection || !e.collection->isAuth()) {
                                       e.next();
                                       return;
                                   }
                                   auto cached = app.findCollection(e.collection->id);
                                   e.next();
                                   auto secret = [](const schema::Collection& c) {
                                       return c.options["authToken"]["secret"].getString();
                                   };
                                   if (cached && secret(*cached) != secret(*e.collection))
                                       unsetClientsAuthByCollection(app, e.collection->id);
                               }, {}});
}

}  // namespace pb::api
