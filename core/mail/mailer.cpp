// Mailer thread and the log/file fallback.
#include "mail/mailer.hpp"

#include <filesystem>
#include <fstream>

#include "mail/mime.hpp"
#include "util/random.hpp"
#include "util/time.hpp"

namespace pb::mail {

namespace fs = std::filesystem;

Mailer::Mailer(MailerHost& host) : host_(host) { thread_ = std::thread([this] { run(); }); }

Mailer::~Mailer() { stop(); }

void Mailer::enqueue(std::function<void()> job) {
    {
        std::lock_guard lk(mu_);
        if (!stopping_) {
            jobs_.push_back(std::move(job));
            cv_.notify_one();
            return;
        }
    }
    try {
        job();
    } catch (const std::exception& ex) {
        host_.logError(std::string("mailer: ") + ex.what());
    }
}

void Mailer::sendAsync(Message m) {
    enqueue([this, m = std::move(m)]() mutable { send(std::move(m)); });
}

void Mailer::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& ex) {
            host_.logError(std::string("mailer: ") + ex.what());
        } catch (...) {
            host_.logError("mailer: unknown error");
        }
    }
}

void Mailer::stop() {
    {
        std::lock_guard lk(mu_);
        stopping_ = true;
        cv_.notify_all();
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

Address Mailer::defaultSender() const {
    auto meta = host_.mailSettings("meta");
    return Address{meta["senderName"].getString(), meta["senderAddress"].getString()};
}

void Mailer::send(Message m) {
    if (m.from.address.empty()) m.from = defaultSender();
    host_.aroundSend(std::move(m), [this](const Message& msg) { deliver(msg); });
}

void Mailer::deliver(const Message& m) {
    if (m.to.empty() && m.cc.empty() && m.bcc.empty()) throw std::runtime_error("the message has no recipients");
    std::string mime = buildMime(m);
    auto smtp = host_.mailSettings("smtp");
    if (smtp["enabled"].getBool()) {
        smtpSend(smtp, m, mime);
        return;
    }
    writeToDisk(m, mime);
}

void Mailer::writeToDisk(const Message& m, const std::string& mime) {
    fs::path dir = host_.mailDir();
    fs::create_directories(dir);
    std::string stamp = timeutil::formatMillis(timeutil::nowMillis());
    for (auto& c : stamp)
        if (c == ' ' || c == ':') c = c == ' ' ? 'T' : '-';
    std::string name = stamp + "_" + random::string(8, random::kAlphaNumLower) + ".eml";
    fs::path tmp = dir / ("." + name + ".tmp");
    {
        std::ofstream f(tmp, std::ios::binary);
        f << mime;
        if (!f) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, dir / name);  // atomic: readers never see a partial file
    std::string to;
    for (auto& a : m.to) to += (to.empty() ? "" : ", ") + a.address;
    host_.logInfo("mail (SMTP disabled) to " + to + " subject \"" + m.subject + "\" saved as " + (dir / name).string() +
                 "\n" + (m.text.empty() ? htmlToText(m.html) : m.text));
}

}  // namespace pb::mail
