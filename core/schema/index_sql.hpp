#pragma once
// CREATE INDEX statements as collections declare them, inspected as text (no database access).
#include <regex>
#include <string>
#include <vector>

namespace pb::schema {

// The statement on one line (CR/LF become spaces, so offsets stay those of the original).
std::string indexOneLine(const std::string& sql);
// Matches "CREATE [UNIQUE] INDEX [IF NOT EXISTS] `name` ON `table` (...)" against a statement put
// on one line: group 1 UNIQUE, 3 the index name, 4 the table, 5 the column list onwards.
bool matchIndex(const std::string& oneLine, std::smatch& m);
// True when `indexes` hold a UNIQUE index on exactly one column, named `column` (any case).
bool hasSingleColumnUniqueIndex(const std::vector<std::string>& indexes, const std::string& column);
// The index statement with `from` replaced by `to` inside its index name only.
std::string replaceInIndexName(const std::string& sql, const std::string& from, const std::string& to);

}  // namespace pb::schema
