# SPDX-License-Identifier: GPL-2.0-or-later
# make deb and make rpm built from the tree; the .deb installed, run,
# removed and purged on this machine, the .rpm read with rpm -qp. Two
# package builds of enforcerd and enforcerctl (about 20 s each on 2 cores).
# It installs /usr/sbin/enforcerd and starts it: the TLS capture lock.
add_test(NAME integration_packages
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_packages.sh ${CMAKE_BINARY_DIR})
set_tests_properties(integration_packages PROPERTIES
                     LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 900
                     RESOURCE_LOCK enforcer_tls_capture)
