#include "util/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <locale.h>  // newlocale, strtod_l (glibc)

#include <algorithm>
#include <numeric>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/sole_owner.hpp"

namespace pb::json {

static const Value kNull;

const Value* Value::find(std::string_view key) const {
    if (!isObject()) return nullptr;
    for (auto& [k, v] : asObject())
        if (k == key) return &v;
    return nullptr;
}

Value* Value::find(std::string_view key) {
    if (!isObject()) return nullptr;
    for (auto& [k, v] : asObject())
        if (k == key) return &v;
    return nullptr;
}

Value& Value::operator[](std::string_view key) {
    if (isNull()) *this = Value(Object{});
    auto& obj = asObject();
    for (auto& [k, v] : obj)
        if (k == key) return v;
    obj.emplace_back(std::string(key), Value());
    return obj.back().second;
}

const Value& Value::operator[](std::string_view key) const {
    auto* v = find(key);
    return v ? *v : kNull;
}

bool Value::erase(std::string_view key) {
    if (!isObject()) return false;
    auto& obj = asObject();
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (it->first == key) {
            obj.erase(it);
            return true;
        }
    }
    return false;
}

void Value::push(Value v) {
    if (isNull()) *this = Value(Array{});
    asArray().push_back(std::move(v));
}

size_t Value::size() const {
    if (isArray()) return asArray().size();
    if (isObject()) return asObject().size();
    return 0;
}

void Value::detach() {
    // Sole owner: writes in place, after the accesses of former co-owners (other threads' copies).
    if (auto* a = std::get_if<std::shared_ptr<Array>>(&v_)) {
        if (a->use_count() > 1) *a = std::make_shared<Array>(**a);
        else acquireSoleOwnership(*a);
    } else if (auto* o = std::get_if<std::shared_ptr<Object>>(&v_)) {
        if (o->use_count() > 1) *o = std::make_shared<Object>(**o);
        else acquireSoleOwnership(*o);
    }
}

bool Value::operator==(const Value& o) const {
    if (type() != o.type()) return false;
    switch (type()) {
        case Type::Null: return true;
        case Type::Bool: return asBool() == o.asBool();
        case Type::Number: return asNumber() == o.asNumber();
        case Type::String: return asString() == o.asString();
        case Type::Raw: return asRaw().text == o.asRaw().text;
        case Type::Array: return asArray() == o.asArray();
        case Type::Object: return asObject() == o.asObject();
    }
    return false;
}

std::string formatNumber(double d) {
    if (!std::isfinite(d)) return "null";
    if (d == std::floor(d) && std::fabs(d) < 1e21) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", d);
        if (std::string_view(buf) == "-0") return "0";
        return buf;
    }
    // Shortest representation that round-trips.
    char buf[40];
    for (int prec = 15; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (std::strtod(buf, nullptr) == d) break;
    }
    return buf;
}

void writeString(std::string& out, std::string_view s, bool escapeHtml) {
    static const char* hex = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || (escapeHtml && (c == '<' || c == '>' || c == '&'))) {
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 15]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

void Value::dumpTo(std::string& out, bool escapeHtml) const {
    switch (type()) {
        case Type::Null: out += "null"; break;
        case Type::Bool: out += asBool() ? "true" : "false"; break;
        case Type::Number: out += formatNumber(asNumber()); break;
        case Type::String: writeString(out, asString(), escapeHtml); break;
        case Type::Raw: out += asRaw().text.empty() ? "null" : asRaw().text; break;
        case Type::Array: {
            out.push_back('[');
            bool first = true;
            for (auto& v : asArray()) {
                if (!first) out.push_back(',');
                first = false;
                v.dumpTo(out, escapeHtml);
            }
            out.push_back(']');
            break;
        }
        case Type::Object: {
            out.push_back('{');
            bool first = true;
            for (auto& [k, v] : asObject()) {
                if (!first) out.push_back(',');
                first = false;
                writeString(out, k, escapeHtml);
                out.push_back(':');
                v.dumpTo(out, escapeHtml);
            }
            out.push_back('}');
            break;
        }
    }
}

std::string Value::dump(bool escapeHtml) const {
    std::string out;
    dumpTo(out, escapeHtml);
    return out;
}

