#include "api/record_expand.hpp"

#include <map>

#include "api/rule_check.hpp"
#include "records/rule_sql.hpp"
#include "schema/index_sql.hpp"
#include "util/strings.hpp"

namespace pb::api {

using records::RecordPtr;
namespace FT = schema::FieldType;

namespace {

constexpr int kMaxExpandDepth = 6;
constexpr int kMaxBackRelations = 1000;

struct PathTree {
    std::map<std::string, PathTree> children;
};

void addPath(PathTree& t, const std::string& path) {
    PathTree* n = &t;
    int depth = 0;
    for (auto& part : str::split(path, '.')) {
        if (part.empty() || ++depth > kMaxExpandDepth) break;
        n = &n->children[part];
    }
}

bool canView(App& app, const records::RequestInfo& info, const schema::Collection& c, const std::string& id) {
    if (info.isSuperuser()) return true;
    if (!c.viewRule) return false;
    if (c.viewRule->empty()) return true;
    records::RequestInfo ctx = info;
    ctx.context = "expand";
    return recordPassesRule(app, c, ctx, c.viewRule, id);
}

std::vector<RecordPtr> loadByIds(App& app, const schema::CollectionPtr& c, const std::vector<std::string>& ids) {
    std::vector<RecordPtr> out;
    if (ids.empty()) return out;
    std::string sql = "SELECT * FROM " + db::quoteIdent(c->name) + " WHERE `id` IN (" +
                      str::join(std::vector<std::string>(ids.size(), "?"), ",") + ")";
    db::Params p(ids.begin(), ids.end());
    std::map<std::string, RecordPtr> byId;
    for (auto& row : app.db().query(sql, p)) {
        auto r = app.recordFromRow(c, row);
        byId[r->id()] = r;
    }
    for (auto& id : ids)
        if (auto it = byId.find(id); it != byId.end()) out.push_back(it->second);
    return out;
}

// Expands every path of `tree` on `records` (all of one collection). A path that does not resolve
// (unknown relation, at any depth) leaves the records untouched, as PocketBase's expandRecords
// fails it as a whole; a resolved one gives each record an `expand` object, even when empty.
// Returns whether at least one path resolved (trivially so when there are no records).
bool expandLevel(App& app, RequestEvent* req, const records::RequestInfo& info, std::vector<RecordPtr>& records,
                 const PathTree& tree) {
    if (records.empty()) return true;
    bool anyResolved = false;
    for (auto& [name, sub] : tree.children) {
        const auto& c = records.front()->collectionPtr();
        // Resolve the relation: a direct relation field, or a back-relation X_via_F (or legacy X(F)).
        const schema::Field* relField = c->field(name);
        schema::CollectionPtr target;
        schema::CollectionPtr backColl;
        const schema::Field* backField = nullptr;
        if (relField && relField->type == FT::Relation) {
            target = app.findCollection(relField->relationCollectionId());
        } else {
            std::string coll, field;
            if (auto p = name.find("_via_"); p != std::string::npos) {
                coll = name.substr(0, p);
                field = name.substr(p + 5);
            } else if (auto lp = name.find('('); lp != std::string::npos && name.back() == ')') {
                coll = name.substr(0, lp);
                field = name.substr(lp + 1, name.size() - lp - 2);
            }
            if (!coll.empty()) {
                backColl = app.findCollection(coll);
                if (backColl) backField = backColl->field(field);
                if (!backField || backField->type != FT::Relation || backField->relationCollectionId() != c->id) {
                    backColl = nullptr;
                    backField = nullptr;
                }
            }
        }
        if (!target && !backColl) continue;  // invalid path: ignored

        // Load and access-check the related records, per parent record.
        std::map<std::string, bool> allowed;
        auto check = [&](const RecordPtr& r) {
            auto key = r->collection().id + "/" + r->id();
            auto it = allowed.find(key);
            if (it != allowed.end()) return it->second;
            bool ok = canView(app, info, r->collection(), r->id());
            allowed[key] = ok;
            return ok;
        };
        std::vector<std::vector<RecordPtr>> perParent(records.size());
        std::vector<RecordPtr> all;
        bool single = false;
        if (target) {
            single = !relField->isMultiple();
            std::vector<std::string> ids;
            for (auto& r : records)
                for (auto& id : r->getStringList(name)) ids.push_back(id);
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            std::map<std::string, RecordPtr> byId;
            for (auto& r : loadByIds(app, target, ids))
                if (check(r)) byId[r->id()] = r;
            for (size_t i = 0; i < records.size(); ++i)
                for (auto& id : records[i]->getStringList(name))
                    if (auto it = byId.find(id); it != byId.end()) perParent[i].push_back(it->second);
        } else {
            single = schema::hasSingleColumnUniqueIndex(backColl->indexes, backField->name);
            for (size_t i = 0; i < records.size(); ++i) {
                const std::string col = db::quoteIdent(backField->name);
                std::string sql = backField->isMultiple()
                    ? "SELECT * FROM " + db::quoteIdent(backColl->name) + " WHERE EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(" + col + ") THEN " + col + " ELSE json_array(" + col + ") END) WHERE value=?) LIMIT " + std::to_string(kMaxBackRelations)
                    : "SELECT * FROM " + db::quoteIdent(backColl->name) + " WHERE " + col + "=? LIMIT " + std::to_string(kMaxBackRelations);
                for (auto& row : app.db().query(sql, {records[i]->id()})) {
                    auto r = app.recordFromRow(backColl, row);
                    if (check(r)) perParent[i].push_back(r);
                }
            }
        }
        // Nested paths on the loaded records (grouped by collection: all share one here).
        if (!sub.children.empty()) {
            std::vector<RecordPtr> flat;
            for (auto& v : perParent)
                for (auto& r : v) flat.push_back(r);
            if (!expandLevel(app, req, info, flat, sub)) continue;
        }
        anyResolved = true;
        for (size_t i = 0; i < records.size(); ++i) {
            auto& parent = records[i];
            if (!parent->expand.isObject()) parent->expand = json::Value::object();
            if (perParent[i].empty()) continue;
            if (single) {
                parent->expand.set(name, app.recordJson(*perParent[i].front(), req));
            } else {
                json::Value arr = json::Value::array();
                for (auto& r : perParent[i]) arr.push(app.recordJson(*r, req));
                parent->expand.set(name, arr);
            }
        }
    }
    return anyResolved;
}

}  // namespace

void expandRecords(App& app, RequestEvent* req, const records::RequestInfo& info, std::vector<RecordPtr>& records,
                   const std::string& expandParam) {
    PathTree tree;
    for (auto& p : str::splitList(expandParam)) addPath(tree, p);
    if (tree.children.empty()) return;
    expandLevel(app, req, info, records, tree);
}

json::Value recordsToJson(App& app, RequestEvent& e, std::vector<RecordPtr>& list) {
    auto expand = e.request.queryParam("expand");
    if (expand && !str::trim(*expand).empty()) expandRecords(app, &e, e.requestInfo(), list, *expand);
    json::Value arr = json::Value::array();
    for (auto& r : list) arr.push(app.recordJson(*r, &e));
    return arr;
}

json::Value recordToJson(App& app, RequestEvent& e, const RecordPtr& r) {
    std::vector<RecordPtr> one{r};
    auto arr = recordsToJson(app, e, one);
    return arr.asArray().front();
}

}  // namespace pb::api
