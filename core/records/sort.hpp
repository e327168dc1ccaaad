#pragma once
// `sort` query param -> ORDER BY (PocketBase tools/search/sort.go): comma-separated, "-f" DESC, "f"/"+f" ASC,
// @random -> RANDOM(), @rowid -> `t`.`_rowid_` (not on views), relation paths allowed (joins).
// At most 8 fields, each <= 255 chars. Functions, macros, parameters and NULL results are errors.
#include <string>
#include <string_view>
#include <vector>

#include "records/field_resolver.hpp"

namespace pb::records {

inline constexpr size_t kMaxSortFields = 8;
inline constexpr size_t kMaxSortFieldLength = 255;

struct CompiledSort {
    std::string orderBy;              // without "ORDER BY"; empty when the sort is empty
    std::vector<std::string> joins;   // "LEFT JOIN ..." clauses (DISTINCT needed when non-empty)
    std::vector<SqlParam> params;     // params of `joins`, in order
    std::string where;                // joined collections' listRule clauses (non-SU); may be empty
    std::vector<SqlParam> whereParams;
};

// Throws ApiError 403 (non-SU using @collection./@request.) or 400 (anything invalid).
CompiledSort compileSort(std::string_view sort, const schema::Collection& collection, const CollectionFinder& finder,
                         const RequestInfo& info, bool allowHidden);

// Builds the ORDER BY list with a shared resolver (joins accumulate in it). Throws filter::FilterError.
std::string buildSort(std::string_view sort, RecordFieldResolver& resolver);

}  // namespace pb::records
