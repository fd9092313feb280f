// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcer/http/http2.c: frames built by hand and by libnghttp2's own client
 * session (so real encoder output is parsed), split invariance, the caps and
 * their anomalies, lost HPACK state, a connection seen from the middle,
 * responses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nghttp2/nghttp2.h>

#include "enforcer/http/http2.h"

#define CHECK(cond, ...)                       \
	do {                                   \
		if (!(cond))                   \
			fail_msg(__VA_ARGS__); \
	} while (0)

/* ---- byte buffers and hand-built frames ---- */

struct bb {
	uint8_t *p;
	size_t n;
	size_t cap;
};

static void bb_put(struct bb *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	if (n)
		memcpy(b->p + b->n, d, n);
	b->n += n;
}

static void bb_byte(struct bb *b, uint8_t c)
{
	bb_put(b, &c, 1);
}

static void bb_free(struct bb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

enum {
	T_DATA = 0,
	T_HEADERS = 1,
	T_PRIORITY = 2,
	T_RST = 3,
	T_SETTINGS = 4,
	T_PUSH = 5,
	T_PING = 6,
	T_GOAWAY = 7,
	T_WINDOW = 8,
	T_CONT = 9
};
#define F_ES 0x01
#define F_EH 0x04
#define F_PAD 0x08
#define F_PRIO 0x20

static void frame(struct bb *b, uint8_t type, uint8_t flags, uint32_t sid,
		  const void *payload, size_t len)
{
	uint8_t h[9] = {
		(uint8_t)(len >> 16),
		(uint8_t)(len >> 8),
		(uint8_t)len,
		type,
		flags,
		(uint8_t)(sid >> 24),
		(uint8_t)(sid >> 16),
		(uint8_t)(sid >> 8),
		(uint8_t)sid,
	};

	bb_put(b, h, 9);
	bb_put(b, payload, len);
}

static void preface(struct bb *b)
{
	bb_put(b, ENF_HTTP2_PREFACE, ENF_HTTP2_PREFACE_LEN);
	frame(b, T_SETTINGS, 0, 0, NULL, 0);
}

/* HPACK integer with an N-bit prefix, first byte's other bits in @first */
static void hp_int(struct bb *b, uint8_t first, unsigned int nbits, size_t v)
{
	size_t max = (1u << nbits) - 1;

	if (v < max) {
		bb_byte(b, first | (uint8_t)v);
		return;
	}
	bb_byte(b, first | (uint8_t)max);
	v -= max;
	while (v >= 128) {
		bb_byte(b, (uint8_t)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	bb_byte(b, (uint8_t)v);
}

/* Literal field without indexing, new name, plain strings (no table use). */
static void hp_lit_n(struct bb *b, const char *name, const char *value,
		     size_t vlen)
{
	bb_byte(b, 0x00);
	hp_int(b, 0, 7, strlen(name));
	bb_put(b, name, strlen(name));
	hp_int(b, 0, 7, vlen);
	bb_put(b, value, vlen);
}

static void hp_lit(struct bb *b, const char *name, const char *value)
{
	hp_lit_n(b, name, value, strlen(value));
}

/* A request head: pseudo-headers then regular fields, NULL-terminated
 * name/value pairs. */
static void hp_block(struct bb *b, const char *const *nv)
{
	for (; nv[0]; nv += 2)
		hp_lit(b, nv[0], nv[1]);
}

static void headers(struct bb *out, uint32_t sid, uint8_t flags,
		    const char *const *nv)
{
	struct bb blk = { 0 };

	hp_block(&blk, nv);
	frame(out, T_HEADERS, flags | F_EH, sid, blk.p, blk.n);
	bb_free(&blk);
}

static void data(struct bb *out, uint32_t sid, uint8_t flags, const char *s)
{
	frame(out, T_DATA, flags, sid, s, strlen(s));
}

#define GET(path)                                                           \
	(const char *const[])                                               \
	{                                                                   \
		":method", "GET", ":scheme", "https", ":authority",         \
			"example.com", ":path", path, "accept", "*/*", NULL \
	}

/* ---- collecting what the parser hands out ---- */

#define MAX_MSGS 64

struct run {
	char *dump[MAX_MSGS];
	uint64_t anom[MAX_MSGS];
	uint32_t sid[MAX_MSGS];
	unsigned int status[MAX_MSGS];
	size_t n;
	int rc;
	struct enf_http2_counters c;
	bool trusted;
};

static void dump_add(char **s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	*s = realloc(*s, *len + (size_t)k + 1);
	assert_non_null(*s);
	va_start(ap, fmt);
	vsnprintf(*s + *len, (size_t)k + 1, fmt, ap);
	va_end(ap);
	*len += (size_t)k;
}

#define S(x) (int)(x).len, (x).ptr

static int on_req(const struct enf_request *r, void *ctx)
{
	struct run *run = ctx;
	char *d = NULL;
	size_t dl = 0, i;

	assert_true(run->n < MAX_MSGS);
	dump_add(&d, &dl, "req sid=%u anom=%#llx\nline=%.*s\nmethod=%.*s\n",
		 r->stream_id, (unsigned long long)r->anomalies, S(r->line),
		 S(r->method));
	dump_add(&d, &dl, "uri=%.*s\nprotocol=%.*s\nhost=%.*s\n", S(r->uri),
		 S(r->protocol), S(r->host));
	for (i = 0; i < r->n_headers; i++)
		dump_add(&d, &dl, "h: %.*s=%.*s\n", S(r->headers[i].name),
			 S(r->headers[i].value));
	dump_add(&d, &dl, "body(%llu)=%.*s\n", (unsigned long long)r->body_len,
		 S(r->body));
	run->dump[run->n] = d;
	run->anom[run->n] = r->anomalies;
	run->sid[run->n] = r->stream_id;
	run->n++;
	return 0;
}

static int on_resp(const struct enf_response *r, void *ctx)
{
	struct run *run = ctx;
	char *d = NULL;
	size_t dl = 0, i;

	assert_true(run->n < MAX_MSGS);
	dump_add(&d, &dl, "resp sid=%u anom=%#llx status=%u proto=%.*s\n",
		 r->stream_id, (unsigned long long)r->anomalies, r->status,
		 S(r->protocol));
	for (i = 0; i < r->n_headers; i++)
		dump_add(&d, &dl, "h: %.*s=%.*s\n", S(r->headers[i].name),
			 S(r->headers[i].value));
	dump_add(&d, &dl, "body_len=%llu\n", (unsigned long long)r->body_len);
	run->dump[run->n] = d;
	run->anom[run->n] = r->anomalies;
	run->sid[run->n] = r->stream_id;
	run->status[run->n] = r->status;
	run->n++;
	return 0;
}

static void run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->dump[i]);
	memset(r, 0, sizeof(*r));
}

struct opts {
	const struct enf_http_limits *lim;
	enum enf_http2_side side;
	bool midstream;
	bool no_finish;
};

/* Feeds @in in pieces of @step bytes (0: whole; SIZE_MAX: split at @cut). */
static void feed(const struct opts *o, const uint8_t *in, size_t len,
		 size_t step, size_t cut, struct run *r)
{
	struct enf_http2 *p;
	size_t off = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = o->midstream ? enf_http2_new_midstream(o->lim, o->side, &p) :
			    enf_http2_new(o->lim, o->side, &p);
	assert_int_equal(rc, 0);
	while (off < len) {
		size_t k = len - off;

		if (step == SIZE_MAX)
			k = off < cut ? cut - off : len - off;
		else if (step && k > step)
			k = step;
		rc = enf_http2_feed(p, in + off, k, on_req, on_resp, r);
		assert_int_equal(rc, 0);
		off += k;
	}
	if (!o->no_finish)
		assert_int_equal(enf_http2_finish(p, on_req, on_resp, r), 0);
	enf_http2_counters(p, &r->c);
	r->trusted = enf_http2_trusted(p);
	enf_http2_free(p);
}

static void same_runs(const char *name, const struct run *a,
		      const struct run *b, const char *how)
{
	size_t i;

	CHECK(a->n == b->n, "%s: %s gave %zu messages, whole gave %zu", name,
	      how, b->n, a->n);
	for (i = 0; i < a->n; i++)
		CHECK(!strcmp(a->dump[i], b->dump[i]),
		      "%s: %s message %zu differs:\n%s---\n%s", name, how, i,
		      a->dump[i], b->dump[i]);
}

/* Whole, at every split point, and byte by byte: the same output. */
static void feed_all(const char *name, const struct opts *o, const uint8_t *in,
		     size_t len, struct run *r)
{
	struct run s;
	size_t cut;
	char how[64];

	feed(o, in, len, 0, 0, r);
	for (cut = 1; cut < len; cut++) {
		feed(o, in, len, SIZE_MAX, cut, &s);
		snprintf(how, sizeof(how), "split at %zu", cut);
		same_runs(name, r, &s, how);
		run_free(&s);
	}
	feed(o, in, len, 1, 0, &s);
	same_runs(name, r, &s, "byte by byte");
	run_free(&s);
	feed(o, in, len, 7, 0, &s);
	same_runs(name, r, &s, "7 bytes at a time");
	run_free(&s);
}

static bool has(const char *dump, const char *needle)
{
	return strstr(dump, needle) != NULL;
}

static const struct opts client = { NULL, ENF_HTTP2_CLIENT, false, false };

/* ---- libnghttp2 as the client ---- */

struct body_src {
	const char *p;
	size_t len;
	size_t off;
	const nghttp2_nv *trailers;
	size_t n_trailers;
};

static ssize_t body_read(nghttp2_session *s, int32_t sid, uint8_t *buf,
			 size_t length, uint32_t *flags,
			 nghttp2_data_source *src, void *ud)
{
	struct body_src *b = src->ptr;
	size_t k = b->len - b->off;

	(void)ud;
	if (k > length)
		k = length;
	memcpy(buf, b->p + b->off, k);
	b->off += k;
	if (b->off == b->len) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (b->trailers) {
			*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			assert_int_equal(nghttp2_submit_trailer(s, sid,
								b->trailers,
								b->n_trailers),
					 0);
		}
	}
	return (ssize_t)k;
}

