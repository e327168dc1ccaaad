// GET/PATCH /api/settings and POST /api/settings/test/s3 (superusers only).
#include "api/middlewares.hpp"
#include "api/request_events.hpp"
#include "api/routes.hpp"

namespace pb::api {

namespace {

// PocketBase's forms.TestS3Filesystem. This server has no S3 client (record files and backups
// always live in the local data directory), so an enabled S3 config cannot be tested and the
// request fails with that reason instead of a connection error.
void testS3(RequestEvent& e) {
    const auto& fsv = e.body()["filesystem"];
    if (!fsv.isNull() && !fsv.isString()) throw badRequest("An error occurred while loading the submitted data.");
    const std::string& fs = fsv.getString();
    ValidationErrors errs;
    if (fs.empty()) errs.add("filesystem", "validation_required", "Cannot be blank.");
    else if (fs != "storage" && fs != "backups") errs.add("filesystem", "validation_in_invalid", "Must be a valid value.");
    errs.throwIfAny("Failed to test the S3 filesystem.");

    const json::Value cfg = fs == "backups" ? e.app.settings().section("backups")["s3"] : e.app.settings().section("s3");
    const std::string prefix = "Failed to test the S3 filesystem. Raw error: \n";
    if (!cfg["enabled"].getBool()) throw badRequest(prefix + "S3 storage filesystem is not enabled");
    throw badRequest(prefix +
                     "S3 connections are not supported by this server (it has no S3 client); "
                     "record files and backups are stored in the local data directory");
}

}  // namespace

void registerSettingsRoutes(App& app) {
    auto& g = app.router().group("/api/settings");
    g.bind(requireSuperuserAuth());
    g.get("", [](RequestEvent& e) {
        auto se = requestEvent<SettingsEvent>(e);
        se.newSettings = e.app.settings().toApiJson();
        e.app.hooks().onSettingsListRequest.trigger(se, [&](SettingsEvent& ev) { e.json(200, ev.newSettings); });
    });
    g.patch("", [](RequestEvent& e) {
        auto se = requestEvent<SettingsEvent>(e);
        se.oldSettings = e.app.settings().toApiJson();
        // The patch bound onto the current settings (unknown keys dropped; 400 on a type error).
        se.newSettings = e.app.settings().merged(e.body());
        e.app.hooks().onSettingsUpdateRequest.trigger(se, [&](SettingsEvent& ev) {
            auto out = e.app.settings().update(ev.newSettings);
            e.app.reloadSettings();
            e.json(200, out);
        });
    });
    g.post("/test/s3", testS3);
}

}  // namespace pb::api
