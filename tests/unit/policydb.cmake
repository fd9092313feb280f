# SPDX-License-Identifier: GPL-2.0-or-later
# policydb: real SQLite files in a temporary directory per test.
if(TARGET enf_policydb)
  enf_unit_test(test_policydb
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policydb.c
                LIBS enf_policydb)
  enf_unit_test(test_policydb_query
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policydb_query.c
                LIBS enf_policydb)
  # the audit chain, retention, SIGKILL mid-batch, readers beside a writer
  enf_unit_test(test_policydb_chain
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_policydb_chain.c
                LIBS enf_policydb Threads::Threads)
endif()
