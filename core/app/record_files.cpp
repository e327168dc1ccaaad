#include "app/record_files.hpp"

#include <algorithm>

#include "files/mime.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::files {

using records::Record;
namespace FT = schema::FieldType;

namespace {

struct Item {
    std::string name;
    int upload = -1;  // index into the plan's candidate uploads, -1 = existing name
};

std::vector<std::string> namesOf(const json::Value& v) {
    std::vector<std::string> out;
    auto add = [&](const json::Value& x) {
        if (x.isString() && !x.asString().empty()) out.push_back(x.asString());
        else if (x.isNumber() || x.isBool()) out.push_back(x.isNumber() ? json::formatNumber(x.asNumber()) : x.dump());
    };
    if (v.isArray())
        for (auto& x : v.asArray()) add(x);
    else add(v);
    return out;
}

std::string humanSize(double bytes) { return json::formatNumber(bytes); }

}  // namespace

Storage storageOf(App& app) { return Storage(app.dataDir()); }

FilePlan applyFileFields(Record& r, const json::Value& body, const std::vector<RequestEvent::UploadedFile>& uploads) {
    FilePlan plan;
    ValidationErrors errs;
    const bool isNew = r.isNew();
    for (auto& f : r.collection().fields) {
        if (f.type != FT::File) continue;
        const std::string& n = f.name;
        const auto original = r.getStringList(n);
        std::vector<PendingUpload> candidates;
        auto uploadsFor = [&](const std::string& key) {
            std::vector<Item> items;
            for (auto& u : uploads) {
                if (u.field != key) continue;
                candidates.push_back({n, generateName(u.filename, u.data), u.data});
                items.push_back({candidates.back().name, static_cast<int>(candidates.size() - 1)});
            }
            return items;
        };
        auto stringsFor = [&](const std::string& key, bool& present) {
            std::vector<Item> items;
            if (auto* v = body.find(key)) {
                present = true;
                for (auto& s : namesOf(*v)) items.push_back({s, -1});
            }
            return items;
        };
        std::vector<Item> list;
        for (auto& s : original) list.push_back({s, -1});
        bool touched = false;
        // Plain key: the submitted names plus the uploads replace the current value.
        bool plainPresent = false;
        auto plain = stringsFor(n, plainPresent);
        auto plainUploads = uploadsFor(n);
        if (plainPresent || !plainUploads.empty()) {
            list = plain;
            list.insert(list.end(), plainUploads.begin(), plainUploads.end());
            touched = true;
        }
        bool pre = false, app = false, rm = false;
        auto prepend = stringsFor("+" + n, pre);
        auto prependUploads = uploadsFor("+" + n);
        prepend.insert(prepend.end(), prependUploads.begin(), prependUploads.end());
        if (!prepend.empty() || pre) {
            list.insert(list.begin(), prepend.begin(), prepend.end());
            touched = true;
        }
        auto append = stringsFor(n + "+", app);
        auto appendUploads = uploadsFor(n + "+");
        append.insert(append.end(), appendUploads.begin(), appendUploads.end());
        if (!append.empty() || app) {
            list.insert(list.end(), append.begin(), append.end());
            touched = true;
        }
        auto removeList = stringsFor(n + "-", rm);
        if (rm) {
            std::erase_if(list, [&](const Item& it) {
                return it.upload < 0 && std::any_of(removeList.begin(), removeList.end(),
                                                     [&](const Item& x) { return x.name == it.name; });
            });
            touched = true;
        }
        if (!touched) continue;
        // De-duplicate (first occurrence wins), then validate.
        std::vector<Item> unique;
        for (auto& it : list)
            if (std::none_of(unique.begin(), unique.end(), [&](const Item& u) { return u.name == it.name; }))
                unique.push_back(it);
        if (!f.isMultiple() && unique.size() > 1) unique.erase(unique.begin(), unique.end() - 1);
        json::Value fieldErr;
        // Plain names that are not already files of the record (PocketBase lists them all; the
        // message prints the list as Go does, "[a b]").
        std::vector<std::string> invalid;
        for (auto& it : unique)
            if (it.upload < 0 && std::find(original.begin(), original.end(), it.name) == original.end())
                invalid.push_back(it.name.substr(0, 250));
        if (!invalid.empty()) {
            json::Array names(invalid.begin(), invalid.end());
            fieldErr = fieldError("validation_invalid_file", "Invalid new files: [" + str::join(invalid, " ") + "].",
                                  json::Value(json::Object{{"invalidFiles", json::Value(std::move(names))}}));
        }
        const int maxSelect = std::max(1, f.maxSelect());
        if (fieldErr.isNull() && f.isMultiple() && static_cast<int>(unique.size()) > maxSelect)
            fieldErr = fieldError("validation_too_many_files", "The maximum allowed files is " + std::to_string(maxSelect) + ".",
                                  json::Value(json::Object{{"maxSelect", maxSelect}}));
        double maxSize = f.opts["maxSize"].getNumber();
        if (maxSize <= 0) maxSize = kDefaultMaxFileSize;
        const auto& allowed = f.opts["mimeTypes"];
        for (auto& it : unique) {
            if (!fieldErr.isNull() || it.upload < 0) continue;
            const auto& up = candidates[static_cast<size_t>(it.upload)];
            if (static_cast<double>(up.data.size()) > maxSize) {
                fieldErr = fieldError("validation_file_size_limit",
                                      "Failed to upload \"" + up.name + "\" - the maximum allowed file size is " +
                                          humanSize(maxSize) + " bytes.",
                                      json::Value(json::Object{{"file", up.name}, {"maxSize", maxSize}}));
                break;
            }
            if (allowed.isArray() && allowed.size() > 0) {
                auto mt = baseMime(detectMime(up.data));
                bool ok = false;
                std::vector<std::string> names;
                for (auto& a : allowed.asArray()) {
                    names.push_back(a.getString());
                    auto am = baseMime(a.getString());
                    ok = ok || am == mt || (am == "image/jpg" && mt == "image/jpeg");
                }
                if (!ok) {
                    fieldErr = fieldError("validation_invalid_mime_type",
                                          "\"" + up.name + "\" mime type must be one of: " + str::join(names, ", ") + ".");
                    break;
                }
            }
        }
        if (!fieldErr.isNull()) {
            errs.addNested(n, fieldErr);
            continue;
        }
        json::Value arr = json::Value::array();
        for (auto& it : unique) {
            arr.push(it.name);
            if (it.upload >= 0) plan.uploads.push_back(std::move(candidates[static_cast<size_t>(it.upload)]));
        }
        r.setRaw(n, Record::normalize(f, arr));
        for (auto& o : original)
            if (std::none_of(unique.begin(), unique.end(), [&](const Item& u) { return u.name == o; }))
                plan.removed.push_back(o);
    }
    errs.throwIfAny(isNew ? "Failed to create record." : "Failed to update record.");
    return plan;
}