#define NV(n, v)                                                              \
	{                                                                     \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, \
			NGHTTP2_NV_FLAG_NONE                                  \
	}

static nghttp2_session *ng_client(void)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_session *s;

	assert_int_equal(nghttp2_session_callbacks_new(&cbs), 0);
	assert_int_equal(nghttp2_session_client_new(&s, cbs, NULL), 0);
	nghttp2_session_callbacks_del(cbs);
	assert_int_equal(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0),
			 0);
	return s;
}

static void ng_drain(nghttp2_session *s, struct bb *out)
{
	for (;;) {
		const uint8_t *d;
		ssize_t n = nghttp2_session_mem_send(s, &d);

		assert_true(n >= 0);
		if (!n)
			break;
		bb_put(out, d, (size_t)n);
	}
}

static const nghttp2_nv ng_get[] = {
	NV(":method", "GET"),
	NV(":scheme", "https"),
	NV(":authority", "example.org"),
	NV(":path", "/index.html?q=1&r=2"),
	NV("user-agent", "test/1.0"),
	NV("accept", "text/html"),
	NV("cookie", "a=1"),
	NV("cookie", "b=2"),
};

static const nghttp2_nv ng_post[] = {
	NV(":method", "POST"),
	NV(":scheme", "https"),
	NV(":authority", "example.org"),
	NV(":path", "/login"),
	NV("content-type", "application/x-www-form-urlencoded"),
	NV("content-length", "21"),
};

static const nghttp2_nv ng_trailers[] = {
	NV("x-checksum", "abc123"),
};

/* Three requests through libnghttp2: GET, POST with a body and trailers,
 * GET again (dynamic table references). */
