// greet_routes: a route group /api/greet with public and authenticated routes.
//
//   GET  /api/greet/hello            public   {"message":"Hello, stranger!"}  (?name=Ann -> "Hello, Ann!")
//   GET  /api/greet/hello/{name}     public   {"message":"Hello, <name>!"}
//   GET  /api/greet/me               auth     {"message":"Hello, <email>!","id":..,"collection":..}
//   POST /api/greet/broadcast        auth     sends the JSON body to realtime topic "greetings"
//
// The authenticated routes live in a middleware scope (a group with an empty prefix) that has a
// require-auth middleware, so the public routes stay public.
#include <pb/plugin.hpp>

namespace {

void hello(pb::Request rq, std::string_view name) {
    if (name.empty()) name = "stranger";
    rq.json(200, pb::json::Object().add("message", "Hello, " + std::string(name) + "!").str());
}

// Middleware: 401 for guests; otherwise continue (returning void = PB_OK = run the route).
void require_auth(pb::RequestEvent& e) {
    if (!e.request().auth()) throw pb::Error::unauthorized("The request requires valid record authorization token.");
}

// Around middleware: adds a header before the route runs and logs failures after it.
pb_status tag_response(pb::RequestEvent& e) {
    e.request().set_header("X-Greet", "1");
    pb_status s = e.next();
    if (s < 0) pb::log_debug(std::string("greet route failed: ") + pb::api().status_string(s));
    return s;
}

class GreetRoutes final : public pb::Plugin {
public:
    void init(pb::Registrar& reg) override {
        pb::Group greet = reg.group("/api/greet");
        greet.use(tag_response);

        greet.get("/hello", [](pb::RequestEvent& e) {
            auto rq = e.request();
            hello(rq, rq.query("name").value_or(""));
        });
        greet.get("/hello/{name}", [](pb::RequestEvent& e) {
            auto rq = e.request();
            hello(rq, rq.param("name").value_or(""));
        });

        pb::Group priv = greet.group("");  // same paths, own middlewares
        priv.use(require_auth, -10);
        priv.get("/me", [](pb::RequestEvent& e) {
            auto rq = e.request();
            pb::Record user = *rq.auth();  // require_auth ran first
            std::string who;
            try {
                who = std::string(user.text("email"));
            } catch (const pb::Error&) {  // collection without an email field
            }
            if (who.empty()) who = std::string(user.id());
            rq.json(200, pb::json::Object()
                             .add("message", "Hello, " + who + "!")
                             .add("id", user.id())
                             .add("collection", user.collection())
                             .str());
        });
        priv.post("/broadcast", [](pb::RequestEvent& e) {
            auto rq = e.request();
            std::string_view body = rq.body();
            if (body.empty() || (body.front() != '{' && body.front() != '['))
                throw pb::Error::bad_request("The body must be a JSON object or array.");
            pb::realtime_send("greetings", body);
            rq.json(200, pb::json::Object().add("sent", true).str());
        });

        reg.on_serve([](pb::Event&) { pb::log_info("greet routes mounted at /api/greet"); });
    }
};

}  // namespace

PB_PLUGIN(GreetRoutes, "greet_routes", "1.0.0", "Example routes under /api/greet")
