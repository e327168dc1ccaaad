// SMTP delivery through libcurl (smtp:// with opportunistic STARTTLS, or smtps:// when tls=true).
#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include "mail/mailer.hpp"
#include "util/strings.hpp"

namespace pb::mail {

namespace {

struct Upload {
    const std::string* data;
    size_t pos = 0;
};

size_t readCb(char* buf, size_t size, size_t n, void* user) {
    auto* u = static_cast<Upload*>(user);
    size_t room = size * n, left = u->data->size() - u->pos;
    size_t k = left < room ? left : room;
    std::memcpy(buf, u->data->data() + u->pos, k);
    u->pos += k;
    return k;
}

struct Easy {
    CURL* h = curl_easy_init();
    curl_slist* rcpt = nullptr;
    ~Easy() {
        if (rcpt) curl_slist_free_all(rcpt);
        if (h) curl_easy_cleanup(h);
    }
};

}  // namespace

void smtpSend(const json::Value& smtp, const Message& m, const std::string& mime) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::string host = smtp["host"].getString();
    int port = static_cast<int>(smtp["port"].getNumber(587));
    if (host.empty()) throw std::runtime_error("smtp: missing host");
    bool tls = smtp["tls"].getBool();
    std::string url = std::string(tls ? "smtps://" : "smtp://") + host + ":" + std::to_string(port);
    // libcurl sends the URL path as the EHLO/HELO name.
    std::string localName = smtp["localName"].getString();
    url += "/" + (localName.empty() ? std::string("localhost") : localName);

    Easy e;
    if (!e.h) throw std::runtime_error("smtp: curl_easy_init failed");
    curl_easy_setopt(e.h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e.h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e.h, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(e.h, CURLOPT_TIMEOUT, 60L);
    if (!tls) curl_easy_setopt(e.h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    std::string user = smtp["username"].getString(), pass = smtp["password"].getString();
    if (!user.empty()) {
        curl_easy_setopt(e.h, CURLOPT_USERNAME, user.c_str());
        curl_easy_setopt(e.h, CURLOPT_PASSWORD, pass.c_str());
    }
    std::string method = str::upper(smtp["authMethod"].getString());
    std::string loginOpts = "AUTH=" + method;
    if (!user.empty() && (method == "PLAIN" || method == "LOGIN" || method == "CRAM-MD5"))
        curl_easy_setopt(e.h, CURLOPT_LOGIN_OPTIONS, loginOpts.c_str());
    std::string from = "<" + m.from.address + ">";
    curl_easy_setopt(e.h, CURLOPT_MAIL_FROM, from.c_str());
    for (auto* list : {&m.to, &m.cc, &m.bcc})
        for (auto& a : *list) e.rcpt = curl_slist_append(e.rcpt, ("<" + a.address + ">").c_str());
    curl_easy_setopt(e.h, CURLOPT_MAIL_RCPT, e.rcpt);
    Upload up{&mime};
    curl_easy_setopt(e.h, CURLOPT_READFUNCTION, readCb);
    curl_easy_setopt(e.h, CURLOPT_READDATA, &up);
    curl_easy_setopt(e.h, CURLOPT_UPLOAD, 1L);
    char err[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(e.h, CURLOPT_ERRORBUFFER, err);
    CURLcode rc = curl_easy_perform(e.h);
    if (rc != CURLE_OK)
        throw std::runtime_error(std::string("smtp: ") + (err[0] ? err : curl_easy_strerror(rc)));
}

}  // namespace pb::mail
