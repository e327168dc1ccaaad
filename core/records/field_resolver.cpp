// RecordFieldResolver: identifier -> SQL operand (PocketBase core/record_field_resolver.go and record_field_resolver_runner.go).
#include "records/field_resolver.hpp"

#include <cctype>
#include <cstdlib>

#include "records/filter/filter_compiler.hpp"
#include "records/filter/filter_parser.hpp"
#include "util/strings.hpp"

namespace pb::records {

using filter::FilterError;

bool RequestInfo::isSuperuser() const {
    return auth.isObject() && auth["collectionName"].getString() == "_superusers";
}

std::string quoteIdent(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        if (c == '`') out.push_back('`');
        out.push_back(c);
    }
    out.push_back('`');
    return out;
}

std::string col(std::string_view alias, std::string_view column) {
    return quoteIdent(alias) + "." + quoteIdent(column);
}

static std::string norm(const std::string& c) {
    return "CASE WHEN iif(json_valid(" + c + "), json_type(" + c + ")='array', FALSE) THEN " + c +
           " ELSE json_array(" + c + ") END";
}

std::string jsonEachNorm(const std::string& c) { return "json_each(" + norm(c) + ")"; }

std::string jsonArrayLength(const std::string& c) {
    return "json_array_length(CASE WHEN iif(json_valid(" + c + "), json_type(" + c +
           ")='array', FALSE) THEN " + c + " ELSE (CASE WHEN " + c + " = '' OR " + c +
           " IS NULL THEN json_array() ELSE json_array(" + c + ") END) END)";
}

std::string jsonExtract(const std::string& c, const std::string& path) {
    // `path` only ever holds columnify()-ed characters, so it cannot leave the SQL string literal.
    return "(CASE WHEN json_valid(" + c + ") THEN JSON_EXTRACT(" + c + ", '$" + path +
           "') ELSE JSON_EXTRACT(json_object('pb', " + c + "), '$.pb" + path + "') END)";
}

std::string columnify(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '*' ||
            c == '-' || c == '@' || c == '#')
            out.push_back(c);
    }
    return out;
}

std::string Join::sql() const {
    std::string s = "LEFT JOIN " + table + " " + quoteIdent(alias);
    if (!on.empty()) s += " ON " + on;
    return s;
}

SqlFrag MultiMatch::build() const {
    SqlFrag f;
    f.sql = "SELECT " + valueIdentifier + " as `multiMatchValue` FROM " + quoteIdent(fromTable) + " " +
            quoteIdent(fromAlias);
    f.params = valueParams;
    for (const auto& j : joins) {
        f.sql += " " + j.sql();
        f.params.insert(f.params.end(), j.params.begin(), j.params.end());
    }
    f.sql += " WHERE " + col(fromAlias, "id") + " = " + col(baseAlias, "id");
    return f;
}

const schema::Field* findField(const schema::Collection& c, std::string_view name) {
    for (const auto& f : c.fields)
        if (f.name == name) return &f;
    return nullptr;
}

bool isListField(const schema::Field& f) {
    return f.type == schema::FieldType::Select || f.type == schema::FieldType::File ||
           f.type == schema::FieldType::Relation;
}

bool isMultipleField(const schema::Field& f) {
    return isListField(f) && f.opts["maxSelect"].getNumber(0) > 1;
}

// ---------------------------------------------------------------------------------------------

RecordFieldResolver::RecordFieldResolver(const schema::Collection& base, CollectionFinder finder,
                                         const RequestInfo& info, bool allowHidden, std::string baseAlias)
    : base_(base), finder_(std::move(finder)), info_(info), allowHidden_(allowHidden),
      baseAlias_(baseAlias.empty() ? columnify(base.name) : std::move(baseAlias)) {}

schema::CollectionPtr RecordFieldResolver::loadCollection(const std::string& idOrName) const {
    if (!finder_) return nullptr;
    return finder_(idOrName);
}

void RecordFieldResolver::registerJoin(Join j) {
    for (auto& existing : joins_) {
        if (existing.alias == j.alias) {
            existing = std::move(j);
            return;
        }
    }
    joins_.push_back(std::move(j));
}

std::string RecordFieldResolver::deriveAlias(const std::string& active, const std::string& name) const {
    std::string a = active;
    if (!aliasSuffix_.empty() && str::endsWith(a, aliasSuffix_)) a.resize(a.size() - aliasSuffix_.size());
    return a + "_" + name + aliasSuffix_;
}

void RecordFieldResolver::checkJoinedListRule(const schema::Collection& c, const std::string& alias) {
    if (allowHidden_) return;
    if (!c.listRule) throw FilterError("only superusers can filter by the collection \"" + c.name + "\"");
    if (c.listRule->empty()) return;
    for (const auto& a : listRuleAliases_)
        if (a == alias) return;
    listRuleAliases_.push_back(alias);
    RecordFieldResolver sub(c, finder_, info_, true, alias);
    sub.setAliasSuffix("_lr" + uniqueSuffix());
    sub.counter_ = counter_ + 1000;
    SqlFrag rule = filter::buildFilter(*c.listRule, sub);
    for (const auto& j : sub.joins()) registerJoin(j);
    SqlFrag clause;
    std::string id = col(alias, "id");
    clause.sql = "((" + id + " = '' OR " + id + " IS NULL) OR (" + rule.sql + "))";
    clause.params = std::move(rule.params);
    listRuleClauses_.push_back(std::move(clause));
}

}  // namespace pb::records
