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

namespace pb {

namespace {

// Shared between the error path of one operation and its rollback callback so that
// onCollectionAfter*Error fires exactly once: from the rollback when the operation itself had
// completed (an enclosing transaction failed later), else from the operation's catch block.
struct ErrorOnce {
    bool completed = false;
    bool fired = false;
};

void fireCollectionError(App& app, hook::Hook<CollectionEvent>& h, const schema::Collection& c, const std::string& type,
                         std::exception_ptr err) {
    schema::Collection copy = c;
    CollectionEvent ee;
    ee.app = &app;
    ee.collection = &copy;
    ee.type = type;
    ee.error = std::move(err);
    try {
        h.trigger(ee);
    } catch (const std::exception& ex) {
        app.logError(std::string("collection after-error hook: ") + ex.what());
    } catch (...) {
    }
}

}  // namespace

schema::CollectionPtr App::saveCollection(schema::Collection& c, bool validate) {
    // A new collection (POST, or new in an import) is never an update of a stored one.
    auto existing = c.isNew || c.id.empty() ? nullptr : collections_->find(c.id);
    if (existing && existing->id != c.id) existing = nullptr;  // matched by name only
    const bool isNew = !existing;
    const std::string type = isNew ? "create" : "update";
    auto& outer = isNew ? hooks_.onCollectionCreate : hooks_.onCollectionUpdate;
    auto& exec = isNew ? hooks_.onCollectionCreateExecute : hooks_.onCollectionUpdateExecute;
    auto& after = isNew ? hooks_.onCollectionAfterCreateSuccess : hooks_.onCollectionAfterUpdateSuccess;
    auto& afterErr = isNew ? hooks_.onCollectionAfterCreateError : hooks_.onCollectionAfterUpdateError;
    CollectionEvent e;
    e.app = this;
    e.collection = &c;
    e.type = type;
    schema::CollectionPtr saved;
    auto once = std::make_shared<ErrorOnce>();
    try {
        db_->write([&] {
            outer.trigger(e, [&](CollectionEvent& ev) {
                hooks_.onCollectionValidate.trigger(ev, [&](CollectionEvent& vev) {
                    collections_->prepareForSave(*vev.collection);
                    if (vev.collection->isView()) schema::inferViewFields(*db_, *vev.collection, collections_->all());
                    if (!validate) return;
                    auto errs = collections_->validate(*vev.collection, existing.get());
                    if (errs.size() > 0)
                        throw badRequest(isNew ? "Failed to create collection." : "Failed to update collection.", errs);
                });
                exec.trigger(ev, [&](CollectionEvent& xev) {
                    // The store publishes its cache at once; a later rollback reloads it.
                    db_->afterRollback([this, once, snap = *xev.collection, &afterErr, type] {
                        try {
                            collections_->load();
                        } catch (const std::exception& ex) {
                            logError(std::string("collections reload after rollback: ") + ex.what());
                        }
                        if (once->completed && !once->fired) {
                            once->fired = true;
                            fireCollectionError(*this, afterErr, snap, type,
                                                std::make_exception_ptr(std::runtime_error("transaction rolled back")));
                        }
                    });
                    saved = collections_->save(*xev.collection, validate);
                    *xev.collection = *saved;
                    db_->afterCommit([this, snap = saved, &after, type] {
                        schema::Collection copy = *snap;
                        CollectionEvent ae;
                        ae.app = this;
                        ae.collection = &copy;
                        ae.type = type;
                        try {
                            after.trigger(ae);
                        } catch (const std::exception& ex) {
                            logError(std::string("collection after-success hook: ") + ex.what());
                        }
                    });
                });
            });
            once->completed = true;
        });
    } catch (...) {
        if (!once->fired) {
            once->fired = true;
            fireCollectionError(*this, afterErr, c, type, std::current_exception());
        }
        throw;
    }
    return saved ? saved : collections_->find(c.id);
}

void App::deleteCollection(const schema::Collection& target) {
    schema::Collection c = target;
    CollectionEvent e;
    e.app = this;
    e.collection = &c;
    e.type = "delete";
    auto once = std::make_shared<ErrorOnce>();
    try {
        db_->write([&] {
            hooks_.onCollectionDelete.trigger(e, [&](CollectionEvent& ev) {
                hooks_.onCollectionDeleteExecute.trigger(ev, [&](CollectionEvent& xev) {
                    db_->afterRollback([this, once, snap = *xev.collection] {
                        try {
                            collections_->load();
                        } catch (const std::exception& ex) {
                            logError(std::string("collections reload after rollback: ") + ex.what());
                        }
                        if (once->completed && !once->fired) {
                            once->fired = true;
                            fireCollectionError(*this, hooks_.onCollectionAfterDeleteError, snap, "delete",
                                                std::make_exception_ptr(std::runtime_error("transaction rolled back")));
                        }
                    });
                    collections_->remove(xev.collection->id);
                    db_->afterCommit([this, snap = *xev.collection]() mutable {
                        CollectionEvent ae;
                        ae.app = this;
                        ae.collection = &snap;
                        ae.type = "delete";
                        try {
                            hooks_.onCollectionAfterDeleteSuccess.trigger(ae);
                        } catch (const std::exception& ex) {
                            logError(std::string("collection after-delete hook: ") + ex.what());
                        }
                    });
                });
            });
            once->completed = true;
        });
    } catch (...) {
        if (!once->fired) {
            once->fired = true;
            fireCollectionError(*this, hooks_.onCollectionAfterDeleteError, c, "delete", std::current_exception());
        }
        throw;
    }
}

void App::reloadSettings() {
    SettingsReloadEvent e;
    e.app = this;
    hooks_.onSettingsReload.trigger(e, [this](SettingsReloadEvent&) { settings_->load(); });
}

}  // namespace pb