static void ng_three(struct bb *out)
{
	static const char body[] = "user=alice&pass=s3cr3";
	struct body_src src = { body, sizeof(body) - 1, 0, ng_trailers, 1 };
	nghttp2_data_provider prd = { .source.ptr = &src,
				      .read_callback = body_read };
	nghttp2_session *s = ng_client();

	assert_true(nghttp2_submit_request(s, NULL, ng_get, 8, NULL, NULL) ==
		    1);
	ng_drain(s, out);
	assert_true(nghttp2_submit_request(s, NULL, ng_post, 6, &prd, NULL) ==
		    3);
	ng_drain(s, out);
	assert_true(nghttp2_submit_request(s, NULL, ng_get, 8, NULL, NULL) ==
		    5);
	ng_drain(s, out);
	nghttp2_session_del(s);
}

static void ng_single_get(void **state)
{
	struct bb in = { 0 };
	nghttp2_session *s = ng_client();
	struct run r;

	(void)state;
	assert_int_equal(nghttp2_submit_request(s, NULL, ng_get, 8, NULL, NULL),
			 1);
	ng_drain(s, &in);
	nghttp2_session_del(s);
	feed_all("ng single GET", &client, in.p, in.n, &r);
	CHECK(r.n == 1, "ng single GET: one request, got %zu", r.n);
	CHECK(r.anom[0] == 0, "ng single GET: no anomaly (%#llx)",
	      (unsigned long long)r.anom[0]);
	CHECK(r.sid[0] == 1, "ng single GET: stream 1");
	CHECK(has(r.dump[0], "line=GET /index.html?q=1&r=2 HTTP/2.0\n"),
	      "ng single GET: line built:\n%s", r.dump[0]);
	CHECK(has(r.dump[0], "protocol=HTTP/2.0\nhost=example.org\n"),
	      "ng single GET: protocol and host from :authority");
	/* no host field sent: one made of :authority, first, as nginx does */
	CHECK(has(r.dump[0], "host=example.org\nh: host=example.org\n"
			     "h: user-agent=test/1.0\n"),
	      "ng single GET: a host field from :authority, first:\n%s",
	      r.dump[0]);
	CHECK(has(r.dump[0], "h: user-agent=test/1.0\nh: accept=text/html\n"
			     "h: cookie=a=1\nh: cookie=b=2\n"),
	      "ng single GET: fields in order, duplicates kept:\n%s",
	      r.dump[0]);
	CHECK(!has(r.dump[0], "h: :"), "ng single GET: no pseudo in fields");
	CHECK(r.c.requests == 1 && r.c.errors == 0 && r.trusted,
	      "ng single GET: counters");
	run_free(&r);
	bb_free(&in);
}

/* A host field sent with :authority is the one kept, where it was sent;
 * none is made. */
static void ng_host_field_kept(void **state)
{
	static const nghttp2_nv nv[] = {
		NV(":method", "GET"),	       NV(":scheme", "https"),
		NV(":authority", "a.example"), NV(":path", "/"),
		NV("accept", "*/*"),	       NV("host", "b.example"),
	};
	struct bb in = { 0 };
	nghttp2_session *s = ng_client();
	struct run r;

	(void)state;
	assert_int_equal(nghttp2_submit_request(s, NULL, nv, 6, NULL, NULL), 1);
	ng_drain(s, &in);
	nghttp2_session_del(s);
	feed_all("ng host field", &client, in.p, in.n, &r);
	CHECK(r.n == 1, "ng host field: one request, got %zu", r.n);
	CHECK(has(r.dump[0], "host=a.example\nh: accept=*/*\n"
			     "h: host=b.example\nbody"),
	      "ng host field: :authority the host, the field as sent:\n%s",
	      r.dump[0]);
	CHECK(!has(r.dump[0], "h: host=a.example"), "ng host field: none made");
	run_free(&r);
	bb_free(&in);
}

static void ng_post_trailers_and_splits(void **state)
{
	struct bb in = { 0 };
	struct run r;

	(void)state;
	ng_three(&in);
	feed_all("ng three requests", &client, in.p, in.n, &r);
	CHECK(r.n == 3, "ng three: 3 requests, got %zu", r.n);
	CHECK(r.sid[0] == 1 && r.sid[1] == 3 && r.sid[2] == 5,
	      "ng three: stream ids");
	CHECK(r.anom[0] == 0 && r.anom[1] == 0 && r.anom[2] == 0,
	      "ng three: no anomaly (%#llx %#llx %#llx)",
	      (unsigned long long)r.anom[0], (unsigned long long)r.anom[1],
	      (unsigned long long)r.anom[2]);
	CHECK(has(r.dump[1], "body(21)=user=alice&pass=s3cr3\n"),
	      "ng POST: body:\n%s", r.dump[1]);
	CHECK(has(r.dump[1], "h: content-length=21\nh: x-checksum=abc123\n"),
	      "ng POST: trailers appended after the head's fields:\n%s",
	      r.dump[1]);
	CHECK(!strcmp(strchr(r.dump[0], '\n'), strchr(r.dump[2], '\n')),
	      "ng three: the third GET (table references) equals the first");
	run_free(&r);
	bb_free(&in);
}

/* ---- hand-built frames ---- */

static void hand_post_trailers(void **state)
{
	const char *const post[] = {
		":method",	  "POST", ":scheme",	"https",
		":path",	  "/up",  ":authority", "h.example",
		"content-length", "10",	  NULL
	};
	const char *const trl[] = { "x-trailer", "yes", NULL };
	struct bb in = { 0 };
	struct run r;

	(void)state;
	preface(&in);
	headers(&in, 1, 0, post);
	data(&in, 1, 0, "01234");
	data(&in, 1, 0, "56789");
	headers(&in, 1, F_ES, trl);
	feed_all("hand POST", &client, in.p, in.n, &r);
	CHECK(r.n == 1 && r.anom[0] == 0, "hand POST: one clean request");
	CHECK(has(r.dump[0], "body(10)=0123456789\n"), "hand POST: body");
	CHECK(has(r.dump[0], "h: content-length=10\nh: x-trailer=yes\n"),
	      "hand POST: trailer appended");
	run_free(&r);
	bb_free(&in);
}

