# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerctl's offline verbs (rule test, rule lint): the real binary run on
# real rule files, a real configuration and a real SQLite policy database;
# rule import against a stand-in control server.
if(TARGET enforcerctl AND TARGET enf_policydb)
  enf_unit_test(test_ctl_rule
                SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ctl_rule.c
                LIBS enf_policydb enf_control)
  target_compile_definitions(test_ctl_rule PRIVATE
                             ENF_CTL_BIN="$<TARGET_FILE:enforcerctl>")
  add_dependencies(test_ctl_rule enforcerctl)
endif()
