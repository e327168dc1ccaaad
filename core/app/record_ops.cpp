// Record persistence through the model hooks: find, save (create/update) and delete.
// Each save/delete is one write transaction; hooks that touch the database inside it join it.
#include <algorithm>
#include <memory>
#include <stdexcept>

#include "app/app.hpp"
#include "app/model_op.hpp"
#include "records/filter/filter_compiler.hpp"
#include "records/sort.hpp"
#include "records/validator.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb {

using db::quoteIdent;
using records::Record;
using records::RecordPtr;
namespace FT = schema::FieldType;

records::RecordPtr App::recordFromRow(const schema::CollectionPtr& c, const db::Row& row) {
    auto r = std::make_shared<Record>(c);
    for (auto& f : c->fields) {
        const json::Value& raw = row[f.name];
        if (raw.isNull()) continue;  // zero value already set
        if (f.type == FT::Json) {
            if (auto parsed = json::parse(raw.getString())) r->setRaw(f.name, *parsed);
            else r->setRaw(f.name, raw);
        } else {
            r->setRaw(f.name, Record::normalize(f, raw));
        }
    }
    r->markPersisted();
    return r;
}

records::RecordPtr App::findRecordById(const schema::CollectionPtr& c, const std::string& id) {
    if (!c || id.empty()) return nullptr;
    auto rows = db_->query("SELECT * FROM " + quoteIdent(c->name) + " WHERE `id`=? LIMIT 1", {id});
    if (rows.empty()) return nullptr;
    return recordFromRow(c, rows[0]);
}

records::RecordPtr App::findRecordById(const std::string& collection, const std::string& id) {
    return findRecordById(findCollection(collection), id);
}

records::RecordPtr App::findAuthRecordByEmail(const schema::CollectionPtr& c, const std::string& email) {
    if (!c || !c->isAuth() || email.empty()) return nullptr;
    auto rows = db_->query("SELECT * FROM " + quoteIdent(c->name) + " WHERE `email`=? COLLATE NOCASE LIMIT 1", {email});
    if (rows.empty()) return nullptr;
    return recordFromRow(c, rows[0]);
}

std::vector<records::RecordPtr> App::findRecordsByFilter(const std::string& collection, const std::string& filter,
                                                         const std::string& sort, int limit, int offset,
                                                         const json::Value& params) {
    auto c = mustCollection(collection);
    std::string expr = filter;
    // {:name} placeholders are replaced by quoted literals (the compiler binds every literal).
    if (params.isObject())
        for (auto& [k, v] : params.asObject())
            expr = str::replaceAll(expr, "{:" + k + "}", v.isString() ? json::Value(v).dump() : v.dump());
    records::RequestInfo info;
    records::CollectionFinder finder = collectionFinder();
    std::string sql = "SELECT " + quoteIdent(c->name) + ".* FROM " + quoteIdent(c->name);
    db::Params p;
    std::string where;
    bool distinct = false;
    if (!str::trim(expr).empty()) {
        auto cf = records::compileFilter(expr, *c, finder, info, true);
        sql += " " + cf.joinSql();
        for (auto& x : cf.joinParams) p.push_back(x);
        where = cf.where;
        for (auto& x : cf.params) p.push_back(x);
        distinct = cf.distinct;
    }
    std::string orderBy;
    if (!str::trim(sort).empty()) {
        auto cs = records::compileSort(sort, *c, finder, info, true);
        for (auto& j : cs.joins) sql += " " + j;
        // sort join params precede WHERE params
        db::Params merged;
        for (auto& x : p) merged.push_back(x);
        p = std::move(merged);
        if (!cs.params.empty()) {
            db::Params withSort;
            size_t joinCount = 0;
            (void)joinCount;
            for (auto& x : cs.params) withSort.push_back(x);
            for (auto& x : p) withSort.push_back(x);
            p = std::move(withSort);
        }
        orderBy = cs.orderBy;
        distinct = distinct || !cs.joins.empty();
    }
    if (distinct) sql.replace(0, 6, "SELECT DISTINCT");
    if (!where.empty()) sql += " WHERE " + where;
    if (!orderBy.empty()) sql += " ORDER BY " + orderBy;
    if (limit > 0) sql += " LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(std::max(0, offset));
    std::vector<RecordPtr> out;
    for (auto& row : db_->query(sql, p)) out.push_back(recordFromRow(c, row));
    return out;
}

