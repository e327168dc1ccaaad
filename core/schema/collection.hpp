#pragma once
// The collection model: a collection definition with its typed fields, rules and options.
// Fields keep their type-specific options in a JSON object (`opts`) with PocketBase's keys
// (min, max, pattern, maxSelect, collectionId, ...); typed accessors read them.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/json.hpp"

namespace pb::schema {

namespace FieldType {
inline constexpr const char* Text = "text";
inline constexpr const char* Number = "number";
inline constexpr const char* Bool = "bool";
inline constexpr const char* Email = "email";
inline constexpr const char* Url = "url";
inline constexpr const char* Editor = "editor";
inline constexpr const char* Date = "date";
inline constexpr const char* Autodate = "autodate";
inline constexpr const char* Select = "select";
inline constexpr const char* Json = "json";
inline constexpr const char* Relation = "relation";
inline constexpr const char* File = "file";
inline constexpr const char* Password = "password";
inline constexpr const char* GeoPoint = "geoPoint";
}  // namespace FieldType

bool isKnownFieldType(const std::string& type);

struct Field {
    std::string id;
    std::string name;
    std::string type;
    bool system = false;
    bool hidden = false;
    bool presentable = false;
    json::Value opts = json::Value::object();  // every other key of the field JSON

    bool required() const { return opts["required"].getBool(); }
    int maxSelect() const { return static_cast<int>(opts["maxSelect"].getNumber(0)); }
    // select/relation/file with maxSelect > 1 store a JSON array.
    bool isMultiple() const;
    // select/relation/file (the "list" field types).
    bool isListType() const;
    std::string relationCollectionId() const { return opts["collectionId"].getString(); }
    bool primaryKey() const { return opts["primaryKey"].getBool(); }

    // Field JSON as PocketBase emits it (keys sorted alphabetically).
    json::Value toJson() const;
    static Field fromJson(const json::Value& v);
    // SQL column definition for the record table, e.g. "TEXT DEFAULT '' NOT NULL".
    std::string columnType() const;
};

enum class CollectionType { Base, Auth, View };
std::string toString(CollectionType t);
std::optional<CollectionType> collectionTypeFromString(const std::string& s);

struct Collection {
    std::string id;
    std::string name;
    CollectionType type = CollectionType::Base;
    bool system = false;
    std::vector<Field> fields;
    std::vector<std::string> indexes;
    std::optional<std::string> listRule, viewRule, createRule, updateRule, deleteRule;
    json::Value options = json::Value::object();  // auth options, view query, ...
    std::string created, updated;

    bool isAuth() const { return type == CollectionType::Auth; }
    bool isView() const { return type == CollectionType::View; }
    const Field* field(const std::string& name) const;
    Field* field(const std::string& name);
    const Field* fieldById(const std::string& id) const;

    // Auth options helpers.
    std::optional<std::string> authRule() const;
    std::optional<std::string> manageRule() const;
    std::string viewQuery() const { return options["viewQuery"].getString(); }

    // Collection JSON for the API. `forApi` strips secrets (token secrets, OAuth2 client secrets).
    json::Value toJson(bool forApi = true) const;
};

using CollectionPtr = std::shared_ptr<const Collection>;

// "pbc_" + crc32(type+name) collection id; type+crc32(name) field id.
std::string defaultCollectionId(const std::string& type, const std::string& name);
std::string defaultFieldId(const std::string& type, const std::string& name);
uint32_t crc32(std::string_view s);

}  // namespace pb::schema
