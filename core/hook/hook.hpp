#pragma once
// Generic hook bus (no domain types). A Hook<E> holds handlers sorted by priority (stable);
// trigger() runs them as a chain: each handler calls e.next() to run the rest of the chain and
// finally the default action, and may do work before and after that call. Not calling next()
// stops the chain and skips the default action. Errors are exceptions: they abort the chain.
//
// Readers take an immutable snapshot of the handler list, so handlers may bind/unbind from
// inside a trigger without deadlock; the change applies to the next trigger.
#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/random.hpp"

namespace pb::hook {

// Base of every event passed through a Hook. Events may be reused by nested triggers; trigger()
// saves and restores the chain state.
class Event {
public:
    virtual ~Event() = default;
    // Runs the remaining handlers and the default action.
    void next() {
        if (next_) next_(nextCtx_);
    }
    // Tags used by tagged handlers (e.g. collection id and name). Empty = untagged event.
    virtual std::vector<std::string> tags() const { return {}; }

private:
    template <class E>
    friend class Hook;
    void (*next_)(void*) = nullptr;
    void* nextCtx_ = nullptr;
};

template <class E>
struct Handler {
    std::string id;
    int priority = 0;
    std::function<void(E&)> fn;
    std::vector<std::string> tags;  // empty = runs for every event
};

template <class E>
class Hook {
public:
    using Fn = std::function<void(E&)>;
    using List = std::vector<Handler<E>>;

    Hook() : list_(std::make_shared<const List>()) {}
    Hook(const Hook&) = delete;
    Hook& operator=(const Hook&) = delete;

    // Binds a handler. An empty id gets a random one; an existing id is replaced in place.
    std::string bind(Handler<E> h) {
        if (h.id.empty()) h.id = random::string(20);
        std::lock_guard lk(writeMu_);
        auto next = std::make_shared<List>(*snapshot());
        auto it = std::find_if(next->begin(), next->end(), [&](auto& x) { return x.id == h.id; });
        std::string id = h.id;
        if (it != next->end()) {
            *it = std::move(h);
        } else {
            next->push_back(std::move(h));
        }
        std::stable_sort(next->begin(), next->end(),
                         [](const auto& a, const auto& b) { return a.priority < b.priority; });
        publish(std::move(next));
        return id;
    }
    std::string bindFunc(Fn fn, std::vector<std::string> tags = {}) {
        return bind(Handler<E>{"", 0, std::move(fn), std::move(tags)});
    }
    void unbind(const std::string& id) {
        std::lock_guard lk(writeMu_);
        auto next = std::make_shared<List>(*snapshot());
        std::erase_if(*next, [&](auto& x) { return x.id == id; });
        publish(std::move(next));
    }
    void unbindAll() {
        std::lock_guard lk(writeMu_);
        publish(std::make_shared<List>());
    }
    size_t length() const { return snapshot()->size(); }
    std::shared_ptr<const List> snapshot() const { return std::atomic_load(&list_); }

    // Runs the chain, then `finalAction` (may be empty) when the last handler calls next().
    void trigger(E& e, const std::function<void(E&)>& finalAction = {}) const {
        auto list = snapshot();
        struct Restore {
            E& e;
            void (*n)(void*);
            void* c;
            ~Restore() {
                e.next_ = n;
                e.nextCtx_ = c;
            }
        } restore{e, e.next_, e.nextCtx_};
        if (list->empty()) {
            // next() inside the final action must not continue an enclosing trigger's chain.
            e.next_ = nullptr;
            e.nextCtx_ = nullptr;
            if (finalAction) finalAction(e);
            return;
        }
        Chain chain{list.get(), &finalAction, &e, 0, {}};
        chain.eventTags = e.tags();
        e.next_ = &Chain::advance;
        e.nextCtx_ = &chain;
        Chain::advance(&chain);
    }

private:
    struct Chain {
        const List* list;
        const std::function<void(E&)>* finalAction;
        E* e;
        size_t index;
        std::vector<std::string> eventTags;

        static void advance(void* ctx) {
            auto* c = static_cast<Chain*>(ctx);
            while (c->index < c->list->size()) {
                const auto& h = (*c->list)[c->index++];
                if (!h.tags.empty() && !intersects(h.tags, c->eventTags)) continue;
                h.fn(*c->e);
                return;
            }
            if (c->index == c->list->size()) {
                ++c->index;  // the final action runs at most once
                if (*c->finalAction) (*c->finalAction)(*c->e);
            }
        }
        static bool intersects(const std::vector<std::string>& a, const std::vector<std::string>& b) {
            for (auto& x : a)
                for (auto& y : b)
                    if (x == y) return true;
            return false;
        }
    };

    void publish(std::shared_ptr<const List> l) { std::atomic_store(&list_, std::move(l)); }

    std::shared_ptr<const List> list_;
    std::mutex writeMu_;
};

}  // namespace pb::hook
