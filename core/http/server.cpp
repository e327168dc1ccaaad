#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include <algorithm>
#include <atomic>
#include <sstream>

#include <sys/socket.h>

#include "http/request_guard.hpp"
#include "util/strings.hpp"
#include "util/thread_pool.hpp"

namespace pb::http {

using namespace Pistache;

namespace {

// Pistache serialises only typed headers (raw ones are dropped from responses), so arbitrary
// response headers go through this dynamic header type.
class DynHeader final : public Http::Header::Header {
public:
    DynHeader(std::string n, std::string v) : name_(std::move(n)), value_(std::move(v)) {}
    const char* name() const override { return name_.c_str(); }
    void parse(const std::string& data) override { value_ = data; }
    void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
    uint64_t hash() const override { return 0; }
#endif

private:
    std::string name_, value_;
};

std::string methodName(Http::Method m) {
    switch (m) {
        case Http::Method::Get: return "GET";
        case Http::Method::Post: return "POST";
        case Http::Method::Put: return "PUT";
        case Http::Method::Patch: return "PATCH";
        case Http::Method::Delete: return "DELETE";
        case Http::Method::Head: return "HEAD";
        case Http::Method::Options: return "OPTIONS";
        case Http::Method::Trace: return "TRACE";
        case Http::Method::Connect: return "CONNECT";
        default: return "GET";
    }
}

// Converts the Pistache request into ours (on the reactor thread; cheap copies only).
Request convert(const Http::Request& in) {
    Request r;
    r.method = methodName(in.method());
    r.path = in.resource();
    const auto& q = in.query();
    for (auto it = q.parameters_begin(); it != q.parameters_end(); ++it)
        r.query.emplace_back(str::urlDecode(it->first), str::urlDecode(it->second));
    std::string qs = q.as_str();
    if (!qs.empty() && qs[0] == '?') qs.erase(0, 1);
    r.rawQuery = std::move(qs);
    for (auto& h : in.headers().list()) {
        std::string name = str::lower(h->name());
        std::ostringstream os;
        if (name == "content-type") {
            auto ct = std::static_pointer_cast<Http::Header::ContentType>(h);
            os << ct->mime().toString();
        } else {
            h->write(os);
        }
        r.headers.emplace_back(std::move(name), os.str());
    }
    for (auto& [name, raw] : in.headers().rawList()) r.headers.emplace_back(str::lower(name), raw.value());
    r.body = in.body();
    r.remoteIp = in.address().host();
    return r;
}

// SSE/stream writer: after the head is sent, every chunk goes through peer->send(), which only
// enqueues on the transport and is safe from any thread (ResponseStream::flush is not). The
// transport resolves (or rejects) each send once written, on its reactor thread; the bytes in
// between are counted in pending_, which is shared with those callbacks (they may outlive us).
class PeerStream final : public StreamWriter {
public:
    explicit PeerStream(std::weak_ptr<Tcp::Peer> peer) : peer_(std::move(peer)) {}
    bool write(std::string_view data) override {
        if (closed_.load()) return false;
        auto p = peer_.lock();
        if (!p) {
            closed_ = true;
            return false;
        }
        char head[20];
        int n = std::snprintf(head, sizeof head, "%zx\r\n", data.size());
        std::string chunk(head, static_cast<size_t>(n));
        chunk.append(data);
        chunk += "\r\n";
        const size_t size = chunk.size();
        *pending_ += size;
        auto done = [pending = pending_, size] { *pending -= size; };
        p->send(Pistache::RawBuffer(std::move(chunk), size)).then([done](ssize_t) { done(); },
                                                                  [done](std::exception_ptr) { done(); });
        return true;
    }
    bool isOpen() const override { return !closed_.load() && !peer_.expired(); }
    void close() override {
        if (closed_.exchange(true)) return;
        if (auto p = peer_.lock()) {
            p->send(Pistache::RawBuffer(std::string("0\r\n\r\n"), 5));
            ::shutdown(p->fd(), SHUT_RDWR);
        }
    }
    size_t pendingBytes() const override { return pending_->load(); }

private:
    std::weak_ptr<Tcp::Peer> peer_;
    std::atomic<bool> closed_{false};
    std::shared_ptr<std::atomic<size_t>> pending_ = std::make_shared<std::atomic<size_t>>(0);
};

Async::Promise<ssize_t> sendResponse(Http::ResponseWriter& w, Response& res) {
    bool hasConnection = false;
    // Pistache keeps one raw header per name: join repeated names (e.g. Vary) with ", ".
    std::vector<std::pair<std::string, std::string>> merged;
    for (auto& [k, v] : res.headers) {
        if (str::iequals(k, "content-type")) continue;  // set through the mime below
        if (str::iequals(k, "connection")) hasConnection = true;
        auto it = std::find_if(merged.begin(), merged.end(), [&](auto& p) { return str::iequals(p.first, k); });
        if (it != merged.end()) it->second += ", " + v;
        else merged.emplace_back(k, v);
    }
    for (auto& [k, v] : merged) w.headers().add(std::make_shared<DynHeader>(k, v));
    // Pistache adds a bogus "Connection: Close" to requests without a Connection header while
    // keeping the socket open; drop it so keep-alive clients do not reconnect every time.
    if (!hasConnection) w.headers().remove<Http::Header::Connection>();
    Http::Mime::MediaType mime;
    if (auto* ct = res.header("content-type")) mime = Http::Mime::MediaType::fromString(*ct);
    auto code = static_cast<Http::Code>(res.status);
    if (res.headOnly || res.status == 204 || res.status == 304) return w.send(code, "", mime);
    return w.send(code, res.body, mime);
}

}  // namespace

// Does the client want the connection closed after this response?
bool wantsClose(const Request& req) {
    for (auto& [k, v] : req.headers)
        if (k == "connection") return str::iequals(str::trim(v), "close");
    return false;
}

// Shared by every reactor's handler clone: runs requests on the worker pool.
class RequestRunner {
public:
    RequestRunner(RequestHandler h, ThreadPool* pool) : handler_(std::move(h)), pool_(pool) {}

