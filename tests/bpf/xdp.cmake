# SPDX-License-Identifier: GPL-2.0-or-later
# XDP data plane: xdp_offload packet tables (BPF_PROG_TEST_RUN) and its loader
# in a network namespace. Root only: without it the tests exit 77 (skipped).
foreach(t test_xdp_parse test_xdp_loader)
  add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.c)
  target_link_libraries(${t} PRIVATE enf_loader enf_common PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS bpf SKIP_RETURN_CODE 77
                       TIMEOUT 120)
endforeach()
