#include "schema/collection_store.hpp"
#include "schema/index_sql.hpp"

#include <algorithm>
#include <set>

#include "util/api_error.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::schema {

using db::quoteIdent;

void CollectionStore::ensureSystemTables() {
    db_.execScript(
        "CREATE TABLE IF NOT EXISTS `_migrations` (file VARCHAR(255) PRIMARY KEY NOT NULL, applied INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS `_collections` ("
        " `id` TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL,"
        " `system` BOOLEAN DEFAULT FALSE NOT NULL, `type` TEXT DEFAULT 'base' NOT NULL,"
        " `name` TEXT UNIQUE NOT NULL, `fields` JSON DEFAULT '[]' NOT NULL, `indexes` JSON DEFAULT '[]' NOT NULL,"
        " `listRule` TEXT DEFAULT NULL, `viewRule` TEXT DEFAULT NULL, `createRule` TEXT DEFAULT NULL,"
        " `updateRule` TEXT DEFAULT NULL, `deleteRule` TEXT DEFAULT NULL, `options` JSON DEFAULT '{}' NOT NULL,"
        " `created` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL,"
        " `updated` TEXT DEFAULT (strftime('%Y-%m-%d %H:%M:%fZ')) NOT NULL);"
        "CREATE INDEX IF NOT EXISTS idx__collections_type ON `_collections` (`type`);");
}

static std::optional<std::string> nullableText(const json::Value& v) {
    if (v.isNull()) return std::nullopt;
    return v.getString();
}

CollectionPtr CollectionStore::rowToCollection(const db::Row& row) const {
    auto c = std::make_shared<Collection>();
    c->id = row["id"].getString();
    c->name = row["name"].getString();
    c->type = collectionTypeFromString(row["type"].getString()).value_or(CollectionType::Base);
    c->system = row["system"].getNumber() != 0;
    if (auto fs = json::parse(row["fields"].getString()); fs && fs->isArray())
        for (auto& f : fs->asArray()) c->fields.push_back(Field::fromJson(f));
    if (auto idx = json::parse(row["indexes"].getString()); idx && idx->isArray())
        for (auto& i : idx->asArray()) c->indexes.push_back(i.getString());
    c->listRule = nullableText(row["listRule"]);
    c->viewRule = nullableText(row["viewRule"]);
    c->createRule = nullableText(row["createRule"]);
    c->updateRule = nullableText(row["updateRule"]);
    c->deleteRule = nullableText(row["deleteRule"]);
    if (auto o = json::parse(row["options"].getString()); o && o->isObject()) c->options = *o;
    c->created = row["created"].getString();
    c->updated = row["updated"].getString();
    return c;
}

void CollectionStore::load() {
    auto rows = db_.query("SELECT * FROM `_collections` ORDER BY rowid");
    std::vector<CollectionPtr> list;
    for (auto& r : rows) list.push_back(rowToCollection(r));
    publish(std::move(list));
}

void CollectionStore::publish(std::vector<CollectionPtr> list) {
    std::lock_guard lk(mu_);
    cache_ = std::make_shared<const std::vector<CollectionPtr>>(std::move(list));
}

bool CollectionStore::empty() const {
    std::lock_guard lk(mu_);
    return cache_->empty();
}

CollectionPtr CollectionStore::find(const std::string& idOrName) const {
    std::shared_ptr<const std::vector<CollectionPtr>> list;
    {
        std::lock_guard lk(mu_);
        list = cache_;
    }
    for (auto& c : *list)
        if (c->id == idOrName) return c;
    for (auto& c : *list)
        if (str::iequals(c->name, idOrName)) return c;
    return nullptr;
}

std::vector<CollectionPtr> CollectionStore::all() const {
    std::lock_guard lk(mu_);
    return *cache_;
}

static std::optional<std::string> ruleFrom(const json::Value& v) {
    if (v.isNull()) return std::nullopt;
    if (v.isString()) return v.asString();
    throw badRequest("Invalid rule value.");
}

namespace {

// clientSecret is never output, so a client that saves back what it read omits it: keep the
// stored secret of the provider with the same name. Mapped fields naming a missing field are
// cleared (PocketBase's unsetMissingOAuth2MappedFields); _superusers never has OAuth2.
void normalizeOAuth2Options(Collection& c, const Collection* existing) {
    auto& o = c.options["oauth2"];
    if (!o.isObject()) return;
    if (auto* ps = o.find("providers"); ps && ps->isArray()) {
        const json::Value* old = existing ? existing->options["oauth2"].find("providers") : nullptr;
        for (auto& p : ps->asArray()) {
            if (!p.isObject() || !p["clientSecret"].getString().empty() || !old || !old->isArray()) continue;
            for (auto& q : old->asArray())
                if (q["name"].getString() == p["name"].getString() && q["clientSecret"].isString())
                    p.set("clientSecret", q["clientSecret"]);
        }
    }
    if (auto* mf = o.find("mappedFields"); mf && mf->isObject()) {
        // PocketBase's OAuth2KnownFields: exactly these keys, in this order.
        json::Value known = json::Value::object();
        for (const char* k : {"id", "name", "username", "avatarURL"}) {
            std::string v = (*mf)[k].getString();
            known.set(k, !v.empty() && c.field(v) ? v : "");
        }
        *mf = std::move(known);
    }
    if (c.name == "_superusers") o.set("enabled", false);
}

}  // namespace

