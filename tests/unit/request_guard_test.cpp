#include "http/request_guard.hpp"

#include <gtest/gtest.h>

using pb::http::RequestGuard;
using pb::http::RequestLimits;
using V = RequestGuard::Verdict;

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
}  // namespace

TEST(RequestGuard, PassesPipelinedRequestsWithinLimits) {
    RequestGuard g(small());
    std::string data = req(10) + req(0) + "GET / HTTP/1.1\r\n\r\n" + req(700);
    size_t acc = 0;
    EXPECT_EQ(g.feed(data, &acc), V::Pass);
    EXPECT_EQ(acc, data.size());
    EXPECT_FALSE(g.refused());
}

TEST(RequestGuard, FollowsHeadsAndBodiesSplitAcrossReads) {
    RequestGuard g(small());
    std::string data = req(300) + req(5);
    size_t acc = 0;
    for (size_t i = 0; i < data.size(); i += 7) {
        ASSERT_EQ(g.feed(std::string_view(data).substr(i, 7), &acc), V::Pass) << i;
    }
    // The body of the first request never counts as a head, so a big body split into many reads is fine.
    std::string big = "POST /x HTTP/1.1\r\nContent-Length: 900\r\n\r\n" + std::string(900, '\n');
    EXPECT_EQ(g.feed(big, &acc), V::Pass);
}

TEST(RequestGuard, RefusesAnnouncedOversizedBodyBeforeItArrives) {
    RequestGuard g(small());
    std::string first = req(3);
    std::string data = first + "POST /x HTTP/1.1\r\nContent-Length: 5000\r\n\r\n";
    size_t acc = 0;
    EXPECT_EQ(g.feed(data, &acc), V::BodyTooLarge);
    EXPECT_EQ(acc, first.size());  // the earlier, acceptable request still goes through
    EXPECT_TRUE(g.refused());
    EXPECT_EQ(g.feed("more", &acc), V::Pass);
    EXPECT_EQ(acc, 4u);  // callers discard input after a refusal
}

TEST(RequestGuard, HeadPlusBodyOverTheRequestLimitIsRefused) {
    RequestGuard g(small());
    size_t acc = 0;
    EXPECT_EQ(g.feed(req(1000, "X-Pad: " + std::string(100, 'p') + "\r\n"), &acc), V::BodyTooLarge);
}

TEST(RequestGuard, RefusesOversizedHeadEvenWithoutItsEnd) {
    RequestGuard g(small());
    size_t acc = 99;
    EXPECT_EQ(g.feed("GET / HTTP/1.1\r\nX-Big: " + std::string(100, 'a'), &acc), V::Pass);
    EXPECT_EQ(g.feed(std::string(200, 'a'), &acc), V::HeaderTooLarge);
    EXPECT_EQ(acc, 0u);
}

TEST(RequestGuard, ChunkedAndMalformedLengthsAreLeftToTheParser) {
    RequestGuard g(small());
    size_t acc = 0;
    EXPECT_EQ(g.feed("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(5000, 'x'), &acc), V::Pass);
    RequestGuard g2(small());
    EXPECT_EQ(g2.feed("POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n", &acc), V::Pass);
}

TEST(RequestGuard, RefusalResponsesUseTheErrorEnvelope) {
    auto r = pb::http::refusalResponse(V::BodyTooLarge);
    EXPECT_NE(r.find("HTTP/1.1 413"), std::string::npos);
    EXPECT_NE(r.find(R"({"status":413,"message":"Request entity too large.","data":{}})"), std::string::npos);
    EXPECT_NE(r.find("Connection: close"), std::string::npos);
    EXPECT_NE(pb::http::refusalResponse(V::HeaderTooLarge).find("HTTP/1.1 431"), std::string::npos);
}
