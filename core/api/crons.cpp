#include "api/middlewares.hpp"
#include "api/routes.hpp"
#include "cron/cron.hpp"

namespace pb::api {

void registerCronRoutes(App& app) {
    auto& g = app.router().group("/api/crons");
    g.bind(requireSuperuserAuth());
    g.get("", [](RequestEvent& e) {
        json::Value list = json::Value::array();
        for (auto& j : e.app.cron().jobs())
            list.push(json::Value(json::Object{{"id", j.id}, {"expression", j.expression}}));
        e.json(200, list);
    });
    g.post("/{id}", [](RequestEvent& e) {
        if (!e.app.cron().run(e.pathValue("id"))) throw notFound("Missing or invalid cron job.");
        e.noContent(204);
    });
}

}  // namespace pb::api
