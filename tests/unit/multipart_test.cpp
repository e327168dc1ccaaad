#include <gtest/gtest.h>

#include <random>
#include <string>

#include "util/multipart.hpp"

using namespace std::string_literals;
using pb::multipart::boundaryFromContentType;
using pb::multipart::Limits;
using pb::multipart::parseMediaType;
using pb::multipart::parseMultipart;
using pb::multipart::Part;

namespace {

const std::string B = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string field(const std::string& name, const std::string& value, const std::string& b = B) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
           "\r\n";
}

std::string file(const std::string& name, const std::string& filename, const std::string& type,
                 const std::string& data, const std::string& b = B) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" +
           filename + "\"\r\nContent-Type: " + type + "\r\n\r\n" + data + "\r\n";
}

std::string close(const std::string& b = B) { return "--" + b + "--\r\n"; }

std::string binaryBlob() {
    std::string s;
    for (int round = 0; round < 4; ++round)
        for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i ^ round));
    return s;
}

}  // namespace

TEST(Multipart, TextFieldsAndFile) {
    std::string body = field("title", "Hello") + field("count", "42") +
                       file("doc", "a.txt", "text/plain", "file body") + close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[0].name, "title");
    EXPECT_EQ((*parts)[0].data, "Hello");
    EXPECT_FALSE((*parts)[0].filename.has_value());
    EXPECT_EQ((*parts)[0].contentType, "");
    EXPECT_EQ((*parts)[1].data, "42");
    EXPECT_EQ((*parts)[2].name, "doc");
    EXPECT_EQ((*parts)[2].filename.value_or(""), "a.txt");
    EXPECT_EQ((*parts)[2].contentType, "text/plain");
    EXPECT_EQ((*parts)[2].data, "file body");
}

TEST(Multipart, BinaryDataWithCrlfAndFakeBoundaries) {
    std::string data = binaryBlob() + "\r\n--not-the-boundary\r\n" + "\r\n--" + B.substr(0, 10) +
                       "\r\n\r\nx--" + B + "\r\n" + /* not preceded by CRLF */
                       "\r\n--" + B + "X\r\n" +         /* boundary followed by a letter */
                       "\r\n--" + B + "-x" + "\r\n\r\n\r\n" + binaryBlob() + "\r\n";
    std::string body = file("f", "blob.bin", "application/octet-stream", data) +
                       field("after", "ok") + close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].data.size(), data.size());
    EXPECT_TRUE((*parts)[0].data == data);
    EXPECT_EQ((*parts)[1].data, "ok");
}

TEST(Multipart, EmptyValuesAndEmptyFile) {
    std::string body = field("empty", "") + file("f", "e.txt", "text/plain", "") + close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].data, "");
    EXPECT_EQ((*parts)[1].data, "");
    EXPECT_EQ((*parts)[1].filename.value_or(""), "e.txt");
}

TEST(Multipart, EmptyForm) {
    auto parts = parseMultipart(close(), B, {});
    ASSERT_TRUE(parts.has_value());
    EXPECT_TRUE(parts->empty());
    EXPECT_TRUE(parseMultipart("--" + B + "--", B, {}).has_value());
}

TEST(Multipart, PreambleEpilogueAndTransportPadding) {
    std::string body = "This is a preamble --" + B + " mention\r\n" + "--" + B + "  \t\r\n" +
                       "Content-Disposition: form-data; name=a\r\n\r\nA\r\n" + "--" + B +
                       "-- \r\nepilogue text --" + B + "\r\n";
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 1u);
    EXPECT_EQ((*parts)[0].name, "a");
    EXPECT_EQ((*parts)[0].data, "A");
}

TEST(Multipart, LfOnlyBody) {
    std::string body = "--" + B + "\nContent-Disposition: form-data; name=\"a\"\n\nline1\r\nline2\n--" +
                       B + "\nContent-Disposition: form-data; name=\"b\"\n\nB\n--" + B + "--\n";
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].data, "line1\r\nline2");
    EXPECT_EQ((*parts)[1].data, "B");
}

TEST(Multipart, HeaderVariants) {
    std::string body = "--" + B +
                       "\r\ncontent-disposition:form-data;name=plain;FILENAME=\"x.png\"\r\n"
                       "CONTENT-TYPE:   image/png  \r\nX-Extra: 1\r\n\r\nPNG\r\n" +
                       "--" + B +
                       "\r\nContent-Disposition: form-data;\r\n\tname=\"folded\"\r\n\r\nF\r\n" +
                       close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "plain");
    EXPECT_EQ((*parts)[0].filename.value_or(""), "x.png");
    EXPECT_EQ((*parts)[0].contentType, "image/png");
    EXPECT_EQ((*parts)[1].name, "folded");
    EXPECT_EQ((*parts)[1].data, "F");
}

