#pragma once
// multipart/form-data (RFC 7578 / RFC 2046) over a fully buffered body, plus the
// Content-Type / Content-Disposition parameter parser it needs (Go's mime.ParseMediaType
// rules, including RFC 2231 extended and continued parameters).
//
// Behaviour follows Go's mime/multipart as used by PocketBase's request binding:
//  - anything before the first "--boundary" line is preamble and ignored; after the close
//    delimiter "--boundary--" only transport padding and a line break may follow;
//  - inside a part, "\r\n--boundary" is a delimiter only when followed by "--" or by optional
//    spaces/tabs and a line break; e.g. "\r\n--boundaryX" is ordinary data;
//  - if the first boundary line ends with a bare "\n", LF-only line breaks are used for the
//    whole body (as Go does); header lines may end in "\r\n" or "\n";
//  - parts without "Content-Disposition: form-data; name=..." (or whose disposition does not
//    parse) are skipped, like Go's Reader.ReadForm; they still count against maxParts;
//  - filename: RFC 2231 "filename*" wins over "filename"; directory components are removed
//    like Go's filepath.Base; an empty filename means "not a file" (Go does the same).
//    The result is still untrusted (may be "..", "/" or contain any byte);
//  - Content-Transfer-Encoding is ignored (RFC 7578 deprecates it; no client sends it).
// Malformed input (no opening or closing delimiter, truncated body, header line without a
// colon, unterminated headers, limits exceeded) returns std::nullopt; nothing throws.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pb::multipart {

struct Part {
    std::string name;                     // the form field name
    std::optional<std::string> filename;  // set only for file parts (non-empty)
    std::string contentType;              // the part's Content-Type header, "" when absent
    std::string data;                     // raw bytes of the body
};

struct Limits {
    size_t maxParts = 1000;             // parts in the body, skipped ones included
    size_t maxHeaderLineBytes = 8192;   // one header line of a part (a folded line counts whole)
    size_t maxHeadersPerPart = 32;
};

std::optional<std::vector<Part>> parseMultipart(std::string_view body, std::string_view boundary,
                                                const Limits& limits = {});

// The boundary of a "multipart/form-data; boundary=..." Content-Type value (quoted or not).
// nullopt when the media type is not multipart/form-data, or the boundary is missing,
// empty, longer than 70 characters or contains CR/LF.
std::optional<std::string> boundaryFromContentType(std::string_view contentType);

// A parsed "type/subtype; key=value; ..." (or "form-data; name=...") header value.
struct MediaType {
    std::string type;                                         // lowercased
    std::vector<std::pair<std::string, std::string>> params;  // keys lowercased, values decoded
    const std::string* param(std::string_view key) const;     // key must be lowercase
};

// Go's mime.ParseMediaType: values may be tokens or quoted strings (backslash escapes only
// special characters, so "C:\dir\f.txt" keeps its backslashes); duplicate parameters fail;
// "key*=utf-8''%e2%82%ac" and "key*0=..; key*1*=.." are decoded (utf-8 and us-ascii only,
// other charsets drop the parameter). Returns nullopt when the value is malformed.
std::optional<MediaType> parseMediaType(std::string_view value);

}  // namespace pb::multipart
