# SPDX-License-Identifier: GPL-2.0-or-later
# XDP data plane: packet tables and a differential test of both programs
# (BPF_PROG_TEST_RUN), and the loader on veth pairs in network namespaces.
# Root only: without it the tests exit 77 (skipped).
add_library(enf_xdp_test_common STATIC bpf/test_xdp_common.c)
target_include_directories(enf_xdp_test_common PUBLIC ${ENF_INCLUDE_DIR}
                           ${CMAKE_CURRENT_SOURCE_DIR}/bpf)
# enf_loader for enforcer/loader/fast4.c: the tests fill deny_fast4 with
# the loader's own placement.
target_link_libraries(enf_xdp_test_common PUBLIC PkgConfig::LIBBPF
                      xdp_offload_skel enf_loader)

foreach(t test_xdp_parse test_xdp_diff test_xdp_loader)
  add_executable(${t} bpf/${t}.c)
  target_link_libraries(${t} PRIVATE enf_xdp_test_common PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS bpf SKIP_RETURN_CODE 77
                       TIMEOUT 300)
endforeach()
target_link_libraries(test_xdp_loader PRIVATE enf_loader enf_common)

# deny_fast4's placement in plain memory (label unit): fast4.c built here
# with a hook after every slot store, the reader the test plays.
enf_unit_test(test_xdp_fast4 SOURCES bpf/test_xdp_fast4.c
              ${CMAKE_SOURCE_DIR}/enforcer/loader/fast4.c)
target_compile_definitions(test_xdp_fast4 PRIVATE
                           ENF_FAST4_STORE_HOOK=fast4_store_hook)