TEST(Multipart, NamesWithEscapesAndUnicode) {
    std::string body =
        "--" + B + "\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\n1\r\n" + "--" + B +
        "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"; "
        "filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\n2\r\n" +
        "--" + B + "\r\nContent-Disposition: form-data; name=\"g\"; filename=\"\xc3\xa9t\xc3\xa9.txt\"\r\n\r\n3\r\n" +
        close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[0].name, "a\"b");
    EXPECT_EQ((*parts)[1].filename.value_or(""), "\xe2\x82\xac rates.txt");
    EXPECT_EQ((*parts)[2].filename.value_or(""), "\xc3\xa9t\xc3\xa9.txt");
}

TEST(Multipart, FilenameDirectoriesAreStripped) {
    auto one = [](const std::string& fn) {
        auto parts = parseMultipart(file("f", fn, "text/plain", "x") + close(), B, {});
        EXPECT_TRUE(parts.has_value());
        EXPECT_EQ(parts->size(), 1u);
        return (*parts)[0].filename;
    };
    EXPECT_EQ(one("../../etc/passwd").value_or("?"), "passwd");
    EXPECT_EQ(one("/abs/path/a.png").value_or("?"), "a.png");
    EXPECT_EQ(one("dir/").value_or("?"), "dir");
    // The quoted filename has escaped backslashes; backslashes are not directory separators
    // on Linux (Go's filepath.Base keeps them too).
    EXPECT_EQ(one("C:\\\\Users\\\\me\\\\a.png").value_or("?"), "C:\\Users\\me\\a.png");
    EXPECT_FALSE(one("").has_value());  // filename="" is a plain value, as in Go
}

TEST(Multipart, PartsWithoutFormDataNameAreSkipped) {
    std::string body = "--" + B + "\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n" + "--" +
                       B + "\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nattachment\r\n" +
                       "--" + B + "\r\nContent-Disposition: form-data\r\n\r\nno name\r\n" + "--" +
                       B + "\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nempty name\r\n" +
                       "--" + B + "\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\nbad\r\n" +
                       "--" + B + "\r\n\r\nno headers at all\r\n" + field("kept", "yes") + close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 1u);
    EXPECT_EQ((*parts)[0].name, "kept");
}

TEST(Multipart, DuplicateFieldNamesKeepOrder) {
    std::string body = field("tags", "a") + field("tags", "b") + field("tags", "c") + close();
    auto parts = parseMultipart(body, B, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[2].data, "c");
}

TEST(Multipart, MalformedBodies) {
    const std::string good = field("a", "1") + close();
    const std::vector<std::string> bad = {
        "",
        "no boundary here",
        field("a", "1"),                                        // no close delimiter
        "--" + B + "\r\n",                                      // nothing after opening
        "--" + B + "X\r\n" + close().substr(0, 0),              // not the boundary
        "--" + B + "\r\nContent-Disposition: form-data; name=a\r\n" + close(),  // no blank line
        "--" + B + "\r\nContent-Disposition form-data\r\n\r\nx\r\n" + close(),  // no colon
        "--" + B + "\r\n: empty name\r\n\r\nx\r\n" + close(),
        "--" + B + "\r\nBad Header: x\r\n\r\nx\r\n" + close(),  // space in header name
        "--" + B + "\r\n folded first line\r\n\r\nx\r\n" + close(),
        "--" + B + "\r\n--" + B + "--\r\n",                     // close where headers belong
        field("a", "1") + "--" + B + "--garbage",               // junk after close delimiter
        "--" + B + "--x",
    };
    for (const auto& body : bad) EXPECT_FALSE(parseMultipart(body, B, {}).has_value()) << body;
    EXPECT_TRUE(parseMultipart(good, B, {}).has_value());
    EXPECT_FALSE(parseMultipart(good, "", {}).has_value());
    EXPECT_FALSE(parseMultipart(good, "other", {}).has_value());
    EXPECT_FALSE(parseMultipart(good, B.substr(1), {}).has_value());
    EXPECT_FALSE(parseMultipart(good, std::string(71, 'a'), {}).has_value());
}

