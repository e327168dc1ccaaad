#pragma once
// CREATE INDEX statements as collections declare them, inspected as text (no database access).
#include <optional>
#include <string>
#include <vector>

namespace pb::schema {

// The statement on one line (CR/LF become spaces, so offsets stay those of the original).
std::string indexOneLine(const std::string& sql);
// The parts of "CREATE [UNIQUE] INDEX [IF NOT EXISTS] `name` ON `table` (...)".
struct IndexParts {
    bool unique = false;
    std::string name, table;
    std::string columns;  // from the "(" of the column list to the end
    size_t namePos = 0;   // offset of `name` in the statement
};
// Matches a statement put on one line (indexOneLine); nullopt when it is not an index statement.
std::optional<IndexParts> matchIndex(const std::string& oneLine);
// True when `indexes` hold a UNIQUE index on exactly one column, named `column` (any case).
bool hasSingleColumnUniqueIndex(const std::vector<std::string>& indexes, const std::string& column);
// The index statement with `from` replaced by `to` inside its index name only.
std::string replaceInIndexName(const std::string& sql, const std::string& from, const std::string& to);

}  // namespace pb::schema
