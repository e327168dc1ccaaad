#pragma once
// Content type detection from the bytes (never from the client): a magic-number table in the
// spirit of Go's http.DetectContentType / gabriel-vasile/mimetype for the formats that matter
// for uploads, then text vs binary. Unknown binary is application/octet-stream.
#include <string>
#include <string_view>

namespace pb::files {

// e.g. "image/png", "text/plain; charset=utf-8", "application/octet-stream".
std::string detectMime(std::string_view data);
// The media type without parameters, lower-cased ("text/plain").
std::string baseMime(std::string_view mime);
// Extension (with the dot) for a detected type, "" when unknown.
std::string extensionFor(std::string_view mime);
// Whether the mime type is served inline (images, video, audio, pdf; never svg/html).
bool isInlineMime(std::string_view mime);

}  // namespace pb::files
