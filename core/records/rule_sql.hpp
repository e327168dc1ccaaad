#pragma once
// SQL builders applying API rules (PocketBase tools/search/provider.go and apis/record_crud.go). All SQL uses positional `?`
// placeholders; bind `params()` / `params` in order (db::bindParams, through db::Connection).
//
//   ListQuery q = buildListQuery(coll, finder, info, filterParam, sortParam);
//   q.itemsSql(perPage, offset)  -> SELECT [DISTINCT] `t`.* FROM `t` JOINs WHERE (rule) AND (filter) ORDER BY ... LIMIT/OFFSET
//   q.countSql()                 -> SELECT COUNT(DISTINCT `t`.`_rowid_`) ... (or `t`.`id` for views)
//   RuleQuery v = buildRecordRuleQuery(coll, finder, info, coll.viewRule, id);   // view/update/delete: no row -> 404
//   RuleQuery c = buildCreateRuleQuery(coll, finder, info, *coll.createRule, dbRow); // no row -> 400 "Failed to create record."
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records/field_resolver.hpp"

namespace pb::records {

struct ListQuery {
    std::string table;                 // backticked table name
    std::vector<std::string> joins;    // LEFT JOIN clauses
    std::vector<SqlParam> joinParams;
    std::string where;                 // empty = no WHERE
    std::vector<SqlParam> whereParams;
    std::string orderBy;               // empty = no ORDER BY (PocketBase has no default order)
    bool distinct = false;
    bool isView = false;

    std::vector<SqlParam> params() const;  // joinParams + whereParams: bind for itemsSql and countSql
    // perPage <= 0 means no LIMIT; offset 0 means no OFFSET (numbers are not user text).
    std::string itemsSql(int perPage = 0, long long offset = 0) const;
    std::string countSql() const;
};

// List: for non-superusers a NULL listRule -> 403 "Only superusers can perform this action.";
// the listRule (hidden fields allowed) is ANDed with the client filter (allowHidden = isSuperuser),
// sharing joins by alias; client filter/sort with @collection./@request. -> 403 for non-SU;
// invalid filter/sort/rule -> 400 "Something went wrong while processing your request.".
ListQuery buildListQuery(const schema::Collection& collection, const CollectionFinder& finder, const RequestInfo& info,
                         std::string_view filter, std::string_view sort);

struct RuleQuery {
    std::string sql;
    std::vector<SqlParam> params;
};

// View/update/delete/manage check: SELECT `t`.* FROM `t` [joins] WHERE `t`.`id` = ? [AND (rule)] LIMIT 1.
// Superusers and "" rules skip the rule. A NULL rule for non-SU -> 403. `selectOne` selects (1) instead of `t`.*.
// A rule that fails to compile -> 400 (callers typically map "no row" to 404).
RuleQuery buildRecordRuleQuery(const schema::Collection& collection, const CollectionFinder& finder,
                               const RequestInfo& info, const std::optional<std::string>& rule, const std::string& id,
                               bool selectOne = false);

// Create-rule check with a virtual row in a CTE (PocketBase apis/record_crud.go, hasAuthManageAccess / create rule):
//   WITH `<name>__pb_create__<rand6>` AS (SELECT ? AS `col`, ...) SELECT (1) FROM `<dummy>` [joins] WHERE (rule) LIMIT 1
// `dbRow` maps column name -> DB value (PocketBase's column encoding, core/field_*.go: strings, float numbers, bools, JSON text for
// multi/json fields; missing columns get the type's zero value). An empty id becomes
// "__temp_id____pb_create__<rand6>" and auth `verified` is forced to false. Hidden fields allowed.
// An empty rule yields an empty sql (skip the check). Compile errors -> 400 "Failed to create record.".
RuleQuery buildCreateRuleQuery(const schema::Collection& collection, const CollectionFinder& finder,
                               const RequestInfo& info, const std::string& rule, const json::Value& dbRow);

}  // namespace pb::records
