#include "files/image_header.hpp"

#include <algorithm>

namespace pb::files {

namespace {

// Bounds-checked little readers over the untrusted bytes; every caller checks `has` first.
struct Bytes {
    std::string_view d;
    bool has(size_t pos, size_t n) const { return pos <= d.size() && n <= d.size() - pos; }
    uint32_t u8(size_t pos) const { return static_cast<unsigned char>(d[pos]); }
    uint32_t be16(size_t pos) const { return u8(pos) << 8 | u8(pos + 1); }
    uint32_t be32(size_t pos) const { return be16(pos) << 16 | be16(pos + 2); }
    uint32_t le16(size_t pos) const { return u8(pos) | u8(pos + 1) << 8; }
    uint32_t le24(size_t pos) const { return le16(pos) | u8(pos + 2) << 16; }
    uint32_t le32(size_t pos) const { return le16(pos) | le16(pos + 2) << 16; }
    bool at(size_t pos, std::string_view s) const { return has(pos, s.size()) && d.substr(pos, s.size()) == s; }
};

std::optional<ImageSize> nonZero(uint32_t w, uint32_t h) {
    if (w == 0 || h == 0) return std::nullopt;
    return ImageSize{w, h};
}

// Signature, then IHDR must be the first chunk (13 bytes): width, height (big-endian, < 2^31).
std::optional<ImageSize> png(const Bytes& b) {
    if (!b.has(0, 24) || b.be32(8) != 13 || !b.at(12, "IHDR")) return std::nullopt;
    uint32_t w = b.be32(16), h = b.be32(20);
    if (w > 0x7FFFFFFFu || h > 0x7FFFFFFFu) return std::nullopt;
    return nonZero(w, h);
}

// Walks the marker segments up to the first start-of-frame; scan data (SOS) or the end of the
// image before it means there is no frame header to trust.
std::optional<ImageSize> jpeg(const Bytes& b) {
    size_t pos = 2;
    for (;;) {
        if (!b.has(pos, 1) || b.u8(pos) != 0xFF) return std::nullopt;
        while (b.has(pos, 1) && b.u8(pos) == 0xFF) ++pos;  // fill bytes
        if (!b.has(pos, 1)) return std::nullopt;
        const uint32_t marker = b.u8(pos++);
        if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xD9 || marker == 0xDA || marker == 0x00) return std::nullopt;
        if (!b.has(pos, 2)) return std::nullopt;
        const uint32_t len = b.be16(pos);
        if (len < 2 || !b.has(pos, len)) return std::nullopt;
        const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) {
            if (len < 7) return std::nullopt;  // length, precision, height, width
            return nonZero(b.be16(pos + 5), b.be16(pos + 3));
        }
        pos += len;
    }
}

// Logical screen descriptor, then the blocks up to the first image descriptor (extensions are
// skipped sub-block by sub-block); each side is the larger of the screen's and the frame's.
std::optional<ImageSize> gif(const Bytes& b) {
    if (!b.has(0, 13)) return std::nullopt;
    uint32_t w = b.le16(6), h = b.le16(8);
    size_t pos = 13;
    if (b.u8(10) & 0x80) pos += 3u << ((b.u8(10) & 7) + 1);  // global colour table
    for (;;) {
        if (!b.has(pos, 1)) return std::nullopt;
        const uint32_t block = b.u8(pos);
        if (block == 0x2C) {
            if (!b.has(pos, 10)) return std::nullopt;
            const uint32_t left = b.le16(pos + 1), top = b.le16(pos + 3);
            w = std::max(w, left + b.le16(pos + 5));
            h = std::max(h, top + b.le16(pos + 7));
            return nonZero(w, h);
        }
        if (block != 0x21) return std::nullopt;  // trailer or junk before any image
        pos += 2;                                 // introducer, label
        for (;;) {
            if (!b.has(pos, 1)) return std::nullopt;
            const uint32_t n = b.u8(pos++);
            if (n == 0) break;
            pos += n;
        }
    }
}

// RIFF container; the first chunk says which bitstream follows.
std::optional<ImageSize> webp(const Bytes& b) {
    if (!b.has(0, 20)) return std::nullopt;
    if (b.at(12, "VP8 ")) {
        // Frame tag (3 bytes, bit 0 clear on a key frame), start code, 14-bit width and height.
        if (!b.has(20, 10) || (b.u8(20) & 1) != 0 || !b.at(23, "\x9D\x01\x2A")) return std::nullopt;
        return nonZero(b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF);
    }
    if (b.at(12, "VP8L")) {
        if (!b.has(20, 5) || b.u8(20) != 0x2F) return std::nullopt;
        const uint32_t bits = b.le32(21);
        return nonZero((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (b.at(12, "VP8X")) {
        if (!b.has(20, 10)) return std::nullopt;
        return nonZero(b.le24(24) + 1, b.le24(27) + 1);
    }
    return std::nullopt;
}

}  // namespace

std::optional<ImageSize> imageHeaderSize(std::string_view data) {
    const Bytes b{data};
    if (b.at(0, "\x89PNG\r\n\x1A\n")) return png(b);
    if (b.at(0, "\xFF\xD8")) return jpeg(b);
    if (b.at(0, "GIF87a") || b.at(0, "GIF89a")) return gif(b);
    if (b.at(0, "RIFF") && b.at(8, "WEBP")) return webp(b);
    return std::nullopt;
}

}  // namespace pb::files
