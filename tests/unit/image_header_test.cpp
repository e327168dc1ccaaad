// imageHeaderSize (core/files/image_header.cpp): dimensions from crafted headers of every
// supported format, and nullopt (never a read past the end) for truncated or garbage input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "files/image_header.hpp"
#include "files/thumbs.hpp"

using pb::files::imageHeaderSize;
using pb::files::ImageSize;

namespace {

std::string be16(uint32_t v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string be32(uint32_t v) { return be16(v >> 16) + be16(v & 0xFFFF); }
std::string le16(uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }
std::string le24(uint32_t v) { return le16(v & 0xFFFF) + std::string(1, static_cast<char>(v >> 16)); }
std::string le32(uint32_t v) { return le16(v & 0xFFFF) + le16(v >> 16); }

std::string png(uint32_t w, uint32_t h) {
    return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(w) + be32(h) +
           std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
}

// SOI, an APP0 segment, a DQT segment, then SOF`marker` (precision, height, width, components).
std::string jpeg(uint32_t w, uint32_t h, unsigned char marker = 0xC0) {
    std::string s("\xFF\xD8", 2);
    s += std::string("\xFF\xE0", 2) + be16(16) + std::string("JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00", 14);
    s += std::string("\xFF\xDB", 2) + be16(67) + std::string(65, '\x01');
    s += std::string("\xFF\xFF\xFF", 3) + std::string(1, static_cast<char>(marker));  // with fill bytes
    s += be16(17) + std::string(1, '\x08') + be16(h) + be16(w) + std::string(10, '\x01');
    return s + std::string("\xFF\xDA", 2) + be16(8) + std::string(6, '\0');
}

std::string gifScreen(uint32_t w, uint32_t h, bool colourTable) {
    return std::string("GIF89a") + le16(w) + le16(h) + std::string(1, colourTable ? '\x81' : '\x00') + std::string(2, '\0') +
           (colourTable ? std::string(12, '\x7F') : "");
}
std::string gifFrame(uint32_t left, uint32_t top, uint32_t w, uint32_t h) {
    return "," + le16(left) + le16(top) + le16(w) + le16(h) + std::string(1, '\0');
}
// A graphic control extension and an application extension with two sub-blocks.
std::string gifExtensions() {
    return std::string("\x21\xF9\x04\x00\x00\x00\x00\x00", 8) + std::string("\x21\xFF\x0B", 3) + "NETSCAPE2.0" +
           std::string("\x03\x01\x00\x00\x00", 5);
}

std::string riff(const std::string& chunk) {
    return "RIFF" + le32(static_cast<uint32_t>(chunk.size() + 4)) + "WEBP" + chunk;
}
std::string webpLossy(uint32_t w, uint32_t h) {
    std::string payload = std::string("\x50\x02\x00\x9D\x01\x2A", 6) + le16(w) + le16(h) + std::string(8, '\0');
    return riff("VP8 " + le32(static_cast<uint32_t>(payload.size())) + payload);
}
std::string webpLossless(uint32_t w, uint32_t h) {
    std::string payload = "\x2F" + le32((w - 1) | (h - 1) << 14) + std::string(8, '\0');
    return riff("VP8L" + le32(static_cast<uint32_t>(payload.size())) + payload);
}
std::string webpExtended(uint32_t w, uint32_t h) {
    std::string payload = std::string(4, '\0') + le24(w - 1) + le24(h - 1);
    return riff("VP8X" + le32(10) + payload);
}

std::optional<ImageSize> sz(uint32_t w, uint32_t h) { return ImageSize{w, h}; }

// Every strict prefix of a valid header is refused (the bytes it needs are missing).
void expectPrefixesRefused(const std::string& full, size_t needed) {
    for (size_t n = 0; n < needed; ++n)
        EXPECT_EQ(imageHeaderSize(full.substr(0, n)), std::nullopt) << "prefix of " << n << " bytes";
}

}  // namespace

TEST(ImageHeader, Png) {
    EXPECT_EQ(imageHeaderSize(png(640, 480)), sz(640, 480));
    EXPECT_EQ(imageHeaderSize(png(16000, 16000)), sz(16000, 16000));
    EXPECT_EQ(imageHeaderSize(png(0x7FFFFFFF, 1)), sz(0x7FFFFFFF, 1));
    EXPECT_EQ(imageHeaderSize(png(0x80000000u, 1)), std::nullopt);  // over PNG's limit
    EXPECT_EQ(imageHeaderSize(png(0, 10)), std::nullopt);
    std::string notIhdr = png(10, 10);
    notIhdr.replace(12, 4, "IDAT");
    EXPECT_EQ(imageHeaderSize(notIhdr), std::nullopt);
    std::string badLength = png(10, 10);
    badLength[11] = 12;
    EXPECT_EQ(imageHeaderSize(badLength), std::nullopt);
    expectPrefixesRefused(png(10, 10), 24);
}

TEST(ImageHeader, Jpeg) {
    EXPECT_EQ(imageHeaderSize(jpeg(800, 600)), sz(800, 600));
    EXPECT_EQ(imageHeaderSize(jpeg(65535, 65535)), sz(65535, 65535));
    EXPECT_EQ(imageHeaderSize(jpeg(30, 20, 0xC2)), sz(30, 20));  // progressive
    EXPECT_EQ(imageHeaderSize(jpeg(30, 20, 0xC9)), sz(30, 20));  // arithmetic
    // DHT (C4), JPG (C8) and DAC (CC) share the range but are not frame headers: the walk goes
    // on to scan data and finds no frame.
    EXPECT_EQ(imageHeaderSize(jpeg(30, 20, 0xC4)), std::nullopt);
    EXPECT_EQ(imageHeaderSize(jpeg(30, 0)), std::nullopt);  // height defined by DNL: unsupported
    std::string j = jpeg(30, 20);
    expectPrefixesRefused(j, j.find(std::string("\xFF\xDA", 2)));  // up to the end of SOF
    // A segment length pointing past the end, a length under 2, junk instead of a marker.
    std::string longSeg = j;
    longSeg.replace(4, 2, be16(0xFFFF));
    EXPECT_EQ(imageHeaderSize(longSeg), std::nullopt);
    std::string shortLen = j;
    shortLen.replace(4, 2, be16(1));
    EXPECT_EQ(imageHeaderSize(shortLen), std::nullopt);
    std::string junk = j;
    junk[2] = 'x';
    EXPECT_EQ(imageHeaderSize(junk), std::nullopt);
    EXPECT_EQ(imageHeaderSize(std::string("\xFF\xD8\xFF\xD9", 4)), std::nullopt);  // EOI, no frame
    // Standalone markers (RSTn, TEM) carry no length and are skipped.
    std::string standalone = j;
    standalone.insert(2, std::string("\xFF\xD0\xFF\x01", 4));
    EXPECT_EQ(imageHeaderSize(standalone), sz(30, 20));
}

TEST(ImageHeader, Gif) {
    EXPECT_EQ(imageHeaderSize(gifScreen(10, 20, true) + gifFrame(0, 0, 10, 20) + ";"), sz(10, 20));
    EXPECT_EQ(imageHeaderSize(gifScreen(10, 20, false) + gifExtensions() + gifFrame(0, 0, 5, 5)), sz(10, 20));
    // A frame reaching past the logical screen counts with its full extent.
    EXPECT_EQ(imageHeaderSize(gifScreen(10, 10, true) + gifExtensions() + gifFrame(65535, 3, 65535, 65535)),
              sz(131070, 65538));
    EXPECT_EQ(imageHeaderSize(gifScreen(65535, 65535, false) + gifFrame(0, 0, 1, 1)), sz(65535, 65535));
    EXPECT_EQ(imageHeaderSize(gifScreen(10, 10, false) + ";"), std::nullopt);  // no image
    EXPECT_EQ(imageHeaderSize(gifScreen(0, 0, false) + gifFrame(0, 0, 0, 0)), std::nullopt);
    EXPECT_EQ(imageHeaderSize(gifScreen(10, 10, false) + "junk"), std::nullopt);
    std::string g = gifScreen(10, 20, true) + gifExtensions() + gifFrame(0, 0, 10, 20);
    expectPrefixesRefused(g, g.size() - 1);
    // An extension whose sub-block length runs past the end.
    EXPECT_EQ(imageHeaderSize(gifScreen(10, 10, false) + std::string("\x21\xFE\xFF", 3) + "abc"), std::nullopt);
}

TEST(ImageHeader, WebP) {
    EXPECT_EQ(imageHeaderSize(webpLossy(320, 200)), sz(320, 200));
    EXPECT_EQ(imageHeaderSize(webpLossy(16383 | 0xC000, 5)), sz(16383, 5));  // scale bits ignored
    EXPECT_EQ(imageHeaderSize(webpLossless(1, 1)), sz(1, 1));
    EXPECT_EQ(imageHeaderSize(webpLossless(16384, 16384)), sz(16384, 16384));
    EXPECT_EQ(imageHeaderSize(webpExtended(16777216, 3)), sz(16777216, 3));
    EXPECT_EQ(imageHeaderSize(webpLossy(0, 10)), std::nullopt);
    std::string interFrame = webpLossy(10, 10);
    interFrame[20] = '\x51';  // not a key frame
    EXPECT_EQ(imageHeaderSize(interFrame), std::nullopt);
    std::string badStart = webpLossy(10, 10);
    badStart[23] = 'x';
    EXPECT_EQ(imageHeaderSize(badStart), std::nullopt);
    std::string badSignature = webpLossless(10, 10);
    badSignature[20] = 'x';
    EXPECT_EQ(imageHeaderSize(badSignature), std::nullopt);
    EXPECT_EQ(imageHeaderSize(riff("ALPH" + le32(4) + "abcd")), std::nullopt);
    expectPrefixesRefused(webpLossy(10, 10), 30);
    expectPrefixesRefused(webpLossless(10, 10), 25);
    expectPrefixesRefused(webpExtended(10, 10), 30);
}

TEST(ImageHeader, GarbageNeverReadsPastTheEnd) {
    EXPECT_EQ(imageHeaderSize(""), std::nullopt);
    EXPECT_EQ(imageHeaderSize("not an image at all"), std::nullopt);
    EXPECT_EQ(imageHeaderSize(std::string(1000, '\xFF')), std::nullopt);
    // Random bytes behind each signature: any answer is fine, reading out of bounds is not
    // (ASan runs of the unit tests check that).
    std::mt19937 rng(1234);
    const std::string sigs[] = {std::string("\x89PNG\r\n\x1A\n", 8), std::string("\xFF\xD8", 2), "GIF89a",
                                std::string("RIFF\0\0\0\0WEBP", 12)};
    for (int i = 0; i < 4000; ++i) {
        std::string s = sigs[i % 4];
        const size_t n = rng() % 64;
        for (size_t k = 0; k < n; ++k) s.push_back(static_cast<char>(rng() % 4 == 0 ? 0xFF : rng()));
        auto r = imageHeaderSize(s);
        if (r) {
            EXPECT_TRUE(r->width > 0 && r->height > 0);
        }
    }
}

TEST(ImageHeader, ThumbSourceSizeAppliesTheDecodeCap) {
    EXPECT_EQ(pb::files::thumbSourceSize(png(7000, 8000)), sz(7000, 8000));  // 56 MP
    EXPECT_EQ(pb::files::thumbSourceSize(png(8000, 8000)), std::nullopt);     // 64 MP
    EXPECT_EQ(pb::files::thumbSourceSize(png(16000, 16000)), std::nullopt);
    EXPECT_EQ(pb::files::thumbSourceSize(webpExtended(16777216, 16777216)), std::nullopt);
    EXPECT_EQ(pb::files::thumbSourceSize("garbage"), std::nullopt);
    // makeThumb refuses before decoding: a header-only PNG declaring a bomb is not an image
    // libgd ever sees (it would fail on the missing data anyway; the API test checks the cost).
    EXPECT_EQ(pb::files::makeThumb(png(16000, 16000), "image/png", {100, 100, 0}), std::nullopt);
}
