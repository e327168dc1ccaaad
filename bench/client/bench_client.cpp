// bench/client: the benchmark's own small C++ client, two subcommands.
//
// `sse`: realtime fan-out. Opens N SSE connections to GET /api/realtime, reads each
// PB_CONNECT (clientId = the SSE id: field), subscribes every client to TOPIC with
// POST /api/realtime, then creates one record and measures, per client, the time from just before
// the create request until its SSE stream carries the create event.
//
// Usage: pb_bench_client sse --port P --clients N --topic 'rt/*' --create /api/collections/rt/records
//                             [--pid SERVER_PID] [--timeout SECONDS]
// Prints one line: connected=.. subscribed=.. received=.. p50_ms=.. p99_ms=.. max_ms=.. create_ms=..
//                  rss_before_kb=.. rss_after_kb=..
//
// `reload`: hot-reload latency. Renames FROM over TO (the file "lands" atomically, as `pbplug`
// installs it), then polls GET PATH on one keep-alive connection until the body contains EXPECT.
// Usage: pb_bench_client reload --port P --from TMPFILE --to PLUGIN.so --path /api/x --expect '"v":2'
//                               [--timeout SECONDS]
// Prints: reload_ms=.. polls=..
//
// `sse-churn`: the soak test's realtime churn (scripts/soak.sh). For DURATION seconds keeps about
// ALIVE SSE connections open; each one reads PB_CONNECT, subscribes to TOPIC, counts the record
// events it receives and is dropped (plain close, no goodbye) after a random 2..MAXLIFE s, then
// replaced. At most 20 new connections per 50 ms tick, so the churn rate stays bounded.
// Usage: pb_bench_client sse-churn --port P --alive N --duration S [--topic 'soak/*'] [--max-life S]
// Prints: opened=.. connected=.. subscribed=.. events=.. dropped=.. server_closed=.. errors=..
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
int g_port = 0;

long rssKb(int pid) {
    if (pid <= 0) return -1;
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

int connectTo(bool nonblock) {
    int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(g_port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

// One blocking keep-alive connection for the POSTs; reconnects when the server closes it.
struct Http {
    int fd = -1;
    std::string buf;
    int get(const std::string& path, std::string* body) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (fd < 0) {
                fd = connectTo(false);
                buf.clear();
                if (fd < 0) return -1;
            }
            std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
            if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
                close(fd);
                fd = -1;
                continue;
            }
            int status = readResponse(body);
            if (status > 0) return status;
            close(fd);
            fd = -1;
        }
        return -1;
    }
    int post(const std::string& path, const std::string& body) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (fd < 0) {
                fd = connectTo(false);
                buf.clear();
                if (fd < 0) return -1;
            }
            std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
                              "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
            if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
                close(fd);
                fd = -1;
                continue;
            }
            int status = readResponse();
            if (status > 0) return status;
            close(fd);
            fd = -1;
        }
        return -1;
    }
    int readResponse(std::string* body = nullptr) {
        char tmp[8192];
        size_t he;
        while ((he = buf.find("\r\n\r\n")) == std::string::npos) {
            ssize_t n = recv(fd, tmp, sizeof tmp, 0);
            if (n <= 0) return -1;
            buf.append(tmp, static_cast<size_t>(n));
        }
        int status = std::atoi(buf.c_str() + 9);
        size_t cl = 0;
        std::string head = buf.substr(0, he);
        for (auto& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (auto p = head.find("content-length:"); p != std::string::npos) cl = std::strtoul(head.c_str() + p + 15, nullptr, 10);
        bool closeAfter = head.find("connection: close") != std::string::npos;
        while (buf.size() < he + 4 + cl) {
            ssize_t n = recv(fd, tmp, sizeof tmp, 0);
            if (n <= 0) return -1;
            buf.append(tmp, static_cast<size_t>(n));
        }
        if (body) *body = buf.substr(he + 4, cl);
        buf.erase(0, he + 4 + cl);
        if (closeAfter) {
            close(fd);
            fd = -1;
        }
        return status;
    }
};

struct Client {
    int fd = -1;
    std::string buf;
    std::string id;
    bool sent = false, subscribed = false, done = false;
    double ms = -1;
};

}  // namespace

int reloadMain(int argc, char** argv) {
    std::string from, to, path = "/api/benchhook/version", expect = "\"v\":2";
    double timeout = 10;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") g_port = std::atoi(v.c_str());
        else if (k == "--from") from = v;
        else if (k == "--to") to = v;
        else if (k == "--path") path = v;
        else if (k == "--expect") expect = v;
        else if (k == "--timeout") timeout = std::atof(v.c_str());
    }
    Http http;
    std::string body;
    http.get(path, &body);  // warm the connection
    auto t0 = Clock::now();
    if (std::rename(from.c_str(), to.c_str()) != 0) {
        std::perror("rename");
        return 2;
    }
    long polls = 0;
    while (true) {
        ++polls;
        int st = http.get(path, &body);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (st == 200 && body.find(expect) != std::string::npos) {
            std::printf("reload_ms=%.2f polls=%ld\n", ms, polls);
            return 0;
        }
        if (ms > timeout * 1000) {
            std::printf("reload_ms=-1 polls=%ld\n", polls);
            return 1;
        }
        usleep(500);
    }
}

