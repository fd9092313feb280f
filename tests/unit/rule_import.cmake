# SPDX-License-Identifier: GPL-2.0-or-later
# rule.add's named texts (enforcerctl rule import), the daemon's side: the
# request checked, and the set built from a real rules directory, a real
# policy database and the texts, all or nothing.
enf_unit_test(test_rule_import
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_rule_import.c
              LIBS enf_daemon)
