# SPDX-License-Identifier: GPL-2.0-or-later
# The front door. Everything real happens in CMake and the scripts it names.
#   make            build (CMake, -Werror); make SANITIZE=1 for ASan+UBSan
#   make deps       install build and test dependencies (Debian 12, root)
#   make test       deps, build, then every test through ctest
#   make demo       deps, build, then the golden thread in network namespaces
#   make bench      deps, build, then every benchmark in bench/ (root; bench/README.md)
#   make fuzz       deps, the clang build of tests/fuzz, then each libFuzzer
#                   target FUZZ_SECS seconds (default 600; tests/fuzz/README.md)
#   make install    install (PREFIX=/usr/local by default; DESTDIR honoured)
#   make deb        the Debian package into PKG_OUT (default build/pkg)
#   make rpm        the RPM package (rpmbuild) into PKG_OUT; packaging/README.md
#   make format     clang-format the tree

BUILD ?= build
SANITIZE ?= 0
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_SECS ?= 600
PKG_OUT ?= $(BUILD)/pkg

ifeq ($(SANITIZE),1)
CMAKE_FLAGS += -DSANITIZE=ON
else
CMAKE_FLAGS += -DSANITIZE=OFF
endif
# make test builds enforcerd's test-only control commands (debug.exec, the
# sandbox's test); every other build leaves them out (TEST_HOOKS=0).
TEST_HOOKS ?= 0
ifeq ($(TEST_HOOKS),1)
CMAKE_FLAGS += -DENF_TEST_HOOKS=ON
else
CMAKE_FLAGS += -DENF_TEST_HOOKS=OFF
endif

.PHONY: all build deps test demo bench fuzz fuzz-build install deb rpm format \
	clean

all: build

deps:
	./scripts/deps.sh

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build TEST_HOOKS=1
	cd $(BUILD) && ctest --output-on-failure $(CTEST_ARGS)

demo: deps
	$(MAKE) build
	./scripts/demo.sh $(BUILD)

bench: deps
	$(MAKE) build
	./bench/run.sh $(BUILD)

fuzz-build:
	cmake -S tests/fuzz -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# The grown corpora stay in $(FUZZ_BUILD)/grown; merging them into the kept
# seeds is a manual step (tests/fuzz/README.md).
fuzz: deps
	$(MAKE) fuzz-build
	./tests/fuzz/run.sh --secs $(FUZZ_SECS) --keep $(FUZZ_BUILD)/grown $(FUZZ_BUILD)

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

# Each builds from a copy of the tree in $(PKG_OUT)/deb or $(PKG_OUT)/rpm,
# not from $(BUILD): the package configures and builds on its own.
deb:
	./scripts/package.sh deb $(PKG_OUT)

rpm:
	./scripts/package.sh rpm $(PKG_OUT)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
