#pragma once
// Local file storage of record files: DATA_DIR/storage/<collectionId>/<recordId>/<name>, with
// thumbnails in <recordId>/thumbs_<name>/<thumb>_<name>. Every path segment is checked with
// safeSegment(), so no caller-supplied name can escape the storage root.
#include <optional>
#include <string>
#include <string_view>

namespace pb::files {

// A single path segment that is safe to join: non-empty, <= 255 bytes, not "." / "..", no '/',
// '\\', NUL or control bytes.
bool safeSegment(std::string_view s);

// PocketBase's stored name for an upload: snake_cased base (cut to 100 chars, padded with 10
// random chars when shorter than 3), "_" + 10 random [a-z0-9], then the cleaned extension
// ([\w.*\-+=#], at most 20 chars; detected from the content when missing).
std::string generateName(std::string_view originalName, std::string_view data);

class Storage {
public:
    explicit Storage(std::string dataDir);

    std::string root() const { return root_; }
    // Absolute paths; nullopt when a segment is unsafe.
    std::optional<std::string> collectionDir(std::string_view collectionId) const;
    std::optional<std::string> recordDir(std::string_view collectionId, std::string_view recordId) const;
    std::optional<std::string> filePath(std::string_view collectionId, std::string_view recordId,
                                        std::string_view name) const;
    std::optional<std::string> thumbPath(std::string_view collectionId, std::string_view recordId,
                                         std::string_view name, std::string_view thumb) const;

    // Writes atomically (temp file + rename). Throws std::runtime_error on failure.
    void write(const std::string& path, std::string_view data) const;
    static std::optional<std::string> read(const std::string& path);
    static bool exists(const std::string& path);

    // Removes one file and its thumbs dir (errors ignored).
    void removeFile(std::string_view collectionId, std::string_view recordId, std::string_view name) const;
    void removeRecord(std::string_view collectionId, std::string_view recordId) const;
    void removeCollection(std::string_view collectionId) const;

private:
    std::string root_;
};

}  // namespace pb::files
