// core/backup/archive: entry name checks (zip-slip corpus), create/inspect/extract round trip,
// symlink entries skipped, duplicate names and corrupt data refused.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zip.h>

#include <filesystem>
#include <fstream>

#include "backup/archive.hpp"

namespace fs = std::filesystem;
using namespace pb::backup;

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/pbarch_XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void writeFile(const fs::path& p, const std::string& data) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Entries: name, content, unix mode (0 = default attributes).
struct E {
    std::string name, content;
    unsigned mode = 0;
};

void makeZip(const std::string& path, const std::vector<E>& entries) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    for (auto& e : entries) {
        zip_source_t* src = zip_source_buffer(z, e.content.data(), e.content.size(), 0);
        zip_int64_t idx = zip_file_add(z, e.name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
        ASSERT_GE(idx, 0) << e.name;
        if (e.mode) zip_file_set_external_attributes(z, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX, e.mode << 16);
    }
    ASSERT_EQ(zip_close(z), 0);
}

}  // namespace

TEST(BackupArchive, SafeEntryNames) {
    for (const char* ok : {"data.db", "storage/a/b.txt", "storage/", "a/b/", "..a", "a..b/c", "@auto.zip"})
        EXPECT_TRUE(safeEntryName(ok)) << ok;
    for (const char* bad : {"", "/", "/etc/passwd", "../x", "a/../../x", "a/..", "..", ".", "./a", "a//b", "a/./b",
                            "a\\b", "..\\x", "C:x", "c:/x", "a\nb", "a\x01"})
        EXPECT_FALSE(safeEntryName(bad)) << bad;
    EXPECT_FALSE(safeEntryName(std::string("a\0b", 3)));
}

TEST(BackupArchive, CreateInspectExtractRoundTrip) {
    TempDir t;
    const fs::path src = fs::path(t.path) / "src";
    writeFile(src / "data.db", "db bytes");
    writeFile(src / "storage" / "c1" / "r1" / "f.txt", std::string(100000, 'x'));
    fs::create_directories(src / "empty");
    fs::create_symlink("/etc/passwd", src / "link");
    const std::string zipPath = t.path + "/out.zip";
    archive::create(src.string(), zipPath);
    EXPECT_THROW(archive::create(src.string(), zipPath), ArchiveError);  // never overwrites

    auto info = archive::inspect(zipPath);
    EXPECT_TRUE(info.hasDataDb);
    EXPECT_EQ(info.totalSize, 100000u + 8u);

    const fs::path dest = fs::path(t.path) / "dest";
    archive::extract(zipPath, dest.string());
    EXPECT_EQ(readFile(dest / "data.db"), "db bytes");
    EXPECT_EQ(readFile(dest / "storage" / "c1" / "r1" / "f.txt"), std::string(100000, 'x'));
    EXPECT_TRUE(fs::is_directory(dest / "empty"));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dest / "link")));
}

TEST(BackupArchive, RejectsHostileOrBrokenArchives) {
    TempDir t;
    const std::string z = t.path + "/z.zip";
    const fs::path dest = fs::path(t.path) / "dest";

    makeZip(z, {{"data.db", "x"}, {"../escape.txt", "pwned"}});
    EXPECT_THROW(archive::inspect(z), ArchiveError);
    EXPECT_THROW(archive::extract(z, dest.string()), ArchiveError);
    EXPECT_FALSE(fs::exists(fs::path(t.path) / "escape.txt"));
    EXPECT_FALSE(fs::exists(dest / "data.db"));  // validated before anything is written

    makeZip(z, {{"/abs.txt", "pwned"}});
    EXPECT_THROW(archive::inspect(z), ArchiveError);

    writeFile(z, "not a zip at all");
    EXPECT_THROW(archive::inspect(z), ArchiveError);

    makeZip(z, {{"data.db", std::string(5000, 'a')}});
    std::string whole = readFile(z);
    writeFile(z, whole.substr(0, whole.size() / 2));
    EXPECT_THROW(archive::inspect(z), ArchiveError);

    // Flipped bytes in the compressed data: the CRC check fails during extraction.
    std::string content;
    for (int i = 0; i < 20000; ++i) content += std::to_string(i * 7919 % 1000);
    makeZip(z, {{"data.db", content}});
    whole = readFile(z);
    for (size_t i = 200; i < 260; ++i) whole[i] = static_cast<char>(~whole[i]);
    writeFile(z, whole);
    fs::remove_all(dest);
    EXPECT_THROW(archive::extract(z, dest.string()), ArchiveError);

    // A symlink entry is skipped, the rest extracted.
    makeZip(z, {{"data.db", "x"}, {"evil", "/etc/passwd", S_IFLNK | 0777}});
    fs::remove_all(dest);
    archive::extract(z, dest.string());
    EXPECT_TRUE(fs::exists(dest / "data.db"));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dest / "evil")));
}
