// Attacks that used to stall the server (issue 13, items 2.2 and 2.4), against a real `pb serve`:
// request framing Pistache's parser mishandled (signed / duplicate / conflicting Content-Length,
// chunked bodies past the limit) and the anti-timing delay of empty searches holding workers.
// Every wait is bounded, so a regression fails instead of hanging.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/test_server.hpp"
#include "util/strings.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::TestServer;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct RawReply {
    int status = 0;  // 0: no HTTP answer
    std::string head, body;
    bool closed = false;  // the server closed the connection
    double seconds = 0;   // until the connection closed (or the deadline)
};

// Reads from `fd` until the server closes it or `deadline` passes.
RawReply readReply(int fd, Clock::time_point t0, Clock::time_point deadline) {
    RawReply r;
    std::string got;
    char buf[4096];
    while (Clock::now() < deadline) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            got.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        r.closed = true;  // EOF or reset
        break;
    }
    r.seconds = secondsSince(t0);
    size_t end = got.find("\r\n\r\n");
    if (got.rfind("HTTP/1.", 0) == 0 && got.size() > 12) r.status = std::atoi(got.c_str() + 9);
    r.head = got.substr(0, end);
    if (end != std::string::npos) r.body = got.substr(end + 4);
    return r;
}

// Sends `data` on a fresh connection and reads the reply until the server closes (bounded).
RawReply exchange(int port, const std::string& data, int timeoutSec = 5) {
    auto t0 = Clock::now();
    int fd = pbtest::connectLoopback(port, 1);
    if (fd < 0) return {};
    size_t sent = 0;
    while (sent < data.size()) {
        ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    RawReply r = readReply(fd, t0, t0 + std::chrono::seconds(timeoutSec));
    ::close(fd);
    return r;
}

// GET /api/health on its own connection: the seconds it took, or a negative value on failure.
double timedHealth(int port, int timeoutSec = 3) {
    auto r = exchange(port, "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeoutSec);
    return r.status == 200 ? r.seconds : -1;
}

struct StallAttacks : ::testing::Test {
    static inline TestServer* s = nullptr;
    static void SetUpTestSuite() {
        s = new TestServer();
        auto su = s->superuserToken();
        auto c = s->post("/api/collections",
                         Value(Object{{"name", "posts"}, {"createRule", ""}, {"listRule", ""},
                                      {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}})})}}),
                         su);
        ASSERT_EQ(c.status, 200) << c.body;
        auto g = s->post("/api/collections",
                         Value(Object{{"name", "throttled"}, {"listRule", "@request.auth.id != ''"},
                                      {"fields", Value(Array{Value(Object{{"name", "title"}, {"type", "text"}})})}}),
                         su);
        ASSERT_EQ(g.status, 200) << g.body;
        ASSERT_EQ(s->post("/api/collections/throttled/records", Value(Object{{"title", "x"}}), su).status, 200);
    }
    static void TearDownTestSuite() {
        delete s;
        s = nullptr;
    }
};

