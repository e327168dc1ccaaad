#pragma once
// Our own router (generic over the event type E, which derives from RequestEventBase).
// Groups with prefixes, routes with method + pattern, middlewares with id and priority at
// group and route level (removable by id). Each route's chain = parent groups' middlewares,
// then the group's, then the route's, sorted by priority (ties keep registration order);
// the route action runs last.
//
// Routes may be added and removed while serving: every change rebuilds an immutable table that
// dispatch() reads through an atomic snapshot.
#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "hook/hook.hpp"
#include "router/pattern.hpp"
#include "util/api_error.hpp"

namespace pb::router {

template <class E>
class Router;

template <class E>
struct Route {
    std::string id;
    std::string method;  // "" = any method
    Pattern pattern;
    std::function<void(E&)> action;
    std::vector<hook::Handler<E>> middlewares;
    std::vector<std::string> excluded;  // unbound middleware ids
};

template <class E>
class Group {
public:
    explicit Group(Router<E>* r, std::string prefix) : router_(r), prefix_(std::move(prefix)) {}

    // Adds a route; returns its id. Throws std::invalid_argument on a clash with an existing route.
    std::string route(const std::string& method, const std::string& path, std::function<void(E&)> action,
                      std::vector<hook::Handler<E>> middlewares = {});
    std::string get(const std::string& p, std::function<void(E&)> a, std::vector<hook::Handler<E>> mw = {}) { return route("GET", p, std::move(a), std::move(mw)); }
    std::string post(const std::string& p, std::function<void(E&)> a, std::vector<hook::Handler<E>> mw = {}) { return route("POST", p, std::move(a), std::move(mw)); }
    std::string patch(const std::string& p, std::function<void(E&)> a, std::vector<hook::Handler<E>> mw = {}) { return route("PATCH", p, std::move(a), std::move(mw)); }
    std::string put(const std::string& p, std::function<void(E&)> a, std::vector<hook::Handler<E>> mw = {}) { return route("PUT", p, std::move(a), std::move(mw)); }
    std::string del(const std::string& p, std::function<void(E&)> a, std::vector<hook::Handler<E>> mw = {}) { return route("DELETE", p, std::move(a), std::move(mw)); }
    std::string any(const std::string& p, std::function<void(E&)> a, std::vector<hook::Handler<E>> mw = {}) { return route("", p, std::move(a), std::move(mw)); }

    Group<E>& group(const std::string& prefix);
    // Middleware on this group (and its descendants). Same id replaces.
    std::string bind(hook::Handler<E> h);
    std::string bindFunc(std::function<void(E&)> fn) { return bind(hook::Handler<E>{"", 0, std::move(fn), {}}); }
    // Removes a middleware by id here and excludes it in every descendant.
    void unbind(const std::string& id);
    bool removeRoute(const std::string& routeId);

    const std::string& prefix() const { return prefix_; }

private:
    friend class Router<E>;
    Router<E>* router_;
    std::string prefix_;
    std::vector<hook::Handler<E>> middlewares_;
    std::vector<std::string> excluded_;
    std::vector<std::unique_ptr<Group<E>>> groups_;
    std::vector<Route<E>> routes_;
};

template <class E>
class Router : public Group<E> {
public:
    Router() : Group<E>(this, "") { rebuild(); }

    // Finds the route and runs its chain. Unmatched paths run only the root middlewares, then
    // `notFound` (so CORS and friends still apply). Returns false when no route matched.
    bool dispatch(E& e, const std::function<void(E&)>& notFound) const {
        auto table = std::atomic_load(&table_);
        const Compiled* best = nullptr;
        std::vector<std::pair<std::string, std::string>> params, bestParams;
        for (auto& c : table->routes) {
            if (!c.method.empty() && c.method != e.request.method &&
                !(c.method == "GET" && e.request.method == "HEAD"))
                continue;
            if (!c.pattern.match(e.request.path, params)) continue;
            if (!best || c.pattern.specificity() > best->pattern.specificity()) {
                best = &c;
                bestParams = params;
            }
        }
        if (!best) {
            table->rootChain->trigger(e, notFound);
            return false;
        }
        e.pathParams = std::move(bestParams);
        best->chain->trigger(e, best->action);
        return true;
    }

