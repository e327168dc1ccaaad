#include "util/fields_picker.hpp"

#include <map>

#include "util/api_error.hpp"
#include "util/strings.hpp"

namespace pb {

namespace {

struct Node {
    bool leaf = false;  // the key itself is selected (whole value)
    std::string modifier;  // e.g. "excerpt(10,true)"
    std::map<std::string, Node> children;
};

void addPath(Node& root, const std::string& raw) {
    std::string path = raw, modifier;
    if (auto c = path.find(':'); c != std::string::npos) {
        modifier = path.substr(c + 1);
        path = path.substr(0, c);
    }
    Node* n = &root;
    for (auto& part : str::split(path, '.')) n = &n->children[part];
    n->leaf = true;
    n->modifier = modifier;
}

json::Value applyModifier(const json::Value& v, const std::string& mod) {
    if (mod.empty()) return v;
    if (!str::startsWith(mod, "excerpt(") || mod.back() != ')') throw badRequest("Invalid fields modifier.");
    auto args = str::splitList(std::string_view(mod).substr(8, mod.size() - 9));
    if (args.empty() || args.size() > 2) throw badRequest("Invalid fields modifier.");
    size_t max = 0;
    try {
        max = static_cast<size_t>(std::stoul(args[0]));
    } catch (...) {
        throw badRequest("Invalid fields modifier.");
    }
    bool ellipsis = args.size() == 2 && (args[1] == "true" || args[1] == "1" || args[1] == "t");
    if (!v.isString()) return v;
    return excerpt(v.asString(), max, ellipsis);
}

json::Value pick(const json::Value& v, const Node& node) {
    if (v.isArray()) {
        json::Value out = json::Value::array();
        for (auto& item : v.asArray()) out.push(pick(item, node));
        return out;
    }
    if (!v.isObject()) return v;
    json::Value out = json::Value::object();
    const Node* star = nullptr;
    if (auto it = node.children.find("*"); it != node.children.end()) star = &it->second;
    for (auto& [k, val] : v.asObject()) {
        auto it = node.children.find(k);
        const Node* n = it != node.children.end() ? &it->second : star;
        if (!n) continue;
        if (!n->children.empty()) {
            // A nested selection; an explicit leaf on the same key wins as "whole value".
            out.set(k, n->leaf && n->modifier.empty() ? val : pick(val, *n));
        } else {
            out.set(k, applyModifier(val, n->modifier));
        }
    }
    return out;
}

}  // namespace

std::string excerpt(std::string_view html, size_t max, bool withEllipsis) {
    std::string text;
    bool inTag = false, lastSpace = true;
    for (char c : html) {
        if (c == '<') { inTag = true; continue; }
        if (c == '>') { inTag = false; if (!lastSpace) { text.push_back(' '); lastSpace = true; } continue; }
        if (inTag) continue;
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (!lastSpace) text.push_back(' ');
            lastSpace = true;
        } else {
            text.push_back(c);
            lastSpace = false;
        }
    }
    std::string t(str::trim(text));
    if (str::runeCount(t) <= max) return t;
    // Cut at a rune boundary.
    size_t runes = 0, i = 0;
    for (; i < t.size(); ++i) {
        if ((static_cast<unsigned char>(t[i]) >> 6) != 2) {
            if (runes == max) break;
            ++runes;
        }
    }
    std::string out(str::trim(t.substr(0, i)));
    if (withEllipsis) out += "...";
    return out;
}

// Splits on commas outside parentheses (modifier arguments contain commas).
static std::vector<std::string> splitFields(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    int depth = 0;
    for (char c : s) {
        if (c == '(') ++depth;
        if (c == ')' && depth > 0) --depth;
        if (c == ',' && depth == 0) {
            if (auto t = str::trim(cur); !t.empty()) out.emplace_back(t);
            cur.clear();
            continue;
        }
        cur.push_back(c);
    }
    if (auto t = str::trim(cur); !t.empty()) out.emplace_back(t);
    return out;
}

void pickFields(json::Value& v, std::string_view fields, bool listEnvelope) {
    auto list = splitFields(fields);
    if (list.empty()) return;
    Node root;
    for (auto& p : list) addPath(root, p);
    if (listEnvelope) {
        if (auto* items = v.find("items")) *items = pick(*items, root);
        return;
    }
    v = pick(v, root);
}

}  // namespace pb
