#include "files/storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "files/mime.hpp"
#include "util/random.hpp"
#include "util/strings.hpp"

namespace pb::files {

namespace fs = std::filesystem;

bool safeSegment(std::string_view s) {
    if (s.empty() || s.size() > 255 || s == "." || s == "..") return false;
    for (unsigned char c : s)
        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7F) return false;
    return true;
}

namespace {

bool extChar(unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '*' || c == '-' || c == '+' || c == '=' || c == '#';
}

// The extension of the last path element including the dot ("" when none). Double extensions
// of common archives (".tar.gz") are kept together.
std::string_view extractExtension(std::string_view name) {
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return {};
    auto ext = name.substr(dot);
    if (dot >= 4 && str::iequals(name.substr(dot - 4, 4), ".tar")) return name.substr(dot - 4);
    return ext;
}

}  // namespace

std::string generateName(std::string_view originalName, std::string_view data) {
    // Only the base name counts (clients may send paths).
    auto slash = originalName.find_last_of("/\\");
    if (slash != std::string_view::npos) originalName = originalName.substr(slash + 1);
    auto originalExt = extractExtension(originalName);
    std::string ext;
    for (unsigned char c : originalExt)
        if (extChar(c)) ext.push_back(static_cast<char>(c));
    if (ext == "." || ext.find_first_not_of('.') == std::string::npos) ext.clear();
    if (ext.empty()) ext = extensionFor(detectMime(data));
    if (ext.size() > 20) ext = "." + ext.substr(ext.size() - 20);
    if (!ext.empty() && ext[0] != '.') ext = "." + ext;
    std::string base = str::snakeCase(originalName.substr(0, originalName.size() - originalExt.size()));
    if (base.size() < 3) base += random::string(10, random::kAlphaNumLower);
    else if (base.size() > 100) base.resize(100);
    return base + "_" + random::string(10, random::kAlphaNumLower) + ext;
}

Storage::Storage(std::string dataDir) : root_((fs::path(dataDir) / "storage").string()) {}

std::optional<std::string> Storage::collectionDir(std::string_view cid) const {
    if (!safeSegment(cid)) return std::nullopt;
    return (fs::path(root_) / std::string(cid)).string();
}

std::optional<std::string> Storage::recordDir(std::string_view cid, std::string_view rid) const {
    if (!safeSegment(cid) || !safeSegment(rid)) return std::nullopt;
    return (fs::path(root_) / std::string(cid) / std::string(rid)).string();
}

std::optional<std::string> Storage::filePath(std::string_view cid, std::string_view rid, std::string_view name) const {
    auto dir = recordDir(cid, rid);
    if (!dir || !safeSegment(name)) return std::nullopt;
    return (fs::path(*dir) / std::string(name)).string();
}

std::optional<std::string> Storage::thumbPath(std::string_view cid, std::string_view rid, std::string_view name,
                                              std::string_view thumb) const {
    auto dir = recordDir(cid, rid);
    if (!dir || !safeSegment(name) || !safeSegment(thumb)) return std::nullopt;
    return (fs::path(*dir) / ("thumbs_" + std::string(name)) / (std::string(thumb) + "_" + std::string(name))).string();
}

void Storage::write(const std::string& path, std::string_view data) const {
    fs::path p(path);
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec) throw std::runtime_error("storage: cannot create " + p.parent_path().string() + ": " + ec.message());
    std::string tmp = path + ".tmp_" + random::string(8, random::kAlphaNumLower);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("storage: cannot create " + tmp);
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0) {
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error("storage: write failed for " + path);
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error("storage: sync failed for " + path);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        throw std::runtime_error("storage: rename failed for " + path);
    }
}

std::optional<std::string> Storage::read(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

bool Storage::exists(const std::string& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

void Storage::removeFile(std::string_view cid, std::string_view rid, std::string_view name) const {
    auto dir = recordDir(cid, rid);
    if (!dir || !safeSegment(name)) return;
    std::error_code ec;
    fs::remove(fs::path(*dir) / std::string(name), ec);
    fs::remove_all(fs::path(*dir) / ("thumbs_" + std::string(name)), ec);
    // Drop the record dir when it became empty.
    if (fs::is_empty(*dir, ec) && !ec) fs::remove(*dir, ec);
}

void Storage::removeRecord(std::string_view cid, std::string_view rid) const {
    auto dir = recordDir(cid, rid);
    if (!dir) return;
    std::error_code ec;
    fs::remove_all(*dir, ec);
}

void Storage::removeCollection(std::string_view cid) const {
    auto dir = collectionDir(cid);
    if (!dir) return;
    std::error_code ec;
    fs::remove_all(*dir, ec);
}

}  // namespace pb::files