    void onRequest(const Http::Request& req, Http::ResponseWriter writer) {
        std::weak_ptr<Tcp::Peer> weakPeer = writer.getPeer();
        auto shared = std::make_shared<Http::ResponseWriter>(std::move(writer));
        auto request = std::make_shared<Request>(convert(req));
        bool ok = pool_->submit([this, shared, request, weakPeer] { handle(*shared, *request, weakPeer); });
        if (!ok) {
            Response r;
            r.status = 503;
            r.setHeader("Content-Type", "application/json");
            r.body = R"({"status":503,"message":"Server is shutting down.","data":{}})";
            sendResponse(*shared, r);
        }
    }

private:
    void handle(Http::ResponseWriter& w, Request& req, std::weak_ptr<Tcp::Peer> weakPeer) {
        Response res;
        try {
            handler_(req, res);
        } catch (...) {
            res = Response{};
            res.status = 500;
            res.setHeader("Content-Type", "application/json");
            res.body = R"({"status":500,"message":"Something went wrong while processing your request.","data":{}})";
        }
        if (res.onStream) {
            auto peer = weakPeer.lock();
            if (!peer) return;
            std::string head = "HTTP/1.1 " + std::to_string(res.status) + " " + statusText(res.status) + "\r\n";
            for (auto& [k, v] : res.headers) head += k + ": " + v + "\r\n";
            head += "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n";
            // The stream is idle from the server's point of view: keep the header-timeout
            // sweeper from writing a 408 into the middle of it.
            peer->setIdle(true);
            peer->send(Pistache::RawBuffer(std::move(head), head.size()));
            auto stream = std::make_shared<PeerStream>(weakPeer);
            try {
                res.onStream(stream);
            } catch (...) {
                stream->close();
            }
            return;
        }
        if (!wantsClose(req)) {
            sendResponse(w, res);
            return;
        }
        // Pistache never closes on "Connection: close"; do it once the response is written,
        // so clients that read to EOF (HTTP/1.0 style) finish.
        res.setHeader("Connection", "close");
        auto sent = sendResponse(w, res);
        sent.then([weakPeer](ssize_t) { if (auto p = weakPeer.lock()) ::shutdown(p->fd(), SHUT_WR); },
                  [](std::exception_ptr) {});
    }

    RequestHandler handler_;
    ThreadPool* pool_ = nullptr;
};

// Pistache's HTTP handler behind the size guard. Pistache clones the handler per reactor and
// only then attaches the transport, so the inner parser-side handler is made lazily, as a copy
// of this clone (which carries the transport and the limits).
class ParserHandler final : public Http::Handler {
public:
    HTTP_PROTOTYPE(ParserHandler)
    ParserHandler(const Http::Handler& configured, std::shared_ptr<RequestRunner> runner)
        : Http::Handler(configured), runner_(std::move(runner)) {}

