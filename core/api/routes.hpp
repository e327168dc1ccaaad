#pragma once
// Registration of every built-in API route (one file per endpoint family).
#include "app/app.hpp"

namespace pb::api {

// All of the below, the default middlewares and the realtime record events.
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
// The record/collection hooks that broadcast record events to realtime subscribers and keep their
// stored auth current (realtime_record_events.cpp; PocketBase's apis/realtime.go bindRealtimeEvents).
void bindRealtimeRecordEvents(App& app);

}  // namespace pb::api
