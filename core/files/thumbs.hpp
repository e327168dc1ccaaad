#pragma once
// Thumbnails for /api/files ?thumb= (libgd): "WxH" centre crop, "WxHt" top crop, "WxHb" bottom
// crop, "WxHf" fit inside (no upscaling), "0xH" / "Wx0" resize keeping the aspect ratio.
#include <optional>
#include <string>
#include <string_view>

#include "files/image_header.hpp"

namespace pb::files {

struct ThumbSpec {
    int width = 0, height = 0;
    char mode = 0;  // 0 = centre crop, 't', 'b', 'f'
};

// Parses "WxH[t|b|f]"; nullopt for anything else (both 0, huge sizes, junk).
std::optional<ThumbSpec> parseThumb(std::string_view s);
// Whether thumbnails can be made for this (sniffed) mime type: png, jpeg, gif, webp.
bool thumbSupported(std::string_view mime);
// The size the source declares in its header, when a thumbnail may be made from it: a readable
// header and at most 60 megapixels. nullopt = refuse without decoding (decompression bombs).
std::optional<ImageSize> thumbSourceSize(std::string_view data);
// Encodes the thumbnail in the source format; nullopt when the source is refused by
// thumbSourceSize or cannot be decoded. Callers bound concurrency with ThumbGate (thumb_gate.hpp).
std::optional<std::string> makeThumb(std::string_view data, std::string_view mime, const ThumbSpec& spec);

}  // namespace pb::files
