#include "http/request_guard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

using pb::http::RequestGuard;
using pb::http::RequestLimits;
using V = RequestGuard::Verdict;
using E = RequestGuard::Event;

namespace {
RequestLimits small() {
    RequestLimits l;
    l.maxHeaderBytes = 256;
    l.maxRequestBytes = 1024;
    return l;
}
std::string req(size_t bodyLen, std::string extra = "") {
    return "POST /x HTTP/1.1\r\nHost: a\r\n" + extra + "Content-Length: " + std::to_string(bodyLen) + "\r\n\r\n" +
           std::string(bodyLen, 'b');
}
std::string chunkedHead(std::string extra = "") {
    return "POST /c HTTP/1.1\r\nHost: a\r\n" + extra + "Transfer-Encoding: chunked\r\n\r\n";
}

// Everything the guard reports for `data` fed in reads of `step` bytes.
struct Seen {
    std::vector<std::string> heads, bodies;
    std::vector<bool> framed;
    bool refused = false;
    V verdict = V::Pass;
    std::string reason;
    size_t refusedAtRead = 0;  // index of the read that produced the refusal
};
Seen feed(RequestGuard& g, std::string_view data, size_t step = std::numeric_limits<size_t>::max()) {
    Seen s;
    size_t read = 0;
    for (size_t i = 0; i < data.size(); i += step, ++read) {
        std::string_view in = data.substr(i, std::min(step, data.size() - i));
        for (;;) {
            E e = g.next(in);
            if (e == E::NeedMore) break;
            if (e == E::Head) s.heads.push_back(g.head());
            if (e == E::Body) {
                s.bodies.push_back(g.takeBody());
                s.framed.push_back(g.hasBody());
            }
            if (e == E::Refused) {
                EXPECT_FALSE(s.refused) << "Refused is reported once";
                s.refused = true;
                s.verdict = g.verdict();
                s.reason = g.reason();
                s.refusedAtRead = read;
            }
        }
        EXPECT_TRUE(in.empty());
    }
    return s;
}
Seen feedOne(std::string_view data, RequestLimits l = small()) {
    RequestGuard g(l);
    return feed(g, data);
}
}  // namespace

TEST(RequestGuard, PassesPipelinedRequestsWithinLimits) {
    RequestGuard g(small());
    std::string data = req(10) + req(0) + "GET / HTTP/1.1\r\n\r\n" + "\r\n" + req(700);
    auto s = feed(g, data);
    EXPECT_FALSE(s.refused);
    ASSERT_EQ(s.heads.size(), 4u);
    ASSERT_EQ(s.bodies.size(), 4u);
    EXPECT_EQ(s.bodies[0], std::string(10, 'b'));
    EXPECT_EQ(s.bodies[1], "");
    EXPECT_EQ(s.bodies[2], "");
    EXPECT_EQ(s.bodies[3].size(), 700u);
    EXPECT_EQ(s.framed, (std::vector<bool>{true, true, false, true}));
    // The parser gets the head without its framing header: it never frames a body itself.
    EXPECT_EQ(s.heads[0], "POST /x HTTP/1.1\r\nHost: a\r\n\r\n");
    EXPECT_EQ(s.heads[2], "GET / HTTP/1.1\r\n\r\n");
}

TEST(RequestGuard, FollowsHeadsAndBodiesSplitAcrossReads) {
    std::string data = req(300) + req(5) + chunkedHead() + "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: 1\r\n\r\n" + req(1);
    for (size_t step : {1u, 2u, 7u, 64u}) {
        RequestGuard g(small());
        auto s = feed(g, data, step);
        EXPECT_FALSE(s.refused) << step;
        ASSERT_EQ(s.bodies.size(), 4u) << step;
        EXPECT_EQ(s.bodies[0].size(), 300u);
        EXPECT_EQ(s.bodies[2], "abcde") << step;
        EXPECT_EQ(s.heads[2], "POST /c HTTP/1.1\r\nHost: a\r\n\r\n");
    }
    // The body of a request never counts as a head, so a big body split into many reads is fine.
    RequestGuard g(small());
    EXPECT_FALSE(feed(g, "POST /x HTTP/1.1\r\nContent-Length: 900\r\n\r\n" + std::string(900, '\n'), 13).refused);
}

