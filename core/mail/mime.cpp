// MIME building and template rendering for outgoing mail.
#include "mail/mime.hpp"

#include <cctype>
#include <ctime>

#include "util/base64.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

namespace pb::mail {

namespace {

bool isAscii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80 || c < 0x20) return false;
    return true;
}

// RFC 2047 encoded-word for header values that aren't plain ASCII.
std::string encodeHeader(const std::string& s) {
    if (isAscii(s)) return s;
    return "=?UTF-8?B?" + base64::encode(s) + "?=";
}

std::string rfc2822Date() {
    std::time_t t = static_cast<std::time_t>(timeutil::nowSeconds());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string domainOf(const std::string& addr) {
    auto at = addr.rfind('@');
    return at == std::string::npos ? "localhost" : addr.substr(at + 1);
}

std::string decodeEntities(const std::string& s) {
    std::string out = str::replaceAll(s, "&lt;", "<");
    out = str::replaceAll(out, "&gt;", ">");
    out = str::replaceAll(out, "&quot;", "\"");
    out = str::replaceAll(out, "&#39;", "'");
    out = str::replaceAll(out, "&#34;", "\"");
    out = str::replaceAll(out, "&nbsp;", " ");
    return str::replaceAll(out, "&amp;", "&");
}

}  // namespace

std::string htmlEscape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&#34;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string formatAddress(const Address& a) {
    if (a.name.empty()) return "<" + a.address + ">";
    std::string name = a.name;
    if (isAscii(name)) {
        name = str::replaceAll(str::replaceAll(name, "\\", "\\\\"), "\"", "\\\"");
        return "\"" + name + "\" <" + a.address + ">";
    }
    return encodeHeader(name) + " <" + a.address + ">";
}

std::string quotedPrintable(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out, line;
    auto flush = [&](bool hard) {
        out += line;
        out += hard ? "\r\n" : "=\r\n";
        line.clear();
    };
    auto put = [&](const std::string& tok) {
        if (line.size() + tok.size() > 75) flush(false);
        line += tok;
    };
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\r') continue;
        if (c == '\n') {
            // Trailing whitespace before a line break must be encoded.
            if (!line.empty() && (line.back() == ' ' || line.back() == '\t')) {
                char ws = line.back();
                line.pop_back();
                put(std::string("=") + hex[ws >> 4] + hex[ws & 15]);
            }
            flush(true);
            continue;
        }
        if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t') put(std::string(1, static_cast<char>(c)));
        else put(std::string("=") + hex[c >> 4] + hex[c & 15]);
    }
    out += line;
    return out;
}

std::string decodeQuotedPrintable(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '=') {
            out += s[i];
            continue;
        }
        if (i + 1 < s.size() && s[i + 1] == '\n') {
            i += 1;
        } else if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += '=';
        }
    }
    return out;
}

std::string htmlToText(const std::string& html) {
    std::string out;
    size_t i = 0;
    std::string pendingHref;
    while (i < html.size()) {
        if (html[i] != '<') {
            char c = html[i++];
            if (c == '\n' || c == '\r' || c == '\t') c = ' ';
            if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '\n')) continue;
            out += c;
            continue;
        }
        auto end = html.find('>', i);
        if (end == std::string::npos) break;
        std::string tag = str::lower(html.substr(i + 1, end - i - 1));
        std::string original = html.substr(i + 1, end - i - 1);
        i = end + 1;
        std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
        if (tag.rfind("/", 0) == 0) name = tag.substr(1, tag.find_first_of(" \t\n", 1) - 1);
        if (name == "a" && tag[0] != '/') {
            auto h = tag.find("href=\"");
            if (h != std::string::npos) {
                auto q = original.find('"', h + 6);
                pendingHref = decodeEntities(original.substr(h + 6, q - h - 6));
            }
        } else if (tag == "/a") {
            if (!pendingHref.empty()) out += " (" + pendingHref + ")";
            pendingHref.clear();
        } else if (name == "br" || tag == "/p" || tag == "/div" || tag == "/h1" || tag == "/h2" || tag == "/li") {
            while (!out.empty() && out.back() == ' ') out.pop_back();
            out += "\n";
        }
    }
    std::string text = decodeEntities(out);
    // Collapse runs of blank lines and trim line ends.
    std::string clean;
    int newlines = 0;
    for (char c : text) {
        if (c == '\n') {
            while (!clean.empty() && clean.back() == ' ') clean.pop_back();
            if (++newlines > 2) continue;
        } else {
            newlines = 0;
        }
        clean += c;
    }
    return std::string(str::trim(clean));
}

std::string buildMime(const Message& m) {
    std::string out;
    auto header = [&](const std::string& k, const std::string& v) { out += k + ": " + v + "\r\n"; };
    auto list = [](const std::vector<Address>& as) {
        std::vector<std::string> parts;
        for (auto& a : as) parts.push_back(formatAddress(a));
        return str::join(parts, ", ");
    };
    header("From", formatAddress(m.from));
    if (!m.to.empty()) header("To", list(m.to));
    if (!m.cc.empty()) header("Cc", list(m.cc));
    header("Subject", encodeHeader(m.subject));
    header("Date", rfc2822Date());
    header("Message-ID", "<" + random::string(24) + "@" + domainOf(m.from.address) + ">");
    header("MIME-Version", "1.0");
    for (auto& [k, v] : m.headers) {
        if (k.find_first_of("\r\n:") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) continue;
        header(k, v);
    }
    std::string text = m.text.empty() ? htmlToText(m.html) : m.text;
    if (m.html.empty()) {
        header("Content-Type", "text/plain; charset=UTF-8");
        header("Content-Transfer-Encoding", "quoted-printable");
        out += "\r\n" + quotedPrintable(text) + "\r\n";
        return out;
    }
    std::string boundary = "pb_" + random::string(28);
    header("Content-Type", "multipart/alternative; boundary=\"" + boundary + "\"");
    out += "\r\n";
    out += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quotedPrintable(text) + "\r\n";
    out += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
    out += quotedPrintable(m.html) + "\r\n";
    out += "--" + boundary + "--\r\n";
    return out;
}

std::string renderTemplate(std::string tpl, const std::map<std::string, std::string>& values, bool escapeHtml) {
    for (auto& [k, v] : values) tpl = str::replaceAll(std::move(tpl), k, escapeHtml ? htmlEscape(v) : v);
    return tpl;
}

}  // namespace pb::mail
