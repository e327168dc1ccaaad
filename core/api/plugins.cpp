// Plugin admin API (superuser only), used by `pbplug list` / `pbplug reload`:
//   GET  /api/plugins                 -> {"items":[{name, version, description, abi, generation,
//                                         state, file, loadedAt, error, loadedGenerations, lastLoadMs}]}
//   POST /api/plugins/{name}/reload   -> 200 the same object for the new generation; 404 unknown
//                                         plugin; 400 {status, message: <refusal/init error>, data}
//                                         when the load fails (the old generation keeps serving).
#include "api/middlewares.hpp"
#include "app/app.hpp"
#include "plugin/host.hpp"

namespace pb::api {

void registerPluginRoutes(App& app) {
    auto& g = app.router().group("/api/plugins");
    g.bind(requireSuperuserAuth());
    g.get("", [](RequestEvent& e) {
        json::Value items = json::Value::array();
        if (auto* host = e.app.plugins())
            for (auto& info : host->list()) items.push(info.toJson());
        e.json(200, json::Value(json::Object{{"items", items}}));
    });
    g.post("/{name}/reload", [](RequestEvent& e) {
        auto* host = e.app.plugins();
        if (!host) throw notFound("Plugins are not enabled.");
        auto r = host->reload(e.pathValue("name"));
        if (r.unknown) throw notFound("Missing or invalid plugin.");
        if (!r.ok) throw badRequest(r.error);
        e.json(200, r.info.toJson());
    });
}

}  // namespace pb::api
