// Thumbnail decompression bombs over real HTTP (issue 13, 2.3): a small PNG declaring
// 16000x16000 pixels, uploaded as a user's avatar, must not be decoded for ?thumb=. The server
// answers at once with the original file (PocketBase's fallback when it cannot make a thumb),
// keeps its memory low and keeps answering other requests.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

#include "api/files_test_util.hpp"
#include "support/test_server.hpp"

using pbtest::TestServer;

namespace {

// A valid 8-bit greyscale PNG of w x h black pixels, deflated row by row (the test never holds
// the raw bitmap): about 1 MB for 16000 x 16000, which libgd would expand to 1 GB.
std::string blackPngBomb(uint32_t w, uint32_t h) {
    std::string out = "\x89PNG\r\n\x1A\n";
    std::string ihdr;
    for (uint32_t v : {w, h})
        for (int s = 24; s >= 0; s -= 8) ihdr.push_back(static_cast<char>((v >> s) & 0xFF));
    ihdr += std::string("\x08\x00\x00\x00\x00", 5);
    pbtest::pngChunk(out, "IHDR", ihdr);
    z_stream z{};
    deflateInit(&z, 1);
    std::string row(w + 1, '\0'), idat, buf(1 << 16, '\0');
    for (uint32_t y = 0; y <= h; ++y) {
        const bool last = y == h;
        z.next_in = reinterpret_cast<Bytef*>(row.data());
        z.avail_in = last ? 0 : static_cast<uInt>(row.size());
        do {
            z.next_out = reinterpret_cast<Bytef*>(buf.data());
            z.avail_out = static_cast<uInt>(buf.size());
            deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
            idat.append(buf.data(), buf.size() - z.avail_out);
        } while (z.avail_out == 0);
    }
    deflateEnd(&z);
    pbtest::pngChunk(out, "IDAT", idat);
    pbtest::pngChunk(out, "IEND", "");
    return out;
}

// The pid of the `pb serve` listening on this port (found by its command line), -1 if none.
int serverPid(int port) {
    const std::string addr = "127.0.0.1:" + std::to_string(port);
    for (auto& e : std::filesystem::directory_iterator("/proc")) {
        std::ifstream in(e.path() / "cmdline");
        std::string arg;
        bool serve = false, http = false;
        while (std::getline(in, arg, '\0')) {
            serve = serve || arg == "serve";
            http = http || arg == addr;
        }
        if (serve && http) return std::atoi(e.path().filename().c_str());
    }
    return -1;
}

// Peak resident memory of a process in MB (VmHWM), -1 when unreadable.
long peakRssMb(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return -1;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST(ApiThumbBomb, HugeDeclaredPngAvatarIsServedAsOriginalWithoutDecoding) {
    TestServer s;
    std::string uid;
    auto token = s.createUser("bomb@example.com", "Passw0rd!123", &uid);
    const std::string bomb = blackPngBomb(16000, 16000);
    ASSERT_LT(bomb.size(), 2u << 20);
    const std::string boundary = "----pbtestBombBoundary";
    auto up = s.request("PATCH", "/api/collections/users/records/" + uid,
                        pbtest::multipartForm({{"avatar", bomb, "bomb.png", "image/png"}}, boundary),
                        {{"Content-Type", "multipart/form-data; boundary=" + boundary}, {"Authorization", token}});
    ASSERT_EQ(up.status, 200) << up.body;
    const std::string url = "/api/files/users/" + uid + "/" + up.json()["avatar"].getString() + "?thumb=100x100";
    const int pid = serverPid(s.port());
    ASSERT_GT(pid, 0);
    const long rssBefore = peakRssMb(pid);
    ASSERT_GT(rssBefore, 0);

    // Guests, repeatedly: each answer is immediate and is the original (no thumb is stored).
    const double bound = 2.0 * pbtest::slowFactor();
    for (int i = 0; i < 3; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        auto r = s.get(url);
        const double took = secondsSince(t0);
        ASSERT_EQ(r.status, 200);
        EXPECT_TRUE(r.body == bomb) << "not the original (" << r.body.size() << " bytes)";
        EXPECT_EQ(r.headers["content-type"], "image/png");
        ASSERT_LT(took, bound) << "request " << i << " (stopping before a burst of such requests)";
    }
    // Several at once, while the server keeps answering everyone else.
    std::vector<std::future<int>> burst;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 8; ++i)
        burst.push_back(std::async(std::launch::async, [&] { return pbtest::httpRequest(s.port(), "GET", url).status; }));
    EXPECT_EQ(s.get("/api/health").status, 200);
    for (auto& f : burst) EXPECT_EQ(f.get(), 200);
    EXPECT_LT(secondsSince(t0), 2 * bound);
    EXPECT_EQ(s.get("/api/health").status, 200);
    // Decoding would have cost about 1.3 GB (libpng's buffer plus libgd's truecolor bitmap).
    const long rssAfter = peakRssMb(pid);
    EXPECT_LT(rssAfter - rssBefore, 150) << "peak RSS " << rssBefore << " MB -> " << rssAfter << " MB";
}
