#pragma once
// Regular expressions for everything that sees client data or admin-written patterns: RE2, the
// engine behind Go's regexp (PocketBase's syntax), linear in the input and without recursion, so
// a long value can neither stall nor overflow the stack. std::regex must not be used for these.
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

namespace pb::rx {

// Compiles a built-in pattern (a programming error aborts at start-up, not per request).
// Case-insensitive when `icase`. Meant for function-local statics.
std::unique_ptr<const re2::RE2> builtin(std::string_view pattern, bool icase = false);

// An admin-written pattern (text/password field `pattern`), compiled once and shared from a
// bounded cache; nullptr when it is not valid Go regexp syntax.
std::shared_ptr<const re2::RE2> compiled(const std::string& pattern);

// Go's regexp.Compile error for `pattern`, worded as PocketBase reports it ("Error parsing
// regexp: missing closing ): `(abc`."); empty when the pattern is valid.
std::string compileError(const std::string& pattern);

// Go's regexp.MatchString(pattern, s): true when `pattern` matches somewhere in `s`. An invalid
// pattern matches nothing (validation then fails; it never passes silently).
bool search(const std::string& pattern, std::string_view s);

}  // namespace pb::rx
