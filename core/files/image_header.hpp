#pragma once
// Image dimensions read from the file header, without decoding: the guard that keeps a small file
// declaring a huge bitmap (a decompression bomb) away from the decoders (core/files/thumbs.cpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace pb::files {

struct ImageSize {
    uint32_t width = 0, height = 0;
    bool operator==(const ImageSize&) const = default;
};

// The size a PNG (IHDR), JPEG (first SOF marker), GIF (logical screen and first image
// descriptor, whichever is larger per side) or WebP (VP8, VP8L or VP8X canvas) declares; the
// format is recognised by its signature. nullopt for any other format, a truncated or malformed
// header, or a zero side. Reads at most the bytes it is given and never allocates.
std::optional<ImageSize> imageHeaderSize(std::string_view data);

}  // namespace pb::files
