# SPDX-License-Identifier: GPL-2.0-or-later
# The verdict stage against the real deny maps (created in the kernel, no
# interface attached) and a real policy database: each enforce: kind, the
# configured defaults, ttl, shadow. Root only: without it the test exits 77
# (skipped).
add_executable(test_verdict_maps bpf/test_verdict_maps.c)
target_link_libraries(test_verdict_maps PRIVATE enf_verdict enf_loader
                      enf_policydb PkgConfig::CMOCKA)
add_test(NAME test_verdict_maps COMMAND test_verdict_maps)
set_tests_properties(test_verdict_maps PROPERTIES LABELS bpf
                     SKIP_RETURN_CODE 77 TIMEOUT 120)

# The map writer against the real host deny maps: coalescing, order,
# batches, a full map and a full queue, several submitting threads.
add_executable(test_writer bpf/test_writer.c)
target_link_libraries(test_writer PRIVATE enf_verdict enf_loader
                      PkgConfig::CMOCKA)
add_test(NAME test_writer COMMAND test_writer)
set_tests_properties(test_writer PROPERTIES LABELS bpf
                     SKIP_RETURN_CODE 77 TIMEOUT 120)
