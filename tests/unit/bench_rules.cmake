# SPDX-License-Identifier: GPL-2.0-or-later
# The smoke test of bench/rules: on a tiny corpus, enforcer and the PCRE2
# one-by-one baseline report the same (request, rule) pairs with both rule
# sets, known attacks are caught and a benign near-miss is not, and
# libmodsecurity3 (when built in) loads both sets. It times nothing.
add_test(NAME bench_rules_smoke
         COMMAND $<TARGET_FILE:bench_rules> --smoke
                 --default-set ${CMAKE_SOURCE_DIR}/rules/sets/default.conf)
set_tests_properties(bench_rules_smoke PROPERTIES LABELS unit TIMEOUT 60)
