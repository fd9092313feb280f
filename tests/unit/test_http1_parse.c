// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HTTP/1.1 parser: a table of requests with the fields they must give. Each
 * input is fed whole and checked against the table, then fed split at every
 * byte boundary and one byte at a time: every split must give exactly what
 * the whole input gave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_http1.h"

#define T_FIELDS 8

struct t_kv {
	const char *name;
	const char *value;
};

struct t_want {
	const char *method;
	const char *uri;
	const char *path;
	const char *query;
	const char *protocol;
	const char *line;
	struct t_kv headers[T_FIELDS];
	size_t n_headers;
	struct t_kv args[T_FIELDS];
	size_t n_args;
	const char *body;
	size_t body_kept; /* bytes of @body (it may hold NUL) */
	uint64_t body_len;
	uint64_t anomalies;
};

struct t_case {
	const char *name;
	const char *in;
	size_t len;
	struct t_want want[2];
	size_t n;
	uint64_t skipped;
};

#define IN(s) s, sizeof(s) - 1

static const struct t_case cases[] = {
	{
		.name = "GET with query",
		IN("GET /search?q=hello+world&lang=en HTTP/1.1\r\n"
		   "Host: example.com\r\n"
		   "User-Agent: curl/8.0\r\n"
		   "Accept: */*\r\n"
		   "\r\n"),
		.n = 1,
		.want = { {
			.method = "GET",
			.uri = "/search?q=hello+world&lang=en",
			.path = "/search",
			.query = "q=hello+world&lang=en",
			.protocol = "HTTP/1.1",
			.line = "GET /search?q=hello+world&lang=en HTTP/1.1",
			.headers = { { "Host", "example.com" },
				     { "User-Agent", "curl/8.0" },
				     { "Accept", "*/*" } },
			.n_headers = 3,
			.args = { { "q", "hello world" }, { "lang", "en" } },
			.n_args = 2,
			.body = "",
		} },
	},
	{
		.name = "POST with Content-Length body",
		IN("POST /login HTTP/1.1\r\n"
		   "Host: app\r\n"
		   "Content-Type: application/x-www-form-urlencoded\r\n"
		   "Content-Length: 29\r\n"
		   "\r\n"
		   "user=admin&pass=x%27+OR+1%3D1"),
		.n = 1,
		.want = { {
			.method = "POST",
			.uri = "/login",
			.path = "/login",
			.query = "",
			.protocol = "HTTP/1.1",
			.line = "POST /login HTTP/1.1",
			.headers = { { "Host", "app" },
				     { "Content-Type",
				       "application/x-www-form-urlencoded" },
				     { "Content-Length", "29" } },
			.n_headers = 3,
			.body = "user=admin&pass=x%27+OR+1%3D1",
			.body_kept = 29,
			.body_len = 29,
		} },
	},
	{
		.name = "chunked POST with extensions and trailers",
		IN("POST /upload?id=7 HTTP/1.1\r\n"
		   "Host: h\r\n"
		   "Transfer-Encoding: chunked\r\n"
		   "\r\n"
		   "5;name=value\r\n"
		   "hello\r\n"
		   "6 ; ext=\"q;x\"\r\n"
		   " world\r\n"
		   "a\r\n"
		   "0123456789\r\n"
		   "0\r\n"
		   "X-Checksum: abc\r\n"
		   "X-More: 1\r\n"
		   "\r\n"),
		.n = 1,
		.want = { {
			.method = "POST",
			.uri = "/upload?id=7",
			.path = "/upload",
			.query = "id=7",
			.protocol = "HTTP/1.1",
			.line = "POST /upload?id=7 HTTP/1.1",
			.headers = { { "Host", "h" },
				     { "Transfer-Encoding", "chunked" } },
			.n_headers = 2,
			.args = { { "id", "7" } },
			.n_args = 1,
			.body = "hello world0123456789",
			.body_kept = 21,
			.body_len = 21,
		} },
	},
	{
		.name = "pipelined pair",
		IN("GET /a HTTP/1.1\r\n"
		   "Host: h\r\n"
		   "\r\n"
		   "POST /b?x=1 HTTP/1.1\r\n"
		   "Host: h\r\n"
		   "Content-Length: 3\r\n"
		   "\r\n"
		   "xyz"),
		.n = 2,
		.want = {
			{
				.method = "GET",
				.uri = "/a",
				.path = "/a",
				.query = "",
				.protocol = "HTTP/1.1",
				.line = "GET /a HTTP/1.1",
				.headers = { { "Host", "h" } },
				.n_headers = 1,
				.body = "",
			},
			{
				.method = "POST",
				.uri = "/b?x=1",
				.path = "/b",
				.query = "x=1",
				.protocol = "HTTP/1.1",
				.line = "POST /b?x=1 HTTP/1.1",
				.headers = { { "Host", "h" },
					     { "Content-Length", "3" } },
				.n_headers = 2,
				.args = { { "x", "1" } },
				.n_args = 1,
				.body = "xyz",
				.body_kept = 3,
				.body_len = 3,
			},
		},
	},
	{
		.name = "duplicate header names, OWS trimmed",
		IN("GET /d HTTP/1.0\r\n"
		   "Cookie: a=1\r\n"
		   "Host: h\r\n"
		   "cookie: b=2\r\n"
		   "X-Empty:\r\n"
		   "X-Pad: \t padded  value \t\r\n"
		   "COOKIE:c=3\r\n"
		   "\r\n"),
		.n = 1,
		.want = { {
			.method = "GET",
			.uri = "/d",
			.path = "/d",
			.query = "",
			.protocol = "HTTP/1.0",
			.line = "GET /d HTTP/1.0",
			.headers = { { "Cookie", "a=1" },
				     { "Host", "h" },
				     { "cookie", "b=2" },
				     { "X-Empty", "" },
				     { "X-Pad", "padded  value" },
				     { "COOKIE", "c=3" } },
			.n_headers = 6,
			.body = "",
		} },
	},
	{
		.name = "percent-decoding and '+'",
		IN("GET /p%20x?na%6De=J%C3%B6rg+M&x=%41%42&flag&&k=a%3Db&=v"
		   "&sp=a+%2B+b HTTP/1.1\r\n"
		   "Host: h\r\n"
		   "\r\n"),
		.n = 1,
		.want = { {
			.method = "GET",
			.uri = "/p%20x?na%6De=J%C3%B6rg+M&x=%41%42&flag&&"
			       "k=a%3Db&=v&sp=a+%2B+b",
			.path = "/p%20x",
			.query = "na%6De=J%C3%B6rg+M&x=%41%42&flag&&k=a%3Db&=v"
				 "&sp=a+%2B+b",
			.protocol = "HTTP/1.1",
			.line = "GET /p%20x?na%6De=J%C3%B6rg+M&x=%41%42&flag&&"
				"k=a%3Db&=v&sp=a+%2B+b HTTP/1.1",
			.headers = { { "Host", "h" } },
			.n_headers = 1,
			.args = { { "name", "J\xc3\xb6rg M" },
				  { "x", "AB" },
				  { "flag", "" },
				  { "k", "a=b" },
				  { "", "v" },
				  { "sp", "a + b" } },
			.n_args = 6,
			.body = "",
		} },
	},
	{
		.name = "bare LF line endings",
		IN("GET /lf?a=1 HTTP/1.1\n"
		   "Host: x\n"
		   "\n"
		   "POST /c HTTP/1.1\n"
		   "Transfer-Encoding: chunked\n"
		   "\n"
		   "3\n"
		   "abc\n"
		   "0\n"
		   "\n"),
		.n = 2,
		.want = {
			{
				.method = "GET",
				.uri = "/lf?a=1",
				.path = "/lf",
				.query = "a=1",
				.protocol = "HTTP/1.1",
				.line = "GET /lf?a=1 HTTP/1.1",
				.headers = { { "Host", "x" } },
				.n_headers = 1,
				.args = { { "a", "1" } },
				.n_args = 1,
				.body = "",
				.anomalies = ENF_ANOM_BARE_LF,
			},
			{
				.method = "POST",
				.uri = "/c",
				.path = "/c",
				.query = "",
				.protocol = "HTTP/1.1",
				.line = "POST /c HTTP/1.1",
				.headers = { { "Transfer-Encoding",
					       "chunked" } },
				.n_headers = 1,
				.body = "abc",
				.body_kept = 3,
				.body_len = 3,
				.anomalies = ENF_ANOM_BARE_LF,
			},
		},
	},
	{
		.name = "empty lines before a request, no headers",
		IN("\r\n\n\r\nOPTIONS * HTTP/1.0\r\n\r\n"),
		.n = 1,
		.want = { {
			.method = "OPTIONS",
			.uri = "*",
			.path = "*",
			.query = "",
			.protocol = "HTTP/1.0",
			.line = "OPTIONS * HTTP/1.0",
			.body = "",
		} },
	},
	{
		.name = "binary body with NUL and CR",
		IN("PUT /bin HTTP/1.1\r\n"
		   "Content-Length: 5\r\n"
		   "\r\n"
		   "\x00\x01\xff\r\n"
		   "GET /after HTTP/1.1\r\n"
		   "\r\n"),
		.n = 2,
		.want = {
			{
				.method = "PUT",
				.uri = "/bin",
				.path = "/bin",
				.query = "",
				.protocol = "HTTP/1.1",
				.line = "PUT /bin HTTP/1.1",
				.headers = { { "Content-Length", "5" } },
				.n_headers = 1,
				.body = "\x00\x01\xff\r\n",
				.body_kept = 5,
				.body_len = 5,
			},
			{
				.method = "GET",
				.uri = "/after",
				.path = "/after",
				.query = "",
				.protocol = "HTTP/1.1",
				.line = "GET /after HTTP/1.1",
				.body = "",
			},
		},
	},
	{
		.name = "absolute-form target, CR inside a value",
		IN("GET http://h.example/x?y=1#f HTTP/1.1\r\n"
		   "X-Cr: a\rb\r\n"
		   "\r\n"),
		.n = 1,
		.want = { {
			.method = "GET",
			.uri = "http://h.example/x?y=1#f",
			/* the path after the authority (enf_http_derive) */
			.path = "/x",
			.query = "y=1#f",
			.protocol = "HTTP/1.1",
			.line = "GET http://h.example/x?y=1#f HTTP/1.1",
			.headers = { { "X-Cr", "a\rb" } },
			.n_headers = 1,
			.args = { { "y", "1#f" } },
			.n_args = 1,
			.body = "",
			/* kept as sent, flagged */
			.anomalies = ENF_ANOM_BARE_CR,
		} },
	},
	/* request lines nginx serves that are not " HTTP/1.x" at the end */
	{
		.name = "OWS after the version",
		IN("GET /ws HTTP/1.1  \r\n"
		   "Host: h\r\n"
		   "\r\n"
		   "GET /tab HTTP/1.0\t \t\r\n"
		   "\r\n"),
		.n = 2,
		.want = {
			{
				.method = "GET",
				.uri = "/ws",
				.path = "/ws",
				.query = "",
				.protocol = "HTTP/1.1",
				.line = "GET /ws HTTP/1.1  ",
				.headers = { { "Host", "h" } },
				.n_headers = 1,
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
			{
				.method = "GET",
				.uri = "/tab",
				.path = "/tab",
				.query = "",
				.protocol = "HTTP/1.0",
				.line = "GET /tab HTTP/1.0\t \t",
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
		},
	},
	{
		.name = "more minor digits",
		IN("GET /ten?a=1 HTTP/1.10\r\n"
		   "\r\n"
		   "GET /zero HTTP/1.01\r\n"
		   "Host: h\r\n"
		   "\r\n"),
		.n = 2,
		.want = {
			{
				.method = "GET",
				.uri = "/ten?a=1",
				.path = "/ten",
				.query = "a=1",
				.protocol = "HTTP/1.10",
				.line = "GET /ten?a=1 HTTP/1.10",
				.args = { { "a", "1" } },
				.n_args = 1,
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
			{
				.method = "GET",
				.uri = "/zero",
				.path = "/zero",
				.query = "",
				.protocol = "HTTP/1.01",
				.line = "GET /zero HTTP/1.01",
				.headers = { { "Host", "h" } },
				.n_headers = 1,
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
		},
	},
	{
		.name = "leading zeros in the major, with a body",
		IN("POST /form HTTP/01.1\r\n"
		   "Content-Length: 3\r\n"
		   "\r\n"
		   "a=b"
		   "GET /z HTTP/0001.1 \r\n"
		   "\r\n"),
		.n = 2,
		.want = {
			{
				.method = "POST",
				.uri = "/form",
				.path = "/form",
				.query = "",
				.protocol = "HTTP/01.1",
				.line = "POST /form HTTP/01.1",
				.headers = { { "Content-Length", "3" } },
				.n_headers = 1,
				.body = "a=b",
				.body_kept = 3,
				.body_len = 3,
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
			{
				.method = "GET",
				.uri = "/z",
				.path = "/z",
				.query = "",
				.protocol = "HTTP/0001.1",
				.line = "GET /z HTTP/0001.1 ",
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
		},
	},
	{
		.name = "runs of spaces around the target",
		IN("GET   /sp?q=1   HTTP/1.1\r\n"
		   "\r\n"),
		.n = 1,
		.want = { {
			.method = "GET",
			.uri = "/sp?q=1",
			.path = "/sp",
			.query = "q=1",
			.protocol = "HTTP/1.1",
			.line = "GET   /sp?q=1   HTTP/1.1",
			.args = { { "q", "1" } },
			.n_args = 1,
			.body = "",
			.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
		} },
	},
	{
		/* nginx serves it: no headers, no body, no protocol */
		.name = "HTTP/0.9 at a request boundary",
		IN("GET /nine?a=1\r\n"
		   "GET  /old \n"),
		.n = 2,
		.want = {
			{
				.method = "GET",
				.uri = "/nine?a=1",
				.path = "/nine",
				.query = "a=1",
				.protocol = "",
				.line = "GET /nine?a=1",
				.args = { { "a", "1" } },
				.n_args = 1,
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE,
			},
			{
				.method = "GET",
				.uri = "/old",
				.path = "/old",
				.query = "",
				.protocol = "",
				.line = "GET  /old ",
				.body = "",
				.anomalies = ENF_ANOM_BAD_REQUEST_LINE |
					     ENF_ANOM_BARE_LF,
			},
		},
	},
};

static void check_fields(const char *name, const char *what,
			 const struct enf_field *got, size_t n_got,
			 const struct t_kv *want, size_t n_want)
{
	size_t i;
	char field[64];

	T_CHECK(n_got == n_want, "%s: %zu %s, want %zu", name, n_got, what,
		n_want);
	for (i = 0; i < n_want; i++) {
		snprintf(field, sizeof(field), "%s[%zu].name", what, i);
		t_check_str(name, field, got[i].name, want[i].name);
		snprintf(field, sizeof(field), "%s[%zu].value", what, i);
		t_check_str(name, field, got[i].value, want[i].value);
	}
}

static void check_request(const char *name, const struct enf_request *got,
			  const struct t_want *w)
{
	t_check_str(name, "method", got->method, w->method);
	t_check_str(name, "uri", got->uri, w->uri);
	t_check_str(name, "path", got->path, w->path);
	t_check_str(name, "query", got->query, w->query);
	t_check_str(name, "protocol", got->protocol, w->protocol);
	t_check_str(name, "line", got->line, w->line);
	check_fields(name, "headers", got->headers, got->n_headers, w->headers,
		     w->n_headers);
	check_fields(name, "args", got->args, got->n_args, w->args, w->n_args);
	t_check_mem(name, "body", got->body, w->body, w->body_kept);
	T_CHECK(got->body_len == w->body_len, "%s: body_len %llu, want %llu",
		name, (unsigned long long)got->body_len,
		(unsigned long long)w->body_len);
	T_CHECK(got->anomalies == w->anomalies,
		"%s: anomalies 0x%llx, want 0x%llx", name,
		(unsigned long long)got->anomalies,
		(unsigned long long)w->anomalies);
}

static void test_table_whole_and_every_split(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct t_case *c = &cases[i];
		struct t_run *r = calloc(1, sizeof(*r));

		assert_non_null(r);
		t_feed_all_splits(c->name, NULL, c->in, c->len, r);
		T_CHECK(r->ret == 0, "%s: feed returned %d", c->name, r->ret);
		T_CHECK(r->n == c->n, "%s: %zu requests, want %zu", c->name,
			r->n, c->n);
		for (j = 0; j < c->n; j++) {
			char name[160];

			snprintf(name, sizeof(name), "%s, request %zu", c->name,
				 j);
			check_request(name, &r->req[j], &c->want[j]);
		}
		T_CHECK(r->skipped == c->skipped, "%s: skipped %llu, want %llu",
			c->name, (unsigned long long)r->skipped,
			(unsigned long long)c->skipped);
		t_run_free(r);
		free(r);
	}
}

/* All table inputs back to back on one stream: the same requests, in order. */
static void test_table_as_one_stream(void **state)
{
	size_t i, j, len = 0, n_want = 0, k = 0;
	struct t_run *r = calloc(1, sizeof(*r));
	char *all;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len += cases[i].len;
		n_want += cases[i].n;
	}
	all = malloc(len);
	assert_non_null(all);
	len = 0;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(all + len, cases[i].in, cases[i].len);
		len += cases[i].len;
	}
	t_feed_all_splits("all cases on one stream", NULL, all, len, r);
	T_CHECK(r->n == n_want, "one stream: %zu requests, want %zu", r->n,
		n_want);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < cases[i].n; j++) {
			char name[160];

			snprintf(name, sizeof(name),
				 "one stream: %s, request %zu", cases[i].name,
				 j);
			check_request(name, &r->req[k++], &cases[i].want[j]);
		}
	}
	T_CHECK(r->skipped == 0, "one stream: skipped %llu bytes",
		(unsigned long long)r->skipped);
	free(all);
	t_run_free(r);
	free(r);
}

/* Pieces that are not clean requests: garbage, broken framing, cut heads. */
static const struct {
	const char *s;
	size_t len;
} noise[] = {
	{ IN("junk line\r\n") },
	{ IN("\x00\xff\x16\x03 tls\r\n") },
	{ IN("no line end") },
	{ IN("\r\n") },
	{ IN("GET / HTTP/2.0\r\n") },
	{ IN("POST /cut HTTP/1.1\r\nContent-Length: 5\r\n\r\nab") },
	{ IN("POST /bad HTTP/1.1\r\nContent-Length: 1x\r\n\r\n") },
	{ IN("POST /ch HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\nzz\r\n") },
	{ IN("POST /te HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") },
	{ IN("GET /fold HTTP/1.1\r\nA: 1\r\n b\r\nNoColon\r\n\n") },
	{ IN("GET /a b HTTP/1.1\r\n\r\n") },
	{ IN("lo\r\n0\r\n\r\n") },
	{ IN("GET /e?a=%zz&b=%4 HTTP/1.1\r\n\r\n") },
	{ IN("POST /clte HTTP/1.1\r\nContent-Length: 3\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n1\r\nq\r\n0\r\n\r\n") },
	{ IN("POST /f HTTP/1.1\r\nContent-Length:\r\n 3\r\n\r\nabc") },
	{ IN("POST /t HTTP/1.1\r\nTransfer-Encoding:\r\n\tchunked\r\n\r\n"
	     "1\r\nz\r\n0\r\n\r\n") },
	{ IN("POST /pad HTTP/1.1\r\nContent-Length: 2                      "
	     "                                                  \r\n\r\nok") },
	{ IN("POST /fold47 HTTP/1.1\r\nContent-Length: 4\r\n 7\r\n\r\n") },
	{ IN("GET /nine\r\n") },
	{ IN("POST /dup HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n"
	     "\r\nz") },
	{ IN("GET /nul HTTP/1.1\r\nX-N: a\0b\r\n\r\n") },
	{ IN("POST /obf HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	     "1\r\nz\r\n0\r\n\r\n") },
	{ IN("POST /ghost HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n") },
	{ IN("GET  /v  HTTP/01.10 \t\r\n\r\n") },
	{ IN("GET /long?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=1 HTTP/1.1\r\n"
	     "X-Long: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	     "yyyyyyyyyyyyyyyyy\r\n\r\n") },
};

static uint32_t rnd_next(uint64_t *st)
{
	/* a fixed LCG: the same streams and chunkings on every run */
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

/*
 * Streams of table requests and noise, under the default caps and under
 * small ones (so every cap is hit somewhere), each fed whole and then in
 * random chunkings: every chunking must give what the whole stream gave.
 */
static void test_random_streams_any_chunking(void **state)
{
	struct enf_http_limits small = {
		.max_line = 64,
		.max_headers = 2,
		.max_header_bytes = 128,
		.max_args = 2,
		.max_body = 4,
	};
	const struct enf_http_limits *lims[] = { NULL, &small };
	uint64_t st = 0x5eed, seen_skipped = 0;
	size_t s, l, k, seen_reqs = 0;
	uint64_t seen_anom = 0;
	char *in = malloc(16384);

	(void)state;
	assert_non_null(in);
	for (s = 0; s < 40; s++) {
		size_t len = 0, pieces = 1 + rnd_next(&st) % 30;

		for (k = 0; k < pieces; k++) {
			const char *p;
			size_t n;

			if (rnd_next(&st) % 3) {
				const struct t_case *c =
					&cases[rnd_next(&st) %
					       (sizeof(cases) /
						sizeof(cases[0]))];
				p = c->in;
				n = c->len;
			} else {
				size_t i = rnd_next(&st) %
					   (sizeof(noise) / sizeof(noise[0]));
				p = noise[i].s;
				n = noise[i].len;
			}
			assert_true(len + n <= 16384);
			memcpy(in + len, p, n);
			len += n;
		}
		for (l = 0; l < sizeof(lims) / sizeof(lims[0]); l++) {
			struct t_run *whole = calloc(1, sizeof(*whole));
			struct t_run *part = calloc(1, sizeof(*part));

			assert_non_null(whole);
			assert_non_null(part);
			t_feed(lims[l], in, len, 0, whole);
			for (k = 0; k < 20; k++) {
				struct enf_http1 *p = NULL;
				size_t off = 0, i;

				assert_int_equal(enf_http1_new(lims[l], &p), 0);
				while (off < len) {
					size_t n = 1 + rnd_next(&st) % 97;

					if (n > len - off)
						n = len - off;
					part->ret = enf_http1_feed(p, in + off,
								   n, t_collect,
								   part);
					off += n;
				}
				part->skipped = enf_http1_skipped(p);
				enf_http1_free(p);
				T_CHECK(part->n == whole->n,
					"stream %zu, caps %zu, chunking %zu: "
					"%zu requests, whole gave %zu",
					s, l, k, part->n, whole->n);
				for (i = 0; i < whole->n; i++)
					T_CHECK(!strcmp(part->dump[i],
							whole->dump[i]),
						"stream %zu, caps %zu, chunking "
						"%zu: request %zu differs:\n"
						"  whole: %s\n  split: %s",
						s, l, k, i, whole->dump[i],
						part->dump[i]);
				T_CHECK(part->skipped == whole->skipped,
					"stream %zu, caps %zu, chunking %zu: "
					"skipped %llu, whole gave %llu",
					s, l, k,
					(unsigned long long)part->skipped,
					(unsigned long long)whole->skipped);
				t_run_free(part);
			}
			for (k = 0; k < whole->n; k++)
				seen_anom |= whole->req[k].anomalies;
			seen_reqs += whole->n;
			seen_skipped += whole->skipped;
			t_run_free(whole);
			free(whole);
			free(part);
		}
	}
	free(in);
	/* the streams did go through every path: all the parser's bits (the
	 * derived ones, from bodies and Host, are test_http_derive's), skips,
	 * requests */
	T_CHECK((seen_anom & ((ENF_ANOM_RESYNC << 1) - 1)) ==
			(ENF_ANOM_RESYNC << 1) - 1,
		"random streams: anomaly bits never met: 0x%llx",
		(unsigned long long)(~seen_anom &
				     ((ENF_ANOM_RESYNC << 1) - 1)));
	T_CHECK(seen_skipped > 0 && seen_reqs > 400,
		"random streams: %zu requests, %llu bytes skipped", seen_reqs,
		(unsigned long long)seen_skipped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_whole_and_every_split),
		cmocka_unit_test(test_table_as_one_stream),
		cmocka_unit_test(test_random_streams_any_chunking),
	};

	return cmocka_run_group_tests_name("http1_parse", tests, NULL, NULL);
}
