# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerd's sandbox: capabilities by thread, the system call filter,
# execve refused (eperm), fatal (kill) or let through (off).
add_test(NAME integration_sandbox
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_sandbox.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration_sandbox PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 180
                     RESOURCE_LOCK enforcer_tls_capture)
