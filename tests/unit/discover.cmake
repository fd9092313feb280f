# SPDX-License-Identifier: GPL-2.0-or-later
# enforcer/capture TLS library discovery (discover.c, elf_tls.c,
# tls_offsets.c), built from its sources: enf_capture links the loader and
# the BPF skeletons, which these tests do not need (discovery only calls
# the attach callbacks it is given; the tests record them). test_discover
# starts real processes; its mount namespace, map_files and cgroup parts
# need root and skip with the reason otherwise.
pkg_check_modules(ENF_DISCOVER_LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(ENF_DISCOVER_OPENSSL REQUIRED IMPORTED_TARGET openssl)
find_library(ENF_DISCOVER_LIBSSL_A NAMES libssl.a REQUIRED)
find_library(ENF_DISCOVER_LIBCRYPTO_A NAMES libcrypto.a REQUIRED)
find_program(ENF_DISCOVER_OBJCOPY NAMES objcopy REQUIRED)
find_package(Threads REQUIRED)

set(enf_discover_dir ${CMAKE_SOURCE_DIR}/enforcer/capture)

# The processes the tests start: a child that dlopen()s a library, and one
# with OpenSSL linked statically (with .symtab), plus its stripped copy
# (objcopy --strip-all keeps the build-id note), and a stand-in for a
# BoringSSL build.
add_executable(discover_child ${CMAKE_CURRENT_LIST_DIR}/discover_child.c)
target_link_libraries(discover_child PRIVATE ${CMAKE_DL_LIBS})
target_link_options(discover_child PRIVATE -Wl,--build-id)

add_executable(discover_static ${CMAKE_CURRENT_LIST_DIR}/discover_static.c)
target_include_directories(discover_static PRIVATE
                           ${ENF_DISCOVER_OPENSSL_INCLUDE_DIRS})
target_link_libraries(discover_static PRIVATE ${ENF_DISCOVER_LIBSSL_A}
                      ${ENF_DISCOVER_LIBCRYPTO_A} Threads::Threads
                      ${CMAKE_DL_LIBS})
target_link_options(discover_static PRIVATE -Wl,--build-id)
add_custom_command(TARGET discover_static POST_BUILD
  COMMAND ${ENF_DISCOVER_OBJCOPY} --strip-all $<TARGET_FILE:discover_static>
          $<TARGET_FILE:discover_static>.stripped
  COMMENT "discover_static.stripped")

add_executable(discover_boring ${CMAKE_CURRENT_LIST_DIR}/discover_boring.c)
target_link_options(discover_boring PRIVATE -Wl,--build-id)

set(enf_discover_defs
    DISCOVER_CHILD="$<TARGET_FILE:discover_child>"
    DISCOVER_STATIC="$<TARGET_FILE:discover_static>"
    DISCOVER_BORING="$<TARGET_FILE:discover_boring>")

enf_unit_test(test_discover_elf
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_discover_elf.c
                      ${CMAKE_CURRENT_LIST_DIR}/test_discover_util.c
                      ${enf_discover_dir}/elf_tls.c
                      ${enf_discover_dir}/tls_offsets.c
              LIBS PkgConfig::ENF_DISCOVER_LIBELF)
target_compile_definitions(test_discover_elf PRIVATE ${enf_discover_defs})
add_dependencies(test_discover_elf discover_static discover_boring)

enf_unit_test(test_discover
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_discover.c
                      ${CMAKE_CURRENT_LIST_DIR}/test_discover_util.c
                      ${enf_discover_dir}/discover.c
                      ${enf_discover_dir}/elf_tls.c
                      ${enf_discover_dir}/tls_offsets.c
              LIBS PkgConfig::ENF_DISCOVER_LIBELF)
target_compile_definitions(test_discover PRIVATE ${enf_discover_defs})
add_dependencies(test_discover discover_child discover_static)
set_tests_properties(test_discover PROPERTIES TIMEOUT 120)
