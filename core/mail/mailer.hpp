#pragma once
// The mailer: one background thread delivers queued messages, so request handlers never wait for
// SMTP. Delivery = the owner's send hook (the App's onMailerSend), then SMTP (settings.smtp.enabled,
// via libcurl) or, when SMTP is off, a log line plus DATA_DIR/mail/<timestamp>_<rand>.eml.
// It knows its owner only through MailerHost (the App implements it in app/app_mail.cpp).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "mail/message.hpp"
#include "util/json.hpp"

namespace pb::mail {

// What the mailer needs from the application that owns it.
class MailerHost {
public:
    virtual ~MailerHost() = default;
    // A settings section as JSON: "meta" (senderName, senderAddress) and "smtp".
    virtual json::Value mailSettings(const std::string& section) const = 0;
    // Where messages go when SMTP is off (DATA_DIR/mail).
    virtual std::string mailDir() const = 0;
    // Runs the send hook around `deliver` (which may be skipped by a handler).
    virtual void aroundSend(Message m, const std::function<void(const Message&)>& deliver) = 0;
    virtual void logInfo(const std::string& msg) = 0;
    virtual void logError(const std::string& msg) = 0;
};

class Mailer {
public:
    explicit Mailer(MailerHost& host);
    ~Mailer();
    Mailer(const Mailer&) = delete;
    Mailer& operator=(const Mailer&) = delete;

    // Queues a job for the mailer thread (errors are logged). Never blocks on delivery.
    void enqueue(std::function<void()> job);
    // Queues a message: onMailerSend + delivery on the mailer thread.
    void sendAsync(Message m);
    // Fires the send hook and delivers in the calling thread. Throws std::runtime_error on failure.
    void send(Message m);
    // Runs the queued jobs, then joins the thread. Later enqueues run inline.
    void stop();

    // The default sender from settings.meta.
    Address defaultSender() const;

private:
    void run();
    void deliver(const Message& m);
    void writeToDisk(const Message& m, const std::string& mime);

    MailerHost& host_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

// Sends a raw RFC 5322 message over SMTP per the settings.smtp JSON. Throws on failure.
void smtpSend(const json::Value& smtp, const Message& m, const std::string& mime);

}  // namespace pb::mail
