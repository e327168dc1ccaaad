#pragma once
// Zip archives of a data dir (libzip). Generic tool: no App, no domain types.
//
// Extraction is defensive (the zip may come from an upload): every entry name must be a
// relative '/'-separated path without empty, "." or ".." segments, backslashes, drive letters or
// control bytes (zip-slip); symlinks and other irregular entries are skipped (PocketBase skips
// them too); duplicate names, CRC mismatches and truncated data are errors. An error leaves the
// destination dir partially written; callers extract into a fresh temp dir.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pb::backup {

class ArchiveError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// True for a safe relative entry name ("a/b.txt", "dir/"); false for "", "/x", "../x", "a/../b",
// "a//b", "a\\b", "C:x", names with NUL or control bytes.
bool safeEntryName(std::string_view name);

namespace archive {

struct ArchiveInfo {
    uint64_t entries = 0;
    uint64_t totalSize = 0;  // sum of the declared uncompressed sizes
    bool hasDataDb = false;  // a top-level "data.db" regular file entry
};

// Opens the zip with consistency checks and validates every entry name. Throws ArchiveError.
ArchiveInfo inspect(const std::string& zipPath);

// Zips every directory and regular file under srcDir (names relative to it, sorted) into
// destZip, which must not exist. Symlinks and irregular files are skipped. Throws ArchiveError.
void create(const std::string& srcDir, const std::string& destZip);

// inspect(), then extracts into destDir (created when missing). Throws ArchiveError.
void extract(const std::string& zipPath, const std::string& destDir);

}  // namespace archive

}  // namespace pb::backup
