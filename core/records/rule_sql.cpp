// Rule-applying SQL builders (PocketBase tools/search/provider.go; apis/record_crud.go).
#include "records/rule_sql.hpp"


#include <cstdlib>

#include "records/filter/filter_compiler.hpp"
#include "records/filter/filter_parser.hpp"
#include "records/sort.hpp"
#include "util/api_error.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::records {

using filter::FilterError;

std::vector<SqlParam> ListQuery::params() const {
    std::vector<SqlParam> p = joinParams;
    p.insert(p.end(), whereParams.begin(), whereParams.end());
    return p;
}

static std::string fromJoinsWhere(const ListQuery& q) {
    std::string s = " FROM " + q.table;
    for (const auto& j : q.joins) s += " " + j;
    if (!q.where.empty()) s += " WHERE " + q.where;
    return s;
}

std::string ListQuery::itemsSql(int perPage, long long offset) const {
    std::string s = std::string("SELECT ") + (distinct ? "DISTINCT " : "") + table + ".*" + fromJoinsWhere(*this);
    if (!orderBy.empty()) s += " ORDER BY " + orderBy;
    if (perPage > 0) s += " LIMIT " + std::to_string(perPage);
    if (offset > 0) s += " OFFSET " + std::to_string(offset);
    return s;
}

std::string ListQuery::countSql() const {
    // Without joins every row is distinct already: COUNT(*) avoids a temp B-tree over the table.
    if (joins.empty()) return "SELECT COUNT(*)" + fromJoinsWhere(*this);
    return "SELECT COUNT(DISTINCT " + table + "." + quoteIdent(isView ? "id" : "_rowid_") + ")" + fromJoinsWhere(*this);
}

ListQuery buildListQuery(const schema::Collection& collection, const CollectionFinder& finder, const RequestInfo& info,
                         std::string_view filterText, std::string_view sortText) {
    const bool su = info.isSuperuser();
    if (!su) {
        checkSuperuserOnlyRuleFields(filterText, info);
        checkSuperuserOnlyRuleFields(sortText, info);
        if (!collection.listRule) throw forbidden("Only superusers can perform this action.");
    }
    if (filterText.size() > kMaxFilterLength) throw badRequest();
    try {
        RecordFieldResolver r(collection, finder, info, true);
        std::vector<SqlFrag> conds;
        if (!su && !collection.listRule->empty()) conds.push_back(filter::buildFilter(*collection.listRule, r));
        r.setAllowHiddenFields(su);
        if (!str::trim(filterText).empty()) conds.push_back(filter::buildFilter(filterText, r));
        ListQuery q;
        q.table = quoteIdent(collection.name);
        q.isView = collection.isView();
        if (!str::trim(sortText).empty()) q.orderBy = buildSort(sortText, r);
        for (const auto& c : conds) {
            q.where = q.where.empty() ? "(" + c.sql + ")" : q.where + " AND (" + c.sql + ")";
            q.whereParams.insert(q.whereParams.end(), c.params.begin(), c.params.end());
        }
        CompiledFilter fin = finishCompiled(SqlFrag{"1", {}}, r);
        if (!r.listRuleClauses().empty()) {
            q.where = q.where.empty() ? fin.where : q.where + " AND " + fin.where;
            q.whereParams.insert(q.whereParams.end(), fin.params.begin(), fin.params.end());
        }
        q.joins = std::move(fin.joins);
        q.joinParams = std::move(fin.joinParams);
        q.distinct = fin.distinct;
        return q;
    } catch (const FilterError&) {
        throw badRequest();
    }
}

RuleQuery buildRecordRuleQuery(const schema::Collection& collection, const CollectionFinder& finder,
                               const RequestInfo& info, const std::optional<std::string>& rule, const std::string& id,
                               bool selectOne) {
    const bool su = info.isSuperuser();
    if (!su && !rule) throw forbidden("Only superusers can perform this action.");
    const std::string t = quoteIdent(collection.name);
    RuleQuery q;
    std::string where = col(collection.name, "id") + " = ?";
    std::vector<SqlParam> whereParams{json::Value(id)};
    std::string joins;
    if (!su && !rule->empty()) {
        try {
            RecordFieldResolver r(collection, finder, info, true);
            SqlFrag f = filter::buildFilter(*rule, r);
            CompiledFilter fin = finishCompiled(std::move(f), r);
            joins = fin.joinSql();
            q.params = fin.joinParams;
            where += " AND (" + fin.where + ")";
            whereParams.insert(whereParams.end(), fin.params.begin(), fin.params.end());
        } catch (const FilterError&) {
            throw badRequest();
        }
    }
    q.sql = std::string("SELECT ") + (selectOne ? "(1)" : t + ".*") + " FROM " + t + (joins.empty() ? "" : " " + joins) +
            " WHERE " + where + " LIMIT 1";
    q.params.insert(q.params.end(), whereParams.begin(), whereParams.end());
    return q;
}

static json::Value zeroValue(const schema::Field& f) {
    namespace FT = schema::FieldType;
    if (f.type == FT::Number || f.type == FT::Bool) return json::Value(0);
    if (f.type == FT::Json) return json::Value(nullptr);
    if (f.type == FT::GeoPoint) return json::Value(R"({"lon":0,"lat":0})");
    if (isMultipleField(f)) return json::Value("[]");
    return json::Value("");
}

RuleQuery buildCreateRuleQuery(const schema::Collection& collection, const CollectionFinder& finder,
                               const RequestInfo& info, const std::string& rule, const json::Value& dbRow) {
    RuleQuery q;
    if (rule.empty()) return q;
    const std::string rnd = random::string(6, "abcdefghijklmnopqrstuvwxyz0123456789");
    schema::Collection dummy = collection;
    dummy.name = collection.name + "__pb_create__" + rnd;
    dummy.id = collection.id + "__pb_create__" + rnd;
    std::string cte;
    std::vector<SqlParam> cteParams;
    for (const auto& f : collection.fields) {
        json::Value v = dbRow.isObject() && dbRow.find(f.name) ? dbRow[f.name] : zeroValue(f);
        if (f.name == "id" && (!v.isString() || v.asString().empty())) v = "__temp_id____pb_create__" + rnd;
        if (f.name == "verified" && collection.isAuth()) v = false;
        if (v.isArray() || v.isObject()) v = json::Value(v.dump());
        cte += (cte.empty() ? "" : ", ") + std::string("? AS ") + quoteIdent(f.name);
        cteParams.push_back(std::move(v));
    }
    try {
        RecordFieldResolver r(dummy, finder, info, true);
        SqlFrag f = filter::buildFilter(rule, r);
        CompiledFilter fin = finishCompiled(std::move(f), r);
        q.sql = "WITH " + quoteIdent(dummy.name) + " AS (SELECT " + cte + ") SELECT (1) FROM " + quoteIdent(dummy.name) +
                (fin.joins.empty() ? "" : " " + fin.joinSql()) + " WHERE (" + fin.where + ") LIMIT 1";
        q.params = std::move(cteParams);
        q.params.insert(q.params.end(), fin.joinParams.begin(), fin.joinParams.end());
        q.params.insert(q.params.end(), fin.params.begin(), fin.params.end());
    } catch (const FilterError&) {
        throw badRequest("Failed to create record.");
    }
    return q;
}

}  // namespace pb::records
