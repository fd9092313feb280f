/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the libFuzzer targets of tests/fuzz/ share: a byte buffer that
 * records a canonical dump of every request or response a parser hands out
 * (so runs over different splits of one input can be compared byte for
 * byte), checks that abort with a message (libFuzzer saves the input), the
 * limits a target picks from its input, and the chunking of an input by a
 * pattern taken from the input itself.
 */
#ifndef ENFORCER_FUZZ_UTIL_H
#define ENFORCER_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer/http/http1.h"
#include "enforcer/request.h"

/* Aborts, naming the check, when @cond is false: libFuzzer reports a crash
 * and keeps the input. */
#define FUZZ_CHECK(cond, ...)                                              \
	do {                                                               \
		if (!(cond))                                               \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...) __attribute__((noreturn, format(printf, 4, 5)));

/**
 * struct fuzz_buf - a growing byte buffer
 * @p: the bytes
 * @len: bytes used
 * @cap: bytes allocated
 */
struct fuzz_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

void fuzz_buf_add(struct fuzz_buf *b, const void *s, size_t n);
void fuzz_buf_u64(struct fuzz_buf *b, uint64_t v);
/* Appends @s as length and bytes; checks that a non-empty string has a
 * pointer and reads every byte (ASan catches a string that points out of
 * its buffer). */
void fuzz_buf_str(struct fuzz_buf *b, const char *what, struct enf_str s);
void fuzz_buf_fields(struct fuzz_buf *b, const char *what,
		     const struct enf_field *f, size_t n);
void fuzz_buf_free(struct fuzz_buf *b);

/*
 * Appends every field of @req (what rules see) to @b, and checks what the
 * request model promises whatever the input: strings are readable, lists
 * within @lim's caps, the kept body no longer than max_body nor than the
 * framed length.
 */
void fuzz_dump_request(struct fuzz_buf *b, const struct enf_request *req,
		       const struct enf_http_limits *lim);
/* The same for a response's head. */
void fuzz_dump_response(struct fuzz_buf *b, const struct enf_response *resp,
			const struct enf_http_limits *lim);

/* Fails when two runs' dumps differ, printing where. */
void fuzz_same(const char *what, const struct fuzz_buf *a,
	       const struct fuzz_buf *b);

/* Bytes of the header every target's input starts with: one byte choosing
 * the limits, then FUZZ_PATTERN_LEN bytes of chunk sizes. */
#define FUZZ_PATTERN_LEN 8
#define FUZZ_HDR_LEN (1 + FUZZ_PATTERN_LEN)

/*
 * Limits chosen by @sel: the defaults, tiny caps (every cap hit by small
 * inputs) or middle ones. Resolved (no zero left).
 */
void fuzz_limits(uint8_t sel, struct enf_http_limits *lim);

/*
 * The size of chunk @i (1-based count of chunks handed out so far) from
 * @pattern: 1..64 bytes, cycling through the pattern; a pattern of all
 * zeroes means one byte at a time.
 */
size_t fuzz_chunk(const uint8_t *pattern, size_t i);

#endif /* ENFORCER_FUZZ_UTIL_H */
