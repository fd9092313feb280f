# SPDX-License-Identifier: GPL-2.0-or-later
# The egress data plane (enforce:egress): the cgroup connect4/connect6
# programs attached to a cgroup of the test's own, connect()s from children
# in it to listeners in a network namespace of its own, and the pinned
# maps and links. Root only: without it the test exits 77 (skipped).
add_executable(test_egress bpf/test_egress.c)
target_link_libraries(test_egress PRIVATE enf_loader enf_common
                      PkgConfig::CMOCKA)
add_test(NAME test_egress COMMAND test_egress)
set_tests_properties(test_egress PROPERTIES LABELS bpf SKIP_RETURN_CODE 77
                     TIMEOUT 120)