static void interleaved(void **state)
{
	const char *const p1[] = { ":method",	 "POST",  ":scheme",
				   "https",	 ":path", "/one",
				   ":authority", "a",	  NULL };
	const char *const p3[] = { ":method",	 "POST",  ":scheme",
				   "https",	 ":path", "/three",
				   ":authority", "a",	  NULL };
	struct bb in = { 0 };
	struct run r;

	(void)state;
	preface(&in);
	headers(&in, 1, 0, p1);
	headers(&in, 3, 0, p3);
	data(&in, 1, 0, "one-a ");
	data(&in, 3, 0, "three-a ");
	data(&in, 3, F_ES, "three-b");
	data(&in, 1, F_ES, "one-b");
	feed_all("interleaved", &client, in.p, in.n, &r);
	CHECK(r.n == 2, "interleaved: 2 requests");
	CHECK(r.sid[0] == 3 && r.sid[1] == 1,
	      "interleaved: handed out in END_STREAM order");
	CHECK(has(r.dump[0], "uri=/three\n") &&
		      has(r.dump[0], "body(15)=three-a three-b\n"),
	      "interleaved: stream 3 body its own:\n%s", r.dump[0]);
	CHECK(has(r.dump[1], "body(11)=one-a one-b\n"),
	      "interleaved: stream 1 body its own");
	CHECK(r.anom[0] == 0 && r.anom[1] == 0, "interleaved: clean");
	run_free(&r);
	bb_free(&in);
}

static void padding_priority(void **state)
{
	const char *const p[] = { ":method",	"POST",	 ":scheme",
				  "https",	":path", "/pad",
				  ":authority", "a",	 NULL };
	struct bb in = { 0 }, blk = { 0 }, pl = { 0 };
	struct run r;

	(void)state;
	preface(&in);
	hp_block(&blk, p);
	/* HEADERS: pad length 3, priority (5 bytes), block, 3 zero bytes */
	bb_byte(&pl, 3);
	bb_put(&pl, "\x80\x00\x00\x00\x10", 5);
	bb_put(&pl, blk.p, blk.n);
	bb_put(&pl, "\0\0\0", 3);
	frame(&in, T_HEADERS, F_EH | F_PAD | F_PRIO, 1, pl.p, pl.n);
	/* PRIORITY frame on its own */
	frame(&in, T_PRIORITY, 0, 1, "\x00\x00\x00\x00\x20", 5);
	/* DATA padded: pad 4, "body", 4 padding bytes */
	frame(&in, T_DATA, F_PAD | F_ES, 1,
	      "\x04"
	      "body\0\0\0\0",
	      9);
	feed_all("padding", &client, in.p, in.n, &r);
	CHECK(r.n == 1 && r.anom[0] == 0, "padding: one clean request (%#llx)",
	      r.n ? (unsigned long long)r.anom[0] : 0ull);
	CHECK(has(r.dump[0], "uri=/pad\n") && has(r.dump[0], "body(4)=body\n"),
	      "padding: head and body without padding:\n%s", r.dump[0]);
	run_free(&r);
	bb_free(&in);
	bb_free(&blk);
	bb_free(&pl);
}

static void continuation(void **state)
{
	struct bb in = { 0 }, blk = { 0 };
	char big[300];
	struct run r;

	(void)state;
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	preface(&in);
	hp_block(&blk, GET("/cont"));
	hp_lit(&blk, "x-big", big);
	/* the block in three pieces, cutting through the literal */
	frame(&in, T_HEADERS, F_ES, 1, blk.p, 40);
	frame(&in, T_CONT, 0, 1, blk.p + 40, 100);
	frame(&in, T_CONT, F_EH, 1, blk.p + 140, blk.n - 140);
	feed_all("continuation", &client, in.p, in.n, &r);
	CHECK(r.n == 1 && r.anom[0] == 0, "continuation: one clean request");
	CHECK(has(r.dump[0], "uri=/cont\n") && has(r.dump[0], big),
	      "continuation: fields across frames");
	run_free(&r);
	bb_free(&in);
	bb_free(&blk);
}

static void continuation_flood(void **state)
{
	struct enf_http_limits lim;
	struct opts o = client;
	struct bb in = { 0 }, blk = { 0 };
	struct run r;
	int i;

	(void)state;
	enf_http_limits_default(&lim);
	lim.max_continuations = 4;
	o.lim = &lim;
	preface(&in);
	hp_block(&blk, GET("/flood"));
	frame(&in, T_HEADERS, F_ES, 1, blk.p, blk.n);
	for (i = 0; i < 200; i++)
		frame(&in, T_CONT, 0, 1, "\x82", 1);
	frame(&in, T_CONT, F_EH, 1, NULL, 0);
	headers(&in, 3, F_ES, GET("/after"));
	feed_all("continuation flood", &o, in.p, in.n, &r);
	CHECK(r.n == 2, "flood: 2 requests, got %zu", r.n);
	CHECK(r.sid[0] == 1 && (r.anom[0] & ENF_ANOM_H2_CONTINUATION_LIMIT),
	      "flood: the flooded stream flagged CONTINUATION_LIMIT");
	CHECK(r.anom[0] & ENF_ANOM_H2_HPACK,
	      "flood: the abandoned block flagged H2_HPACK");
	CHECK(has(r.dump[0], "uri=/flood\n"),
	      "flood: handed out with the fields decoded before the cap");
	CHECK(r.anom[1] & ENF_ANOM_H2_STATE_LOST,
	      "flood: the next request flagged STATE_LOST");
	CHECK(r.c.frames == 204, "flood: every frame counted (%llu)",
	      (unsigned long long)r.c.frames);
	run_free(&r);
	bb_free(&in);
	bb_free(&blk);
}

