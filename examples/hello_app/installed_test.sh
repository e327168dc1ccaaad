#!/usr/bin/env bash
# ctest ExampleHelloAppInstalled: framework mode outside the source tree. Installs the PbCore package
# (`cmake --install --component framework`) into a temp prefix, builds a copy of examples/hello_app
# (main.cpp and the CMakeLists.txt docs/framework.md shows) in a temp folder with find_package(PbCore),
# then runs run_test.sh on that binary: custom route, middleware, hook, cron job and command, over HTTP.
# usage: installed_test.sh BUILD_DIR CXX_COMPILER
set -euo pipefail
BUILD=$(cd "$1" && pwd) CXX=$2
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d /tmp/pbcore-pkg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The docs show the example's CMakeLists.txt exactly as it is built here.
python3 - "$SRC/docs/framework.md" "$HERE/CMakeLists.txt" <<'PY'
import re, sys
blocks = re.findall(r"```cmake\n(.*?)```", open(sys.argv[1]).read(), re.S)
if open(sys.argv[2]).read() not in blocks:
    sys.exit("FAIL: docs/framework.md does not show examples/hello_app/CMakeLists.txt as it is")
PY

cmake --install "$BUILD" --component framework --prefix "$TMP/prefix" >/dev/null
CONFIG=$(find "$TMP/prefix" -name PbCoreConfig.cmake | head -1)
[ -n "$CONFIG" ] || fail "PbCoreConfig.cmake not installed"
# Nothing of the installed package may point back into the source or build tree (the archive's
# debug info names its sources, as any -g library does: text files only).
for tree in "$SRC" "$BUILD"; do
  if grep -rIlF "$tree" "$TMP/prefix"; then fail "installed package refers to $tree"; fi
done

mkdir "$TMP/app"
cp "$HERE/main.cpp" "$HERE/CMakeLists.txt" "$TMP/app/"
args=(-S "$TMP/app" -B "$TMP/app/build" -DCMAKE_PREFIX_PATH="$TMP/prefix" -DCMAKE_CXX_COMPILER="$CXX")
command -v ninja >/dev/null && args+=(-G Ninja)
if command -v ccache >/dev/null; then
  # Paths relative to the temp folder, so a re-run in another temp folder hits the cache.
  export CCACHE_BASEDIR=$TMP
  args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake "${args[@]}" >"$TMP/configure.log" 2>&1 || { cat "$TMP/configure.log"; fail "configure"; }
grep -q "^PbCore_DIR:PATH=$(dirname "$CONFIG")\$" "$TMP/app/build/CMakeCache.txt" ||
  fail "find_package(PbCore) did not use the installed package: $(grep PbCore_DIR "$TMP/app/build/CMakeCache.txt")"
nice cmake --build "$TMP/app/build" >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; fail "build"; }
# Compiled and linked from the prefix only: no include or library path into the trees.
for tree in "$SRC" "$BUILD"; do
  if grep -rIlF "$tree" "$TMP/app/build" --include='*.ninja' --include='*.make' --include='*.txt'; then
    fail "the program's build refers to $tree"
  fi
done

bash "$HERE/run_test.sh" "$TMP/app/build/hello_app"
echo "ExampleHelloAppInstalled: ok"
