// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the HTTP/1.1 request parser (enforcer/http/http1.h).
 *
 * Input: one byte choosing the limits, FUZZ_PATTERN_LEN bytes of chunk
 * sizes, then the stream. The stream is fed whole, in chunks whose sizes
 * cycle through the pattern, and (up to FUZZ_BYTEWISE_MAX bytes) one byte at
 * a time; every request handed out is dumped with every field, and the
 * three dumps (and skipped-byte counts) must be identical: the parser
 * promises the same requests for any split, so this is a differential test
 * as well as a crash, leak and UB hunt.
 */
#include <stddef.h>
#include <stdint.h>

#include "enforcer/http/http1.h"
#include "fuzz_util.h"

/* Above this the byte-at-a-time run is left out (it costs a call a byte). */
#define FUZZ_BYTEWISE_MAX 4096

struct run {
	struct fuzz_buf dump;
	const struct enf_http_limits *lim;
	size_t n_req;
};

static int on_request(const struct enf_request *req, void *ctx)
{
	struct run *r = ctx;

	fuzz_dump_request(&r->dump, req, r->lim);
	r->n_req++;
	return 0;
}

/* Feeds @in into a new parser in chunks: whole when @pattern is NULL. */
static void feed(const struct enf_http_limits *lim, const uint8_t *in,
		 size_t len, const uint8_t *pattern, struct run *r)
{
	struct enf_http1 *p;
	size_t off = 0, i = 0;
	int err;

	r->lim = lim;
	err = enf_http1_new(lim, &p);
	FUZZ_CHECK(err == 0 && p, "enf_http1_new: %d", err);
	while (off < len) {
		size_t n = pattern ? fuzz_chunk(pattern, i++) : len - off;

		if (n > len - off)
			n = len - off;
		err = enf_http1_feed(p, in + off, n, on_request, r);
		FUZZ_CHECK(err == 0, "enf_http1_feed at %zu: %d", off, err);
		off += n;
	}
	/* a feed of nothing changes nothing */
	err = enf_http1_feed(p, NULL, 0, on_request, r);
	FUZZ_CHECK(err == 0, "enf_http1_feed of 0 bytes: %d", err);
	fuzz_buf_u64(&r->dump, enf_http1_skipped(p));
	FUZZ_CHECK(enf_http1_skipped(p) <= len, "skipped %llu of %zu bytes",
		   (unsigned long long)enf_http1_skipped(p), len);
	enf_http1_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t bytewise[FUZZ_PATTERN_LEN];
	struct run whole = { 0 }, chunked = { 0 }, one = { 0 };
	struct enf_http_limits lim;
	const uint8_t *in;
	size_t len;

	if (size < FUZZ_HDR_LEN)
		return 0;
	fuzz_limits(data[0], &lim);
	in = data + FUZZ_HDR_LEN;
	len = size - FUZZ_HDR_LEN;

	feed(&lim, in, len, NULL, &whole);
	feed(&lim, in, len, data + 1, &chunked);
	fuzz_same("whole against chunked", &whole.dump, &chunked.dump);
	if (len <= FUZZ_BYTEWISE_MAX) {
		feed(&lim, in, len, bytewise, &one);
		fuzz_same("whole against byte by byte", &whole.dump, &one.dump);
	}
	fuzz_buf_free(&whole.dump);
	fuzz_buf_free(&chunked.dump);
	fuzz_buf_free(&one.dump);
	return 0;
}
