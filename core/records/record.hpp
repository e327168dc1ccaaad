#pragma once
// A record: one row of a collection, held as field name -> normalised JSON value.
#include <memory>
#include <set>
#include <string>

#include "schema/collection.hpp"
#include "util/json.hpp"

namespace pb::records {

class Record {
public:
    explicit Record(schema::CollectionPtr collection);

    const schema::Collection& collection() const { return *collection_; }
    const schema::CollectionPtr& collectionPtr() const { return collection_; }

    std::string id() const { return data_["id"].getString(); }
    void setId(std::string id) { data_.set("id", std::move(id)); }

    // Raw access (values already normalised for their field type).
    const json::Value& get(std::string_view field) const { return data_[field]; }
    void setRaw(std::string_view field, json::Value v) { data_.set(field, std::move(v)); }
    // Normalises `v` to the field's type (unknown fields are stored as given).
    void set(const std::string& field, const json::Value& v);
    std::string getString(std::string_view f) const;
    bool getBool(std::string_view f) const { return data_[f].getBool(); }
    double getNumber(std::string_view f) const { return data_[f].getNumber(); }
    std::vector<std::string> getStringList(std::string_view f) const;

    json::Value& data() { return data_; }
    const json::Value& data() const { return data_; }

    bool isNew() const { return isNew_; }
    void markPersisted();  // snapshot current values as the original
    const json::Value& original() const { return original_; }
    bool changed(std::string_view field) const { return !(data_[field] == original_[field]); }

    // Auth helpers.
    std::string email() const { return getString("email"); }
    std::string tokenKey() const { return getString("tokenKey"); }
    bool verified() const { return getBool("verified"); }
    bool isSuperuser() const { return collection_->name == "_superusers"; }
    // Hashes and stores a new password (also rotates tokenKey). Slow: bcrypt.
    void setPassword(std::string_view plain);
    bool validatePassword(std::string_view plain) const;
    void refreshTokenKey();

    // Output shaping state (set by the API layer / enrich hooks).
    json::Value expand;                 // null = no expand requested
    std::set<std::string> forceHidden;  // fields hidden by hooks
    std::set<std::string> forceShown;   // hidden fields made visible by hooks
    json::Value customData;             // extra keys merged into the output
    bool ignoreEmailVisibility = false;  // email shown regardless (owner, SU, manage, auth responses)

    // Record JSON as PocketBase emits it: keys sorted, hidden fields dropped unless showHidden,
    // password/tokenKey never, email per visibility.
    json::Value toJson(bool showHidden = false) const;
    // All values including hidden ones (for @request.auth, hooks, plugins).
    json::Value toInternalJson() const;

    // Normalises one value for a field type (the "PrepareValue" step).
    static json::Value normalize(const schema::Field& f, const json::Value& v);
    // Value for binding into SQL for this field.
    static json::Value toDbValue(const schema::Field& f, const json::Value& v);
    static json::Value zeroValue(const schema::Field& f);

private:
    schema::CollectionPtr collection_;
    json::Value data_ = json::Value::object();
    json::Value original_ = json::Value::object();
    bool isNew_ = true;
};

using RecordPtr = std::shared_ptr<Record>;

}  // namespace pb::records
