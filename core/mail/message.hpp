#pragma once
// An email message as the mailer and the onMailerSend hook see it.
#include <map>
#include <string>
#include <vector>

namespace pb::mail {

struct Address {
    std::string name;
    std::string address;
};

struct Message {
    Address from;
    std::vector<Address> to, cc, bcc;
    std::string subject;
    std::string html;
    std::string text;                            // empty = derived from html
    std::map<std::string, std::string> headers;  // extra headers (e.g. Reply-To)
};

}  // namespace pb::mail
