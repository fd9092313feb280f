# SPDX-License-Identifier: GPL-2.0-or-later
# The optional Prometheus scrape endpoint (enforcer/control/metrics_http.c),
# over real loopback TCP connections.
enf_unit_test(test_metrics_http
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_metrics_http.c
              LIBS enf_control)
