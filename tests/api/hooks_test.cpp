// Which hooks fire for each endpoint, how many times, and nothing else (PocketBase's ApiScenario
// "ExpectedEvents" style), against an App running in this process. Also: failing handlers,
// aborting before-hooks and rollback of DB work done inside the write transaction.
#include <gtest/gtest.h>

#include <stdexcept>

#include "support/in_process_app.hpp"

using pbtest::EventCounts;
using pbtest::InProcessApp;

namespace {

class HooksApi : public ::testing::Test {
protected:
    void SetUp() override {
        s.start();
        auto& app = s.app();
        auto def = pb::json::parse(R"({"name":"posts","type":"base",
            "fields":[{"name":"title","type":"text"}],
            "listRule":"","viewRule":"","createRule":"","updateRule":"","deleteRule":""})");
        auto c = pb::schema::CollectionStore::fromJson(*def, nullptr);
        app.saveCollection(c);
        auto audit = pb::json::parse(R"({"name":"audit","type":"base","fields":[{"name":"msg","type":"text"}]})");
        auto a = pb::schema::CollectionStore::fromJson(*audit, nullptr);
        app.saveCollection(a);
        for (auto t : {"first", "second"}) {
            pb::records::Record r(app.mustCollection("posts"));
            r.set("title", t);
            app.save(r);
            postId = r.id();
        }
        pb::records::Record su(app.mustCollection("_superusers"));
        su.set("email", "admin@example.com");
        su.setPassword("Passw0rd!123");
        app.save(su);
        suToken = app.newAuthToken(su);
        pb::records::Record u(app.mustCollection("users"));
        u.set("email", "user@example.com");
        u.setPassword("Passw0rd!123");
        app.save(u);
        userToken = app.newAuthToken(u);
        s.reset();
    }

    long rows(const std::string& table) {
        auto r = s.app().db().query("SELECT COUNT(*) FROM `" + table + "`");
        return static_cast<long>(r[0].at(0).getNumber());
    }

    InProcessApp s;
    std::string postId, suToken, userToken;
};

}  // namespace

TEST(HooksLifecycle, BootstrapServeTerminateFireOnce) {
    InProcessApp s;
    EXPECT_EQ(s.counts(), EventCounts{});
    s.start();
    EXPECT_EQ(s.counts(), (EventCounts{{"onBootstrap", 1}, {"onServe", 1}, {"onSettingsReload", 1}}));
    s.reset();
    s.app().bootstrap();  // idempotent
    s.app().stop();
    s.app().stop();
    EXPECT_EQ(s.counts(), (EventCounts{{"onTerminate", 1}}));
}

TEST_F(HooksApi, RecordsList) {
    auto r = s.request("GET", "/api/collections/posts/records");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordsListRequest", 1}, {"onRecordEnrich", 2}}));
}

TEST_F(HooksApi, RecordView) {
    auto r = s.request("GET", "/api/collections/posts/records/" + postId);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordViewRequest", 1}, {"onRecordEnrich", 1}}));
}

TEST_F(HooksApi, RecordCreate) {
    auto r = s.request("POST", "/api/collections/posts/records", R"({"title":"new"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordCreateRequest", 1},
                                       {"onRecordCreate", 1},
                                       {"onRecordValidate", 1},
                                       {"onRecordCreateExecute", 1},
                                       {"onRecordAfterCreateSuccess", 1},
                                       {"onRecordEnrich", 1}}));
}

TEST_F(HooksApi, RecordCreateFiresInPocketBaseOrder) {
    std::vector<std::string> order;
    std::mutex mu;
    auto& h = s.app().hooks();
    auto rec = [&](const char* n) {
        return [&, n](auto& e) {
            {
                std::lock_guard lk(mu);
                order.push_back(std::string(n) + ">");
            }
            e.next();
            std::lock_guard lk(mu);
            order.push_back(std::string("<") + n);
        };
    };
    h.onRecordCreateRequest.bindFunc(rec("request"));
    h.onRecordCreate.bindFunc(rec("create"));
    h.onRecordValidate.bindFunc(rec("validate"));
    h.onRecordCreateExecute.bindFunc(rec("execute"));
    h.onRecordAfterCreateSuccess.bindFunc(rec("after"));
    h.onRecordEnrich.bindFunc(rec("enrich"));
    ASSERT_EQ(s.request("POST", "/api/collections/posts/records", R"({"title":"x"})").status, 200);
    EXPECT_EQ(order, (std::vector<std::string>{"request>", "create>", "validate>", "<validate", "execute>",
                                               "<execute", "<create", "after>", "<after", "enrich>", "<enrich",
                                               "<request"}));
}

