// /api/backups: list, create, upload, download (superuser file token), delete, restore.
// Messages and status codes follow PocketBase's apis/backup*.go.

#include "api/middlewares.hpp"
#include "api/routes.hpp"
#include "backup/archive.hpp"
#include "backup/backups.hpp"
#include "files/storage.hpp"
#include "util/regex.hpp"
#include "util/time.hpp"

namespace pb::api {

namespace {

constexpr const char* kBusy = "Try again later - another backup/restore process has already been started";
constexpr const char* kCsp = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

void list(RequestEvent& e) {
    json::Value out = json::Value::array();
    for (auto& f : e.app.backups().list())
        out.push(json::Value(json::Object{{"key", f.key},
                                          {"size", static_cast<double>(f.size)},
                                          {"modified", timeutil::formatMillis(f.modifiedMs)}}));
    e.json(200, out);
}

void create(RequestEvent& e) {
    auto& backups = e.app.backups();
    if (backups.active()) throw badRequest(kBusy);
    const auto& body = e.body();
    const json::Value* nameV = body.find("name");
    if (nameV && !nameV->isNull() && !nameV->isString())
        throw badRequest("An error occurred while loading the submitted data.");
    const std::string name = nameV ? nameV->getString() : "";
    if (!name.empty()) {
        static const auto kNameRe = rx::builtin(R"([a-z0-9_-]+\.zip)");
        ValidationErrors errs;
        if (name.size() > 150)
            errs.add("name", "validation_length_out_of_range", "The length must be between 1 and 150.");
        else if (!re2::RE2::FullMatch(name, *kNameRe))
            errs.add("name", "validation_match_invalid", "Must be in a valid format.");
        else if (backups.exists(name))
            errs.add("name", "validation_backup_name_exists", "The backup file name is invalid or already exists.");
        errs.throwIfAny("An error occurred while validating the submitted data.");
    }
    try {
        backups.create(name);
    } catch (const backup::BusyError&) {
        throw badRequest(kBusy);
    } catch (const std::exception& ex) {
        e.app.logError(std::string("backup create: ") + ex.what());
        throw badRequest("Failed to create backup.");
    }
    e.noContent(204);
}

void upload(RequestEvent& e) {
    auto& backups = e.app.backups();
    const RequestEvent::UploadedFile* file = nullptr;
    for (auto& f : e.files())
        if (f.field == "file") {
            file = &f;
            break;
        }
    ValidationErrors errs;
    if (!file) {
        errs.add("file", "validation_required", "Cannot be blank.");
    } else if (!files::safeSegment(file->filename)) {
        errs.add("file", "validation_invalid_name", "Invalid backup file name.");
    } else if (file->data.size() < 4 ||
               (file->data.compare(0, 4, "PK\x05\x06") != 0 && file->data.compare(0, 4, "PK\x03\x04") != 0)) {
        errs.add("file", "validation_invalid_mime_type", "The file is not a zip archive (application/zip).");
    } else if (backups.exists(file->filename)) {
        errs.add("file", "validation_backup_name_exists", "Backup file with the specified name already exists.");
    }
    errs.throwIfAny("An error occurred while validating the submitted data.");
    try {
        backups.upload(file->filename, file->data);
    } catch (const backup::ArchiveError& ex) {
        errs.add("file", "validation_invalid_backup", std::string("Invalid backup archive: ") + ex.what() + ".");
        errs.throwIfAny("An error occurred while validating the submitted data.");
    } catch (const std::exception& ex) {
        e.app.logError(std::string("backup upload: ") + ex.what());
        throw badRequest("Failed to upload backup.");
    }
    e.noContent(204);
}

void download(RequestEvent& e) {
    records::RecordPtr auth;
    if (auto token = e.request.queryParam("token"); token && !token->empty()) {
        auth = e.app.findRecordByToken(*token, "file");  // null for any invalid token
    }
    if (!auth || !auth->isSuperuser()) throw forbidden("Insufficient permissions to access the resource.");
    const std::string key = e.pathValue("key");
    auto path = e.app.backups().path(key);
    if (!path || !e.app.backups().exists(key)) throw notFound();
    auto data = files::Storage::read(*path);
    if (!data) throw notFound();
    e.setHeader("Content-Disposition", "attachment; filename=\"" + key + "\"");  // key: a validated name
    e.setHeader("Content-Security-Policy", kCsp);
    e.bytes(200, std::move(*data), "application/zip");
}

void remove(RequestEvent& e) {
    try {
        e.app.backups().remove(e.pathValue("key"));
    } catch (const std::exception& ex) {
        throw badRequest(ex.what());
    }
    e.noContent(204);
}

void restore(RequestEvent& e) {
    auto& backups = e.app.backups();
    if (backups.active()) throw badRequest(std::string(kBusy) + ".");
    const std::string key = e.pathValue("key");
    if (!backups.exists(key)) throw badRequest("Missing or invalid backup file.");
    try {
        backups.restoreAsync(key);
    } catch (const backup::BusyError&) {
        throw badRequest(std::string(kBusy) + ".");
    } catch (const backup::ArchiveError& ex) {
        throw badRequest(std::string("Invalid backup archive: ") + ex.what() + ".");
    } catch (const std::exception& ex) {
        throw badRequest(ex.what());
    }
    e.noContent(204);
}

}  // namespace

void registerBackupRoutes(App& app) {
    auto& g = app.router().group("/api/backups");
    g.get("", list, {requireSuperuserAuth()});
    g.post("", create, {requireSuperuserAuth()});
    g.post("/upload", upload, {bodyLimit(0), requireSuperuserAuth()});
    g.get("/{key}", download);  // relies on the superuser file token
    g.del("/{key}", remove, {requireSuperuserAuth()});
    g.post("/{key}/restore", restore, {requireSuperuserAuth()});
}

}  // namespace pb::api
