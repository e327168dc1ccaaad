// pb: the thin command line on top of pbcore (mirrors PocketBase's CLI). The commands live in
// pb::Cli (core/serve/cli.hpp), which programs embedding pbcore reuse.
#include <iostream>

#include "serve/cli.hpp"
#include "util/time.hpp"

int main(int argc, char** argv) {
    // PB_TEST_NOW: the test harness's clock (docs/reliability.md); never set in production.
    if (auto err = pb::timeutil::applyTestClockFromEnv(); !err.empty()) {
        std::cerr << err << "\n";
        return 2;
    }
    pb::App app(pb::Cli::appOptions(argc, argv));
    pb::Cli cli(app);
    return cli.run(argc, argv);
}