namespace {

// Fills server-managed values before insert/update.
void prepareForSave(Record& r, bool isNew) {
    const auto& c = r.collection();
    auto now = timeutil::now();
    for (auto& f : c.fields) {
        if (f.type == FT::Autodate) {
            bool set = (isNew && f.opts["onCreate"].getBool()) || (!isNew && f.opts["onUpdate"].getBool());
            if (set && (isNew || !r.changed(f.name))) r.setRaw(f.name, now);
            if (!isNew && !set) r.setRaw(f.name, r.original()[f.name]);
        }
        if (f.type == FT::Text && isNew) {
            const auto& pat = f.opts["autogeneratePattern"].getString();
            if (!pat.empty() && r.getString(f.name).empty()) {
                if (f.primaryKey() || pat == "[a-z0-9]{15}") r.setRaw(f.name, random::string(15, random::kAlphaNumLower));
                else if (pat == "[a-zA-Z0-9]{50}") r.setRaw(f.name, random::string(50));
                else {
                    // Simple "[charset]{n}" patterns.
                    auto lb = pat.find('{'), rb = pat.find('}');
                    size_t n = 15;
                    if (lb != std::string::npos && rb != std::string::npos) n = std::stoul(pat.substr(lb + 1, rb - lb - 1));
                    r.setRaw(f.name, random::string(n, random::kAlphaNumLower));
                }
            }
        }
    }
    if (c.isAuth() && r.tokenKey().empty()) r.refreshTokenKey();
    if (c.isAuth() && !isNew && r.tokenKey() == r.original()["tokenKey"].getString() &&
        (r.changed("password") || r.changed("email")))
        r.refreshTokenKey();
    if (c.name == "_superusers") r.setRaw("verified", true);
}

// Maps "UNIQUE constraint failed: t.a, t.b" to field errors.
json::Value uniqueErrors(const std::string& msg) {
    json::Value errs = json::Value::object();
    auto p = msg.find("constraint failed:");
    if (p == std::string::npos) return errs;
    for (auto& part : str::split(msg.substr(p + 18), ',')) {
        auto t = std::string(str::trim(part));
        auto dot = t.find('.');
        if (dot != std::string::npos) t = t.substr(dot + 1);
        if (!t.empty()) errs.set(t, fieldError("validation_not_unique", "Value must be unique."));
    }
    return errs;
}

}  // namespace

void App::save(Record& r, bool validate) {
    const bool isNew = r.isNew();
    const auto& c = r.collection();
    if (c.isView()) throw badRequest("View collections are read-only.");
    const char* failMessage = isNew ? "Failed to create record." : "Failed to update record.";
    RecordEvent e;
    e.app = this;
    e.record = &r;
    e.type = isNew ? "create" : "update";
    modelop::Hooks<RecordEvent> hooks{isNew ? hooks_.onRecordCreate : hooks_.onRecordUpdate,
                                      isNew ? hooks_.onRecordCreateExecute : hooks_.onRecordUpdateExecute,
                                      isNew ? hooks_.onRecordAfterCreateSuccess : hooks_.onRecordAfterUpdateSuccess,
                                      isNew ? hooks_.onRecordAfterCreateError : hooks_.onRecordAfterUpdateError};
    modelop::Steps<RecordEvent, Record> steps;
    steps.validate = [&](RecordEvent& ev) {
        prepareForSave(*ev.record, isNew);
        if (!validate) return;
        hooks_.onRecordValidate.trigger(ev, [&](RecordEvent& vev) {
            auto errs = records::validateRecord(*vev.record, [this](const std::string& cid, const std::vector<std::string>& ids) {
                std::vector<std::string> missing;
                auto rc = findCollection(cid);
                for (auto& id : ids)
                    if (!rc || !findRecordById(rc, id)) missing.push_back(id);
                return missing;
            });
            if (c.isAuth() && isNew && vev.record->getString("password").empty())
                errs.set("password", fieldError("validation_required", "Cannot be blank."));
            // Auth record ids are unique across all auth collections.
            if (c.isAuth() && isNew && !errs.has("id")) {
                for (auto& other : collections_->all()) {
                    if (!other->isAuth() || other->id == c.id) continue;
                    if (findRecordById(other, vev.record->id())) {
                        errs.set("id", fieldError("validation_invalid_auth_id", "Invalid or duplicated auth record id."));
                        break;
                    }
                }
            }
            if (!isNew && vev.record->id() != vev.record->original()["id"].getString())
                errs.set("id", fieldError("validation_pk_change", "The record primary key cannot be changed."));
            if (errs.size() > 0) throw badRequest(failMessage, errs);
        });
    };
    steps.persist = [&](RecordEvent& xev) {
        Record& rec = *xev.record;
        std::vector<std::string> cols;
        db::Params params;
        for (auto& f : rec.collection().fields) {
            cols.push_back(quoteIdent(f.name));
            params.push_back(Record::toDbValue(f, rec.get(f.name)));
        }
        try {
            if (isNew) {
                std::string sql = "INSERT INTO " + quoteIdent(rec.collection().name) + " (" + str::join(cols, ",") +
                                  ") VALUES (" + str::join(std::vector<std::string>(cols.size(), "?"), ",") + ")";
                db_->exec(sql, params);
            } else {
                std::vector<std::string> sets;
                for (auto& col : cols) sets.push_back(col + "=?");
                params.push_back(rec.original()["id"].getString());
                db_->exec("UPDATE " + quoteIdent(rec.collection().name) + " SET " + str::join(sets, ",") + " WHERE `id`=?",
                          params);
            }
            // Raising trust revokes earlier links (GHSA-pq7p-mc74-g65w): an
            // unverified -> verified transition deletes the record's external auths.
            if (!isNew && rec.collection().isAuth() && rec.verified() && !rec.original()["verified"].getBool()) {
                if (auto ea = findCollection("_externalAuths")) {
                    auto rows = db_->query("SELECT * FROM `_externalAuths` WHERE `collectionRef`=? AND `recordRef`=?",
                                           {rec.collection().id, rec.id()});
                    for (auto& row : rows) deleteRecord(*recordFromRow(ea, row));
                }
            }
        } catch (const db::DbError& dbe) {
            if (dbe.isConstraintUnique()) throw badRequest(failMessage, uniqueErrors(dbe.what()));
            throw;
        }
    };
    // The after-hooks get a copy: the caller may reuse the record.
    steps.snapshot = [](RecordEvent& xev) {
        auto snap = std::make_shared<Record>(*xev.record);
        snap->markPersisted();
        return snap;
    };
    steps.onPersisted = [&r] { r.markPersisted(); };
    modelop::run(*this, *db_, e, hooks, steps, "record");
}

