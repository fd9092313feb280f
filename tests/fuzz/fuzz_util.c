// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the libFuzzer targets (see fuzz_util.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: check failed: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fuzz_buf_add(struct fuzz_buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		FUZZ_CHECK(b->p, "out of memory (%zu bytes)", cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
}

void fuzz_buf_u64(struct fuzz_buf *b, uint64_t v)
{
	fuzz_buf_add(b, &v, sizeof(v));
}

void fuzz_buf_str(struct fuzz_buf *b, const char *what, struct enf_str s)
{
	FUZZ_CHECK(s.len == 0 || s.ptr, "%s: %zu bytes at NULL", what, s.len);
	fuzz_buf_u64(b, s.len);
	fuzz_buf_add(b, s.ptr, s.len);
}

void fuzz_buf_fields(struct fuzz_buf *b, const char *what,
		     const struct enf_field *f, size_t n)
{
	size_t i;

	FUZZ_CHECK(n == 0 || f, "%s: %zu entries at NULL", what, n);
	fuzz_buf_u64(b, n);
	for (i = 0; i < n; i++) {
		fuzz_buf_str(b, what, f[i].name);
		fuzz_buf_str(b, what, f[i].value);
	}
}

void fuzz_buf_free(struct fuzz_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void fuzz_dump_request(struct fuzz_buf *b, const struct enf_request *req,
		       const struct enf_http_limits *lim)
{
	/* HTTP/2: the fields sent, and one host made of :authority */
	size_t max_hdrs =
		lim->max_headers + (req->protocol.len == 8 &&
				    !memcmp(req->protocol.ptr, "HTTP/2.0", 8));

	FUZZ_CHECK(req->n_headers <= max_hdrs,
		   "%zu headers handed out, cap %zu", req->n_headers, max_hdrs);
	FUZZ_CHECK(req->n_args <= lim->max_args,
		   "%zu query args handed out, cap %zu", req->n_args,
		   lim->max_args);
	FUZZ_CHECK(req->n_args_post <= lim->max_args,
		   "%zu body args handed out, cap %zu", req->n_args_post,
		   lim->max_args);
	FUZZ_CHECK(req->n_cookies <= lim->max_args,
		   "%zu cookies handed out, cap %zu", req->n_cookies,
		   lim->max_args);
	FUZZ_CHECK(req->body.len <= lim->max_body,
		   "%zu body bytes kept, cap %zu", req->body.len,
		   lim->max_body);
	FUZZ_CHECK(req->body.len <= req->body_len,
		   "%zu body bytes kept of %llu framed", req->body.len,
		   (unsigned long long)req->body_len);
	FUZZ_CHECK(req->body_type <= ENF_BODY_OTHER, "body type %u",
		   req->body_type);

	fuzz_buf_str(b, "method", req->method);
	fuzz_buf_str(b, "uri", req->uri);
	fuzz_buf_str(b, "path", req->path);
	fuzz_buf_str(b, "query", req->query);
	fuzz_buf_str(b, "protocol", req->protocol);
	fuzz_buf_str(b, "line", req->line);
	fuzz_buf_fields(b, "headers", req->headers, req->n_headers);
	fuzz_buf_fields(b, "args", req->args, req->n_args);
	fuzz_buf_str(b, "body", req->body);
	fuzz_buf_u64(b, req->body_len);
	fuzz_buf_u64(b, req->anomalies);
	fuzz_buf_str(b, "uri_decoded", req->uri_decoded);
	fuzz_buf_str(b, "path_decoded", req->path_decoded);
	fuzz_buf_str(b, "host", req->host);
	fuzz_buf_fields(b, "args_post", req->args_post, req->n_args_post);
	fuzz_buf_fields(b, "cookies", req->cookies, req->n_cookies);
	fuzz_buf_u64(b, req->body_type);
	fuzz_buf_u64(b, req->stream_id);
}

void fuzz_dump_response(struct fuzz_buf *b, const struct enf_response *resp,
			const struct enf_http_limits *lim)
{
	FUZZ_CHECK(resp->n_headers <= lim->max_headers,
		   "%zu response headers handed out, cap %zu", resp->n_headers,
		   lim->max_headers);
	FUZZ_CHECK(resp->status == 0 ||
			   (resp->status >= 100 && resp->status <= 999),
		   "status %u", resp->status);
	fuzz_buf_str(b, "protocol", resp->protocol);
	fuzz_buf_u64(b, resp->status);
	fuzz_buf_str(b, "reason", resp->reason);
	fuzz_buf_fields(b, "headers", resp->headers, resp->n_headers);
	fuzz_buf_u64(b, resp->body_len);
	fuzz_buf_u64(b, resp->anomalies);
	fuzz_buf_u64(b, resp->stream_id);
}

/* FUZZ_DUMP=1 in the environment: the dumps that differ, in hex, to see
 * which field did (their layout: fuzz_dump_request() and the targets). */
static void hexdump(const struct fuzz_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		fprintf(stderr, "%02x%s", b->p[i], i % 32 == 31 ? "\n" : " ");
	fputc('\n', stderr);
}

void fuzz_same(const char *what, const struct fuzz_buf *a,
	       const struct fuzz_buf *b)
{
	size_t i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n && a->p[i] == b->p[i]; i++)
		;
	if ((i < a->len || i < b->len) && getenv("FUZZ_DUMP")) {
		fprintf(stderr, "%s: first dump:\n", what);
		hexdump(a);
		fprintf(stderr, "%s: second dump:\n", what);
		hexdump(b);
	}
	FUZZ_CHECK(i == a->len && i == b->len,
		   "%s: the dumps differ at byte %zu (lengths %zu and %zu)",
		   what, i, a->len, b->len);
}

void fuzz_limits(uint8_t sel, struct enf_http_limits *lim)
{
	struct enf_http_limits in = { 0 };
	int err;

	switch (sel % 3) {
	case 0:
		enf_http_limits_default(&in);
		break;
	case 1: /* tiny: every cap is hit by a few hundred bytes */
		in = (struct enf_http_limits){
			.max_line = ENF_HTTP1_MIN_LINE,
			.max_headers = 3,
			.max_header_bytes = 96,
			.max_args = 2,
			.max_body = 16,
			.max_json_depth = 2,
			.max_parts = 2,
			.max_streams = 2,
			.max_continuations = 1,
		};
		break;
	default:
		in = (struct enf_http_limits){
			.max_line = 256,
			.max_headers = 16,
			.max_header_bytes = 1024,
			.max_args = 16,
			.max_body = 512,
			.max_json_depth = 8,
			.max_parts = 8,
			.max_streams = 8,
			.max_continuations = 4,
		};
		break;
	}
	err = enf_http_limits_resolve(&in, lim);
	FUZZ_CHECK(err == 0, "limits %u refused: %d", sel % 3, err);
}

size_t fuzz_chunk(const uint8_t *pattern, size_t i)
{
	uint8_t c = pattern[i % FUZZ_PATTERN_LEN];
	size_t k, zero = 1;

	for (k = 0; k < FUZZ_PATTERN_LEN; k++)
		zero &= pattern[k] == 0;
	if (zero)
		return 1;
	/* the top bit: a long chunk (up to 4 KiB) so buffers cross their
	 * growth steps in one feed, too */
	if (c & 0x80)
		return 1 + (size_t)(c & 0x7f) * 32;
	return 1 + (c & 0x3f);
}
