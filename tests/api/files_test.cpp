// Record files over real HTTP: uploads, validation, modifiers, downloads (headers, ranges,
// protected files, thumbnails), path traversal and storage cleanup.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "api/files_test_util.hpp"
#include "support/test_server.hpp"

using pb::json::Object;
using pb::json::Value;
using pbtest::FormPart;
using pbtest::TestServer;
namespace fs = std::filesystem;

namespace {

const std::string kBoundary = "----pbtestBoundary7MA4YWxkTrZu0gW";

pbtest::HttpResponse sendForm(TestServer& s, const std::string& method, const std::string& path,
                              const std::vector<FormPart>& parts, const std::string& token = "") {
    std::map<std::string, std::string> h{{"Content-Type", "multipart/form-data; boundary=" + kBoundary}};
    if (!token.empty()) h["Authorization"] = token;
    return s.request(method, path, pbtest::multipartForm(parts, kBoundary), h);
}

// Creates collection "docs" (open rules) with the given extra file field options.
std::string makeDocs(TestServer& s, Value docOpts = Value::object(), Value attOpts = Value::object(),
                     const char* viewRule = "") {
    Value doc(Object{{"name", "doc"}, {"type", "file"}, {"maxSelect", 1}});
    for (auto& [k, v] : docOpts.asObject()) doc.set(k, v);
    Value att(Object{{"name", "attachments"}, {"type", "file"}, {"maxSelect", 5}});
    for (auto& [k, v] : attOpts.asObject()) att.set(k, v);
    Value fields = Value::array();
    fields.push(Value(Object{{"name", "title"}, {"type", "text"}}));
    fields.push(doc);
    fields.push(att);
    auto r = s.post("/api/collections",
                    Value(Object{{"name", "docs"}, {"type", "base"}, {"listRule", ""}, {"viewRule", viewRule},
                                 {"createRule", ""}, {"updateRule", ""}, {"deleteRule", ""}, {"fields", fields}}),
                    s.superuserToken());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["id"].getString();
}

std::string binaryPayload() {
    // Boundary-like bytes that are not a delimiter ("--boundary" followed by data, other boundaries).
    std::string b = "\r\n--" + kBoundary + "X\r\n--otherBoundary\r\n--" + kBoundary + "-x\r\n";
    b += std::string("\0\x01\x02\xff\xfe\r\n\r\n", 9);
    for (int i = 0; i < 3000; ++i) b.push_back(static_cast<char>((i * 37) & 0xFF));
    b += "\r\n--";
    return b;
}

size_t countFiles(const fs::path& p) {
    std::error_code ec;
    if (!fs::exists(p, ec)) return 0;
    size_t n = 0;
    for (auto& e : fs::recursive_directory_iterator(p, ec))
        if (e.is_regular_file()) ++n;
    return n;
}

}  // namespace