static void hpack_bomb(void **state)
{
	struct enf_http_limits lim;
	struct opts o = client;
	struct bb in = { 0 }, blk = { 0 };
	char v[4001];
	struct run r;
	int i;

	(void)state;
	enf_http_limits_default(&lim);
	lim.max_header_bytes = 16384;
	o.lim = &lim;
	memset(v, 'B', 4000);
	v[4000] = 0;
	preface(&in);
	hp_block(&blk, GET("/bomb"));
	/* literal with incremental indexing: x-bomb, 4000 bytes */
	bb_byte(&blk, 0x40);
	hp_int(&blk, 0, 7, 6);
	bb_put(&blk, "x-bomb", 6);
	hp_int(&blk, 0, 7, 4000);
	bb_put(&blk, v, 4000);
	for (i = 0; i < 3000; i++)
		bb_byte(&blk, 0x80 | 62);
	frame(&in, T_HEADERS, F_ES | F_EH, 1, blk.p, blk.n);
	/* the next request references the entry: the table stayed in step */
	bb_free(&blk);
	hp_block(&blk, GET("/next"));
	bb_byte(&blk, 0x80 | 62);
	frame(&in, T_HEADERS, F_ES | F_EH, 3, blk.p, blk.n);
	feed(&o, in.p, in.n, 0, 0, &r);
	CHECK(r.n == 2, "bomb: 2 requests");
	CHECK(r.anom[0] & ENF_ANOM_H2_HEADERS_LIMIT,
	      "bomb: H2_HEADERS_LIMIT set");
	CHECK(strlen(r.dump[0]) < 16384 + 512,
	      "bomb: what is kept stays near the cap (%zu)", strlen(r.dump[0]));
	CHECK(!(r.anom[1] & (ENF_ANOM_H2_STATE_LOST | ENF_ANOM_H2_HPACK)),
	      "bomb: the state is kept, the next request trusted");
	CHECK(has(r.dump[1], "h: x-bomb=BBBB"),
	      "bomb: the next request decodes the entry");
	run_free(&r);
	bb_free(&in);
	bb_free(&blk);
}

static void stream_cap(void **state)
{
	struct enf_http_limits lim;
	struct opts o = client;
	struct bb in = { 0 };
	struct run r;

	(void)state;
	enf_http_limits_default(&lim);
	lim.max_streams = 2;
	o.lim = &lim;
	preface(&in);
	headers(&in, 1, 0, GET("/s1"));
	headers(&in, 3, 0, GET("/s3"));
	headers(&in, 5, 0, GET("/s5"));
	data(&in, 5, F_ES, "x");
	data(&in, 1, F_ES, "");
	data(&in, 3, F_ES, "");
	headers(&in, 7, F_ES, GET("/s7"));
	feed_all("stream cap", &o, in.p, in.n, &r);
	CHECK(r.n == 3, "stream cap: 3 requests (5 not assembled), got %zu",
	      r.n);
	CHECK(r.sid[0] == 1 && r.sid[1] == 3 && r.sid[2] == 7,
	      "stream cap: streams 1, 3, 7");
	CHECK(r.c.streams_refused == 1, "stream cap: one refused, counted");
	CHECK(r.anom[2] & ENF_ANOM_H2_STREAMS_LIMIT,
	      "stream cap: a later request carries STREAMS_LIMIT");
	CHECK(!(r.anom[2] & ENF_ANOM_H2_STATE_LOST),
	      "stream cap: the refused block kept the table in step");
	run_free(&r);
	bb_free(&in);
}

static void rst_mid_request(void **state)
{
	const char *const p[] = { ":method",	"PUT",	 ":scheme",
				  "https",	":path", "/rst",
				  ":authority", "a",	 NULL };
	struct bb in = { 0 };
	struct run r;

	(void)state;
	preface(&in);
	headers(&in, 1, 0, p);
	data(&in, 1, 0, "partial");
	frame(&in, T_RST, 0, 1, "\0\0\0\x08", 4);
	data(&in, 1, F_ES, "late"); /* after the reset: ignored */
	headers(&in, 3, F_ES, GET("/ok"));
	feed_all("rst", &client, in.p, in.n, &r);
	CHECK(r.n == 2, "rst: 2 requests");
	CHECK(r.anom[0] == ENF_ANOM_H2_RESET, "rst: H2_RESET alone (%#llx)",
	      (unsigned long long)r.anom[0]);
	CHECK(has(r.dump[0], "body(7)=partial\n"),
	      "rst: handed out with what came");
	CHECK(r.anom[1] == 0, "rst: the next request clean");
	CHECK(r.c.ignored_data == 4, "rst: late DATA counted, ignored");
	run_free(&r);
	bb_free(&in);
}

static void hpack_lost(void **state)
{
	struct bb in = { 0 }, blk = { 0 };
	struct run r;

	(void)state;
	preface(&in);
	headers(&in, 1, F_ES, GET("/1"));
	hp_block(&blk, GET("/2"));
	bb_byte(&blk, 0x80 | 100); /* no such table entry */
	frame(&in, T_HEADERS, F_ES | F_EH, 3, blk.p, blk.n);
	headers(&in, 5, F_ES, GET("/3"));
	/* a block that starts by emptying the table: trusted again */
	bb_free(&blk);
	bb_byte(&blk, 0x20);
	hp_int(&blk, 0x20, 5, 4096);
	hp_block(&blk, GET("/4"));
	frame(&in, T_HEADERS, F_ES | F_EH, 7, blk.p, blk.n);
	headers(&in, 9, F_ES, GET("/5"));
	feed_all("hpack lost", &client, in.p, in.n, &r);
	CHECK(r.n == 5, "lost: 5 requests, got %zu", r.n);
	CHECK(r.anom[0] == 0, "lost: the first is clean");
	CHECK(r.anom[1] & ENF_ANOM_H2_HPACK, "lost: the failed block H2_HPACK");
	CHECK((r.anom[2] & ENF_ANOM_H2_STATE_LOST) &&
		      !(r.anom[2] & ENF_ANOM_H2_HPACK),
	      "lost: the next request STATE_LOST (%#llx)",
	      (unsigned long long)r.anom[2]);
	CHECK(r.anom[3] == 0 && r.anom[4] == 0,
	      "lost: trusted again after a table flush (%#llx %#llx)",
	      (unsigned long long)r.anom[3], (unsigned long long)r.anom[4]);
	CHECK(r.c.hpack_errors == 1, "lost: one HPACK error counted");
	run_free(&r);
	bb_free(&in);
	bb_free(&blk);
}

