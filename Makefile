# The two commands: `make serve` and `make test`. Both install what is missing, then build.
BUILD ?= build
JOBS ?= $(shell nproc)
ADDR ?= 127.0.0.1:8090
DATA ?= ./pb_data

.PHONY: all deps build serve test test-unit test-api test-sdk clean bench

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
	@bash tests/sdk/run.sh $(BUILD)/pb

# Benchmarks: Release build in build-bench/, floor + PocketBase operations, writes docs/benchmarks.md.
bench: deps
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	bash bench/run.sh --build-dir build-bench

clean:
	rm -rf $(BUILD)
