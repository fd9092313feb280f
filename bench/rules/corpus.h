/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The requests bench/rules matches: HTTP/1.1 requests made from templates by
 * a fixed pseudo-random sequence (the same bytes in every run), most of them
 * benign, some attacks, parsed by enforcer's HTTP/1 parser as the daemon
 * parses a flow, and kept as struct enf_request copies that outlive the
 * parser, so the timed loops see exactly what rules see in the daemon and
 * do no parsing.
 */
#ifndef ENFORCER_BENCH_RULES_CORPUS_H
#define ENFORCER_BENCH_RULES_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

/* Kinds of request, benign first, then attacks (rq_kind_is_attack()). */
enum rq_kind {
	RK_PAGE, /* a page load with a query string, as a browser sends it */
	RK_STATIC, /* a static asset, no query */
	RK_API_GET, /* an XHR with a bearer token and filters */
	RK_FORM, /* application/x-www-form-urlencoded: login, comment, search */
	RK_JSON, /* application/json: an order, a profile */
	RK_MULTIPART, /* multipart/form-data with a small text file */
	RK_SQLI,
	RK_XSS,
	RK_LFI, /* path traversal, local file inclusion */
	RK_RCE, /* command injection */
	RK_LOG4SHELL,
	RK_SCANNER, /* a scanner's User-Agent */
	RK_KINDS,
};

#define RK_FIRST_ATTACK RK_SQLI

static inline bool rq_kind_is_attack(enum rq_kind k)
{
	return k >= RK_FIRST_ATTACK;
}

/* The name of @k ("page", "sqli"). */
const char *rq_kind_name(enum rq_kind k);

/**
 * struct rq - one request of the corpus
 * @req: the request as the parser handed it out, every string and array
 *	copied into @mem
 * @kind: enum rq_kind
 * @wire: bytes of the request on the wire (head and framed body)
 * @mem: the copy's memory
 */
struct rq {
	struct enf_request req;
	uint8_t kind;
	size_t wire;
	void *mem;
};

/**
 * struct rcorpus - the corpus
 * @r: the requests, in stream order
 * @n: their count
 * @n_kind: requests of each enum rq_kind
 * @wire_bytes: bytes on the wire of all requests
 * @body_bytes: body bytes kept of all requests
 * @n_values: values the requests hold for rules (headers, arguments,
 *	cookies, with names), all requests together
 * @anomalies: requests the parser flagged with an anomaly
 */
struct rcorpus {
	struct rq *r;
	size_t n;
	size_t n_kind[RK_KINDS];
	uint64_t wire_bytes;
	uint64_t body_bytes;
	uint64_t n_values;
	size_t anomalies;
};

/**
 * rcorpus_make() - make and parse @n requests from @seed
 * @c: filled; free with rcorpus_free()
 * @n: requests wanted (1..1000000)
 * @seed: the sequence; the first k requests of a seed are the same
 *	whatever @n
 * @attack_pct: percent of attacks (0..100)
 * @err: on failure, what went wrong
 *
 * Return: 0, -ENOMEM, -EINVAL for a bad argument, or -EPROTO when the
 * parser did not hand out the requests made, one for one.
 */
int rcorpus_make(struct rcorpus *c, size_t n, uint64_t seed,
		 unsigned int attack_pct, const char **err);

/**
 * rcorpus_add_raw() - parse one raw request and append it
 * @c: a corpus from rcorpus_make() (or zeroed)
 * @raw: the request's bytes, exactly one request
 * @len: their count
 * @kind: what it is, for the counts
 *
 * Return: 0, -ENOMEM, or -EPROTO when the bytes are not one request.
 */
int rcorpus_add_raw(struct rcorpus *c, const char *raw, size_t len,
		    enum rq_kind kind);

void rcorpus_free(struct rcorpus *c);

#endif /* ENFORCER_BENCH_RULES_CORPUS_H */
