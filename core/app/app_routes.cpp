#include "api/auth_flows.hpp"
#include "api/activity.hpp"
#include "api/middlewares.hpp"
#include "api/routes.hpp"
#include "app/app.hpp"
#include "plugin/host.hpp"

namespace pb {

void App::registerRoutes() {
    api::bindDefaultMiddlewares(*this);
    api::registerHealthRoutes(*this);
    api::registerSettingsRoutes(*this);
    api::registerCollectionRoutes(*this);
    api::registerRecordCrudRoutes(*this);
    api::registerRecordAuthRoutes(*this);
    api::registerRecordAuthEmailRoutes(*this);
    api::registerRecordAuthOtpRoutes(*this);
    api::registerRecordAuthOAuth2Routes(*this);
    api::registerMailRoutes(*this);
    api::registerCronRoutes(*this);
    api::registerPluginRoutes(*this);
    api::registerRealtimeRoutes(*this);
    api::registerLogRoutes(*this);
    api::registerFileRoutes(*this);
    api::registerBatchRoutes(*this);
    api::registerSqlRoutes(*this);
    api::registerBackupRoutes(*this);
}

}  // namespace pb