    void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
        runner_->onRequest(req, std::move(writer));
    }
    void onTimeout(const Http::Request&, Http::ResponseWriter writer) override {
        writer.send(Http::Code::Request_Timeout, "");
    }

private:
    std::shared_ptr<RequestRunner> runner_;
};

class PbHandler final : public Http::Handler {
public:
    HTTP_PROTOTYPE(PbHandler)
    PbHandler() = default;
    PbHandler(std::shared_ptr<RequestRunner> runner, RequestLimits limits)
        : runner_(std::move(runner)), limits_(limits) {}
    // Clones get their own parser-side handler (bound to their transport on first use).
    PbHandler(const PbHandler& o) : Http::Handler(o), runner_(o.runner_), limits_(o.limits_) {}

    void onRequest(const Http::Request& req, Http::ResponseWriter writer) override {
        runner_->onRequest(req, std::move(writer));
    }

    void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
        peer->putData(kGuardKey, std::make_shared<RequestGuard>(limits_));
        static_cast<Tcp::Handler&>(parser()).onConnection(peer);
    }

    void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
        auto guard = std::static_pointer_cast<RequestGuard>(peer->tryGetData(kGuardKey));
        if (!guard) {
            static_cast<Tcp::Handler&>(parser()).onInput(buffer, len, peer);
            return;
        }
        if (guard->refused()) return;  // discard what follows a refusal, unparsed
        size_t accepted = 0;
        auto verdict = guard->feed(std::string_view(buffer, len), &accepted);
        if (accepted > 0) static_cast<Tcp::Handler&>(parser()).onInput(buffer, accepted, peer);
        if (verdict == RequestGuard::Verdict::Pass) return;
        std::string resp = refusalResponse(verdict);
        std::weak_ptr<Tcp::Peer> weak = peer;
        peer->send(Pistache::RawBuffer(std::move(resp), resp.size()))
            .then([weak](ssize_t) { if (auto p = weak.lock()) ::shutdown(p->fd(), SHUT_WR); },
                  [](std::exception_ptr) {});
    }

private:
    static constexpr const char* kGuardKey = "pb.requestGuard";

    Http::Handler& parser() {
        if (!parser_) parser_ = std::make_shared<ParserHandler>(*this, runner_);
        return *parser_;
    }

    std::shared_ptr<RequestRunner> runner_;
    RequestLimits limits_;
    std::shared_ptr<ParserHandler> parser_;
};

struct Server::Impl {
    ServerOptions opts;
    std::unique_ptr<Http::Endpoint> endpoint;
    std::unique_ptr<ThreadPool> pool;
    std::shared_ptr<RequestRunner> runner;
    std::shared_ptr<PbHandler> handler;
    uint16_t boundPort = 0;
};

Server::Server(ServerOptions opts) : impl_(std::make_unique<Impl>()) { impl_->opts = std::move(opts); }

Server::~Server() { stop(); }

void Server::start(RequestHandler handler) {
    auto& o = impl_->opts;
    Address addr(o.host, Port(o.port));
    impl_->endpoint = std::make_unique<Http::Endpoint>(addr);
    auto opts = Http::Endpoint::options()
                    .threads(o.reactorThreads)
                    .flags(Tcp::Options::ReuseAddr | Tcp::Options::NoDelay)
                    .maxRequestSize(o.maxRequestSize)
                    .headerTimeout(std::chrono::seconds(60))
                    .bodyTimeout(std::chrono::seconds(300))
                    .keepaliveTimeout(std::chrono::minutes(30));
    impl_->endpoint->init(opts);
    impl_->pool = std::make_unique<ThreadPool>(static_cast<size_t>(o.workerThreads));
    impl_->runner = std::make_shared<RequestRunner>(std::move(handler), impl_->pool.get());
    RequestLimits limits;
    limits.maxRequestBytes = o.maxRequestSize;
    limits.maxHeaderBytes = std::min(limits.maxHeaderBytes, o.maxRequestSize);
    impl_->handler = std::make_shared<PbHandler>(impl_->runner, limits);
    impl_->endpoint->setHandler(impl_->handler);
    impl_->endpoint->serveThreaded();
    impl_->boundPort = static_cast<uint16_t>(impl_->endpoint->getPort());
}

void Server::stop() {
    if (!impl_ || !impl_->endpoint) return;
    // Finish in-flight work first: Pistache's shutdown() does not wait for handlers.
    impl_->pool->stop();
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
}

uint16_t Server::port() const { return impl_->boundPort; }

}  // namespace pb::http
