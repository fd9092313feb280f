# SPDX-License-Identifier: GPL-2.0-or-later
# The offload-fit checker (enforcer/loader/offload_check.c). It reads
# objects and never loads them: no guest, no privilege, so a unit test.
# bad_offload.bpf.c is compiled here as cmake/BpfObject.cmake compiles bpf/,
# for cpu v3 (a fetching atomic needs it) and without a skeleton. The test
# builds the checker's sources and enforcerctl's offload command itself
# rather than all of enf_loader.
set(enf_bad_offload_dir ${CMAKE_CURRENT_BINARY_DIR}/offload)
set(enf_bad_offload_obj ${enf_bad_offload_dir}/bad_offload.bpf.o)
add_custom_command(
  OUTPUT ${enf_bad_offload_obj}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${enf_bad_offload_dir}
  COMMAND ${CLANG_EXE} -g -O2 -target bpf -mcpu=v3 -Wall -Werror
          -I/usr/include/${ENF_MULTIARCH}
          -c ${CMAKE_CURRENT_LIST_DIR}/bad_offload.bpf.c
          -o ${enf_bad_offload_obj}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/bad_offload.bpf.c
  COMMENT "BPF bad_offload.bpf.c (offload checker test object)"
  VERBATIM)
add_custom_target(bad_offload_obj DEPENDS ${enf_bad_offload_obj})

enf_unit_test(test_offload_check
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_offload_check.c
                      ${CMAKE_SOURCE_DIR}/enforcer/loader/offload_check.c
                      ${CMAKE_SOURCE_DIR}/enforcer/ctl/offload.c
                      ${CMAKE_SOURCE_DIR}/enforcer/ctl/common.c
              LIBS enf_control PkgConfig::LIBBPF PkgConfig::JANSSON)
# xdp_offload.skel.h only: not the skeleton target, which brings xdp_host.
target_include_directories(test_offload_check PRIVATE ${ENF_BPF_GEN_DIR})
add_dependencies(test_offload_check bad_offload_obj xdp_offload_skel_gen)
target_compile_definitions(test_offload_check PRIVATE
  ENF_TEST_BAD_OFFLOAD_OBJ="${enf_bad_offload_obj}"
  ENF_TEST_XDP_OFFLOAD_OBJ="${ENF_BPF_GEN_DIR}/xdp_offload.bpf.o")