TEST(Multipart, EveryTruncationFailsCleanly) {
    std::string body = field("title", "Hello\r\nWorld") +
                       file("f", "b.bin", "application/octet-stream", binaryBlob().substr(0, 300)) +
                       close();
    // Cutting before the final "--" of the close delimiter must always fail; without the
    // trailing CRLF the body is still complete (a lone trailing CR is rejected, like Go).
    const size_t closeEnd = body.size() - 2;
    for (size_t n = 0; n <= body.size(); ++n) {
        auto parts = parseMultipart(std::string_view(body).substr(0, n), B, {});
        if (n < closeEnd || n == closeEnd + 1) {
            EXPECT_FALSE(parts.has_value()) << n;
        } else {
            ASSERT_TRUE(parts.has_value()) << n;
            EXPECT_EQ(parts->size(), 2u);
        }
    }
}

TEST(Multipart, PartLimit) {
    std::string body;
    for (int i = 0; i < 5; ++i) body += field("f" + std::to_string(i), "v");
    body += close();
    Limits limits;
    limits.maxParts = 5;
    EXPECT_TRUE(parseMultipart(body, B, limits).has_value());
    limits.maxParts = 4;
    EXPECT_FALSE(parseMultipart(body, B, limits).has_value());

    // The default limit is 1000 parts, skipped parts included.
    std::string many;
    for (int i = 0; i < 1001; ++i) many += "--" + B + "\r\n\r\n\r\n";
    EXPECT_FALSE(parseMultipart(many + close(), B, {}).has_value());
    std::string thousand;
    for (int i = 0; i < 1000; ++i) thousand += field("x", "1");
    auto parts = parseMultipart(thousand + close(), B, {});
    ASSERT_TRUE(parts.has_value());
    EXPECT_EQ(parts->size(), 1000u);
}

TEST(Multipart, HeaderLimits) {
    Limits limits;
    limits.maxHeaderLineBytes = 100;
    std::string longName(200, 'n');
    EXPECT_FALSE(parseMultipart(field(longName, "v") + close(), B, limits).has_value());
    EXPECT_TRUE(parseMultipart(field(longName, "v") + close(), B, {}).has_value());
    // A folded header counts as one line.
    std::string folded = "--" + B + "\r\nContent-Disposition: form-data;\r\n name=\"" +
                         std::string(60, 'a') + "\";\r\n filename=\"" + std::string(60, 'b') +
                         "\"\r\n\r\nx\r\n" + close();
    EXPECT_FALSE(parseMultipart(folded, B, limits).has_value());
    EXPECT_TRUE(parseMultipart(folded, B, {}).has_value());
    // A huge header section with no line break at all.
    std::string noBreak = "--" + B + "\r\nX-A: " + std::string(100000, 'a') + close();
    EXPECT_FALSE(parseMultipart(noBreak, B, {}).has_value());

    std::string manyHeaders = "--" + B + "\r\nContent-Disposition: form-data; name=a\r\n";
    for (int i = 0; i < 40; ++i) manyHeaders += "X-H" + std::to_string(i) + ": v\r\n";
    manyHeaders += "\r\nx\r\n" + close();
    EXPECT_FALSE(parseMultipart(manyHeaders, B, {}).has_value());
    limits = Limits{};
    limits.maxHeadersPerPart = 41;
    EXPECT_TRUE(parseMultipart(manyHeaders, B, limits).has_value());
}

TEST(Multipart, BoundaryFromContentType) {
    EXPECT_EQ(boundaryFromContentType("multipart/form-data; boundary=" + B).value_or(""), B);
    EXPECT_EQ(boundaryFromContentType("multipart/form-data; boundary=\"" + B + "\"").value_or(""), B);
    EXPECT_EQ(boundaryFromContentType("Multipart/Form-Data;Boundary=abc").value_or(""), "abc");
    EXPECT_EQ(boundaryFromContentType("multipart/form-data; charset=utf-8; boundary=\"a b:c?\"")
                  .value_or(""),
              "a b:c?");
    EXPECT_EQ(boundaryFromContentType("multipart/form-data; boundary=abc;").value_or(""), "abc");
    EXPECT_FALSE(boundaryFromContentType("multipart/form-data"));
    EXPECT_FALSE(boundaryFromContentType("multipart/form-data; boundary="));
    EXPECT_FALSE(boundaryFromContentType("multipart/form-data; boundary=\"\""));
    EXPECT_FALSE(boundaryFromContentType("multipart/form-data; boundary=\"abc"));
    EXPECT_FALSE(boundaryFromContentType("multipart/form-data; boundary=" + std::string(71, 'a')));
    EXPECT_FALSE(boundaryFromContentType("multipart/mixed; boundary=abc"));
    EXPECT_FALSE(boundaryFromContentType("application/json"));
    EXPECT_FALSE(boundaryFromContentType(""));
    EXPECT_FALSE(boundaryFromContentType("multipart/form-data; boundary=a; boundary=b"));
}

