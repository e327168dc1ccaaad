#pragma once
// Reads the mails a test server wrote to DATA_DIR/mail/*.eml (SMTP disabled) and extracts tokens
// and OTP codes. Polls generously: mails are delivered by the server's mailer thread.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mail/mime.hpp"

namespace pbtest {

struct Mail {
    std::string file, to, subject, body;  // body: headers stripped, quoted-printable decoded
};

inline Mail parseMail(const std::string& raw, const std::string& file = "") {
    Mail m;
    m.file = file;
    auto end = raw.find("\r\n\r\n");
    std::string head = raw.substr(0, end);
    m.body = pb::mail::decodeQuotedPrintable(end == std::string::npos ? "" : raw.substr(end + 4));
    std::istringstream in(head);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("To: ", 0) == 0) m.to = line.substr(4);
        if (line.rfind("Subject: ", 0) == 0) m.subject = line.substr(9);
    }
    return m;
}

// Mail files, oldest first; `seen` keeps each file from being returned twice.
class MailBox {
public:
    explicit MailBox(std::string dataDir) : dir_(std::move(dataDir) + "/mail") {}

    std::vector<Mail> all() const {
        std::vector<Mail> out;
        std::error_code ec;
        if (!std::filesystem::exists(dir_, ec)) return out;
        std::vector<std::string> files;
        for (auto& e : std::filesystem::directory_iterator(dir_, ec))
            if (e.path().extension() == ".eml") files.push_back(e.path().string());
        std::sort(files.begin(), files.end());
        for (auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            out.push_back(parseMail(ss.str(), f));
        }
        return out;
    }

    // Number of not-yet-consumed mails to `to`.
    size_t countNew(const std::string& to) const {
        size_t n = 0;
        for (auto& m : all())
            if (!seen_.count(m.file) && m.to.find(to) != std::string::npos) ++n;
        return n;
    }

    // Waits (up to `timeout`) for a new mail to `to`; returns an empty Mail on timeout.
    Mail waitFor(const std::string& to, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            for (auto& m : all()) {
                if (seen_.count(m.file) || m.to.find("<" + to + ">") == std::string::npos) continue;
                seen_.insert(m.file);
                return m;
            }
            if (std::chrono::steady_clock::now() > deadline) return {};
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

    // Marks every current mail as seen.
    void skipAll() {
        for (auto& m : all()) seen_.insert(m.file);
    }

private:
    std::string dir_;
    std::set<std::string> seen_;
};

// The token of a "/confirm-<kind>/<TOKEN>" link in a mail body.
inline std::string tokenFrom(const Mail& m, const std::string& kind) {
    std::smatch sm;
    std::regex re("confirm-" + kind + "/([A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+\\.[A-Za-z0-9_\\-]+)");
    return std::regex_search(m.body, sm, re) ? sm[1].str() : "";
}

inline std::string otpFrom(const Mail& m) {
    std::smatch sm;
    return std::regex_search(m.body, sm, std::regex("<strong>([0-9]+)</strong>")) ? sm[1].str() : "";
}

}  // namespace pbtest