TEST_F(HooksApi, RecordUpdate) {
    auto r = s.request("PATCH", "/api/collections/posts/records/" + postId, R"({"title":"changed"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordUpdateRequest", 1},
                                       {"onRecordUpdate", 1},
                                       {"onRecordValidate", 1},
                                       {"onRecordUpdateExecute", 1},
                                       {"onRecordAfterUpdateSuccess", 1},
                                       {"onRecordEnrich", 1}}));
}

TEST_F(HooksApi, RecordDelete) {
    auto r = s.request("DELETE", "/api/collections/posts/records/" + postId);
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordDeleteRequest", 1},
                                       {"onRecordDelete", 1},
                                       {"onRecordDeleteExecute", 1},
                                       {"onRecordAfterDeleteSuccess", 1}}));
}

TEST_F(HooksApi, AuthWithPassword) {
    auto r = s.request("POST", "/api/collections/users/auth-with-password",
                       R"({"identity":"user@example.com","password":"Passw0rd!123"})");
    ASSERT_EQ(r.status, 200) << r.body;
    // A login from a new device also saves an _authOrigins record (as PocketBase does).
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordAuthWithPasswordRequest", 1},
                                       {"onRecordAuthRequest", 1},
                                       {"onRecordEnrich", 1},
                                       {"onRecordCreate", 1},
                                       {"onRecordValidate", 1},
                                       {"onRecordCreateExecute", 1},
                                       {"onRecordAfterCreateSuccess", 1}}));
}

TEST_F(HooksApi, AuthWithWrongPasswordFiresOnlyThePasswordHook) {
    auto r = s.request("POST", "/api/collections/users/auth-with-password",
                       R"({"identity":"user@example.com","password":"wrong-password"})");
    ASSERT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordAuthWithPasswordRequest", 1}}));
}

TEST_F(HooksApi, AuthRefresh) {
    auto r = s.request("POST", "/api/collections/users/auth-refresh", "", userToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(),
              (EventCounts{{"onRecordAuthRefreshRequest", 1}, {"onRecordAuthRequest", 1}, {"onRecordEnrich", 1}}));
}

TEST_F(HooksApi, Impersonate) {
    auto uid = s.app().findAuthRecordByEmail(s.app().mustCollection("users"), "user@example.com")->id();
    auto r = s.request("POST", "/api/collections/users/impersonate/" + uid, "{}", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onRecordAuthRequest", 1}, {"onRecordEnrich", 1}}));
}

TEST_F(HooksApi, CollectionsList) {
    auto r = s.request("GET", "/api/collections", "", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onCollectionsListRequest", 1}}));
}

TEST_F(HooksApi, CollectionView) {
    auto r = s.request("GET", "/api/collections/posts", "", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onCollectionViewRequest", 1}}));
}

TEST_F(HooksApi, CollectionCreate) {
    auto r = s.request("POST", "/api/collections", R"({"name":"notes","type":"base"})", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onCollectionCreateRequest", 1},
                                       {"onCollectionCreate", 1},
                                       {"onCollectionValidate", 1},
                                       {"onCollectionCreateExecute", 1},
                                       {"onCollectionAfterCreateSuccess", 1}}));
}

TEST_F(HooksApi, CollectionUpdate) {
    auto r = s.request("PATCH", "/api/collections/posts", R"({"listRule":null})", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onCollectionUpdateRequest", 1},
                                       {"onCollectionUpdate", 1},
                                       {"onCollectionValidate", 1},
                                       {"onCollectionUpdateExecute", 1},
                                       {"onCollectionAfterUpdateSuccess", 1}}));
}

TEST_F(HooksApi, CollectionDelete) {
    auto r = s.request("DELETE", "/api/collections/audit", "", suToken);
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onCollectionDeleteRequest", 1},
                                       {"onCollectionDelete", 1},
                                       {"onCollectionDeleteExecute", 1},
                                       {"onCollectionAfterDeleteSuccess", 1}}));
    EXPECT_EQ(s.app().findCollection("audit"), nullptr);
}

