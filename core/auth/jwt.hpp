#pragma once
// HS256 JSON Web Tokens (RFC 7519) on raw OpenSSL, compatible with PocketBase's tokens
// (golang-jwt v5 with WithValidMethods({"HS256"}) and WithExpirationRequired()).
//
// Token layout: base64url(header) "." base64url(claims) "." base64url(HMAC-SHA256), no padding.
// The header is always {"alg":"HS256","typ":"JWT"}.
//
// The claims are written like Go's json.Marshal of a map: object keys sorted (recursively),
// '<', '>', '&' escaped. In addition every byte that could make the base64url payload contain
// '-' or '_' ('?', '~', DEL and all non-ASCII text) is written as a \uXXXX escape, so the
// payload segment only uses the alphabet shared with standard base64. The JS SDK decodes the
// payload with atob(), which rejects '-' and '_' (the JS SDK's getTokenPayload, src/tools/jwt.ts); with this encoding
// it can decode any token we sign.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/json.hpp"

namespace pb::auth {

// Signs `claims` (must be a JSON object) with HS256 under `secret`.
// Throws std::invalid_argument when claims is not an object or secret is empty.
std::string signJwt(const json::Value& claims, std::string_view secret);

// Decodes the claims WITHOUT checking the signature or expiry (PocketBase reads the claims
// first to find the record, whose tokenKey is part of the secret). Requires three segments,
// valid base64url, a JSON-object header and JSON-object claims. Never trust the result alone.
std::optional<json::Value> parseUnverified(std::string_view token);

// Full verification; returns the claims only when all of these hold:
//  - exactly three '.'-separated segments, each valid unpadded base64url;
//  - the header is a JSON object whose "alg" is exactly "HS256" (none/HS512/RS256/... fail);
//  - the signature is the HMAC-SHA256 of "<header>.<payload>" under `secret` (constant-time
//    comparison); an empty secret never verifies;
//  - the claims are a JSON object with a numeric "exp" (unix seconds) and nowSeconds < exp;
//  - if "nbf" is present it is numeric and nowSeconds >= nbf.
std::optional<json::Value> verifyJwt(std::string_view token, std::string_view secret,
                                     int64_t nowSeconds);

}  // namespace pb::auth
