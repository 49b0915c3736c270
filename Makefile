# Korolev: the two commands a newcomer needs are `make demo` and `make test`.
# CMake does the building; this file only names the steps.

BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all setup build test check demo bench clean

all: build

setup:
	@scripts/setup

build:
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: setup build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600

check: setup
	@scripts/check

# The demo builds only the korolev binary (not the tests), then scripts/demo:
# a generated warehouse in ./demo-warehouse, pipelines, `korolev serve`.
demo: setup
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS) --target korolev
	@KOROLEV=$(BUILD)/korolev scripts/demo

bench: setup build
	@bench/run

clean:
	rm -rf $(BUILD) build-*
