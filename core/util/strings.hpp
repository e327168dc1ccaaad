#pragma once
// Generic string helpers (no domain knowledge).
#include <string>
#include <string_view>
#include <vector>

namespace pb::str {

std::string lower(std::string_view s);
std::string upper(std::string_view s);
std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool startsWith(std::string_view s, std::string_view prefix);
bool endsWith(std::string_view s, std::string_view suffix);
bool istartsWith(std::string_view s, std::string_view prefix);
std::vector<std::string> split(std::string_view s, char sep);
// Splits on commas and trims each part, dropping empty parts.
std::vector<std::string> splitList(std::string_view s);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string replaceAll(std::string s, std::string_view from, std::string_view to);

// Percent-decoding. `plusAsSpace` is for application/x-www-form-urlencoded and query strings.
// Invalid escapes are kept literally.
std::string urlDecode(std::string_view s, bool plusAsSpace = true);
std::string urlEncode(std::string_view s);
// Parses "a=1&b=2" into ordered pairs (decoded).
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view q);

// "X-Token" -> "x_token" (PocketBase's header key normalisation in @request.headers).
std::string headerToSnake(std::string_view s);
// Go's inflector.Snakecase: "Hello World.png" -> "hello_world_png"-like behaviour.
std::string snakeCase(std::string_view s);

// True when s is valid UTF-8.
bool validUtf8(std::string_view s);
// Number of UTF-8 code points (runes).
size_t runeCount(std::string_view s);

}  // namespace pb::str
