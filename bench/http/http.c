// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/http: MB/s of enforcer's HTTP/1.1 request parser on a stream of
 * real-shaped requests (corpus.h), fed in chunks as capture delivers them,
 * against the floor of a memchr pass over the same bytes in the same chunks
 * (what any line-based parser must at least do: find every LF).
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

struct opts {
	unsigned long samples;
	unsigned long mib;
	unsigned long chunk;
	unsigned long passes;
};

struct count {
	size_t n_req;
	uint64_t body_bytes;
	uint64_t anomalies;
	size_t with_anomalies;
};

static int on_request(const struct enf_request *req, void *ctx)
{
	struct count *c = ctx;

	c->n_req++;
	c->body_bytes += req->body_len;
	c->anomalies |= req->anomalies;
	c->with_anomalies += req->anomalies != 0;
	return 0;
}

/* One pass of the parser over @c, fed @chunk bytes at a time. */
static int parse_pass(const struct corpus *c, size_t chunk, struct count *cnt,
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
		"  MB/s of the HTTP/1.1 request parser on real-shaped requests\n"
		"  against a memchr pass over the same bytes (bench/README.md).\n"
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

/* The parser must hand out what the corpus holds, untouched. */
static int check_corpus(const struct corpus *c, size_t chunk)
{
	struct count cnt = { 0 };
	uint64_t skipped = 0;
	int err;

	err = parse_pass(c, chunk, &cnt, &skipped);
	if (err) {
		fprintf(stderr, "Error: the parser failed: %d (%s)\n", err,
			strerror(err < 0 ? -err : err));
		return 1;
	}
	printf("corpus: %zu bytes, %zu requests (GET browser %zu, GET API "
	       "%zu, POST form %zu, JSON %zu, multipart %zu, chunked %zu), "
	       "%.1f%% body bytes; %zu LF\n",
	       c->len, c->n_req, c->n_kind[CK_GET_BROWSER],
	       c->n_kind[CK_GET_API], c->n_kind[CK_POST_FORM],
	       c->n_kind[CK_POST_JSON], c->n_kind[CK_POST_MULTIPART],
	       c->n_kind[CK_POST_CHUNKED], 100.0 * c->body_bytes / c->len,
	       memchr_pass(c, chunk));
	if (cnt.n_req != c->n_req || skipped ||
	    cnt.body_bytes != c->body_bytes) {
		fprintf(stderr,
			"Error: the parser handed out %zu requests (%llu body "
			"bytes, %llu bytes skipped) of %zu (%llu body bytes)\n",
			cnt.n_req, (unsigned long long)cnt.body_bytes,
			(unsigned long long)skipped, c->n_req,
			(unsigned long long)c->body_bytes);
		return 1;
	}
	if (cnt.with_anomalies)
		printf("note: %zu requests carry anomalies (mask 0x%llx)\n",
		       cnt.with_anomalies, (unsigned long long)cnt.anomalies);
	return 0;
}

static void print_stat(const char *what, const double *v, size_t n)
{
	struct bench_stat st;

	bench_stat_of(v, n, &st);
	printf("  %-22s median %9.1f  min %9.1f  max %9.1f\n", what, st.med,
	       st.min, st.max);
}

int main(int argc, char **argv)
{
	static double parser[BENCH_MAX_SAMPLES], floor_[BENCH_MAX_SAMPLES],
		ratio[BENCH_MAX_SAMPLES];
	struct corpus c;
	struct opts o;
	struct bench_stat rs;
	volatile size_t sink = 0;
	size_t i;
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	if (corpus_http1(&c, o.mib << 20)) {
		fprintf(stderr, "Error: no memory for the corpus\n");
		return 1;
	}
	rc = check_corpus(&c, o.chunk);
	if (rc)
		goto out_free_corpus;
	printf("http1: %lu rounds of %lu passes, %lu-byte feeds, CPU time of "
	       "this thread; MB/s (1e6 bytes)\n",
	       o.samples, o.passes, o.chunk);

	for (i = 0; i < o.samples; i++) {
		double t0, t_parse, t_floor,
			mb = (double)c.len * o.passes / 1e6;
		unsigned long k;
		int first;

		for (first = 0; first < 2; first++) {
			bool parse_now = (first == 0) == (i % 2 == 0);
			double *slot = parse_now ? &t_parse : &t_floor;

			t0 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
			for (k = 0; k < o.passes; k++) {
				if (parse_now) {
					struct count cnt = { 0 };
					uint64_t sk;

					if (parse_pass(&c, o.chunk, &cnt,
						       &sk)) {
						fprintf(stderr,
							"Error: the parser "
							"failed in round %zu\n",
							i);
						rc = 1;
						goto out_free_corpus;
					}
					sink += cnt.n_req;
				} else {
					sink += memchr_pass(&c, o.chunk);
				}
			}
			*slot = bench_now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
		}
		parser[i] = mb / (t_parse / 1e9);
		floor_[i] = mb / (t_floor / 1e9);
	}
	bench_ratios(parser, floor_, o.samples, ratio);
	print_stat("parser MB/s", parser, o.samples);
	print_stat("memchr floor MB/s", floor_, o.samples);
	bench_stat_of(ratio, o.samples, &rs);
	{
		struct bench_stat ps;

		bench_stat_of(parser, o.samples, &ps);
		printf("  requests/s (median)    %9.0f\n",
		       ps.med * 1e6 / (double)c.len * (double)c.n_req);
		bench_summary("http1", "mb_per_s", ps.med, "memchr", &rs);
	}
	printf("bench http2: pending (enforcer/http/http2.h not in the tree "
	       "yet)\n");
	(void)sink;
out_free_corpus:
	corpus_free(&c);
	return rc;
}