TEST(ApiFiles, UploadRoundTripsBinaryByteForByte) {
    TestServer s;
    auto cid = makeDocs(s);
    const std::string data = binaryPayload();
    auto r = sendForm(s, "POST", "/api/collections/docs/records",
                      {{"title", "hello"}, {"doc", data, "My File.bin", "application/octet-stream"}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto rec = r.json();
    std::string name = rec["doc"].getString();
    EXPECT_TRUE(std::regex_match(name, std::regex("^my_file_[a-z0-9]{10}\\.bin$"))) << name;
    std::string rid = rec["id"].getString();
    auto g = s.get("/api/files/docs/" + rid + "/" + name);
    ASSERT_EQ(g.status, 200);
    EXPECT_EQ(g.body, data);
    EXPECT_EQ(g.headers["content-type"], "application/octet-stream");
    EXPECT_TRUE(fs::exists(fs::path(s.dataDir()) / "storage" / cid / rid / name));
    // By collection id too.
    EXPECT_EQ(s.get("/api/files/" + cid + "/" + rid + "/" + name).status, 200);
}

TEST(ApiFiles, ValidationErrorsLeaveNoFiles) {
    TestServer s;
    auto cid = makeDocs(s, Value(Object{{"maxSize", 10}}),
                        Value(Object{{"mimeTypes", Value(pb::json::Array{"image/png"})}, {"maxSelect", 2}}));
    auto big = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", std::string(11, 'x'), "a.txt", "text/plain"}});
    ASSERT_EQ(big.status, 400) << big.body;
    EXPECT_EQ(big.json()["data"]["doc"]["code"].getString(), "validation_file_size_limit");
    // The client claims image/png, the bytes are text.
    auto mime = sendForm(s, "POST", "/api/collections/docs/records",
                         {{"attachments", "just text", "fake.png", "image/png"}});
    ASSERT_EQ(mime.status, 400) << mime.body;
    EXPECT_EQ(mime.json()["data"]["attachments"]["code"].getString(), "validation_invalid_mime_type");
    auto png = pbtest::tinyPng(2, 2);
    auto many = sendForm(s, "POST", "/api/collections/docs/records",
                         {{"attachments", png, "a.png", "image/png"},
                          {"attachments", png, "b.png", "image/png"},
                          {"attachments", png, "c.png", "image/png"}});
    ASSERT_EQ(many.status, 400) << many.body;
    EXPECT_EQ(many.json()["data"]["attachments"]["code"].getString(), "validation_too_many_files");
    auto unknown = s.post("/api/collections/docs/records", Value(Object{{"doc", "not_uploaded_abc.txt"}}));
    ASSERT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(unknown.json()["data"]["doc"]["code"].getString(), "validation_invalid_file");
    EXPECT_EQ(countFiles(fs::path(s.dataDir()) / "storage"), 0u);
    EXPECT_EQ(s.get("/api/collections/docs/records").json()["totalItems"].getNumber(), 0);
}

TEST(ApiFiles, ModifiersAndSetListSemantics) {
    TestServer s;
    auto cid = makeDocs(s);
    auto r = sendForm(s, "POST", "/api/collections/docs/records",
                      {{"attachments", "one", "one.txt", ""}, {"attachments", "two", "two.txt", ""}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::string rid = r.json()["id"].getString();
    auto names = r.json()["attachments"];
    ASSERT_EQ(names.size(), 2u);
    std::string n1 = names.asArray()[0].getString(), n2 = names.asArray()[1].getString();
    fs::path dir = fs::path(s.dataDir()) / "storage" / cid / rid;

    auto app = sendForm(s, "PATCH", "/api/collections/docs/records/" + rid, {{"attachments+", "three", "three.txt", ""}});
    ASSERT_EQ(app.status, 200) << app.body;
    ASSERT_EQ(app.json()["attachments"].size(), 3u);
    std::string n3 = app.json()["attachments"].asArray()[2].getString();
    auto pre = sendForm(s, "PATCH", "/api/collections/docs/records/" + rid, {{"+attachments", "zero", "zero.txt", ""}});
    ASSERT_EQ(pre.status, 200) << pre.body;
    std::string n0 = pre.json()["attachments"].asArray()[0].getString();
    EXPECT_TRUE(n0.rfind("zero_", 0) == 0) << n0;

    auto rm = s.patch("/api/collections/docs/records/" + rid, Value(Object{{"attachments-", n1}}));
    ASSERT_EQ(rm.status, 200) << rm.body;
    EXPECT_EQ(rm.json()["attachments"].size(), 3u);
    EXPECT_FALSE(fs::exists(dir / n1));
    EXPECT_TRUE(fs::exists(dir / n2));

    // Setting the list keeps the existing names given and drops the rest.
    auto set = s.patch("/api/collections/docs/records/" + rid, Value(Object{{"attachments", Value(pb::json::Array{n2})}}));
    ASSERT_EQ(set.status, 200) << set.body;
    EXPECT_EQ(set.json()["attachments"].size(), 1u);
    EXPECT_FALSE(fs::exists(dir / n3));
    EXPECT_FALSE(fs::exists(dir / n0));
    // Existing names + new upload in one multipart request.
    auto mix = sendForm(s, "PATCH", "/api/collections/docs/records/" + rid,
                        {{"attachments", n2}, {"attachments", "four", "four.txt", ""}});
    ASSERT_EQ(mix.status, 200) << mix.body;
    EXPECT_EQ(mix.json()["attachments"].size(), 2u);
    // Single field: a new upload replaces the old file.
    auto d1 = sendForm(s, "PATCH", "/api/collections/docs/records/" + rid, {{"doc", "v1", "doc.txt", ""}});
    auto d2 = sendForm(s, "PATCH", "/api/collections/docs/records/" + rid, {{"doc", "v2", "doc.txt", ""}});
    ASSERT_EQ(d2.status, 200) << d2.body;
    EXPECT_NE(d1.json()["doc"].getString(), d2.json()["doc"].getString());
    EXPECT_FALSE(fs::exists(dir / d1.json()["doc"].getString()));
    // Clearing.
    auto clr = s.patch("/api/collections/docs/records/" + rid,
                       Value(Object{{"attachments", Value::array()}, {"doc", nullptr}}));
    ASSERT_EQ(clr.status, 200) << clr.body;
    EXPECT_EQ(clr.json()["attachments"].size(), 0u);
    EXPECT_EQ(clr.json()["doc"].getString(), "");
    EXPECT_EQ(countFiles(dir), 0u);
}

TEST(ApiFiles, DownloadHeadersDispositionAndSniffing) {
    TestServer s;
    makeDocs(s);
    auto png = pbtest::tinyPng(3, 3);
    auto r = sendForm(s, "POST", "/api/collections/docs/records",
                      {{"attachments", png, "pic.png", "text/html"},
                       {"attachments", "<html><script>alert(1)</script></html>", "page.png", "image/png"},
                       {"attachments", "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", "img.svg", "image/svg+xml"}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::string rid = r.json()["id"].getString();
    auto n = r.json()["attachments"].asArray();
    auto p = s.get("/api/files/docs/" + rid + "/" + n[0].getString());
    EXPECT_EQ(p.status, 200);
    EXPECT_EQ(p.headers["content-type"], "image/png");
    EXPECT_EQ(p.headers["content-disposition"], "inline; filename=\"" + n[0].getString() + "\"");  // quoted, as PocketBase 0.40
    EXPECT_EQ(p.headers["content-security-policy"], "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox");
    EXPECT_EQ(p.headers["cache-control"], "max-age=2592000, stale-while-revalidate=86400");
    EXPECT_EQ(p.headers["x-content-type-options"], "nosniff");
    auto dl = s.get("/api/files/docs/" + rid + "/" + n[0].getString() + "?download=1");
    EXPECT_EQ(dl.headers["content-disposition"], "attachment; filename=\"" + n[0].getString() + "\"");
    auto h = s.get("/api/files/docs/" + rid + "/" + n[1].getString());
    EXPECT_EQ(h.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(h.headers["content-disposition"].rfind("attachment;", 0), 0u);
    auto svg = s.get("/api/files/docs/" + rid + "/" + n[2].getString());
    EXPECT_EQ(svg.headers["content-type"], "image/svg+xml");
    EXPECT_EQ(svg.headers["content-disposition"].rfind("attachment;", 0), 0u);
}

TEST(ApiFiles, RangeRequests) {
    TestServer s;
    makeDocs(s);
    auto r = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", "0123456789", "digits.txt", ""}});
    ASSERT_EQ(r.status, 200);
    std::string url = "/api/files/docs/" + r.json()["id"].getString() + "/" + r.json()["doc"].getString();
    auto a = s.request("GET", url, "", {{"Range", "bytes=2-5"}});
    EXPECT_EQ(a.status, 206);
    EXPECT_EQ(a.body, "2345");
    EXPECT_EQ(a.headers["content-range"], "bytes 2-5/10");
    auto b = s.request("GET", url, "", {{"Range", "bytes=-3"}});
    EXPECT_EQ(b.status, 206);
    EXPECT_EQ(b.body, "789");
    auto c = s.request("GET", url, "", {{"Range", "bytes=7-"}});
    EXPECT_EQ(c.body, "789");
    auto d = s.request("GET", url, "", {{"Range", "bytes=20-30"}});
    EXPECT_EQ(d.status, 416);
    EXPECT_EQ(d.headers["content-range"], "bytes */10");
    auto e = s.request("GET", url, "", {{"Range", "bytes=5-2"}});
    EXPECT_EQ(e.status, 416);
}

TEST(ApiFiles, NotFoundAndPathTraversal) {
    TestServer s;
    auto cid = makeDocs(s);
    auto r = sendForm(s, "POST", "/api/collections/docs/records",
                      {{"doc", "secret", "../../../../etc/passwd", ""},
                       {"attachments", "x", "..", ""},
                       {"attachments", "y", "a/../../b.txt", ""}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::string rid = r.json()["id"].getString();
    std::string docName = r.json()["doc"].getString();
    EXPECT_EQ(docName.find('/'), std::string::npos);
    EXPECT_EQ(docName.find(".."), std::string::npos);
    const auto created = r.json();  // keep the document alive while iterating it
    for (auto& n : created["attachments"].asArray()) {
        EXPECT_EQ(n.getString().find('/'), std::string::npos);
        EXPECT_NE(n.getString(), "..");
    }
    // Everything written stays inside the record dir.
    EXPECT_EQ(countFiles(fs::path(s.dataDir()) / "storage"), countFiles(fs::path(s.dataDir()) / "storage" / cid / rid));
    EXPECT_EQ(countFiles(fs::path(s.dataDir()) / "storage" / cid / rid), 3u);
    EXPECT_EQ(s.get("/api/files/docs/nope123/" + docName).status, 404);
    EXPECT_EQ(s.get("/api/files/docs/" + rid + "/missing.txt").status, 404);
    EXPECT_EQ(s.get("/api/files/nope/" + rid + "/" + docName).status, 404);
    for (std::string bad : {"..%2F..%2Fdata.db", "%2E%2E%2F%2E%2E%2Fdata.db", "..", "%2e%2e", "..%5Cdata.db"})
        EXPECT_EQ(s.get("/api/files/docs/" + rid + "/" + bad).status, 404) << bad;
    EXPECT_EQ(s.get("/api/files/docs/..%2F" + rid + "/" + docName).status, 404);
    EXPECT_EQ(s.get("/api/files/docs/" + rid + "/../../data.db").status, 404);
}

TEST(ApiFiles, ProtectedFileTokenFlow) {
    TestServer s;
    makeDocs(s, Value(Object{{"protected", true}}), Value::object(), "@request.auth.id != ''");
    std::string uid;
    auto userToken = s.createUser("u1@example.com", "password123", &uid);
    auto r = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", "classified", "p.txt", ""}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::string url = "/api/files/docs/" + r.json()["id"].getString() + "/" + r.json()["doc"].getString();
    EXPECT_EQ(s.get(url).status, 404);
    EXPECT_EQ(s.get(url, userToken).status, 404);  // the Authorization header is not used
    auto noAuth = s.post("/api/files/token", Value::object());
    EXPECT_EQ(noAuth.status, 401);
    auto tok = s.post("/api/files/token", Value::object(), userToken);
    ASSERT_EQ(tok.status, 200) << tok.body;
    std::string fileToken = tok.json()["token"].getString();
    ASSERT_FALSE(fileToken.empty());
    auto ok = s.get(url + "?token=" + fileToken);
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "classified");
    // An auth token is not a file token.
    EXPECT_EQ(s.get(url + "?token=" + userToken).status, 404);
    EXPECT_EQ(s.get(url + "?token=garbage").status, 404);
    auto suTok = s.post("/api/files/token", Value::object(), s.superuserToken());
    EXPECT_EQ(s.get(url + "?token=" + suTok.json()["token"].getString()).status, 200);
}

// A protected file under an owner rule: the file token carries who is asking, and the view rule
// is evaluated for that user. The owner's token downloads; another user's valid token gets 404.
TEST(ApiFiles, ProtectedFileOwnerRuleChecksWhoseTokenItIs) {
    TestServer s;
    auto su = s.superuserToken();
    auto usersId = s.get("/api/collections/users", su).json()["id"].getString();
    Value fields(pb::json::Array{
        Value(Object{{"name", "owner"}, {"type", "relation"}, {"collectionId", usersId}, {"maxSelect", 1}}),
        Value(Object{{"name", "doc"}, {"type", "file"}, {"maxSelect", 1}, {"protected", true}})});
    auto c = s.post("/api/collections",
                    Value(Object{{"name", "secrets"}, {"listRule", "owner = @request.auth.id"},
                                 {"viewRule", "owner = @request.auth.id"}, {"createRule", "@request.auth.id != ''"},
                                 {"fields", fields}}),
                    su);
    ASSERT_EQ(c.status, 200) << c.body;
    std::string ownerId, otherId;
    auto owner = s.createUser("owner@example.com", "password123", &ownerId);
    auto other = s.createUser("other@example.com", "password123", &otherId);
    auto r = sendForm(s, "POST", "/api/collections/secrets/records", {{"owner", ownerId}, {"doc", "owner only", "s.txt", ""}},
                      owner);
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string url = "/api/files/secrets/" + r.json()["id"].getString() + "/" + r.json()["doc"].getString();
    auto fileToken = [&](const std::string& auth) {
        auto t = s.post("/api/files/token", Value::object(), auth);
        EXPECT_EQ(t.status, 200) << t.body;
        return t.json()["token"].getString();
    };
    const std::string ownerFile = fileToken(owner), otherFile = fileToken(other);
    auto mine = s.get(url + "?token=" + ownerFile);
    EXPECT_EQ(mine.status, 200);
    EXPECT_EQ(mine.body, "owner only");
    auto theirs = s.get(url + "?token=" + otherFile);
    EXPECT_EQ(theirs.status, 404) << theirs.body;
    EXPECT_EQ(theirs.json()["message"].getString(), "The requested resource wasn't found.");
    EXPECT_EQ(s.get(url).status, 404);  // no token: a guest, and the rule needs an owner
    // The rule follows the record: once the other user owns it, the tokens swap roles.
    ASSERT_EQ(s.patch("/api/collections/secrets/records/" + r.json()["id"].getString(), Value(Object{{"owner", otherId}}), su)
                  .status,
              200);
    EXPECT_EQ(s.get(url + "?token=" + ownerFile).status, 404);
    EXPECT_EQ(s.get(url + "?token=" + otherFile).status, 200);
}

// A superuser file token counts only from an address in settings.superuserIPs; from anywhere else
// it is no token at all (404, like a guest), while a user's token keeps working.
TEST(ApiFiles, SuperuserFileTokenOutsideSuperuserIPsIsRefused) {
    TestServer s;
    auto su = s.superuserToken();
    makeDocs(s, Value(Object{{"protected", true}}), Value::object(), "@request.auth.id != ''");
    auto user = s.createUser("ipfile@example.com", "password123");
    auto r = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", "classified", "p.txt", ""}});
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string url = "/api/files/docs/" + r.json()["id"].getString() + "/" + r.json()["doc"].getString();
    auto suFile = s.post("/api/files/token", Value::object(), su).json()["token"].getString();
    auto userFile = s.post("/api/files/token", Value::object(), user).json()["token"].getString();
    ASSERT_FALSE(suFile.empty());
    ASSERT_EQ(s.get(url + "?token=" + suFile).status, 200);  // no list yet: allowed

    // The client address comes from X-Real-IP (trusted proxy), so one server sees both sides.
    Value patch(Object{{"superuserIPs", Value(pb::json::Array{"127.0.0.1"})},
                       {"trustedProxy", Value(Object{{"headers", Value(pb::json::Array{"X-Real-IP"})}})}});
    ASSERT_EQ(s.patch("/api/settings", patch, su).status, 200);
    auto from = [&](const std::string& token, const std::string& ip) {
        return s.request("GET", url + "?token=" + token, "", {{"X-Real-IP", ip}});
    };
    EXPECT_EQ(from(suFile, "127.0.0.1").status, 200);
    auto outside = from(suFile, "203.0.113.9");
    EXPECT_EQ(outside.status, 404) << outside.body;
    EXPECT_NE(outside.body, "classified");
    EXPECT_EQ(from(userFile, "203.0.113.9").status, 200);  // only superuser tokens are restricted

    // Directly from the socket address: a list without 127.0.0.1.
    Value lockOut(Object{{"superuserIPs", Value(pb::json::Array{"10.1.2.3"})},
                         {"trustedProxy", Value(Object{{"headers", Value::array()}})}});
    ASSERT_EQ(s.patch("/api/settings", lockOut, su).status, 200);
    EXPECT_EQ(s.get(url + "?token=" + suFile).status, 404);
    EXPECT_EQ(s.get(url + "?token=" + userFile).status, 200);
}

TEST(ApiFiles, ThumbnailsGeneratedOnceAndCached) {
    TestServer s;
    auto cid = makeDocs(s, Value(Object{{"thumbs", Value(pb::json::Array{"40x0", "20x10f"})}}));
    auto png = pbtest::tinyPng(200, 100);
    auto r = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", png, "photo.png", "image/png"}});
    ASSERT_EQ(r.status, 200) << r.body;
    std::string rid = r.json()["id"].getString(), name = r.json()["doc"].getString();
    std::string url = "/api/files/docs/" + rid + "/" + name;
    auto t = s.get(url + "?thumb=100x100");
    ASSERT_EQ(t.status, 200);
    EXPECT_EQ(t.headers["content-type"], "image/png");
    EXPECT_EQ(pbtest::pngSize(t.body), std::make_pair(100, 100));
    fs::path cached = fs::path(s.dataDir()) / "storage" / cid / rid / ("thumbs_" + name) / ("100x100_" + name);
    ASSERT_TRUE(fs::exists(cached));
    auto mtime = fs::last_write_time(cached);
    EXPECT_EQ(s.get(url + "?thumb=100x100").body, t.body);
    EXPECT_EQ(fs::last_write_time(cached), mtime);
    EXPECT_EQ(pbtest::pngSize(s.get(url + "?thumb=40x0").body), std::make_pair(40, 20));
    EXPECT_EQ(pbtest::pngSize(s.get(url + "?thumb=20x10f").body), std::make_pair(20, 10));
    // Not allowed / malformed -> the original.
    EXPECT_EQ(s.get(url + "?thumb=50x50").body, png);
    EXPECT_EQ(s.get(url + "?thumb=..%2F..").body, png);
    // Non-image files ignore thumb.
    auto txt = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", "text", "t.txt", ""}});
    EXPECT_EQ(s.get("/api/files/docs/" + txt.json()["id"].getString() + "/" + txt.json()["doc"].getString() + "?thumb=100x100").body,
              "text");
    // Removing the file removes its thumbs too.
    ASSERT_EQ(s.patch("/api/collections/docs/records/" + rid, Value(Object{{"doc", nullptr}})).status, 200);
    EXPECT_FALSE(fs::exists(cached.parent_path()));
}

TEST(ApiFiles, DeletingRecordAndCollectionRemovesStorage) {
    TestServer s;
    auto cid = makeDocs(s);
    auto a = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", "a", "a.txt", ""}});
    auto b = sendForm(s, "POST", "/api/collections/docs/records", {{"doc", "b", "b.txt", ""}});
    ASSERT_EQ(b.status, 200);
    fs::path root = fs::path(s.dataDir()) / "storage" / cid;
    ASSERT_TRUE(fs::exists(root / a.json()["id"].getString()));
    EXPECT_EQ(s.del("/api/collections/docs/records/" + a.json()["id"].getString()).status, 204);
    EXPECT_FALSE(fs::exists(root / a.json()["id"].getString()));
    EXPECT_TRUE(fs::exists(root / b.json()["id"].getString()));
    EXPECT_EQ(s.del("/api/collections/docs", s.superuserToken()).status, 204);
    EXPECT_FALSE(fs::exists(root));
}
