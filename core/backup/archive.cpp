#include "backup/archive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <vector>

namespace pb::backup::archive {

namespace fs = std::filesystem;

namespace {

struct ZipCloser {
    void operator()(zip_t* z) const {
        if (z) zip_discard(z);
    }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

std::string zipErrorString(int code) {
    zip_error_t err;
    zip_error_init_with_code(&err, code);
    std::string s = zip_error_strerror(&err);
    zip_error_fini(&err);
    return s;
}

ZipPtr openForRead(const std::string& path) {
    int code = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!z) throw ArchiveError("not a valid zip archive (" + zipErrorString(code) + ")");
    return ZipPtr(z);
}

// Unix file type of an entry from its external attributes; 0 when not recorded.
mode_t entryType(zip_t* z, zip_uint64_t i) {
    zip_uint8_t opsys = 0;
    zip_uint32_t attr = 0;
    if (zip_file_get_external_attributes(z, i, 0, &opsys, &attr) != 0) return 0;
    if (opsys != ZIP_OPSYS_UNIX) return 0;
    return static_cast<mode_t>((attr >> 16) & S_IFMT);
}

bool isDirName(std::string_view n) { return !n.empty() && n.back() == '/'; }

struct Entry {
    zip_uint64_t index;
    std::string name;
    uint64_t size;
    bool dir, skip;
};

std::vector<Entry> listEntries(zip_t* z, ArchiveInfo& info) {
    zip_int64_t n = zip_get_num_entries(z, 0);
    if (n < 0) throw ArchiveError("not a valid zip archive");
    std::vector<Entry> out;
    out.reserve(static_cast<size_t>(n));
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(n); ++i) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(z, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
            throw ArchiveError("unreadable zip entry #" + std::to_string(i));
        std::string name = st.name;
        if (!safeEntryName(name)) throw ArchiveError("unsafe zip entry name \"" + name + "\"");
        const mode_t type = entryType(z, i);
        const bool dir = isDirName(name) || type == S_IFDIR;
        const bool skip = !dir && type != 0 && type != S_IFREG;  // symlink, device, fifo...
        const uint64_t size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
        if (!dir && !skip) {
            info.totalSize += size;
            if (name == "data.db") info.hasDataDb = true;
        }
        out.push_back(Entry{i, std::move(name), size, dir, skip});
    }
    info.entries = out.size();
    return out;
}

void addDir(zip_t* z, const std::string& name) {
    if (zip_dir_add(z, name.c_str(), ZIP_FL_ENC_UTF_8) < 0)
        throw ArchiveError("zip: cannot add dir " + name + ": " + zip_strerror(z));
}

void addFile(zip_t* z, const std::string& path, const std::string& name) {
    zip_source_t* src = zip_source_file(z, path.c_str(), 0, 0);
    if (!src) throw ArchiveError("zip: cannot open " + path + ": " + zip_strerror(z));
    if (zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8) < 0) {
        zip_source_free(src);
        throw ArchiveError("zip: cannot add " + name + ": " + zip_strerror(z));
    }
}

void extractFile(zip_t* z, const Entry& e, const fs::path& dest) {
    zip_file_t* zf = zip_fopen_index(z, e.index, 0);
    if (!zf) throw ArchiveError("cannot read zip entry \"" + e.name + "\": " + zip_strerror(z));
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> guard(zf, zip_fclose);
    // O_EXCL: a duplicate entry name (or anything already there) is an error, never overwritten.
    int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw ArchiveError("cannot create \"" + e.name + "\" (duplicate entry?)");
    std::vector<char> buf(1 << 16);
    uint64_t total = 0;
    for (;;) {
        zip_int64_t n = zip_fread(zf, buf.data(), buf.size());
        if (n < 0) {
            ::close(fd);
            throw ArchiveError("corrupt zip entry \"" + e.name + "\": " + zip_file_strerror(zf));
        }
        if (n == 0) break;
        total += static_cast<uint64_t>(n);
        size_t off = 0;
        while (off < static_cast<size_t>(n)) {
            ssize_t w = ::write(fd, buf.data() + off, static_cast<size_t>(n) - off);
            if (w <= 0) {
                ::close(fd);
                throw ArchiveError("write failed for \"" + e.name + "\"");
            }
            off += static_cast<size_t>(w);
        }
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) throw ArchiveError("write failed for \"" + e.name + "\"");
    if (total != e.size) throw ArchiveError("truncated zip entry \"" + e.name + "\"");
}

}  // namespace

}  // namespace pb::backup::archive