int sseMain(int argc, char** argv) {
    int n = 100, pid = 0;
    double timeout = 30;
    std::string topic = "rt/*", createPath = "/api/collections/rt/records";
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") g_port = std::atoi(v.c_str());
        else if (k == "--clients") n = std::atoi(v.c_str());
        else if (k == "--topic") topic = v;
        else if (k == "--create") createPath = v;
        else if (k == "--pid") pid = std::atoi(v.c_str());
        else if (k == "--timeout") timeout = std::atof(v.c_str());
    }
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (static_cast<rlim_t>(n) + 64 > rl.rlim_cur) n = static_cast<int>(rl.rlim_cur) - 64;

    long rssBefore = rssKb(pid);
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout));
    int ep = epoll_create1(0);
    std::vector<Client> cs(static_cast<size_t>(n));
    const std::string get = "GET /api/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                            "Cache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n";
    int opened = 0, connected = 0;
    epoll_event evs[512];
    auto pump = [&](int waitMs, auto&& onData) {
        int k = epoll_wait(ep, evs, 512, waitMs);
        for (int e = 0; e < k; ++e) {
            auto& c = cs[evs[e].data.u32];
            if ((evs[e].events & EPOLLOUT) && !c.sent) {
                if (send(c.fd, get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size())) c.sent = true;
                epoll_event ev{EPOLLIN, {}};
                ev.data.u32 = evs[e].data.u32;
                epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
            }
            if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                char tmp[4096];
                ssize_t r;
                while ((r = recv(c.fd, tmp, sizeof tmp, 0)) > 0) c.buf.append(tmp, static_cast<size_t>(r));
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
                    close(c.fd);
                    c.fd = -1;
                }
                onData(c);
            }
        }
    };
    // Phase 1: connect (at most 256 handshakes in flight) and wait for PB_CONNECT.
    auto onConnect = [&](Client& c) {
        if (!c.id.empty()) return;
        auto p = c.buf.find("PB_CONNECT");
        if (p == std::string::npos) return;
        auto q = c.buf.rfind("id:", p);
        if (q == std::string::npos) return;
        q += 3;
        while (q < c.buf.size() && c.buf[q] == ' ') ++q;
        auto e = c.buf.find_first_of("\r\n", q);
        if (e == std::string::npos) return;
        c.id = c.buf.substr(q, e - q);
        c.buf.clear();
        ++connected;
    };
    while (connected < n && Clock::now() < deadline) {
        while (opened < n && opened - connected < 256) {
            auto& c = cs[static_cast<size_t>(opened)];
            c.fd = connectTo(true);
            if (c.fd >= 0) {
                epoll_event ev{EPOLLOUT | EPOLLIN, {}};
                ev.data.u32 = static_cast<uint32_t>(opened);
                epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
            }
            ++opened;
        }
        pump(50, onConnect);
        int dead = 0;
        for (int i = 0; i < opened; ++i) dead += cs[static_cast<size_t>(i)].fd < 0 && cs[static_cast<size_t>(i)].id.empty();
        if (opened == n && dead + connected >= n) break;
    }
    // Phase 2: subscribe every connected client.
    Http http;
    int subscribed = 0;
    for (auto& c : cs) {
        if (c.id.empty() || c.fd < 0 || Clock::now() >= deadline) continue;
        int st = http.post("/api/realtime", "{\"clientId\":\"" + c.id + "\",\"subscriptions\":[\"" + topic + "\"]}");
        if (st >= 200 && st < 300) {
            c.subscribed = true;
            ++subscribed;
        }
        if ((subscribed & 255) == 0) pump(0, [](Client& cl) { cl.buf.clear(); });
    }
    while (true) {  // drain
        int before = 0;
        pump(100, [&](Client& cl) { cl.buf.clear(); ++before; });
        if (before == 0) break;
    }
    long rssAfter = rssKb(pid);
    // Phase 3: one create, then wait for every subscriber's event.
    auto t0 = Clock::now();
    int st = http.post(createPath, "{\"title\":\"fan-out\"}");
    double createMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    int received = 0;
    auto onEvent = [&](Client& c) {
        if (c.done || !c.subscribed) return;
        if (c.buf.find("\"create\"") != std::string::npos) {
            c.done = true;
            c.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            ++received;
        }
    };
    if (st >= 200 && st < 300)
        while (received < subscribed && Clock::now() < deadline) pump(50, onEvent);
    std::vector<double> lat;
    for (auto& c : cs)
        if (c.done) lat.push_back(c.ms);
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        if (lat.empty()) return -1.0;
        return lat[std::min(lat.size() - 1, static_cast<size_t>(p * static_cast<double>(lat.size())))];
    };
    std::printf("clients=%d connected=%d subscribed=%d create_status=%d received=%d p50_ms=%.2f p99_ms=%.2f "
                "max_ms=%.2f create_ms=%.2f rss_before_kb=%ld rss_after_kb=%ld\n",
                n, connected, subscribed, st, received, pct(0.5), pct(0.99), lat.empty() ? -1.0 : lat.back(),
                createMs, rssBefore, rssAfter);
    for (auto& c : cs)
        if (c.fd >= 0) close(c.fd);
    return received == subscribed && subscribed > 0 ? 0 : 1;
}

