#include "util/strings.hpp"

#include <cctype>

namespace pb::str {

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

std::string upper(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return r;
}

std::string_view trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool endsWith(std::string_view s, std::string_view x) {
    return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}
bool istartsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && iequals(s.substr(0, p.size()), p);
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            out.emplace_back(s.substr(start));
            break;
        }
        out.emplace_back(s.substr(start, pos - start));
        start = pos + 1;
    }
    return out;
}

std::vector<std::string> splitList(std::string_view s) {
    std::vector<std::string> out;
    for (auto& p : split(s, ',')) {
        auto t = trim(p);
        if (!t.empty()) out.emplace_back(t);
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string r;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) r += sep;
        r += parts[i];
    }
    return r;
}

std::string replaceAll(std::string s, std::string_view from, std::string_view to) {
    if (from.empty()) return s;
    size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
    return s;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string urlDecode(std::string_view s, bool plusAsSpace) {
    std::string r;
    r.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%' && i + 2 < s.size()) {
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h >= 0 && l >= 0) {
                r.push_back(static_cast<char>(h * 16 + l));
                i += 2;
                continue;
            }
        }
        if (c == '+' && plusAsSpace) c = ' ';
        r.push_back(c);
    }
    return r;
}

std::string urlEncode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string r;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            r.push_back(static_cast<char>(c));
        } else {
            r.push_back('%');
            r.push_back(hex[c >> 4]);
            r.push_back(hex[c & 15]);
        }
    }
    return r;
}

std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view q) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!q.empty() && q[0] == '?') q.remove_prefix(1);
    for (auto& part : split(q, '&')) {
        if (part.empty()) continue;
        auto eq = part.find('=');
        if (eq == std::string::npos)
            out.emplace_back(urlDecode(part), "");
        else
            out.emplace_back(urlDecode(std::string_view(part).substr(0, eq)),
                             urlDecode(std::string_view(part).substr(eq + 1)));
    }
    return out;
}

std::string headerToSnake(std::string_view s) {
    std::string r;
    for (char c : s) {
        if (c == '-') r.push_back('_');
        else r.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return r;
}

std::string snakeCase(std::string_view s) {
    // Words are runs of letters/digits; they are lower-cased and joined by '_'.
    std::string r;
    bool pendingSep = false;
    for (unsigned char c : s) {
        if (std::isalnum(c)) {
            if (pendingSep && !r.empty()) r.push_back('_');
            pendingSep = false;
            r.push_back(static_cast<char>(std::tolower(c)));
        } else if (c >= 0x80) {
            pendingSep = true;
        } else {
            pendingSep = true;
        }
    }
    return r;
}

bool validUtf8(std::string_view s) {
    size_t i = 0, n = s.size();
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n) return false;
        for (int k = 1; k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += len;
    }
    return true;
}

size_t runeCount(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c >> 6) != 2) ++n;
    return n;
}

}  // namespace pb::str