    // Rebuilds the dispatch table (called after every change).
    void rebuild() {
        auto t = std::make_shared<Table>();
        t->rootChain = std::make_shared<hook::Hook<E>>();
        for (auto& h : this->middlewares_) t->rootChain->bind(h);
        collect(*this, {}, {}, *t);
        std::atomic_store(&table_, std::shared_ptr<const Table>(std::move(t)));
    }

    std::mutex& mutex() { return mu_; }

private:
    struct Compiled {
        std::string method;
        Pattern pattern;
        std::function<void(E&)> action;
        std::shared_ptr<hook::Hook<E>> chain;
    };
    struct Table {
        std::vector<Compiled> routes;
        std::shared_ptr<hook::Hook<E>> rootChain;
    };

    static void collect(const Group<E>& g, std::vector<hook::Handler<E>> inherited, std::vector<std::string> excluded,
                        Table& t) {
        for (auto& id : g.excluded_) excluded.push_back(id);
        for (auto& h : g.middlewares_) inherited.push_back(h);
        for (auto& r : g.routes_) {
            Compiled c{r.method, r.pattern, r.action, std::make_shared<hook::Hook<E>>()};
            auto ex = excluded;
            for (auto& id : r.excluded) ex.push_back(id);
            auto all = inherited;
            for (auto& h : r.middlewares) all.push_back(h);
            for (auto& h : all) {
                if (std::find(ex.begin(), ex.end(), h.id) != ex.end()) continue;
                auto copy = h;
                if (copy.id.empty()) copy.id = random::string(20);
                c.chain->bind(std::move(copy));
            }
            t.routes.push_back(std::move(c));
        }
        for (auto& sub : g.groups_) collect(*sub, inherited, excluded, t);
    }

    bool hasClash(const std::string& method, const Pattern& p, const Group<E>& g) const {
        for (auto& r : g.routes_)
            if (r.method == method && r.pattern.sameShape(p)) return true;
        for (auto& sub : g.groups_)
            if (hasClash(method, p, *sub)) return true;
        return false;
    }

    friend class Group<E>;
    std::shared_ptr<const Table> table_;
    mutable std::mutex mu_;
};

template <class E>
std::string Group<E>::route(const std::string& method, const std::string& path, std::function<void(E&)> action,
                            std::vector<hook::Handler<E>> middlewares) {
    std::lock_guard lk(router_->mu_);
    Pattern p = Pattern::parse(joinPath(prefix_, path));
    if (router_->hasClash(method, p, *router_))
        throw std::invalid_argument("route clash: " + (method.empty() ? std::string("ANY") : method) + " " + p.source +
                                    " is already registered");
    Route<E> r{random::string(16), method, std::move(p), std::move(action), std::move(middlewares), {}};
    std::string id = r.id;
    routes_.push_back(std::move(r));
    router_->rebuild();
    return id;
}

template <class E>
Group<E>& Group<E>::group(const std::string& prefix) {
    std::lock_guard lk(router_->mu_);
    groups_.push_back(std::make_unique<Group<E>>(router_, joinPath(prefix_, prefix)));
    return *groups_.back();
}

template <class E>
std::string Group<E>::bind(hook::Handler<E> h) {
    std::lock_guard lk(router_->mu_);
    if (h.id.empty()) h.id = random::string(20);
    std::string id = h.id;
    auto it = std::find_if(middlewares_.begin(), middlewares_.end(), [&](auto& x) { return x.id == id; });
    if (it != middlewares_.end()) *it = std::move(h);
    else middlewares_.push_back(std::move(h));
    router_->rebuild();
    return id;
}

template <class E>
void Group<E>::unbind(const std::string& id) {
    std::lock_guard lk(router_->mu_);
    std::erase_if(middlewares_, [&](auto& x) { return x.id == id; });
    excluded_.push_back(id);
    router_->rebuild();
}

template <class E>
bool Group<E>::removeRoute(const std::string& routeId) {
    std::lock_guard lk(router_->mu_);
    std::function<bool(Group<E>&)> rm = [&](Group<E>& g) {
        auto before = g.routes_.size();
        std::erase_if(g.routes_, [&](auto& r) { return r.id == routeId; });
        if (g.routes_.size() != before) return true;
        for (auto& sub : g.groups_)
            if (rm(*sub)) return true;
        return false;
    };
    bool removed = rm(*router_);
    if (removed) router_->rebuild();
    return removed;
}

}  // namespace pb::router