TEST_F(HooksApi, SettingsListAndUpdate) {
    auto r = s.request("GET", "/api/settings", "", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onSettingsListRequest", 1}}));
    s.reset();
    r = s.request("PATCH", "/api/settings", R"({"meta":{"appName":"hooked"}})", suToken);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(s.counts(), (EventCounts{{"onSettingsUpdateRequest", 1}, {"onSettingsReload", 1}}));
}

TEST_F(HooksApi, GuardedEndpointFiresNoHook) {
    auto r = s.request("GET", "/api/collections");
    ASSERT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(s.counts(), EventCounts{});
}

// ---------------------------------------------------------------- failures

TEST_F(HooksApi, ThrowingHandlerFailsOnlyItsRequest) {
    std::atomic<int> calls{0};
    s.app().hooks().onRecordViewRequest.bindFunc([&](pb::RecordRequestEvent& e) {
        if (calls++ == 0) throw std::runtime_error("secret internal detail");
        e.next();
    });
    auto r = s.request("GET", "/api/collections/posts/records/" + postId);
    EXPECT_EQ(r.status, 500);
    auto j = r.json();
    EXPECT_EQ(j["status"].getNumber(), 500);
    EXPECT_TRUE(j["data"].isObject());
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << r.body;
    auto ok = s.request("GET", "/api/collections/posts/records/" + postId);
    EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(HooksApi, ErrorFromBeforeHookAbortsTheWrite) {
    s.app().hooks().onRecordCreate.bindFunc([](pb::RecordEvent&) { throw pb::badRequest("Nope."); }, {"posts"});
    long before = rows("posts");
    auto r = s.request("POST", "/api/collections/posts/records", R"({"title":"x"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "Nope.");
    EXPECT_EQ(rows("posts"), before);
    EXPECT_EQ(s.counts(),
              (EventCounts{{"onRecordCreateRequest", 1}, {"onRecordCreate", 1}, {"onRecordAfterCreateError", 1}}));
}

TEST_F(HooksApi, HandlerSkippingNextSkipsTheWriteAndTheAfterHooks) {
    s.app().hooks().onRecordCreateExecute.bindFunc([](pb::RecordEvent&) {}, {"posts"});
    long before = rows("posts");
    s.request("POST", "/api/collections/posts/records", R"({"title":"x"})");
    EXPECT_EQ(rows("posts"), before);
    auto c = s.counts();
    EXPECT_EQ(c.count("onRecordAfterCreateSuccess"), 0u);
    EXPECT_EQ(c["onRecordCreateExecute"], 1);
}

// PocketBase's Save returns an after-success hook's error: the caller gets it although the row is
// committed (no rollback, no After*Error). docs/hooks.md "Transactions".
TEST_F(HooksApi, AfterSuccessErrorReachesTheCallerAndTheWriteStays) {
    s.app().hooks().onRecordAfterCreateSuccess.bindFunc(
        [](pb::RecordEvent& e) {
            e.next();
            throw pb::badRequest("After create failed.");
        },
        {"posts"});
    s.app().hooks().onRecordAfterDeleteSuccess.bindFunc([](pb::RecordEvent&) { throw pb::forbidden("After delete failed."); },
                                                        {"posts"});
    long before = rows("posts");
    auto r = s.request("POST", "/api/collections/posts/records", R"({"title":"kept"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "After create failed.");
    EXPECT_EQ(rows("posts"), before + 1);
    auto c = s.counts();
    EXPECT_EQ(c["onRecordAfterCreateSuccess"], 1);
    EXPECT_EQ(c.count("onRecordAfterCreateError"), 0u);

    auto d = s.request("DELETE", "/api/collections/posts/records/" + postId, "", suToken);
    EXPECT_EQ(d.status, 403) << d.body;
    EXPECT_EQ(rows("posts"), before);  // the delete stays committed too
    EXPECT_EQ(s.counts().count("onRecordAfterDeleteError"), 0u);
}

TEST_F(HooksApi, DbWorkInsideTheTransactionRollsBackWithIt) {
    // The execute hook writes an audit record, then fails after the INSERT: both roll back.
    s.app().hooks().onRecordCreateExecute.bindFunc(
        [](pb::RecordEvent& e) {
            pb::records::Record a(e.app->mustCollection("audit"));
            a.set("msg", "created " + e.record->getString("title"));
            e.app->save(a);
            e.next();
            throw pb::badRequest("Rejected after insert.");
        },
        {"posts"});
    long posts = rows("posts"), audit = rows("audit");
    auto r = s.request("POST", "/api/collections/posts/records", R"({"title":"x"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(rows("posts"), posts);
    EXPECT_EQ(rows("audit"), audit);
    auto c = s.counts();
    EXPECT_EQ(c["onRecordAfterCreateSuccess"], 0);
    EXPECT_EQ(c["onRecordAfterCreateError"], 2);  // the post, and the audit record rolled back with it
}

// The outermost hook wraps the write transaction too: a handler that calls next() (the row is
// inserted) and then throws rolls the insert back, over HTTP and through app.save().
TEST_F(HooksApi, OuterCreateHookThrowingAfterNextRollsBackTheInsert) {
    s.app().hooks().onRecordCreate.bindFunc(
        [](pb::RecordEvent& e) {
            e.next();
            // The row exists inside the transaction at this point.
            auto found = e.app->db().query("SELECT COUNT(*) FROM `posts` WHERE `id` = ?", {e.record->id()});
            if (found.at(0).at(0).getNumber() != 1) throw std::logic_error("next() did not insert");
            throw pb::badRequest("Rejected after next().");
        },
        {"posts"});
    long before = rows("posts");
    auto r = s.request("POST", "/api/collections/posts/records", R"({"id":"rolledback00001","title":"x"})");
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["message"].getString(), "Rejected after next().");
    EXPECT_EQ(rows("posts"), before);
    EXPECT_EQ(s.request("GET", "/api/collections/posts/records/rolledback00001").status, 404);
    auto c = s.counts();
    EXPECT_EQ(c["onRecordCreateExecute"], 1);  // the insert did run
    EXPECT_EQ(c["onRecordAfterCreateSuccess"], 0);
    EXPECT_EQ(c["onRecordAfterCreateError"], 1);

    // Framework mode: app.save() throws the hook's error and leaves nothing behind.
    pb::records::Record rec(s.app().mustCollection("posts"));
    rec.set("title", "direct");
    EXPECT_THROW(s.app().save(rec), pb::ApiError);
    EXPECT_EQ(rows("posts"), before);
}

TEST_F(HooksApi, CollectionValidateErrorAbortsCreate) {
    s.app().hooks().onCollectionValidate.bindFunc([](pb::CollectionEvent& e) {
        if (e.collection->name == "blocked") throw pb::badRequest("Blocked name.");
        e.next();
    });
    auto r = s.request("POST", "/api/collections", R"({"name":"blocked","type":"base"})", suToken);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(s.app().findCollection("blocked"), nullptr);
    EXPECT_EQ(s.counts(), (EventCounts{{"onCollectionCreateRequest", 1},
                                       {"onCollectionCreate", 1},
                                       {"onCollectionValidate", 1},
                                       {"onCollectionAfterCreateError", 1}}));
}

TEST_F(HooksApi, CollectionCreateRolledBackByALaterHookRestoresTheCache) {
    s.app().hooks().onCollectionCreate.bindFunc([](pb::CollectionEvent& e) {
        e.next();
        throw pb::badRequest("Changed my mind.");
    });
    auto r = s.request("POST", "/api/collections", R"({"name":"ghost","type":"base"})", suToken);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(s.app().findCollection("ghost"), nullptr);
    EXPECT_TRUE(s.app().db().query("SELECT name FROM sqlite_master WHERE name='ghost'").empty());
    auto c = s.counts();
    EXPECT_EQ(c["onCollectionAfterCreateError"], 1);
    EXPECT_EQ(c.count("onCollectionAfterCreateSuccess"), 0u);
}

TEST_F(HooksApi, TaggedHandlerRunsOnlyForItsCollection) {
    std::atomic<int> n{0};
    s.app().hooks().onRecordCreate.bindFunc([&](pb::RecordEvent& e) { ++n; e.next(); }, {"audit"});
    ASSERT_EQ(s.request("POST", "/api/collections/posts/records", R"({"title":"x"})").status, 200);
    EXPECT_EQ(n.load(), 0);
    pb::records::Record a(s.app().mustCollection("audit"));
    s.app().save(a);
    EXPECT_EQ(n.load(), 1);
}
