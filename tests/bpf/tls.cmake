# SPDX-License-Identifier: GPL-2.0-or-later
# TLS capture: a unit test of the consumer side (process cache, library
# discovery), and BPF tests that attach the real uprobes to the TLS
# libraries (root; they exit 77, reported as skipped, otherwise).
# The OpenSSL test clients and servers are built against libssl-dev; the
# other libraries' tests are built when their development files are there
# (libgnutls28-dev, libwolfssl-dev) and run their stock tools when
# installed (gnutls-bin, libnss3-tools).
pkg_check_modules(ENF_TLS_OPENSSL REQUIRED IMPORTED_TARGET openssl)
pkg_check_modules(ENF_TLS_GNUTLS IMPORTED_TARGET gnutls)
pkg_check_modules(ENF_TLS_WOLFSSL IMPORTED_TARGET wolfssl)

set(enf_tls_test_libs enf_capture enf_loader enf_common)

enf_unit_test(test_tls_unit SOURCES bpf/test_tls_unit.c
              LIBS ${enf_tls_test_libs})

# The helpers every TLS test shares, without any TLS library; the OpenSSL
# ones apart (wolfSSL declares OpenSSL's names too).
add_library(enf_tls_test_common STATIC bpf/test_tls_common.c)
target_include_directories(enf_tls_test_common PUBLIC ${ENF_INCLUDE_DIR}
                           ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/include)
target_link_libraries(enf_tls_test_common PUBLIC ${enf_tls_test_libs})
add_library(enf_tls_test_ossl STATIC bpf/test_tls_ossl.c)
target_link_libraries(enf_tls_test_ossl PUBLIC enf_tls_test_common
                      PkgConfig::ENF_TLS_OPENSSL)

# enf_tls_bpf_test(NAME LIBS ...): tests/bpf/NAME.c, labelled bpf.
function(enf_tls_bpf_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 180)
  endif()
  add_executable(${name} bpf/${name}.c)
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS bpf SKIP_RETURN_CODE 77
                       TIMEOUT ${T_TIMEOUT})
endfunction()

enf_tls_bpf_test(test_tls_loader LIBS enf_tls_test_ossl)

# The namespace test: the script builds the network and the server, the
# program loads the capture, runs the clients and checks the events.
add_executable(test_tls_capture bpf/test_tls_capture.c)
target_link_libraries(test_tls_capture PRIVATE enf_tls_test_ossl)
add_test(NAME test_tls_capture
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/bpf/tls_capture.sh
                 $<TARGET_FILE:test_tls_capture>)
set_tests_properties(test_tls_capture PROPERTIES LABELS bpf
                     SKIP_RETURN_CODE 77 TIMEOUT 180)

if(ENF_TLS_GNUTLS_FOUND)
  enf_tls_bpf_test(test_tls_gnutls
                   LIBS enf_tls_test_common PkgConfig::ENF_TLS_GNUTLS)
else()
  message(STATUS "tls tests: no gnutls (libgnutls28-dev), test_tls_gnutls not built")
endif()

if(ENF_TLS_WOLFSSL_FOUND)
  enf_tls_bpf_test(test_tls_wolfssl
                   LIBS enf_tls_test_common PkgConfig::ENF_TLS_WOLFSSL)
else()
  message(STATUS "tls tests: no wolfssl (libwolfssl-dev), test_tls_wolfssl not built")
endif()

# NSS through its stock tools (selfserv, tstclnt, certutil): no build deps.
enf_tls_bpf_test(test_tls_nss LIBS enf_tls_test_common)

# OpenSSL: 1 MiB each way, the per-call cap, memory BIOs, AF_UNIX.
enf_tls_bpf_test(test_tls_stream LIBS enf_tls_test_ossl)

# OpenSSL: a pid-scoped attachment and the kernel-side filters.
enf_tls_bpf_test(test_tls_scope LIBS enf_tls_test_ossl)

# OpenSSL linked statically into the test program, which attaches itself.
find_library(ENF_TLS_LIBSSL_A NAMES libssl.a)
find_library(ENF_TLS_LIBCRYPTO_A NAMES libcrypto.a)
find_package(Threads REQUIRED)
if(ENF_TLS_LIBSSL_A AND ENF_TLS_LIBCRYPTO_A)
  add_executable(test_tls_static bpf/test_tls_static.c bpf/test_tls_ossl.c)
  target_include_directories(test_tls_static PRIVATE
                             ${ENF_TLS_OPENSSL_INCLUDE_DIRS})
  target_link_libraries(test_tls_static PRIVATE enf_tls_test_common
                        ${ENF_TLS_LIBSSL_A} ${ENF_TLS_LIBCRYPTO_A}
                        Threads::Threads ${CMAKE_DL_LIBS})
  add_test(NAME test_tls_static COMMAND test_tls_static)
  set_tests_properties(test_tls_static PROPERTIES LABELS bpf
                       SKIP_RETURN_CODE 77 TIMEOUT 180)
else()
  message(STATUS "tls tests: no libssl.a/libcrypto.a (libssl-dev), test_tls_static not built")
endif()

# proc_events (exec, exit) and the sock_ops program's life. It counts the
# sock_ops programs on the root cgroup, which a running enforcerd (the
# integration tests') adds to: never at the same time as those.
enf_tls_bpf_test(test_tls_proc LIBS enf_tls_test_common Threads::Threads)
set_tests_properties(test_tls_proc PROPERTIES
                     RESOURCE_LOCK enforcer_tls_capture)

# Writes probed at entry alone (enf_tls_opts.write_entry_only).
enf_tls_bpf_test(test_tls_write1 LIBS enf_tls_test_ossl)
