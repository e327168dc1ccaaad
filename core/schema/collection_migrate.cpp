// Record table migrations for collection create / update (PocketBase core/collection_record_table_sync.go).
#include <algorithm>

#include "schema/collection_store.hpp"
#include "schema/index_sql.hpp"
#include "util/api_error.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::schema {

using db::quoteIdent;

namespace {

struct IndexInfo {
    std::string name;
    std::string sql;  // with the table name normalised
};

// Parses an index statement and rewrites its table.
std::optional<IndexInfo> parseIndex(const std::string& sql, const std::string& table) {
    auto m = matchIndex(indexOneLine(sql));
    if (!m) return std::nullopt;
    IndexInfo info;
    info.name = m->name;
    info.sql = std::string("CREATE ") + (m->unique ? "UNIQUE " : "") + "INDEX " + quoteIdent(info.name) + " ON " +
               quoteIdent(table) + " " + m->columns;
    return info;
}

}  // namespace

std::vector<std::string> indexNames(const Collection& c) {
    std::vector<std::string> out;
    for (auto& i : c.indexes)
        if (auto p = parseIndex(i, c.name)) out.push_back(p->name);
    return out;
}

void CollectionStore::syncTable(const Collection* oldC, const Collection& c) {
    if (c.isView()) {
        if (oldC) db_.execScript("DROP VIEW IF EXISTS " + quoteIdent(oldC->name));
        db_.execScript("CREATE VIEW " + quoteIdent(c.name) + " AS SELECT * FROM (" + c.viewQuery() + ")");
        return;
    }
    if (!oldC) {
        std::vector<const Field*> sorted;
        for (auto& f : c.fields) sorted.push_back(&f);
        std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
        std::string sql = "CREATE TABLE " + quoteIdent(c.name) + " (";
        for (size_t i = 0; i < sorted.size(); ++i) {
            if (i) sql += ", ";
            sql += quoteIdent(sorted[i]->name) + " " + sorted[i]->columnType();
        }
        sql += ")";
        db_.execScript(sql);
    } else {
        // 1. Drop the old indexes; they are recreated at the end.
        for (auto& name : indexNames(*oldC)) db_.execScript("DROP INDEX IF EXISTS " + quoteIdent(name));
        // 2. Rename the table.
        if (oldC->name != c.name) {
            std::string tmp = "_tmp_" + random::string(8, random::kAlphaNumLower);
            db_.execScript("ALTER TABLE " + quoteIdent(oldC->name) + " RENAME TO " + quoteIdent(tmp));
            db_.execScript("ALTER TABLE " + quoteIdent(tmp) + " RENAME TO " + quoteIdent(c.name));
        }
        const std::string table = quoteIdent(c.name);
        // 3. Removed fields.
        for (auto& of : oldC->fields)
            if (!c.fieldById(of.id)) db_.execScript("ALTER TABLE " + table + " DROP COLUMN " + quoteIdent(of.name));
        // 4. Renamed / changed fields go through a temporary name so swaps work.
        std::vector<std::pair<std::string, const Field*>> pendingRename;
        for (auto& f : c.fields) {
            const Field* of = oldC->fieldById(f.id);
            if (!of) continue;
            bool crossing = f.isMultiple() != of->isMultiple();
            if (crossing) {
                std::string tmp = "_" + f.name + random::string(5, random::kAlphaNumLower);
                db_.execScript("ALTER TABLE " + table + " RENAME COLUMN " + quoteIdent(of->name) + " TO " + quoteIdent(tmp));
                db_.execScript("ALTER TABLE " + table + " ADD COLUMN " + quoteIdent(f.name + "_new_tmp") + " " + f.columnType());
                std::string col = quoteIdent(tmp);
                std::string expr = f.isMultiple()
                    ? "CASE WHEN COALESCE(" + col + ",'')='' THEN '[]' WHEN json_valid(" + col + ") AND json_type(" + col +
                          ")='array' THEN " + col + " ELSE json_array(" + col + ") END"
                    : "CASE WHEN " + col + " IS NULL OR " + col + "='[]' THEN '' WHEN json_valid(" + col + ") AND json_type(" +
                          col + ")='array' THEN COALESCE(json_extract(" + col + ",'$[#-1]'),'') ELSE " + col + " END";
                db_.execScript("UPDATE " + table + " SET " + quoteIdent(f.name + "_new_tmp") + " = " + expr);
                db_.execScript("ALTER TABLE " + table + " DROP COLUMN " + col);
                pendingRename.emplace_back(f.name + "_new_tmp", &f);
            } else if (of->name != f.name) {
                std::string tmp = f.name + random::string(5, random::kAlphaNumLower);
                db_.execScript("ALTER TABLE " + table + " RENAME COLUMN " + quoteIdent(of->name) + " TO " + quoteIdent(tmp));
                pendingRename.emplace_back(tmp, &f);
            }
        }
        for (auto& [tmp, f] : pendingRename)
            db_.execScript("ALTER TABLE " + table + " RENAME COLUMN " + quoteIdent(tmp) + " TO " + quoteIdent(f->name));
        // 5. New fields.
        for (auto& f : c.fields)
            if (!oldC->fieldById(f.id))
                db_.execScript("ALTER TABLE " + table + " ADD COLUMN " + quoteIdent(f.name) + " " + f.columnType());
    }
    // 6. Indexes.
    for (auto& i : c.indexes) {
        auto p = parseIndex(i, c.name);
        if (!p) throw badRequest("Invalid index definition: " + i);
        db_.execScript(p->sql);
    }
}

}  // namespace pb::schema
