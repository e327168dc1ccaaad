#include "api/rule_check.hpp"

#include "records/rule_sql.hpp"

namespace pb::api {

bool recordPassesRule(App& app, const schema::Collection& c, const records::RequestInfo& info,
                      const std::optional<std::string>& rule, const std::string& id) {
    try {
        auto q = records::buildRecordRuleQuery(c, app.collectionFinder(), info, rule, id, true);
        return !app.db().query(q.sql, q.params).empty();
    } catch (const ApiError&) {
        return false;  // locked or invalid rule
    } catch (const db::DbError& ex) {
        app.logError("rule check on " + c.name + ": " + ex.what());
        return false;
    }
}

}  // namespace pb::api
