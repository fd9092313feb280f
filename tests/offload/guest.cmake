# SPDX-License-Identifier: GPL-2.0-or-later
# The netdevsim guest test: a small 6.1 kernel with netdevsim (built once and
# cached outside the build directory), an initramfs with the project's own
# binaries, booted under qemu (TCG); the checks run inside the guest and are
# judged from its serial console. See tests/offload/run-guest.sh.

# The kernel's own view of XDP attachments and BPF maps, run in the guest.
add_executable(enf-offload-probe ${CMAKE_CURRENT_LIST_DIR}/offload_probe.c)
target_include_directories(enf-offload-probe PRIVATE ${ENF_INCLUDE_DIR})
target_link_libraries(enf-offload-probe PRIVATE PkgConfig::LIBBPF
                      PkgConfig::JANSSON)
# make-initramfs.sh picks it up from here.
set_target_properties(enf-offload-probe PROPERTIES
                      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/offload)

add_test(NAME offload_netdevsim
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/run-guest.sh
                 --build-dir ${CMAKE_BINARY_DIR})
# 77: a prerequisite is missing (kernel source, qemu, busybox-static), or
# checks wait on features not built yet (see run-guest.sh; ENF_OFFLOAD_STRICT=1
# makes those a failure).
set_tests_properties(offload_netdevsim PROPERTIES
                     LABELS offload TIMEOUT 900 SKIP_RETURN_CODE 77)
