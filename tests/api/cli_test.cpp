// The real `pb` binary's command line (issue 13, item 5): every command and subcommand answers
// --help / -h with its own page and exit code 0; unknown flags and arguments are errors with the
// usage and exit code 2. Neither ever starts a server or creates pb_data in the working dir.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_server.hpp"

namespace fs = std::filesystem;

namespace {

struct CliRun {
    int rc = -1;
    std::string out, err;
};

class PbCli : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("pb_cli_test_" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "cwd");
    }
    void TearDown() override { fs::remove_all(root_); }

    // Runs `pb ARGS` in an empty working dir; a server that starts by mistake is killed by the
    // timeout (exit code 137), which no expectation below accepts.
    CliRun pb(const std::string& args) {
        const std::string cmd = "cd '" + (root_ / "cwd").string() + "' && timeout -s KILL " +
                                std::to_string(10 * pbtest::slowFactor()) + " " + pbtest::pbBinary() + " " + args +
                                " > '" + (root_ / "out").string() + "' 2> '" + (root_ / "err").string() + "'";
        CliRun r;
        const int st = std::system(cmd.c_str());
        r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        r.out = slurp(root_ / "out");
        r.err = slurp(root_ / "err");
        return r;
    }
    bool cwdUntouched() const { return fs::is_empty(root_ / "cwd"); }
    static std::string slurp(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    fs::path root_;
};

}  // namespace

TEST_F(PbCli, EveryCommandAnswersHelpWithItsOwnPage) {
    const std::pair<std::string, std::string> pages[] = {
        {"", "pb serve [--http ADDR:PORT]"},
        {"serve", "pb serve [flags]"},
        {"serve --http 127.0.0.1:1 --dir data", "pb serve [flags]"},
        {"superuser", "pb superuser [command]"},
        {"superuser upsert", "pb superuser upsert EMAIL PASSWORD"},
        {"superuser create a@example.com Passw0rd!123", "pb superuser create EMAIL PASSWORD"},
        {"superuser update", "pb superuser update EMAIL PASSWORD"},
        {"superuser delete", "pb superuser delete EMAIL"},
        {"superuser bogus", "pb superuser [command]"},
        {"help", "pb help [COMMAND...]"},
    };
    for (auto& [cmd, marker] : pages) {
        for (const char* flag : {"--help", "-h"}) {
            auto r = pb(cmd + " " + flag);
            EXPECT_EQ(r.rc, 0) << cmd << " " << flag << "\n" << r.err;
            EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd << " " << flag;
            EXPECT_NE(r.out.find(marker), std::string::npos) << cmd << " " << flag << ":\n" << r.out;
            EXPECT_EQ(r.err, "") << cmd << " " << flag;
        }
    }
    // The flag may come first, and `help COMMAND` prints the same page.
    EXPECT_EQ(pb("--help serve").out, pb("serve --help").out);
    EXPECT_EQ(pb("help serve").out, pb("serve -h").out);
    EXPECT_EQ(pb("help superuser delete").out, pb("superuser delete --help").out);
    EXPECT_NE(pb("serve --help").out.find("--plugin-deadline"), std::string::npos);  // global flags listed
    EXPECT_TRUE(cwdUntouched()) << "a help page created files (pb_data?)";
}

TEST_F(PbCli, UnknownFlagsAndArgumentsAreErrorsAndStartNothing) {
    const std::string bad[] = {
        "serve --foo",
        "serve -x",
        "serve --version",
        "serve extra.example.com",
        "serve --http",  // missing value
        "--foo",
        "-x",
        "--http 127.0.0.1:1",
        "bogus",
        "superuser --foo",
        "superuser bogus",
        "superuser upsert a@example.com",
        "superuser upsert a@example.com Passw0rd!123 extra",
        "superuser upsert a@example.com Passw0rd!123 --foo",
        "superuser upsert a@example.com Passw0rd!123 --http 127.0.0.1:1",
        "superuser delete",
        "help bogus",
    };
    for (auto& cmd : bad) {
        auto r = pb(cmd);
        EXPECT_EQ(r.rc, 2) << cmd << "\n" << r.out << r.err;
        EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << cmd << ":\n" << r.err;
        EXPECT_NE(r.err.find("Usage:"), std::string::npos) << cmd;
        EXPECT_EQ(r.out, "") << cmd;
    }
    EXPECT_NE(pb("serve --foo").err.find("unknown flag: --foo"), std::string::npos);
    EXPECT_NE(pb("serve --foo").err.find("pb serve [flags]"), std::string::npos);  // that command's usage
    EXPECT_TRUE(cwdUntouched()) << "a refused command created files (pb_data?)";
}

TEST_F(PbCli, VersionBareCommandsAndDashDash) {
    for (const char* v : {"--version", "-v"}) {
        auto r = pb(v);
        EXPECT_EQ(r.rc, 0);
        EXPECT_EQ(r.out.rfind("pb version ", 0), 0u) << r.out;
    }
    auto bare = pb("");
    EXPECT_EQ(bare.rc, 0);
    EXPECT_NE(bare.out.find("Usage:"), std::string::npos);
    auto group = pb("superuser");  // as PocketBase: the group's help
    EXPECT_EQ(group.rc, 0);
    EXPECT_NE(group.out.find("pb superuser [command]"), std::string::npos);
    EXPECT_TRUE(cwdUntouched());
    // After `--`, words that look like flags are arguments: a password may start with '-'.
    const std::string dir = (root_ / "data").string();
    auto up = pb("superuser upsert --dir " + dir + " -- dash@example.com -Passw0rd123");
    EXPECT_EQ(up.rc, 0) << up.err;
    auto again = pb("superuser create dash@example.com Passw0rd123x --dir " + dir);
    EXPECT_EQ(again.rc, 1);
    EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}
