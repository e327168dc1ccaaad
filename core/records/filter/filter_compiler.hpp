#pragma once
// Filter expression -> SQLite WHERE fragment (PocketBase's search.FilterData.BuildExpr).
// PocketBase tools/search/filter.go. SQL uses positional `?` placeholders; `params` are in textual order.
#include <string>
#include <string_view>
#include <vector>

#include "records/field_resolver.hpp"

namespace pb::records {

inline constexpr size_t kMaxFilterLength = 3500;
inline constexpr int kMaxFilterExprs = 200;

struct CompiledFilter {
    std::string where;                   // boolean SQL expression (no "WHERE")
    std::vector<SqlParam> params;        // bind in order for `where`
    std::vector<std::string> joins;      // "LEFT JOIN ..." clauses, in order
    std::vector<SqlParam> joinParams;    // bind in order for the joins (they precede WHERE in SQL)
    bool distinct = false;               // SELECT DISTINCT needed (any join present)
    std::string joinSql() const;         // joins joined by spaces
};

// Compiles a client filter (the `filter` query param) for `collection`, whose table is referenced
// as `<name>`. allowHidden=true for superusers (and rules); when false: hidden fields -> 400,
// auth `email` needs emailVisibility, joined collections need a non-null listRule (ANDed in), and
// `@collection.`/`@request.` -> 403 "Only superusers can filter by ..." for non-superusers.
// Errors: pb::ApiError 400 "Something went wrong while processing your request." (syntax,
// unknown field, > 3500 chars, > 200 comparisons...).
CompiledFilter compileFilter(std::string_view expr, const schema::Collection& collection,
                             const CollectionFinder& finder, const RequestInfo& info, bool allowHidden);

// Throws 403 "Only superusers can filter by @collection." / "... @request." when a non-superuser's
// filter or sort text contains those prefixes (PocketBase checks this before compiling anything).
void checkSuperuserOnlyRuleFields(std::string_view filterOrSort, const RequestInfo& info);

// Turns a resolver's state + a built where fragment into a CompiledFilter (ANDs the joined
// collections' listRule clauses in).
CompiledFilter finishCompiled(SqlFrag where, const RecordFieldResolver& r);

namespace filter {
// Parses and builds `expr` with a shared resolver (joins accumulate in it). Throws FilterError.
// No length check (rules); at most kMaxFilterExprs comparisons.
SqlFrag buildFilter(std::string_view expr, RecordFieldResolver& resolver);
// LIKE parameter wrapping (PocketBase tools/search/filter.go, wrapLikeParams).
std::string wrapLikeParam(const std::string& v);
}  // namespace filter

}  // namespace pb::records
