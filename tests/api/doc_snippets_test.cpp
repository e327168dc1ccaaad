// The C++ code blocks of docs/hooks.md and docs/realtime.md, compiled and run as written: the
// build extracts each block into an .inc file (tests/CMakeLists.txt, pb_doc_block) that is
// #included inside a test body, with `app` in scope, so a doc change that no longer compiles or
// behaves fails here. Also one claim of docs/api-differences.md (no pb_public/, no Dashboard).
#include <gtest/gtest.h>

#include "realtime/broker.hpp"  // the realtime block #includes it again (a no-op, #pragma once)
#include "support/doc_blocks.hpp"
#include "support/in_process_app.hpp"
#include "support/test_server.hpp"

namespace {

TEST(DocSnippets, HooksMdBindingBlock) {
    pbtest::InProcessApp s;
    s.start();
    pb::App& app = s.app();
    auto def = pb::json::parse(R"({"name":"posts","type":"base","fields":[{"name":"title","type":"text"}],
                                   "listRule":"","createRule":""})");
    auto c = pb::schema::CollectionStore::fromJson(*def, nullptr);
    app.saveCollection(c);

#include "hooks_binding.inc"

    // The "my-id" handler stays bound and continues; the unbound one is gone: a create works.
    auto r = s.request("POST", "/api/collections/posts/records", R"({"title":"from the docs"})");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["title"].getString(), "from the docs");
}

TEST(DocSnippets, RealtimeMdSendBlock) {
    pbtest::InProcessApp s;
    s.start();
    pb::App& app = s.app();
    namespace json = pb::json;  // the block is written inside namespace pb

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"  // the block's loop only names `c` in a comment
#include "realtime_send.inc"
#pragma GCC diagnostic pop

    EXPECT_TRUE(app.realtime().clients().empty());  // nobody listens: the sends were no-ops
}

// docs/auth-flows.md: the OAuth2 option shown is accepted as written by the collections API.
TEST(DocSnippets, AuthFlowsOAuth2OptionIsAccepted) {
    auto blocks = pbtest::docBlocks(std::string(PB_SOURCE_DIR) + "/docs/auth-flows.md", "json");
    ASSERT_EQ(blocks.size(), 1u);
    pbtest::TestServer s;
    auto r = s.request("PATCH", "/api/collections/users", "{" + blocks[0].text + "}",
                       {{"Content-Type", "application/json"}, {"Authorization", s.superuserToken()}});
    ASSERT_EQ(r.status, 200) << r.body;
    auto o = r.json()["oauth2"];
    EXPECT_TRUE(o["enabled"].getBool());
    EXPECT_EQ(o["providers"].asArray().at(0)["name"].getString(), "oidc");
    EXPECT_EQ(o["mappedFields"]["avatarURL"].getString(), "avatar");
}

// docs/api-differences.md: no static files (pb_public/) and no Dashboard are served.
TEST(DocSnippets, ApiDifferencesNoPublicDirNoDashboard) {
    pbtest::InProcessApp s;
    s.start();
    for (std::string path : {"/", "/index.html", "/_/"}) {
        auto r = s.request("GET", path);
        EXPECT_EQ(r.status, 404) << path;
        EXPECT_EQ(r.json()["status"].getNumber(), 404) << path << ": " << r.body;
    }
}

}  // namespace
