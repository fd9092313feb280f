# SPDX-License-Identifier: GPL-2.0-or-later
# XDP data plane: xdp_offload packet tables (BPF_PROG_TEST_RUN) and its loader
# in a network namespace. Root only: without it the tests exit 77 (skipped).

# The loader files are compiled here directly rather than through enf_loader,
# which also holds the TLS loader.
add_library(enf_test_xdp_loader STATIC
            ${CMAKE_SOURCE_DIR}/enforcer/loader/xdp.c
            ${CMAKE_SOURCE_DIR}/enforcer/loader/bpffs.c)
target_include_directories(enf_test_xdp_loader PUBLIC ${ENF_INCLUDE_DIR}
                           ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/include)
target_link_libraries(enf_test_xdp_loader PUBLIC enf_common PkgConfig::LIBBPF
                      xdp_offload_skel)

foreach(t test_xdp_parse test_xdp_loader)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_link_libraries(${t} PRIVATE enf_test_xdp_loader PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS bpf SKIP_RETURN_CODE 77
                       TIMEOUT 120)
endforeach()