static void midstream(void **state)
{
	struct bb in = { 0 };
	struct opts o = client;
	struct run r;
	size_t start;

	(void)state;
	ng_three(&in);
	/* start in the middle of the connection: inside the first HEADERS */
	start = ENF_HTTP2_PREFACE_LEN + 20;
	feed_all("midstream auto", &client, in.p + start, in.n - start, &r);
	CHECK(r.n >= 2, "midstream: the later requests found (%zu)", r.n);
	for (size_t i = 0; i < r.n; i++)
		CHECK(r.anom[i] & ENF_ANOM_H2_STATE_LOST,
		      "midstream: request %zu flagged STATE_LOST", i);
	CHECK(r.c.skipped > 0 && r.c.resyncs > 0,
	      "midstream: skipped bytes and a resync counted");
	CHECK(!r.trusted, "midstream: not trusted");
	CHECK(has(r.dump[r.n - 1], "sid=5 "), "midstream: stream 5 found");
	run_free(&r);

	o.midstream = true;
	feed_all("midstream explicit", &o, in.p, in.n, &r);
	CHECK(r.n == 3, "midstream explicit: all 3 found, got %zu", r.n);
	CHECK((r.anom[0] & ENF_ANOM_H2_STATE_LOST) &&
		      (r.anom[2] & ENF_ANOM_H2_STATE_LOST),
	      "midstream explicit: flagged until trusted");
	run_free(&r);
	bb_free(&in);
}

static void midstream_regains_trust(void **state)
{
	struct bb in = { 0 }, blk = { 0 };
	struct opts o = client;
	struct run r;

	(void)state;
	o.midstream = true;
	bb_put(&in, "\x01\x02garbage", 9);
	headers(&in, 11, F_ES, GET("/before"));
	bb_byte(&blk, 0x20);
	hp_int(&blk, 0x20, 5, 4096);
	hp_block(&blk, GET("/flush"));
	frame(&in, T_HEADERS, F_ES | F_EH, 13, blk.p, blk.n);
	headers(&in, 15, F_ES, GET("/after"));
	feed_all("midstream trust", &o, in.p, in.n, &r);
	CHECK(r.n == 3, "midstream trust: 3 requests, got %zu", r.n);
	CHECK(r.anom[0] & ENF_ANOM_H2_STATE_LOST,
	      "midstream trust: before the flush flagged");
	CHECK(r.anom[1] == 0 && r.anom[2] == 0,
	      "midstream trust: from the flush on, trusted");
	CHECK(r.trusted, "midstream trust: trusted at the end");
	run_free(&r);
	bb_free(&in);
	bb_free(&blk);
}

static void responses(void **state)
{
	const char *const cont[] = { ":status", "100", NULL };
	const char *const ok[] = { ":status",
				   "200",
				   "content-type",
				   "text/plain",
				   "content-length",
				   "5",
				   NULL };
	const char *const nf[] = { ":status", "404", NULL };
	const char *const bad[] = { "server", "x", NULL };
	struct opts o = { NULL, ENF_HTTP2_SERVER, false, false };
	struct bb in = { 0 };
	struct run r;

	(void)state;
	frame(&in, T_SETTINGS, 0, 0, "\x00\x01\x00\x01\x00\x00", 6);
	headers(&in, 1, 0, cont);
	headers(&in, 1, 0, ok);
	data(&in, 1, F_ES, "hello");
	headers(&in, 3, F_ES, nf);
	headers(&in, 5, F_ES, bad);
	feed_all("responses", &o, in.p, in.n, &r);
	CHECK(r.n == 3, "responses: 3 (the 100 not handed out), got %zu", r.n);
	CHECK(r.status[0] == 200 && r.anom[0] == 0,
	      "responses: 200 clean (%#llx)", (unsigned long long)r.anom[0]);
	CHECK(has(r.dump[0], "proto=HTTP/2.0\nh: content-type=text/plain\n"
			     "h: content-length=5\nbody_len=5\n"),
	      "responses: fields and body length:\n%s", r.dump[0]);
	CHECK(r.status[1] == 404 && r.sid[1] == 3, "responses: 404 on 3");
	CHECK(r.status[2] == 0 && (r.anom[2] & ENF_ANOM_H2_PSEUDO_HEADER),
	      "responses: no :status flagged, status 0");
	CHECK(r.c.peer_table_size == 65536,
	      "responses: SETTINGS_HEADER_TABLE_SIZE reported");
	run_free(&r);
	bb_free(&in);
}

static void goaway_and_finish(void **state)
{
	struct bb in = { 0 };
	struct run r;

	(void)state;
	preface(&in);
	headers(&in, 1, 0, GET("/g1"));
	headers(&in, 3, 0, GET("/g3"));
	frame(&in, T_GOAWAY, 0, 0, "\0\0\0\0\0\0\0\0", 8);
	headers(&in, 5, 0, GET("/f5"));
	feed_all("goaway", &client, in.p, in.n, &r);
	CHECK(r.n == 3, "goaway: 3 requests, got %zu", r.n);
	CHECK(r.anom[0] == ENF_ANOM_H2_RESET && r.anom[1] == ENF_ANOM_H2_RESET,
	      "goaway: open streams handed out with H2_RESET");
	CHECK(r.sid[2] == 5 && r.anom[2] == ENF_ANOM_H2_RESET,
	      "finish: the open stream handed out with H2_RESET");
	run_free(&r);
	bb_free(&in);
}

