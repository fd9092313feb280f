# SPDX-License-Identifier: GPL-2.0-or-later
# enforcer/http: the incremental HTTP/1.1 request parser.
enf_unit_test(test_http1_parse
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http1_parse.c
          ${CMAKE_CURRENT_LIST_DIR}/test_http1_util.c
  LIBS enf_http)
enf_unit_test(test_http1_anomaly
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http1_anomaly.c
          ${CMAKE_CURRENT_LIST_DIR}/test_http1_util.c
  LIBS enf_http)
# enforcer/http/hpack.c against every story of hpack-test-case (../shared).
enf_unit_test(test_hpack
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_hpack.c
  LIBS enf_http PkgConfig::JANSSON)
target_compile_definitions(test_hpack PRIVATE
  ENF_HPACK_TESTDATA="${CMAKE_SOURCE_DIR}/../shared/testdata/hpack-test-case")
enf_unit_test(test_http_derive
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http_derive.c
  LIBS enf_http)
enf_unit_test(test_http1_smuggle
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http1_smuggle.c
          ${CMAKE_CURRENT_LIST_DIR}/test_http1_util.c
  LIBS enf_http)
enf_unit_test(test_http1_resp
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http1_resp.c
  LIBS enf_http)
# enforcer/http/http2.c, fed frames built by hand and by libnghttp2's client
# (libnghttp2 comes with enf_http).
enf_unit_test(test_http2
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_http2.c
  LIBS enf_http)
