# Thin wrapper over CMake. The two commands a new user needs:
#   make run   install dependencies, build, load the sample market, design it
#              and serve the app at http://127.0.0.1:8080
#   make test  build and run the whole suite through CTest
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build deps run test test-asan bench fuzz clean

all: build

deps:
	@bash tools/deps.sh

build:
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: deps
	@$(MAKE) --no-print-directory build
	@bash tools/run_sample.sh $(BUILD)

CTEST_ARGS ?=

# CTest gets two cpu slots per job (ctest-cpu.json, RESOURCE_GROUPS in
# CMakeLists.txt): at most JOBS tests that compute run at once (two slots
# each), or two browser tests (label e2e, one slot) in place of one, and
# beside them those labelled waits (no slot), which mostly wait.
test: export REGIO_DEPS_TEST=1
test: deps
	@$(MAKE) --no-print-directory build CMAKE_FLAGS="-DREGIO_WERROR=ON $(CMAKE_FLAGS)"
	printf '{"version":{"major":1,"minor":0},"local":[{"cpu":[{"id":"0","slots":%s}]}]}\n' \
	  $$(( 2 * $(JOBS) )) > $(BUILD)/ctest-cpu.json
	cd $(BUILD) && ctest --output-on-failure -j $$(( 3 * $(JOBS) )) \
	  --resource-spec-file ctest-cpu.json $(CTEST_ARGS)

# The same suite under AddressSanitizer + UBSan (CI's second pass), without
# the checks on full-size data (label heavy), the API and CLI tests'
# PostgreSQL twins (label pg_twin: the server and CLI code they run is
# run here by their SQLite originals, the PostgreSQL backend's by the store
# tests' .pg variants) and the tests that run none of Regio's C code (label
# no_c: the web app's modules in node, the dependency checker).
test-asan: deps
	@$(MAKE) --no-print-directory test BUILD=build-asan CTEST_ARGS="-LE 'heavy|pg_twin|no_c'" \
	  CMAKE_FLAGS="-DREGIO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

bench: export REGIO_DEPS_BENCH=1
bench: deps
	@$(MAKE) --no-print-directory build
	@bash bench/run.sh $(BUILD)

fuzz: export REGIO_DEPS_TEST=1
fuzz: deps
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DREGIO_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	@bash fuzz/run.sh build-fuzz

clean:
	rm -rf build build-asan build-fuzz