/* ---- one case per anomaly ---- */

struct anom_case {
	const char *name;
	void (*build)(struct bb *in);
	uint64_t want; /* on the first request */
	uint64_t not ; /* bits that must stay clear */
	size_t max_headers, max_body;
};

static void b_protocol(struct bb *in)
{
	data(in, 0, 0, "x"); /* DATA on stream 0 */
	headers(in, 1, F_ES, GET("/p"));
}

static void b_pseudo_missing(struct bb *in)
{
	const char *const p[] = { ":method",	"GET", ":scheme", "https",
				  ":authority", "a",   NULL };

	headers(in, 1, F_ES, p);
}

static void b_pseudo_after(struct bb *in)
{
	const char *const p[] = { ":method", "GET",    ":scheme",
				  "https",   "accept", "x",
				  ":path",   "/",      NULL };

	headers(in, 1, F_ES, p);
}

static void b_pseudo_trailer(struct bb *in)
{
	const char *const t[] = { ":path", "/evil", NULL };

	headers(in, 1, 0, GET("/t"));
	headers(in, 1, F_ES, t);
}

static void b_connection(struct bb *in)
{
	const char *const p[] = { ":method",	"GET",	      ":scheme",
				  "https",	":path",      "/",
				  "connection", "keep-alive", NULL };

	headers(in, 1, F_ES, p);
}

static void b_te(struct bb *in)
{
	const char *const p[] = { ":method", "GET", ":scheme", "https", ":path",
				  "/",	     "te",  "gzip",    NULL };

	headers(in, 1, F_ES, p);
}

static void b_te_trailers(struct bb *in)
{
	const char *const p[] = { ":method", "GET",	 ":scheme",
				  "https",   ":path",	 "/",
				  "te",	     "trailers", NULL };

	headers(in, 1, F_ES, p);
}

static void b_upper(struct bb *in)
{
	const char *const p[] = { ":method", "GET",   ":scheme",
				  "https",   ":path", "/",
				  "X-Upper", "1",     NULL };

	headers(in, 1, F_ES, p);
}

static void b_crlf(struct bb *in)
{
	const char *const p[] = {
		":method",   "GET",
		":scheme",   "https",
		":path",     "/",
		"x-smuggle", "a\r\nTransfer-Encoding: chunked",
		NULL
	};

	headers(in, 1, F_ES, p);
}

static void b_nul(struct bb *in)
{
	struct bb blk = { 0 };

	hp_block(&blk, GET("/"));
	hp_lit_n(&blk, "x-nul", "a\0b", 3);
	frame(in, T_HEADERS, F_ES | F_EH, 1, blk.p, blk.n);
	bb_free(&blk);
}

static void b_clen(struct bb *in)
{
	const char *const p[] = { ":method",	    "POST",  ":scheme",
				  "https",	    ":path", "/",
				  "content-length", "10",    NULL };

	headers(in, 1, 0, p);
	data(in, 1, F_ES, "12345");
}

static void b_clen_bad(struct bb *in)
{
	const char *const p[] = { ":method",
				  "POST",
				  ":scheme",
				  "https",
				  ":path",
				  "/",
				  "content-length",
				  "5",
				  "content-length",
				  "6",
				  NULL };

	headers(in, 1, 0, p);
	data(in, 1, F_ES, "12345");
}

static void b_truncated(struct bb *in)
{
	const char *const p[] = { ":method", "POST", ":scheme", "https",
				  ":path",   "/",    NULL };

	headers(in, 1, 0, p);
	data(in, 1, F_ES, "0123456789abcdef");
}

static void b_fields(struct bb *in)
{
	const char *const p[] = { ":method", "GET", ":scheme", "https", ":path",
				  "/",	     "a",   "1",       "b",	"2",
				  "c",	     "3",   NULL };

	headers(in, 1, F_ES, p);
}

static void b_reset_finish(struct bb *in)
{
	headers(in, 1, 0, GET("/open"));
}

static void b_trailers_no_es(struct bb *in)
{
	const char *const t[] = { "x", "1", NULL };

	headers(in, 1, 0, GET("/t"));
	headers(in, 1, 0, t); /* trailers must end the stream */
	data(in, 1, F_ES, "");
}

static void b_pad_over(struct bb *in)
{
	headers(in, 1, 0, GET("/pad"));
	frame(in, T_DATA, F_PAD | F_ES, 1,
	      "\x09"
	      "ab",
	      3);
}

static void b_even_stream(struct bb *in)
{
	headers(in, 2, F_ES, GET("/even"));
	headers(in, 3, F_ES, GET("/odd"));
}

static void b_interrupted(struct bb *in)
{
	struct bb blk = { 0 };

	hp_block(&blk, GET("/int"));
	frame(in, T_HEADERS, F_ES, 1, blk.p, blk.n); /* no END_HEADERS */
	frame(in, T_PING, 0, 0, "12345678", 8);
	bb_free(&blk);
}

static void b_unknown_frames(struct bb *in)
{
	frame(in, 0x42, 0xff, 0, "whatever", 8);
	frame(in, T_PING, 0, 0, "12345678", 8);
	frame(in, T_WINDOW, 0, 0, "\0\0\x10\0", 4);
	frame(in, T_SETTINGS, 1, 0, NULL, 0);
	headers(in, 1, F_ES, GET("/u"));
}

