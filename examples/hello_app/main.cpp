// hello_app: a complete program built on pbcore (walked through in docs/framework.md).
//
//   hello_app serve --http 127.0.0.1:8090 --dir ./pb_data   # the usual server, plus:
//   - a "posts" collection created at bootstrap (if missing)
//   - a record hook that uppercases posts.title before every create
//   - GET /api/hello/{name} with a middleware adding an X-Hello header
//   - a cron job "hello_tick" (every 5 minutes; run it now with POST /api/crons/hello_tick)
//   hello_app greet NAME --dir ./pb_data                    # a custom command
#include <algorithm>
#include <atomic>
#include <cctype>
#include <iostream>

#include "app/app.hpp"
#include "cron/cron.hpp"
#include "serve/cli.hpp"

int main(int argc, char** argv) {
    // 1. The app. Options come from the usual global flags (--dir, --dev, --plugins).
    pb::App app(pb::Cli::appOptions(argc, argv));

    // 2. Bootstrap hook: code after next() runs once the database is open.
    app.hooks().onBootstrap.bindFunc([](pb::BootstrapEvent& e) {
        e.next();
        if (e.app->findCollection("posts")) return;
        auto def = pb::json::parse(R"({
            "name": "posts", "type": "base",
            "fields": [{"name": "title", "type": "text", "required": true}],
            "listRule": "", "viewRule": "", "createRule": ""
        })");
        auto c = pb::schema::CollectionStore::fromJson(*def, nullptr);
        e.app->saveCollection(c);
    });

    // 3. A record hook, only for the "posts" collection (tags = collection names or ids). It runs
    //    inside the write transaction, before validation and the INSERT.
    app.hooks().onRecordCreate.bindFunc(
        [](pb::RecordEvent& e) {
            auto title = e.record->getString("title");
            std::transform(title.begin(), title.end(), title.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
            e.record->set("title", title);
            e.next();  // validate + insert; code after this line runs inside the transaction too
        },
        {"posts"});

    // 4. A cron job. The scheduler starts with `serve`; jobs may be added at any time.
    auto cronRuns = std::make_shared<std::atomic<int>>(0);
    app.cron().add("hello_tick", "*/5 * * * *", [cronRuns] { ++*cronRuns; });

    // 5. Routes are added when the server is about to start (PocketBase's OnServe).
    app.hooks().onServe.bindFunc([cronRuns](pb::ServeEvent& e) {
        pb::hook::Handler<pb::RequestEvent> hello{"hello_header", 0, [](pb::RequestEvent& re) {
                                                       re.setHeader("X-Hello", "from-middleware");
                                                       re.next();
                                                   },
                                                   {}};
        e.app->router().get(
            "/api/hello/{name}",
            [cronRuns](pb::RequestEvent& re) {
                auto name = re.pathValue("name");
                if (name.size() > 100) throw pb::badRequest("The name is too long.");
                re.json(200, pb::json::Value(pb::json::Object{{"message", "Hello " + name + "!"},
                                                              {"cronRuns", cronRuns->load()}}));
            },
            {hello});
        e.next();
    });

    // 6. The command line: serve, superuser, help ... plus a custom command.
    pb::Cli cli(app, "hello_app", "pbcore example application");
    cli.addCommand("greet", "prints a greeting and the number of posts", [&app](const std::vector<std::string>& args) {
        std::string who = args.empty() ? "world" : args[0];
        auto posts = app.findRecordsByFilter("posts", "");
        std::cout << "Hello, " << who << "! There are " << posts.size() << " posts.\n";
        return 0;
    });
    return cli.run(argc, argv);
}