// Every framing error is PocketBase's JSON error (never Pistache's plain-text 500 with a C++
// message such as "stoull" or "basic_string::_M_create"), and the connection is closed.
TEST_F(StallAttacks, FramingErrorsGetJsonErrorsAndClose) {
    const std::string post = "POST /api/collections/posts/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    const std::string body = R"({"title":"t"})";
    struct Case {
        std::string what, request;
        int status;
    };
    std::vector<Case> cases = {
        {"signed length", post + "Content-Length: +13\r\n\r\n" + body, 400},
        {"negative length", post + "Content-Length: -1\r\n\r\n" + body, 400},
        {"non-numeric length", post + "Content-Length: abc\r\n\r\n" + body, 400},
        {"length list", post + "Content-Length: 13, 13\r\n\r\n" + body, 400},
        {"duplicate length", post + "Content-Length: 13\r\nContent-Length: 13\r\n\r\n" + body, 400},
        {"conflicting lengths", post + "Content-Length: 13\r\nContent-Length: 5\r\n\r\n" + body, 400},
        {"length and chunked", post + "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n" + body + "\r\n0\r\n\r\n", 400},
        {"huge length", post + "Content-Length: 18446744073709551615\r\n\r\n" + body, 413},
        {"overflowing length", post + "Content-Length: 99999999999999999999999\r\n\r\n" + body, 413},
        {"unknown encoding", post + "Transfer-Encoding: gzip\r\n\r\n" + body, 501},
        {"bad chunk size", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n", 400},
        {"negative chunk size", post + "Transfer-Encoding: chunked\r\n\r\n-d\r\n" + body + "\r\n0\r\n\r\n", 400},
        {"missing chunk end", post + "Transfer-Encoding: chunked\r\n\r\nd\r\n" + body + "XX0\r\n\r\n", 400},
        {"bad version", "GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n", 400},
        {"header without colon", "GET /api/health HTTP/1.1\r\nHost x\r\n\r\n", 400},
        {"ill-formed Accept", "GET /api/health HTTP/1.1\r\nHost: x\r\nAccept: a,,b\r\n\r\n", 400},
    };
    for (auto& c : cases) {
        auto r = exchange(s->port(), c.request);
        EXPECT_EQ(r.status, c.status) << c.what << "\n" << r.head << "\n" << r.body;
        EXPECT_NE(pb::str::lower(r.head).find("content-type: application/json"), std::string::npos) << c.what << "\n" << r.head;
        const Value j = pb::json::parse(r.body).value_or(Value());
        EXPECT_EQ(j["status"].getNumber(-1), c.status) << c.what << ": " << r.body;
        EXPECT_FALSE(j["message"].getString().empty()) << c.what << ": " << r.body;
        EXPECT_TRUE(j["data"].isObject()) << c.what << ": " << r.body;
        EXPECT_TRUE(r.closed) << c.what << ": the connection stays open";
        EXPECT_LT(r.seconds, 3.0) << c.what;
    }
    // Nothing was created by the refused requests.
    EXPECT_EQ(s->get("/api/collections/posts/records?filter=" + pb::str::urlEncode("title='t'")).json()["totalItems"].getNumber(), 0);
}

// Chunked request bodies are followed (PocketBase accepts them), trailers dropped.
TEST_F(StallAttacks, ChunkedRequestBodiesWork) {
    std::string req = "POST /api/collections/posts/records HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\n{\"t\r\n9;ext=1\r\nitle\":\"ch\r\nA\r\nunky\"}    \r\n0\r\nX-Trailer: 1\r\n\r\n";
    auto r = exchange(s->port(), req);
    ASSERT_EQ(r.status, 200) << r.head << "\n" << r.body;
    const Value j = pb::json::parse(r.body).value_or(Value());
    EXPECT_EQ(j["title"].getString(), "chunky");
}

// Requests pipelined in one write are each answered, in order, even when an earlier one is
// delayed by the anti-timing throttle (its answer waits on a timer while later ones are ready).
TEST_F(StallAttacks, PipelinedRequestsAreAnsweredInOrder) {
    const std::string search = "GET /api/collections/throttled/records?filter=" + pb::str::urlEncode("title = 'none'") +
                               " HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string batch;
    for (int i = 0; i < 5; ++i) batch += search;  // at least the 4th and 5th are delayed
    batch += "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
    const std::string json = R"({"title":"piped"})";
    batch += "POST /api/collections/posts/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: " + std::to_string(json.size()) + "\r\nConnection: close\r\n\r\n" + json;
    auto r = exchange(s->port(), batch, 10);
    std::string all = r.head + "\r\n\r\n" + r.body;
    std::vector<size_t> at;
    size_t pos = 0;
    while ((pos = all.find("HTTP/1.1 ", pos)) != std::string::npos) at.push_back(pos++);
    ASSERT_EQ(at.size(), 7u) << all;
    for (size_t i = 0; i < 5; ++i) EXPECT_NE(all.substr(at[i], at[i + 1] - at[i]).find("\"totalItems\":0"), std::string::npos) << i;
    EXPECT_NE(all.substr(at[5], at[6] - at[5]).find("API is healthy"), std::string::npos) << all;
    EXPECT_NE(all.substr(at[6]).find("\"title\":\"piped\""), std::string::npos) << all;
    EXPECT_TRUE(r.closed);
    // A refusal of a later request also waits for the earlier (delayed) answers.
    auto refused = exchange(s->port(), search + search + search + search + "POST /api/health HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello", 10);
    std::string seq = refused.head + "\r\n\r\n" + refused.body;
    size_t lastList = seq.rfind("\"totalItems\":0"), refusal = seq.find("HTTP/1.1 400");
    ASSERT_NE(refusal, std::string::npos) << seq;
    EXPECT_NE(lastList, std::string::npos) << seq;
    EXPECT_LT(lastList, refusal) << seq;
    EXPECT_NE(seq.find("Invalid Content-Length header."), std::string::npos) << seq;
}

// A client that pipelines far more requests than are answered cannot queue them without bound:
// past 64 waiting requests (or 16 MiB of waiting bodies) the connection gets a JSON 429 and is
// closed, after the answers to what was queued; the server keeps serving.
TEST_F(StallAttacks, PipelineQueueIsBounded) {
    const std::string search = "GET /api/collections/throttled/records?filter=" + pb::str::urlEncode("title = 'none'") +
                               " HTTP/1.1\r\nHost: x\r\n\r\n";
    std::string batch;
    for (int i = 0; i < 10; ++i) batch += search;  // from the 4th on each waits 0-499 ms on the timer
    for (int i = 0; i < 300; ++i) batch += "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
    auto r = exchange(s->port(), batch, 20);
    std::string all = r.head + "\r\n\r\n" + r.body;
    size_t answered = 0;
    for (size_t pos = 0; (pos = all.find("HTTP/1.1 ", pos)) != std::string::npos; ++pos) ++answered;
    EXPECT_LT(answered, 310u) << "every pipelined request was queued";
    EXPECT_NE(all.find("HTTP/1.1 429"), std::string::npos);
    EXPECT_NE(all.find("Too many pipelined requests on one connection."), std::string::npos);
    EXPECT_TRUE(r.closed);
    EXPECT_EQ(s->get("/api/health").status, 200);
}

struct Attacker {
    std::thread writer, reader;
    std::atomic<int> status{0};
    std::atomic<double> answeredAfter{-1};
    int fd = -1;
};

// Two connections announce `Content-Length: +20971520` and two stream a chunked body past the
// 16 MiB limit, all writing ~24 MiB and then staying open. Each gets its JSON refusal quickly;
// meanwhile and afterwards another client's /api/health answers promptly, and SIGTERM stops the
// server promptly. (Before the guard followed this framing, both reactors spun at 100 % CPU:
// health timed out and SIGTERM needed SIGKILL.)
TEST(StallAttacksOwnServer, OversizedFramingDoesNotStallTheServer) {
    TestServer srv;
    const int port = srv.port();
    ASSERT_GT(timedHealth(port), 0);
    std::vector<std::unique_ptr<Attacker>> attackers;
    std::atomic<bool> release{false};
    const std::string mb(1 << 20, 'x');
    for (int i = 0; i < 4; ++i) {
        auto a = std::make_unique<Attacker>();
        a->fd = pbtest::connectLoopback(port, 1);
        ASSERT_GE(a->fd, 0);
        bool chunked = i % 2 == 1;
        auto t0 = Clock::now();
        a->reader = std::thread([a = a.get(), t0] {
            auto r = readReply(a->fd, t0, t0 + std::chrono::seconds(10));
            a->status = r.status;
            if (r.status) a->answeredAfter = r.seconds;
        });
        a->writer = std::thread([a = a.get(), chunked, &mb, &release] {
            std::string head = "POST /api/collections/posts/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
            head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: +20971520\r\n\r\n";
            auto sendAll = [&](const std::string& d) {
                return ::send(a->fd, d.data(), d.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(d.size());
            };
            auto deadline = Clock::now() + std::chrono::seconds(8);
            bool ok = sendAll(head);
            for (int m = 0; ok && m < 24 && Clock::now() < deadline; ++m)
                ok = chunked ? sendAll("100000\r\n") && sendAll(mb) && sendAll("\r\n") : sendAll(mb);
            while (!release && Clock::now() < deadline + std::chrono::seconds(4))
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        });
        attackers.push_back(std::move(a));
    }
    // While the attackers write and then hold their connections open, health stays fast.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<double> during;
    for (int i = 0; i < 10; ++i) {
        during.push_back(timedHealth(port));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const double bound = 1.0 * pbtest::slowFactor();
    for (double t : during) EXPECT_TRUE(t >= 0 && t < bound) << "health took " << t << " s during the attack";
    release = true;
    for (auto& a : attackers) {
        a->writer.join();
        ::shutdown(a->fd, SHUT_RDWR);
        a->reader.join();
        ::close(a->fd);
    }
    for (size_t i = 0; i < attackers.size(); ++i) {
        std::printf("[stall] attacker %zu (%s) -> %d after %.3f s\n", i, i % 2 ? "chunked" : "+length",
                    attackers[i]->status.load(), attackers[i]->answeredAfter.load());
        int want = i % 2 == 1 ? 413 : 400;
        EXPECT_EQ(attackers[i]->status.load(), want) << "attacker " << i;
        EXPECT_LT(attackers[i]->answeredAfter.load(), 3.0 * pbtest::slowFactor()) << "attacker " << i;
    }
    // After the attackers left, the server still answers and stops promptly on SIGTERM.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    double after = timedHealth(port);
    EXPECT_TRUE(after >= 0 && after < bound) << after;
    auto t0 = Clock::now();
    srv.stop();
    std::printf("[stall] health during the attack: max %.3f s; SIGTERM stop took %.3f s\n",
                *std::max_element(during.begin(), during.end()), secondsSince(t0));
    EXPECT_LT(secondsSince(t0), 3.0 * pbtest::slowFactor()) << "SIGTERM did not stop the server promptly";
}

// The anti-timing delay of empty filtered searches (0-499 ms after 3 in 3 s) must not hold a
// worker: 64 guests looping on a rule-guarded collection keep every worker busy when the delay
// sleeps on one (health then waits ~1 s in the queue); with the delay on a timer, health stays
// fast while the throttled answers still arrive late.
TEST_F(StallAttacks, ThrottledSearchesDoNotHoldWorkers) {
    const int port = s->port();
    const std::string search = "GET /api/collections/throttled/records?filter=" + pb::str::urlEncode("title = 'nope'") +
                               " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    std::atomic<bool> stop{false};
    std::atomic<int> searches{0}, failures{0};
    std::atomic<long long> searchMicros{0};
    std::vector<std::thread> guests;
    for (int i = 0; i < 64; ++i) {
        guests.emplace_back([&] {
            while (!stop) {
                auto r = exchange(port, search, 10);
                if (r.status != 200 || r.body.find("\"totalItems\":0") == std::string::npos) ++failures;
                ++searches;
                searchMicros += static_cast<long long>(r.seconds * 1e6);
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    std::vector<double> health;
    for (int i = 0; i < 9; ++i) {
        health.push_back(timedHealth(port, 5));
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    stop = true;
    for (auto& t : guests) t.join();
    std::sort(health.begin(), health.end());
    std::printf("[stall] health during throttled searches: median %.3f s, max %.3f s; %d searches, mean %.3f s\n",
                health[health.size() / 2], health.back(), searches.load(),
                searchMicros.load() / 1e6 / std::max(1, searches.load()));
    EXPECT_GE(health.front(), 0) << "a health request failed";
    EXPECT_LT(health[health.size() / 2], 0.3 * pbtest::slowFactor());
    EXPECT_LT(health.back(), 1.0 * pbtest::slowFactor());
    EXPECT_EQ(failures.load(), 0);
    // The throttled answers are still delayed: uniform 0-499 ms averages ~250 ms.
    ASSERT_GT(searches.load(), 64);
    EXPECT_GT(searchMicros.load() / searches.load(), 120000);
}

}  // namespace
