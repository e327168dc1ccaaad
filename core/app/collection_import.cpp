// Collections import (PocketBase's ImportCollections, behind PUT /api/collections/import).
//
// Order of work, all in one write transaction:
//   1. every item is resolved against the existing collections (by id, else by name) and merged
//      on top of the existing definition; existing fields missing from the import are kept unless
//      deleteMissing (system fields are always kept);
//   2. with deleteMissing, non-system collections absent from the import are deleted first (a
//      deleted collection's name may be reused by an imported one);
//   3. the imported collections are saved without validation (they may reference each other, in
//      any order), views last;
//   4. each saved collection is validated against its original; the first failure rolls back all.
#include <algorithm>

#include "app/app.hpp"
#include "util/api_error.hpp"

namespace pb {

namespace {

ApiError importFailure(const std::string& message) {
    ValidationErrors errs;
    errs.add("collections", "validation_collections_import_failure", message);
    return badRequest("Failed to import collections.", errs.data());
}

// Existing fields the import does not mention are kept (all of them, or only the system ones
// with deleteMissing), as PocketBase extends the imported list with them.
void keepExistingFields(schema::Collection& imported, const schema::Collection& existing, bool deleteMissing) {
    for (const auto& f : existing.fields) {
        if (!f.system && deleteMissing) continue;
        if (imported.fieldById(f.id)) continue;
        // Same name and type: keep the existing field (and its id), so no column is dropped.
        auto it = std::find_if(imported.fields.begin(), imported.fields.end(),
                               [&](const schema::Field& x) { return x.name == f.name; });
        if (it != imported.fields.end() && it->type == f.type) *it = f;
        else imported.fields.push_back(f);
    }
}

}  // namespace

void App::importCollections(const json::Value& list, bool deleteMissing) {
    if (!list.isArray() || list.asArray().empty()) throw importFailure("No collections to import.");

    struct Item {
        schema::Collection imported;
        schema::CollectionPtr original;  // null for new collections
    };
    std::vector<Item> items;
    for (const auto& raw : list.asArray()) {
        if (!raw.isObject()) throw importFailure("Each imported collection must be an object.");
        std::string ident = raw["id"].getString();
        if (ident.empty()) ident = raw["name"].getString();
        auto existing = ident.empty() ? nullptr : collections_->find(ident);
        Item item;
        try {
            if (existing) {
                json::Value data = raw;
                if (deleteMissing && !data["fields"].isArray()) data.set("fields", json::Value::array());
                item.imported = schema::CollectionStore::fromJson(data, existing.get());
                keepExistingFields(item.imported, *existing, deleteMissing);
                item.original = existing;
            } else {
                item.imported = schema::CollectionStore::fromJson(raw, nullptr);
            }
        } catch (const ApiError& e) {
            throw importFailure("Failed to load collection \"" + raw["name"].getString() + "\": " + e.what());
        }
        items.push_back(std::move(item));
    }
    // Views last: their queries may read the other imported collections.
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        return !a.imported.isView() && b.imported.isView();
    });

    try {
        db_->write([&] {
            if (deleteMissing) {
                auto all = collections_->all();
                std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a->updated < b->updated; });
                for (auto& c : all) {
                    if (c->system) continue;
                    bool kept = std::any_of(items.begin(), items.end(), [&](const Item& i) { return i.imported.id == c->id; });
                    if (!kept) deleteCollection(*c);
                }
            }
            for (auto& item : items) {
                auto saved = saveCollection(item.imported, false);
                if (saved) item.imported = *saved;
            }
            for (auto& item : items) {
                auto current = collections_->find(item.imported.id);
                if (!current) continue;
                auto errs = collections_->validate(*current, item.original ? item.original.get() : current.get());
                if (errs.size() > 0)
                    throw importFailure("Data validations failed for collection \"" + current->name + "\" (" +
                                        current->id + "):\n" + errs.dump());
            }
        });
    } catch (const ApiError& e) {
        if (e.status() == 400 && e.data().has("collections")) throw;
        throw importFailure(std::string("Failed to import the collections configuration. Raw error:\n") + e.what() +
                            (e.data().size() > 0 ? "\n" + e.data().dump() : ""));
    } catch (const std::exception& e) {
        throw importFailure(std::string("Failed to import the collections configuration. Raw error:\n") + e.what());
    }
}

}  // namespace pb
