// SPDX-License-Identifier: MIT
// pb/json.hpp -- the tiny JSON helpers the plugin wrapper needs (header-only, no dependencies).
// Building: pb::json::Object().add("a", 1).add("b", "x").str() == {"a":1,"b":"x"}
// Reading:  pb::json::member(text, "key") returns the raw JSON of a top-level member;
//           as_string / as_number / as_bool decode scalars.
// For anything bigger, bring your own JSON library into the plugin.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace pbsdk::json {

/// Appends s as a quoted JSON string.
inline void quote_to(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}
inline std::string quote(std::string_view s) {
    std::string out;
    quote_to(out, s);
    return out;
}
inline std::string number(double d) {
    if (!std::isfinite(d)) return "null";
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

class Array;

/// Builds a JSON object in insertion order.
class Object {
public:
    Object& add(std::string_view k, std::string_view v) { key(k); quote_to(s_, v); return *this; }
    Object& add(std::string_view k, const char* v) { return add(k, std::string_view(v)); }
    Object& add(std::string_view k, const std::string& v) { return add(k, std::string_view(v)); }
    Object& add(std::string_view k, double v) { key(k); s_ += number(v); return *this; }
    Object& add(std::string_view k, int v) { return add(k, static_cast<double>(v)); }
    Object& add(std::string_view k, int64_t v) { key(k); s_ += std::to_string(v); return *this; }
    Object& add(std::string_view k, bool v) { key(k); s_ += v ? "true" : "false"; return *this; }
    Object& add(std::string_view k, std::nullptr_t) { key(k); s_ += "null"; return *this; }
    Object& add(std::string_view k, const Object& o) { return add_raw(k, o.str()); }
    inline Object& add(std::string_view k, const Array& a);
    /// Adds already-serialized JSON verbatim.
    Object& add_raw(std::string_view k, std::string_view json) { key(k); s_ += json; return *this; }
    bool empty() const { return s_.empty(); }
    std::string str() const { return "{" + s_ + "}"; }

private:
    void key(std::string_view k) {
        if (!s_.empty()) s_ += ',';
        quote_to(s_, k);
        s_ += ':';
    }
    std::string s_;
};

/// Builds a JSON array.
class Array {
public:
    Array& push(std::string_view v) { sep(); quote_to(s_, v); return *this; }
    Array& push(const char* v) { return push(std::string_view(v)); }
    Array& push(double v) { sep(); s_ += number(v); return *this; }
    Array& push(bool v) { sep(); s_ += v ? "true" : "false"; return *this; }
    Array& push(const Object& o) { return push_raw(o.str()); }
    Array& push_raw(std::string_view json) { sep(); s_ += json; return *this; }
    bool empty() const { return s_.empty(); }
    std::string str() const { return "[" + s_ + "]"; }

private:
    void sep() {
        if (!s_.empty()) s_ += ',';
    }
    std::string s_;
};

inline Object& Object::add(std::string_view k, const Array& a) { return add_raw(k, a.str()); }

namespace detail {
inline void ws(std::string_view t, size_t& i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
}
// Skips one value starting at i; returns false on malformed input. Depth-limited.
inline bool skip(std::string_view t, size_t& i, int depth = 0) {
    if (depth > 64) return false;
    ws(t, i);
    if (i >= t.size()) return false;
    char c = t[i];
    if (c == '"') {
        for (++i; i < t.size(); ++i) {
            if (t[i] == '\\') ++i;
            else if (t[i] == '"') { ++i; return true; }
        }
        return false;
    }
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        ++i;
        ws(t, i);
        if (i < t.size() && t[i] == close) { ++i; return true; }
        for (;;) {
            if (c == '{') {
                if (!skip(t, i, depth + 1)) return false;  // key
                ws(t, i);
                if (i >= t.size() || t[i] != ':') return false;
                ++i;
            }
            if (!skip(t, i, depth + 1)) return false;
            ws(t, i);
            if (i < t.size() && t[i] == ',') { ++i; continue; }
            if (i < t.size() && t[i] == close) { ++i; return true; }
            return false;
        }
    }
    size_t start = i;
    while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\n' &&
           t[i] != '\t' && t[i] != '\r')
        ++i;
    return i > start;
}
}  // namespace detail

/// Decodes a JSON string literal (with \uXXXX -> UTF-8). nullopt if `raw` is not a string.
inline std::optional<std::string> as_string(std::string_view raw) {
    size_t i = 0;
    detail::ws(raw, i);
    if (i >= raw.size() || raw[i] != '"') return std::nullopt;
    std::string out;
    for (++i; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '"') return out;
        if (c != '\\') { out += c; continue; }
        if (++i >= raw.size()) return std::nullopt;
        switch (raw[i]) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                if (i + 4 >= raw.size()) return std::nullopt;
                unsigned cp = static_cast<unsigned>(std::strtoul(std::string(raw.substr(i + 1, 4)).c_str(), nullptr, 16));
                i += 4;
                if (cp < 0x80) out += static_cast<char>(cp);
                else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
                else { out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
                break;
            }
            default: out += raw[i];
        }
    }
    return std::nullopt;
}
inline std::optional<double> as_number(std::string_view raw) {
    std::string s(raw);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (end == s.c_str()) return std::nullopt;
    return d;
}
inline std::optional<bool> as_bool(std::string_view raw) {
    size_t i = 0;
    detail::ws(raw, i);
    if (raw.substr(i, 4) == "true") return true;
    if (raw.substr(i, 5) == "false") return false;
    return std::nullopt;
}

/// The raw JSON text of the top-level member `key` of an object, or nullopt.
inline std::optional<std::string_view> member(std::string_view obj, std::string_view key) {
    size_t i = 0;
    detail::ws(obj, i);
    if (i >= obj.size() || obj[i] != '{') return std::nullopt;
    ++i;
    for (;;) {
        detail::ws(obj, i);
        if (i >= obj.size() || obj[i] == '}') return std::nullopt;
        size_t ks = i;
        if (!detail::skip(obj, i)) return std::nullopt;
        auto k = as_string(obj.substr(ks, i - ks));
        detail::ws(obj, i);
        if (i >= obj.size() || obj[i] != ':') return std::nullopt;
        ++i;
        detail::ws(obj, i);
        size_t vs = i;
        if (!detail::skip(obj, i)) return std::nullopt;
        if (k && *k == key) return obj.substr(vs, i - vs);
        detail::ws(obj, i);
        if (i < obj.size() && obj[i] == ',') ++i;
    }
}

}  // namespace pbsdk::json

// The wrapper's namespace is pbsdk; plugins write pb:: (pb::RequestEvent, pb::json::Object) through
// this alias. A translation unit that also includes the core's headers (a framework program that
// uses the wrapper) gets no alias: there pb:: is the core and the wrapper is pbsdk:: (include the
// core's headers first, or define PB_SDK_NO_PB_ALIAS).
#if !defined(PB_SDK_NO_PB_ALIAS) && !defined(PB_CORE_NAMESPACE_PB)
#ifndef PB_SDK_PB_ALIAS
#define PB_SDK_PB_ALIAS 1
#endif
namespace pb = pbsdk;
#endif
