#pragma once
// Persistence of collection definitions (_collections) and the record tables behind them:
// create, update (add / rename / remove fields, type options, indexes) and delete, each in one
// transaction without losing data. Keeps an in-memory cache that readers see as snapshots.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/database.hpp"
#include "schema/collection.hpp"

namespace pb::schema {

class CollectionStore {
public:
    explicit CollectionStore(db::Database& db) : db_(db) {}

    void ensureSystemTables();
    void load();
    bool empty() const;

    // By id (exact) or name (case-insensitive). nullptr when missing.
    CollectionPtr find(const std::string& idOrName) const;
    std::vector<CollectionPtr> all() const;  // in creation order

    // Builds a collection from API JSON. `existing` is the current definition on update.
    // Unknown types / malformed input throw ApiError 400.
    static Collection fromJson(const json::Value& body, const Collection* existing);
    // New collection of a type with its system fields and default options.
    static Collection scaffold(CollectionType type, const std::string& name);
    static void applyFieldDefaults(Field& f);

    // Validates `c` (against the other collections) and returns field errors (empty = ok).
    json::Value validate(const Collection& c, const Collection* existing) const;
    // Validates, persists and migrates the table. Throws ApiError 400 on validation errors.
    CollectionPtr save(Collection c, bool validate = true);
    // Drops the collection and its table. Throws ApiError 400 if referenced or system.
    void remove(const std::string& idOrName);
    // Deletes every row of the table (files/cascades are the caller's job).
    void truncate(const Collection& c);

    // Optional rule validator installed by the records layer (compiles the rule against c).
    using RuleValidator = std::function<std::optional<std::string>(const Collection& c, const std::string& rule)>;
    void setRuleValidator(RuleValidator v) { ruleValidator_ = std::move(v); }

    // Creates _superusers, users and the other built-in collections on a fresh database.
    void createSystemCollections();

private:
    void persist(const Collection& c, bool isNew);
    void syncTable(const Collection* oldC, const Collection& newC);
    void publish(std::vector<CollectionPtr> list);
    CollectionPtr rowToCollection(const db::Row& row) const;

    db::Database& db_;
    mutable std::mutex mu_;
    std::shared_ptr<const std::vector<CollectionPtr>> cache_ = std::make_shared<std::vector<CollectionPtr>>();
    RuleValidator ruleValidator_;
};

// Index names declared in a collection's index list.
std::vector<std::string> indexNames(const Collection& c);
// Infers a view collection's fields from its viewQuery (throws ApiError 400 on a bad query).
void inferViewFields(db::Database& db, Collection& c, const std::vector<CollectionPtr>& all);

}  // namespace pb::schema
