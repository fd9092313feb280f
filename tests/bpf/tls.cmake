# SPDX-License-Identifier: GPL-2.0-or-later
# TLS capture: a unit test of the consumer side (process cache, library
# discovery), and BPF tests that attach the real uprobes to libssl (root;
# they exit 77, reported as skipped, otherwise).
# The test clients and servers are built against OpenSSL (libssl-dev).
pkg_check_modules(ENF_TLS_OPENSSL REQUIRED IMPORTED_TARGET openssl)

set(enf_tls_test_libs enf_capture enf_loader enf_common)

enf_unit_test(test_tls_unit SOURCES bpf/test_tls_unit.c
              LIBS ${enf_tls_test_libs})

add_library(enf_tls_test_common STATIC bpf/test_tls_common.c)
target_include_directories(enf_tls_test_common PUBLIC ${ENF_INCLUDE_DIR}
                           ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/include)
target_link_libraries(enf_tls_test_common PUBLIC ${enf_tls_test_libs}
                      PkgConfig::ENF_TLS_OPENSSL)

add_executable(test_tls_loader bpf/test_tls_loader.c)
target_link_libraries(test_tls_loader PRIVATE enf_tls_test_common)
add_test(NAME test_tls_loader COMMAND test_tls_loader)
set_tests_properties(test_tls_loader PROPERTIES LABELS bpf
                     SKIP_RETURN_CODE 77 TIMEOUT 120)

# The namespace test: the script builds the network and the server, the
# program loads the capture, runs the clients and checks the events.
add_executable(test_tls_capture bpf/test_tls_capture.c)
target_link_libraries(test_tls_capture PRIVATE enf_tls_test_common)
add_test(NAME test_tls_capture
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/bpf/tls_capture.sh
                 $<TARGET_FILE:test_tls_capture>)
set_tests_properties(test_tls_capture PROPERTIES LABELS bpf
                     SKIP_RETURN_CODE 77 TIMEOUT 180)
