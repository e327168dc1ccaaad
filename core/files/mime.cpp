#include "files/mime.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "util/strings.hpp"

namespace pb::files {

namespace {

bool has(std::string_view d, size_t off, std::string_view magic) {
    return d.size() >= off + magic.size() && d.substr(off, magic.size()) == magic;
}

// Case-insensitive search for an ASCII needle within the first `limit` bytes.
bool containsCi(std::string_view d, std::string_view needle, size_t limit) {
    auto hay = str::lower(d.substr(0, std::min(d.size(), limit)));
    return hay.find(needle) != std::string::npos;
}

std::string_view skipWs(std::string_view d) {
    size_t i = 0;
    if (has(d, 0, "\xEF\xBB\xBF")) i = 3;  // UTF-8 BOM
    while (i < d.size() && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n' || d[i] == '\f')) ++i;
    return d.substr(i);
}

bool looksBinary(std::string_view d) {
    for (unsigned char c : d.substr(0, std::min<size_t>(d.size(), 8192)))
        if (c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B)) return true;
    return false;
}

std::string detectText(std::string_view d) {
    auto t = skipWs(d);
    auto lower = str::lower(t.substr(0, std::min<size_t>(t.size(), 512)));
    for (const char* tag : {"<!doctype html", "<html", "<head", "<script", "<iframe", "<body", "<title", "<style",
                            "<table", "<a ", "<div", "<font", "<br", "<p", "<h1", "<b>", "<!--"})
        if (str::startsWith(lower, tag)) return "text/html; charset=utf-8";
    if (str::startsWith(lower, "<?xml")) {
        if (containsCi(t, "<svg", 4096)) return "image/svg+xml";
        return "text/xml; charset=utf-8";
    }
    if (str::startsWith(lower, "<svg") || (str::startsWith(lower, "<") && containsCi(t, "<svg", 4096)))
        return "image/svg+xml";
    if (str::startsWith(lower, "%pdf-")) return "application/pdf";
    if (!t.empty() && (t[0] == '{' || t[0] == '[')) {
        // Only claim JSON for small, plausible documents; anything else is plain text.
        return "text/plain; charset=utf-8";
    }
    return "text/plain; charset=utf-8";
}

}  // namespace

std::string detectMime(std::string_view d) {
    if (d.empty()) return "text/plain; charset=utf-8";
    if (has(d, 0, "\x89PNG\r\n\x1A\n")) return "image/png";
    if (has(d, 0, "\xFF\xD8\xFF")) return "image/jpeg";
    if (has(d, 0, "GIF87a") || has(d, 0, "GIF89a")) return "image/gif";
    if (has(d, 0, "RIFF") && has(d, 8, "WEBP")) return "image/webp";
    if (has(d, 0, "RIFF") && has(d, 8, "WAVE")) return "audio/wav";
    if (has(d, 0, "RIFF") && has(d, 8, "AVI ")) return "video/x-msvideo";
    if (has(d, 0, "BM") && d.size() > 14) return "image/bmp";
    if (has(d, 0, std::string_view("\x00\x00\x01\x00", 4))) return "image/x-icon";
    if (has(d, 0, "II*\x00") || has(d, 0, "MM\x00*")) return "image/tiff";
    if (has(d, 4, "ftypavif")) return "image/avif";
    if (has(d, 4, "ftypheic") || has(d, 4, "ftypheix")) return "image/heic";
    if (has(d, 4, "ftypqt")) return "video/quicktime";
    if (has(d, 4, "ftyp3g")) return "video/3gpp";
    if (has(d, 4, "ftypM4A")) return "audio/x-m4a";
    if (has(d, 4, "ftyp")) return "video/mp4";
    if (has(d, 0, "\x1A\x45\xDF\xA3")) return containsCi(d, "webm", 64) ? "video/webm" : "video/x-matroska";
    if (has(d, 0, "OggS")) return "audio/ogg";
    if (has(d, 0, "ID3") || (d.size() > 2 && static_cast<unsigned char>(d[0]) == 0xFF &&
                             (static_cast<unsigned char>(d[1]) & 0xE0) == 0xE0 &&
                             (static_cast<unsigned char>(d[1]) & 0x06) != 0))
        return "audio/mpeg";
    if (has(d, 0, "fLaC")) return "audio/flac";
    if (has(d, 0, "%PDF-")) return "application/pdf";
    if (has(d, 0, "PK\x03\x04")) return "application/zip";
    if (has(d, 0, "\x1F\x8B\x08")) return "application/gzip";
    if (has(d, 0, "7z\xBC\xAF\x27\x1C")) return "application/x-7z-compressed";
    if (has(d, 0, "Rar!\x1A\x07")) return "application/x-rar-compressed";
    if (has(d, 0, "\x7F" "ELF")) return "application/x-elf";
    if (has(d, 0, "wOFF")) return "font/woff";
    if (has(d, 0, "wOF2")) return "font/woff2";
    if (has(d, 0, "SQLite format 3")) return "application/vnd.sqlite3";
    if (looksBinary(d)) return "application/octet-stream";
    auto head = d.substr(0, std::min<size_t>(d.size(), 8192));
    if (head.size() < d.size()) {
        // Drop a multi-byte sequence cut at the sample boundary.
        size_t k = 0;
        while (k < 3 && !head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) {
            head.remove_suffix(1);
            ++k;
        }
        if (!head.empty() && (static_cast<unsigned char>(head.back()) & 0xC0) == 0xC0) head.remove_suffix(1);
    }
    if (!str::validUtf8(head)) return "application/octet-stream";
    return detectText(d);
}

std::string baseMime(std::string_view mime) {
    auto semi = mime.find(';');
    return str::lower(str::trim(mime.substr(0, semi)));
}

std::string extensionFor(std::string_view mime) {
    static const std::pair<const char*, const char*> kExt[] = {
        {"image/png", ".png"}, {"image/jpeg", ".jpg"}, {"image/gif", ".gif"}, {"image/webp", ".webp"},
        {"image/bmp", ".bmp"}, {"image/x-icon", ".ico"}, {"image/tiff", ".tiff"}, {"image/avif", ".avif"},
        {"image/heic", ".heic"}, {"image/svg+xml", ".svg"}, {"video/mp4", ".mp4"}, {"video/webm", ".webm"},
        {"video/quicktime", ".mov"}, {"video/3gpp", ".3gp"}, {"video/x-matroska", ".mkv"}, {"video/x-msvideo", ".avi"},
        {"audio/mpeg", ".mp3"}, {"audio/ogg", ".ogg"}, {"audio/wav", ".wav"}, {"audio/flac", ".flac"},
        {"audio/x-m4a", ".m4a"}, {"application/pdf", ".pdf"}, {"application/zip", ".zip"},
        {"application/gzip", ".gz"}, {"application/x-7z-compressed", ".7z"}, {"application/x-rar-compressed", ".rar"},
        {"font/woff", ".woff"}, {"font/woff2", ".woff2"}, {"text/html", ".html"}, {"text/xml", ".xml"},
        {"text/plain", ".txt"}, {"application/vnd.sqlite3", ".sqlite"}};
    auto b = baseMime(mime);
    for (auto& [m, e] : kExt)
        if (b == m) return e;
    return "";
}

bool isInlineMime(std::string_view mime) {
    static const char* kInline[] = {
        "image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/bmp",
        "video/webm", "video/mp4", "video/3gpp", "video/quicktime", "video/x-ms-wmv", "audio/basic", "audio/aiff",
        "audio/mpeg", "audio/midi", "audio/mp3", "audio/wave", "audio/wav", "audio/x-wav", "audio/x-mpeg",
        "audio/x-m4a", "audio/aac", "audio/ogg", "application/pdf", "application/x-pdf"};
    auto b = baseMime(mime);
    for (auto* m : kInline)
        if (b == m) return true;
    return false;
}

}  // namespace pb::files
