#pragma once
// Realtime (SSE) clients and their broker (PocketBase tools/subscriptions).
//
// A Client is one open GET /api/realtime stream: a 40-char random id, the connecting IP, the auth
// record bound by POST /api/realtime, and its subscriptions (each parsed for `?options=`).
// Clients own no thread: a frame is one chunk written through the transport's thread-safe
// StreamWriter. The Broker keeps the clients by id and runs one sweeper thread that removes
// disconnected clients and closes streams past their idle (no message sent) or max timeout.
// Every frame goes through the owner's message hook (BrokerHost::aroundMessage: the App's
// onRealtimeMessageSend, app/app_realtime.cpp; see Broker::sendTo). The broker knows neither the
// App nor the HTTP transport: a stream is anything implementing realtime::Stream.
//
// Resource caps (docs/realtime.md): a client whose unsent backlog (frames queued for a peer that
// does not read) would pass maxBacklogBytes is closed, and at most maxClientsPerOrigin streams
// may be open per client address.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "records/record.hpp"
#include "util/json.hpp"
#include "util/serial_executor.hpp"

namespace pb::realtime {

// The client's end of a transport stream (the HTTP adapter's chunked response; api/realtime.cpp
// adapts it). Thread-safe; write() returns false once the peer is gone.
class Stream {
public:
    virtual ~Stream() = default;
    virtual bool write(std::string_view data) = 0;
    virtual bool isOpen() const = 0;
    virtual void close() = 0;
    virtual size_t pendingBytes() const { return 0; }  // queued, not yet on the socket
};

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// The `?options=<urlencoded {"query":{...},"headers":{...}}>` part of a subscription. Values are
// strings; header keys are snake_case (X-Token -> x_token). Malformed options are ignored.
struct SubscriptionOptions {
    json::Value query = json::Value::object();
    json::Value headers = json::Value::object();
};
SubscriptionOptions parseSubscriptionOptions(std::string_view subscription);

// Whether `subscription` is `key` itself or `key` followed by "?options..." (PocketBase's
// `HasPrefix(sub+"?", key+"?")`).
bool subscriptionMatches(std::string_view subscription, std::string_view key);

class Client {
public:
    // `origin` is the address counted against the per-address stream cap (the real client IP
    // behind trusted proxies); empty means `ip`.
    Client(std::string id, std::string ip, std::string origin = "");

    const std::string& id() const { return id_; }
    const std::string& ip() const { return ip_; }
    const std::string& origin() const { return origin_; }

    records::RecordPtr auth() const;
    void setAuth(records::RecordPtr auth);

    // Adds subscriptions (empty strings are skipped); unsubscribe() with no topics removes all.
    void subscribe(const std::vector<std::string>& subs);
    void unsubscribe(const std::vector<std::string>& subs = {});
    bool hasSubscription(const std::string& sub) const;
    std::vector<std::string> subscriptionNames() const;
    // Subscriptions matching `key` (see subscriptionMatches), with their options.
    std::vector<std::pair<std::string, SubscriptionOptions>> subscriptionsFor(std::string_view key) const;
    bool hasAnySubscription() const;

    Millis idleTimeout() const { return Millis(idleMs_.load()); }
    Millis maxTimeout() const { return Millis(maxMs_.load()); }
    void setTimeouts(Millis idle, Millis max);
    // 0 = unlimited.
    void setMaxBacklogBytes(size_t n) { maxBacklog_ = n; }

    // Writes one `id:<clientId>\nevent:<name>\ndata:<data>\n\n` frame (no hook). Restarts the idle
    // timer. False when the stream is gone or not attached yet, or when the frame would take the
    // stream's unsent backlog past the cap (a frame is always accepted onto an empty backlog).
    bool writeFrame(std::string_view name, std::string_view data);
    bool isOpen() const;
    void close();  // ends the stream (terminating chunk + socket shutdown); idempotent

    Clock::time_point connectedAt() const { return connectedAt_; }
    Clock::time_point lastMessageAt() const;

