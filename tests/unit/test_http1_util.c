// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the HTTP/1.1 parser tests (see test_http1.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "test_http1.h"

struct t_buf {
	char *p;
	size_t len;
	size_t cap;
};

static void t_buf_add(struct t_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Printable ASCII as is, the rest (and the separators) as \xHH. */
static void t_buf_esc(struct t_buf *b, struct enf_str s)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		unsigned char c = s.ptr[i];
		char hex[8];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '|' &&
		    c != ';' && c != '=') {
			t_buf_add(b, (const char *)&c, 1);
			continue;
		}
		snprintf(hex, sizeof(hex), "\\x%02x", c);
		t_buf_add(b, hex, 4);
	}
}

static void t_buf_fields(struct t_buf *b, const char *tag,
			 const struct enf_field *f, size_t n)
{
	size_t i;

	t_buf_add(b, tag, strlen(tag));
	for (i = 0; i < n; i++) {
		t_buf_esc(b, f[i].name);
		t_buf_add(b, "=", 1);
		t_buf_esc(b, f[i].value);
		t_buf_add(b, ";", 1);
	}
}

static char *t_dump(const struct enf_request *req)
{
	struct t_buf b = { 0 };
	char num[64];

	t_buf_add(&b, "M:", 2);
	t_buf_esc(&b, req->method);
	t_buf_add(&b, "|U:", 3);
	t_buf_esc(&b, req->uri);
	t_buf_add(&b, "|P:", 3);
	t_buf_esc(&b, req->path);
	t_buf_add(&b, "|Q:", 3);
	t_buf_esc(&b, req->query);
	t_buf_add(&b, "|V:", 3);
	t_buf_esc(&b, req->protocol);
	t_buf_add(&b, "|L:", 3);
	t_buf_esc(&b, req->line);
	t_buf_fields(&b, "|H:", req->headers, req->n_headers);
	t_buf_fields(&b, "|A:", req->args, req->n_args);
	t_buf_add(&b, "|B:", 3);
	t_buf_esc(&b, req->body);
	snprintf(num, sizeof(num), "|BL:%llu|X:0x%llx",
		 (unsigned long long)req->body_len,
		 (unsigned long long)req->anomalies);
	t_buf_add(&b, num, strlen(num));
	return b.p;
}

static struct enf_str t_dup(struct enf_str s)
{
	struct enf_str d;
	char *p = malloc(s.len + 1);

	assert_non_null(p);
	if (s.len) {
		assert_non_null(s.ptr);
		memcpy(p, s.ptr, s.len);
	}
	p[s.len] = '\0';
	d.ptr = p;
	d.len = s.len;
	return d;
}

static struct enf_field *t_dup_fields(const struct enf_field *f, size_t n)
{
	struct enf_field *d = calloc(n ? n : 1, sizeof(*d));
	size_t i;

	assert_non_null(d);
	if (n)
		assert_non_null(f);
	for (i = 0; i < n; i++) {
		d[i].name = t_dup(f[i].name);
		d[i].value = t_dup(f[i].value);
	}
	return d;
}

/* Every string the parser hands out must lie inside the request's memory:
 * path and query inside uri (path a prefix of it unless the target is in
 * absolute form, whose path follows its authority), none of them NULL. */
static void t_check_shape(const struct enf_request *req)
{
	T_CHECK(req->method.ptr && req->uri.ptr && req->path.ptr &&
			req->query.ptr && req->protocol.ptr && req->line.ptr &&
			req->body.ptr,
		"shape: a string field of the request is NULL");
	T_CHECK(req->path.ptr >= req->uri.ptr &&
			req->path.ptr + req->path.len <=
				req->uri.ptr + req->uri.len &&
			(req->path.ptr == req->uri.ptr ||
			 (req->uri.len > 0 && req->uri.ptr[0] != '/' &&
			  memmem(req->uri.ptr, req->uri.len, "://", 3))),
		"shape: path is not inside uri, or not its prefix for a target "
		"not in absolute form");
	T_CHECK(req->query.ptr >= req->uri.ptr &&
			req->query.ptr + req->query.len <=
				req->uri.ptr + req->uri.len,
		"shape: query is not inside uri");
	T_CHECK(req->body.len <= req->body_len,
		"shape: more body kept (%zu) than its length (%llu)",
		req->body.len, (unsigned long long)req->body_len);
	T_CHECK(req->origin == NULL, "shape: origin set by the parser");
}

int t_collect(const struct enf_request *req, void *ctx)
{
	struct t_run *r = ctx;
	struct enf_request *c;

	t_check_shape(req);
	T_CHECK(r->n < T_MAX_REQS, "collector: more than %d requests",
		T_MAX_REQS);
	c = &r->req[r->n];
	memset(c, 0, sizeof(*c));
	c->method = t_dup(req->method);
	c->uri = t_dup(req->uri);
	c->path = t_dup(req->path);
	c->query = t_dup(req->query);
	c->protocol = t_dup(req->protocol);
	c->line = t_dup(req->line);
	c->headers = t_dup_fields(req->headers, req->n_headers);
	c->n_headers = req->n_headers;
	c->args = t_dup_fields(req->args, req->n_args);
	c->n_args = req->n_args;
	c->body = t_dup(req->body);
	c->body_len = req->body_len;
	c->anomalies = req->anomalies;
	r->dump[r->n] = t_dump(req);
	r->n++;
	if (r->stop_at && r->n == r->stop_at)
		return r->stop_rc;
	return 0;
}

