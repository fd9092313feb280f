# SPDX-License-Identifier: GPL-2.0-or-later
# The audit writer: batches, sync, a full queue, retention, the rows handed
# to the exporter, on a real SQLite file.
if(TARGET enf_audit)
  enf_unit_test(test_auditw
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_auditw.c
                LIBS enf_audit)
endif()
