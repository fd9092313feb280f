// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HTTP/1.1 response parser: status lines good and bad, pipelined responses,
 * responses to HEAD (told and not told), 1xx before the final response,
 * 204 and 304, chunked with trailers, close-delimited bodies, the end of the
 * stream cutting a response, 101 and CONNECT tunnels, the request queue's
 * cap and the head caps. Every input is fed whole, split at every byte and
 * one byte at a time, with the same result.
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

#include "enforcer/http/http1.h"

#define IN(s) s, sizeof(s) - 1
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define R_MAX 32

#define T_CHECK(cond, ...)                     \
	do {                                   \
		if (!(cond))                   \
			fail_msg(__VA_ARGS__); \
	} while (0)

/* What one run handed out: each response as canonical text, and the
 * fields the checks look at. */
struct r_run {
	char *dump[R_MAX];
	unsigned int status[R_MAX];
	uint64_t body_len[R_MAX];
	uint64_t anom[R_MAX];
	size_t n;
	uint64_t skipped;
	int ret;
	size_t stop_at; /* the callback returns 7 for response stop_at */
};

static void r_esc(char **p, size_t *cap, size_t *len, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (*len + 8 > *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*p = realloc(*p, *cap);
			assert_non_null(*p);
		}
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '|')
			(*p)[(*len)++] = c;
		else
			*len += snprintf(*p + *len, 8, "\\x%02x", c);
	}
	(*p)[*len] = '\0';
}

/* @s as is: the separators */
static void r_raw(char **p, size_t *cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	while (*len + n + 1 > *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*p = realloc(*p, *cap);
		assert_non_null(*p);
	}
	memcpy(*p + *len, s, n + 1);
	*len += n;
}

static int r_collect(const struct enf_response *resp, void *ctx)
{
	struct r_run *r = ctx;
	char *d = NULL, num[96];
	size_t cap = 0, len = 0, i;

	T_CHECK(r->n < R_MAX, "collector: more than %d responses", R_MAX);
	T_CHECK(resp->protocol.ptr && resp->reason.ptr,
		"shape: a string field of the response is NULL");
	T_CHECK(resp->stream_id == 0, "shape: stream_id %u for HTTP/1",
		resp->stream_id);
	r_esc(&d, &cap, &len, resp->protocol.ptr, resp->protocol.len);
	snprintf(num, sizeof(num), "|%u|", resp->status);
	r_raw(&d, &cap, &len, num);
	r_esc(&d, &cap, &len, resp->reason.ptr, resp->reason.len);
	for (i = 0; i < resp->n_headers; i++) {
		r_raw(&d, &cap, &len, "|");
		r_esc(&d, &cap, &len, resp->headers[i].name.ptr,
		      resp->headers[i].name.len);
		r_raw(&d, &cap, &len, "=");
		r_esc(&d, &cap, &len, resp->headers[i].value.ptr,
		      resp->headers[i].value.len);
	}
	snprintf(num, sizeof(num), "|BL:%llu|X:0x%llx",
		 (unsigned long long)resp->body_len,
		 (unsigned long long)resp->anomalies);
	r_raw(&d, &cap, &len, num);
	r->dump[r->n] = d;
	r->status[r->n] = resp->status;
	r->body_len[r->n] = resp->body_len;
	r->anom[r->n] = resp->anomalies;
	r->n++;
	return r->stop_at && r->n == r->stop_at ? 7 : 0;
}

static void r_free(struct r_run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->dump[i]);
	memset(r, 0, sizeof(*r));
}

/*
 * One run: the methods told first (as the daemon does as it hands out the
 * requests), then @in split at @split (0: whole; SIZE_MAX: one byte at a
 * time), then the end of the stream when @finish.
 */
static void r_feed(const struct enf_http_limits *lim, const char *const *m,
		   const char *in, size_t len, size_t split, bool finish,
		   struct r_run *r)
{
	struct enf_http1_resp *p = NULL;
	size_t off = 0;

