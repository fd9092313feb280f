# SPDX-License-Identifier: GPL-2.0-or-later
# The audit log of a running enforcerd: chain, reports, export and its
# reopen, the scrape endpoint, queries beside the writer, tampering found,
# SIGKILL, an unprivileged user refused.
add_test(NAME integration_audit_log
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_audit_log.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration_audit_log PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 300
                     RESOURCE_LOCK enforcer_tls_capture)
