# SPDX-License-Identifier: GPL-2.0-or-later
# The front door. Everything real happens in CMake and the scripts it names.
#   make            build (CMake, -Werror); make SANITIZE=1 for ASan+UBSan
#   make deps       install build and test dependencies (Debian 12, root)
#   make test       deps, build, then every test through ctest
#   make demo       deps, build, then the golden thread in network namespaces
#   make bench      deps, build, then every benchmark in bench/ (root; bench/README.md)
#   make install    install (PREFIX=/usr/local by default; DESTDIR honoured)
#   make format     clang-format the tree

BUILD ?= build
SANITIZE ?= 0
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

ifeq ($(SANITIZE),1)
CMAKE_FLAGS += -DSANITIZE=ON
else
CMAKE_FLAGS += -DSANITIZE=OFF
endif

.PHONY: all build deps test demo bench install format clean

all: build

deps:
	./scripts/deps.sh

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: deps
	$(MAKE) build
	cd $(BUILD) && ctest --output-on-failure $(CTEST_ARGS)

demo: deps
	$(MAKE) build
	./scripts/demo.sh $(BUILD)

bench: deps
	$(MAKE) build
	./bench/run.sh $(BUILD)

install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
