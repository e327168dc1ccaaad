// pb: the thin command line on top of pbcore (mirrors PocketBase's CLI). The commands live in
// pb::Cli (core/serve/cli.hpp), which programs embedding pbcore reuse.
#include "serve/cli.hpp"

int main(int argc, char** argv) {
    pb::App app(pb::Cli::appOptions(argc, argv));
    pb::Cli cli(app);
    return cli.run(argc, argv);
}
