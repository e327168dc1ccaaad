// /api/collections: superuser-only management of collection definitions.
#include "api/list_params.hpp"
#include "api/middlewares.hpp"
#include "api/request_events.hpp"
#include "api/routes.hpp"
#include "records/filter/filter_compiler.hpp"
#include "records/sort.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

// Simple in-memory list support (filter by name/type/system via substring; sort by a field).
json::Value listCollections(RequestEvent& e, const std::vector<schema::CollectionPtr>& all) {
    const auto lp = parseListParams(e);
    const int page = lp.page, perPage = lp.perPage;
    std::vector<json::Value> items;
    for (auto& c : all) items.push_back(c->toJson());
    // Filter and sort through SQLite over a throwaway in-memory table of the listable columns.
    auto filter = e.request.queryParam("filter").value_or("");
    auto sort = e.request.queryParam("sort").value_or("");
    if (!str::trim(filter).empty() || !str::trim(sort).empty()) {
        db::Connection mem(":memory:", false);
        mem.execScript("CREATE TABLE `_collections` (`id` TEXT, `created` TEXT, `updated` TEXT, `name` TEXT, `system` BOOLEAN, `type` TEXT, `idx` INTEGER)");
        for (size_t i = 0; i < items.size(); ++i)
            mem.exec("INSERT INTO `_collections` VALUES (?,?,?,?,?,?,?)",
                     {items[i]["id"], items[i]["created"], items[i]["updated"], items[i]["name"], items[i]["system"],
                      items[i]["type"], static_cast<double>(i)});
        schema::Collection meta;
        meta.name = "_collections";
        for (auto [n, t] : {std::pair{"id", "text"}, {"created", "text"}, {"updated", "text"}, {"name", "text"},
                            {"system", "bool"}, {"type", "text"}}) {
            schema::Field f;
            f.name = n;
            f.type = t;
            meta.fields.push_back(f);
        }
        records::RequestInfo info;
        records::CollectionFinder finder = [](const std::string&) { return nullptr; };
        std::string sql = "SELECT `idx` FROM `_collections`";
        db::Params params;
        if (!str::trim(filter).empty()) {
            auto cf = records::compileFilter(filter, meta, finder, info, true);
            sql += " WHERE " + cf.where;
            params = cf.params;
        }
        if (!str::trim(sort).empty()) {
            auto cs = records::compileSort(sort, meta, finder, info, true);
            if (!cs.orderBy.empty()) sql += " ORDER BY " + cs.orderBy;
        }
        std::vector<json::Value> filtered;
        for (auto& row : mem.query(sql, params)) filtered.push_back(items[static_cast<size_t>(row.at(0).getNumber())]);
        items = std::move(filtered);
    }
    const bool skipTotal = lp.skipTotal;
    size_t total = items.size();
    json::Value page_items = json::Value::array();
    size_t start = static_cast<size_t>(page - 1) * static_cast<size_t>(perPage);
    for (size_t i = start; i < items.size() && i < start + static_cast<size_t>(perPage); ++i) page_items.push(items[i]);
    json::Value out = json::Value::object();
    out.set("page", page);
    out.set("perPage", perPage);
    out.set("totalItems", skipTotal ? -1.0 : static_cast<double>(total));
    out.set("totalPages", skipTotal ? -1.0 : static_cast<double>((total + static_cast<size_t>(perPage) - 1) / static_cast<size_t>(perPage)));
    out.set("items", page_items);
    return out;
}

}  // namespace