namespace {
// A JSON number's text as a double, correctly rounded (glibc strtod_l in the C locale, so a
// plugin's setlocale cannot change the decimal point). Numbers are handed over as text
// (kParseNumbersAsStringsFlag) because RapidJSON 1.1's own full-precision conversion is wrong
// for a zero significand with a large exponent ("0e38" came out as -1.9e+227; found by fuzz_json).
// nullopt when the magnitude overflows a double; underflow rounds to 0 as in Go.
std::optional<double> numberFromText(const char* s, size_t n) {
    static const locale_t cLocale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
    std::string text(s, n);
    char* end = nullptr;
    double d = strtod_l(text.c_str(), &end, cLocale);
    if (end != text.c_str() + text.size() || std::isinf(d)) return std::nullopt;
    return d;
}

// A key repeated in one object keeps the value of its last occurrence, at the place of its first,
// as Go's encoding/json (and so PocketBase) decodes it. O(n log n), and nothing moves without
// duplicates.
void keepLastOfDuplicateKeys(Object& o) {
    // Common case first and without allocating: a small object with distinct keys.
    if (o.size() < 2) return;
    if (o.size() <= 16) {
        bool dup = false;
        for (size_t i = 1; i < o.size() && !dup; ++i)
            for (size_t j = 0; j < i && !dup; ++j) dup = o[i].first == o[j].first;
        if (!dup) return;
    }
    std::vector<size_t> order(o.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return o[a].first < o[b].first; });
    std::vector<bool> drop(o.size(), false);
    bool any = false;
    for (size_t g = 0; g < order.size();) {
        size_t end = g + 1;
        while (end < order.size() && o[order[end]].first == o[order[g]].first) ++end;
        if (end - g > 1) {
            any = true;
            o[order[g]].second = std::move(o[order[end - 1]].second);
            for (size_t k = g + 1; k < end; ++k) drop[order[k]] = true;
        }
        g = end;
    }
    if (!any) return;
    size_t w = 0;
    for (size_t r = 0; r < o.size(); ++r) {
        if (drop[r]) continue;
        if (w != r) o[w] = std::move(o[r]);  // never self-move: it empties a std::string
        ++w;
    }
    o.resize(w);
}

// SAX handler building a Value tree with an explicit stack (depth-limited).
struct Builder {
    std::vector<Value> stack;
    std::vector<std::string> keys;
    Value root;
    int maxDepth;
    bool tooDeep = false;
    bool numberTooBig = false;

    bool add(Value v) {
        if (stack.empty()) {
            root = std::move(v);
            return true;
        }
        Value& top = stack.back();
        if (top.isArray()) {
            top.asArray().push_back(std::move(v));
        } else {
            top.asObject().emplace_back(std::move(keys.back()), std::move(v));
            keys.pop_back();
        }
        return true;
    }
    bool Null() { return add(Value()); }
    bool Bool(bool b) { return add(Value(b)); }
    bool Int(int i) { return add(Value(static_cast<double>(i))); }
    bool Uint(unsigned u) { return add(Value(static_cast<double>(u))); }
    bool Int64(int64_t i) { return add(Value(static_cast<double>(i))); }
    bool Uint64(uint64_t u) { return add(Value(static_cast<double>(u))); }
    bool Double(double d) { return add(Value(d)); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
        auto d = numberFromText(s, n);
        if (!d) {
            numberTooBig = true;
            return false;
        }
        return add(Value(*d));
    }
    bool String(const char* s, rapidjson::SizeType n, bool) { return add(Value(std::string(s, n))); }
    bool StartObject() {
        if (static_cast<int>(stack.size()) >= maxDepth) { tooDeep = true; return false; }
        stack.emplace_back(Object{});
        return true;
    }
    bool Key(const char* s, rapidjson::SizeType n, bool) {
        keys.emplace_back(s, n);
        return true;
    }
    bool EndObject(rapidjson::SizeType) {
        Value v = std::move(stack.back());
        stack.pop_back();
        keepLastOfDuplicateKeys(v.asObject());
        return add(std::move(v));
    }
    bool EndArray(rapidjson::SizeType) {
        Value v = std::move(stack.back());
        stack.pop_back();
        return add(std::move(v));
    }
    bool StartArray() {
        if (static_cast<int>(stack.size()) >= maxDepth) { tooDeep = true; return false; }
        stack.emplace_back(Array{});
        return true;
    }
};
}  // namespace

std::optional<Value> parse(std::string_view text, ParseError* err, int maxDepth) {
    Builder b;
    b.maxDepth = maxDepth;
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(text.data(), text.size());
    auto res = reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag>(ms, b);
    if (res.IsError()) {
        if (err) {
            err->message = b.tooDeep        ? "JSON nesting too deep"
                           : b.numberTooBig ? rapidjson::GetParseError_En(rapidjson::kParseErrorNumberTooBig)
                                            : rapidjson::GetParseError_En(res.Code());
            err->offset = res.Offset();
        }
        return std::nullopt;
    }
    // Only whitespace may follow the document.
    for (size_t i = ms.Tell(); i < text.size(); ++i) {
        char c = text[i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            if (err) {
                err->message = "unexpected data after the JSON document";
                err->offset = i;
            }
            return std::nullopt;
        }
    }
    return std::move(b.root);
}

}  // namespace pb::json
