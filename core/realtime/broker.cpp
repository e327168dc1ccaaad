#include "realtime/broker.hpp"

#include <cstdlib>

#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::realtime {

namespace {

// Go's cast.ToString for the option values PocketBase accepts.
std::string optionString(const json::Value& v) {
    if (v.isString()) return v.asString();
    if (v.isNumber()) return json::formatNumber(v.asNumber());
    if (v.isBool()) return v.asBool() ? "true" : "false";
    return "";
}

long long envMillis(const char* name, long long def) {
    const char* v = std::getenv(name);
    if (!v || !*v) return def;
    char* end = nullptr;
    long long n = std::strtoll(v, &end, 10);
    return (end && *end == '\0' && n > 0) ? n : def;
}

// A size/count setting where 0 means unlimited.
size_t envLimit(const char* name, size_t def) {
    const char* v = std::getenv(name);
    if (!v || !*v) return def;
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    return (end && *end == '\0' && v[0] != '-') ? static_cast<size_t>(n) : def;
}

}  // namespace

SubscriptionOptions parseSubscriptionOptions(std::string_view sub) {
    SubscriptionOptions o;
    auto q = sub.find('?');
    if (q == std::string_view::npos) return o;
    std::string raw;
    bool found = false;
    for (auto& [k, v] : str::parseQuery(sub.substr(q + 1))) {
        if (k == "options") {
            raw = v;
            found = true;
            break;
        }
    }
    if (!found || raw.empty()) return o;
    auto parsed = json::parse(raw, nullptr, 16);
    if (!parsed || !parsed->isObject()) return o;
    if (auto* query = parsed->find("query"); query && query->isObject())
        for (auto& [k, v] : query->asObject()) o.query.set(k, optionString(v));
    if (auto* headers = parsed->find("headers"); headers && headers->isObject())
        for (auto& [k, v] : headers->asObject()) o.headers.set(str::snakeCase(k), optionString(v));
    return o;
}

bool subscriptionMatches(std::string_view sub, std::string_view key) {
    if (sub.size() < key.size() || sub.substr(0, key.size()) != key) return false;
    return sub.size() == key.size() || sub[key.size()] == '?';
}

// ---- Client ----

Client::Client(std::string id, std::string ip, std::string origin)
    : id_(std::move(id)),
      ip_(std::move(ip)),
      origin_(origin.empty() ? ip_ : std::move(origin)),
      connectedAt_(Clock::now()), lastMessage_(Clock::now().time_since_epoch().count()) {}

records::RecordPtr Client::auth() const {
    std::lock_guard lk(mu_);
    return auth_;
}

void Client::setAuth(records::RecordPtr auth) {
    std::lock_guard lk(mu_);
    auth_ = std::move(auth);
}

void Client::subscribe(const std::vector<std::string>& subs) {
    std::vector<std::pair<std::string, SubscriptionOptions>> parsed;
    parsed.reserve(subs.size());
    for (auto& s : subs)
        if (!s.empty()) parsed.emplace_back(s, parseSubscriptionOptions(s));
    std::lock_guard lk(mu_);
    for (auto& [s, o] : parsed) subs_[s] = std::move(o);
}

void Client::unsubscribe(const std::vector<std::string>& subs) {
    std::lock_guard lk(mu_);
    if (subs.empty()) {
        subs_.clear();
        return;
    }
    for (auto& s : subs) subs_.erase(s);
}

bool Client::hasSubscription(const std::string& sub) const {
    std::lock_guard lk(mu_);
    return subs_.count(sub) > 0;
}

bool Client::hasAnySubscription() const {
    std::lock_guard lk(mu_);
    return !subs_.empty();
}

std::vector<std::string> Client::subscriptionNames() const {
    std::lock_guard lk(mu_);
    std::vector<std::string> out;
    out.reserve(subs_.size());
    for (auto& [k, v] : subs_) out.push_back(k);
    return out;
}

