#pragma once
// RecordFieldResolver: turns filter identifiers (fields, relation paths, @request.*, @collection.*,
// modifiers) into SQL operands, registering LEFT JOINs by alias (re-registering an alias replaces
// the earlier join, so all conditions on one path share the joined row). PocketBase core/record_field_resolver.go, record_field_resolver_runner.go.
// All user-supplied values are bound `?` parameters; identifiers come only from the schema and are
// always backticked.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/collection.hpp"
#include "util/json.hpp"

namespace pb::records {

struct RequestInfo {
    std::string method = "GET";
    std::string context = "default";  // default|oauth2|otp|password|realtime|protectedFile|batch|expand
    json::Value query = json::Value::object();    // string values, first value per key
    json::Value headers = json::Value::object();  // snake_case keys (x_token), string values
    json::Value body = json::Value::object();     // submitted values after modifiers
    json::Value auth;  // null for guests; else the auth record JSON with ALL its fields
    bool isSuperuser() const;  // auth.collectionName == "_superusers"
};

// Case-insensitive lookup by name or id; nullptr when missing.
using CollectionFinder = std::function<schema::CollectionPtr(const std::string& idOrName)>;

// SQL bind values: null, bool (bind as 0/1), number (double), string.
using SqlParam = json::Value;

// A piece of SQL with its positional `?` parameters, in textual order.
struct SqlFrag {
    std::string sql;
    std::vector<SqlParam> params;
};

enum class NullFallback { Auto, Disabled, Enforced };

struct Join {
    std::string table;  // backticked table name or a json_each(...) expression
    std::string alias;  // unquoted alias
    std::string on;     // may be empty
    std::vector<SqlParam> params;  // params of table + on, in order
    std::string sql() const;       // "LEFT JOIN <table> `alias` [ON <on>]"
};

// Correlated subquery listing every value of a multi-valued operand for the current row.
struct MultiMatch {
    std::string fromTable, fromAlias, baseAlias;
    std::vector<Join> joins;
    std::string valueIdentifier;
    std::vector<SqlParam> valueParams;
    SqlFrag build() const;
};

struct ResolverResult {
    std::string identifier;
    std::vector<SqlParam> params;
    NullFallback nullFallback = NullFallback::Auto;
    std::shared_ptr<MultiMatch> multiMatch;
    std::function<SqlFrag(SqlFrag)> afterBuild;
};

// SQL helpers (PocketBase's dbutils, verbatim).
std::string quoteIdent(std::string_view name);                       // `name` (backticks doubled)
std::string col(std::string_view alias, std::string_view column);    // `alias`.`column`
std::string jsonEachNorm(const std::string& column);                 // json_each(norm(c))
std::string jsonArrayLength(const std::string& column);
std::string jsonExtract(const std::string& column, const std::string& path);  // path like ".a[0]"
std::string columnify(std::string_view s);  // keeps [\w.*\-@#]

class RecordFieldResolver {
public:
    RecordFieldResolver(const schema::Collection& base, CollectionFinder finder, const RequestInfo& info,
                        bool allowHidden, std::string baseAlias = "");

    ResolverResult resolve(const std::string& field);

    void setAllowHiddenFields(bool v) { allowHidden_ = v; }
    bool allowHiddenFields() const { return allowHidden_; }
    const schema::Collection& baseCollection() const { return base_; }
    const std::string& baseAlias() const { return baseAlias_; }
    const RequestInfo& requestInfo() const { return info_; }
    schema::CollectionPtr loadCollection(const std::string& idOrName) const;

    const std::vector<Join>& joins() const { return joins_; }
    // Joined-collection listRule clauses collected while resolving a non-superuser client filter.
    const std::vector<SqlFrag>& listRuleClauses() const { return listRuleClauses_; }
    std::string uniqueSuffix() { return std::to_string(++counter_); }
    void setAliasSuffix(std::string s) { aliasSuffix_ = std::move(s); }
    void registerJoin(Join j);

private:
    friend class ResolverRun;
    std::string deriveAlias(const std::string& active, const std::string& name) const;
    void checkJoinedListRule(const schema::Collection& c, const std::string& alias);

    const schema::Collection& base_;
    CollectionFinder finder_;
    const RequestInfo& info_;
    bool allowHidden_;
    std::string baseAlias_;
    std::string aliasSuffix_;
    std::vector<Join> joins_;
    std::vector<SqlFrag> listRuleClauses_;
    std::vector<std::string> listRuleAliases_;
    int counter_ = 0;
};

// Schema helpers that need only the header's inline parts.
const schema::Field* findField(const schema::Collection& c, std::string_view name);
bool isListField(const schema::Field& f);      // select/file/relation
bool isMultipleField(const schema::Field& f);  // list field with maxSelect > 1

}  // namespace pb::records
