// CREATE INDEX statements as collections declare them: matched and inspected as text, without a
// database (so the filter compiler and its fuzz target can use them too).
#include "schema/index_sql.hpp"

#include "util/strings.hpp"

namespace pb::schema {

// Matches "CREATE [UNIQUE] INDEX [IF NOT EXISTS] `name` ON `table` (...)" against `one` (the
// statement on one line, same offsets as the original): 1 UNIQUE, 3 name, 5 the column list on.
bool matchIndex(const std::string& one, std::smatch& m) {
    static const std::regex re(
        R"(^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(IF\s+NOT\s+EXISTS\s+)?[`"\[]?(\w+)[`"\]]?\s+ON\s+[`"\[]?(\w+)[`"\]]?\s*(\(.*)$)",
        std::regex::icase);
    return std::regex_match(one, m, re);
}

std::string indexOneLine(const std::string& sql) { return str::replaceAll(str::replaceAll(sql, "\n", " "), "\r", " "); }

std::string replaceInIndexName(const std::string& sql, const std::string& from, const std::string& to) {
    std::smatch m;
    std::string one = indexOneLine(sql);
    if (from.empty() || !matchIndex(one, m)) return sql;
    std::string name = str::replaceAll(m[3].str(), from, to);
    return sql.substr(0, static_cast<size_t>(m.position(3))) + name + sql.substr(static_cast<size_t>(m.position(3) + m.length(3)));
}

bool hasSingleColumnUniqueIndex(const std::vector<std::string>& indexes, const std::string& column) {
    for (const auto& idx : indexes) {
        std::smatch m;
        std::string one = indexOneLine(idx);
        if (!matchIndex(one, m) || !m[1].matched) continue;
        // The column list: from the "(" up to its matching ")"; a top-level comma means several.
        const std::string rest = m[5].str();
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
