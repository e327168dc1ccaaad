// POST /api/batch over real HTTP: disabled by default, success, rollback (rows and files),
// limits, malformed payloads, outer auth and @request.context = "batch".
#include <gtest/gtest.h>

#include <filesystem>

#include "api/files_test_util.hpp"
#include "support/test_server.hpp"

using pb::json::Array;
using pb::json::Object;
using pb::json::Value;
using pbtest::FormPart;
using pbtest::TestServer;
namespace fs = std::filesystem;

namespace {

const std::string kBoundary = "batchBoundaryX1y2z3";

void enableBatch(TestServer& s, int maxRequests = 50) {
    auto r = s.patch("/api/settings", Value(Object{{"batch", Value(Object{{"enabled", true}, {"maxRequests", maxRequests}})}}),
                     s.superuserToken());
    ASSERT_EQ(r.status, 200) << r.body;
}

std::string makeNotes(TestServer& s, const char* createRule = "") {
    Value fields(Array{Value(Object{{"name", "title"}, {"type", "text"}, {"required", true}}),
                       Value(Object{{"name", "file"}, {"type", "file"}, {"maxSelect", 1}})});
    auto r = s.post("/api/collections",
                    Value(Object{{"name", "notes"}, {"type", "base"}, {"listRule", ""}, {"viewRule", ""},
                                 {"createRule", createRule}, {"updateRule", ""}, {"deleteRule", ""}, {"fields", fields}}),
                    s.superuserToken());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["id"].getString();
}

Value item(const char* method, const std::string& url, Value body = Value::object()) {
    return Value(Object{{"method", method}, {"url", url}, {"body", body}});
}

pbtest::HttpResponse batch(TestServer& s, const Value& requests, const std::string& token = "") {
    std::map<std::string, std::string> h{{"Content-Type", "application/json"}};
    if (!token.empty()) h["Authorization"] = token;
    return s.request("POST", "/api/batch", Value(Object{{"requests", requests}}).dump(), h);
}

double total(TestServer& s) { return s.get("/api/collections/notes/records").json()["totalItems"].getNumber(); }

}  // namespace

TEST(ApiBatch, DisabledByDefault) {
    TestServer s;
    makeNotes(s);
    auto r = batch(s, Value(Array{item("POST", "/api/collections/notes/records", Value(Object{{"title", "a"}}))}));
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.json()["message"].getString(), "Batch requests are not allowed.");
    EXPECT_EQ(total(s), 0);
}

TEST(ApiBatch, CreateUpdateDeleteUpsert) {
    TestServer s;
    makeNotes(s);
    enableBatch(s);
    auto seed = s.post("/api/collections/notes/records", Value(Object{{"title", "seed"}}));
    auto seed2 = s.post("/api/collections/notes/records", Value(Object{{"title", "seed2"}}));
    std::string id1 = seed.json()["id"].getString(), id2 = seed2.json()["id"].getString();
    auto r = batch(s, Value(Array{
                          item("POST", "/api/collections/notes/records?fields=title", Value(Object{{"title", "new"}})),
                          item("PATCH", "/api/collections/notes/records/" + id1, Value(Object{{"title", "changed"}})),
                          item("DELETE", "/api/collections/notes/records/" + id2),
                          item("PUT", "/api/collections/notes/records", Value(Object{{"id", id1}, {"title", "upserted"}})),
                          item("PUT", "/api/collections/notes/records", Value(Object{{"id", "upsertnew12345a"}, {"title", "fresh"}})),
                      }));
    ASSERT_EQ(r.status, 200) << r.body;
    auto arr = r.json().asArray();
    ASSERT_EQ(arr.size(), 5u);
    EXPECT_EQ(arr[0]["status"].getNumber(), 200);
    EXPECT_EQ(arr[0]["body"].dump(), "{\"title\":\"new\"}");
    EXPECT_EQ(arr[1]["body"]["title"].getString(), "changed");
    EXPECT_EQ(arr[2]["status"].getNumber(), 204);
    EXPECT_TRUE(arr[2]["body"].isNull());
    EXPECT_EQ(arr[3]["body"]["title"].getString(), "upserted");
    EXPECT_EQ(arr[4]["body"]["id"].getString(), "upsertnew12345a");
    EXPECT_EQ(total(s), 3);
    EXPECT_EQ(s.get("/api/collections/notes/records/" + id2).status, 404);
}

