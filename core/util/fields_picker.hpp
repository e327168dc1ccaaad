#pragma once
// The `fields` query parameter: keeps only the listed keys of a JSON response.
// Dot paths reach nested keys ("expand.author.name"), "*" means every key at that level and a
// ":excerpt(max,withEllipsis?)" modifier strips HTML and truncates a string value.
#include <string_view>

#include "util/json.hpp"

namespace pb {

// Applies `fields` to v (to each item of v["items"] when `listEnvelope`). Throws ApiError 400 on
// a malformed modifier.
void pickFields(json::Value& v, std::string_view fields, bool listEnvelope);
// Strips HTML tags and collapses whitespace, then cuts to max runes (adding "..." if asked).
std::string excerpt(std::string_view html, size_t max, bool withEllipsis);

}  // namespace pb
