#pragma once
// Every request hook event of the API handlers starts the same way: the request, the app and, for
// record and collection requests, the collection and the record. One builder per shape, so a
// handler reads `auto ev = recordRequestEvent<RecordRequestEvent>(e, c, r);`.
#include <utility>

#include "app/app.hpp"

namespace pb::api {

template <class Ev>
Ev requestEvent(RequestEvent& e) {
    Ev ev;
    ev.req = &e;
    ev.app = &e.app;
    return ev;
}

// C: the event's collection pointer type (const for record requests, mutable for collection ones).
template <class Ev, class C>
Ev collectionRequestEvent(RequestEvent& e, C c) {
    Ev ev = requestEvent<Ev>(e);
    ev.collection = std::move(c);
    return ev;
}

template <class Ev>
Ev recordRequestEvent(RequestEvent& e, schema::CollectionPtr c, records::RecordPtr r) {
    Ev ev = collectionRequestEvent<Ev>(e, std::move(c));
    ev.record = std::move(r);
    return ev;
}

}  // namespace pb::api
