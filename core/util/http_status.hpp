#pragma once
// Reason phrases of HTTP status codes ("Not Found"), shared by the HTTP adapter's status line and
// PocketBase's default error messages ("Not Found."). "Unknown" for codes not listed.
#include <string>

namespace pb {

std::string statusText(int status);

}  // namespace pb
