// bench/floor: the physical floor for the benchmarks. A minimal Pistache + SQLite server with the
// setup measured in shared/reference/dependencies.md §2.4: the keep-alive fix middleware, WAL +
// synchronous=NORMAL, one SQLite connection per reactor thread, persistent prepared statements.
//
//   GET  /api/health                  constant JSON
//   POST /api/items                   parse a JSON body, insert one row
//   GET  /api/items/:id               one row by primary key
//   GET  /api/items?page=&perPage=    a PocketBase-shaped page (no COUNT: the skipTotal shape)
//
// Usage: pb_bench_floor --port N --db FILE [--seed ROWS] [--threads T]
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/router.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <thread>

using namespace Pistache;

namespace {

std::string g_db;

struct Conn {
    sqlite3* db = nullptr;
    sqlite3_stmt* ins = nullptr;
    sqlite3_stmt* one = nullptr;
    sqlite3_stmt* page = nullptr;
    Conn() {
        if (sqlite3_open_v2(g_db.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK)
            throw std::runtime_error("open failed");
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                         "PRAGMA journal_size_limit=67108864;", nullptr, nullptr, nullptr);
        auto prep = [&](const char* sql, sqlite3_stmt** st) {
            if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, nullptr) != SQLITE_OK)
                throw std::runtime_error(sqlite3_errmsg(db));
        };
        prep("INSERT INTO items(id,title,n,created,updated) VALUES(?,?,?,strftime('%Y-%m-%d %H:%M:%fZ'),"
             "strftime('%Y-%m-%d %H:%M:%fZ'))", &ins);
        prep("SELECT id,title,n,created,updated FROM items WHERE id=?", &one);
        prep("SELECT id,title,n,created,updated FROM items ORDER BY rowid LIMIT ? OFFSET ?", &page);
    }
};

Conn& conn() {
    thread_local Conn c;
    return c;
}

std::string newId() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* alpha = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(15, 'a');
    for (auto& ch : s) ch = alpha[rng() % 36];
    return s;
}

