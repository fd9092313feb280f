# SPDX-License-Identifier: GPL-2.0-or-later
# The libFuzzer targets in the main build's tests: tests/fuzz is built with
# clang as a project of its own into <build>/fuzz (an ExternalProject, so
# the main build keeps gcc), and each target of targets.list is a ctest test
# fuzz_<name> (label fuzz) that runs it from its kept seed corpus. The
# targets share ENF_FUZZ_TOTAL_SECS between them (`make test`: 60 s in all).
include(ExternalProject)

set(ENF_FUZZ_TOTAL_SECS 60 CACHE STRING
    "Seconds of fuzzing `make test` spends, split between the targets")
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/targets.list enf_fuzz_targets
     REGEX "^[a-z0-9_]+$")
list(LENGTH enf_fuzz_targets enf_fuzz_n)

# Can clang link a libFuzzer target (Debian: libclang-rt-14-dev)?
find_program(ENF_FUZZ_CC NAMES clang clang-14)
set(enf_fuzz_ok FALSE)
if(ENF_FUZZ_CC)
  set(probe ${CMAKE_BINARY_DIR}/fuzz-probe)
  file(WRITE ${probe}.c
       "#include <stddef.h>\n#include <stdint.h>\n"
       "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)\n"
       "{ return (int)(d && n > 9); }\n")
  execute_process(COMMAND ${ENF_FUZZ_CC} -fsanitize=fuzzer,address,undefined
                          ${probe}.c -o ${probe}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  file(REMOVE ${probe} ${probe}.c)
  if(rc EQUAL 0)
    set(enf_fuzz_ok TRUE)
  endif()
endif()

if(enf_fuzz_ok)
  ExternalProject_Add(enf_fuzz
    SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
    BINARY_DIR ${CMAKE_BINARY_DIR}/fuzz
    CMAKE_ARGS -DCMAKE_C_COMPILER=${ENF_FUZZ_CC}
    INSTALL_COMMAND ""
    BUILD_ALWAYS ON)
  math(EXPR enf_fuzz_secs "${ENF_FUZZ_TOTAL_SECS} / ${enf_fuzz_n}")
  if(enf_fuzz_secs LESS 1)
    set(enf_fuzz_secs 1)
  endif()
  math(EXPR enf_fuzz_timeout "${enf_fuzz_secs} + 180")
  foreach(t ${enf_fuzz_targets})
    add_test(NAME ${t}
             COMMAND ${CMAKE_CURRENT_LIST_DIR}/run.sh --secs ${enf_fuzz_secs}
                     ${CMAKE_BINARY_DIR}/fuzz ${t})
    set_tests_properties(${t} PROPERTIES LABELS fuzz
                         TIMEOUT ${enf_fuzz_timeout})
  endforeach()
else()
  message(WARNING "clang cannot link libFuzzer targets: the fuzz tests "
                  "will fail (make deps installs libclang-rt-14-dev)")
  foreach(t ${enf_fuzz_targets})
    add_test(NAME ${t}
             COMMAND sh -c "echo '${t}: clang cannot link libFuzzer; \
install clang and libclang-rt-14-dev (make deps)' >&2; exit 1")
    set_tests_properties(${t} PROPERTIES LABELS fuzz)
  endforeach()
endif()
