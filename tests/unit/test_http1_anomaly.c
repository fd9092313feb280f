// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HTTP/1.1 parser: every anomaly bit set by its trigger and by no clean
 * request, the caps, resynchronisation after garbage and after a join in
 * the middle of a stream, a head over its cap, and a callback that stops
 * feeding. Every input is also fed split at every byte and one byte at a
 * time, and must give the same result.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_http1.h"

#define IN(s) s, sizeof(s) - 1
#define DEFAULTS                          \
	{                                 \
		0, 0, 0, 0, 0, 0, 0, 0, 0 \
	} /* all zero: the defaults */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct t_run *run_new(void)
{
	struct t_run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static void run_del(struct t_run *r)
{
	t_run_free(r);
	free(r);
}

static struct enf_http_limits limits(size_t max_line, size_t max_headers,
				     size_t max_header_bytes, size_t max_args,
				     size_t max_body)
{
	struct enf_http_limits lim = {
		.max_line = max_line,
		.max_headers = max_headers,
		.max_header_bytes = max_header_bytes,
		.max_args = max_args,
		.max_body = max_body,
	};

	return lim;
}

static void check_n(const char *name, const struct t_run *r, size_t n)
{
	T_CHECK(r->n == n, "%s: %zu requests handed out, want %zu", name, r->n,
		n);
}

static void check_skipped(const char *name, const struct t_run *r,
			  uint64_t want)
{
	T_CHECK(r->skipped == want, "%s: skipped %llu bytes, want %llu", name,
		(unsigned long long)r->skipped, (unsigned long long)want);
}

static void check_anom(const char *name, const struct enf_request *req,
		       uint64_t want)
{
	T_CHECK(req->anomalies == want, "%s: anomalies 0x%llx, want 0x%llx",
		name, (unsigned long long)req->anomalies,
		(unsigned long long)want);
}

static void check_body(const char *name, const struct enf_request *req,
		       const char *kept, uint64_t len)
{
	t_check_str(name, "body", req->body, kept);
	T_CHECK(req->body_len == len, "%s: body_len %llu, want %llu", name,
		(unsigned long long)req->body_len, (unsigned long long)len);
}

static void test_limits_default(void **state)
{
	struct enf_http_limits lim;

	(void)state;
	memset(&lim, 0xa5, sizeof(lim));
	enf_http_limits_default(&lim);
	T_CHECK(lim.max_line == 8192, "default max_line %zu", lim.max_line);
	T_CHECK(lim.max_headers == 100, "default max_headers %zu",
		lim.max_headers);
	T_CHECK(lim.max_header_bytes == 65536, "default max_header_bytes %zu",
		lim.max_header_bytes);
	T_CHECK(lim.max_args == 256, "default max_args %zu", lim.max_args);
	T_CHECK(lim.max_body == 65536, "default max_body %zu", lim.max_body);
}

static void test_new_and_feed_reject_bad_arguments(void **state)
{
	struct enf_http_limits lim;
	struct enf_http1 *p = (void *)&lim;

	(void)state;
	enf_http_limits_default(&lim);
	lim.max_line = ENF_HTTP1_MIN_LINE - 1;
	T_CHECK(enf_http1_new(&lim, &p) == -EINVAL && !p,
		"new: max_line below the minimum accepted");
	enf_http_limits_default(&lim);
	lim.max_header_bytes = 10;
	T_CHECK(enf_http1_new(&lim, &p) == -EINVAL && !p,
		"new: max_header_bytes below the minimum accepted");
	enf_http_limits_default(&lim);
	lim.max_body = (size_t)ENF_HTTP1_MAX_CAP + 1;
	T_CHECK(enf_http1_new(&lim, &p) == -EINVAL && !p,
		"new: max_body above the maximum accepted");

	enf_http1_free(NULL);
	T_CHECK(enf_http1_feed(NULL, "x", 1, t_collect, NULL) == -EINVAL,
		"feed: NULL parser accepted");
	assert_int_equal(enf_http1_new(NULL, &p), 0);
	T_CHECK(enf_http1_feed(p, NULL, 3, t_collect, NULL) == -EINVAL,
		"feed: NULL data with a length accepted");
	T_CHECK(enf_http1_feed(p, NULL, 0, t_collect, NULL) == 0,
		"feed: empty input refused");
	T_CHECK(enf_http1_feed(p, IN("GET / HTTP/1.1\r\n\r\n"), NULL, NULL) ==
			0,
		"feed: NULL callback refused");
	T_CHECK(enf_http1_skipped(p) == 0, "feed: NULL callback skipped bytes");
	enf_http1_free(p);
}

/* Clean requests of every shape the parser frames: no anomaly at all. */
static const char clean_stream[] = "GET /a/b.php?x=1&y=%41+b HTTP/1.1\r\n"
				   "Host: example.com\r\n"
				   "Accept: */*\r\n"
				   "\r\n"
				   "POST /form HTTP/1.1\r\n"
				   "Host: example.com\r\n"
				   "Content-Length: 7\r\n"
				   "\r\n"
				   "a=1&b=2"
				   "POST /chunks HTTP/1.1\r\n"
				   "Transfer-Encoding: chunked\r\n"
				   "\r\n"
				   "4;x=y\r\n"
				   "data\r\n"
				   "0\r\n"
				   "T: 1\r\n"
				   "\r\n"
				   "PUT /same HTTP/1.0\r\n"
				   "content-length: 2\r\n"
				   "\r\n"
				   "ok"
				   "DELETE /x?only HTTP/1.1\r\n"
				   "X: \r\n"
				   "\r\n";

static void test_clean_requests_have_no_anomaly(void **state)
{
	struct t_run *r = run_new();
	size_t i;

	(void)state;
	t_feed_all_splits("clean", NULL, clean_stream, sizeof(clean_stream) - 1,
			  r);
	check_n("clean", r, 5);
	for (i = 0; i < r->n; i++)
		T_CHECK(r->req[i].anomalies == 0,
			"clean: request %zu (%s) has anomalies 0x%llx", i,
			r->dump[i], (unsigned long long)r->req[i].anomalies);
	check_body("clean: form", &r->req[1], "a=1&b=2", 7);
	check_body("clean: chunked", &r->req[2], "data", 4);
	check_body("clean: HTTP/1.0 with a body", &r->req[3], "ok", 2);
	check_skipped("clean", r, 0);
	run_del(r);
}

struct anom_case {
	const char *name;
	const char *in;
	size_t len;
	uint64_t bit;
	size_t idx; /* the request that must carry the bit */
	size_t n; /* requests handed out */
	struct enf_http_limits lim; /* all zero: defaults */
};

static const struct anom_case anom_cases[] = {
	{ "headers limit: line over max_line",
	  IN("GET / HTTP/1.1\r\nX-Long: "
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "\r\n\r\n"),
	  ENF_ANOM_HEADERS_LIMIT,
	  0,
	  1,
	  { 64, 100, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "headers limit: count over max_headers",
	  IN("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
	  ENF_ANOM_HEADERS_LIMIT,
	  0,
	  1,
	  { 8192, 2, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "args limit",
	  IN("GET /?a&b&c HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_ARGS_LIMIT,
	  0,
	  1,
	  { 8192, 100, 65536, 2, 65536, 0, 0, 0, 0 } },
	{ "bad request line: space in target", IN("GET /a b HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_BAD_REQUEST_LINE, 0, 1, DEFAULTS },
	{ "bad request line: OWS after the version",
	  IN("GET / HTTP/1.1 \r\n\r\n"), ENF_ANOM_BAD_REQUEST_LINE, 0, 1,
	  DEFAULTS },
	{ "bad request line: two minor digits", IN("GET / HTTP/1.10\r\n\r\n"),
	  ENF_ANOM_BAD_REQUEST_LINE, 0, 1, DEFAULTS },
	{ "bad request line: HTTP/0.9", IN("GET /\r\n"),
	  ENF_ANOM_BAD_REQUEST_LINE, 0, 1, DEFAULTS },
	{ "bad request line: control byte in target",
	  IN("GET /a\tb HTTP/1.1\r\n\r\n"), ENF_ANOM_BAD_REQUEST_LINE, 0, 1,
	  DEFAULTS },
	{ "bad header: no colon", IN("GET / HTTP/1.1\r\nNoColon\r\n\r\n"),
	  ENF_ANOM_BAD_HEADER, 0, 1, DEFAULTS },
	{ "bad header: space in name",
	  IN("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), ENF_ANOM_BAD_HEADER, 0,
	  1, DEFAULTS },
	{ "bad header: empty name", IN("GET / HTTP/1.1\r\n: x\r\n\r\n"),
	  ENF_ANOM_BAD_HEADER, 0, 1, DEFAULTS },
	{ "body truncated",
	  IN("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789"),
	  ENF_ANOM_BODY_TRUNCATED,
	  0,
	  1,
	  { 8192, 100, 65536, 256, 4, 0, 0, 0, 0 } },
	{ "bare LF: one header line", IN("GET / HTTP/1.1\r\nHost: h\n\r\n"),
	  ENF_ANOM_BARE_LF, 0, 1, DEFAULTS },
	{ "bare LF: end of head", IN("GET / HTTP/1.1\r\nHost: h\r\n\n"),
	  ENF_ANOM_BARE_LF, 0, 1, DEFAULTS },
	{ "bare LF: after chunk data",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nx\n0\r\n\r\n"),
	  ENF_ANOM_BARE_LF, 0, 1, DEFAULTS },
	{ "bad escape", IN("GET /?a=%zz HTTP/1.1\r\n\r\n"), ENF_ANOM_BAD_ESCAPE,
	  0, 1, DEFAULTS },
	{ "bad Content-Length: not decimal",
	  IN("POST / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n"),
	  ENF_ANOM_BAD_CONTENT_LENGTH, 0, 1, DEFAULTS },
	{ "bad Content-Length: two that differ",
	  IN("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
	     "\r\n"),
	  ENF_ANOM_BAD_CONTENT_LENGTH, 0, 1, DEFAULTS },
	{ "bad Content-Length: folded",
	  IN("POST / HTTP/1.1\r\nContent-Length:\r\n 1\r\n\r\nx"),
	  ENF_ANOM_BAD_CONTENT_LENGTH, 0, 1, DEFAULTS },
	{ "bad Content-Length: line over max_line",
	  IN("POST / HTTP/1.1\r\nContent-Length: 1"
	     "                                                            "
	     "\r\n\r\nx"),
	  ENF_ANOM_BAD_CONTENT_LENGTH,
	  0,
	  1,
	  { 64, 100, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "Content-Length and Transfer-Encoding",
	  IN("POST / HTTP/1.1\r\nContent-Length: 9\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	  ENF_ANOM_CL_AND_TE, 0, 1, DEFAULTS },
	{ "bad Transfer-Encoding: final coding not chunked",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
	  ENF_ANOM_BAD_TRANSFER_ENCODING, 0, 1, DEFAULTS },
	{ "bad Transfer-Encoding: folded",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n"
	     "0\r\n\r\n"),
	  ENF_ANOM_BAD_TRANSFER_ENCODING, 0, 1, DEFAULTS },
	{ "bad Transfer-Encoding: line over max_line",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding:"
	     "                                                            "
	     "chunked\r\n\r\n0\r\n\r\n"),
	  ENF_ANOM_BAD_TRANSFER_ENCODING,
	  0,
	  1,
	  { 64, 100, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "bad chunk: size not hex",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
	  ENF_ANOM_BAD_CHUNK, 0, 1, DEFAULTS },
	{ "obsolete line folding",
	  IN("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n"), ENF_ANOM_OBS_FOLD,
	  0, 1, DEFAULTS },
	{ "obsolete folding of Content-Length",
	  IN("POST / HTTP/1.1\r\nContent-Length: \r\n\t2\r\n\r\nab"),
	  ENF_ANOM_OBS_FOLD, 0, 1, DEFAULTS },
	{ "head over max_header_bytes",
	  IN("GET / HTTP/1.1\r\n"
	     "X-1: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	     "X-2: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	     "\r\n"),
	  ENF_ANOM_HEAD_TRUNCATED,
	  0,
	  1,
	  { 64, 100, 100, 256, 65536, 0, 0, 0, 0 } },
	{ "duplicate Content-Length: two equal",
	  IN("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
	     "\r\nx"),
	  ENF_ANOM_DUP_CONTENT_LENGTH, 0, 1, DEFAULTS },
	{ "duplicate Content-Length: a list",
	  IN("POST / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\nx"),
	  ENF_ANOM_DUP_CONTENT_LENGTH, 0, 1, DEFAULTS },
	{ "bare CR in a header value", IN("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"),
	  ENF_ANOM_BARE_CR, 0, 1, DEFAULTS },
	{ "bare CR in the target", IN("GET /a\rb HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_BARE_CR, 0, 1, DEFAULTS },
	{ "bare CR after a chunk size",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\rx"),
	  ENF_ANOM_BARE_CR, 0, 1, DEFAULTS },
	{ "NUL in a header value", IN("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"),
	  ENF_ANOM_NUL_BYTE, 0, 1, DEFAULTS },
	{ "NUL in the target", IN("GET /\0 HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_NUL_BYTE, 0, 1, DEFAULTS },
	{ "NUL in a trailer",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0\r\nT: \0\r\n\r\n"),
	  ENF_ANOM_NUL_BYTE, 0, 1, DEFAULTS },
	{ "line too long: request line",
	  IN("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     " HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_LINE_TOO_LONG,
	  0,
	  1,
	  { 64, 100, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "line too long: chunk extension",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0;aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "\r\n\r\n"),
	  ENF_ANOM_LINE_TOO_LONG,
	  0,
	  1,
	  { 64, 100, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "line too long: trailer",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0\r\nT: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "\r\n\r\n"),
	  ENF_ANOM_LINE_TOO_LONG,
	  0,
	  1,
	  { 64, 100, 65536, 256, 65536, 0, 0, 0, 0 } },
	{ "TE obfuscated: upper case",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	     "0\r\n\r\n"),
	  ENF_ANOM_TE_OBFUSCATED, 0, 1, DEFAULTS },
	{ "TE obfuscated: space before the colon",
	  IN("POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n"),
	  ENF_ANOM_TE_OBFUSCATED, 0, 1, DEFAULTS },
	{ "resync: after garbage", IN("junk\r\nGET / HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_RESYNC, 0, 1, DEFAULTS },
	{ "resync: glued to skipped bytes", IN("xyzGET / HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_RESYNC, 0, 1, DEFAULTS },
	{ "resync: after lost framing",
	  IN("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"
	     "GET / HTTP/1.1\r\n\r\n"),
	  ENF_ANOM_RESYNC, 1, 2, DEFAULTS },
};

static void test_each_anomaly_bit_by_its_trigger(void **state)
{
	const struct enf_http_limits zero = { 0 };
	uint64_t seen = 0;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(anom_cases); i++) {
		const struct anom_case *c = &anom_cases[i];
		const struct enf_http_limits *lim =
			memcmp(&c->lim, &zero, sizeof(zero)) ? &c->lim : NULL;
		struct t_run *r = run_new();

		t_feed_all_splits(c->name, lim, c->in, c->len, r);
		check_n(c->name, r, c->n);
		T_CHECK(r->req[c->idx].anomalies & c->bit,
			"%s: bit 0x%llx not set (anomalies 0x%llx)", c->name,
			(unsigned long long)c->bit,
			(unsigned long long)r->req[c->idx].anomalies);
		seen |= c->bit;
		run_del(r);
	}
	/* every HTTP/1 request bit has a trigger above (DUP_HOST is set by
	 * enf_http_derive(), BAD_STATUS_LINE in test_http1_resp) */
	T_CHECK(seen == (ENF_ANOM_RESYNC << 1) - 1,
		"anomaly bits without a trigger case: 0x%llx",
		(unsigned long long)(~seen & ((ENF_ANOM_RESYNC << 1) - 1)));
}

static char *hundred_and_one_headers(size_t *len)
{
	size_t cap = 8192, n = 0, i;
	char *s = malloc(cap);

	assert_non_null(s);
	n += snprintf(s + n, cap - n, "POST /many HTTP/1.1\r\n");
	for (i = 0; i < 100; i++)
		n += snprintf(s + n, cap - n, "H%zu: v%zu\r\n", i, i);
	/* the 101st: not kept, but it still frames the body */
	n += snprintf(s + n, cap - n, "Content-Length: 4\r\n\r\nabcd");
	n += snprintf(s + n, cap - n, "GET /next HTTP/1.1\r\n\r\n");
	assert_true(n < cap);
	*len = n;
	return s;
}

static void test_cap_101_headers_keeps_100(void **state)
{
	struct t_run *r = run_new();
	size_t len, i;
	char *in = hundred_and_one_headers(&len);

	(void)state;
	t_feed_all_splits("101 headers", NULL, in, len, r);
	check_n("101 headers", r, 2);
	T_CHECK(r->req[0].n_headers == 100, "101 headers: %zu kept, want 100",
		r->req[0].n_headers);
	for (i = 0; i < r->req[0].n_headers; i++) {
		char name[32], value[32];

		snprintf(name, sizeof(name), "H%zu", i);
		snprintf(value, sizeof(value), "v%zu", i);
		t_check_str("101 headers: kept in order", "name",
			    r->req[0].headers[i].name, name);
		t_check_str("101 headers: kept in order", "value",
			    r->req[0].headers[i].value, value);
	}
	check_anom("101 headers", &r->req[0], ENF_ANOM_HEADERS_LIMIT);
	check_body("101 headers: framed by the header not kept", &r->req[0],
		   "abcd", 4);
	t_check_str("101 headers: next request", "path", r->req[1].path,
		    "/next");
	check_anom("101 headers: next request", &r->req[1], 0);
	check_skipped("101 headers", r, 0);
	run_del(r);
	free(in);
}

static void test_cap_long_lines(void **state)
{
	struct enf_http_limits lim = limits(64, 100, 65536, 256, 65536);
	struct t_run *r = run_new();
	char in[1024], want[128];
	size_t n;

	(void)state;
	/* a header line of 8 + 100 bytes: 64 kept */
	n = snprintf(in, sizeof(in),
		     "GET / HTTP/1.1\r\nX-Long: %0100d\r\n"
		     "Host: h\r\n\r\n",
		     7);
	t_feed_all_splits("long header line", &lim, in, n, r);
	check_n("long header line", r, 1);
	T_CHECK(r->req[0].n_headers == 2, "long header line: %zu headers",
		r->req[0].n_headers);
	snprintf(want, sizeof(want), "%056d", 0);
	t_check_str("long header line: cut", "value",
		    r->req[0].headers[0].value, want);
	t_check_str("long header line: next header", "value",
		    t_header(&r->req[0], "Host", 0), "h");
	check_anom("long header line", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_LINE_TOO_LONG);
	run_del(r);

	/* a request line of 200 bytes: 64 kept, the protocol still known */
	r = run_new();
	n = snprintf(in, sizeof(in),
		     "GET /%0180d?q=1 HTTP/1.0\r\nHost: h\r\n\r\n"
		     "GET /short HTTP/1.1\r\n\r\n",
		     1);
	t_feed_all_splits("long request line", &lim, in, n, r);
	check_n("long request line", r, 2);
	t_check_mem("long request line: cut", "line", r->req[0].line, in, 64);
	t_check_mem("long request line: cut", "uri", r->req[0].uri, in + 4, 60);
	t_check_str("long request line", "protocol", r->req[0].protocol,
		    "HTTP/1.0");
	t_check_str("long request line", "method", r->req[0].method, "GET");
	check_anom("long request line", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_LINE_TOO_LONG);
	t_check_str("long request line: next request", "uri", r->req[1].uri,
		    "/short");
	check_skipped("long request line", r, 0);
	run_del(r);
}

static void test_cap_args(void **state)
{
	struct enf_http_limits lim = limits(8192, 100, 65536, 3, 65536);
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits("args cap", &lim,
			  IN("GET /?a=1&b=2&&c=3&d=4&e=5 HTTP/1.1\r\n\r\n"), r);
	check_n("args cap", r, 1);
	T_CHECK(r->req[0].n_args == 3, "args cap: %zu kept, want 3",
		r->req[0].n_args);
	t_check_str("args cap: first", "name", r->req[0].args[0].name, "a");
	t_check_str("args cap: last kept", "name", r->req[0].args[2].name, "c");
	t_check_str("args cap: last kept", "value", r->req[0].args[2].value,
		    "3");
	check_anom("args cap", &r->req[0], ENF_ANOM_ARGS_LIMIT);
	run_del(r);
}

static void test_bad_escapes_kept_literally(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits("bad escapes", NULL,
			  IN("GET /?a=%zz&b=%4&c=%%41&%=%2 HTTP/1.1\r\n\r\n"),
			  r);
	check_n("bad escapes", r, 1);
	T_CHECK(r->req[0].n_args == 4, "bad escapes: %zu args",
		r->req[0].n_args);
	t_check_str("bad escapes: %zz", "value", r->req[0].args[0].value,
		    "%zz");
	t_check_str("bad escapes: %4 at the end", "value",
		    r->req[0].args[1].value, "%4");
	t_check_str("bad escapes: %%41", "value", r->req[0].args[2].value,
		    "%A");
	t_check_str("bad escapes: lone % name", "name", r->req[0].args[3].name,
		    "%");
	t_check_str("bad escapes: %2", "value", r->req[0].args[3].value, "%2");
	check_anom("bad escapes", &r->req[0], ENF_ANOM_BAD_ESCAPE);
	run_del(r);
}

static void test_bad_request_line_at_boundary(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits("space in target", NULL,
			  IN("GET /a b?c=d e HTTP/1.1\r\nHost: h\r\n\r\n"), r);
	check_n("space in target", r, 1);
	t_check_str("space in target: kept", "uri", r->req[0].uri,
		    "/a b?c=d e");
	t_check_str("space in target", "path", r->req[0].path, "/a b");
	check_anom("space in target", &r->req[0], ENF_ANOM_BAD_REQUEST_LINE);
	run_del(r);

	/* after skipped bytes the stream is suspect: only clean lines count */
	r = run_new();
	t_feed_all_splits("space in target after garbage", NULL,
			  IN("junk\r\nGET /a b HTTP/1.1\r\n\r\n"), r);
	check_n("space in target after garbage", r, 0);
	check_skipped("space in target after garbage", r, 6 + 19);
	run_del(r);
}

static void test_bad_headers(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits("bad headers", NULL,
			  IN("POST / HTTP/1.1\r\n"
			     "NoColonHere\r\n"
			     "Bad Name: x\r\n"
			     "Content-Length : 5\r\n"
			     "Host: h\r\n"
			     "\r\n"
			     "GET /n HTTP/1.1\r\n\r\n"),
			  r);
	check_n("bad headers", r, 2);
	T_CHECK(r->req[0].n_headers == 3,
		"bad headers: %zu kept, want 3 (no-colon line skipped)",
		r->req[0].n_headers);
	t_check_str("bad headers: name as sent", "name",
		    r->req[0].headers[0].name, "Bad Name");
	t_check_str("bad headers: name as sent", "name",
		    r->req[0].headers[1].name, "Content-Length ");
	check_body("bad headers: a malformed Content-Length does not frame",
		   &r->req[0], "", 0);
	/* "Content-Length : 5" frames nothing here, but a peer that strips
	 * the OWS before the colon frames by it: flagged, and the boundary
	 * after it is suspect */
	check_anom("bad headers", &r->req[0],
		   ENF_ANOM_BAD_HEADER | ENF_ANOM_BAD_CONTENT_LENGTH);
	check_anom("bad headers: next request", &r->req[1], ENF_ANOM_RESYNC);
	run_del(r);
}

static void test_body_truncated(void **state)
{
	struct enf_http_limits lim = limits(8192, 100, 65536, 256, 8);
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits(
		"body cap", &lim,
		IN("POST /a HTTP/1.1\r\nContent-Length: 20\r\n\r\n"
		   "0123456789abcdefghij"
		   "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		   "\r\n5\r\n01234\r\n7\r\n56789ab\r\n0\r\n\r\n"
		   "POST /c HTTP/1.1\r\nContent-Length: 8\r\n\r\n"
		   "01234567"),
		r);
	check_n("body cap", r, 3);
	check_body("body cap: Content-Length", &r->req[0], "01234567", 20);
	check_anom("body cap: Content-Length", &r->req[0],
		   ENF_ANOM_BODY_TRUNCATED);
	check_body("body cap: chunked", &r->req[1], "01234567", 12);
	check_anom("body cap: chunked", &r->req[1], ENF_ANOM_BODY_TRUNCATED);
	check_body("body cap: exactly max_body", &r->req[2], "01234567", 8);
	check_anom("body cap: exactly max_body", &r->req[2], 0);
	run_del(r);

	lim.max_body = 0;
	r = run_new();
	t_feed_all_splits(
		"body cap 0", &lim,
		IN("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"), r);
	check_n("body cap 0", r, 1);
	check_body("body cap 0", &r->req[0], "", 3);
	check_anom("body cap 0", &r->req[0], ENF_ANOM_BODY_TRUNCATED);
	run_del(r);
}

static void test_content_length_forms(void **state)
{
	static const struct {
		const char *value;
		bool ok;
		bool dup; /* a list: ENF_ANOM_DUP_CONTENT_LENGTH */
	} forms[] = {
		{ "3", true, false },
		{ "003", true, false },
		{ "3, 3", true, true },
		{ "3,3,", false, true },
		{ "", false, false },
		{ "-3", false, false },
		{ "+3", false, false },
		{ "3 3", false, false },
		{ "3.0", false, false },
		{ "3, 4", false, true },
		{ "99999999999999999999999", false, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		struct t_run *r = run_new();
		char in[256], name[64];
		uint64_t dup;
		size_t n;

		n = snprintf(in, sizeof(in),
			     "POST / HTTP/1.1\r\nContent-Length: %s\r\n\r\n"
			     "abc\r\nGET /n HTTP/1.1\r\n\r\n",
			     forms[i].value);
		snprintf(name, sizeof(name), "Content-Length '%s'",
			 forms[i].value);
		t_feed_all_splits(name, NULL, in, n, r);
		check_n(name, r, 2);
		dup = forms[i].dup ? ENF_ANOM_DUP_CONTENT_LENGTH : 0;
		if (forms[i].ok) {
			check_body(name, &r->req[0], "abc", 3);
			check_anom(name, &r->req[0], dup);
			/* the CRLF after the body is an empty line */
			check_skipped(name, r, 0);
			check_anom(name, &r->req[1], 0);
		} else {
			/* no body: "abc" is skipped as a line */
			check_body(name, &r->req[0], "", 0);
			check_anom(name, &r->req[0],
				   ENF_ANOM_BAD_CONTENT_LENGTH | dup);
			check_skipped(name, r, 5);
			check_anom(name, &r->req[1], ENF_ANOM_RESYNC);
		}
		t_check_str(name, "next path", r->req[1].path, "/n");
		run_del(r);
	}
}

static void test_transfer_encoding_forms(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits(
		"Transfer-Encoding forms", NULL,
		IN("POST /cl-te HTTP/1.1\r\nContent-Length: 100\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
		   "POST /gzip HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"
		   "POST /twice HTTP/1.1\r\nTransfer-Encoding: chunked, "
		   "chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
		   "POST /split HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
		   "transfer-encoding: CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n"),
		r);
	check_n("Transfer-Encoding forms", r, 4);
	check_body("CL and TE: chunked wins", &r->req[0], "abc", 3);
	check_anom("CL and TE", &r->req[0], ENF_ANOM_CL_AND_TE);
	check_body("TE gzip alone: no body", &r->req[1], "", 0);
	check_anom("TE gzip alone", &r->req[1],
		   ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_TE_OBFUSCATED);
	check_body("TE chunked twice: still chunked", &r->req[2], "hi", 2);
	/* after the framing lost on /gzip */
	check_anom("TE chunked twice", &r->req[2],
		   ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_TE_OBFUSCATED |
			   ENF_ANOM_RESYNC);
	check_body("TE over two headers, chunked last", &r->req[3], "z", 1);
	check_anom("TE over two headers", &r->req[3], ENF_ANOM_TE_OBFUSCATED);
	check_skipped("Transfer-Encoding forms", r, 0);
	run_del(r);
}

static void test_bad_chunks(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits(
		"bad chunks", NULL,
		IN("POST /nohex HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "zz\r\n"
		   "POST /nocrlf HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "3\r\nabcX\r\n"
		   "POST /huge HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		   "10000000000000000\r\n"
		   "POST /ws HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		   " 1\r\n"
		   "GET /n HTTP/1.1\r\n\r\n"),
		r);
	check_n("bad chunks", r, 5);
	/* each after the one before lost its framing: ENF_ANOM_RESYNC */
	check_anom("bad chunk: size not hex", &r->req[0], ENF_ANOM_BAD_CHUNK);
	check_body("bad chunk: data not followed by CRLF", &r->req[1], "abc",
		   3);
	check_anom("bad chunk: data not followed by CRLF", &r->req[1],
		   ENF_ANOM_BAD_CHUNK | ENF_ANOM_RESYNC);
	check_anom("bad chunk: size over 63 bits", &r->req[2],
		   ENF_ANOM_BAD_CHUNK | ENF_ANOM_RESYNC);
	check_anom("bad chunk: space before the size", &r->req[3],
		   ENF_ANOM_BAD_CHUNK | ENF_ANOM_RESYNC);
	check_anom("bad chunks: next request", &r->req[4], ENF_ANOM_RESYNC);
	t_check_str("bad chunks: next request", "path", r->req[4].path, "/n");
	/* the rest of each broken line: "zz\r\n", "X\r\n",
	 * "10000000000000000\r\n" (17 digits read, the 17th bad) -> "0\r\n",
	 * " 1\r\n" */
	check_skipped("bad chunks", r, 4 + 3 + 3 + 4);
	run_del(r);
}

static void test_obs_fold(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits("obs-fold", NULL,
			  IN("GET / HTTP/1.1\r\n"
			     " lead\r\n"
			     "X-A: one\r\n"
			     "   two \r\n"
			     "\tthree\r\n"
			     "X-E:\r\n"
			     " e\r\n"
			     "Host: h\r\n"
			     "\r\n"),
			  r);
	check_n("obs-fold", r, 1);
	T_CHECK(r->req[0].n_headers == 3, "obs-fold: %zu headers, want 3",
		r->req[0].n_headers);
	t_check_str("obs-fold: unfolded", "value",
		    t_header(&r->req[0], "X-A", 0), "one two three");
	t_check_str("obs-fold: onto an empty value", "value",
		    t_header(&r->req[0], "X-E", 0), "e");
	t_check_str("obs-fold: next header", "value",
		    t_header(&r->req[0], "Host", 0), "h");
	check_anom("obs-fold", &r->req[0], ENF_ANOM_OBS_FOLD);
	run_del(r);
}

/*
 * The reviewer's smuggling payloads (/tmp/rv/smug.bin, smug2.bin): a
 * Content-Length of 47 that a first-line-only or cut reading misses. A peer
 * that takes the request (Go unfolds and trims) reads 47 body bytes that hold
 * a decoy request whose own Content-Length would swallow the next request;
 * that next request must be handed out as one.
 */
static const char smug_body[] = "xGET /innocent HTTP/1.1\r\n"
				"Content-Length: 61\r\n"
				"\r\n";
static const char smug_hidden[] = "GET /admin?id=1 HTTP/1.1\r\n"
				  "Host: x\r\n"
				  "User-Agent: sqlmap/1.7\r\n"
				  "\r\n";
static const char smug_fold[] = "POST /a HTTP/1.1\r\n"
				"Host: x\r\n"
				"Content-Length:\r\n"
				" 47\r\n"
				"\r\n"
				"xGET /innocent HTTP/1.1\r\n"
				"Content-Length: 61\r\n"
				"\r\n"
				"GET /admin?id=1 HTTP/1.1\r\n"
				"Host: x\r\n"
				"User-Agent: sqlmap/1.7\r\n"
				"\r\n";

/* smug2.bin: "Content-Length: 47" and 8200 spaces, the rest as smug.bin */
static char *smug_padded(size_t *len)
{
	static const char pre[] = "POST /a HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 47";
	size_t n = 0, cap = sizeof(pre) + 8200 + 256;
	char *s = malloc(cap);

	assert_non_null(s);
	memcpy(s, pre, sizeof(pre) - 1);
	n = sizeof(pre) - 1;
	memset(s + n, ' ', 8200);
	n += 8200;
	n += snprintf(s + n, cap - n, "\r\n\r\n%s%s", smug_body, smug_hidden);
	assert_true(n < cap);
	*len = n;
	return s;
}

static void check_smuggled(const char *name, const struct t_run *r,
			   const char *hname, const char *value, uint64_t anom)
{
	check_n(name, r, 2);
	t_check_str(name, "uri", r->req[0].uri, "/a");
	if (value)
		t_check_str(name, "framing header as reported",
			    t_header(&r->req[0], hname, 0), value);
	check_body(name, &r->req[0], smug_body, 47);
	check_anom(name, &r->req[0], anom);
	t_check_str(name, "hidden request: uri", r->req[1].uri, "/admin?id=1");
	t_check_str(name, "hidden request: User-Agent",
		    t_header(&r->req[1], "User-Agent", 0), "sqlmap/1.7");
	check_anom(name, &r->req[1], 0);
	check_skipped(name, r, 0);
}

static void test_smuggling_reviewer_payloads(void **state)
{
	struct t_run *r = run_new();
	size_t len;
	char *in;

	(void)state;
	t_feed_all_splits("smug.bin: folded Content-Length", NULL, smug_fold,
			  sizeof(smug_fold) - 1, r);
	check_smuggled("smug.bin: folded Content-Length", r, "Content-Length",
		       "47", ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_OBS_FOLD);
	run_del(r);

	r = run_new();
	in = smug_padded(&len);
	t_feed_all_splits("smug2.bin: Content-Length padded past max_line",
			  NULL, in, len, r);
	check_smuggled("smug2.bin: Content-Length padded past max_line", r,
		       "Content-Length", "47",
		       ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_HEADERS_LIMIT |
			       ENF_ANOM_LINE_TOO_LONG);
	free(in);
	run_del(r);
}

#define SP10 "          "
#define SP100 SP10 SP10 SP10 SP10 SP10 SP10 SP10 SP10 SP10 SP10
#define ZERO10 "0000000000"
#define GZIP5 "gzip, gzip, gzip, gzip, gzip, "
#define LTL ENF_ANOM_LINE_TOO_LONG
#define TEO ENF_ANOM_TE_OBFUSCATED

/*
 * Framing headers folded, padded or too long for a 64-byte max_line, each
 * followed by the smuggling body: the body is framed by the whole unfolded,
 * OWS-trimmed value (what a peer that takes the request does), the header
 * is reported with that value, and the hidden request comes out.
 */
static void test_smuggling_framing_variants(void **state)
{
	static const struct {
		const char *name;
		const char *framing; /* the framing header lines */
		bool chunked;
		const char *hname;
		const char *value; /* as reported; NULL: not kept whole */
		uint64_t anom;
		size_t max_headers; /* 0: 100 */
	} cases[] = {
		{ "Content-Length padded before the value",
		  "Content-Length:" SP100 "47\r\n", false, "Content-Length",
		  "47",
		  ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_HEADERS_LIMIT | LTL,
		  0 },
		{ "Content-Length padded with tabs on both sides",
		  "Content-Length:\t" SP100 "\t47\t" SP100 "\r\n", false,
		  "Content-Length", "47",
		  ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_HEADERS_LIMIT | LTL,
		  0 },
		{ "Content-Length list padded",
		  "Content-Length: 47" SP100 "," SP100 "47\r\n", false,
		  "Content-Length", "47 , 47",
		  ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_HEADERS_LIMIT | LTL |
			  ENF_ANOM_DUP_CONTENT_LENGTH,
		  0 },
		{ "Content-Length with 100 leading zeros",
		  "Content-Length: " ZERO10 ZERO10 ZERO10 ZERO10 ZERO10 ZERO10
			  ZERO10 ZERO10 ZERO10 ZERO10 "47\r\n",
		  false, "Content-Length", NULL,
		  ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_HEADERS_LIMIT | LTL,
		  0 },
		{ "Content-Length folded with padding",
		  "Content-Length:\r\n" SP100 "47\r\n", false, "Content-Length",
		  "47",
		  ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_OBS_FOLD |
			  ENF_ANOM_HEADERS_LIMIT | LTL,
		  0 },
		{ "Content-Length folded over three lines",
		  "Content-Length: \r\n \r\n\t47 \r\n", false, "Content-Length",
		  "47", ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_OBS_FOLD, 0 },
		{ "Content-Length folded past max_headers",
		  "A: 1\r\nB: 2\r\nContent-Length:\r\n 47\r\n", false,
		  "Content-Length", NULL,
		  ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_OBS_FOLD |
			  ENF_ANOM_HEADERS_LIMIT,
		  2 },
		{ "Transfer-Encoding folded",
		  "Transfer-Encoding:\r\n chunked\r\n", true,
		  "Transfer-Encoding", "chunked",
		  ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_OBS_FOLD | TEO, 0 },
		{ "Transfer-Encoding list folded",
		  "Transfer-Encoding: gzip,\r\n\tchunked\r\n", true,
		  "Transfer-Encoding", "gzip, chunked",
		  ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_OBS_FOLD | TEO, 0 },
		{ "Transfer-Encoding padded",
		  "Transfer-Encoding:" SP100 "chunked" SP100 "\r\n", true,
		  "Transfer-Encoding", "chunked",
		  ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_HEADERS_LIMIT |
			  LTL | TEO,
		  0 },
		{ "Transfer-Encoding list longer than max_line",
		  "Transfer-Encoding: " GZIP5 GZIP5 GZIP5 "chunked\r\n", true,
		  "Transfer-Encoding", NULL,
		  ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_HEADERS_LIMIT |
			  LTL | TEO,
		  0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct enf_http_limits lim = limits(
			64, cases[i].max_headers ? cases[i].max_headers : 100,
			65536, 256, 65536);
		struct t_run *r = run_new();
		char *in = malloc(4096);
		size_t n;

		assert_non_null(in);
		if (cases[i].chunked)
			n = snprintf(in, 4096,
				     "POST /a HTTP/1.1\r\nHost: x\r\n%s\r\n"
				     "2f\r\n%s\r\n0\r\n\r\n%s",
				     cases[i].framing, smug_body, smug_hidden);
		else
			n = snprintf(
				in, 4096,
				"POST /a HTTP/1.1\r\nHost: x\r\n%s\r\n%s%s",
				cases[i].framing, smug_body, smug_hidden);
		assert_true(n < 4096);
		t_feed_all_splits(cases[i].name, &lim, in, n, r);
		check_smuggled(cases[i].name, r, cases[i].hname, cases[i].value,
			       cases[i].anom);
		free(in);
		run_del(r);
	}
}

/* A fold or padding that makes a framing value invalid: no body, and what
 * follows is read with the stricter matching of lost framing. */
static void test_framing_folded_invalid(void **state)
{
	struct enf_http_limits small = limits(64, 100, 65536, 256, 65536);
	struct t_run *r = run_new();

	(void)state;
	t_feed_all_splits("folded Content-Length '4 7'", NULL,
			  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n 7\r\n"
			     "\r\nabc\r\nGET /a b HTTP/1.1\r\n\r\n"
			     "GET /n HTTP/1.1\r\n\r\n"),
			  r);
	check_n("folded Content-Length '4 7'", r, 2);
	t_check_str("folded Content-Length '4 7'", "value as reported",
		    t_header(&r->req[0], "Content-Length", 0), "4 7");
	check_body("folded Content-Length '4 7'", &r->req[0], "", 0);
	check_anom("folded Content-Length '4 7'", &r->req[0],
		   ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_OBS_FOLD);
	/* "abc", then a target with a space: not taken after lost framing */
	t_check_str("folded Content-Length '4 7': next", "uri", r->req[1].uri,
		    "/n");
	check_skipped("folded Content-Length '4 7'", r, 5 + 19);
	run_del(r);

	r = run_new();
	t_feed_all_splits("padded Content-Length '47 x'", &small,
			  IN("POST /a HTTP/1.1\r\nContent-Length: 47" SP100
			     "x\r\n\r\nGET /n HTTP/1.1\r\n\r\n"),
			  r);
	check_n("padded Content-Length '47 x'", r, 2);
	t_check_str("padded Content-Length '47 x'", "value as reported",
		    t_header(&r->req[0], "Content-Length", 0), "47 x");
	check_body("padded Content-Length '47 x'", &r->req[0], "", 0);
	check_anom("padded Content-Length '47 x'", &r->req[0],
		   ENF_ANOM_BAD_CONTENT_LENGTH | ENF_ANOM_HEADERS_LIMIT | LTL);
	t_check_str("padded Content-Length '47 x': next", "uri", r->req[1].uri,
		    "/n");
	run_del(r);

	/* a fold of another header does not touch the framing before it */
	r = run_new();
	t_feed_all_splits("fold after Content-Length", NULL,
			  IN("POST /a HTTP/1.1\r\nContent-Length: 3\r\n"
			     "X-A: 1\r\n 2\r\n\r\nabc"),
			  r);
	check_n("fold after Content-Length", r, 1);
	check_body("fold after Content-Length", &r->req[0], "abc", 3);
	t_check_str("fold after Content-Length", "unfolded",
		    t_header(&r->req[0], "X-A", 0), "1 2");
	check_anom("fold after Content-Length", &r->req[0], ENF_ANOM_OBS_FOLD);
	run_del(r);
}

static void test_version_forms(void **state)
{
	static const struct {
		const char *proto; /* as sent after "GET /v " */
		const char *want; /* as reported; NULL: not a request line */
	} forms[] = {
		{ "HTTP/1.1", "HTTP/1.1" },
		{ "HTTP/1.0 ", "HTTP/1.0" },
		{ "HTTP/1.1\t \t", "HTTP/1.1" },
		{ "HTTP/1.10", "HTTP/1.10" },
		{ "HTTP/1.001", "HTTP/1.001" },
		{ "HTTP/01.1", "HTTP/01.1" },
		{ "HTTP/0001.0  ", "HTTP/0001.0" },
		{ "HTTP/2.0", NULL },
		{ "HTTP/10.1", NULL },
		{ "HTTP/0.9", NULL },
		{ "HTTP/1.", NULL },
		{ "HTTP/.1", NULL },
		{ "HTTP/1", NULL },
		{ "http/1.1", NULL },
		{ "HTTP/1.1x", NULL },
		{ "HTTP/1.1 x", NULL },
		{ "HTTP/ 1.1", NULL },
		{ "xHTTP/1.1", NULL },
		{ "HTTP/1.1\r", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(forms); i++) {
		struct t_run *r = run_new();
		char in[256], name[64];
		size_t n, line;

		line = snprintf(in, sizeof(in), "GET /v %s\r\n",
				forms[i].proto);
		n = line + snprintf(in + line, sizeof(in) - line,
				    "Host: h\r\n\r\nGET /n HTTP/1.1\r\n\r\n");
		snprintf(name, sizeof(name), "version '%s'", forms[i].proto);
		t_feed_all_splits(name, NULL, in, n, r);
		if (forms[i].want) {
			check_n(name, r, 2);
			t_check_str(name, "uri", r->req[0].uri, "/v");
			t_check_str(name, "protocol", r->req[0].protocol,
				    forms[i].want);
			check_anom(name, &r->req[0],
				   strcmp(forms[i].proto, "HTTP/1.1") ?
					   ENF_ANOM_BAD_REQUEST_LINE :
					   0);
			check_skipped(name, r, 0);
		} else {
			/* the line and its header are skipped */
			check_n(name, r, 1);
			t_check_str(name, "next uri", r->req[0].uri, "/n");
			check_skipped(name, r, line + 9);
		}
		run_del(r);
	}
}

static void test_version_on_a_cut_line(void **state)
{
	struct enf_http_limits lim = limits(64, 100, 65536, 256, 65536);
	struct t_run *r = run_new();
	char in[512], proto[64];
	size_t n;

	(void)state;
	n = snprintf(in, sizeof(in),
		     "GET /%0100d HTTP/01.10 \t \r\nHost: h\r\n\r\n", 5);
	t_feed_all_splits("odd version, cut line", &lim, in, n, r);
	check_n("odd version, cut line", r, 1);
	t_check_str("odd version, cut line", "protocol", r->req[0].protocol,
		    "HTTP/01.10");
	t_check_mem("odd version, cut line", "line", r->req[0].line, in, 64);
	check_anom("odd version, cut line", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_BAD_REQUEST_LINE | LTL);
	run_del(r);

	/* a 48-byte protocol: whole on a line kept whole, its first 32 bytes
	 * behind a cut one */
	snprintf(proto, sizeof(proto), "HTTP/%040d1.1", 0);
	r = run_new();
	n = snprintf(in, sizeof(in), "GET /s %s\r\n\r\n", proto);
	t_feed_all_splits("long version", NULL, in, n, r);
	check_n("long version", r, 1);
	t_check_str("long version", "protocol", r->req[0].protocol, proto);
	check_anom("long version", &r->req[0], ENF_ANOM_BAD_REQUEST_LINE);
	run_del(r);

	r = run_new();
	n = snprintf(in, sizeof(in), "GET /%060d %s\r\n\r\n", 7, proto);
	t_feed_all_splits("long version, cut line", &lim, in, n, r);
	check_n("long version, cut line", r, 1);
	t_check_mem("long version, cut line", "protocol", r->req[0].protocol,
		    proto, 32);
	check_anom("long version, cut line", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_BAD_REQUEST_LINE | LTL);
	run_del(r);
}

static void test_http09(void **state)
{
	static const struct {
		const char *name;
		const char *in;
		size_t len;
		size_t n; /* requests handed out */
		uint64_t skipped;
	} cases[] = {
		{ "after a request", IN("GET /a HTTP/1.1\r\n\r\nGET /b\r\n"), 2,
		  0 },
		{ "headers after it are garbage",
		  IN("GET /x\r\nHost: h\r\n\r\n"), 1, 9 },
		{ "after garbage", IN("junk\r\nGET /x\r\n"), 0, 6 + 8 },
		{ "after lost framing",
		  IN("POST / HTTP/1.1\r\nContent-Length: x\r\n\r\nGET /x\r\n"),
		  1, 8 },
		{ "not GET", IN("HEAD /x\r\n"), 0, 9 },
		{ "space in the target", IN("GET /a b\r\n"), 0, 10 },
		{ "no target", IN("GET \r\nGET\r\n"), 0, 6 + 5 },
		{ "lower-case method", IN("get /x\r\n"), 0, 8 },
	};
	struct enf_http_limits lim = limits(64, 100, 65536, 256, 65536);
	struct t_run *r;
	char in[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = run_new();
		t_feed_all_splits(cases[i].name, NULL, cases[i].in,
				  cases[i].len, r);
		check_n(cases[i].name, r, cases[i].n);
		check_skipped(cases[i].name, r, cases[i].skipped);
		if (cases[i].n && r->req[cases[i].n - 1].protocol.len == 0)
			check_anom(cases[i].name, &r->req[cases[i].n - 1],
				   ENF_ANOM_BAD_REQUEST_LINE);
		run_del(r);
	}
	r = run_new();
	t_feed_all_splits("HTTP/0.9 after a request", NULL,
			  IN("GET /a HTTP/1.1\r\n\r\nGET /b\r\n"), r);
	t_check_str("HTTP/0.9 after a request", "uri", r->req[1].uri, "/b");
	t_check_str("HTTP/0.9 after a request", "protocol", r->req[1].protocol,
		    "");
	run_del(r);

	/* a line over max_line is not taken: its end is unseen */
	r = run_new();
	n = snprintf(in, sizeof(in), "GET /%0100d\r\n", 9);
	t_feed_all_splits("HTTP/0.9 over max_line", &lim, in, n, r);
	check_n("HTTP/0.9 over max_line", r, 0);
	check_skipped("HTTP/0.9 over max_line", r, n);
	run_del(r);
}

static void test_head_over_cap(void **state)
{
	struct enf_http_limits lim = limits(64, 100, 256, 256, 65536);
	struct t_run *r = run_new();
	char in[2048];
	size_t n = 0, i;

	(void)state;
	/* 17 bytes of request line, then 40-byte header lines: 5 fit in 256 */
	n += snprintf(in + n, sizeof(in) - n, "GET /big HTTP/1.1\r\n");
	for (i = 0; i < 10; i++)
		n += snprintf(in + n, sizeof(in) - n, "X-H%02zu: %033zu\r\n", i,
			      i);
	n += snprintf(in + n, sizeof(in) - n,
		      "Content-Length: 5\r\n\r\nhello"
		      "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
	t_feed_all_splits("head over cap", &lim, in, n, r);
	check_n("head over cap", r, 2);
	T_CHECK(r->req[0].n_headers == 5, "head over cap: %zu kept, want 5",
		r->req[0].n_headers);
	t_check_str("head over cap: last kept", "name",
		    r->req[0].headers[4].name, "X-H04");
	t_check_str("head over cap", "uri", r->req[0].uri, "/big");
	check_anom("head over cap", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_HEAD_TRUNCATED);
	/* the Content-Length past the cap is not kept but frames the body */
	T_CHECK(!t_header(&r->req[0], "Content-Length", 0).ptr,
		"head over cap: a header past the cap was kept");
	check_body("head over cap: framed by a header past the cap", &r->req[0],
		   "hello", 5);
	t_check_str("head over cap: next request", "uri", r->req[1].uri,
		    "/next");
	check_anom("head over cap: next request", &r->req[1], 0);
	check_skipped("head over cap", r, 0);
	run_del(r);

	/* a padded head hides no request behind a body it cannot frame */
	r = run_new();
	n = 0;
	n += snprintf(in + n, sizeof(in) - n,
		      "POST /a HTTP/1.1\r\nContent-Length: 47\r\n");
	for (i = 0; i < 10; i++)
		n += snprintf(in + n, sizeof(in) - n, "X-Pad%02zu: %031zu\r\n",
			      i, i);
	n += snprintf(in + n, sizeof(in) - n, "\r\n%s%s", smug_body,
		      smug_hidden);
	t_feed_all_splits("head over cap: smuggling", &lim, in, n, r);
	check_n("head over cap: smuggling", r, 2);
	check_body("head over cap: smuggling", &r->req[0], smug_body, 47);
	check_anom("head over cap: smuggling", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_HEAD_TRUNCATED);
	t_check_str("head over cap: hidden request", "uri", r->req[1].uri,
		    "/admin?id=1");
	check_skipped("head over cap: smuggling", r, 0);
	run_del(r);

	/* chunked, with the Transfer-Encoding folded past the cap */
	r = run_new();
	n = 0;
	n += snprintf(in + n, sizeof(in) - n, "POST /c HTTP/1.1\r\n");
	for (i = 0; i < 10; i++)
		n += snprintf(in + n, sizeof(in) - n, "X-Pad%02zu: %031zu\r\n",
			      i, i);
	n += snprintf(in + n, sizeof(in) - n,
		      "Transfer-Encoding: gzip,\r\n chunked\r\n\r\n"
		      "3\r\nabc\r\n0\r\n\r\nGET /n HTTP/1.1\r\n\r\n");
	t_feed_all_splits("head over cap: chunked", &lim, in, n, r);
	check_n("head over cap: chunked", r, 2);
	check_body("head over cap: chunked", &r->req[0], "abc", 3);
	check_anom("head over cap: chunked", &r->req[0],
		   ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_HEAD_TRUNCATED |
			   ENF_ANOM_BAD_TRANSFER_ENCODING | ENF_ANOM_OBS_FOLD |
			   TEO);
	t_check_str("head over cap: chunked, next", "uri", r->req[1].uri, "/n");
	check_skipped("head over cap: chunked", r, 0);
	run_del(r);
}

static void test_resync_after_garbage(void **state)
{
	static const char garbage[] = "\x16\x03\x01\x02\x00 tls hello\r\n"
				      "SSH-2.0-x\r\n"
				      "GET / HTTP/2.0\r\n"
				      "GET\r\n"
				      "not a request HTTP/1.1x\r\n";
	static const char req[] = "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n";
	struct t_run *r = run_new();
	char in[512];

	(void)state;
	memcpy(in, garbage, sizeof(garbage) - 1);
	memcpy(in + sizeof(garbage) - 1, req, sizeof(req) - 1);
	t_feed_all_splits("garbage", NULL, in,
			  sizeof(garbage) - 1 + sizeof(req) - 1, r);
	check_n("garbage", r, 1);
	t_check_str("garbage: request after it", "uri", r->req[0].uri, "/ok");
	check_anom("garbage: request after it", &r->req[0], ENF_ANOM_RESYNC);
	check_skipped("garbage", r, sizeof(garbage) - 1);
	run_del(r);
}

/* A long run of garbage with no line end, fed in chunks: nothing kept but a
 * line's worth, every byte counted. */
static void test_resync_after_long_garbage(void **state)
{
	static const char req[] = "\nPOST /x?a=1 HTTP/1.1\r\n\r\n";
	struct t_run *r = run_new();
	struct enf_http1 *p = NULL;
	char chunk[4096];
	size_t i;
	int ret;

	(void)state;
	memset(chunk, 'A', sizeof(chunk));
	assert_int_equal(enf_http1_new(NULL, &p), 0);
	for (i = 0; i < 256; i++) {
		ret = enf_http1_feed(p, chunk, sizeof(chunk), t_collect, r);
		T_CHECK(ret == 0, "long garbage: feed %zu returned %d", i, ret);
	}
	ret = enf_http1_feed(p, req, sizeof(req) - 1, t_collect, r);
	T_CHECK(ret == 0, "long garbage: feed of the request returned %d", ret);
	check_n("long garbage", r, 1);
	t_check_str("long garbage: request after it", "uri", r->req[0].uri,
		    "/x?a=1");
	T_CHECK(enf_http1_skipped(p) == 256 * sizeof(chunk) + 1,
		"long garbage: skipped %llu, want %zu",
		(unsigned long long)enf_http1_skipped(p),
		256 * sizeof(chunk) + 1);
	enf_http1_free(p);
	run_del(r);
}

static void test_resync_mid_body(void **state)
{
	struct t_run *r = run_new();

	(void)state;
	/* joined in a form body that has no line end: glued to the next one */
	t_feed_all_splits(
		"mid-body, no line end", NULL,
		IN("ue&b=2&c=3POST /next HTTP/1.1\r\nContent-Length: 2\r\n\r\n"
		   "okGET /x HTTP/1.1\r\n\r\n"),
		r);
	check_n("mid-body, no line end", r, 2);
	t_check_str("mid-body, no line end", "method", r->req[0].method,
		    "POST");
	t_check_str("mid-body, no line end", "line", r->req[0].line,
		    "POST /next HTTP/1.1");
	check_body("mid-body, no line end", &r->req[0], "ok", 2);
	check_anom("mid-body, no line end", &r->req[0], ENF_ANOM_RESYNC);
	check_anom("mid-body, no line end: next", &r->req[1], 0);
	t_check_str("mid-body, no line end: next", "uri", r->req[1].uri, "/x");
	check_skipped("mid-body, no line end", r, 10);
	run_del(r);

	/* joined in a text body: its lines go, then the glued request */
	r = run_new();
	t_feed_all_splits("mid-body, lines", NULL,
			  IN("ding\r\nline two of body\r\nthe end"
			     "GET /after HTTP/1.1\r\nHost: h\r\n\r\n"),
			  r);
	check_n("mid-body, lines", r, 1);
	t_check_str("mid-body, lines", "line", r->req[0].line,
		    "GET /after HTTP/1.1");
	check_anom("mid-body, lines", &r->req[0], ENF_ANOM_RESYNC);
	check_skipped("mid-body, lines", r, 6 + 18 + 7);
	run_del(r);

	/* joined in a chunked body */
	r = run_new();
	t_feed_all_splits("mid-chunked", NULL,
			  IN("lo\r\n0\r\n\r\nGET /c HTTP/1.1\r\n\r\n"), r);
	check_n("mid-chunked", r, 1);
	t_check_str("mid-chunked", "uri", r->req[0].uri, "/c");
	check_skipped("mid-chunked", r, 4 + 3);
	run_del(r);

	/* an unregistered method that ends in a registered one was glued */
	r = run_new();
	t_feed_all_splits("glued method", NULL,
			  IN("helloGET /g HTTP/1.1\r\n\r\n"
			     "PURGE /cache HTTP/1.1\r\n\r\n"),
			  r);
	check_n("glued method", r, 2);
	t_check_str("glued method", "method", r->req[0].method, "GET");
	t_check_str("extension method kept", "method", r->req[1].method,
		    "PURGE");
	check_skipped("glued method", r, 5);
	run_del(r);
}

static void test_callback_stops_feeding(void **state)
{
	static const char three[] = "GET /1 HTTP/1.1\r\n\r\n"
				    "GET /2 HTTP/1.1\r\n\r\n"
				    "GET /3 HTTP/1.1\r\n\r\n";
	struct t_run *r = run_new();
	struct enf_http1 *p = NULL;
	int ret;

	(void)state;
	r->stop_at = 2;
	r->stop_rc = 42;
	t_feed_all_splits("stop", NULL, three, sizeof(three) - 1, r);
	T_CHECK(r->ret == 42, "stop: feed returned %d, want 42", r->ret);
	check_n("stop: no request after the stop", r, 2);
	run_del(r);

	/* a negative return comes back as is; the parser goes on afterwards */
	r = run_new();
	r->stop_at = 1;
	r->stop_rc = -ECANCELED;
	assert_int_equal(enf_http1_new(NULL, &p), 0);
	ret = enf_http1_feed(p, three, sizeof(three) - 1, t_collect, r);
	T_CHECK(ret == -ECANCELED, "stop: feed returned %d, want %d", ret,
		-ECANCELED);
	check_n("stop: negative", r, 1);
	r->stop_at = 0;
	ret = enf_http1_feed(p, IN("GET /4 HTTP/1.1\r\n\r\n"), t_collect, r);
	T_CHECK(ret == 0, "stop: feed after the stop returned %d", ret);
	check_n("stop: parser usable after the stop", r, 2);
	t_check_str("stop: next request", "uri", r->req[1].uri, "/4");
	T_CHECK(enf_http1_skipped(p) == 0, "stop: skipped %llu",
		(unsigned long long)enf_http1_skipped(p));
	enf_http1_free(p);
	run_del(r);
}

/* A parser reused across many requests keeps nothing of the earlier ones. */
static void test_keep_alive_reuse(void **state)
{
	struct enf_http1 *p = NULL;
	struct t_run *r = run_new();
	size_t i;

	(void)state;
	assert_int_equal(enf_http1_new(NULL, &p), 0);
	for (i = 0; i < 200; i++) {
		char in[256];
		size_t n;

		n = snprintf(in, sizeof(in),
			     "POST /r%zu?i=%zu HTTP/1.1\r\n%s"
			     "Content-Length: %zu\r\n\r\n%.*s",
			     i, i, i % 2 ? "X-Odd: 1\r\n" : "", i % 7,
			     (int)(i % 7), "abcdefg");
		assert_int_equal(enf_http1_feed(p, in, n, t_collect, r), 0);
	}
	check_n("keep-alive", r, 200);
	for (i = 0; i < r->n; i++) {
		T_CHECK(r->req[i].n_headers == 1 + i % 2,
			"keep-alive: request %zu has %zu headers", i,
			r->req[i].n_headers);
		T_CHECK(r->req[i].body_len == i % 7,
			"keep-alive: request %zu body_len %llu", i,
			(unsigned long long)r->req[i].body_len);
		T_CHECK(r->req[i].n_args == 1 && r->req[i].anomalies == 0,
			"keep-alive: request %zu: %s", i, r->dump[i]);
	}
	enf_http1_free(p);
	run_del(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_default),
		cmocka_unit_test(test_new_and_feed_reject_bad_arguments),
		cmocka_unit_test(test_clean_requests_have_no_anomaly),
		cmocka_unit_test(test_each_anomaly_bit_by_its_trigger),
		cmocka_unit_test(test_cap_101_headers_keeps_100),
		cmocka_unit_test(test_cap_long_lines),
		cmocka_unit_test(test_cap_args),
		cmocka_unit_test(test_bad_escapes_kept_literally),
		cmocka_unit_test(test_bad_request_line_at_boundary),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_body_truncated),
		cmocka_unit_test(test_content_length_forms),
		cmocka_unit_test(test_transfer_encoding_forms),
		cmocka_unit_test(test_bad_chunks),
		cmocka_unit_test(test_obs_fold),
		cmocka_unit_test(test_smuggling_reviewer_payloads),
		cmocka_unit_test(test_smuggling_framing_variants),
		cmocka_unit_test(test_framing_folded_invalid),
		cmocka_unit_test(test_version_forms),
		cmocka_unit_test(test_version_on_a_cut_line),
		cmocka_unit_test(test_http09),
		cmocka_unit_test(test_head_over_cap),
		cmocka_unit_test(test_resync_after_garbage),
		cmocka_unit_test(test_resync_after_long_garbage),
		cmocka_unit_test(test_resync_mid_body),
		cmocka_unit_test(test_callback_stops_feeding),
		cmocka_unit_test(test_keep_alive_reuse),
	};

	return cmocka_run_group_tests_name("http1_anomaly", tests, NULL, NULL);
}
