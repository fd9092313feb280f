// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/http: MB/s of enforcer's HTTP/1.1 and HTTP/2 request parsers on a
 * stream of real-shaped requests (corpus.h; over HTTP/2 the same requests
 * as libnghttp2's client session encodes them), fed in chunks as capture
 * delivers them, against the floor of a memchr pass over the same bytes in
 * the same chunks (what any line-based parser must at least do: find every
 * LF; for HTTP/2 simply one read of every byte).
 *
 * A round times the parser and the floor back to back, in an order that
 * alternates; each timing is the thread's CPU time for --passes passes over
 * the whole stream. The summary line is the parser's MB/s, and the ratio
 * parser / floor (of MB/s: 1 would be a parser as fast as memchr).
 *
 * Before timing, one pass must hand out exactly the requests the corpus
 * holds, with no skipped bytes: a parser that lost its way would look fast.
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "corpus.h"
#include "enforcer/http/http1.h"
#include "enforcer/http/http2.h"
#include "enforcer/http/http_internal.h"

struct opts {
	unsigned long samples;
	unsigned long mib;
	unsigned long chunk;
	unsigned long passes;
};

/**
 * struct count - what a pass handed out
 * @n_req: requests
 * @body_bytes: their body bytes, as framed
 * @anomalies: every anomaly bit seen
 * @with_anomalies: requests with any
 * @derive: when set, enf_http_derive() runs on each request that the parser
 *	did not derive itself (HTTP/1 at the time of writing)
 * @lim: the limits for @derive
 * @derived: requests derived here
 */
struct count {
	size_t n_req;
	uint64_t body_bytes;
	uint64_t anomalies;
	size_t with_anomalies;
	struct enf_http_derive *derive;
	const struct enf_http_limits *lim;
	size_t derived;
};

static int on_request(const struct enf_request *req, void *ctx)
{
	struct count *c = ctx;

	/* a parser that derives sets the decoded URI (every target has one) */
	if (c->derive && !req->uri_decoded.ptr) {
		struct enf_request r = *req;
		int err = enf_http_derive(c->derive, &r, c->lim);

		if (err)
			return err;
		c->derived++;
	}
	c->n_req++;
	c->body_bytes += req->body_len;
	c->anomalies |= req->anomalies;
	c->with_anomalies += req->anomalies != 0;
	return 0;
}

/* One pass of the HTTP/1 parser over @c, fed @chunk bytes at a time. */
static int pass_http1(const struct corpus *c, size_t chunk, struct count *cnt,
		      uint64_t *skipped)
{
	struct enf_http1 *p;
	size_t off;
	int err;

	err = enf_http1_new(NULL, &p);
	if (err)
		return err;
	for (off = 0; off < c->len && !err; off += chunk) {
		size_t n = c->len - off < chunk ? c->len - off : chunk;

		err = enf_http1_feed(p, c->p + off, n, on_request, cnt);
	}
	*skipped = enf_http1_skipped(p);
	enf_http1_free(p);
	return err;
}

/* The HTTP/1 parser and enf_http_derive() on what it hands out: the
 * request as rules see it, comparable with HTTP/2's (whose parser derives). */
static int pass_http1_derive(const struct corpus *c, size_t chunk,
			     struct count *cnt, uint64_t *skipped)
{
	struct enf_http_derive d = { 0 };
	struct enf_http_limits lim;
	int err;

	enf_http_limits_default(&lim);
	cnt->derive = &d;
	cnt->lim = &lim;
	err = pass_http1(c, chunk, cnt, skipped);
	cnt->derive = NULL;
	enf_http_derive_release(&d);
	return err;
}

/* The same for the HTTP/2 parser (the client's side), finished at the end. */
static int pass_http2(const struct corpus *c, size_t chunk, struct count *cnt,
		      uint64_t *skipped)
{
	struct enf_http2_counters ctr;
	struct enf_http2 *p;
	size_t off;
	int err;

	err = enf_http2_new(NULL, ENF_HTTP2_CLIENT, &p);
	if (err)
		return err;
	for (off = 0; off < c->len && !err; off += chunk) {
		size_t n = c->len - off < chunk ? c->len - off : chunk;

		err = enf_http2_feed(p, c->p + off, n, on_request, NULL, cnt);
	}
	if (!err)
		err = enf_http2_finish(p, on_request, NULL, cnt);
	enf_http2_counters(p, &ctr);
	*skipped = ctr.skipped;
	enf_http2_free(p);
	return err;
}

/* The floor: every LF of @c found with memchr, in the same chunks. */
static size_t memchr_pass(const struct corpus *c, size_t chunk)
{
	size_t off, lines = 0;

	for (off = 0; off < c->len; off += chunk) {
		const uint8_t *s = c->p + off;
		const uint8_t *end =
			s + (c->len - off < chunk ? c->len - off : chunk);
		const uint8_t *nl;

		while (s < end && (nl = memchr(s, '\n', (size_t)(end - s)))) {
			lines++;
			s = nl + 1;
		}
	}
	return lines;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: http [--samples N] [--mib N] [--chunk BYTES] "
		"[--passes N]\n"
		"  MB/s of the HTTP/1.1 and HTTP/2 request parsers on real-shaped\n"
		"  requests"
		" against a memchr pass over the same bytes (bench/README.md).\n"
		"  --samples N     rounds (default 15)\n"
		"  --mib N         size of the request stream (default 4)\n"
		"  --chunk BYTES   bytes per feed (default 16384, a TLS "
		"record)\n"
		"  --passes N      passes over the stream per timing (default "
		"10)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "mib", required_argument, NULL, 'm' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "passes", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct opts){
		.samples = 15, .mib = 4, .chunk = 16384, .passes = 10
	};
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (bench_parse_ulong("--samples", optarg, 1,
					      BENCH_MAX_SAMPLES, &o->samples))
				return 2;
			break;
		case 'm':
			if (bench_parse_ulong("--mib", optarg, 1, 256, &o->mib))
				return 2;
			break;
		case 'c':
			if (bench_parse_ulong("--chunk", optarg, 1, 1 << 24,
					      &o->chunk))
				return 2;
			break;
		case 'p':
			if (bench_parse_ulong("--passes", optarg, 1, 1000,
					      &o->passes))
				return 2;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

typedef int (*pass_fn)(const struct corpus *c, size_t chunk, struct count *cnt,
		       uint64_t *skipped);

/**
 * struct subject - one parser and the corpus it reads
 * @name: "http1", the summary line's name
 * @c: the corpus
 * @pass: one pass of the parser over @c
 */
struct subject {
	const char *name;
	const struct corpus *c;
	pass_fn pass;
};

/* The parser must hand out what the corpus holds, untouched. */
static int check_corpus(const struct subject *s, size_t chunk)
{
	const struct corpus *c = s->c;
	struct count cnt = { 0 };
	uint64_t skipped = 0;
	int err;

	err = s->pass(c, chunk, &cnt, &skipped);
	if (err) {
		fprintf(stderr, "Error: %s: the parser failed: %d (%s)\n",
			s->name, err, strerror(err < 0 ? -err : err));
		return 1;
	}
	printf("%s corpus: %zu bytes, %zu requests (GET browser %zu, GET API "
	       "%zu, POST form %zu, JSON %zu, multipart %zu, chunked %zu), "
	       "%.1f%% body bytes; %zu LF\n",
	       s->name, c->len, c->n_req, c->n_kind[CK_GET_BROWSER],
	       c->n_kind[CK_GET_API], c->n_kind[CK_POST_FORM],
	       c->n_kind[CK_POST_JSON], c->n_kind[CK_POST_MULTIPART],
	       c->n_kind[CK_POST_CHUNKED], 100.0 * c->body_bytes / c->len,
	       memchr_pass(c, chunk));
	if (cnt.n_req != c->n_req || skipped ||
	    cnt.body_bytes != c->body_bytes) {
		fprintf(stderr,
			"Error: %s: the parser handed out %zu requests (%llu "
			"body bytes, %llu bytes skipped) of %zu (%llu body "
			"bytes)\n",
			s->name, cnt.n_req, (unsigned long long)cnt.body_bytes,
			(unsigned long long)skipped, c->n_req,
			(unsigned long long)c->body_bytes);
		return 1;
	}
	if (s->pass == pass_http1_derive)
		printf("%s: enf_http_derive() run by the benchmark on %zu of %zu "
		       "requests (the others derived by the parser)\n",
		       s->name, cnt.derived, cnt.n_req);
	if (cnt.with_anomalies)
		printf("note: %s: %zu requests carry anomalies (mask 0x%llx)\n",
		       s->name, cnt.with_anomalies,
		       (unsigned long long)cnt.anomalies);
	return 0;
}

static void print_stat(const char *what, const double *v, size_t n)
{
	struct bench_stat st;

	bench_stat_of(v, n, &st);
	printf("  %-22s median %9.1f  min %9.1f  max %9.1f\n", what, st.med,
	       st.min, st.max);
}

/* Rounds of the parser against the memchr floor, interleaved, the order
 * alternating; prints the figures and the summary line. */
static int run(const struct subject *s, const struct opts *o)
{
	static double parser[BENCH_MAX_SAMPLES], floor_[BENCH_MAX_SAMPLES],
		ratio[BENCH_MAX_SAMPLES];
	const struct corpus *c = s->c;
	double mb = (double)c->len * o->passes / 1e6;
	struct bench_stat rs, ps;
	volatile size_t sink = 0;
	size_t i;

	printf("%s: %lu rounds of %lu passes, %lu-byte feeds, CPU time of "
	       "this thread; MB/s (1e6 bytes)\n",
	       s->name, o->samples, o->passes, o->chunk);
	for (i = 0; i < o->samples; i++) {
		double t_parse = 0, t_floor = 0;
		int k;

		for (k = 0; k < 2; k++) {
			bool parse_now = (k == 0) == (i % 2 == 0);
			double t0 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
			unsigned long j;

			for (j = 0; j < o->passes; j++) {
				struct count cnt = { 0 };
				uint64_t sk;

				if (!parse_now) {
					sink += memchr_pass(c, o->chunk);
					continue;
				}
				if (s->pass(c, o->chunk, &cnt, &sk)) {
					fprintf(stderr,
						"Error: %s: the parser failed "
						"in round %zu\n",
						s->name, i);
					return 1;
				}
				sink += cnt.n_req;
			}
			*(parse_now ? &t_parse : &t_floor) =
				bench_now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
		}
		parser[i] = mb / (t_parse / 1e9);
		floor_[i] = mb / (t_floor / 1e9);
	}
	(void)sink;
	bench_ratios(parser, floor_, o->samples, ratio);
	print_stat("parser MB/s", parser, o->samples);
	print_stat("memchr floor MB/s", floor_, o->samples);
	bench_stat_of(parser, o->samples, &ps);
	bench_stat_of(ratio, o->samples, &rs);
	printf("  requests/s (median)    %9.0f\n",
	       ps.med * 1e6 / (double)c->len * (double)c->n_req);
	bench_summary(s->name, "mb_per_s", ps.med, "memchr", &rs);
	return 0;
}

int main(int argc, char **argv)
{
	struct corpus h1, h2;
	struct subject subj[3];
	const char *why;
	struct opts o;
	int rc, i;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (corpus_http1(&h1, o.mib << 20)) {
		fprintf(stderr, "Error: no memory for the corpus\n");
		return 1;
	}
	rc = corpus_http2(&h1, &h2, &why);
	if (rc) {
		fprintf(stderr, "Error: the HTTP/2 corpus: %s (%d)\n", why, rc);
		rc = 1;
		goto out_free_h1;
	}
	subj[0] = (struct subject){ "http1", &h1, pass_http1 };
	subj[1] = (struct subject){ "http1_derive", &h1, pass_http1_derive };
	subj[2] = (struct subject){ "http2", &h2, pass_http2 };
	for (i = 0; i < 3 && !rc; i++)
		rc = check_corpus(&subj[i], o.chunk);
	for (i = 0; i < 3 && !rc; i++)
		rc = run(&subj[i], &o);
	corpus_free(&h2);
out_free_h1:
	corpus_free(&h1);
	return rc;
}
