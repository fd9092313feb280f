// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: enf_http_derive() (enforcer/http/http_internal.h), what
 * a request's head and body imply: path, query, decoded URI, host, cookies,
 * body type and the arguments of urlencoded, JSON and multipart bodies.
 *
 * Input: one byte choosing the limits, one of flags (FL_*), 7 bytes unused,
 * then a request written as HTTP/1: "METHOD SP TARGET [SP PROTOCOL]", header
 * lines "name: value" up to an empty line (lines end in LF, a CR before it
 * dropped; no colon: a name with an empty value), and the rest is the body,
 * kept up to max_body as a parser keeps it. At most max_headers headers.
 *
 * Checks: derive succeeds; the caps hold (fuzz_dump_request()); path and
 * query point into the target; a host given stays; anomalies given stay;
 * the body type is NONE exactly when there is no body. And derive is a
 * function of the request alone: the request derived again with the same
 * buffers after another request dirtied them, and with fresh buffers, must
 * give the same dump.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/http/http1.h"
#include "enforcer/http/http_internal.h"
#include "fuzz_util.h"

#define FL_BODY_CUT 0x01 /* body_len is more than the bytes given */
#define FL_HOST_GIVEN 0x02 /* the protocol gave a host (HTTP/2) */
#define FL_ANOMALIES 0x04 /* some anomalies come in already set */

/* Not a field of struct enf_request: the headers parsed from the input. */
struct input {
	struct enf_request req;
	struct enf_field *hdr;
};

static struct enf_str str(const uint8_t *p, size_t n)
{
	return (struct enf_str){ .ptr = (const char *)p, .len = n };
}

/* The next line of [*off, len): without its LF and a CR before it. */
static struct enf_str line(const uint8_t *in, size_t len, size_t *off,
			   bool *ended)
{
	const uint8_t *s = in + *off, *nl;
	size_t n;

	nl = memchr(s, '\n', len - *off);
	*ended = nl != NULL;
	n = nl ? (size_t)(nl - s) : len - *off;
	*off += n + (nl != NULL);
	if (n && s[n - 1] == '\r')
		n--;
	return str(s, n);
}

static void parse_input(const uint8_t *in, size_t len,
			const struct enf_http_limits *lim, uint8_t flags,
			struct input *x)
{
	struct enf_request *r = &x->req;
	struct enf_str l;
	const char *sp;
	size_t off = 0, n = 0;
	bool ended;

	memset(x, 0, sizeof(*x));
	l = line(in, len, &off, &ended);
	r->line = l;
	sp = memchr(l.ptr, ' ', l.len);
	if (!sp) {
		r->method = str((const uint8_t *)"GET", 3);
		r->uri = l;
	} else {
		const char *t = sp + 1, *end = l.ptr + l.len, *sp2;

		r->method = str((const uint8_t *)l.ptr, (size_t)(sp - l.ptr));
		sp2 = memchr(t, ' ', (size_t)(end - t));
		r->uri = str((const uint8_t *)t,
			     (size_t)((sp2 ? sp2 : end) - t));
		if (sp2)
			r->protocol = str((const uint8_t *)sp2 + 1,
					  (size_t)(end - sp2 - 1));
	}
	x->hdr = calloc(lim->max_headers, sizeof(*x->hdr));
	FUZZ_CHECK(x->hdr, "out of memory");
	while (ended && off < len) {
		const char *colon;

		l = line(in, len, &off, &ended);
		if (!l.len)
			break;
		if (n == lim->max_headers)
			continue;
		colon = memchr(l.ptr, ':', l.len);
		if (!colon) {
			x->hdr[n].name = l;
		} else {
			const char *v = colon + 1;

			x->hdr[n].name = str((const uint8_t *)l.ptr,
					     (size_t)(colon - l.ptr));
			while (v < l.ptr + l.len && (*v == ' ' || *v == '\t'))
				v++;
			x->hdr[n].value = str((const uint8_t *)v,
					      (size_t)(l.ptr + l.len - v));
		}
		n++;
	}
	r->headers = x->hdr;
	r->n_headers = n;
	r->body = str(in + off, len - off);
	r->body_len = r->body.len;
	if (r->body.len > lim->max_body)
		r->body.len = lim->max_body;
	if (flags & FL_BODY_CUT)
		r->body_len += 1 + flags;
	if (flags & FL_HOST_GIVEN)
		r->host = str((const uint8_t *)"h2.example:8443", 15);
	if (flags & FL_ANOMALIES)
		r->anomalies = ENF_ANOM_BARE_LF | ENF_ANOM_H2_STATE_LOST;
}

static bool inside(struct enf_str part, struct enf_str whole)
{
	return part.len == 0 || (part.ptr >= whole.ptr &&
				 part.ptr + part.len <= whole.ptr + whole.len);
}

/* Derives a copy of @x's request with @d and dumps the result. */
static void derive(struct enf_http_derive *d, const struct input *x,
		   const struct enf_http_limits *lim, struct fuzz_buf *out)
{
	struct enf_request r = x->req;
	int err;

	err = enf_http_derive(d, &r, lim);
	FUZZ_CHECK(err == 0, "enf_http_derive: %d", err);
	FUZZ_CHECK(inside(r.path, r.uri), "path not inside the target");
	FUZZ_CHECK(inside(r.query, r.uri), "query not inside the target");
	FUZZ_CHECK(!x->req.host.len || (r.host.ptr == x->req.host.ptr &&
					r.host.len == x->req.host.len),
		   "the host given was replaced");
	FUZZ_CHECK((r.anomalies & x->req.anomalies) == x->req.anomalies,
		   "anomalies given were dropped: 0x%llx of 0x%llx",
		   (unsigned long long)r.anomalies,
		   (unsigned long long)x->req.anomalies);
	FUZZ_CHECK((r.body_type == ENF_BODY_NONE) ==
			   (r.body.len == 0 && r.body_len == 0),
		   "body type %u for %zu bytes (%llu framed)", r.body_type,
		   r.body.len, (unsigned long long)r.body_len);
	fuzz_dump_request(out, &r, lim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char other[] =
		"POST /o?a=1&b=%41 HTTP/1.1\nHost: other\n"
		"Cookie: x=1; y=2\nContent-Type: application/json\n\n"
		"{\"a\":[1,{\"b\":\"c\\u00e9\"}],\"d\":{\"e\":null}}";
	struct fuzz_buf first = { 0 }, again = { 0 }, fresh = { 0 },
			scratch = { 0 };
	struct enf_http_derive d = { 0 }, d2 = { 0 };
	struct enf_http_limits lim;
	struct input x, o;

	if (size < FUZZ_HDR_LEN)
		return 0;
	fuzz_limits(data[0], &lim);
	parse_input(data + FUZZ_HDR_LEN, size - FUZZ_HDR_LEN, &lim, data[1],
		    &x);
	parse_input((const uint8_t *)other, sizeof(other) - 1, &lim, 0, &o);

	derive(&d, &x, &lim, &first);
	derive(&d, &o, &lim, &scratch);
	derive(&d, &x, &lim, &again);
	fuzz_same("derived again after another request", &first, &again);
	derive(&d2, &x, &lim, &fresh);
	fuzz_same("derived with fresh buffers", &first, &fresh);

	enf_http_derive_release(&d);
	enf_http_derive_release(&d2);
	free(x.hdr);
	free(o.hdr);
	fuzz_buf_free(&first);
	fuzz_buf_free(&again);
	fuzz_buf_free(&fresh);
	fuzz_buf_free(&scratch);
	return 0;
}
