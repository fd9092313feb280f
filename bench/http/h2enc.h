/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP/2 byte streams made by libnghttp2 itself: a client session submits
 * requests, a server session in the same process answers each with a small
 * response (and keeps the flow-control windows open), and the bytes each
 * side sent are kept. What bench/http parses, and what tests/fuzz/h2seeds
 * writes as fuzz_http2's seeds: real encoder output, not hand-built frames.
 */
#ifndef ENFORCER_H2ENC_H
#define ENFORCER_H2ENC_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

/* h2enc_request() flags */
#define H2ENC_TRAILERS 0x1 /* the body ends with a trailer block */
#define H2ENC_PADDED 0x2 /* frames padded (PADDED flag) */
#define H2ENC_PRIORITY 0x4 /* HEADERS carry a priority (PRIORITY flag) */

enum h2enc_side {
	H2ENC_CLIENT = 0, /* client to server: preface, requests */
	H2ENC_SERVER = 1, /* server to client: responses */
};

struct h2enc;

/**
 * h2enc_new() - a connected client and server session
 * @out: the pair; free with h2enc_free()
 * Return: 0, -ENOMEM, or a negative nghttp2 error code.
 */
int h2enc_new(struct h2enc **out);
void h2enc_free(struct h2enc *e);

/* The sessions, for frames of their own (PING, GOAWAY, RST_STREAM, ...). */
nghttp2_session *h2enc_session(struct h2enc *e, enum h2enc_side side);

/**
 * h2enc_request() - submit a request (sent at the next h2enc_pump())
 * @e: the pair
 * @nv: its fields, pseudo-headers first
 * @n: their count
 * @body: its body, copied; NULL and 0 for none
 * @len: the body's length
 * @flags: H2ENC_*
 * Return: the stream id (> 0), or a negative nghttp2 error code.
 */
int32_t h2enc_request(struct h2enc *e, const nghttp2_nv *nv, size_t n,
		      const void *body, size_t len, unsigned flags);

/**
 * h2enc_pump() - let both sessions send until neither has anything to say
 * @e: the pair
 * Return: 0 or a negative nghttp2 error code.
 */
int h2enc_pump(struct h2enc *e);

/* The bytes @side has sent so far; valid until the next pump or free. */
const uint8_t *h2enc_bytes(const struct h2enc *e, enum h2enc_side side,
			   size_t *len);

#endif /* ENFORCER_H2ENC_H */
