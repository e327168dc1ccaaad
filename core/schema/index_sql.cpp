// CREATE INDEX statements as collections declare them: matched and inspected as text, without a
// database (so the filter compiler and its fuzz target can use them too).
#include "schema/index_sql.hpp"

#include "util/regex.hpp"
#include "util/strings.hpp"

namespace pb::schema {

std::optional<IndexParts> matchIndex(const std::string& one) {
    static const auto re = rx::builtin(
        R"(\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[`"\[]?(\w+)[`"\]]?\s+ON\s+[`"\[]?(\w+)[`"\]]?\s*(\(.*))",
        true);
    re2::StringPiece unique, name, table, columns;
    if (!re2::RE2::FullMatch(one, *re, &unique, &name, &table, &columns)) return std::nullopt;
    return IndexParts{!unique.empty(), std::string(name), std::string(table), std::string(columns),
                      static_cast<size_t>(name.data() - one.data())};
}

std::string indexOneLine(const std::string& sql) { return str::replaceAll(str::replaceAll(sql, "\n", " "), "\r", " "); }

std::string replaceInIndexName(const std::string& sql, const std::string& from, const std::string& to) {
    if (from.empty()) return sql;
    auto m = matchIndex(indexOneLine(sql));
    if (!m) return sql;
    return sql.substr(0, m->namePos) + str::replaceAll(m->name, from, to) + sql.substr(m->namePos + m->name.size());
}

bool hasSingleColumnUniqueIndex(const std::vector<std::string>& indexes, const std::string& column) {
    for (const auto& idx : indexes) {
        auto m = matchIndex(indexOneLine(idx));
        if (!m || !m->unique) continue;
        // The column list: from the "(" up to its matching ")"; a top-level comma means several.
        const std::string& rest = m->columns;
        std::string col;
        int depth = 0;
        bool several = false;
        for (size_t i = 1; i < rest.size(); ++i) {
            char ch = rest[i];
            if (ch == '(') ++depth;
            if (ch == ')' && depth-- == 0) break;
            if (ch == ',' && depth == 0) several = true;
            col.push_back(ch);
        }
        if (several) continue;
        auto words = str::split(std::string(str::trim(col)), ' ');
        if (words.empty()) continue;
        std::string name;
        for (char ch : words[0])
            if (ch != '`' && ch != '"' && ch != '[' && ch != ']' && ch != '\'') name.push_back(ch);
        if (str::iequals(name, column)) return true;
    }
    return false;
}

}  // namespace pb::schema
