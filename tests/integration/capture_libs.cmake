# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerd captures every TLS library end to end: real servers and clients
# of OpenSSL (nginx, curl, s_client, Python), GnuTLS, NSS, wolfSSL and a
# static OpenSSL executable (with symbols, then stripped and found through
# the build-id table) across network namespaces. Needs the peer programs
# (tests/peers, built with the default target or `--target peers`).
add_test(NAME integration_capture_libs
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_capture_libs.sh
                 ${CMAKE_BINARY_DIR})
set_tests_properties(integration_capture_libs PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 180
                     RESOURCE_LOCK enforcer_tls_capture)