	assert_int_equal(enf_http1_resp_new(lim, &p), 0);
	for (; m && *m; m++)
		assert_int_equal(enf_http1_resp_expect(p, *m, strlen(*m)), 0);
	r->ret = 0;
	while (off < len && !r->ret) {
		size_t n = len - off;

		if (split == SIZE_MAX)
			n = 1;
		else if (split && off < split)
			n = split - off;
		r->ret = enf_http1_resp_feed(p, in + off, n, r_collect, r);
		off += n;
	}
	if (finish && !r->ret)
		r->ret = enf_http1_resp_finish(p, r_collect, r);
	r->skipped = enf_http1_resp_skipped(p);
	enf_http1_resp_free(p);
}

static void r_same(const char *name, const char *how, const struct r_run *a,
		   const struct r_run *b)
{
	size_t i;

	T_CHECK(a->n == b->n, "%s: %s: %zu responses, whole gave %zu", name,
		how, b->n, a->n);
	for (i = 0; i < a->n; i++)
		T_CHECK(!strcmp(a->dump[i], b->dump[i]),
			"%s: %s: response %zu differs:\n  whole: %s\n  split: %s",
			name, how, i, a->dump[i], b->dump[i]);
	T_CHECK(a->skipped == b->skipped && a->ret == b->ret,
		"%s: %s: skipped %llu ret %d, whole gave %llu ret %d", name,
		how, (unsigned long long)b->skipped, b->ret,
		(unsigned long long)a->skipped, a->ret);
}

/* @r gets the whole-input run; every split must give the same. */
static void r_all_splits(const char *name, const struct enf_http_limits *lim,
			 const char *const *m, const char *in, size_t len,
			 bool finish, struct r_run *r)
{
	struct r_run s = { 0 };
	size_t i;
	char how[64];

	r_feed(lim, m, in, len, 0, finish, r);
	for (i = 1; i < len; i++) {
		s.stop_at = r->stop_at;
		r_feed(lim, m, in, len, i, finish, &s);
		snprintf(how, sizeof(how), "split at byte %zu", i);
		r_same(name, how, r, &s);
		r_free(&s);
	}
	s.stop_at = r->stop_at;
	r_feed(lim, m, in, len, SIZE_MAX, finish, &s);
	r_same(name, "one byte at a time", r, &s);
	r_free(&s);
}

struct rw {
	unsigned int status;
	uint64_t body_len;
	uint64_t anom;
};

static void r_check(const char *name, const struct r_run *r, size_t n,
		    const struct rw *w, uint64_t skipped)
{
	size_t i;

	T_CHECK(r->n == n, "%s: %zu responses, want %zu", name, r->n, n);
	for (i = 0; i < n; i++) {
		T_CHECK(r->status[i] == w[i].status,
			"%s: response %zu: status %u, want %u (%s)", name, i,
			r->status[i], w[i].status, r->dump[i]);
		T_CHECK(r->body_len[i] == w[i].body_len,
			"%s: response %zu: body_len %llu, want %llu (%s)", name,
			i, (unsigned long long)r->body_len[i],
			(unsigned long long)w[i].body_len, r->dump[i]);
		T_CHECK(r->anom[i] == w[i].anom,
			"%s: response %zu: anomalies 0x%llx, want 0x%llx (%s)",
			name, i, (unsigned long long)r->anom[i],
			(unsigned long long)w[i].anom, r->dump[i]);
	}
	T_CHECK(r->skipped == skipped, "%s: skipped %llu, want %llu", name,
		(unsigned long long)r->skipped, (unsigned long long)skipped);
}

