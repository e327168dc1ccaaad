#pragma once
// The HTTP server adapter: Pistache behind a small interface (pimpl keeps its headers here).
// Requests are copied off the reactor and handled on a worker pool; the response is sent from
// the worker thread (only enqueues on the transport, measured safe).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/types.hpp"

namespace pb::http {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8090;
    int reactorThreads = 2;
    int workerThreads = 16;
    size_t maxRequestSize = 16 * 1024 * 1024;  // headers + body; larger gets 413
};

using RequestHandler = std::function<void(Request&, Response&)>;

class Server {
public:
    explicit Server(ServerOptions opts);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts serving in background threads. Throws on bind failure.
    void start(RequestHandler handler);
    // Stops accepting, lets queued requests finish, joins the worker pool.
    void stop();
    uint16_t port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace pb::http