TEST(Multipart, QuotedBoundaryEndToEnd) {
    const std::string b = "we:ird b=oundary";
    auto boundary = boundaryFromContentType("multipart/form-data; boundary=\"" + b + "\"");
    ASSERT_TRUE(boundary.has_value());
    auto parts = parseMultipart(field("x", "1", b) + field("y", "2", b) + close(b), *boundary, {});
    ASSERT_TRUE(parts.has_value());
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[1].data, "2");
}

TEST(Multipart, ParseMediaType) {
    auto mt = parseMediaType("Text/HTML; Charset=\"utf-8\"; q=0.5");
    ASSERT_TRUE(mt.has_value());
    EXPECT_EQ(mt->type, "text/html");
    EXPECT_EQ(*mt->param("charset"), "utf-8");
    EXPECT_EQ(*mt->param("q"), "0.5");
    EXPECT_EQ(mt->param("missing"), nullptr);

    // Backslashes before non-special characters are kept (IE file paths).
    mt = parseMediaType(R"(form-data; name="f"; filename="C:\dir\file.txt")");
    ASSERT_TRUE(mt.has_value());
    EXPECT_EQ(*mt->param("filename"), "C:\\dir\\file.txt");

    // RFC 2231 continuations.
    mt = parseMediaType("form-data; name*0=\"long\"; name*1=\"name\"; title*0*=us-ascii'en'a%20; title*1*=b");
    ASSERT_TRUE(mt.has_value());
    EXPECT_EQ(*mt->param("name"), "longname");
    EXPECT_EQ(*mt->param("title"), "a b");
    // Unknown charsets drop the parameter.
    mt = parseMediaType("form-data; name=a; filename*=iso-8859-1''%e9");
    ASSERT_TRUE(mt.has_value());
    EXPECT_EQ(mt->param("filename"), nullptr);

    EXPECT_TRUE(parseMediaType("form-data; a=1; a=1"));  // equal duplicates are tolerated
    for (std::string bad : {"", "/", "text/", "te xt/html", "text/html/x", "text/html; a", "text/html; a=",
                            "text/html; =b", "text/html; a=1; a=2", "text/html; a=\"x", "text/html x",
                            "text/html; a=\"x\ny\""}) {
        EXPECT_FALSE(parseMediaType(bad).has_value()) << bad;
    }
}

TEST(Multipart, FuzzDoesNotCrash) {
    std::mt19937 rng(7);
    const std::string seed = field("a", "1") + file("f", "x.bin", "a/b", binaryBlob().substr(0, 64)) +
                             "--" + B + "\r\nContent-Disposition: form-data; name*=utf-8''%41\r\n\r\n\r\n" +
                             close();
    const std::string alphabet = "-\r\n:;=\"\\ *%'abc" + B.substr(0, 4);
    for (int iter = 0; iter < 3000; ++iter) {
        std::string body = seed;
        int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits; ++e) {
            size_t at = rng() % (body.size() + 1);
            switch (rng() % 4) {
                case 0: body.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
                case 1: if (at < body.size()) body.erase(at, 1 + rng() % 4); break;
                case 2: if (at < body.size()) body[at] = static_cast<char>(rng()); break;
                case 3: body.insert(at, "\r\n--" + B.substr(0, rng() % (B.size() + 1))); break;
            }
        }
        auto parts = parseMultipart(body, B, {});
        if (parts) {
            for (const auto& p : *parts) EXPECT_FALSE(p.name.empty());
        }
        (void)parseMediaType(body.substr(0, 200));
    }
    for (int iter = 0; iter < 500; ++iter) {
        std::string junk(rng() % 300, '\0');
        for (auto& c : junk) c = alphabet[rng() % alphabet.size()];
        (void)parseMultipart("--" + B + "\r\n" + junk, B, {});
        (void)boundaryFromContentType(junk);
    }
}
