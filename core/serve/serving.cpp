#include "serve/serving.hpp"

#include <cstdlib>
#include <limits>

#include "api/routes.hpp"
#include "cron/cron.hpp"
#include "http/server.hpp"
#include "plugin/host.hpp"
#include "realtime/broker.hpp"

namespace pb::serve {

namespace {
// Runs after every other onTerminate handler (user code and plugins bound with ordinary
// priorities see a serving app) and before the App's own default action closes the database.
constexpr int kTerminatePriority = std::numeric_limits<int>::max() - 10;
}  // namespace

Serving::Serving(App& app, Options opts) : app_(app) {
    app_.bootstrap();
    api::registerRoutes(app_);
    if (opts.plugins) plugins_ = plugin::PluginHost::attach(app_);
    // Stopping order matters: nothing new may start (cron, realtime streams) while the server
    // drains in-flight requests; the plugin host unloads after that (its own handler, later).
    terminateHandlerId_ = app_.hooks().onTerminate.bind({"__pbServeTerminate__", kTerminatePriority,
                                                         [this](TerminateEvent& e) {
                                                             app_.cron().stop();
                                                             if (app_.hasRealtime()) app_.realtime().shutdown();
                                                             if (server_) server_->stop();
                                                             server_.reset();
                                                             e.next();
                                                         },
                                                         {}});
}

Serving::~Serving() {
    try {
        stop();
    } catch (...) {
        app_.logError("serve: error while stopping");
    }
    app_.hooks().onTerminate.unbind(terminateHandlerId_);
    plugins_.reset();  // unbinds its handlers; everything it loaded is gone since stop()
}

void Serving::start(const std::string& host, uint16_t port) {
    app_.bootstrap();
    ServeEvent e;
    e.app = &app_;
    app_.hooks().onServe.trigger(e, [&](ServeEvent&) {
        http::ServerOptions so;
        so.host = host;
        so.port = port;
        so.workerThreads = app_.options().workerThreads;
        // Tuning knobs for deployments and benchmarks (defaults suit most machines).
        if (const char* w = std::getenv("PB_WORKER_THREADS"); w && std::atoi(w) > 0) so.workerThreads = std::atoi(w);
        if (const char* r = std::getenv("PB_REACTOR_THREADS"); r && std::atoi(r) > 0) so.reactorThreads = std::atoi(r);
        server_ = std::make_unique<http::Server>(so);
        server_->start([this](http::Request& req, http::Response& res) { app_.handle(req, res); });
        app_.cron().start();
    });
}

uint16_t Serving::port() const { return server_ ? server_->port() : 0; }

void Serving::stop(bool isRestart) { app_.stop(isRestart); }

}  // namespace pb::serve