namespace {
// Counts MARKER in BUF and drops what was scanned, keeping a tail that may hold a split marker.
int countAndTrim(std::string& buf, const std::string& marker) {
    int n = 0;
    size_t pos = 0, p;
    while ((p = buf.find(marker, pos)) != std::string::npos) {
        ++n;
        pos = p + marker.size();
    }
    size_t keep = marker.size() - 1;
    size_t cut = std::max(pos, buf.size() > keep ? buf.size() - keep : 0);
    buf.erase(0, cut);
    return n;
}
}  // namespace

int sseChurnMain(int argc, char** argv) {
    int alive = 100;
    double duration = 60, maxLife = 20;
    std::string topic = "soak/*";
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--port") g_port = std::atoi(v.c_str());
        else if (k == "--alive") alive = std::atoi(v.c_str());
        else if (k == "--duration") duration = std::atof(v.c_str());
        else if (k == "--topic") topic = v;
        else if (k == "--max-life") maxLife = std::max(2.5, std::atof(v.c_str()));
    }
    struct Conn {
        int fd = -1;
        std::string buf, id;
        bool sent = false, subscribed = false;
        Clock::time_point dies;
    };
    const std::string get = "GET /api/realtime HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                            "Cache-Control: no-cache\r\nConnection: keep-alive\r\n\r\n";
    std::vector<Conn> cs(static_cast<size_t>(alive));
    int ep = epoll_create1(0);
    long opened = 0, connected = 0, subscribed = 0, events = 0, dropped = 0, serverClosed = 0, errors = 0;
    std::srand(static_cast<unsigned>(getpid()));
    auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
    auto closeConn = [&](Conn& c) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c = Conn{};
    };
    Http http;
    epoll_event evs[256];
    while (Clock::now() < end) {
        auto now = Clock::now();
        int started = 0;
        for (size_t i = 0; i < cs.size(); ++i) {
            auto& c = cs[i];
            if (c.fd >= 0 && now >= c.dies) {
                closeConn(c);
                ++dropped;
            }
            if (c.fd < 0 && started < 20) {
                c.fd = connectTo(true);
                ++started;
                ++opened;
                if (c.fd < 0) {
                    ++errors;
                    continue;
                }
                double life = 2.0 + (maxLife - 2.0) * (std::rand() / (RAND_MAX + 1.0));
                c.dies = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(life));
                epoll_event ev{EPOLLOUT | EPOLLIN, {}};
                ev.data.u32 = static_cast<uint32_t>(i);
                epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
            }
        }
        int k = epoll_wait(ep, evs, 256, 50);
        for (int e = 0; e < k; ++e) {
            auto& c = cs[evs[e].data.u32];
            if (c.fd < 0) continue;
            if ((evs[e].events & EPOLLOUT) && !c.sent) {
                if (send(c.fd, get.data(), get.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(get.size())) c.sent = true;
                epoll_event ev{EPOLLIN, {}};
                ev.data.u32 = evs[e].data.u32;
                epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
            }
            if (!(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
            char tmp[4096];
            ssize_t r;
            while ((r = recv(c.fd, tmp, sizeof tmp, 0)) > 0) c.buf.append(tmp, static_cast<size_t>(r));
            bool gone = r == 0 || (r < 0 && errno != EAGAIN);
            if (c.id.empty()) {
                auto p = c.buf.find("PB_CONNECT");
                auto q = p == std::string::npos ? p : c.buf.rfind("id:", p);
                if (q != std::string::npos) {
                    q += 3;
                    while (q < c.buf.size() && c.buf[q] == ' ') ++q;
                    auto nl = c.buf.find_first_of("\r\n", q);
                    if (nl != std::string::npos) {
                        c.id = c.buf.substr(q, nl - q);
                        c.buf.clear();
                        ++connected;
                        int st = http.post("/api/realtime",
                                           "{\"clientId\":\"" + c.id + "\",\"subscriptions\":[\"" + topic + "\"]}");
                        if (st >= 200 && st < 300) {
                            c.subscribed = true;
                            ++subscribed;
                        } else {
                            ++errors;
                        }
                    }
                }
            } else {
                events += countAndTrim(c.buf, "\"action\":");
            }
            if (gone) {
                closeConn(c);
                ++serverClosed;
            }
        }
    }
    for (auto& c : cs)
        if (c.fd >= 0) closeConn(c);
    std::printf("opened=%ld connected=%ld subscribed=%ld events=%ld dropped=%ld server_closed=%ld errors=%ld\n",
                opened, connected, subscribed, events, dropped, serverClosed, errors);
    return connected > 0 && errors == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "sse") return sseMain(argc, argv);
    if (cmd == "reload") return reloadMain(argc, argv);
    if (cmd == "sse-churn") return sseChurnMain(argc, argv);
    std::fprintf(stderr, "usage: pb_bench_client sse|reload|sse-churn [options]\n");
    return 2;
}
