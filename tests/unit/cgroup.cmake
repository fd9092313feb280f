# SPDX-License-Identifier: GPL-2.0-or-later
# enforcer/capture/cgroup: built from its source alone (enf_capture links
# the loader and the BPF skeletons, which this test does not need).
enf_unit_test(test_cgroup
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cgroup.c
                      ${CMAKE_SOURCE_DIR}/enforcer/capture/cgroup.c
              LIBS)
