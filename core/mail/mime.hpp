#pragma once
// MIME building (multipart/alternative, quoted-printable) and template placeholder rendering.
#include <map>
#include <string>

#include "mail/message.hpp"

namespace pb::mail {

// "Name <addr>" with the name RFC 2047-encoded when it is not plain ASCII.
std::string formatAddress(const Address& a);
// Quoted-printable (RFC 2045) with CRLF line ends and soft breaks at 76 chars.
std::string quotedPrintable(const std::string& s);
std::string decodeQuotedPrintable(const std::string& s);
// A readable plain-text version of an HTML body (tags stripped, links kept as "label (url)").
std::string htmlToText(const std::string& html);
// The full RFC 5322 message (headers + body), CRLF line ends. Bcc is not included.
std::string buildMime(const Message& m);
// Replaces each placeholder key (e.g. "{APP_NAME}") by its value; values are HTML-escaped when
// `escapeHtml` (mail bodies) and kept as is otherwise (subjects).
std::string renderTemplate(std::string tpl, const std::map<std::string, std::string>& values, bool escapeHtml);
std::string htmlEscape(const std::string& s);

}  // namespace pb::mail
