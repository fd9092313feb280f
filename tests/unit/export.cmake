# SPDX-License-Identifier: GPL-2.0-or-later
# audit export: the JSON of an event, and the exporter against real files,
# FIFOs and /dev/full in a temporary directory per test.
if(TARGET enf_audit)
  enf_unit_test(test_export
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_export.c
                LIBS enf_audit)
endif()
