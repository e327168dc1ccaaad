#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of tests/fuzz/ with clang + ASan + UBSan into
# build-fuzz/ and runs each for FUZZ_SECONDS (default 60). The checked-in corpus
# tests/fuzz/corpus/<target>/ seeds a working corpus in build-fuzz/corpus/<target>/ (new inputs
# stay there; copy interesting ones back by hand). Crashes land in build-fuzz/artifacts/<target>/.
# FUZZ_TARGETS="fuzz_filter fuzz_json" limits the set; FUZZ_OUT another build dir (to run two sets at once).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"fuzz_filter fuzz_json fuzz_multipart fuzz_query fuzz_jwt fuzz_cron"}
OUT=${FUZZ_OUT:-build-fuzz}
BIN="$OUT/tests/fuzz"   # where tests/fuzz/CMakeLists.txt puts the libFuzzer binaries

if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: installing clang-14 and libclang-rt-14-dev"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# RapidJSON's headers do null-pointer arithmetic (see the file); only there is that check off.
SAN="$SAN -fsanitize-ignorelist=$PWD/tests/sanitizers/ubsan_ignore.txt"
# Configured every time, so a change of the flags above reaches an existing build dir.
cmake -S . -B "$OUT" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DPB_FUZZ=ON \
  -DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
# shellcheck disable=SC2086
cmake --build "$OUT" -j "$(nproc)" --target $TARGETS

mkdir -p "$OUT/logs"
summary="$OUT/logs/summary.txt"
: > "$summary"
status=0
for t in $TARGETS; do
  mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t"
  cp -n tests/fuzz/corpus/$t/* "$OUT/corpus/$t/" 2>/dev/null || true
  log="$OUT/logs/$t.log"
  echo "fuzz: $t for ${FUZZ_SECONDS}s"
  if ! "$BIN/$t" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" "$OUT/corpus/$t" >"$log" 2>&1; then
    echo "fuzz: $t FAILED, see $log and $OUT/artifacts/$t/"
    status=1
  fi
  execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  echo "$t execs=${execs:-?} corpus=$(ls "$OUT/corpus/$t" | wc -l)" | tee -a "$summary"
done
exit $status
