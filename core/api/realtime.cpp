// /api/realtime: GET opens an SSE stream (first frame PB_CONNECT), POST sets the subscriptions
// of a client and binds the caller's auth to it (PocketBase apis/realtime.go).
#include "api/activity.hpp"
#include "api/request_events.hpp"
#include "api/routes.hpp"
#include "realtime/broker.hpp"
#include "util/strings.hpp"

namespace pb::api {

namespace {

// The broker's realtime::Stream over the HTTP adapter's chunked response.
class TransportStream final : public realtime::Stream {
public:
    explicit TransportStream(std::shared_ptr<http::StreamWriter> w) : w_(std::move(w)) {}
    bool write(std::string_view data) override { return w_->write(data); }
    bool isOpen() const override { return w_->isOpen(); }
    void close() override { w_->close(); }
    size_t pendingBytes() const override { return w_->pendingBytes(); }

private:
    std::shared_ptr<http::StreamWriter> w_;
};

}  // namespace

namespace {

constexpr size_t kMaxClientIdLength = 255;
constexpr size_t kMaxSubscriptions = 1000;
constexpr size_t kMaxSubscriptionLength = 2500;

// ozzo-validation's Length counts runes.
size_t runeCount(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

void connect(RequestEvent& e) {
    App& app = e.app;
    auto& broker = app.realtime();
    // The per-address stream cap counts the real client IP (one proxy must not be one client).
    std::string origin = realIp(e.request, app.settings().section("trustedProxy"));
    if (!broker.hasRoomFor(origin))
        throw tooManyRequests("Too many open realtime connections from this address.");
    auto client = broker.newClient(e.request.remoteIp, std::move(origin));
    auto ev = requestEvent<RealtimeConnectRequestEvent>(e);
    ev.client = client;
    ev.idleTimeout = broker.defaultIdleTimeout();
    ev.maxTimeout = broker.defaultMaxTimeout();
    app.hooks().onRealtimeConnectRequest.trigger(ev, [&](RealtimeConnectRequestEvent& x) {
        x.client->setTimeouts(x.idleTimeout, x.maxTimeout);
        e.response.status = 200;
        e.response.body.clear();
        e.setHeader("Content-Type", "text/event-stream");
        e.setHeader("Cache-Control", "no-store");
        e.setHeader("X-Accel-Buffering", "no");
        App* appPtr = &app;
        realtime::ClientPtr c = x.client;
        // Runs on the worker thread once the head is sent; returns at once (no thread per stream).
        e.response.onStream = [appPtr, c](std::shared_ptr<http::StreamWriter> writer) {
            if (!appPtr->hasRealtime()) {
                writer->close();
                return;
            }
            auto& b = appPtr->realtime();
            c->attach(std::make_shared<TransportStream>(std::move(writer)));
            if (!b.registerClient(c)) return;  // over the per-address cap (a concurrent connect won)
            json::Value data = json::Value(json::Object{{"clientId", c->id()}});
            b.sendTo(c, "PB_CONNECT", data.dump());
        };
    });
}

void setSubscriptions(RequestEvent& e) {
    App& app = e.app;
    const json::Value& body = e.body();
    const json::Value& rawId = body["clientId"];
    const json::Value& rawSubs = body["subscriptions"];
    auto invalid = [] { return badRequest("Failed to load the submitted data due to invalid formatting."); };
    if (!rawId.isNull() && !rawId.isString()) throw invalid();
    if (!rawSubs.isNull() && !rawSubs.isArray()) throw invalid();
    std::string clientId = rawId.getString();
    std::vector<std::string> subs;
    if (rawSubs.isArray()) {
        for (auto& s : rawSubs.asArray()) {
            if (!s.isString()) throw invalid();
            subs.push_back(s.asString());
        }
    }

    ValidationErrors errs;
    if (clientId.empty()) errs.add("clientId", "validation_required", "Cannot be blank.");
    else if (runeCount(clientId) > kMaxClientIdLength)
        errs.add("clientId", "validation_length_out_of_range", "The length must be between 1 and 255.");
    if (subs.size() > kMaxSubscriptions) {
        errs.add("subscriptions", "validation_length_too_long", "The length must be no more than 1000.");
    } else {
        json::Value each = json::Value::object();
        for (size_t i = 0; i < subs.size(); ++i)
            if (runeCount(subs[i]) > kMaxSubscriptionLength)
                each.set(std::to_string(i), fieldError("validation_length_too_long", "The length must be no more than 2500."));
        if (each.size() > 0) errs.addNested("subscriptions", each);
    }
    errs.throwIfAny();

    auto client = app.realtime().client(clientId);
    if (!client) throw notFound("Missing or invalid client id.");
    if (client->ip() != e.request.remoteIp) throw badRequest("Invalid realtime client.");
    // A guest client may become authenticated; any other auth change is rejected.
    auto prev = client->auth();
    if (prev && !(e.auth && e.auth->id() == prev->id() && e.auth->collection().id == prev->collection().id))
        throw forbidden("The current and the previous request authorization don't match.");

    auto ev = requestEvent<RealtimeSubscribeRequestEvent>(e);
    ev.client = client;
    ev.subscriptions = std::move(subs);
    app.hooks().onRealtimeSubscribeRequest.trigger(ev, [&](RealtimeSubscribeRequestEvent& x) {
        x.client->setAuth(e.auth);
        x.client->unsubscribe();
        x.client->subscribe(x.subscriptions);
        e.noContent(204);
    });
}

}  // namespace

void registerRealtimeRoutes(App& app) {
    app.router().get("/api/realtime", connect);
    app.router().post("/api/realtime", setSubscriptions);
}

}  // namespace pb::api