namespace pb::backup {

bool safeEntryName(std::string_view name) {
    if (name.empty() || name.size() > 4096 || name.front() == '/') return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '\\') return false;
    if (name.size() >= 2 && name[1] == ':' && std::isalpha(static_cast<unsigned char>(name[0]))) return false;
    std::string_view rest = name;
    if (rest.back() == '/') rest.remove_suffix(1);  // a directory entry
    size_t start = 0;
    while (start <= rest.size()) {
        size_t end = rest.find('/', start);
        if (end == std::string_view::npos) end = rest.size();
        std::string_view seg = rest.substr(start, end - start);
        if (seg.empty() || seg == "." || seg == "..") return false;
        start = end + 1;
    }
    return true;
}

}  // namespace pb::backup

namespace pb::backup::archive {

ArchiveInfo inspect(const std::string& zipPath) {
    auto z = openForRead(zipPath);
    ArchiveInfo info;
    listEntries(z.get(), info);
    return info;
}

void create(const std::string& srcDir, const std::string& destZip) {
    std::vector<std::pair<std::string, bool>> items;  // relative name, is dir
    std::error_code ec;
    const fs::path root(srcDir);
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        auto st = it->symlink_status(ec);
        if (ec) break;
        std::string rel = fs::relative(it->path(), root, ec).generic_string();
        if (ec) break;
        if (fs::is_directory(st)) items.emplace_back(rel + "/", true);
        else if (fs::is_regular_file(st)) items.emplace_back(rel, false);
    }
    if (ec) throw ArchiveError("cannot list " + srcDir + ": " + ec.message());
    std::sort(items.begin(), items.end());

    int code = 0;
    zip_t* raw = zip_open(destZip.c_str(), ZIP_CREATE | ZIP_EXCL, &code);
    if (!raw) throw ArchiveError("cannot create " + destZip + ": " + zipErrorString(code));
    ZipPtr z(raw);
    for (auto& [name, dir] : items) {
        if (dir) addDir(z.get(), name);
        else addFile(z.get(), (root / name).string(), name);
    }
    // zip_close reads the sources and writes the archive (to a temp file renamed into place).
    if (zip_close(z.get()) != 0) {
        std::string msg = zip_strerror(z.get());
        throw ArchiveError("cannot write " + destZip + ": " + msg);
    }
    (void)z.release();
}

void extract(const std::string& zipPath, const std::string& destDir) {
    auto z = openForRead(zipPath);
    ArchiveInfo info;
    auto entries = listEntries(z.get(), info);
    const fs::path root(destDir);
    fs::create_directories(root);
    for (auto& e : entries) {
        if (e.skip) continue;
        std::string rel = e.name;
        if (isDirName(rel)) rel.pop_back();
        const fs::path dest = root / rel;
        std::error_code ec;
        if (e.dir) {
            fs::create_directories(dest, ec);
            if (ec) throw ArchiveError("cannot create dir \"" + e.name + "\": " + ec.message());
            continue;
        }
        fs::create_directories(dest.parent_path(), ec);
        if (ec) throw ArchiveError("cannot create dir for \"" + e.name + "\": " + ec.message());
        extractFile(z.get(), e, dest);
    }
}

}  // namespace pb::backup::archive
