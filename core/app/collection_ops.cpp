// Collection definitions through the collection model hooks, and settings reload.
//
//   onCollectionCreate|Update {            (inside one write transaction)
//       onCollectionValidate { validate }
//       onCollectionCreateExecute|UpdateExecute { persist + migrate the table }
//   }
//   commit -> onCollectionAfter*Success;  failure / rollback -> onCollectionAfter*Error
//
// Delete: onCollectionDelete { onCollectionDeleteExecute { drop } } with the same after-hooks.
#include <memory>

#include "app/app.hpp"
#include "app/model_op.hpp"

namespace pb {

schema::CollectionPtr App::saveCollection(schema::Collection& c, bool validate) {
    // A new collection (POST, or new in an import) is never an update of a stored one.
    auto existing = c.isNew || c.id.empty() ? nullptr : collections_->find(c.id);
    if (existing && existing->id != c.id) existing = nullptr;  // matched by name only
    const bool isNew = !existing;
    CollectionEvent e;
    e.app = this;
    e.collection = &c;
    e.type = isNew ? "create" : "update";
    modelop::Hooks<CollectionEvent> hooks{
        isNew ? hooks_.onCollectionCreate : hooks_.onCollectionUpdate,
        isNew ? hooks_.onCollectionCreateExecute : hooks_.onCollectionUpdateExecute,
        isNew ? hooks_.onCollectionAfterCreateSuccess : hooks_.onCollectionAfterUpdateSuccess,
        isNew ? hooks_.onCollectionAfterCreateError : hooks_.onCollectionAfterUpdateError};
    schema::CollectionPtr saved;
    modelop::Steps<CollectionEvent, schema::Collection> steps;
    steps.validate = [&](CollectionEvent& ev) {
        hooks_.onCollectionValidate.trigger(ev, [&](CollectionEvent& vev) {
            collections_->prepareForSave(*vev.collection);
            if (vev.collection->isView()) schema::inferViewFields(*db_, *vev.collection, collections_->all());
            if (!validate) return;
            auto errs = collections_->validate(*vev.collection, existing.get());
            if (errs.size() > 0) throw badRequest(isNew ? "Failed to create collection." : "Failed to update collection.", errs);
        });
    };
    steps.persist = [&](CollectionEvent& xev) {
        saved = collections_->save(*xev.collection, validate);
        *xev.collection = *saved;
    };
    steps.snapshot = [&](CollectionEvent&) { return std::make_shared<schema::Collection>(*saved); };
    steps.onRollback = [this] { reloadCollectionsAfterRollback(); };
    modelop::run(*this, *db_, e, hooks, steps, "collection");
    return saved ? saved : collections_->find(c.id);
}

void App::deleteCollection(const schema::Collection& target) {
    schema::Collection c = target;
    CollectionEvent e;
    e.app = this;
    e.collection = &c;
    e.type = "delete";
    modelop::Hooks<CollectionEvent> hooks{hooks_.onCollectionDelete, hooks_.onCollectionDeleteExecute,
                                          hooks_.onCollectionAfterDeleteSuccess, hooks_.onCollectionAfterDeleteError};
    modelop::Steps<CollectionEvent, schema::Collection> steps;
    steps.persist = [&](CollectionEvent& xev) { collections_->remove(xev.collection->id); };
    steps.snapshot = [](CollectionEvent& xev) { return std::make_shared<schema::Collection>(*xev.collection); };
    steps.onRollback = [this] { reloadCollectionsAfterRollback(); };
    modelop::run(*this, *db_, e, hooks, steps, "collection");
}

// The store publishes its cache at once; a rolled-back save or delete reloads it from the database.
void App::reloadCollectionsAfterRollback() {
    try {
        collections_->load();
    } catch (const std::exception& ex) {
        logError(std::string("collections reload after rollback: ") + ex.what());
    }
}

void App::reloadSettings() {
    SettingsReloadEvent e;
    e.app = this;
    hooks_.onSettingsReload.trigger(e, [this](SettingsReloadEvent&) { settings_->load(); });
}

}  // namespace pb
