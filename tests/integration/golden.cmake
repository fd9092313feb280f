# SPDX-License-Identifier: GPL-2.0-or-later
# The golden thread end to end: network namespaces, nginx, curl, enforcerd.
add_test(NAME integration_golden_thread
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_golden_thread.sh
                 ${CMAKE_BINARY_DIR})
set_tests_properties(integration_golden_thread PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 300
                     RESOURCE_LOCK enforcer_tls_capture)
