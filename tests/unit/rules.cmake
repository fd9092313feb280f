# SPDX-License-Identifier: GPL-2.0-or-later
# Unit tests of the rule engine library (rules/).
foreach(t parse transform engine default enforce capture v3)
  enf_unit_test(test_rules_${t}
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rules_${t}.c
                        ${CMAKE_CURRENT_LIST_DIR}/test_rules_util.c
                LIBS enf_rules)
endforeach()
