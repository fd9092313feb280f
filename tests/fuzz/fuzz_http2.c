// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the HTTP/2 parser (enforcer/http/http2.h): frames,
 * streamed HPACK blocks, per-stream assembly, caps, lost and midstream
 * state.
 *
 * Input: one byte choosing the limits (low 6 bits), the side (bit 6: the
 * server's, responses) and a connection seen from the middle (bit 7),
 * FUZZ_PATTERN_LEN bytes of chunk sizes, then the bytes of that direction
 * (the client's start with the preface). The stream is fed whole, in
 * chunks whose sizes cycle through the pattern, and (when short) one byte
 * at a time, then finished; every request and response handed out, the
 * counters and the trust state after each run must be identical: the
 * parser promises that nothing depends on chunk boundaries.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/http/http2.h"
#include "fuzz_util.h"

#define FUZZ_BYTEWISE_MAX 4096

struct run {
	struct fuzz_buf dump;
	const struct enf_http_limits *lim;
	enum enf_http2_side side;
};

static int on_request(const struct enf_request *req, void *ctx)
{
	struct run *r = ctx;

	FUZZ_CHECK(r->side == ENF_HTTP2_CLIENT,
		   "a request from the server's side");
	fuzz_buf_u64(&r->dump, 'q');
	fuzz_dump_request(&r->dump, req, r->lim);
	return 0;
}

static int on_response(const struct enf_response *resp, void *ctx)
{
	struct run *r = ctx;

	FUZZ_CHECK(r->side == ENF_HTTP2_SERVER,
		   "a response from the client's side");
	fuzz_buf_u64(&r->dump, 'r');
	fuzz_dump_response(&r->dump, resp, r->lim);
	return 0;
}

static void dump_state(struct run *r, const struct enf_http2 *p, size_t len)
{
	struct enf_http2_counters c;

	enf_http2_counters(p, &c);
	FUZZ_CHECK(c.skipped <= len, "skipped %llu of %zu bytes",
		   (unsigned long long)c.skipped, len);
	FUZZ_CHECK(c.streams + c.streams_refused <= c.frames,
		   "%llu streams from %llu frames",
		   (unsigned long long)(c.streams + c.streams_refused),
		   (unsigned long long)c.frames);
	fuzz_buf_u64(&r->dump, c.frames);
	fuzz_buf_u64(&r->dump, c.streams);
	fuzz_buf_u64(&r->dump, c.streams_refused);
	fuzz_buf_u64(&r->dump, c.requests);
	fuzz_buf_u64(&r->dump, c.responses);
	fuzz_buf_u64(&r->dump, c.errors);
	fuzz_buf_u64(&r->dump, c.hpack_errors);
	fuzz_buf_u64(&r->dump, c.skipped);
	fuzz_buf_u64(&r->dump, c.resyncs);
	fuzz_buf_u64(&r->dump, c.ignored_data);
	fuzz_buf_u64(&r->dump, c.peer_table_size);
	fuzz_buf_u64(&r->dump, enf_http2_trusted(p));
}

static void feed(const struct enf_http_limits *lim, uint8_t sel,
		 const uint8_t *in, size_t len, const uint8_t *pattern,
		 struct run *r)
{
	struct enf_http2 *p;
	size_t off = 0, i = 0;
	int err;

	r->lim = lim;
	r->side = sel & 0x40 ? ENF_HTTP2_SERVER : ENF_HTTP2_CLIENT;
	err = sel & 0x80 ? enf_http2_new_midstream(lim, r->side, &p) :
			   enf_http2_new(lim, r->side, &p);
	FUZZ_CHECK(err == 0 && p, "enf_http2_new: %d", err);
	while (off < len) {
		size_t n = pattern ? fuzz_chunk(pattern, i++) : len - off;

		if (n > len - off)
			n = len - off;
		err = enf_http2_feed(p, in + off, n, on_request, on_response,
				     r);
		FUZZ_CHECK(err == 0, "enf_http2_feed at %zu: %d", off, err);
		off += n;
	}
	dump_state(r, p, len);
	err = enf_http2_finish(p, on_request, on_response, r);
	FUZZ_CHECK(err == 0, "enf_http2_finish: %d", err);
	dump_state(r, p, len);
	/* finished: it takes no more input */
	err = enf_http2_feed(p, in, len ? 1 : 0, on_request, on_response, r);
	FUZZ_CHECK(err == -EINVAL, "a feed after finish: %d", err);
	enf_http2_free(p);
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
	fuzz_limits(data[0] & 0x3f, &lim);
	in = data + FUZZ_HDR_LEN;
	len = size - FUZZ_HDR_LEN;

	feed(&lim, data[0], in, len, NULL, &whole);
	feed(&lim, data[0], in, len, data + 1, &chunked);
	fuzz_same("whole against chunked", &whole.dump, &chunked.dump);
	if (len <= FUZZ_BYTEWISE_MAX) {
		feed(&lim, data[0], in, len, bytewise, &one);
		fuzz_same("whole against byte by byte", &whole.dump, &one.dump);
	}
	fuzz_buf_free(&whole.dump);
	fuzz_buf_free(&chunked.dump);
	fuzz_buf_free(&one.dump);
	return 0;
}