static void test_arguments(void **state)
{
	struct enf_http_limits lim;
	struct enf_http1_resp *p = (void *)&lim;

	(void)state;
	enf_http_limits_default(&lim);
	lim.max_line = 1;
	T_CHECK(enf_http1_resp_new(&lim, &p) == -EINVAL && !p,
		"new: max_line below the minimum accepted");
	enf_http1_resp_free(NULL);
	T_CHECK(enf_http1_resp_feed(NULL, "x", 1, NULL, NULL) == -EINVAL,
		"feed: NULL parser accepted");
	T_CHECK(enf_http1_resp_finish(NULL, NULL, NULL) == -EINVAL,
		"finish: NULL parser accepted");
	T_CHECK(enf_http1_resp_expect(NULL, "GET", 3) == -EINVAL,
		"expect: NULL parser accepted");
	assert_int_equal(enf_http1_resp_new(NULL, &p), 0);
	T_CHECK(enf_http1_resp_feed(p, NULL, 2, NULL, NULL) == -EINVAL,
		"feed: NULL data with a length accepted");
	T_CHECK(enf_http1_resp_expect(p, NULL, 2) == -EINVAL,
		"expect: NULL method with a length accepted");
	T_CHECK(enf_http1_resp_feed(p, IN("HTTP/1.1 204 No Content\r\n\r\n"),
				    NULL, NULL) == 0,
		"feed: NULL callback refused");
	enf_http1_resp_free(p);
}

static void test_pipelined(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\n"
				 "Content-Type: text/html\r\n"
				 "Content-Length: 3\r\n"
				 "\r\n"
				 "abc"
				 "HTTP/1.1 404 Not Found\r\n"
				 "Content-Length: 0\r\n"
				 "\r\n"
				 "HTTP/1.0 500 Internal Server Error\r\n"
				 "Content-Length: 2\r\n"
				 "\r\n"
				 "ok";
	static const struct rw w[] = { { 200, 3, 0 },
				       { 404, 0, 0 },
				       { 500, 2, 0 } };
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("pipelined", NULL, NULL, IN(in), false, &r);
	r_check("pipelined", &r, 3, w, 0);
	T_CHECK(!strcmp(r.dump[0], "HTTP/1.1|200|OK|Content-Type=text/html|"
				   "Content-Length=3|BL:3|X:0x0"),
		"pipelined: first response is %s", r.dump[0]);
	T_CHECK(!strcmp(r.dump[2], "HTTP/1.0|500|Internal Server Error|"
				   "Content-Length=2|BL:2|X:0x0"),
		"pipelined: reason with spaces: %s", r.dump[2]);
	r_free(&r);
}

/* Status only (what the daemon asks): the same statuses, framing and body
 * lengths, no header kept, no anomaly for it; whole and byte by byte. */
struct so_run {
	unsigned int status[4];
	uint64_t body_len[4];
	size_t n_headers, n;
	uint64_t anom;
};

static int so_collect(const struct enf_response *resp, void *ctx)
{
	struct so_run *r = ctx;

	if (r->n < 4) {
		r->status[r->n] = resp->status;
		r->body_len[r->n] = resp->body_len;
	}
	r->n++;
	r->n_headers += resp->n_headers;
	r->anom |= resp->anomalies;
	return 0;
}

