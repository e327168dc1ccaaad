# The two commands: `make serve` and `make test`. Both install what is missing, then build.
BUILD ?= build
JOBS ?= $(shell nproc)
ADDR ?= 127.0.0.1:8090
DATA ?= ./pb_data

.PHONY: all deps build serve test test-unit test-api test-sdk clean

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

clean:
	rm -rf $(BUILD)
