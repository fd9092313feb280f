# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the daemon's own modules: config, flow table, control socket.
enf_unit_test(test_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_config.c
              LIBS enf_common)
enf_unit_test(test_flow SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_flow.c
              LIBS enf_flow)
enf_unit_test(test_control SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_control.c
              LIBS enf_control enf_common)
enf_unit_test(test_deny SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_deny.c
              ${CMAKE_SOURCE_DIR}/enforcer/verdict/deny.c LIBS)
enf_unit_test(test_pipeline SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pipeline.c
              LIBS enf_daemon)
enf_unit_test(test_verdict SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verdict.c
              LIBS enf_verdict enf_policydb)
enf_unit_test(test_escalate SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_escalate.c
              LIBS enf_verdict)