static void test_status_only(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\n"
				 "Content-Type: text/html\r\n"
				 "Content-Length: 3\r\n"
				 "\r\n"
				 "abc"
				 "HTTP/1.1 200 OK\r\n"
				 "Transfer-Encoding: chunked\r\n"
				 "\r\n"
				 "4\r\nwxyz\r\n0\r\n\r\n"
				 "HTTP/1.1 404 Not Found\r\n"
				 "Content-Length: 0\r\n"
				 "\r\n";

	(void)state;
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct enf_http1_resp *p = NULL;
		struct so_run r = { 0 };

		assert_int_equal(enf_http1_resp_new(NULL, &p), 0);
		enf_http1_resp_status_only(p);
		if (bytewise) {
			for (size_t i = 0; i < sizeof(in) - 1; i++)
				enf_http1_resp_feed(p, in + i, 1, so_collect,
						    &r);
		} else {
			enf_http1_resp_feed(p, in, sizeof(in) - 1, so_collect,
					    &r);
		}
		T_CHECK(r.n == 3 && r.status[0] == 200 && r.body_len[0] == 3 &&
				r.status[1] == 200 && r.body_len[1] == 4 &&
				r.status[2] == 404 && r.body_len[2] == 0,
			"status only (%s): %zu responses, %u/%llu %u/%llu "
			"%u/%llu",
			bytewise ? "byte by byte" : "whole", r.n, r.status[0],
			(unsigned long long)r.body_len[0], r.status[1],
			(unsigned long long)r.body_len[1], r.status[2],
			(unsigned long long)r.body_len[2]);
		T_CHECK(r.n_headers == 0 && r.anom == 0,
			"status only: no header kept (%zu), no anomaly "
			"(0x%llx)",
			r.n_headers, (unsigned long long)r.anom);
		enf_http1_resp_free(p);
	}
}

