# SPDX-License-Identifier: GPL-2.0-or-later
# The enforce: actions flow, cidr/N, kill (and a shadow kill), reset,
# after:N/T with ttl:, egress; the allowlist, stats, and kill -9 with
# reconcile, with the real daemon: network namespaces, a cgroup, nginx,
# Python, curl, openssl s_client.
add_test(NAME integration_enforce_actions
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_enforce_actions.sh
                 ${CMAKE_BINARY_DIR})
set_tests_properties(integration_enforce_actions PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 120
                     RESOURCE_LOCK enforcer_tls_capture)
