#pragma once
// Helpers shared by the files and batch API tests: multipart bodies and a tiny PNG encoder.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pbtest {

struct FormPart {
    FormPart(std::string n, std::string v, std::string f = "", std::string ct = "")
        : name(std::move(n)), value(std::move(v)), filename(std::move(f)), contentType(std::move(ct)) {}
    std::string name, value;
    std::string filename;     // empty = plain field
    std::string contentType;  // for files
};

inline std::string multipartForm(const std::vector<FormPart>& parts, const std::string& boundary) {
    std::string out;
    for (auto& p : parts) {
        out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
        if (!p.filename.empty()) out += "; filename=\"" + p.filename + "\"";
        out += "\r\n";
        if (!p.filename.empty())
            out += "Content-Type: " + (p.contentType.empty() ? std::string("application/octet-stream") : p.contentType) + "\r\n";
        out += "\r\n" + p.value + "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
}

inline void pngChunk(std::string& out, const char* type, const std::string& data) {
    auto be32 = [&](uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
    };
    be32(static_cast<uint32_t>(data.size()));
    std::string td = std::string(type, 4) + data;
    out += td;
    be32(static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(td.data()), static_cast<uInt>(td.size()))));
}

// An RGB PNG of w x h with a simple gradient.
inline std::string tinyPng(int w, int h) {
    std::string out = "\x89PNG\r\n\x1A\n";
    std::string ihdr;
    auto be32 = [&](uint32_t v) {
        for (int s = 24; s >= 0; s -= 8) ihdr.push_back(static_cast<char>((v >> s) & 0xFF));
    };
    be32(static_cast<uint32_t>(w));
    be32(static_cast<uint32_t>(h));
    ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB
    pngChunk(out, "IHDR", ihdr);
    std::string raw;
    for (int y = 0; y < h; ++y) {
        raw.push_back('\0');
        for (int x = 0; x < w; ++x) {
            raw.push_back(static_cast<char>(x * 255 / std::max(1, w - 1)));
            raw.push_back(static_cast<char>(y * 255 / std::max(1, h - 1)));
            raw.push_back(static_cast<char>(0x80));
        }
    }
    uLongf len = compressBound(static_cast<uLong>(raw.size()));
    std::string z(len, '\0');
    compress(reinterpret_cast<Bytef*>(z.data()), &len, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()));
    z.resize(len);
    pngChunk(out, "IDAT", z);
    pngChunk(out, "IEND", "");
    return out;
}

// Width/height from a PNG's IHDR (0 when not a PNG).
inline std::pair<int, int> pngSize(const std::string& png) {
    if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1A\n") != 0) return {0, 0};
    auto rd = [&](size_t o) {
        return (static_cast<int>(static_cast<unsigned char>(png[o])) << 24) |
               (static_cast<int>(static_cast<unsigned char>(png[o + 1])) << 16) |
               (static_cast<int>(static_cast<unsigned char>(png[o + 2])) << 8) |
               static_cast<int>(static_cast<unsigned char>(png[o + 3]));
    };
    return {rd(16), rd(20)};
}

}  // namespace pbtest