static void t_free_fields(const struct enf_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((void *)f[i].name.ptr);
		free((void *)f[i].value.ptr);
	}
	free((void *)f);
}

void t_run_free(struct t_run *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct enf_request *c = &r->req[i];

		free((void *)c->method.ptr);
		free((void *)c->uri.ptr);
		free((void *)c->path.ptr);
		free((void *)c->query.ptr);
		free((void *)c->protocol.ptr);
		free((void *)c->line.ptr);
		t_free_fields(c->headers, c->n_headers);
		t_free_fields(c->args, c->n_args);
		free((void *)c->body.ptr);
		free(r->dump[i]);
	}
	r->n = 0;
}

static void t_feed_pieces(struct enf_http1 *p, const char *in, size_t len,
			  size_t step, struct t_run *r)
{
	size_t off = 0;

	r->ret = 0;
	do {
		size_t n = step && len - off > step ? step : len - off;

		r->ret = enf_http1_feed(p, in + off, n, t_collect, r);
		off += n;
	} while (off < len && !r->ret);
}

void t_feed(const struct enf_http_limits *lim, const char *in, size_t len,
	    size_t step, struct t_run *r)
{
	struct enf_http1 *p = NULL;

	assert_int_equal(enf_http1_new(lim, &p), 0);
	t_feed_pieces(p, in, len, step, r);
	r->skipped = enf_http1_skipped(p);
	enf_http1_free(p);
}

static void t_same(const char *name, const char *how, const struct t_run *a,
		   const struct t_run *b)
{
	size_t i;

	T_CHECK(a->n == b->n, "%s: %s: %zu requests, whole input gave %zu",
		name, how, b->n, a->n);
	for (i = 0; i < a->n; i++)
		T_CHECK(!strcmp(a->dump[i], b->dump[i]),
			"%s: %s: request %zu differs:\n  whole: %s\n  split: %s",
			name, how, i, a->dump[i], b->dump[i]);
	T_CHECK(a->skipped == b->skipped,
		"%s: %s: skipped %llu, whole input gave %llu", name, how,
		(unsigned long long)b->skipped, (unsigned long long)a->skipped);
	T_CHECK(a->ret == b->ret, "%s: %s: feed returned %d, whole gave %d",
		name, how, b->ret, a->ret);
}

void t_feed_all_splits(const char *name, const struct enf_http_limits *lim,
		       const char *in, size_t len, struct t_run *r)
{
	struct t_run *s = calloc(1, sizeof(*s));
	size_t i;

	assert_non_null(s);
	t_feed(lim, in, len, 0, r);
	for (i = 1; i < len; i++) {
		struct enf_http1 *p = NULL;
		char how[64];

		snprintf(how, sizeof(how), "split at byte %zu", i);
		s->stop_at = r->stop_at;
		s->stop_rc = r->stop_rc;
		assert_int_equal(enf_http1_new(lim, &p), 0);
		s->ret = enf_http1_feed(p, in, i, t_collect, s);
		if (!s->ret)
			s->ret = enf_http1_feed(p, in + i, len - i, t_collect,
						s);
		s->skipped = enf_http1_skipped(p);
		enf_http1_free(p);
		t_same(name, how, r, s);
		t_run_free(s);
	}
	s->stop_at = r->stop_at;
	s->stop_rc = r->stop_rc;
	t_feed(lim, in, len, 1, s);
	t_same(name, "one byte at a time", r, s);
	t_run_free(s);
	free(s);
}

void t_check_mem(const char *name, const char *field, struct enf_str got,
		 const char *want, size_t want_len)
{
	T_CHECK(got.len == want_len && !memcmp(got.ptr, want, want_len),
		"%s: %s is '%.*s' (%zu bytes), want '%.*s' (%zu bytes)", name,
		field, (int)got.len, got.ptr, got.len, (int)want_len, want,
		want_len);
}

void t_check_str(const char *name, const char *field, struct enf_str got,
		 const char *want)
{
	t_check_mem(name, field, got, want, strlen(want));
}

struct enf_str t_header(const struct enf_request *req, const char *hname,
			size_t nth)
{
	struct enf_str none = { 0 };
	size_t i;

	for (i = 0; i < req->n_headers; i++) {
		const struct enf_field *f = &req->headers[i];

		if (f->name.len == strlen(hname) &&
		    !strncasecmp(f->name.ptr, hname, f->name.len) && !nth--)
			return f->value;
	}
	return none;
}
