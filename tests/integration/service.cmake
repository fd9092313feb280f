# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerd and the service manager: sd_notify readiness, watchdog, reload
# and stop against a listener playing systemd; the unit file verified.
add_test(NAME integration_service
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_service.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration_service PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 180
                     RESOURCE_LOCK enforcer_tls_capture)