std::vector<std::pair<std::string, SubscriptionOptions>> Client::subscriptionsFor(std::string_view key) const {
    std::vector<std::pair<std::string, SubscriptionOptions>> out;
    std::lock_guard lk(mu_);
    // Keys sort before their "key?..." variants, so the matches are one contiguous range.
    for (auto it = subs_.lower_bound(std::string(key)); it != subs_.end(); ++it) {
        if (it->first.compare(0, key.size(), key) != 0) break;
        if (subscriptionMatches(it->first, key)) out.emplace_back(it->first, it->second);
    }
    return out;
}

void Client::setTimeouts(Millis idle, Millis max) {
    idleMs_ = idle.count();
    maxMs_ = max.count();
}

Clock::time_point Client::lastMessageAt() const { return Clock::time_point(Clock::duration(lastMessage_.load())); }

void Client::attach(std::shared_ptr<Stream> writer) {
    std::lock_guard lk(mu_);
    writer_ = std::move(writer);
}

bool Client::writeFrame(std::string_view name, std::string_view data) {
    std::shared_ptr<Stream> w;
    {
        std::lock_guard lk(mu_);
        w = writer_;
    }
    if (!w || closed_.load()) return false;
    std::string frame;
    frame.reserve(id_.size() + name.size() + data.size() + 24);
    frame.append("id:").append(id_).append("\nevent:").append(name).append("\n");
    // SSE: a data line ends at '\n'; multi-line data is split into several data: lines.
    size_t pos = 0;
    do {
        size_t nl = data.find('\n', pos);
        frame.append("data:").append(data.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
        frame.push_back('\n');
        pos = nl == std::string_view::npos ? data.size() + 1 : nl + 1;
    } while (pos <= data.size());
    frame.push_back('\n');
    std::lock_guard wl(writeMu_);
    const size_t cap = maxBacklog_.load(), pending = w->pendingBytes();
    if (cap > 0 && pending > 0 && pending + frame.size() > cap) return false;
    if (!w->write(frame)) return false;
    lastMessage_ = Clock::now().time_since_epoch().count();
    return true;
}

bool Client::isOpen() const {
    if (closed_.load()) return false;
    std::lock_guard lk(mu_);
    return writer_ && writer_->isOpen();
}

void Client::close() {
    if (closed_.exchange(true)) return;
    std::shared_ptr<Stream> w;
    {
        std::lock_guard lk(mu_);
        w = std::move(writer_);
    }
    if (w) w->close();
}

// ---- Broker ----

Broker::Broker(BrokerHost& host) : host_(host) {
    idleMs_ = envMillis("PB_REALTIME_IDLE_TIMEOUT_MS", idleMs_.load());
    maxMs_ = envMillis("PB_REALTIME_MAX_TIMEOUT_MS", maxMs_.load());
    sweepMs_ = envMillis("PB_REALTIME_SWEEP_MS", sweepMs_);
    maxBacklog_ = envLimit("PB_REALTIME_MAX_BACKLOG_BYTES", maxBacklog_);
    maxPerOrigin_ = envLimit("PB_REALTIME_MAX_CLIENTS_PER_IP", maxPerOrigin_);
    sweeper_ = std::thread([this] { sweeperLoop(); });
}

Broker::~Broker() { shutdown(); }

ClientPtr Broker::newClient(std::string ip, std::string origin) const {
    auto c = std::make_shared<Client>(random::string(40), std::move(ip), std::move(origin));
    c->setTimeouts(defaultIdleTimeout(), defaultMaxTimeout());
    c->setMaxBacklogBytes(maxBacklog_);
    return c;
}

bool Broker::hasRoomFor(const std::string& origin) const {
    if (maxPerOrigin_ == 0) return true;
    std::lock_guard lk(mu_);
    auto it = perOrigin_.find(origin);
    return it == perOrigin_.end() || it->second < maxPerOrigin_;
}

bool Broker::registerClient(const ClientPtr& c) {
    {
        std::lock_guard lk(mu_);
        size_t& n = perOrigin_[c->origin()];
        if (maxPerOrigin_ == 0 || n < maxPerOrigin_) {
            auto [it, inserted] = clients_.try_emplace(c->id(), c);
            if (inserted) ++n;
            else it->second = c;
            return true;
        }
    }
    c->close();
    return false;
}

ClientPtr Broker::eraseLocked(std::unordered_map<std::string, ClientPtr>::iterator it) {
    ClientPtr c = std::move(it->second);
    clients_.erase(it);
    auto o = perOrigin_.find(c->origin());
    if (o != perOrigin_.end() && --o->second == 0) perOrigin_.erase(o);
    return c;
}

void Broker::unregisterClient(const std::string& id) {
    ClientPtr c;
    {
        std::lock_guard lk(mu_);
        auto it = clients_.find(id);
        if (it == clients_.end()) return;
        c = eraseLocked(it);
    }
    c->close();
}

ClientPtr Broker::client(const std::string& id) const {
    std::lock_guard lk(mu_);
    auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : it->second;
}

std::vector<ClientPtr> Broker::clients() const {
    std::lock_guard lk(mu_);
    std::vector<ClientPtr> out;
    out.reserve(clients_.size());
    for (auto& [id, c] : clients_) out.push_back(c);
    return out;
}

size_t Broker::size() const {
    std::lock_guard lk(mu_);
    return clients_.size();
}

void Broker::setDefaultTimeouts(Millis idle, Millis max) {
    idleMs_ = idle.count();
    maxMs_ = max.count();
}

bool Broker::sendTo(const ClientPtr& c, std::string name, std::string data) {
    if (!c) return false;
    bool written = false, failed = false;
    try {
        host_.aroundMessage(c, std::move(name), std::move(data),
                            [&](const ClientPtr& to, const std::string& n, const std::string& d) {
                                written = to->writeFrame(n, d);
                                failed = !written;
                            });
    } catch (const std::exception& ex) {
        host_.logError(std::string("realtime message hook: ") + ex.what());
        failed = true;
    } catch (...) {
        failed = true;
    }
    if (failed) unregisterClient(c->id());
    return written;
}

size_t Broker::sendRaw(std::string_view topic, std::string_view jsonData) {
    if (topic.empty()) return 0;
    size_t sent = 0;
    std::string data(jsonData);
    for (auto& c : clients())
        for (auto& [sub, opts] : c->subscriptionsFor(topic))
            if (sendTo(c, sub, data)) ++sent;
    return sent;
}

size_t Broker::sweep() {
    std::vector<ClientPtr> dead;
    const auto now = Clock::now();
    {
        std::lock_guard lk(mu_);
        for (auto it = clients_.begin(); it != clients_.end();) {
            auto& c = it->second;
            bool expired = now - c->lastMessageAt() >= c->idleTimeout() || now - c->connectedAt() >= c->maxTimeout();
            if (expired || !c->isOpen()) {
                auto next = std::next(it);
                dead.push_back(eraseLocked(it));
                it = next;
            } else {
                ++it;
            }
        }
    }
    for (auto& c : dead) c->close();
    return dead.size();
}

void Broker::sweeperLoop() {
    std::unique_lock lk(stopMu_);
    while (!stopping_) {
        stopCv_.wait_for(lk, Millis(sweepMs_), [this] { return stopping_; });
        if (stopping_) break;
        lk.unlock();
        try {
            sweep();
        } catch (...) {
        }
        lk.lock();
    }
}

void Broker::post(std::function<void()> job) { events_.post(std::move(job)); }

void Broker::drainEvents() { events_.drain(); }

void Broker::shutdown() {
    events_.stop();  // queued record events still go out before the streams close
    {
        std::lock_guard lk(stopMu_);
        stopping_ = true;
    }
    stopCv_.notify_all();
    if (sweeper_.joinable()) sweeper_.join();
    std::vector<ClientPtr> all;
    {
        std::lock_guard lk(mu_);
        for (auto& [id, c] : clients_) all.push_back(std::move(c));
        clients_.clear();
        perOrigin_.clear();
    }
    for (auto& c : all) c->close();
}

}  // namespace pb::realtime