    // Internal: the broker attaches the transport stream when the response head has been sent.
    void attach(std::shared_ptr<Stream> writer);

private:
    const std::string id_, ip_, origin_;
    mutable std::mutex mu_;
    records::RecordPtr auth_;
    std::map<std::string, SubscriptionOptions> subs_;
    std::shared_ptr<Stream> writer_;
    std::mutex writeMu_;  // keeps frames of one client in order
    Clock::time_point connectedAt_;
    std::atomic<Clock::rep> lastMessage_;
    std::atomic<long long> idleMs_{5 * 60 * 1000}, maxMs_{30 * 60 * 1000};
    std::atomic<size_t> maxBacklog_{0};
    std::atomic<bool> closed_{false};
};

using ClientPtr = std::shared_ptr<Client>;

// What the broker needs from the application that owns it.
class BrokerHost {
public:
    virtual ~BrokerHost() = default;
    using Write = std::function<void(const ClientPtr& to, const std::string& name, const std::string& data)>;
    // Runs the message hook around `write` (a handler may skip it or change the client, name or
    // data). Throws what a handler throws.
    virtual void aroundMessage(const ClientPtr& client, std::string name, std::string data, const Write& write) = 0;
    virtual void logError(const std::string& msg) = 0;
};

class Broker {
public:
    static constexpr size_t kDefaultMaxBacklogBytes = 4 * 1024 * 1024;
    static constexpr size_t kDefaultMaxClientsPerOrigin = 64;

    // Defaults: idle 5 min, max 30 min, sweep every 500 ms, backlog cap 4 MiB, 64 streams per
    // address. The environment variables PB_REALTIME_IDLE_TIMEOUT_MS, PB_REALTIME_MAX_TIMEOUT_MS,
    // PB_REALTIME_SWEEP_MS, PB_REALTIME_MAX_BACKLOG_BYTES and PB_REALTIME_MAX_CLIENTS_PER_IP
    // override them (the last two accept 0 = unlimited).
    explicit Broker(BrokerHost& host);
    ~Broker();
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    // A new, not yet registered client with a fresh 40-char id.
    ClientPtr newClient(std::string ip, std::string origin = "") const;
    // Whether another stream from `origin` is within the per-address cap (checked before the
    // stream starts, so the refusal can still be an HTTP error).
    bool hasRoomFor(const std::string& origin) const;
    // Registers the client unless its origin is at the cap (concurrent connects that all passed
    // hasRoomFor); a refused client is closed. True when registered.
    bool registerClient(const ClientPtr& c);
    // Closes the stream and forgets the client.
    void unregisterClient(const std::string& id);

    ClientPtr client(const std::string& id) const;
    std::vector<ClientPtr> clients() const;
    size_t size() const;

    size_t maxClientsPerOrigin() const { return maxPerOrigin_; }
    size_t maxBacklogBytes() const { return maxBacklog_; }

    Millis defaultIdleTimeout() const { return Millis(idleMs_.load()); }
    Millis defaultMaxTimeout() const { return Millis(maxMs_.load()); }
    void setDefaultTimeouts(Millis idle, Millis max);

    // Sends one message through onRealtimeMessageSend (whose default action writes the frame).
    // A hook may change name/data or skip the frame by not calling next(). An exception from a
    // hook, or a dead stream, closes and removes the client. True when the frame was written.
    bool sendTo(const ClientPtr& c, std::string name, std::string data);

    // Custom topic: every client subscribed to `topic` (exactly, or with ?options) receives `data`
    // under its own subscription string. Returns the number of frames sent. sendRaw takes JSON
    // text as is (multi-line text is framed as several data: lines).
    size_t send(std::string_view topic, const json::Value& data) { return sendRaw(topic, data.dump()); }
    size_t sendRaw(std::string_view topic, std::string_view jsonText);

    // Runs `job` on the broker's event thread, after every job posted before it (record events
    // are prepared and sent there, in commit order, off the request thread).
    void post(std::function<void()> job);
    // Waits until the jobs posted so far have run (tests, shutdown).
    void drainEvents();

    // One sweep: drops disconnected clients, closes those past their timeouts. Returns the number
    // removed. Runs periodically on the sweeper thread.
    size_t sweep();
    // Closes every stream and stops the sweeper (App::stop). Idempotent.
    void shutdown();

private:
    void sweeperLoop();
    // Removes the client at `it` from clients_ and perOrigin_ (mu_ held).
    ClientPtr eraseLocked(std::unordered_map<std::string, ClientPtr>::iterator it);

    BrokerHost& host_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, ClientPtr> clients_;
    std::unordered_map<std::string, size_t> perOrigin_;  // registered clients per origin
    size_t maxBacklog_ = kDefaultMaxBacklogBytes, maxPerOrigin_ = kDefaultMaxClientsPerOrigin;
    std::atomic<long long> idleMs_{5 * 60 * 1000}, maxMs_{30 * 60 * 1000};
    long long sweepMs_ = 500;
    std::mutex stopMu_;
    std::condition_variable stopCv_;
    bool stopping_ = false;
    std::thread sweeper_;
    SerialExecutor events_;  // last member: stopped (queue run) first in shutdown()
};

}  // namespace pb::realtime
