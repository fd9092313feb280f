/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the HTTP/1.1 parser tests: a callback that deep-copies every
 * request handed out, a canonical text form of a request to compare runs,
 * and a runner that feeds an input whole, split at every byte and one byte
 * at a time, and fails when any split changes the outcome.
 */
#ifndef ENFORCER_TEST_HTTP1_H
#define ENFORCER_TEST_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer/http/http1.h"

#define T_MAX_REQS 256

/* What one feed run produced. */
struct t_run {
	char *dump[T_MAX_REQS]; /* canonical text of each request */
	struct enf_request req[T_MAX_REQS]; /* deep copies */
	size_t n;
	uint64_t skipped;
	int ret; /* what the last enf_http1_feed() returned */
	size_t stop_at; /* the callback returns stop_rc for request stop_at */
	int stop_rc;
};

/* Fails the test, naming @what, when the condition is false. */
#define T_CHECK(cond, ...)                     \
	do {                                   \
		if (!(cond))                   \
			fail_msg(__VA_ARGS__); \
	} while (0)

int t_collect(const struct enf_request *req, void *ctx);
void t_run_free(struct t_run *r);

/* Feeds @in in pieces of at most @step bytes (0: whole) into a new parser. */
void t_feed(const struct enf_http_limits *lim, const char *in, size_t len,
	    size_t step, struct t_run *r);

/*
 * Feeds @in whole into @r, then split at every byte and one byte at a time,
 * failing (with @name) when any of those differs from the whole-input run.
 */
void t_feed_all_splits(const char *name, const struct enf_http_limits *lim,
		       const char *in, size_t len, struct t_run *r);

/* Checks a string field against a C string. */
void t_check_str(const char *name, const char *field, struct enf_str got,
		 const char *want);
/* Checks a string field against bytes. */
void t_check_mem(const char *name, const char *field, struct enf_str got,
		 const char *want, size_t want_len);

/* The value of the @nth header (0-based) named @hname, or ptr NULL. */
struct enf_str t_header(const struct enf_request *req, const char *hname,
			size_t nth);

#endif /* ENFORCER_TEST_HTTP1_H */
