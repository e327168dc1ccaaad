// Every built-in route and middleware of the REST API, registered once per App by the serve
// layer (serve/serving.cpp), as PocketBase's apis.NewRouter.
#include "api/auth_flows.hpp"
#include "api/activity.hpp"
#include "api/middlewares.hpp"
#include "api/routes.hpp"

namespace pb::api {

void registerRoutes(App& app) {
    bindDefaultMiddlewares(app);
    registerHealthRoutes(app);
    registerSettingsRoutes(app);
    registerCollectionRoutes(app);
    registerRecordCrudRoutes(app);
    registerRecordAuthRoutes(app);
    registerRecordAuthEmailRoutes(app);
    registerRecordAuthOtpRoutes(app);
    registerRecordAuthOAuth2Routes(app);
    registerMailRoutes(app);
    registerCronRoutes(app);
    registerRealtimeRoutes(app);
    bindRealtimeRecordEvents(app);
    registerLogRoutes(app);
    registerFileRoutes(app);
    registerBatchRoutes(app);
    registerSqlRoutes(app);
    registerBackupRoutes(app);
}

}  // namespace pb::api