void registerCollectionRoutes(App& app) {
    auto& g = app.router().group("/api/collections");
    auto su = std::vector<hook::Handler<RequestEvent>>{requireSuperuserAuth()};

    g.get("", [](RequestEvent& e) {
        auto ev = requestEvent<CollectionsListRequestEvent>(e);
        ev.collections = e.app.collections().all();
        ev.result = listCollections(e, ev.collections);
        e.app.hooks().onCollectionsListRequest.trigger(ev, [&](CollectionsListRequestEvent& x) {
            e.isListEnvelope = true;
            e.json(200, x.result);
        });
    }, su);

    g.post("", [](RequestEvent& e) {
        auto def = std::make_shared<schema::Collection>(schema::CollectionStore::fromJson(e.body(), nullptr));
        auto ev = collectionRequestEvent<CollectionRequestEvent>(e, std::move(def));
        e.app.hooks().onCollectionCreateRequest.trigger(ev, [&](CollectionRequestEvent& x) {
            auto saved = e.app.saveCollection(*x.collection);
            e.json(200, saved->toJson());
        });
    }, su);

    g.put("/import", [](RequestEvent& e) {
        const json::Value& body = e.body();
        if (!body.isObject()) throw badRequest("An error occurred while loading the submitted data.");
        const json::Value& list = body["collections"];
        if (!list.isNull() && !list.isArray())
            throw badRequest("An error occurred while loading the submitted data.");
        if (!list.isArray() || list.asArray().empty()) {
            ValidationErrors errs;
            errs.add("collections", "validation_required", "Cannot be blank.");
            throw badRequest("An error occurred while validating the submitted data.", errs.data());
        }
        auto ev = requestEvent<CollectionsImportRequestEvent>(e);
        ev.collectionsData = list;
        ev.deleteMissing = body["deleteMissing"].getBool();
        e.app.hooks().onCollectionsImportRequest.trigger(ev, [&](CollectionsImportRequestEvent& x) {
            e.app.importCollections(x.collectionsData, x.deleteMissing);
            e.noContent(204);
        });
    }, su);

    // Infers the fields of a view query and returns them with up to 10 sample rows; nothing is saved.
    g.post("/meta/dry-run-view", [](RequestEvent& e) {
        const json::Value& body = e.body();
        if (!body.isObject() || (!body["query"].isNull() && !body["query"].isString()))
            throw badRequest("An error occurred while loading the submitted data.");
        const std::string& query = body["query"].getString();
        ValidationErrors errs;
        if (str::trim(query).empty()) errs.add("query", "validation_required", "Cannot be blank.");
        else if (query.size() > 5000) errs.add("query", "validation_length_out_of_range", "The length must be between 0 and 5000.");
        errs.throwIfAny("An error occurred while validating the submitted data.");
        auto c = std::make_shared<schema::Collection>(schema::CollectionStore::scaffold(schema::CollectionType::View, "dry_run"));
        c->options.set("viewQuery", query);
        try {
            schema::inferViewFields(e.app.db(), *c, e.app.collections().all());
        } catch (const ApiError& err) {
            throw badRequest("Failed to dry-run the view query.", err.data());
        }
        json::Value fields = json::Value::array();
        for (auto& f : c->fields) fields.push(f.toJson());
        json::Value sample = json::Value::array();
        for (auto& row : e.app.db().query("SELECT * FROM (" + c->viewQuery() + ") LIMIT 10"))
            sample.push(e.app.recordFromRow(c, row)->toJson(true));
        e.json(200, json::Value(json::Object{{"fields", fields}, {"sample", sample}}));
    }, su);

    g.get("/meta/scaffolds", [](RequestEvent& e) {
        json::Value out = json::Value::object();
        for (auto t : {schema::CollectionType::Auth, schema::CollectionType::Base, schema::CollectionType::View}) {
            auto c = schema::CollectionStore::scaffold(t, "");
            c.id = "";
            out.set(schema::toString(t), c.toJson());
        }
        e.json(200, out);
    }, su);

    g.get("/{collection}", [](RequestEvent& e) {
        auto c = e.app.findCollection(e.pathValue("collection"));
        if (!c) throw notFound();
        auto ev = collectionRequestEvent<CollectionRequestEvent>(e, std::make_shared<schema::Collection>(*c));
        e.app.hooks().onCollectionViewRequest.trigger(ev, [&](CollectionRequestEvent& x) { e.json(200, x.collection->toJson()); });
    }, su);

    g.patch("/{collection}", [](RequestEvent& e) {
        auto c = e.app.findCollection(e.pathValue("collection"));
        if (!c) throw notFound();
        auto def = std::make_shared<schema::Collection>(schema::CollectionStore::fromJson(e.body(), c.get()));
        auto ev = collectionRequestEvent<CollectionRequestEvent>(e, std::move(def));
        e.app.hooks().onCollectionUpdateRequest.trigger(ev, [&](CollectionRequestEvent& x) {
            auto saved = e.app.saveCollection(*x.collection);
            e.json(200, saved->toJson());
        });
    }, su);

    g.del("/{collection}", [](RequestEvent& e) {
        auto c = e.app.findCollection(e.pathValue("collection"));
        if (!c) throw notFound();
        auto ev = collectionRequestEvent<CollectionRequestEvent>(e, std::make_shared<schema::Collection>(*c));
        e.app.hooks().onCollectionDeleteRequest.trigger(ev, [&](CollectionRequestEvent& x) {
            e.app.deleteCollection(*x.collection);
            e.noContent(204);
        });
    }, su);

    g.del("/{collection}/truncate", [](RequestEvent& e) {
        auto c = e.app.findCollection(e.pathValue("collection"));
        if (!c) throw notFound();
        if (c->isView()) throw badRequest("View collections cannot be truncated.");
        // Delete through the model hooks so cascades and after-hooks run.
        e.app.runInTransaction([&] {
            for (auto& r : e.app.findRecordsByFilter(c->id, "")) e.app.deleteRecord(*r);
        });
        e.noContent(204);
    }, su);
}

}  // namespace pb::api
