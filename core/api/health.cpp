#include "api/routes.hpp"
#include "backup/backups.hpp"

namespace pb::api {

void registerHealthRoutes(App& app) {
    app.router().get("/api/health", [](RequestEvent& e) {
        json::Value data = json::Value::object();
        if (e.hasSuperuserAuth()) {
            data.set("canBackup", !e.app.backups().active().has_value());
            data.set("realIP", e.request.remoteIp);
            data.set("possibleProxyHeader", "");
        }
        e.json(200, json::Value(json::Object{{"message", "API is healthy."}, {"code", 200}, {"data", data}}));
    });
}

}  // namespace pb::api