TEST(ApiBatch, FailureRollsBackRowsAndFiles) {
    TestServer s;
    auto cid = makeNotes(s);
    enableBatch(s);
    auto seed = s.post("/api/collections/notes/records", Value(Object{{"title", "keep"}}));
    std::string id = seed.json()["id"].getString();
    Value payload(Object{{"requests", Value(Array{
                                          item("POST", "/api/collections/notes/records", Value(Object{{"title", "with file"}})),
                                          item("PATCH", "/api/collections/notes/records/" + id, Value(Object{{"title", "x"}})),
                                          item("POST", "/api/collections/notes/records", Value(Object{{"title", ""}})),
                                      })}});
    auto body = pbtest::multipartForm({{"@jsonPayload", payload.dump()},
                                       {"requests.0.file", "file bytes", "f.txt", "text/plain"},
                                       {"requests[1].file", "other bytes", "g.txt", "text/plain"}},
                                      kBoundary);
    auto r = s.request("POST", "/api/batch", body, {{"Content-Type", "multipart/form-data; boundary=" + kBoundary}});
    ASSERT_EQ(r.status, 400) << r.body;
    auto j = r.json();
    EXPECT_EQ(j["message"].getString(), "Batch transaction failed.");
    auto& item2 = j["data"]["requests"]["2"];
    EXPECT_EQ(item2["code"].getString(), "batch_request_failed");
    EXPECT_EQ(item2["message"].getString(), "Batch request failed.");
    EXPECT_EQ(item2["response"]["status"].getNumber(), 400);
    EXPECT_EQ(item2["response"]["data"]["title"]["code"].getString(), "validation_required");
    EXPECT_EQ(total(s), 1);
    EXPECT_EQ(s.get("/api/collections/notes/records/" + id).json()["title"].getString(), "keep");
    std::error_code ec;
    size_t files = 0;
    if (fs::exists(fs::path(s.dataDir()) / "storage"))
        for (auto& e : fs::recursive_directory_iterator(fs::path(s.dataDir()) / "storage", ec))
            if (e.is_regular_file()) ++files;
    EXPECT_EQ(files, 0u);

    // The same files succeed without the failing item.
    payload = Value(Object{{"requests", Value(Array{
                                            item("POST", "/api/collections/notes/records", Value(Object{{"title", "with file"}})),
                                            item("PATCH", "/api/collections/notes/records/" + id, Value(Object{{"title", "x"}})),
                                        })}});
    body = pbtest::multipartForm({{"@jsonPayload", payload.dump()},
                                  {"requests.0.file", "file bytes", "f.txt", "text/plain"},
                                  {"requests[1].file", "other bytes", "g.txt", "text/plain"}},
                                 kBoundary);
    r = s.request("POST", "/api/batch", body, {{"Content-Type", "multipart/form-data; boundary=" + kBoundary}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto created = r.json().asArray()[0]["body"];
    auto f = s.get("/api/files/notes/" + created["id"].getString() + "/" + created["file"].getString());
    EXPECT_EQ(f.body, "file bytes");
    auto updated = r.json().asArray()[1]["body"];
    EXPECT_EQ(s.get("/api/files/notes/" + id + "/" + updated["file"].getString()).body, "other bytes");
}

TEST(ApiBatch, LimitsAndMalformedPayloads) {
    TestServer s;
    makeNotes(s);
    enableBatch(s, 2);
    Value three(Array{item("POST", "/api/collections/notes/records", Value(Object{{"title", "a"}})),
                      item("POST", "/api/collections/notes/records", Value(Object{{"title", "b"}})),
                      item("POST", "/api/collections/notes/records", Value(Object{{"title", "c"}}))});
    auto over = batch(s, three);
    ASSERT_EQ(over.status, 400) << over.body;
    EXPECT_EQ(over.json()["data"]["requests"]["code"].getString(), "validation_length_too_long");
    EXPECT_EQ(total(s), 0);

    auto bad = s.request("POST", "/api/batch", "{\"requests\": [", {{"Content-Type", "application/json"}});
    EXPECT_EQ(bad.status, 400);
    auto notArr = s.request("POST", "/api/batch", "{\"requests\": 5}", {{"Content-Type", "application/json"}});
    EXPECT_EQ(notArr.status, 400);
    EXPECT_EQ(notArr.json()["data"]["requests"]["code"].getString(), "validation_required");
    auto noMethod = batch(s, Value(Array{Value(Object{{"url", "/api/collections/notes/records"}})}));
    EXPECT_EQ(noMethod.status, 400);
    EXPECT_EQ(noMethod.json()["data"]["requests"]["0"]["method"]["code"].getString(), "validation_required");
    auto unsupported = batch(s, Value(Array{item("GET", "/api/health")}));
    ASSERT_EQ(unsupported.status, 400);
    EXPECT_EQ(unsupported.json()["data"]["requests"]["0"]["code"].getString(), "batch_request_failed");
    auto notRecords = batch(s, Value(Array{item("POST", "/api/collections")}));
    EXPECT_EQ(notRecords.status, 400);
    auto nested = batch(s, Value(Array{item("POST", "/api/batch")}));
    EXPECT_EQ(nested.status, 400);
    auto badFile = s.request("POST", "/api/batch", pbtest::multipartForm({{"@jsonPayload", "{not json"}}, kBoundary),
                             {{"Content-Type", "multipart/form-data; boundary=" + kBoundary}});
    EXPECT_EQ(badFile.status, 400);
    EXPECT_EQ(total(s), 0);
}

TEST(ApiBatch, UsesOuterAuthAndBatchContext) {
    TestServer s;
    makeNotes(s, "@request.auth.id != '' && @request.context = 'batch'");
    enableBatch(s);
    auto userToken = s.createUser("b1@example.com", "password123");
    // Direct create: context "default" fails the rule.
    EXPECT_EQ(s.post("/api/collections/notes/records", Value(Object{{"title", "x"}}), userToken).status, 400);
    // Guest batch: the item's Authorization header is ignored.
    Value withHeader = item("POST", "/api/collections/notes/records", Value(Object{{"title", "x"}}));
    withHeader.set("headers", Value(Object{{"Authorization", userToken}}));
    auto guest = batch(s, Value(Array{withHeader}));
    EXPECT_EQ(guest.status, 400) << guest.body;
    auto ok = batch(s, Value(Array{withHeader}), userToken);
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(total(s), 1);
}
