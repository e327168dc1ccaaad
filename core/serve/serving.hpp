#pragma once
// Serving an App over HTTP, PocketBase's apis.Serve: the composition of the layers below it.
//
//   Serving s(app);            registers the REST API (api::registerRoutes) once per App and
//                              attaches the native plugin host (plugin::PluginHost::attach)
//   s.start(host, port);       bootstrap, then onServe { user handlers, plugin host loads plugins,
//                              default: the HTTP server listens, cron ticks }
//   s.stop() / ~Serving();     App::stop(): onTerminate { user handlers, this: cron, realtime and
//                              the HTTP server stop; plugin host: TERMINATE + unload; default:
//                              backups, logs, database close }
//
// The App knows nothing of this layer: a program that never serves (a CLI command, a test of the
// record API) needs neither the HTTP server nor the plugin host.
#include <cstdint>
#include <memory>
#include <string>

#include "app/app.hpp"

namespace pb::http {
class Server;
}
namespace pb::plugin {
class PluginHost;
}

namespace pb::serve {

struct Options {
    bool plugins = true;  // attach the native plugin host (AppOptions::pluginsDir)
};

class Serving {
public:
    explicit Serving(App& app, Options opts = {});
    ~Serving();  // stops the app if still serving
    Serving(const Serving&) = delete;
    Serving& operator=(const Serving&) = delete;

    // Starts serving in background threads (bootstrap first, then onServe). Throws on bind failure.
    void start(const std::string& host, uint16_t port);
    uint16_t port() const;
    // Stops serving and the app (App::stop): in-flight requests finish, then the database closes.
    void stop(bool isRestart = false);

    App& app() { return app_; }
    // The native plugin host; null when Options::plugins is false.
    plugin::PluginHost* plugins() { return plugins_.get(); }

private:
    App& app_;
    std::unique_ptr<http::Server> server_;
    std::unique_ptr<plugin::PluginHost> plugins_;
    std::string serveHandlerId_, terminateHandlerId_;
};

}  // namespace pb::serve