void writeRow(rapidjson::Writer<rapidjson::StringBuffer>& w, sqlite3_stmt* st) {
    w.StartObject();
    w.Key("collectionName");
    w.String("items");
    w.Key("id");
    w.String(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    w.Key("title");
    w.String(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    w.Key("n");
    w.Double(sqlite3_column_double(st, 2));
    w.Key("created");
    w.String(reinterpret_cast<const char*>(sqlite3_column_text(st, 3)));
    w.Key("updated");
    w.String(reinterpret_cast<const char*>(sqlite3_column_text(st, 4)));
    w.EndObject();
}

void sendJson(Http::ResponseWriter& rw, Http::Code code, const std::string& body) {
    rw.headers().add<Http::Header::ContentType>(MIME(Application, Json));
    rw.send(code, body);
}

void health(const Rest::Request&, Http::ResponseWriter rw) {
    sendJson(rw, Http::Code::Ok, R"({"message":"API is healthy.","code":200,"data":{}})");
}

void create(const Rest::Request& req, Http::ResponseWriter rw) {
    rapidjson::Document d;
    d.Parse(req.body().c_str());
    if (d.HasParseError() || !d.IsObject()) return sendJson(rw, Http::Code::Bad_Request, R"({"code":400})");
    std::string title = d.HasMember("title") && d["title"].IsString() ? d["title"].GetString() : "";
    double n = d.HasMember("n") && d["n"].IsNumber() ? d["n"].GetDouble() : 0;
    auto& c = conn();
    std::string id = newId();
    sqlite3_bind_text(c.ins, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(c.ins, 2, title.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(c.ins, 3, n);
    int rc = sqlite3_step(c.ins);
    sqlite3_reset(c.ins);
    if (rc != SQLITE_DONE) return sendJson(rw, Http::Code::Internal_Server_Error, R"({"code":500})");
    sqlite3_bind_text(c.one, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    if (sqlite3_step(c.one) == SQLITE_ROW) writeRow(w, c.one);
    sqlite3_reset(c.one);
    sendJson(rw, Http::Code::Ok, sb.GetString());
}

void viewOne(const Rest::Request& req, Http::ResponseWriter rw) {
    auto id = req.param(":id").as<std::string>();
    auto& c = conn();
    sqlite3_bind_text(c.one, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    bool found = sqlite3_step(c.one) == SQLITE_ROW;
    if (found) writeRow(w, c.one);
    sqlite3_reset(c.one);
    if (!found) return sendJson(rw, Http::Code::Not_Found, R"({"code":404})");
    sendJson(rw, Http::Code::Ok, sb.GetString());
}

void list(const Rest::Request& req, Http::ResponseWriter rw) {
    int page = std::max(1, std::atoi(req.query().get("page").value_or("1").c_str()));
    int per = std::clamp(std::atoi(req.query().get("perPage").value_or("30").c_str()), 1, 500);
    auto& c = conn();
    sqlite3_bind_int(c.page, 1, per);
    sqlite3_bind_int(c.page, 2, (page - 1) * per);
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("page");
    w.Int(page);
    w.Key("perPage");
    w.Int(per);
    w.Key("totalItems");
    w.Int(-1);
    w.Key("totalPages");
    w.Int(-1);
    w.Key("items");
    w.StartArray();
    while (sqlite3_step(c.page) == SQLITE_ROW) writeRow(w, c.page);
    sqlite3_reset(c.page);
    w.EndArray();
    w.EndObject();
    sendJson(rw, Http::Code::Ok, sb.GetString());
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0, seed = 100, threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--port") port = std::atoi(argv[i + 1]);
        else if (k == "--db") g_db = argv[i + 1];
        else if (k == "--seed") seed = std::atoi(argv[i + 1]);
        else if (k == "--threads") threads = std::atoi(argv[i + 1]);
    }
    if (port <= 0 || g_db.empty()) {
        std::cerr << "usage: pb_bench_floor --port N --db FILE [--seed ROWS] [--threads T]\n";
        return 2;
    }
    {
        sqlite3* db = nullptr;
        sqlite3_open(g_db.c_str(), &db);
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS items(id TEXT PRIMARY KEY NOT NULL,"
                     "title TEXT DEFAULT '' NOT NULL, n NUMERIC DEFAULT 0 NOT NULL, created TEXT DEFAULT '' NOT NULL,"
                     "updated TEXT DEFAULT '' NOT NULL);",
                     nullptr, nullptr, nullptr);
        std::string sql =
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<" + std::to_string(seed) +
            ") INSERT OR IGNORE INTO items SELECT printf('i%014d',x),'item number '||x,x,"
            "'2024-01-01 00:00:00.000Z','2024-01-01 00:00:00.000Z' FROM c;";
        sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    Rest::Router router;
    // Keep-alive fix (dependencies.md §2.3 #1): Pistache answers "Connection: Close" to HTTP/1.1
    // requests without a Connection header but keeps the socket; drop the bogus header.
    router.addMiddleware([](Http::Request& req, Http::ResponseWriter& rw) {
        if (!req.headers().has<Http::Header::Connection>()) rw.headers().remove<Http::Header::Connection>();
        return true;
    });
    Rest::Routes::Get(router, "/api/health", Rest::Routes::bind(&health));
    Rest::Routes::Post(router, "/api/items", Rest::Routes::bind(&create));
    Rest::Routes::Get(router, "/api/items/:id", Rest::Routes::bind(&viewOne));
    Rest::Routes::Get(router, "/api/items", Rest::Routes::bind(&list));

    Http::Endpoint ep(Address(Ipv4::loopback(), Port(static_cast<uint16_t>(port))));
    ep.init(Http::Endpoint::options()
                .threads(threads)
                .flags(Tcp::Options::ReuseAddr | Tcp::Options::NoDelay)
                .maxRequestSize(1 << 20));
    ep.setHandler(router.handler());
    ep.serveThreaded();
    std::cout << "floor listening on 127.0.0.1:" << port << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    ep.shutdown();
    return 0;
}
