#include "api/middlewares.hpp"
#include "api/routes.hpp"

namespace pb::api {

void registerSettingsRoutes(App& app) {
    auto& g = app.router().group("/api/settings");
    g.bind(requireSuperuserAuth());
    g.get("", [](RequestEvent& e) {
        SettingsEvent se;
        se.req = &e;
        se.app = &e.app;
        se.newSettings = e.app.settings().toApiJson();
        e.app.hooks().onSettingsListRequest.trigger(se, [&](SettingsEvent& ev) { e.json(200, ev.newSettings); });
    });
    g.patch("", [](RequestEvent& e) {
        SettingsEvent se;
        se.req = &e;
        se.app = &e.app;
        se.oldSettings = e.app.settings().toApiJson();
        // The patch bound onto the current settings (unknown keys dropped; 400 on a type error).
        se.newSettings = e.app.settings().merged(e.body());
        e.app.hooks().onSettingsUpdateRequest.trigger(se, [&](SettingsEvent& ev) {
            auto out = e.app.settings().update(ev.newSettings);
            e.app.reloadSettings();
            e.json(200, out);
        });
    });
}

}  // namespace pb::api