void App::deleteRecord(Record& r) {
    const auto& c = r.collection();
    if (c.isView()) throw badRequest("View collections are read-only.");
    if (c.name == "_superusers") {
        auto rows = db_->query("SELECT COUNT(*) FROM `_superusers`");
        if (!rows.empty() && rows[0].at(0).getNumber() <= 1) throw badRequest("You can't delete the only existing superuser.");
    }
    RecordEvent e;
    e.app = this;
    e.record = &r;
    e.type = "delete";
    modelop::Hooks<RecordEvent> hooks{hooks_.onRecordDelete, hooks_.onRecordDeleteExecute, hooks_.onRecordAfterDeleteSuccess,
                                      hooks_.onRecordAfterDeleteError};
    modelop::Steps<RecordEvent, Record> steps;
    steps.persist = [&](RecordEvent& xev) {
        Record& rec = *xev.record;
        const std::string rid = rec.id();
        // References from other collections: cascade or detach.
        for (auto& other : collections_->all()) {
            if (other->isView()) continue;
            for (auto& f : other->fields) {
                if (f.type != FT::Relation || f.relationCollectionId() != rec.collection().id) continue;
                std::string sql = f.isMultiple()
                    ? "SELECT * FROM " + quoteIdent(other->name) + " WHERE EXISTS (SELECT 1 FROM json_each(" +
                          quoteIdent(f.name) + ") WHERE value=?)"
                    : "SELECT * FROM " + quoteIdent(other->name) + " WHERE " + quoteIdent(f.name) + "=?";
                for (auto& row : db_->query(sql, {rid})) {
                    auto ref = recordFromRow(other, row);
                    if (ref->id() == rid && other->id == rec.collection().id) continue;
                    auto list = ref->getStringList(f.name);
                    std::erase(list, rid);
                    if (f.opts["cascadeDelete"].getBool() && (!f.isMultiple() || list.empty())) {
                        deleteRecord(*ref);
                        continue;
                    }
                    if (f.required() && list.empty())
                        throw badRequest("The record cannot be deleted because it is part of a required reference in another record.");
                    json::Value v = json::Value::array();
                    for (auto& s : list) v.push(s);
                    ref->set(f.name, v);
                    save(*ref, false);
                }
            }
        }
        db_->exec("DELETE FROM " + quoteIdent(rec.collection().name) + " WHERE `id`=?", {rid});
    };
    steps.snapshot = [](RecordEvent& xev) { return std::make_shared<Record>(*xev.record); };
    modelop::run(*this, *db_, e, hooks, steps, "record");
}

json::Value App::recordJson(Record& r, RequestEvent* req) {
    RecordEnrichEvent e;
    e.app = this;
    e.record = &r;
    e.req = req;
    bool showHidden = req && req->hasSuperuserAuth();
    if (req && req->auth && r.collection().isAuth() && req->auth->id() == r.id() &&
        req->auth->collection().id == r.collection().id)
        r.ignoreEmailVisibility = true;
    if (showHidden) r.ignoreEmailVisibility = true;
    json::Value out;
    hooks_.onRecordEnrich.trigger(e, [&](RecordEnrichEvent& ev) { out = ev.record->toJson(showHidden); });
    if (out.isNull()) out = r.toJson(showHidden);
    return out;
}

void App::installRuleValidator() {
    collections_->setRuleValidator([this](const schema::Collection& c, const std::string& rule) -> std::optional<std::string> {
        try {
            records::RequestInfo info;
            records::CollectionFinder finder = [this, &c](const std::string& n) -> schema::CollectionPtr {
                if (n == c.id || str::iequals(n, c.name)) return std::make_shared<schema::Collection>(c);
                return findCollection(n);
            };
            records::compileFilter(rule, c, finder, info, true);
            return std::nullopt;
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    });
}

}  // namespace pb
