# SPDX-License-Identifier: GPL-2.0-or-later
# Rules managed at run time: shadow mode, show, disable, enable, delete, a
# chain, import; network namespaces, nginx, curl, enforcerd.
add_test(NAME integration_rule_cli
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_rule_cli.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration_rule_cli PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 300
                     RESOURCE_LOCK enforcer_tls_capture)
