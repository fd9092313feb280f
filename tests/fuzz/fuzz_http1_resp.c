// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the HTTP/1.1 response parser (enf_http1_resp_* in
 * enforcer/http/http1.h).
 *
 * Input: one byte choosing the limits (low 7 bits) and whether the stream
 * ends with enf_http1_resp_finish() (top bit), FUZZ_PATTERN_LEN bytes of
 * chunk sizes, one byte whose low 4 bits count the requests awaited and
 * whose bit 4 asks for the status line only (enf_http1_resp_status_only(),
 * as the daemon does: the head read by another path), one byte per request
 * choosing its method (methods[], below), then the
 * stream. As for requests, the stream is fed whole, in chunks and (when
 * short) one byte at a time, and the three dumps of the responses handed
 * out, skipped counts included, must be identical.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enforcer/http/http1.h"
#include "fuzz_util.h"

#define FUZZ_BYTEWISE_MAX 4096

static const char *const methods[] = { "GET",  "HEAD",	  "CONNECT", "POST",
				       "head", "OPTIONS", "",	     "HEADER" };

struct run {
	struct fuzz_buf dump;
	const struct enf_http_limits *lim;
};

static int on_response(const struct enf_response *resp, void *ctx)
{
	struct run *r = ctx;

	fuzz_dump_response(&r->dump, resp, r->lim);
	return 0;
}

struct input {
	const uint8_t *pattern;
	const uint8_t *expect;
	size_t n_expect;
	const uint8_t *in;
	size_t len;
	bool finish;
	bool status_only;
};

static void feed(const struct enf_http_limits *lim, const struct input *x,
		 const uint8_t *pattern, struct run *r)
{
	struct enf_http1_resp *p;
	size_t off = 0, i = 0;
	int err;

	r->lim = lim;
	err = enf_http1_resp_new(lim, &p);
	FUZZ_CHECK(err == 0 && p, "enf_http1_resp_new: %d", err);
	if (x->status_only)
		enf_http1_resp_status_only(p);
	for (i = 0; i < x->n_expect; i++) {
		const char *m = methods[x->expect[i] % 8];

		err = enf_http1_resp_expect(p, m, strlen(m));
		FUZZ_CHECK(err == 0 || err == -EINVAL,
			   "enf_http1_resp_expect(%s): %d", m, err);
		fuzz_buf_u64(&r->dump, (uint64_t)err);
	}
	i = 0;
	while (off < x->len) {
		size_t n = pattern ? fuzz_chunk(pattern, i++) : x->len - off;

		if (n > x->len - off)
			n = x->len - off;
		err = enf_http1_resp_feed(p, x->in + off, n, on_response, r);
		FUZZ_CHECK(err == 0, "enf_http1_resp_feed at %zu: %d", off,
			   err);
		off += n;
	}
	if (x->finish) {
		err = enf_http1_resp_finish(p, on_response, r);
		FUZZ_CHECK(err == 0, "enf_http1_resp_finish: %d", err);
		/* the parser is as new: a second end hands out nothing */
		fuzz_buf_u64(&r->dump, 0xf1);
		err = enf_http1_resp_finish(p, on_response, r);
		FUZZ_CHECK(err == 0, "enf_http1_resp_finish again: %d", err);
	}
	fuzz_buf_u64(&r->dump, enf_http1_resp_skipped(p));
	FUZZ_CHECK(enf_http1_resp_skipped(p) <= x->len,
		   "skipped %llu of %zu bytes",
		   (unsigned long long)enf_http1_resp_skipped(p), x->len);
	enf_http1_resp_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t bytewise[FUZZ_PATTERN_LEN];
	struct run whole = { 0 }, chunked = { 0 }, one = { 0 };
	struct enf_http_limits lim;
	struct input x;

	if (size < FUZZ_HDR_LEN + 1)
		return 0;
	x.pattern = data + 1;
	x.finish = data[0] & 0x80;
	x.n_expect = data[FUZZ_HDR_LEN] & 0xf;
	x.status_only = data[FUZZ_HDR_LEN] & 0x10;
	if (size < FUZZ_HDR_LEN + 1 + x.n_expect)
		return 0;
	x.expect = data + FUZZ_HDR_LEN + 1;
	x.in = x.expect + x.n_expect;
	x.len = size - FUZZ_HDR_LEN - 1 - x.n_expect;
	fuzz_limits(data[0] & 0x7f, &lim);

	feed(&lim, &x, NULL, &whole);
	feed(&lim, &x, x.pattern, &chunked);
	fuzz_same("whole against chunked", &whole.dump, &chunked.dump);
	if (x.len <= FUZZ_BYTEWISE_MAX) {
		feed(&lim, &x, bytewise, &one);
		fuzz_same("whole against byte by byte", &whole.dump, &one.dump);
	}
	fuzz_buf_free(&whole.dump);
	fuzz_buf_free(&chunked.dump);
	fuzz_buf_free(&one.dump);
	return 0;
}