Collection CollectionStore::fromJson(const json::Value& body, const Collection* existing) {
    if (!body.isObject()) throw badRequest("Failed to load the submitted data due to invalid formatting.");
    Collection c;
    if (existing) {
        c = *existing;
    } else {
        auto typeStr = body["type"].isString() ? body["type"].asString() : std::string("base");
        if (typeStr.empty()) typeStr = "base";
        auto type = collectionTypeFromString(typeStr);
        ValidationErrors errs;
        if (!type) {
            errs.add("type", "validation_in_invalid", "Must be a valid value.");
            errs.throwIfAny("Failed to create collection.");
        }
        c = scaffold(*type, body["name"].getString());
        if (body["id"].isString() && !body["id"].asString().empty()) c.id = body["id"].asString();
    }
    if (existing && body.has("type") && body["type"].getString() != toString(existing->type)) {
        ValidationErrors errs;
        errs.add("type", "validation_collection_type_change", "Collection type cannot be changed.");
        errs.throwIfAny("Failed to update collection.");
    }
    if (body.has("name")) c.name = body["name"].getString();
    for (auto [key, member] : {std::pair{"listRule", &Collection::listRule}, {"viewRule", &Collection::viewRule},
                               {"createRule", &Collection::createRule}, {"updateRule", &Collection::updateRule},
                               {"deleteRule", &Collection::deleteRule}}) {
        if (body.has(key)) c.*member = ruleFrom(body[key]);
    }
    if (body.has("indexes")) {
        c.indexes.clear();
        if (body["indexes"].isArray())
            for (auto& i : body["indexes"].asArray())
                if (i.isString()) c.indexes.push_back(i.asString());
    }
    if (body.has("fields") && body["fields"].isArray()) {
        std::vector<Field> next;
        for (auto& fj : body["fields"].asArray()) {
            if (!fj.isObject()) continue;
            Field f = Field::fromJson(fj);
            // Match an existing field by id, then by name, so renames and option changes keep the id.
            const Field* prev = nullptr;
            if (!f.id.empty()) prev = c.fieldById(f.id);
            if (!prev && f.id.empty()) prev = c.field(f.name);
            if (prev) {
                if (f.id.empty()) f.id = prev->id;
                if (prev->system) f.system = true;
            }
            if (f.id.empty()) f.id = defaultFieldId(f.type, f.name);
            applyFieldDefaults(f);
            next.push_back(std::move(f));
        }
        // System fields missing from the submitted list are kept (at their original position).
        std::vector<Field> merged;
        for (auto& old : c.fields) {
            if (!old.system) continue;
            bool present = std::any_of(next.begin(), next.end(), [&](auto& f) { return f.id == old.id || f.name == old.name; });
            if (!present) merged.push_back(old);
        }
        for (auto& f : next) merged.push_back(std::move(f));
        // Make clashing generated ids unique.
        std::set<std::string> seen;
        for (auto& f : merged) {
            std::string base = f.id;
            for (int n = 2; seen.count(f.id); ++n) f.id = base + std::to_string(n);
            seen.insert(f.id);
        }
        c.fields = std::move(merged);
    }
    // Type specific options (auth/view) are plain keys of the body.
    static const std::set<std::string> kCommon = {"id", "name", "type", "system", "fields", "indexes", "listRule",
                                                  "viewRule", "createRule", "updateRule", "deleteRule", "created", "updated"};
    for (auto& [k, v] : body.asObject()) {
        if (kCommon.count(k)) continue;
        if (c.type == CollectionType::Base) continue;
        if (c.type == CollectionType::View && k != "viewQuery") continue;
        auto* cur = c.options.find(k);
        if (cur && cur->isObject() && v.isObject()) {
            // Shallow-merge objects so omitted secrets (never output) survive an update.
            for (auto& [sk, sv] : v.asObject()) cur->set(sk, sv);
        } else if (c.type == CollectionType::Auth || k == "viewQuery") {
            c.options.set(k, v);
        }
    }
    if (c.isAuth()) normalizeOAuth2Options(c, existing);
    return c;
}

void CollectionStore::prepareForSave(Collection& c) const {
    assignFreeGeneratedId(c);
    ensureAuthIndexes(c);
}

void CollectionStore::assignFreeGeneratedId(Collection& c) const {
    if (!c.isNew || c.id.empty() || c.id != c.autogeneratedId) return;
    const auto list = all();
    auto taken = [&](const std::string& id) {
        return std::any_of(list.begin(), list.end(), [&](const CollectionPtr& x) { return x->id == id; });
    };
    const std::string base = defaultCollectionId(toString(c.type), c.name);
    std::string id = base;
    for (int i = 2; i < 1000 && taken(id); ++i) id = base + std::to_string(i);
    if (id == c.id) return;
    for (auto& idx : c.indexes) idx = replaceInIndexName(idx, c.id, id);
    c.id = id;
}

