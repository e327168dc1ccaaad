// Sort compilation (PocketBase tools/search/sort.go).
#include "records/sort.hpp"

#include "records/filter/filter_compiler.hpp"
#include "records/filter/filter_parser.hpp"
#include "util/api_error.hpp"
#include "util/strings.hpp"

namespace pb::records {

using filter::FilterError;

std::string buildSort(std::string_view sort, RecordFieldResolver& r) {
    std::vector<std::string> fields;
    for (auto& part : str::split(sort, ',')) {
        std::string f(str::trim(part));
        if (!f.empty()) fields.push_back(std::move(f));
    }
    if (fields.size() > kMaxSortFields) throw FilterError("too many sort fields");
    std::vector<std::string> out;
    for (std::string f : fields) {
        if (f.size() > kMaxSortFieldLength) throw FilterError("too long sort field");
        std::string dir = "ASC";
        if (f[0] == '-') {
            dir = "DESC";
            f.erase(0, 1);
        } else if (f[0] == '+') {
            f.erase(0, 1);
        }
        if (f == "@random") {
            out.push_back("RANDOM()");
            continue;
        }
        if (f == "@rowid") {
            if (r.baseCollection().isView()) throw FilterError("views have no rowid");
            out.push_back(col(r.baseAlias(), "_rowid_") + " " + dir);
            continue;
        }
        ResolverResult res = r.resolve(f);
        if (res.identifier.empty() || !res.params.empty() || str::iequals(res.identifier, "NULL"))
            throw FilterError("invalid sort field \"" + f + "\"");
        out.push_back(res.identifier + " " + dir);
    }
    return str::join(out, ", ");
}

CompiledSort compileSort(std::string_view sort, const schema::Collection& collection, const CollectionFinder& finder,
                         const RequestInfo& info, bool allowHidden) {
    if (!allowHidden) checkSuperuserOnlyRuleFields(sort, info);
    try {
        RecordFieldResolver r(collection, finder, info, allowHidden);
        CompiledSort out;
        out.orderBy = buildSort(sort, r);
        CompiledFilter fin = finishCompiled(SqlFrag{"1", {}}, r);
        out.joins = std::move(fin.joins);
        out.params = std::move(fin.joinParams);
        if (!r.listRuleClauses().empty()) {
            out.where = fin.where;
            out.whereParams = std::move(fin.params);
        }
        return out;
    } catch (const FilterError&) {
        throw badRequest();
    }
}

}  // namespace pb::records