TEST(RequestGuard, RefusesAnnouncedOversizedBodyBeforeItArrives) {
    RequestGuard g(small());
    auto s = feed(g, req(3) + "POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
    ASSERT_TRUE(s.refused);
    EXPECT_EQ(s.verdict, V::BodyTooLarge);
    EXPECT_EQ(s.bodies.size(), 1u);  // the earlier, acceptable request still went through
    EXPECT_TRUE(g.refused());
    auto after = feed(g, "GET / HTTP/1.1\r\n\r\n");  // discarded, unparsed
    EXPECT_TRUE(after.heads.empty());
    EXPECT_FALSE(after.refused);
    // Lengths beyond 64 bits are too large, not malformed.
    EXPECT_EQ(feedOne(req(0).replace(req(0).find("0\r\n\r\n"), 1, "99999999999999999999999999")).verdict, V::BodyTooLarge);
}

TEST(RequestGuard, HeadPlusBodyOverTheRequestLimitIsRefused) {
    auto s = feedOne(req(1000, "X-Pad: " + std::string(100, 'p') + "\r\n"));
    EXPECT_EQ(s.verdict, V::BodyTooLarge);
    EXPECT_TRUE(s.heads.empty());
}

TEST(RequestGuard, RefusesOversizedHeadEvenWithoutItsEnd) {
    RequestGuard g(small());
    auto s = feed(g, "GET / HTTP/1.1\r\nX-Big: " + std::string(100, 'a'));
    EXPECT_FALSE(s.refused);
    s = feed(g, std::string(200, 'a'));
    EXPECT_EQ(s.verdict, V::HeaderTooLarge);
}

// Content-Length must be one plain run of ASCII digits (Pistache's stoull took "+20971520").
TEST(RequestGuard, ContentLengthMustBePlainDigits) {
    for (std::string v : {"+5", "-1", "5 5", "5,5", "5, 5", "0x10", "", "1e3", "5\t;", "\xef\xbc\x95"}) {
        auto s = feedOne("POST /x HTTP/1.1\r\nContent-Length: " + v + "\r\n\r\nhello");
        EXPECT_EQ(s.verdict, V::BadRequest) << "[" << v << "]";
        EXPECT_EQ(s.reason, "Invalid Content-Length header.");
        EXPECT_TRUE(s.heads.empty());
    }
    auto ok = feedOne("POST /x HTTP/1.1\r\ncontent-length: \t 005 \r\n\r\nhello");
    EXPECT_FALSE(ok.refused);
    ASSERT_EQ(ok.bodies.size(), 1u);
    EXPECT_EQ(ok.bodies[0], "hello");
}

TEST(RequestGuard, DuplicateOrConflictingFramingIsRefused) {
    struct Case {
        std::string headers;
        V verdict;
    };
    for (auto& c : std::vector<Case>{
             {"Content-Length: 5\r\nContent-Length: 5\r\n", V::BadRequest},
             {"Content-Length: 5\r\nContent-Length: 6\r\n", V::BadRequest},
             {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", V::BadRequest},
             {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", V::BadRequest},
             {"Transfer-Encoding: gzip\r\n", V::UnsupportedEncoding},
             {"Transfer-Encoding: identity\r\n", V::UnsupportedEncoding},
             {"Transfer-Encoding: gzip, chunked\r\n", V::UnsupportedEncoding},
             {"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", V::UnsupportedEncoding},
         }) {
        auto s = feedOne("POST /x HTTP/1.1\r\n" + c.headers + "\r\n5\r\nhello\r\n0\r\n\r\n");
        EXPECT_EQ(s.verdict, c.verdict) << c.headers;
        EXPECT_TRUE(s.heads.empty()) << c.headers;
    }
    std::string upper = chunkedHead();
    upper.replace(upper.find("chunked"), 7, "Chunked");
    EXPECT_FALSE(feedOne(upper + "0\r\n\r\n").refused);
}

TEST(RequestGuard, ChunkedBodiesAreDecodedAndBounded) {
    auto s = feedOne(chunkedHead() + "A\r\n0123456789\r\n1;name=\"v\"\r\n!\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
    EXPECT_FALSE(s.refused);
    ASSERT_EQ(s.bodies.size(), 2u);
    EXPECT_EQ(s.bodies[0], "0123456789!");
    EXPECT_TRUE(s.framed[0]);
    EXPECT_EQ(s.heads[1], "GET /next HTTP/1.1\r\n\r\n");
    // A chunk announced past the room left is refused before its data arrives...
    auto big = feedOne(chunkedHead() + "100000\r\n");
    EXPECT_EQ(big.verdict, V::BodyTooLarge);
    EXPECT_EQ(big.heads.size(), 1u);
    EXPECT_EQ(feedOne(chunkedHead() + "ffffffffffffffffffffffff\r\n").verdict, V::BodyTooLarge);
    // ...and so are many small chunks adding up past it.
    std::string many = chunkedHead();
    for (int i = 0; i < 200; ++i) many += "8\r\n12345678\r\n";
    EXPECT_EQ(feedOne(many).verdict, V::BodyTooLarge);
}

TEST(RequestGuard, MalformedChunksAreRefused) {
    for (std::string body : std::vector<std::string>{"zz\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", "+5\r\nhello\r\n0\r\n\r\n",
                             " 5\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXY0\r\n\r\n",
                             "5\nhello\r\n0\r\n\r\n", "\r\n", "5 x\r\nhello\r\n0\r\n\r\n",
                             "5;" + std::string(5000, 'e') + "\r\nhello\r\n0\r\n\r\n"}) {
        auto s = feedOne(chunkedHead() + body);
        EXPECT_EQ(s.verdict, V::BadRequest) << body.substr(0, 20);
        EXPECT_EQ(s.reason, "Malformed chunked request body.");
        EXPECT_TRUE(s.bodies.empty());
    }
    std::string trailers = chunkedHead() + "0\r\n";
    for (int i = 0; i < 30; ++i) trailers += "X-T: " + std::string(10, 't') + "\r\n";
    EXPECT_EQ(feedOne(trailers).verdict, V::HeaderTooLarge);
}

TEST(RequestGuard, MalformedHeadsAreRefused) {
    for (std::string head : {"GET /\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n",
                             "G@T / HTTP/1.1\r\n\r\n", "GET /a\x01 HTTP/1.1\r\n\r\n",
                             "GET / HTTP/1.1\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\nName : v\r\n\r\n",
                             "GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n",
                             "GET / HTTP/1.1\r\nA: x\ny\r\n\r\n", "GET / HTTP/1.1\r\n: v\r\n\r\n"}) {
        auto s = feedOne(head);
        EXPECT_EQ(s.verdict, V::BadRequest) << head;
        EXPECT_TRUE(s.heads.empty()) << head;
    }
    EXPECT_FALSE(feedOne("GET /a?b=%20&c HTTP/1.0\r\nX-Obs: caf\xc3\xa9\t!\r\n\r\n").refused);
}

// Memory follows the bytes that arrived, never the size the client announced.
TEST(RequestGuard, NothingIsReservedFromAnnouncedSizes) {
    RequestLimits l;
    l.maxRequestBytes = 64 << 20;
    RequestGuard g(l);
    auto s = feed(g, "POST /x HTTP/1.1\r\nContent-Length: 60000000\r\n\r\n" + std::string(100, 'b'));
    EXPECT_FALSE(s.refused);
    EXPECT_LT(g.heldBytes(), 64u << 10);
    RequestGuard c(l);
    s = feed(c, chunkedHead() + "3000000\r\n" + std::string(100, 'b'));
    EXPECT_FALSE(s.refused);
    EXPECT_LT(c.heldBytes(), 64u << 10);
}

TEST(RequestGuard, RefusalResponsesUseTheErrorEnvelope) {
    auto r = pb::http::refusalResponse(V::BodyTooLarge);
    EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos);
    EXPECT_NE(r.find(R"({"status":413,"message":"Request entity too large.","data":{}})"), std::string::npos);
    EXPECT_NE(r.find("Connection: close"), std::string::npos);
    EXPECT_NE(r.find("Content-Type: application/json"), std::string::npos);
    EXPECT_NE(pb::http::refusalResponse(V::HeaderTooLarge).find("HTTP/1.1 431"), std::string::npos);
    auto bad = pb::http::refusalResponse(V::BadRequest, "Invalid Content-Length header.");
    EXPECT_NE(bad.find("HTTP/1.1 400 Bad Request"), std::string::npos);
    EXPECT_NE(bad.find(R"({"status":400,"message":"Invalid Content-Length header.","data":{}})"), std::string::npos);
    EXPECT_NE(pb::http::refusalResponse(V::UnsupportedEncoding).find("HTTP/1.1 501"), std::string::npos);
}
