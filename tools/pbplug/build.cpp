// `pbplug build DIR`: cmake configure + build, then an atomic install of every built plugin.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "pbplug.hpp"

namespace pbplug {

namespace {

bool has_config(const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / "PbSdkConfig.cmake", ec);
}

fs::path self_dir() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : p.parent_path();
}

bool in_path(const std::string& prog) {
    const char* path = std::getenv("PATH");
    if (!path) return false;
    std::string s = path;
    for (size_t start = 0;;) {
        size_t end = s.find(':', start);
        fs::path cand = fs::path(s.substr(start, end - start)) / prog;
        if (::access(cand.c_str(), X_OK) == 0) return true;
        if (end == std::string::npos) return false;
        start = end + 1;
    }
}

}  // namespace

std::string default_plugins_dir() {
    if (const char* e = std::getenv("PB_PLUGINS_DIR"); e && *e) return e;
    return "plugins";  // pb serve's default: ./plugins next to ./pb_data
}

std::string find_sdk_dir() {
    if (const char* e = std::getenv("PbSdk_DIR"); e && *e && has_config(e)) return e;
    std::vector<fs::path> candidates = {PBPLUG_SOURCE_SDK_DIR};
    fs::path self = self_dir();
    if (!self.empty()) {
        candidates.push_back(self / ".." / "lib" / "cmake" / "PbSdk");
        candidates.push_back(self / ".." / "lib64" / "cmake" / "PbSdk");
    }
    candidates.push_back(PBPLUG_INSTALL_SDK_DIR);
    for (const auto& c : candidates) {
        if (has_config(c)) {
            std::error_code ec;
            fs::path canon = fs::weakly_canonical(c, ec);
            return (ec ? c : canon).string();
        }
    }
    return {};
}

int run(const std::vector<std::string>& argv) {
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::execvp(cargv[0], cargv.data());
        std::fprintf(stderr, "pbplug: cannot run %s: %s\n", cargv[0], std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return 127;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

bool atomic_install(const fs::path& src, const fs::path& dir, std::string* err) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path final_path = dir / src.filename();
    const fs::path tmp = dir / ("." + src.filename().string() + ".tmp-" + std::to_string(::getpid()));
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        *err = "open " + src.string() + ": " + std::strerror(errno);
        return false;
    }
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0) {
        *err = "create " + tmp.string() + ": " + std::strerror(errno);
        ::close(in);
        return false;
    }
    char buf[1 << 16];
    bool ok = true;
    for (;;) {
        ssize_t n = ::read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { ok = false; *err = std::string("read: ") + std::strerror(errno); break; }
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) { ok = false; *err = std::string("write: ") + std::strerror(errno); break; }
            off += w;
        }
        if (!ok) break;
    }
    ::close(in);
    if (ok && ::fsync(out) != 0) { ok = false; *err = std::string("fsync: ") + std::strerror(errno); }
    if (::close(out) != 0 && ok) { ok = false; *err = std::string("close: ") + std::strerror(errno); }
    // rename() is atomic: the server's watcher sees one IN_MOVED_TO of a complete file, and a
    // server that still maps the old file keeps its (unlinked) inode intact.
    if (ok && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
        ok = false;
        *err = "rename to " + final_path.string() + ": " + std::strerror(errno);
    }
    if (!ok) ::unlink(tmp.c_str());
    return ok;
}

int build_and_install(const BuildOptions& opt, std::vector<fs::path>* installed) {
    std::error_code ec;
    const fs::path project = fs::absolute(opt.project, ec);
    if (!fs::exists(project / "CMakeLists.txt")) {
        std::cerr << "pbplug build: no CMakeLists.txt in " << project.string() << "\n";
        return 2;
    }
    const std::string sdk = opt.sdk_dir.empty() ? find_sdk_dir() : opt.sdk_dir;
    if (sdk.empty() || !has_config(sdk)) {
        std::cerr << "pbplug build: cannot find the plugin SDK (PbSdkConfig.cmake); pass --sdk DIR or set "
                     "PbSdk_DIR\n";
        return 2;
    }
    const fs::path build = project / "build";
    std::vector<std::string> configure = {"cmake", "-S", project.string(), "-B", build.string(),
                                          "-DPbSdk_DIR=" + sdk, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"};
    if (!fs::exists(build / "CMakeCache.txt") && in_path("ninja")) {
        configure.push_back("-G");
        configure.push_back("Ninja");
    }
    if (opt.quiet) configure.push_back("--log-level=WARNING");
    if (int rc = run(configure); rc != 0) {
        std::cerr << "pbplug build: cmake configure failed (exit " << rc << ")\n";
        return 1;
    }
    if (int rc = run({"cmake", "--build", build.string()}); rc != 0) {
        std::cerr << "pbplug build: build failed (exit " << rc << ")\n";
        return 1;
    }
    std::vector<fs::path> built;
    for (const auto& e : fs::directory_iterator(build / "plugins", ec))
        if (e.is_regular_file() && e.path().extension() == ".so") built.push_back(e.path());
    if (built.empty()) {
        std::cerr << "pbplug build: no plugin found in " << (build / "plugins").string()
                  << " (use pb_add_plugin in CMakeLists.txt)\n";
        return 1;
    }
    for (const auto& so : built) {
        std::string err;
        if (!atomic_install(so, opt.plugins_dir, &err)) {
            std::cerr << "pbplug build: install failed: " << err << "\n";
            return 1;
        }
        const fs::path dest = opt.plugins_dir / so.filename();
        std::cout << "installed " << dest.string() << std::endl;
        if (installed) installed->push_back(dest);
    }
    return 0;
}

int cmd_build(const Args& args) {
    if (args.positional.size() != 1) {
        std::cerr << "usage: pbplug build DIR [--plugins PLUGINS_DIR] [--sdk SDK_DIR]\n";
        return 2;
    }
    BuildOptions opt;
    opt.project = args.positional[0];
    opt.plugins_dir = args.get("plugins").value_or(default_plugins_dir());
    opt.sdk_dir = args.get("sdk").value_or("");
    opt.quiet = args.flag("quiet");
    return build_and_install(opt);
}

}  // namespace pbplug
