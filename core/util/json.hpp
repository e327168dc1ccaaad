#pragma once
// Every core header includes this one: it marks the translation unit as using the core's pb::
// namespace, so the plugin SDK's C++ wrapper (sdk/include/pb/) stays in pbsdk:: without its pb alias.
#ifdef PB_SDK_PB_ALIAS
#error "include the core's headers before <pb/plugin.hpp> (or define PB_SDK_NO_PB_ALIAS): pb:: is taken by the SDK's alias"
#endif
#ifndef PB_CORE_NAMESPACE_PB
#define PB_CORE_NAMESPACE_PB 1
#endif
// A small JSON DOM used across the core: records, collections, settings and events.
// Objects keep insertion order (PocketBase output order is decided by whoever builds them).
// Parsing and writing go through RapidJSON.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace pb::json {

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;

// Text that is already valid JSON and is written verbatim (e.g. a json field's stored value).
struct Raw {
    std::string text;
};

class Value {
public:
    enum class Type { Null, Bool, Number, String, Array, Object, Raw };

    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool b) : v_(b) {}
    Value(int n) : v_(static_cast<double>(n)) {}
    Value(long n) : v_(static_cast<double>(n)) {}
    Value(long long n) : v_(static_cast<double>(n)) {}
    Value(unsigned n) : v_(static_cast<double>(n)) {}
    Value(unsigned long n) : v_(static_cast<double>(n)) {}
    Value(double n) : v_(n) {}
    Value(const char* s) : v_(std::string(s)) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
    Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}
    Value(Raw r) : v_(std::move(r)) {}

    static Value array() { return Value(Array{}); }
    static Value object() { return Value(Object{}); }

    Type type() const { return static_cast<Type>(v_.index()); }
    bool isNull() const { return type() == Type::Null; }
    bool isBool() const { return type() == Type::Bool; }
    bool isNumber() const { return type() == Type::Number; }
    bool isString() const { return type() == Type::String; }
    bool isArray() const { return type() == Type::Array; }
    bool isObject() const { return type() == Type::Object; }
    bool isRaw() const { return type() == Type::Raw; }

    bool asBool() const { return std::get<bool>(v_); }
    double asNumber() const { return std::get<double>(v_); }
    const std::string& asString() const { return std::get<std::string>(v_); }
    std::string& asString() { return std::get<std::string>(v_); }
    const Array& asArray() const { return *std::get<std::shared_ptr<Array>>(v_); }
    Array& asArray() { detach(); return *std::get<std::shared_ptr<Array>>(v_); }
    const Object& asObject() const { return *std::get<std::shared_ptr<Object>>(v_); }
    Object& asObject() { detach(); return *std::get<std::shared_ptr<Object>>(v_); }
    const Raw& asRaw() const { return std::get<Raw>(v_); }

    // Lenient accessors with defaults.
    bool getBool(bool def = false) const { return isBool() ? asBool() : def; }
    double getNumber(double def = 0) const { return isNumber() ? asNumber() : def; }
    std::string getString(std::string def = "") const { return isString() ? asString() : def; }

    // Object helpers. find() returns nullptr when missing or when this is not an object.
    const Value* find(std::string_view key) const;
    Value* find(std::string_view key);
    bool has(std::string_view key) const { return find(key) != nullptr; }
    // Returns the member (inserting null at the end when missing). Turns null into an object.
    Value& operator[](std::string_view key);
    const Value& operator[](std::string_view key) const;  // null Value when missing
    void set(std::string_view key, Value v) { (*this)[key] = std::move(v); }
    bool erase(std::string_view key);
    void push(Value v);  // turns null into an array
    size_t size() const;

    bool operator==(const Value& o) const;

    // Compact serialization. `escapeHtml` writes <,>,& as \u003c etc. like Go's encoder.
    std::string dump(bool escapeHtml = false) const;
    void dumpTo(std::string& out, bool escapeHtml = false) const;

private:
    void detach();  // copy-on-write for shared arrays/objects
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<Array>,
                 std::shared_ptr<Object>, Raw>
        v_;
};

struct ParseError {
    std::string message;
    size_t offset = 0;
};

// Parses one JSON document. Depth is limited (default 256) so hostile input cannot blow the stack.
std::optional<Value> parse(std::string_view text, ParseError* err = nullptr, int maxDepth = 256);

// Writes `s` as a quoted JSON string into out.
void writeString(std::string& out, std::string_view s, bool escapeHtml = false);
// Formats a number the way Go's encoding/json does for float64 (integers without ".0").
std::string formatNumber(double d);

}  // namespace pb::json
