#pragma once
// The app's mailer: one background thread delivers queued messages, so request handlers never
// wait for SMTP. Delivery = onMailerSend hook, then SMTP (settings.smtp.enabled, via libcurl) or,
// when SMTP is off, a log line on stderr plus DATA_DIR/mail/<timestamp>_<rand>.eml.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "mail/message.hpp"
#include "util/json.hpp"

namespace pb {
class App;
}

namespace pb::mail {

class Mailer {
public:
    explicit Mailer(App& app);
    ~Mailer();
    Mailer(const Mailer&) = delete;
    Mailer& operator=(const Mailer&) = delete;

    // Queues a job for the mailer thread (errors are logged). Never blocks on delivery.
    void enqueue(std::function<void()> job);
    // Queues a message: onMailerSend + delivery on the mailer thread.
    void sendAsync(Message m);
    // Fires onMailerSend and delivers in the calling thread. Throws std::runtime_error on failure.
    void send(Message m);
    // Runs the queued jobs, then joins the thread. Later enqueues run inline.
    void stop();

    // The default sender from settings.meta.
    Address defaultSender() const;

private:
    void run();
    void deliver(const Message& m);
    void writeToDisk(const Message& m, const std::string& mime);

    App& app_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

// Sends a raw RFC 5322 message over SMTP per the settings.smtp JSON. Throws on failure.
void smtpSend(const json::Value& smtp, const Message& m, const std::string& mime);

// The mailer of an app (created on first use; stopped and dropped by stopMailer).
Mailer& mailer(App& app);
void stopMailer(App& app);

}  // namespace pb::mail
