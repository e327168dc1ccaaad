#include "files/thumbs.hpp"

#include <gd.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "files/mime.hpp"

namespace pb::files {

namespace {

constexpr int kMaxThumbSide = 8192;
constexpr long long kMaxSourcePixels = 60LL * 1000 * 1000;

struct ImageDeleter {
    void operator()(gdImage* im) const {
        if (im) gdImageDestroy(im);
    }
};
using ImagePtr = std::unique_ptr<gdImage, ImageDeleter>;

ImagePtr decode(std::string_view data, const std::string& mime) {
    if (data.size() > static_cast<size_t>(INT32_MAX)) return nullptr;
    int size = static_cast<int>(data.size());
    void* p = const_cast<char*>(data.data());
    gdImage* im = nullptr;
    if (mime == "image/png") im = gdImageCreateFromPngPtr(size, p);
    else if (mime == "image/jpeg") im = gdImageCreateFromJpegPtr(size, p);
    else if (mime == "image/gif") im = gdImageCreateFromGifPtr(size, p);
    else if (mime == "image/webp") im = gdImageCreateFromWebpPtr(size, p);
    return ImagePtr(im);
}

std::optional<std::string> encode(gdImage* im, const std::string& mime) {
    int size = 0;
    void* out = nullptr;
    if (mime == "image/png") out = gdImagePngPtr(im, &size);
    else if (mime == "image/jpeg") out = gdImageJpegPtr(im, &size, 85);
    else if (mime == "image/gif") out = gdImageGifPtr(im, &size);
    else if (mime == "image/webp") out = gdImageWebpPtrEx(im, &size, 85);
    if (!out || size <= 0) {
        if (out) gdFree(out);
        return std::nullopt;
    }
    std::string s(static_cast<const char*>(out), static_cast<size_t>(size));
    gdFree(out);
    return s;
}

}  // namespace

std::optional<ThumbSpec> parseThumb(std::string_view s) {
    ThumbSpec t;
    auto x = s.find('x');
    if (x == std::string_view::npos || x == 0 || x > 5) return std::nullopt;
    auto digits = [](std::string_view d, int& out) {
        if (d.empty() || d.size() > 5) return false;
        out = 0;
        for (char c : d) {
            if (c < '0' || c > '9') return false;
            out = out * 10 + (c - '0');
        }
        return true;
    };
    if (!digits(s.substr(0, x), t.width)) return std::nullopt;
    auto rest = s.substr(x + 1);
    if (!rest.empty() && (rest.back() == 't' || rest.back() == 'b' || rest.back() == 'f')) {
        t.mode = rest.back();
        rest.remove_suffix(1);
    }
    if (!digits(rest, t.height)) return std::nullopt;
    if ((t.width == 0 && t.height == 0) || t.width > kMaxThumbSide || t.height > kMaxThumbSide) return std::nullopt;
    if (t.mode && (t.width == 0 || t.height == 0)) return std::nullopt;
    return t;
}

std::optional<ImageSize> thumbSourceSize(std::string_view data) {
    auto size = imageHeaderSize(data);
    if (!size || static_cast<long long>(size->width) * size->height > kMaxSourcePixels) return std::nullopt;
    return size;
}

bool thumbSupported(std::string_view mime) {
    auto b = baseMime(mime);
    return b == "image/png" || b == "image/jpeg" || b == "image/gif" || b == "image/webp";
}

std::optional<std::string> makeThumb(std::string_view data, std::string_view mimeIn, const ThumbSpec& spec) {
    const std::string mime = baseMime(mimeIn);
    // The header check runs before libgd allocates anything for the bitmap.
    if (!thumbSourceSize(data)) return std::nullopt;
    auto src = decode(data, mime);
    if (!src) return std::nullopt;
    const int sw = gdImageSX(src.get()), sh = gdImageSY(src.get());
    // Decoders may disagree with the header (e.g. a GIF frame); the cap holds either way.
    if (sw <= 0 || sh <= 0 || static_cast<long long>(sw) * sh > kMaxSourcePixels) return std::nullopt;
    int dw = spec.width, dh = spec.height;
    int sx = 0, sy = 0, cw = sw, ch = sh;  // source rectangle
    if (dw == 0) dw = std::max(1, static_cast<int>(std::lround(static_cast<double>(sw) * dh / sh)));
    else if (dh == 0) dh = std::max(1, static_cast<int>(std::lround(static_cast<double>(sh) * dw / sw)));
    else if (spec.mode == 'f') {
        if (sw <= dw && sh <= dh) {
            dw = sw;
            dh = sh;
        } else {
            double scale = std::min(static_cast<double>(dw) / sw, static_cast<double>(dh) / sh);
            dw = std::max(1, static_cast<int>(std::lround(sw * scale)));
            dh = std::max(1, static_cast<int>(std::lround(sh * scale)));
        }
    } else {
        // Fill: crop the source to the target aspect ratio, then resample.
        double target = static_cast<double>(dw) / dh;
        if (static_cast<double>(sw) / sh > target) {
            cw = std::max(1, static_cast<int>(std::lround(sh * target)));
            sx = (sw - cw) / 2;
        } else {
            ch = std::max(1, static_cast<int>(std::lround(sw / target)));
            sy = spec.mode == 't' ? 0 : spec.mode == 'b' ? sh - ch : (sh - ch) / 2;
        }
    }
    ImagePtr dst(gdImageCreateTrueColor(dw, dh));
    if (!dst) return std::nullopt;
    gdImageAlphaBlending(dst.get(), 0);
    gdImageSaveAlpha(dst.get(), 1);
    gdImageFilledRectangle(dst.get(), 0, 0, dw - 1, dh - 1, gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent));
    gdImageCopyResampled(dst.get(), src.get(), 0, 0, sx, sy, dw, dh, cw, ch);
    return encode(dst.get(), mime);
}

}  // namespace pb::files
