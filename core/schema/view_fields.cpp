// View collection fields inferred from the view query (PocketBase core/view.go; PocketBase's
// CreateViewFields / parseQueryToFields in core/view.go).
//
// The SELECT is split loosely into its column and table identifiers ("expr [AS] alias"), and
// each column the query really returns (PRAGMA table_info of a temporary view) gets a field:
//   alias `id`                 -> text primary key (pattern ^[a-z0-9]+$);
//   count(...) / total(...)    -> number (count: onlyInt);
//   CAST(... AS <type>)        -> number (int/integer: onlyInt), text or bool;
//   [table.]field of a table   -> a clone of that collection field, named after the alias, with
//                                 a `_clone_XXXX` id; `x.id` -> single relation to x;
//   anything else              -> json.
#include <map>

#include "schema/collection_store.hpp"
#include "util/api_error.hpp"
#include "util/random.hpp"
#include "util/regex.hpp"
#include "util/strings.hpp"

namespace pb::schema {

using db::quoteIdent;

namespace {

struct Identifier {
    std::string original;  // the expression (quotes trimmed from each dot part)
    std::string alias;
};

ApiError invalidQuery(const std::string& code = "validation_invalid_view_query",
                      const std::string& message = "Invalid view query.") {
    return badRequest("Failed to create collection.", json::Value(json::Object{{"viewQuery", fieldError(code, message)}}));
}

// Splits at the separators that are outside quotes and brackets; empty parts are dropped.
// With keepSeparator, each part keeps the separator that ended it.
std::vector<std::string> tokenize(const std::string& s, std::string_view seps, bool keepSeparator = false) {
    std::vector<std::string> out;
    std::string cur;
    char quote = 0;
    int depth = 0;
    auto flush = [&] {
        if (!str::trim(cur).empty()) out.push_back(cur);
        cur.clear();
    };
    for (char ch : s) {
        if (quote) {
            if (ch == quote) quote = 0;
        } else if (ch == '\'' || ch == '"' || ch == '`') {
            quote = ch;
        } else if (ch == '(' || ch == '[') {
            ++depth;
        } else if ((ch == ')' || ch == ']') && depth > 0) {
            --depth;
        } else if (depth == 0 && seps.find(ch) != std::string_view::npos) {
            if (keepSeparator) cur.push_back(ch);
            flush();
            continue;
        }
        cur.push_back(ch);
    }
    flush();
    return out;
}

std::string trimIdentifier(const std::string& raw, bool alsoSingleQuote) {
    const std::string chars = alsoSingleQuote ? "`\"[];'" : "`\"[];";
    std::vector<std::string> parts = str::split(raw, '.');
    for (auto& p : parts) {
        size_t b = p.find_first_not_of(chars), e = p.find_last_not_of(chars);
        p = b == std::string::npos ? "" : p.substr(b, e - b + 1);
    }
    return str::join(parts, ".");
}

// "expr", "expr alias" or "expr AS alias" (longer expressions: the last word is the alias).
std::vector<Identifier> extractIdentifiers(const std::string& raw) {
    std::vector<Identifier> out;
    for (auto& item : tokenize(raw, ",")) {
        auto parts = tokenize(item, " \n\t\r");
        if (parts.empty()) continue;
        for (auto& p : parts) p = std::string(str::trim(p));
        Identifier id;
        if (parts.size() == 1) {
            id.original = parts[0];
            id.alias = str::split(parts[0], '.').back();
        } else {
            id.alias = parts.back();
            parts.pop_back();
            if (parts.size() > 1 && str::iequals(parts.back(), "as")) parts.pop_back();
            id.original = str::join(parts, " ");
        }
        out.push_back({trimIdentifier(id.original, false), trimIdentifier(id.alias, true)});
    }
    return out;
}

struct ParsedQuery {
    std::vector<Identifier> columns;
    std::vector<Identifier> tables;  // FROM first, then the JOINs
};

ParsedQuery parseQuery(std::string q) {
    static const auto comments = rx::builtin(R"((/\*[\s\S]*?\*/)|(--[^\n]*))");
    static const auto joins = rx::builtin(
        R"(\s+(full\s+outer\s+join|left\s+outer\s+join|right\s+outer\s+join|full\s+join|cross\s+join|inner\s+join|outer\s+join|left\s+join|right\s+join|join)\s+)",
        true);
    static const auto discards = rx::builtin(R"(\s+(where|group\s+by|having|order|limit|with)\s+)", true);
    re2::RE2::GlobalReplace(&q, *comments, " ");
    re2::RE2::GlobalReplace(&q, *joins, " __pb_join__ ");
    re2::RE2::GlobalReplace(&q, *discards, " __pb_discard__ ");

    std::string selectPart, fromPart, joinPart;
    std::string* active = nullptr;
    std::string partType;
    bool skip = false;
    for (auto& token : tokenize(q, ", \n\t\r", true)) {
        const std::string word = str::lower(std::string(str::trim(token)));
        if (word == "select" || word == "from") {
            skip = false;
            partType = word;
            active = word == "select" ? &selectPart : &fromPart;
        } else if (word == "distinct") {
            continue;
        } else if (word == "__pb_join__") {
            skip = false;
            if (partType == "join") joinPart += ",";
            partType = "join";
            active = &joinPart;
        } else if (word == "__pb_discard__") {
            skip = true;
        } else {
            if (partType == "join" && word == "on") skip = true;
            if (!skip && active) *active += " " + token;
        }
    }
    ParsedQuery out;
    out.columns = extractIdentifiers(selectPart);
    out.tables = extractIdentifiers(fromPart);
    for (auto& j : extractIdentifiers(joinPart)) out.tables.push_back(j);
    return out;
}

Field makeViewField(const std::string& name, const char* type, json::Value opts = json::Value::object()) {
    Field f;
    f.name = name;
    f.type = type;
    f.opts = std::move(opts);
    return f;
}

// The field suggested for one SELECT column; nullopt leaves the json default.
std::optional<Field> suggestField(const Identifier& col, const std::map<std::string, CollectionPtr>& byAlias,
                                  const std::string& mainAlias) {
    const std::string lower = str::lower(col.original);
    if (col.alias == "id") {
        Field f = makeViewField("id", FieldType::Text,
                                json::Value(json::Object{{"primaryKey", true}, {"required", true}, {"pattern", "^[a-z0-9]+$"}}));
        f.system = true;
        return f;
    }
    if (str::startsWith(lower, "count(") || str::startsWith(lower, "total(")) {
        const bool onlyInt = str::startsWith(lower, "count(");
        return makeViewField(col.alias, FieldType::Number, json::Value(json::Object{{"onlyInt", onlyInt}}));
    }
    static const auto cast = rx::builtin(R"(cast\s*\([\s\S]*\s+as\s+(\w+)\s*\))");
    if (std::string t; re2::RE2::FullMatch(lower, *cast, &t)) {
        if (t == "int" || t == "integer" || t == "real" || t == "decimal" || t == "numeric")
            return makeViewField(col.alias, FieldType::Number, json::Value(json::Object{{"onlyInt", t == "int" || t == "integer"}}));
        if (t == "text") return makeViewField(col.alias, FieldType::Text);
        if (t == "bool" || t == "boolean") return makeViewField(col.alias, FieldType::Bool);
    }
    auto parts = str::split(col.original, '.');
    std::string fieldName = parts.size() == 2 ? parts[1] : parts[0];
    auto it = byAlias.find(parts.size() == 2 ? parts[0] : mainAlias);
    if (parts.size() > 2 || it == byAlias.end()) return std::nullopt;
    if (fieldName == "*") throw invalidQuery("validation_invalid_view_query", "Dynamic column names are not supported.");
    const Field* src = nullptr;
    for (auto& f : it->second->fields)
        if (str::iequals(f.name, fieldName)) {
            src = &f;
            break;
        }
    if (!src) return std::nullopt;
    if (str::iequals(fieldName, "id"))
        return makeViewField(col.alias, FieldType::Relation,
                             json::Value(json::Object{{"collectionId", it->second->id}, {"maxSelect", 1.0}}));
    Field clone = *src;
    clone.id = "_clone_" + random::string(4);
    clone.name = col.alias;
    return clone;
}

}  // namespace

void inferViewFields(db::Database& db, Collection& c, const std::vector<CollectionPtr>& all) {
    std::string q(str::trim(c.viewQuery()));
    while (!q.empty() && (q.back() == ';' || std::isspace(static_cast<unsigned char>(q.back())))) q.pop_back();
    if (q.empty() || q.find(';') != std::string::npos) throw invalidQuery();
    c.options.set("viewQuery", q);

    const ParsedQuery parsed = parseQuery(q);
    std::map<std::string, CollectionPtr> byAlias;  // table alias -> collection (exact name match)
    for (auto& t : parsed.tables) {
        if (t.alias.find('(') != std::string::npos) continue;
        for (auto& other : all)
            if (other->name == t.original) byAlias[t.alias] = other;
    }
    const std::string mainAlias = parsed.tables.empty() ? "" : parsed.tables.front().alias;
    std::map<std::string, Field> suggested;
    for (auto& col : parsed.columns)
        if (auto f = suggestField(col, byAlias, mainAlias)) suggested.insert_or_assign(col.alias, std::move(*f));

    std::string tmp = "_pb_view_probe_" + random::string(8, random::kAlphaNumLower);
    std::vector<db::Row> cols;
    try {
        db.write([&] {
            db.execScript("CREATE TEMP VIEW " + quoteIdent(tmp) + " AS SELECT * FROM (" + q + ")");
            cols = db.conn().query("PRAGMA temp.table_info(" + quoteIdent(tmp) + ")");
            db.execScript("DROP VIEW temp." + quoteIdent(tmp));
        });
    } catch (const std::exception&) {
        throw invalidQuery();
    }
    bool hasId = false;
    std::vector<Field> fields;
    for (auto& col : cols) {
        const std::string name = col["name"].getString();
        hasId = hasId || name == "id";
        auto it = suggested.find(name);
        Field f = it != suggested.end() ? it->second : makeViewField(name, FieldType::Json, json::Value(json::Object{{"maxSize", 1.0}}));
        // Keep the id of an unchanged field across saves (same name and type).
        if (const Field* prev = c.field(name); prev && prev->type == f.type && !prev->id.empty()) f.id = prev->id;
        if (f.id.empty()) f.id = defaultFieldId(f.type, f.name);
        CollectionStore::applyFieldDefaults(f);
        fields.push_back(std::move(f));
    }
    if (!hasId) throw invalidQuery("validation_missing_view_id", "The view query must return an id column.");
    c.fields = std::move(fields);
}

}  // namespace pb::schema
