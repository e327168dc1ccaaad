// The one sequence every model operation follows (records and collections; save and delete),
// as PocketBase's create/update/delete scaffold in core/db.go:
//
//   write transaction {
//       outer hook (onRecordCreate, onCollectionDelete, ...) {
//           [validate]                    - optional, inside the transaction
//           execute hook { persist }      - the SQL; after it the two callbacks below are armed
//       }
//   }
//   commit   -> after-success hook (with a snapshot of the model as persisted)
//   rollback -> after-error hook, exactly once: from the rollback callback when this operation had
//               completed and an enclosing transaction failed later, else from the catch block here.
//
// A handler that does not call next() skips everything after it, the after-success hook included.
// An error of an after-success hook reaches the caller although the write stays committed (as in
// PocketBase, whose Save returns it; the tx OnComplete errors are joined); no after-error hook
// fires for it. Errors of after-error hooks are logged, never thrown.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "app/app.hpp"

namespace pb::modelop {

// The model pointer of each event type, so one template serves records and collections.
inline records::Record*& modelOf(RecordEvent& e) { return e.record; }
inline schema::Collection*& modelOf(CollectionEvent& e) { return e.collection; }

template <class Event>
struct Hooks {
    hook::Hook<Event>& outer;
    hook::Hook<Event>& execute;
    hook::Hook<Event>& afterSuccess;
    hook::Hook<Event>& afterError;
};

template <class Event, class Model>
struct Steps {
    std::function<void(Event&)> validate;                     // empty: no validation step
    std::function<void(Event&)> persist;                      // runs inside the execute hook
    std::function<std::shared_ptr<Model>(Event&)> snapshot;   // the model as persisted
    std::function<void()> onRollback;                         // e.g. reload a cache; may be empty
    // The operation is done: it completed (inside an enclosing transaction: before that one
    // commits), or it committed and only an after-success hook failed.
    std::function<void()> onPersisted;
};

namespace detail {

template <class Event, class Model>
void fireAfter(App& app, hook::Hook<Event>& h, Model& model, const std::string& type, std::exception_ptr err) {
    Event ev;
    ev.app = &app;
    modelOf(ev) = &model;
    ev.type = type;
    ev.error = std::move(err);
    h.trigger(ev);
}

template <class Event, class Model>
void fireAfterError(App& app, hook::Hook<Event>& h, Model& model, const std::string& type, std::exception_ptr err,
                    const char* label) {
    try {
        fireAfter(app, h, model, type, std::move(err));
    } catch (const std::exception& ex) {
        app.logError(std::string(label) + " after-error hook: " + ex.what());
    } catch (...) {
        app.logError(std::string(label) + " after-error hook: unknown error");
    }
}

}  // namespace detail

// Runs `e` (app, model and type already set) through the sequence above on `db`.
// `label` ("record", "collection") names the model in log lines.
template <class Event, class Model>
void run(App& app, db::Database& db, Event& e, const Hooks<Event>& hooks, const Steps<Event, Model>& steps,
         const char* label) {
    struct ErrorOnce {
        bool completed = false;
        bool fired = false;
        bool committed = false;           // the after-success callback started: the write stands
        std::shared_ptr<Model> snapshot;  // set once persisted; what a later rollback reports
    };
    auto once = std::make_shared<ErrorOnce>();
    const std::string type = e.type;
    try {
        db.write([&] {
            hooks.outer.trigger(e, [&](Event& ev) {
                if (steps.validate) steps.validate(ev);
                hooks.execute.trigger(ev, [&](Event& xev) {
                    // Armed before persisting: a persist that fails half-way still gets onRollback.
                    // Callbacks may run after run() returns (commit of an enclosing transaction):
                    // they capture the hooks (members of the App), never `hooks` itself.
                    db.afterRollback([&app, once, &afterError = hooks.afterError, type, label,
                                      onRollback = steps.onRollback] {
                        if (onRollback) onRollback();
                        if (once->completed && !once->fired && once->snapshot) {
                            once->fired = true;
                            detail::fireAfterError(app, afterError, *once->snapshot, type,
                                                   std::make_exception_ptr(std::runtime_error("transaction rolled back")),
                                                   label);
                        }
                    });
                    steps.persist(xev);
                    once->snapshot = steps.snapshot(xev);
                    db.afterCommit([&app, once, &afterSuccess = hooks.afterSuccess, type] {
                        once->committed = true;
                        detail::fireAfter(app, afterSuccess, *once->snapshot, type, nullptr);
                    });
                });
            });
            once->completed = true;
        });
    } catch (...) {
        if (once->committed) {
            if (steps.onPersisted) steps.onPersisted();
            throw;
        }
        if (!once->fired) {
            once->fired = true;
            detail::fireAfterError(app, hooks.afterError, *modelOf(e), type, std::current_exception(), label);
        }
        throw;
    }
    if (steps.onPersisted) steps.onPersisted();
}

}  // namespace pb::modelop
