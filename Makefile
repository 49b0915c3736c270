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

demo: setup build
	@$(BUILD)/korolev --help

bench: setup build
	@bench/run

clean:
	rm -rf $(BUILD) build-*