static const struct anom_case anom_cases[] = {
	{ "DATA on stream 0", b_protocol, ENF_ANOM_H2_PROTOCOL, 0, 0, 0 },
	{ "no :path", b_pseudo_missing, ENF_ANOM_H2_PSEUDO_HEADER, 0, 0, 0 },
	{ "pseudo after regular", b_pseudo_after, ENF_ANOM_H2_PSEUDO_HEADER, 0,
	  0, 0 },
	{ "pseudo in trailers", b_pseudo_trailer, ENF_ANOM_H2_PSEUDO_HEADER, 0,
	  0, 0 },
	{ "connection field", b_connection, ENF_ANOM_H2_CONNECTION_HEADER, 0, 0,
	  0 },
	{ "te: gzip", b_te, ENF_ANOM_H2_CONNECTION_HEADER, 0, 0, 0 },
	{ "te: trailers", b_te_trailers, 0, ~0ull, 0, 0 },
	{ "uppercase name", b_upper, ENF_ANOM_H2_BAD_FIELD, 0, 0, 0 },
	{ "CRLF in value", b_crlf, ENF_ANOM_H2_BAD_FIELD, 0, 0, 0 },
	{ "NUL in value", b_nul, ENF_ANOM_H2_BAD_FIELD, 0, 0, 0 },
	{ "content-length vs DATA", b_clen, ENF_ANOM_H2_CONTENT_LENGTH, 0, 0,
	  0 },
	{ "two content-lengths", b_clen_bad, ENF_ANOM_H2_CONTENT_LENGTH, 0, 0,
	  0 },
	{ "body over max_body", b_truncated, ENF_ANOM_BODY_TRUNCATED, 0, 0, 8 },
	{ "fields over max_headers", b_fields, ENF_ANOM_HEADERS_LIMIT, 0, 2,
	  0 },
	{ "finish with a stream open", b_reset_finish, ENF_ANOM_H2_RESET, 0, 0,
	  0 },
	{ "trailers without END_STREAM", b_trailers_no_es, ENF_ANOM_H2_PROTOCOL,
	  0, 0, 0 },
	{ "padding over the frame", b_pad_over, ENF_ANOM_H2_PROTOCOL, 0, 0, 0 },
	{ "client stream with an even id", b_even_stream, ENF_ANOM_H2_PROTOCOL,
	  0, 0, 0 },
	{ "header block interrupted", b_interrupted,
	  ENF_ANOM_H2_PROTOCOL | ENF_ANOM_H2_HPACK | ENF_ANOM_H2_RESET, 0, 0,
	  0 },
	{ "unknown frame, PING, WINDOW_UPDATE, SETTINGS ACK", b_unknown_frames,
	  0, ~0ull, 0, 0 },
};

static void anomalies(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(anom_cases) / sizeof(anom_cases[0]); i++) {
		const struct anom_case *c = &anom_cases[i];
		struct enf_http_limits lim;
		struct opts o = client;
		struct bb in = { 0 };
		struct run r;

		enf_http_limits_default(&lim);
		if (c->max_headers)
			lim.max_headers = c->max_headers;
		if (c->max_body)
			lim.max_body = c->max_body;
		o.lim = &lim;
		preface(&in);
		c->build(&in);
		feed_all(c->name, &o, in.p, in.n, &r);
		CHECK(r.n >= 1, "%s: a request handed out", c->name);
		CHECK((r.anom[0] & c->want) == c->want,
		      "%s: want %#llx, got %#llx", c->name,
		      (unsigned long long)c->want,
		      (unsigned long long)r.anom[0]);
		CHECK(!(r.anom[0] & c->not ),
		      "%s: bits %#llx must be clear, got %#llx", c->name,
		      (unsigned long long)c->not,
		      (unsigned long long)r.anom[0]);
		run_free(&r);
		bb_free(&in);
	}
}

static void api_errors(void **state)
{
	struct enf_http_limits lim;
	struct enf_http2 *p;

	(void)state;
	CHECK(enf_http2_new(NULL, (enum enf_http2_side)7, &p) == -EINVAL && !p,
	      "api: a bad side refused");
	enf_http_limits_default(&lim);
	lim.max_line = 1;
	CHECK(enf_http2_new(&lim, ENF_HTTP2_CLIENT, &p) == -EINVAL,
	      "api: bad limits refused");
	assert_int_equal(enf_http2_new(NULL, ENF_HTTP2_CLIENT, &p), 0);
	CHECK(enf_http2_feed(p, NULL, 3, NULL, NULL, NULL) == -EINVAL,
	      "api: NULL data refused");
	CHECK(enf_http2_finish(p, NULL, NULL, NULL) == 0, "api: finish");
	CHECK(enf_http2_feed(p, "x", 1, NULL, NULL, NULL) == -EINVAL,
	      "api: feed after finish refused");
	enf_http2_free(p);
	enf_http2_free(NULL);
}

static int stop_cb(const struct enf_request *r, void *ctx)
{
	(void)r;
	++*(int *)ctx;
	return 42;
}

static void callback_stop(void **state)
{
	struct enf_http2 *p;
	struct bb in = { 0 };
	int n = 0;

	(void)state;
	preface(&in);
	headers(&in, 1, F_ES, GET("/a"));
	headers(&in, 3, F_ES, GET("/b"));
	assert_int_equal(enf_http2_new(NULL, ENF_HTTP2_CLIENT, &p), 0);
	CHECK(enf_http2_feed(p, in.p, in.n, stop_cb, NULL, &n) == 42 && n == 1,
	      "stop: the callback's value returned after one request");
	enf_http2_free(p);
	bb_free(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ng_single_get),
		cmocka_unit_test(ng_host_field_kept),
		cmocka_unit_test(ng_post_trailers_and_splits),
		cmocka_unit_test(hand_post_trailers),
		cmocka_unit_test(interleaved),
		cmocka_unit_test(padding_priority),
		cmocka_unit_test(continuation),
		cmocka_unit_test(continuation_flood),
		cmocka_unit_test(hpack_bomb),
		cmocka_unit_test(stream_cap),
		cmocka_unit_test(rst_mid_request),
		cmocka_unit_test(hpack_lost),
		cmocka_unit_test(midstream),
		cmocka_unit_test(midstream_regains_trust),
		cmocka_unit_test(responses),
		cmocka_unit_test(goaway_and_finish),
		cmocka_unit_test(anomalies),
		cmocka_unit_test(api_errors),
		cmocka_unit_test(callback_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
