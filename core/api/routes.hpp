#pragma once
// Registration of every built-in API route (one file per endpoint family).
#include "app/app.hpp"

namespace pb::api {

// All of the below and the default middlewares.
void registerRoutes(App& app);


void registerHealthRoutes(App& app);
void registerSettingsRoutes(App& app);
void registerCollectionRoutes(App& app);
void registerRecordCrudRoutes(App& app);
void registerRecordAuthRoutes(App& app);
void registerCronRoutes(App& app);
void registerRealtimeRoutes(App& app);
void registerFileRoutes(App& app);
void registerBatchRoutes(App& app);
void registerSqlRoutes(App& app);
void registerBackupRoutes(App& app);

}  // namespace pb::api