CollectionPtr CollectionStore::save(Collection c, bool validate) {
    prepareForSave(c);
    // A new collection is never an update, even when its id or name is taken (validation fails).
    auto existing = c.isNew ? nullptr : find(c.id);
    if (existing && existing->id != c.id) existing = nullptr;  // matched by name only: not the same collection
    if (c.isView()) inferViewFields(db_, c, all());
    // _superusers: password auth always on, OAuth2 always off, and OTP only as a second factor
    // (enabling OTP forces MFA on), as PocketBase's superusers collection enforces.
    if (c.isAuth() && c.name == "_superusers") {
        c.options["passwordAuth"].set("enabled", true);
        c.options["oauth2"].set("enabled", false);
        if (c.options["otp"]["enabled"].getBool()) c.options["mfa"].set("enabled", true);
    }
    if (validate) {
        auto errors = this->validate(c, existing.get());
        if (errors.size() > 0)
            throw badRequest(existing ? "Failed to update collection." : "Failed to create collection.", errors);
    }

    auto now = timeutil::now();
    c.updated = now;
    if (!existing) c.created = now;
    else c.created = existing->created;
    // The auth token secret rotates when the auth rule changes (invalidates issued tokens).
    if (existing && c.isAuth() && !(existing->options["authRule"] == c.options["authRule"]))
        c.options["authToken"].set("secret", random::string(50));
    if (c.isAuth())
        for (const char* key : {"authToken", "passwordResetToken", "emailChangeToken", "verificationToken", "fileToken"})
            if (c.options[key]["secret"].getString().empty()) c.options[key].set("secret", random::string(50));

    db_.write([&] {
        persist(c, !existing);
        syncTable(existing.get(), c);
    });
    db_.bumpSchemaVersion();
    c.isNew = false;
    c.autogeneratedId.clear();
    auto saved = std::make_shared<const Collection>(c);
    auto list = all();
    bool replaced = false;
    for (auto& x : list) {
        if (x->id == c.id) {
            x = saved;
            replaced = true;
        }
    }
    if (!replaced) list.push_back(saved);
    publish(std::move(list));
    return saved;
}

void CollectionStore::persist(const Collection& c, bool isNew) {
    json::Value fields = json::Value::array();
    for (auto& f : c.fields) fields.push(f.toJson());
    json::Value idx = json::Value::array();
    for (auto& i : c.indexes) idx.push(i);
    auto rule = [](const std::optional<std::string>& r) { return r ? json::Value(*r) : json::Value(); };
    db::Params p = {c.system, toString(c.type), c.name, fields.dump(true), idx.dump(true), rule(c.listRule),
                    rule(c.viewRule), rule(c.createRule), rule(c.updateRule), rule(c.deleteRule), c.options.dump(true),
                    c.updated, c.id};
    if (isNew) {
        p.push_back(c.created);
        db_.exec(
            "INSERT INTO `_collections` (system,type,name,fields,indexes,listRule,viewRule,createRule,updateRule,"
            "deleteRule,options,updated,id,created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            p);
    } else {
        db_.exec(
            "UPDATE `_collections` SET system=?,type=?,name=?,fields=?,indexes=?,listRule=?,viewRule=?,createRule=?,"
            "updateRule=?,deleteRule=?,options=?,updated=? WHERE id=?",
            p);
    }
}

void CollectionStore::remove(const std::string& idOrName) {
    auto c = find(idOrName);
    if (!c) throw notFound();
    // PocketBase's messages: a plain error (empty data), naming every referencing collection.
    if (c->system) throw badRequest("Failed to delete collection.");
    std::vector<std::string> referencing;
    for (auto& other : all()) {
        if (other->id == c->id) continue;
        for (auto& f : other->fields)
            if (f.type == FieldType::Relation && f.relationCollectionId() == c->id) {
                referencing.push_back(other->name);
                break;
            }
    }
    if (!referencing.empty())
        throw badRequest("Failed to delete collection probably due to existing reference in " + str::join(referencing, ", ") + ".");
    db_.write([&] {
        db_.exec("DELETE FROM `_collections` WHERE id=?", {c->id});
        if (c->isView()) db_.execScript("DROP VIEW IF EXISTS " + quoteIdent(c->name));
        else db_.execScript("DROP TABLE IF EXISTS " + quoteIdent(c->name));
    });
    db_.bumpSchemaVersion();
    auto list = all();
    std::erase_if(list, [&](auto& x) { return x->id == c->id; });
    publish(std::move(list));
}

void CollectionStore::truncate(const Collection& c) {
    if (c.isView()) throw badRequest("View collections cannot be truncated.");
    db_.exec("DELETE FROM " + quoteIdent(c.name));
}

}  // namespace pb::schema