/* The response to HEAD has no body whatever it says (RFC 9112 6.3). */
static void test_head(void **state)
{
	static const char in[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
		"hello"
		"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n"
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		"\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz";
	static const char *const told[] = { "GET", "HEAD", "HEAD", "GET",
					    NULL };
	static const struct rw w[] = {
		{ 200, 5, 0 }, { 200, 0, 0 }, { 200, 0, 0 }, { 200, 1, 0 }
	};
	static const struct rw w_untold[] = {
		{ 200, 5, 0 },
		/* 12 bytes of the next response taken as body */
		{ 200, 12, 0 },
		/* the rest of that response skipped, up to "HTTP/1." */
		{ 200, 1, ENF_ANOM_RESYNC },
	};
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("HEAD told", NULL, told, IN(in), false, &r);
	r_check("HEAD told", &r, 4, w, 0);
	r_free(&r);

	/* not told (the daemon gave no methods): the HEAD response's
	 * Content-Length eats "HTTP/1.1 200" of the next; " OK\r\n" and
	 * "Transfer-Encoding: chunked\r\n" are skipped, the empty line
	 * after them too, and the next status line is taken, flagged */
	r_all_splits("HEAD not told", NULL, NULL, IN(in), false, &r);
	r_check("HEAD not told", &r, 3, w_untold, 5 + 28);
	r_free(&r);
}

/* 1xx are handed out and do not take a request from the queue. */
static void test_interim(void **state)
{
	static const char in[] = "HTTP/1.1 100 Continue\r\n\r\n"
				 "HTTP/1.1 103 Early Hints\r\n"
				 "Link: </s.css>; rel=preload\r\n\r\n"
				 "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
				 "\r\nok"
				 "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n";
	static const char *const told[] = { "POST", "HEAD", NULL };
	static const struct rw w[] = {
		{ 100, 0, 0 }, { 103, 0, 0 }, { 201, 2, 0 }, { 200, 0, 0 }
	};
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("100-continue", NULL, told, IN(in), false, &r);
	r_check("100-continue", &r, 4, w, 0);
	T_CHECK(strstr(r.dump[1], "|Link=</s.css>; rel=preload|"),
		"100-continue: the 103's field: %s", r.dump[1]);
	r_free(&r);
}

static void test_no_body_statuses(void **state)
{
	static const char in[] =
		"HTTP/1.1 204 No Content\r\n"
		"Content-Length: 5\r\n\r\n"
		"HTTP/1.1 304 Not Modified\r\n"
		"Transfer-Encoding: chunked\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz";
	static const struct rw w[] = { { 204, 0, 0 },
				       { 304, 0, 0 },
				       { 200, 1, 0 } };
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("204 and 304", NULL, NULL, IN(in), false, &r);
	r_check("204 and 304", &r, 3, w, 0);
	r_free(&r);
}

static void test_chunked(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n"
				 "5;x=1\r\nhello\r\n006\r\n world\r\n0\r\n"
				 "Server-Timing: db;dur=53\r\n"
				 "Content-Length: 9\r\n\r\n"
				 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
				 "Transfer-Encoding: Chunked\r\n\r\n"
				 "1\r\nz\r\n0\r\n\r\n"
				 "HTTP/1.1 200 OK\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n"
				 "zz\r\n"
				 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const struct rw w[] = {
		/* a framing field in the trailers frames nothing */
		{ 200, 11, ENF_ANOM_BAD_HEADER },
		{ 200, 1, ENF_ANOM_CL_AND_TE | ENF_ANOM_TE_OBFUSCATED },
		{ 200, 0, ENF_ANOM_BAD_CHUNK },
		/* "zz\r\n" skipped */
		{ 200, 0, ENF_ANOM_RESYNC },
	};
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("chunked", NULL, NULL, IN(in), false, &r);
	r_check("chunked", &r, 4, w, 4);
	r_free(&r);
}

/* No framing field, or a final coding other than chunked: the body runs to
 * the end of the stream (RFC 9112 6.3 rules 4 and 8). */
static void test_close_delimited(void **state)
{
	static const char in[] =
		"HTTP/1.0 200 OK\r\nServer: old\r\n\r\n"
		"all of this\r\nHTTP/1.1 200 not a response\r\n"
		"\r\n";
	static const char gz[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
		"\r\n0123456789";
	static const struct rw w[] = { { 200, 13 + 29 + 2, 0 } };
	static const struct rw wgz[] = { { 200, 10, ENF_ANOM_TE_OBFUSCATED } };
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("close-delimited", NULL, NULL, IN(in), true, &r);
	r_check("close-delimited", &r, 1, w, 0);
	r_free(&r);
	/* nothing is handed out before the end */
	r_feed(NULL, NULL, IN(in), 0, false, &r);
	T_CHECK(r.n == 0, "close-delimited: %zu handed out before the end",
		r.n);
	r_free(&r);
	r_all_splits("close-delimited: gzip", NULL, NULL, IN(gz), true, &r);
	r_check("close-delimited: gzip", &r, 1, wgz, 0);
	r_free(&r);
}

/* The end of the stream cuts a response: handed out with what came. */
static void test_finish_cuts(void **state)
{
	static const struct {
		const char *name;
		const char *in;
		size_t len;
		size_t n;
		struct rw w;
		uint64_t skipped;
	} cases[] = {
		{ "cut in the head",
		  IN("HTTP/1.1 200 OK\r\nServer: x\r\nCon"),
		  1,
		  { 200, 0, ENF_ANOM_HEAD_TRUNCATED },
		  0 },
		{ "cut in a Content-Length body",
		  IN("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
		  1,
		  { 200, 3, ENF_ANOM_BAD_CONTENT_LENGTH },
		  0 },
		{ "cut in a chunked body",
		  IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "5\r\nab"),
		  1,
		  { 200, 2, ENF_ANOM_BAD_CHUNK },
		  0 },
		{ "cut in the status line", IN("HTTP/1.1 20"), 0, { 0 }, 11 },
		{ "cut after a CR", IN("HTTP/1.1 200 OK\r"), 0, { 0 }, 16 },
		{ "complete",
		  IN("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		  1,
		  { 200, 0, 0 },
		  0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct r_run r = { 0 };

		r_all_splits(cases[i].name, NULL, NULL, cases[i].in,
			     cases[i].len, true, &r);
		r_check(cases[i].name, &r, cases[i].n, &cases[i].w,
			cases[i].skipped);
		r_free(&r);
	}
}

static void test_status_lines(void **state)
{
	static const struct {
		const char *line; /* then "\r\nContent-Length: 1\r\n\r\nz\r\n" */
		unsigned int status; /* 0: not parsed */
		bool bad;
		bool taken; /* handed out at all */
	} lines[] = {
		{ "HTTP/1.1 200 OK", 200, false, true },
		{ "HTTP/1.0 404 ", 404, false, true },
		{ "HTTP/1.1 599 Odd\tbut fine", 599, false, true },
		{ "HTTP/1.1 200", 200, true, true },
		{ "HTTP/1.1 200 O\x01K", 200, true, true },
		{ "HTTP/1.1 20 OK", 0, true, true },
		{ "HTTP/1.1 2000 OK", 0, true, true },
		{ "HTTP/1.1 099 Low", 0, true, true },
		{ "HTTP/1.1  200 OK", 0, true, true },
		{ "HTTP/1.10 200 OK", 0, true, true },
		{ "HTTP/1.1 OK", 0, true, true },
		{ "HTTP/2 200 OK", 0, false, false },
		{ "HTTP/1 200 OK", 0, false, false },
		{ "http/1.1 200 OK", 0, false, false },
		{ " HTTP/1.1 200 OK", 0, false, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		struct r_run r = { 0 };
		char in[256], name[96];
		size_t n, ll = strlen(lines[i].line);

		n = snprintf(in, sizeof(in),
			     "%s\r\nContent-Length: 1\r\n\r\nz\r\n"
			     "HTTP/1.1 204 No Content\r\n\r\n",
			     lines[i].line);
		snprintf(name, sizeof(name), "status line '%s'", lines[i].line);
		r_all_splits(name, NULL, NULL, in, n, false, &r);
		if (lines[i].taken) {
			struct rw w[2] = {
				{ lines[i].status, 1,
				  lines[i].bad ? ENF_ANOM_BAD_STATUS_LINE : 0 },
				{ 204, 0, 0 },
			};

			r_check(name, &r, 2, w, 0);
		} else {
			/* skipped up to the next "HTTP/1." line: the line,
			 * "Content-Length: 1\r\n", "\r\n" (empty, not
			 * counted), "z\r\n" */
			struct rw w[1] = { { 204, 0, ENF_ANOM_RESYNC } };

			r_check(name, &r, 1, w, ll + 2 + 19 + 3);
		}
		r_free(&r);
	}
}

/* After skipped bytes only a well-formed status line is taken. */
static void test_resync(void **state)
{
	static const char in[] = "\x17\x03\x03 tls record\r\n"
				 "HTTP/1.1 abc\r\n"
				 "HTTP/1.1 302 Found\r\nLocation: /x\r\n"
				 "Content-Length: 0\r\n\r\n"
				 "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"
				 "body\r\n"
				 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const struct rw w[] = {
		{ 302, 0, ENF_ANOM_RESYNC },
		{ 200, 0, ENF_ANOM_BAD_CONTENT_LENGTH },
		{ 200, 0, ENF_ANOM_RESYNC },
	};
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("resync", NULL, NULL, IN(in), false, &r);
	r_check("resync", &r, 3, w, 16 + 14 + 6);
	r_free(&r);
}

/* After 101, or a 2xx to CONNECT, the flow is no longer HTTP/1. */
static void test_tunnels(void **state)
{
	static const char up[] = "HTTP/1.1 101 Switching Protocols\r\n"
				 "Upgrade: websocket\r\n\r\n"
				 "\x81\x05hello"
				 "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const char co[] = "HTTP/1.1 200 Connection established\r\n\r\n"
				 "\x16\x03\x01 HTTP/1.1 200 OK\r\n\r\n";
	static const char *const told[] = { "CONNECT", NULL };
	static const struct rw w101[] = { { 101, 0, 0 } };
	static const struct rw wco[] = { { 200, 0, 0 } };
	struct r_run r = { 0 };

	(void)state;
	r_all_splits("101", NULL, NULL, IN(up), true, &r);
	r_check("101", &r, 1, w101, 0);
	r_free(&r);
	r_all_splits("CONNECT", NULL, told, IN(co), true, &r);
	r_check("CONNECT", &r, 1, wco, 0);
	r_free(&r);
	/* not told it was CONNECT: a 200 without framing is close-delimited */
	r_all_splits("CONNECT not told", NULL, NULL, IN(co), true, &r);
	T_CHECK(r.n == 1 && r.body_len[0] == sizeof(co) - 1 - 39,
		"CONNECT not told: %zu responses", r.n);
	r_free(&r);
}

static void test_queue_cap(void **state)
{
	struct enf_http1_resp *p = NULL;
	struct r_run r = { 0 };
	size_t i;
	int err = 0;

	(void)state;
	assert_int_equal(enf_http1_resp_new(NULL, &p), 0);
	for (i = 0; i < 255; i++)
		assert_int_equal(enf_http1_resp_expect(p, "GET", 3), 0);
	assert_int_equal(enf_http1_resp_expect(p, "HEAD", 4), 0);
	err = enf_http1_resp_expect(p, "HEAD", 4);
	T_CHECK(err == -ENOSPC, "queue: the 257th request gave %d", err);
	/* 255 GETs with a body, the told HEAD, the untold one (framed as a
	 * GET's), each with Content-Length: 1 */
	for (i = 0; i < 257; i++) {
		static const char one[] =
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz";
		static const char head[] =
			"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n";

		if (i == 255)
			err = enf_http1_resp_feed(p, IN(head), r_collect, &r);
		else
			err = enf_http1_resp_feed(p, IN(one), r_collect, &r);
		assert_int_equal(err, 0);
		T_CHECK(r.n && r.body_len[r.n - 1] == (i == 255 ? 0 : 1),
			"queue: response %zu: body_len %llu", i,
			(unsigned long long)(r.n ? r.body_len[r.n - 1] : 9));
		if (r.n == R_MAX)
			r_free(&r);
	}
	/* drained: the queue takes requests again */
	T_CHECK(enf_http1_resp_expect(p, "HEAD", 4) == 0,
		"queue: refused after draining");
	r_free(&r);
	enf_http1_resp_free(p);
}

static void test_caps(void **state)
{
	struct enf_http_limits lim;
	struct r_run r = { 0 };
	char in[512];
	size_t n;

	(void)state;
	enf_http_limits_default(&lim);
	lim.max_line = 64;
	lim.max_headers = 2;
	n = snprintf(in, sizeof(in),
		     "HTTP/1.1 200 %080d\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
		     "Content-Length: 2\r\n\r\nokHTTP/1.1 204 x\r\n\r\n",
		     0);
	r_all_splits("caps", &lim, NULL, in, n, false, &r);
	{
		const struct rw w[] = {
			{ 200, 2,
			  ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_LINE_TOO_LONG },
			{ 204, 0, 0 },
		};

		r_check("caps", &r, 2, w, 0);
	}
	T_CHECK(!strncmp(r.dump[0], "HTTP/1.1|200|0000", 17) &&
			strstr(r.dump[0], "|A=1|B=2|BL:"),
		"caps: cut reason or headers kept: %s", r.dump[0]);
	r_free(&r);
}

static void test_callback_stops(void **state)
{
	static const char in[] = "HTTP/1.1 204 A\r\n\r\n"
				 "HTTP/1.1 204 B\r\n\r\n"
				 "HTTP/1.1 204 C\r\n\r\n";
	struct r_run r = { 0 };

	(void)state;
	r.stop_at = 2;
	r_all_splits("stop", NULL, NULL, IN(in), false, &r);
	T_CHECK(r.ret == 7 && r.n == 2, "stop: ret %d, %zu responses", r.ret,
		r.n);
	r_free(&r);
}

static const struct {
	const char *s;
	size_t len;
} pieces[] = {
	{ IN("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc") },
	{ IN("HTTP/1.1 100 Continue\r\n\r\n") },
	{ IN("HTTP/1.1 204 No Content\r\nX: 1\r\n 2\r\n\r\n") },
	{ IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3;e=\"q\"\r\nabc\r\n0\r\nT: 1\r\n\r\n") },
	{ IN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") },
	{ IN("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n") },
	{ IN("junk\r\n") },
	{ IN("\r\n") },
	{ IN("HTTP/1.1 2x0 Bad\r\nContent-Length: 0\r\n\r\n") },
	{ IN("HTTP/1.1 200 O\rK\nContent-Length: 1\n\nz") },
	/* field lines read whole eight bytes at a time: a bare CR and a NUL
	 * past the first eight, at each offset in a word */
	{ IN("HTTP/1.1 200 OK\r\nX-Long-Field-Name: some value\rwith CR\r\n"
	     "X-Other-Field: abc\0def\r\nX-Third: 0123456\r7\r\n"
	     "Content-Length: 0\r\n\r\n") },
	{ IN("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n") },
	{ IN("HTTP/1.1 200 OK\r\nX-Long: "
	     "0123456789012345678901234567890123456789012345678901234567890123"
	     "\r\nContent-Length: 2\r\n\r\nok") },
};

static uint32_t rnd_next(uint64_t *st)
{
	/* a fixed LCG: the same streams and chunkings on every run */
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

/* Streams of the pieces above in a random order, fed whole and in random
 * chunkings, then finished: every chunking gives what the whole gave. */
static void test_random_streams(void **state)
{
	struct enf_http_limits lim;
	uint64_t st = 0x7e57, seen = 0;
	size_t s, k, total = 0;
	char *in = malloc(8192);

	(void)state;
	assert_non_null(in);
	enf_http_limits_default(&lim);
	lim.max_line = 64;
	lim.max_headers = 2;
	for (s = 0; s < 40; s++) {
		size_t len = 0, n = 1 + rnd_next(&st) % 12, i;
		struct r_run whole = { 0 };

		for (i = 0; i < n; i++) {
			size_t j = rnd_next(&st) % ARRAY_SIZE(pieces);

			memcpy(in + len, pieces[j].s, pieces[j].len);
			len += pieces[j].len;
		}
		r_feed(&lim, NULL, in, len, 0, true, &whole);
		for (k = 0; k < 20; k++) {
			struct enf_http1_resp *p = NULL;
			struct r_run part = { 0 };
			size_t off = 0;
			char how[64];

			assert_int_equal(enf_http1_resp_new(&lim, &p), 0);
			while (off < len) {
				size_t m = 1 + rnd_next(&st) % 37;

				if (m > len - off)
					m = len - off;
				part.ret = enf_http1_resp_feed(
					p, in + off, m, r_collect, &part);
				off += m;
			}
			part.ret = enf_http1_resp_finish(p, r_collect, &part);
			part.skipped = enf_http1_resp_skipped(p);
			enf_http1_resp_free(p);
			snprintf(how, sizeof(how), "chunking %zu", k);
			r_same("random stream", how, &whole, &part);
			r_free(&part);
		}
		for (i = 0; i < whole.n; i++)
			seen |= whole.anom[i];
		total += whole.n;
		r_free(&whole);
	}
	free(in);
	T_CHECK(total > 100 && (seen & ENF_ANOM_BAD_STATUS_LINE) &&
			(seen & ENF_ANOM_RESYNC) &&
			(seen & ENF_ANOM_BAD_CHUNK) &&
			(seen & ENF_ANOM_BARE_CR) &&
			(seen & ENF_ANOM_LINE_TOO_LONG),
		"random streams: %zu responses, anomalies seen 0x%llx", total,
		(unsigned long long)seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_status_only),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_interim),
		cmocka_unit_test(test_no_body_statuses),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_close_delimited),
		cmocka_unit_test(test_finish_cuts),
		cmocka_unit_test(test_status_lines),
		cmocka_unit_test(test_resync),
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test(test_queue_cap),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_random_streams),
	};

	return cmocka_run_group_tests_name("http1_resp", tests, NULL, NULL);
}
