// Each example plugin, loaded into the fake host: registrations, the chain rule, error mapping,
// ownership (every destroy called once).
#include <gtest/gtest.h>

#include <string>

#include "fake_host.hpp"

namespace {

using fakehost::CallState;
using fakehost::Host;
using fakehost::Record;
using fakehost::Request;

std::string path_of(const std::string& name) { return std::string(PB_TEST_PLUGINS_DIR) + "/" + name + ".so"; }

Record post(const std::string& title) {
    return Record{"posts", "", {{"title", fakehost::quote(title)}, {"slug", "null"}, {"body", "null"}}, false};
}

TEST(ValidatePosts, TrimsTitleFillsSlugAndContinues) {
    Host h;
    ASSERT_EQ(h.load(path_of("validate_posts")), PB_OK) << h.init_error();
    ASSERT_EQ(h.regs.size(), 2u);
    EXPECT_EQ(h.regs[0].tags, std::vector<std::string>{"posts"});

    Record rec = post("   Hello    plugin   World ");
    int writes = 0;
    pb_status s = h.fire_record(PB_EVENT_RECORD_CREATE, rec, nullptr, [&] { ++writes; return PB_OK; });
    EXPECT_EQ(s, PB_OK);
    EXPECT_EQ(writes, 1);  // the default action (the INSERT) ran exactly once
    EXPECT_EQ(rec.fields["title"], "\"Hello plugin World\"");
    EXPECT_EQ(rec.fields["slug"], "\"hello-plugin-world\"");
}

TEST(ValidatePosts, EmptyTitleIsA400FieldError) {
    Host h;
    ASSERT_EQ(h.load(path_of("validate_posts")), PB_OK);
    Record rec = post("   ");
    CallState st;
    int writes = 0;
    pb_status s = h.fire_record(PB_EVENT_RECORD_CREATE, rec, &st, [&] { ++writes; return PB_OK; });
    EXPECT_EQ(s, PB_E_VALIDATION);
    EXPECT_EQ(writes, 0);
    ASSERT_EQ(st.field_errors.count("title"), 1u);
    EXPECT_EQ(st.field_errors["title"].first, "validation_required");
    EXPECT_EQ(st.field_errors["title"].second, "Cannot be blank.");
}

TEST(ValidatePosts, DownstreamErrorIsPropagatedAndOtherCollectionsSkipped) {
    Host h;
    ASSERT_EQ(h.load(path_of("validate_posts"), R"({"maxTitleLength": 5})"), PB_OK);
    Record rec = post("ok");
    EXPECT_EQ(h.fire_record(PB_EVENT_RECORD_CREATE, rec, nullptr, [] { return PB_E_CONFLICT; }), PB_E_CONFLICT);

    Record long_title = post("too long title");
    CallState st;
    EXPECT_EQ(h.fire_record(PB_EVENT_RECORD_UPDATE, long_title, &st, [] { return PB_OK; }), PB_E_VALIDATION);
    EXPECT_EQ(st.field_errors["title"].first, "validation_max_text_constraint");

    Record other{"users", "", {{"title", "\"  \""}}, false};  // tag mismatch: skipped = continue
    int writes = 0;
    EXPECT_EQ(h.fire_record(PB_EVENT_RECORD_CREATE, other, nullptr, [&] { ++writes; return PB_OK; }), PB_OK);
    EXPECT_EQ(writes, 1);
}

TEST(ValidatePosts, EveryDestroyRunsOnceOnUnload) {
    Host h;
    ASSERT_EQ(h.load(path_of("validate_posts")), PB_OK);
    h.unload(PB_SHUTDOWN_RELOAD);
    EXPECT_EQ(h.destroy_calls, 2);
}

TEST(AuditLog, WritesOneEntryPerChangeButNotForItself) {
    Host h;
    ASSERT_EQ(h.load(path_of("audit_log")), PB_OK) << h.init_error();
    ASSERT_EQ(h.regs.size(), 3u);
    EXPECT_EQ(h.regs[0].priority, 100);

    Record rec = post("x");
    rec.id = "abc123";
    rec.readonly = true;  // after-commit events see a read-only record
    EXPECT_EQ(h.fire_record(PB_EVENT_RECORD_AFTER_CREATE_SUCCESS, rec), PB_OK);
    ASSERT_EQ(h.db.size(), 1u);
    EXPECT_EQ(h.db[0]->collection, "audit_logs");
    EXPECT_EQ(h.db[0]->fields["action"], "\"create\"");
    EXPECT_EQ(h.db[0]->fields["collection"], "\"posts\"");
    EXPECT_EQ(h.db[0]->fields["record"], "\"abc123\"");
    EXPECT_NE(h.db[0]->fields["data"].find("\"title\":\"x\""), std::string::npos);

    EXPECT_EQ(h.fire_record(PB_EVENT_RECORD_AFTER_DELETE_SUCCESS, rec), PB_OK);
    EXPECT_EQ(h.db.back()->fields["action"], "\"delete\"");

    Record entry = *h.db[0];  // an audit_logs change is not audited again
    EXPECT_EQ(h.fire_record(PB_EVENT_RECORD_AFTER_UPDATE_SUCCESS, entry), PB_OK);
    EXPECT_EQ(h.db.size(), 2u);
}

TEST(GreetRoutes, PublicHelloAndParam) {
    Host h;
    ASSERT_EQ(h.load(path_of("greet_routes")), PB_OK) << h.init_error();
    Request rq;
    rq.path = "/api/greet/hello";
    rq.query["name"] = "Ann";
    EXPECT_EQ(h.dispatch(rq), PB_OK);
    EXPECT_EQ(rq.status, 200);
    EXPECT_EQ(rq.response, R"({"message":"Hello, Ann!"})");
    EXPECT_EQ(rq.response_headers["X-Greet"], "1");  // the group's around-middleware ran first

    Request rq2;
    rq2.path = "/api/greet/hello/Bob";
    EXPECT_EQ(h.dispatch(rq2), PB_OK);
    EXPECT_EQ(rq2.response, R"({"message":"Hello, Bob!"})");
}

TEST(GreetRoutes, RequireAuthMiddleware) {
    Host h;
    ASSERT_EQ(h.load(path_of("greet_routes")), PB_OK);
    Request guest;
    guest.path = "/api/greet/me";
    CallState st;
    EXPECT_EQ(h.dispatch(guest, &st), PB_E_UNAUTHORIZED);
    EXPECT_EQ(guest.status, 0);  // the route never ran
    EXPECT_FALSE(st.message.empty());

    Record user{"users", "u1", {{"email", "\"ann@example.com\""}, {"name", "null"}}, true};
    Request authed;
    authed.path = "/api/greet/me";
    authed.auth = &user;
    EXPECT_EQ(h.dispatch(authed), PB_OK);
    EXPECT_EQ(authed.response, R"({"message":"Hello, ann@example.com!","id":"u1","collection":"users"})");
}

TEST(GreetRoutes, ExceptionsBecomeStatusAndMessage) {
    Host h;
    ASSERT_EQ(h.load(path_of("greet_routes")), PB_OK);
    Record user{"users", "u1", {{"email", "\"a@b.c\""}}, true};
    Request bad;
    bad.method = "POST";
    bad.path = "/api/greet/broadcast";
    bad.auth = &user;
    bad.body = "not json";
    CallState st;
    EXPECT_EQ(h.dispatch(bad, &st), PB_E_INVALID_ARG);
    EXPECT_EQ(st.message, "The body must be a JSON object or array.");

    Request good = bad;
    good.body = R"({"hi":1})";
    EXPECT_EQ(h.dispatch(good), PB_OK);
    ASSERT_EQ(h.realtime.size(), 1u);
    EXPECT_EQ(h.realtime[0], R"(greetings|{"hi":1})");
    EXPECT_EQ(h.fire_serve(), PB_OK);
}

TEST(NightlyCron, ConfigScheduleAndCleanup) {
    Host h;
    ASSERT_EQ(h.load(path_of("nightly_cron"), R"({"schedule": "15 2 * * *", "retentionDays": 7, "batch": 50})"),
              PB_OK)
        << h.init_error();
    ASSERT_EQ(h.regs.size(), 1u);
    EXPECT_EQ(h.regs[0].cron_id, "cleanup_audit_logs");
    EXPECT_EQ(h.regs[0].cron_expr, "15 2 * * *");
    ASSERT_NE(h.regs[0].destroy, nullptr);

    for (int i = 0; i < 3; ++i) {
        h.db.push_back(std::make_unique<Record>(Record{"audit_logs", "a" + std::to_string(i), {}, false}));
    }
    EXPECT_EQ(h.run_cron("cleanup_audit_logs"), PB_OK);
    EXPECT_EQ(h.deleted, 3);
    ASSERT_EQ(h.filters.size(), 1u);
    EXPECT_EQ(h.filters[0].rfind("audit_logs|created < {:cutoff}|{\"cutoff\":\"", 0), 0u) << h.filters[0];
    EXPECT_NE(h.filters[0].find("|created|50"), std::string::npos);
    h.unload();
    EXPECT_EQ(h.destroy_calls, 1);  // the malloc'ed config was freed by its destroy callback
}

TEST(NightlyCron, BadScheduleFailsInitCleanly) {
    Host h;
    EXPECT_EQ(h.load(path_of("nightly_cron"), R"({"schedule": "nope"})"), PB_E_INVALID_ARG);
    EXPECT_NE(h.init_error().find("bad cron schedule"), std::string::npos);
    EXPECT_TRUE(h.regs.empty());
}

}  // namespace
