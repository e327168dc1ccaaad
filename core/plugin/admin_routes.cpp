// Plugin admin API (superuser only), used by `pbplug list` / `pbplug reload`:
//   GET  /api/plugins                 -> {"items":[{name, version, description, abi, generation,
//                                         state, file, loadedAt, error, loadedGenerations, lastLoadMs}]}
//   POST /api/plugins/{name}/reload   -> 200 the same object for the new generation; 404 unknown
//                                         plugin; 400 {status, message: <refusal/init error>, data}
//                                         when the load fails (the old generation keeps serving).
// Registered by PluginHost::attach; the routes live as long as the App's router, the host only
// while attached, so they reach it through a shared flag the host clears when it goes.
#include "api/middlewares.hpp"
#include "app/app.hpp"
#include "plugin/host.hpp"

namespace pb::plugin {

void PluginHost::registerAdminRoutes() {
    auto& g = app_.router().group("/api/plugins");
    g.bind(api::requireSuperuserAuth());
    std::weak_ptr<PluginHost*> self = self_;
    g.get("", [self](RequestEvent& e) {
        json::Value items = json::Value::array();
        if (auto host = self.lock())
            for (auto& info : (*host)->list()) items.push(info.toJson());
        e.json(200, json::Value(json::Object{{"items", items}}));
    });
    g.post("/{name}/reload", [self](RequestEvent& e) {
        auto host = self.lock();
        if (!host) throw notFound("Plugins are not enabled.");
        auto r = (*host)->reload(e.pathValue("name"));
        if (r.unknown) throw notFound("Missing or invalid plugin.");
        if (!r.ok) throw badRequest(r.error);
        e.json(200, r.info.toJson());
    });
}

}  // namespace pb::plugin
