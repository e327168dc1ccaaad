#pragma once
// File fields of records on create/update: applies the submitted names and uploads
// (f, +f, f+, f-), validates them (maxSelect, maxSize, mimeTypes, unknown names), writes the
// new files inside the current write transaction (removed again on rollback) and deletes the
// dropped ones after commit. Also binds the storage cleanup on record / collection delete.
#include <string>
#include <vector>

#include "app/app.hpp"
#include "files/storage.hpp"

namespace pb::files {

struct PendingUpload {
    std::string field, name, data;
};

struct FilePlan {
    std::vector<PendingUpload> uploads;  // new files kept in the final value
    std::vector<std::string> removed;    // stored names no longer referenced
    bool empty() const { return uploads.empty() && removed.empty(); }
};

constexpr double kDefaultMaxFileSize = 5 * 1024 * 1024;

Storage storageOf(App& app);

// Applies the file-field keys of `body` and the uploaded files to `r` (whose current values are
// the originals). Throws ApiError 400 ("Failed to create/update record.") with field errors.
FilePlan applyFileFields(records::Record& r, const json::Value& body,
                         const std::vector<RequestEvent::UploadedFile>& uploads);

// Inside a write transaction: writes the uploads (assigning the record id when missing) and
// schedules the removal of dropped files after commit (and of the new ones on rollback).
void persistFiles(App& app, records::Record& r, const FilePlan& plan);

// One transaction: persistFiles + app.save(r).
void saveWithFiles(App& app, records::Record& r, const FilePlan& plan);

// Deletes a record's storage dir after its delete commits and storage/<collectionId> after a
// collection is deleted.
void bindStorageCleanup(App& app);

}  // namespace pb::files