void persistFiles(App& app, Record& r, const FilePlan& plan) {
    if (plan.empty()) return;
    if (r.id().empty()) r.setId(random::recordId());
    const std::string cid = r.collection().id, rid = r.id();
    auto storage = storageOf(app);
    for (auto& up : plan.uploads) {
        auto path = storage.filePath(cid, rid, up.name);
        if (!path) throw badRequest(r.isNew() ? "Failed to create record." : "Failed to update record.");
        // Registered before writing so a partial write is cleaned up too.
        app.db().afterRollback([storage, cid, rid, name = up.name] { storage.removeFile(cid, rid, name); });
        storage.write(*path, up.data);
    }
    if (!plan.removed.empty())
        app.db().afterCommit([storage, cid, rid, removed = plan.removed] {
            for (auto& name : removed) storage.removeFile(cid, rid, name);
        });
}

void saveWithFiles(App& app, Record& r, const FilePlan& plan) {
    if (plan.empty()) {
        app.save(r);
        return;
    }
    app.runInTransaction([&] {
        persistFiles(app, r, plan);
        app.save(r);
    });
}

void bindStorageCleanup(App& app) {
    app.hooks().onRecordAfterDeleteSuccess.bind({"__pbFilesCleanup__", -99999,
                                                 [&app](RecordEvent& e) {
                                                     if (e.record) {
                                                         bool hasFiles = false;
                                                         for (auto& f : e.record->collection().fields)
                                                             hasFiles = hasFiles || f.type == FT::File;
                                                         if (hasFiles)
                                                             storageOf(app).removeRecord(e.record->collection().id,
                                                                                         e.record->id());
                                                     }
                                                     e.next();
                                                 },
                                                 {}});
    app.hooks().onCollectionDeleteRequest.bind({"__pbFilesCollectionCleanup__", -99999,
                                                [&app](CollectionRequestEvent& e) {
                                                    std::string id = e.collection ? e.collection->id : "";
                                                    e.next();
                                                    if (!id.empty() && !app.findCollection(id))
                                                        storageOf(app).removeCollection(id);
                                                },
                                                {}});
    app.hooks().onCollectionAfterDeleteSuccess.bind({"__pbFilesCollectionCleanup__", -99999,
                                                     [&app](CollectionEvent& e) {
                                                         if (e.collection) storageOf(app).removeCollection(e.collection->id);
                                                         e.next();
                                                     },
                                                     {}});
}

}  // namespace pb::files
