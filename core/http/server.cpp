#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <sstream>

#include <sys/socket.h>

#include "http/request_guard.hpp"
#include "http/response_delay.hpp"
#include "util/strings.hpp"
#include "util/thread_pool.hpp"
#include "util/timer_queue.hpp"

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

// Converts the Pistache request into ours (on the reactor thread; cheap copies only). The body
// was framed by the RequestGuard, which kept Content-Length/Transfer-Encoding from the parser.
Request convert(const Http::Request& in, std::string body, bool hasBody) {
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
    if (hasBody) r.headers.emplace_back("content-length", std::to_string(body.size()));
    r.body = std::move(body);
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

// Shuts the write side once `sent` is written (Pistache never closes a connection by itself).
void closeWriteAfter(Async::Promise<ssize_t> sent, const std::weak_ptr<Tcp::Peer>& weakPeer) {
    sent.then([weakPeer](ssize_t) { if (auto p = weakPeer.lock()) ::shutdown(p->fd(), SHUT_WR); },
              [](std::exception_ptr) {});
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
    RequestRunner(RequestHandler h, ThreadPool* pool, TimerQueue* timers)
        : handler_(std::move(h)), pool_(pool), timers_(timers) {}

    // Requests of one connection run one at a time, in arrival order, so pipelined requests are
    // answered in order: the next one reaches the pool once the previous response is handed to
    // the transport (never, after a stream: it owns the connection). The reactor keeps reading
    // while one runs, so what waits is bounded (mayQueue): a client that pipelines past it is
    // refused, as it would otherwise hold any number of bodies in server memory.
    static constexpr size_t kMaxWaiting = 64;
    struct Strand {
        std::mutex mu;
        bool busy = false;
        std::deque<std::pair<std::function<void()>, size_t>> waiting;  // job, body bytes
        size_t waitingBytes = 0;
    };

    // Whether one more request with `bodyBytes` may wait on the strand. Checked and queued on the
    // connection's reactor thread; workers only shrink the queue meanwhile.
    static bool mayQueue(Strand& strand, size_t bodyBytes, size_t maxBytes) {
        std::lock_guard lk(strand.mu);
        if (!strand.busy) return true;
        return strand.waiting.size() < kMaxWaiting && strand.waitingBytes + bodyBytes <= maxBytes;
    }

    void onRequest(const Http::Request& req, std::string body, bool hasBody, Http::ResponseWriter writer,
                   std::shared_ptr<Strand> strand) {
        std::weak_ptr<Tcp::Peer> weakPeer = writer.getPeer();
        auto shared = std::make_shared<Http::ResponseWriter>(std::move(writer));
        auto request = std::make_shared<Request>(convert(req, std::move(body), hasBody));
        const size_t bytes = request->body.size();
        std::function<void()> job = [this, shared, request, weakPeer, strand] {
            handle(shared, *request, weakPeer, strand);
        };
        if (!admit(*strand, job, bytes)) return;  // queued behind an earlier request
        if (!pool_->submit(std::move(job))) {
            Response r;
            r.status = 503;
            r.setHeader("Content-Type", "application/json");
            r.body = R"({"status":503,"message":"Server is shutting down.","data":{}})";
            sendResponse(*shared, r);
            next(*strand);
        }
    }

    // Refuses the connection's input (raw HTTP response, then the write side is closed), after
    // the answers to its earlier requests.
    void refuse(const std::shared_ptr<Strand>& strand, std::weak_ptr<Tcp::Peer> weakPeer, std::string raw) {
        std::function<void()> job = [this, strand, weakPeer, raw = std::move(raw)] {
            if (auto p = weakPeer.lock()) closeWriteAfter(p->send(Pistache::RawBuffer(raw, raw.size())), weakPeer);
            next(*strand);
        };
        if (admit(*strand, job)) job();
    }

private:
    // True when the strand was idle and is now busy with `job` (the caller runs it); false when
    // the job was queued behind the strand's current one.
    static bool admit(Strand& strand, std::function<void()>& job, size_t bytes = 0) {
        std::lock_guard lk(strand.mu);
        if (strand.busy) {
            strand.waiting.emplace_back(std::move(job), bytes);
            strand.waitingBytes += bytes;
            return false;
        }
        strand.busy = true;
        return true;
    }

    // The current request of `strand` is answered: start its next one, if any.
    void next(Strand& strand) {
        std::function<void()> job;
        {
            std::lock_guard lk(strand.mu);
            if (strand.waiting.empty()) {
                strand.busy = false;
                return;
            }
            job = std::move(strand.waiting.front().first);
            strand.waitingBytes -= strand.waiting.front().second;
            strand.waiting.pop_front();
        }
        if (!pool_->submit(std::move(job))) {
            std::lock_guard lk(strand.mu);  // stopping: drop what waits, the connection closes
            strand.waiting.clear();
            strand.waitingBytes = 0;
            strand.busy = false;
        }
    }

private:
    void handle(const std::shared_ptr<Http::ResponseWriter>& w, Request& req, std::weak_ptr<Tcp::Peer> weakPeer,
                const std::shared_ptr<Strand>& strand) {
        auto res = std::make_shared<Response>();
        takeResponseDelay();  // nothing left over from an earlier request on this thread
        try {
            handler_(req, *res);
        } catch (...) {
            *res = Response{};
            res->status = 500;
            res->setHeader("Content-Type", "application/json");
            res->body = R"({"status":500,"message":"Something went wrong while processing your request.","data":{}})";
        }
        if (res->onStream) {
            startStream(*res, weakPeer);
            return;
        }
        bool close = wantsClose(req);
        if (auto delay = takeResponseDelay(); delay.count() > 0) {
            // A delayed answer waits on the timer thread, not on a worker (sending only enqueues).
            timers_->schedule(TimerQueue::Clock::now() + delay, [this, w, res, close, weakPeer, strand] {
                finish(*w, *res, close, weakPeer);
                next(*strand);
            });
            return;
        }
        finish(*w, *res, close, weakPeer);
        next(*strand);
    }

    // Never throws: the strand must move on whatever happens to this response.
    static void finish(Http::ResponseWriter& w, Response& res, bool close, const std::weak_ptr<Tcp::Peer>& weakPeer) try {
        if (!close) {
            sendResponse(w, res);
            return;
        }
        // Pistache never closes on "Connection: close"; do it once the response is written,
        // so clients that read to EOF (HTTP/1.0 style) finish.
        res.setHeader("Connection", "close");
        closeWriteAfter(sendResponse(w, res), weakPeer);
    } catch (...) {
        // The peer went away while the response was written: nothing is left to answer.
    }

    static void startStream(Response& res, const std::weak_ptr<Tcp::Peer>& weakPeer) {
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
    }

    RequestHandler handler_;
    ThreadPool* pool_ = nullptr;
    TimerQueue* timers_ = nullptr;
};

// Pistache's HTTP handler with our own input path: the RequestGuard frames every request and
// Pistache's parser only ever sees a validated head without framing headers (see
// request_guard.hpp). Parser errors and refusals become PocketBase's JSON envelope and close
// the connection; nothing after them is parsed.
class PbHandler final : public Http::Handler {
public:
    HTTP_PROTOTYPE(PbHandler)
    PbHandler() = default;
    PbHandler(std::shared_ptr<RequestRunner> runner, RequestLimits limits)
        : runner_(std::move(runner)), limits_(limits) {}

    void onRequest(const Http::Request&, Http::ResponseWriter) override {}  // requests go through onInput
    void onTimeout(const Http::Request&, Http::ResponseWriter writer) override {
        writer.send(Http::Code::Request_Timeout, "");
    }

    void onConnection(const std::shared_ptr<Tcp::Peer>& peer) override {
        // Pistache's own sweeper reads the parser of every peer (step and start time).
        peer->putData(Http::Handler::ParserData, std::make_shared<Http::RequestParser>(getMaxRequestSize()));
        peer->putData(kGuardKey, std::make_shared<RequestGuard>(limits_));
        peer->putData(kStrandKey, std::make_shared<RequestRunner::Strand>());
    }

    void onInput(const char* buffer, size_t len, const std::shared_ptr<Tcp::Peer>& peer) override {
        auto guard = std::static_pointer_cast<RequestGuard>(peer->tryGetData(kGuardKey));
        if (!guard) return;
        std::string_view in(buffer, len);
        for (;;) {
            switch (guard->next(in)) {
                case RequestGuard::Event::NeedMore:
                    return;
                case RequestGuard::Event::Head:
                    if (!parseHead(*guard, peer)) {
                        guard->refuse(RequestGuard::Verdict::BadRequest, "Malformed request.");
                        refuse(*guard, peer);
                        return;
                    }
                    break;
                case RequestGuard::Event::Body:
                    if (!dispatch(*guard, peer)) return;
                    break;
                case RequestGuard::Event::Refused:
                    refuse(*guard, peer);
                    return;
            }
        }
    }

private:
    static constexpr const char* kGuardKey = "pb.requestGuard";
    static constexpr const char* kStrandKey = "pb.requestStrand";

    // Parses the request line and headers. The parser then waits in its body step until the
    // guard has the body, so Pistache's sweeper applies the body timeout meanwhile.
    static bool parseHead(const RequestGuard& guard, const std::shared_ptr<Tcp::Peer>& peer) {
        auto parser = Http::Handler::getParser(peer);
        const std::string& head = guard.head();
        try {
            if (parser->feed(head.data(), head.size()) && parser->parse() == Http::Private::State::Done) {
                peer->setIdle(false);
                return true;
            }
        } catch (...) {
            // Pistache's typed headers throw on values they cannot parse (Host, Accept, Date...).
        }
        parser->reset();
        return false;
    }

    // False when the request was refused instead (the connection's queue is full).
    bool dispatch(RequestGuard& guard, const std::shared_ptr<Tcp::Peer>& peer) {
        auto parser = Http::Handler::getParser(peer);
        auto strand = std::static_pointer_cast<RequestRunner::Strand>(peer->tryGetData(kStrandKey));
        std::string body = guard.takeBody();
        if (!RequestRunner::mayQueue(*strand, body.size(), limits_.maxRequestBytes)) {
            parser->reset();
            guard.refuse(RequestGuard::Verdict::TooManyPipelined, "Too many pipelined requests on one connection.");
            refuse(guard, peer);
            return false;
        }
        auto& request = parser->request;
        Http::ResponseWriter response(request.version(), transport(), this, peer);
        request.copyAddress(peer->address());
        // As Pistache's own handler does; sendResponse drops the bogus "Close" again.
        auto connection = request.headers().tryGet<Http::Header::Connection>();
        response.headers().add<Http::Header::Connection>(connection ? connection->control()
                                                                    : Http::ConnectionControl::Close);
        runner_->onRequest(request, std::move(body), guard.hasBody(), std::move(response), std::move(strand));
        parser->reset();
        return true;
    }

    void refuse(const RequestGuard& guard, const std::shared_ptr<Tcp::Peer>& peer) {
        auto strand = std::static_pointer_cast<RequestRunner::Strand>(peer->tryGetData(kStrandKey));
        runner_->refuse(strand, peer, refusalResponse(guard.verdict(), guard.reason()));
    }

    std::shared_ptr<RequestRunner> runner_;
    RequestLimits limits_;
};

struct Server::Impl {
    ServerOptions opts;
    std::unique_ptr<Http::Endpoint> endpoint;
    std::unique_ptr<ThreadPool> pool;
    std::unique_ptr<TimerQueue> timers;
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
    impl_->timers = std::make_unique<TimerQueue>();
    impl_->runner = std::make_shared<RequestRunner>(std::move(handler), impl_->pool.get(), impl_->timers.get());
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
    impl_->timers->stop();  // sends the delayed responses now
    impl_->endpoint->shutdown();
    impl_->endpoint.reset();
}

uint16_t Server::port() const { return impl_->boundPort; }

}  // namespace pb::http
