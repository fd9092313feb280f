// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench map_update: nanoseconds per deny entry written into the host maps,
 * one at a time and batched, against bpf_map_update_elem() on an empty
 * hash map. Target (../shared/BENCHMARKS.md): batched >= 3x single.
 *
 * Series, each writing the same --entries distinct entries per round:
 * - baseline: bpf_map_update_elem() of IPv4 sources (4-byte key, the 8-byte
 *   struct enf_deny_value) into a fresh BPF_MAP_TYPE_HASH of deny_src4's
 *   size and flags, one call each;
 * - baseline batch256: the same map and keys through
 *   bpf_map_update_batch(), 256 a call: what the kernel alone costs a
 *   batched entry, the floor of the data plane's batches;
 * - src4 single / batch64 / batch256: enf_dp_deny_add() of IPv4 sources,
 *   one a call, then enf_dp_deny_add_many() 64 and 256 a call, on a data
 *   plane of private maps (enf_dp_open(NULL): no interface, no pin), so
 *   each entry also takes its deny_fast4 slot as in the daemon;
 * - writer single / batch256: the same sources through the map writer
 *   thread (enforcer/verdict/writer.h): enf_writer_add() one at a time,
 *   each waiting for the thread (the cost of the handoff), and
 *   enf_writer_run() of 256 operations, one take of the thread;
 * - src6 single / batch256: IPv6 sources (16-byte keys);
 * - flow single / batch256: TCP 5-tuples from 64 sources, so sources are
 *   shared as real flows share them: each new flow needs a lookup in
 *   deny_flow (batches cannot say which keys were there), and its
 *   source's mark (a lookup in deny_src4, then a write the first time).
 *
 * Each series' time is CLOCK_MONOTONIC around its whole round (the writer
 * thread works while the caller waits), divided by the entries. After the
 * round the host maps' counts are checked, then every entry is removed with
 * enf_dp_deny_del() (untimed) and the maps checked empty, so every round
 * starts empty. The order of the series rotates from round to round; one
 * warm-up round is not kept. Reported: each series' median round and the
 * spread, and the ratios single / batched of each round (median, min..max).
 *
 * Needs root; exits 77 (skipped) without it or when the data plane cannot
 * be opened.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_xdp.h"
#include "enforcer/common/log.h"
#include "enforcer/flow.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/verdict/writer.h"
#include "enforcer/xdp.h"

#define RULE_ID 990801
#define FLOW_SOURCES 64
#define FLOW_SPORT0 1024
#define TARGET_RATIO 3.0

/* What a series writes. */
enum set_id {
	SET_SRC4 = 0,
	SET_SRC6,
	SET_FLOW,
	SET_COUNT,
};

/* How it writes them. */
enum how {
	HOW_MAP_ONE, /* bpf_map_update_elem() into a fresh hash map */
	HOW_MAP_BATCH, /* bpf_map_update_batch() into a fresh hash map */
	HOW_DP_ONE, /* enf_dp_deny_add() */
	HOW_DP_BATCH, /* enf_dp_deny_add_many() */
	HOW_WR_ONE, /* enf_writer_add() */
	HOW_WR_BATCH, /* enf_writer_run() */
};

enum series_id {
	SR_BASE = 0,
	SR_BASE_B256,
	SR_SRC4_ONE,
	SR_SRC4_B64,
	SR_SRC4_B256,
	SR_WR_ONE,
	SR_WR_B256,
	SR_SRC6_ONE,
	SR_SRC6_B256,
	SR_FLOW_ONE,
	SR_FLOW_B256,
	SR_COUNT,
};

struct series {
	const char *name;
	const char *call;
	enum set_id set;
	enum how how;
	size_t batch;
};

static const struct series series[SR_COUNT] = {
	[SR_BASE] = { "baseline", "bpf_map_update_elem", SET_SRC4, HOW_MAP_ONE,
		      1 },
	[SR_BASE_B256] = { "baseline batch256", "bpf_map_update_batch",
			   SET_SRC4, HOW_MAP_BATCH, 256 },
	[SR_SRC4_ONE] = { "src4 single", "enf_dp_deny_add", SET_SRC4,
			  HOW_DP_ONE, 1 },
	[SR_SRC4_B64] = { "src4 batch64", "enf_dp_deny_add_many", SET_SRC4,
			  HOW_DP_BATCH, 64 },
	[SR_SRC4_B256] = { "src4 batch256", "enf_dp_deny_add_many", SET_SRC4,
			   HOW_DP_BATCH, 256 },
	[SR_WR_ONE] = { "writer single", "enf_writer_add", SET_SRC4, HOW_WR_ONE,
			1 },
	[SR_WR_B256] = { "writer batch256", "enf_writer_run", SET_SRC4,
			 HOW_WR_BATCH, ENF_WRITER_BATCH },
	[SR_SRC6_ONE] = { "src6 single", "enf_dp_deny_add", SET_SRC6,
			  HOW_DP_ONE, 1 },
	[SR_SRC6_B256] = { "src6 batch256", "enf_dp_deny_add_many", SET_SRC6,
			   HOW_DP_BATCH, 256 },
	[SR_FLOW_ONE] = { "flow single", "enf_dp_deny_add", SET_FLOW,
			  HOW_DP_ONE, 1 },
	[SR_FLOW_B256] = { "flow batch256", "enf_dp_deny_add_many", SET_FLOW,
			   HOW_DP_BATCH, 256 },
};

struct opts {
	unsigned long entries;
	unsigned long rounds;
};

struct ctx {
	struct opts o;
	size_t n;
	struct enf_dp *dp;
	struct enf_writer *w;
	struct enf_deny *d[SET_COUNT]; /* n entries of each set */
	__u32 *key4; /* the IPv4 sources as deny_src4 keys */
	struct enf_deny_value *val; /* n values, rule RULE_ID */
	__u32 *rule; /* n rule ids */
	int *err;
	struct enf_deny_result *res;
	struct enf_write_op *ops; /* n adds of the IPv4 sources */
	double ns[SR_COUNT][BENCH_MAX_SAMPLES]; /* per entry, per round */
	bool batch_map; /* the kernel takes BPF_MAP_UPDATE_BATCH on a hash */
	__u64 takes, take_runs; /* writer: takes over enf_writer_run() calls */
};

/* ---- entries -------------------------------------------------------------- */

static void make_entries(struct ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct enf_deny *d4 = &c->d[SET_SRC4][i];
		struct enf_deny *d6 = &c->d[SET_SRC6][i];
		struct enf_deny *df = &c->d[SET_FLOW][i];
		__u32 a = bench_deny_src4(i);
		__u32 src = htonl(0xc6336400u + (__u32)(i % FLOW_SOURCES));
		__u32 dst = htonl(0xc0000201u); /* 192.0.2.1 */
		__u16 sport = (__u16)(FLOW_SPORT0 + i / FLOW_SOURCES);

		c->key4[i] = a;
		c->val[i] = (struct enf_deny_value){ .rule_id = RULE_ID };
		c->rule[i] = RULE_ID;

		*d4 = (struct enf_deny){ .kind = ENF_DENY_SRC,
					 .family = AF_INET };
		memcpy(d4->addr, &a, sizeof(a));

		/* 2001:db8::/96 and the same 32 bits */
		*d6 = (struct enf_deny){ .kind = ENF_DENY_SRC,
					 .family = AF_INET6 };
		d6->addr[0] = 0x20;
		d6->addr[1] = 0x01;
		d6->addr[2] = 0x0d;
		d6->addr[3] = 0xb8;
		memcpy(d6->addr + 12, &a, sizeof(a));

		/* 198.51.100.0/26 to 192.0.2.1:443, a source port each */
		*df = (struct enf_deny){ .kind = ENF_DENY_FLOW,
					 .family = AF_INET };
		df->flow.family = ENF_FAMILY_V4;
		df->flow.proto = IPPROTO_TCP;
		memcpy(df->flow.saddr, &src, sizeof(src));
		memcpy(df->flow.daddr, &dst, sizeof(dst));
		df->flow.sport = htons(sport);
		df->flow.dport = htons(443);

		c->ops[i] = (struct enf_write_op){ .kind = ENF_WRITE_ADD,
						   .e = { .deny = *d4 },
						   .rule_id = RULE_ID };
	}
}

static int alloc_ctx(struct ctx *c)
{
	c->n = c->o.entries;
	for (int s = 0; s < SET_COUNT; s++)
		c->d[s] = calloc(c->n, sizeof(*c->d[s]));
	c->key4 = calloc(c->n, sizeof(*c->key4));
	c->val = calloc(c->n, sizeof(*c->val));
	c->rule = calloc(c->n, sizeof(*c->rule));
	c->err = calloc(c->n, sizeof(*c->err));
	c->res = calloc(c->n, sizeof(*c->res));
	c->ops = calloc(c->n, sizeof(*c->ops));
	for (int s = 0; s < SET_COUNT; s++)
		if (!c->d[s])
			return -ENOMEM;
	if (!c->key4 || !c->val || !c->rule || !c->err || !c->res || !c->ops)
		return -ENOMEM;
	make_entries(c);
	return 0;
}

static void free_ctx(struct ctx *c)
{
	enf_writer_free(c->w);
	enf_dp_close(c->dp);
	for (int s = 0; s < SET_COUNT; s++)
		free(c->d[s]);
	free(c->key4);
	free(c->val);
	free(c->rule);
	free(c->err);
	free(c->res);
	free(c->ops);
	free(c);
}

/* ---- one round of one series ---------------------------------------------- */

static int map_new(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_src4", sizeof(__u32),
				sizeof(struct enf_deny_value),
				ENF_DENY_SRC4_MAX, NULL);

	if (fd < 0) {
		fd = -errno;
		fprintf(stderr, "Error: creating a hash map: %s\n",
			strerror(-fd));
	}
	return fd;
}

/* Whether this kernel takes BPF_MAP_UPDATE_BATCH on a hash map. */
static bool map_batch_works(void)
{
	struct enf_deny_value v = { .rule_id = RULE_ID };
	__u32 k = 1, count = 1;
	int fd = map_new(), err;

	if (fd < 0)
		return false;
	err = bpf_map_update_batch(fd, &k, &v, &count, NULL);
	close(fd);
	return !err && count == 1;
}

static int map_round(struct ctx *c, const struct series *s, double *ns)
{
	double t0, t1;
	int fd, err = 0;

	fd = map_new();
	if (fd < 0)
		return fd;
	t0 = bench_now_ns(CLOCK_MONOTONIC);
	if (s->how == HOW_MAP_ONE) {
		for (size_t i = 0; i < c->n && !err; i++)
			err = bpf_map_update_elem(fd, &c->key4[i], &c->val[i],
						  BPF_ANY);
	} else {
		for (size_t i = 0; i < c->n && !err; i += s->batch) {
			size_t left = c->n - i;
			__u32 count =
				(__u32)(left < s->batch ? left : s->batch);
			__u32 want = count;

			err = bpf_map_update_batch(fd, &c->key4[i], &c->val[i],
						   &count, NULL);
			if (!err && count != want)
				err = -EIO;
		}
	}
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	close(fd);
	if (err) {
		fprintf(stderr, "Error: %s (%s): %s\n", s->name, s->call,
			strerror(-err));
		return err;
	}
	*ns = (t1 - t0) / (double)c->n;
	return 0;
}

/* The writer's adds of c->ops[from..from+n), waited for. */
static int writer_batch(struct ctx *c, size_t from, size_t n)
{
	struct enf_writer_stats before, after;

	enf_writer_get_stats(c->w, &before);
	enf_writer_run(c->w, &c->ops[from], n);
	enf_writer_get_stats(c->w, &after);
	c->takes += after.wakes - before.wakes;
	c->take_runs++;
	for (size_t i = from; i < from + n; i++)
		if (c->ops[i].err)
			return c->ops[i].err;
	return 0;
}

static int dp_round(struct ctx *c, const struct series *s, double *ns)
{
	const struct enf_deny *d = c->d[s->set];
	double t0, t1;
	int err = 0;

	t0 = bench_now_ns(CLOCK_MONOTONIC);
	switch (s->how) {
	case HOW_DP_ONE:
		for (size_t i = 0; i < c->n && !err; i++)
			err = enf_dp_deny_add(c->dp, &d[i], c->rule[i],
					      &c->res[i]);
		break;
	case HOW_DP_BATCH:
		for (size_t i = 0; i < c->n && !err; i += s->batch) {
			size_t left = c->n - i;
			size_t k = left < s->batch ? left : s->batch;

			err = enf_dp_deny_add_many(c->dp, &d[i], &c->rule[i], k,
						   &c->err[i], &c->res[i]);
			for (size_t j = i; j < i + k && !err; j++)
				err = c->err[j];
		}
		break;
	case HOW_WR_ONE:
		for (size_t i = 0; i < c->n && !err; i++)
			err = enf_writer_add(c->w, &c->ops[i].e, c->rule[i],
					     &c->res[i]);
		break;
	case HOW_WR_BATCH:
		for (size_t i = 0; i < c->n && !err; i += s->batch) {
			size_t left = c->n - i;

			err = writer_batch(c, i,
					   left < s->batch ? left : s->batch);
		}
		break;
	default:
		err = -EINVAL;
	}
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	if (err) {
		fprintf(stderr, "Error: %s (%s): %s\n", s->name, s->call,
			strerror(-err));
		return err;
	}
	*ns = (t1 - t0) / (double)c->n;
	return 0;
}

/* The host maps hold @want entries of @s's set and nothing else. */
static int check_counts(struct ctx *c, const struct series *s, __u32 want,
			const char *when)
{
	struct enf_dp_host_counts h;
	__u32 exp[SET_COUNT] = {};
	int err;

	err = enf_dp_host_counts(c->dp, &h);
	if (err) {
		fprintf(stderr, "Error: counting the host maps: %s\n",
			strerror(-err));
		return err;
	}
	exp[s->set] = want;
	if (h.src4 == exp[SET_SRC4] && h.src6 == exp[SET_SRC6] &&
	    h.flow == exp[SET_FLOW] && !h.cidr4 && !h.cidr6 && !h.spill)
		return 0;
	fprintf(stderr,
		"Error: %s, %s: host maps hold src4 %u src6 %u flow %u cidr %u/%u spill %u, not %u of its kind\n",
		s->name, when, h.src4, h.src6, h.flow, h.cidr4, h.cidr6,
		h.spill, want);
	return -EIO;
}

/* Every entry of @s's set out again, untimed, so the next round starts
 * from empty maps (a flow's source mark goes with its last flow). */
static int dp_clear(struct ctx *c, const struct series *s)
{
	const struct enf_deny *d = c->d[s->set];
	int err;

	for (size_t i = 0; i < c->n; i++) {
		err = enf_dp_deny_del(c->dp, &d[i]);
		if (err) {
			fprintf(stderr, "Error: %s: removing entry %zu: %s\n",
				s->name, i, strerror(-err));
			return err;
		}
	}
	return check_counts(c, s, 0, "after removing them");
}

static int run_one(struct ctx *c, enum series_id id, double *ns)
{
	const struct series *s = &series[id];
	int err;

	if (s->how == HOW_MAP_ONE || s->how == HOW_MAP_BATCH) {
		if (s->how == HOW_MAP_BATCH && !c->batch_map) {
			*ns = 0;
			return 0;
		}
		return map_round(c, s, ns);
	}
	err = dp_round(c, s, ns);
	if (!err)
		err = check_counts(c, s, (__u32)c->n, "after the adds");
	if (!err)
		err = dp_clear(c, s);
	return err;
}

/* One warm-up round, then --rounds, the series in an order that rotates. */
static int measure(struct ctx *c)
{
	for (long r = -1; r < (long)c->o.rounds; r++) {
		for (int k = 0; k < SR_COUNT; k++) {
			enum series_id id = (enum series_id)(
				(k + (r < 0 ? 0 : r)) % SR_COUNT);
			double ns;
			int err = run_one(c, id, &ns);

			if (err)
				return err;
			if (r >= 0)
				c->ns[id][r] = ns;
		}
		if (r >= 0) {
			printf("round %ld/%lu: src4 single %.1f ns, batch256 %.1f ns an entry\n",
			       r + 1, c->o.rounds, c->ns[SR_SRC4_ONE][r],
			       c->ns[SR_SRC4_B256][r]);
			fflush(stdout);
		}
	}
	return 0;
}

/* ---- report --------------------------------------------------------------- */

static struct bench_stat stat_of(const struct ctx *c, enum series_id id)
{
	struct bench_stat st = {};

	bench_stat_of(c->ns[id], c->o.rounds, &st);
	return st;
}

/* Per round ns[@a] / ns[@b]: median and spread. */
static struct bench_stat ratio_of(const struct ctx *c, enum series_id a,
				  enum series_id b)
{
	double r[BENCH_MAX_SAMPLES];
	struct bench_stat st = {};

	bench_ratios(c->ns[a], c->ns[b], c->o.rounds, r);
	bench_stat_of(r, c->o.rounds, &st);
	return st;
}

static void print_ratio(const struct ctx *c, const char *what, enum series_id a,
			enum series_id b)
{
	struct bench_stat r = ratio_of(c, a, b);

	printf("  %-40s %6.2fx  (%.2f..%.2f)\n", what, r.med, r.min, r.max);
}

static void report(struct ctx *c)
{
	struct bench_stat st[SR_COUNT], ratio;
	struct enf_dp_fast4_info f4 = {};
	const char *verdict;

	for (int id = 0; id < SR_COUNT; id++)
		st[id] = stat_of(c, (enum series_id)id);
	ratio = ratio_of(c, SR_SRC4_ONE, SR_SRC4_B256);
	verdict = ratio.med >= TARGET_RATIO ? "met" : "not met";

	printf("\n%lu entries a round, median of %lu rounds (one warm-up round not kept), ns per entry:\n\n",
	       c->o.entries, c->o.rounds);
	printf("  %-18s %-22s %9s %9s %9s %10s\n", "series", "call", "median",
	       "min", "max", "entries/s");
	for (int id = 0; id < SR_COUNT; id++) {
		if (id == SR_BASE_B256 && !c->batch_map) {
			printf("  %-18s %-22s %9s\n", series[id].name,
			       series[id].call, "n/a (no batches here)");
			continue;
		}
		printf("  %-18s %-22s %9.1f %9.1f %9.1f %10.0f\n",
		       series[id].name, series[id].call, st[id].med, st[id].min,
		       st[id].max, st[id].med > 0 ? 1e9 / st[id].med : 0);
	}

	printf("\nratios, per round (median, min..max):\n");
	print_ratio(c, "src4 single / batch256 (the target)", SR_SRC4_ONE,
		    SR_SRC4_B256);
	print_ratio(c, "src4 single / batch64", SR_SRC4_ONE, SR_SRC4_B64);
	print_ratio(c, "src4 single / baseline", SR_SRC4_ONE, SR_BASE);
	print_ratio(c, "src4 batch256 / baseline", SR_SRC4_B256, SR_BASE);
	if (c->batch_map)
		print_ratio(c, "src4 batch256 / baseline batch256",
			    SR_SRC4_B256, SR_BASE_B256);
	print_ratio(c, "writer single / batch256", SR_WR_ONE, SR_WR_B256);
	print_ratio(c, "writer single / src4 single", SR_WR_ONE, SR_SRC4_ONE);
	print_ratio(c, "writer batch256 / src4 batch256", SR_WR_B256,
		    SR_SRC4_B256);
	print_ratio(c, "src6 single / batch256", SR_SRC6_ONE, SR_SRC6_B256);
	print_ratio(c, "flow single / batch256", SR_FLOW_ONE, SR_FLOW_B256);

	enf_dp_fast4_info(c->dp, &f4);
	printf("\nwriter: %.2f takes per enf_writer_run() of %d; deny_fast4: %u slots, %u used, %u tombs, overflow %u, moves %llu\n",
	       c->take_runs ? (double)c->takes / (double)c->take_runs : 0.0,
	       ENF_WRITER_BATCH, f4.slots, f4.used, f4.tombs, f4.overflow,
	       (unsigned long long)f4.moves);
	printf("target: batched >= %.0fx single (src4, batch256): %s (%.2fx)\n\n",
	       TARGET_RATIO, verdict, ratio.med);

	printf("bench map_update: batched_ns=%.1f single_ns=%.1f ratio=%.2f (src4 per entry, median of %lu rounds of %lu, ratio %.2f..%.2f: baseline bpf_map_update_elem %.1f ns, dp single %.1f, batch64 %.1f, batch256 %.1f; writer single %.1f batch256 %.1f; src6 single %.1f batch256 %.1f (%.2fx); flow single %.1f batch256 %.1f (%.2fx); target >= 3x %s)\n",
	       st[SR_SRC4_B256].med, st[SR_SRC4_ONE].med, ratio.med,
	       c->o.rounds, c->o.entries, ratio.min, ratio.max, st[SR_BASE].med,
	       st[SR_SRC4_ONE].med, st[SR_SRC4_B64].med, st[SR_SRC4_B256].med,
	       st[SR_WR_ONE].med, st[SR_WR_B256].med, st[SR_SRC6_ONE].med,
	       st[SR_SRC6_B256].med, ratio_of(c, SR_SRC6_ONE, SR_SRC6_B256).med,
	       st[SR_FLOW_ONE].med, st[SR_FLOW_B256].med,
	       ratio_of(c, SR_FLOW_ONE, SR_FLOW_B256).med, verdict);
	fflush(stdout);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: map_update [--entries N] [--rounds N]\n"
		"  --entries N  distinct entries each series writes a round (16384,\n"
		"               at most %d: deny_src4's size)\n"
		"  --rounds N   rounds kept, after one warm-up round (5)\n",
		ENF_DENY_SRC4_MAX);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "entries", required_argument, NULL, 'e' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int ch, err = 0;

	*o = (struct opts){ .entries = 16384, .rounds = 5 };
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'e':
			err = bench_parse_ulong("--entries", optarg, 1,
						ENF_DENY_SRC4_MAX, &o->entries);
			break;
		case 'r':
			err = bench_parse_ulong("--rounds", optarg, 1,
						BENCH_MAX_SAMPLES, &o->rounds);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	if (parse_opts(argc, argv, &c->o)) {
		free(c);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: map_update needs root\n");
		free(c);
		return BENCH_SKIP;
	}
	enf_log_init(ENF_LOG_WARN, "map_update");

	err = enf_dp_open(NULL, &c->dp);
	if (err) {
		fprintf(stderr, "skipped: opening the data plane: %s\n",
			strerror(-err));
		free_ctx(c);
		return BENCH_SKIP;
	}
	err = enf_writer_new(c->dp, &c->w);
	if (err) {
		fprintf(stderr, "Error: starting the map writer: %s\n",
			strerror(-err));
		goto out;
	}
	err = alloc_ctx(c);
	if (err) {
		fprintf(stderr, "Error: %s\n", strerror(-err));
		goto out;
	}
	c->batch_map = map_batch_works();
	if (!c->batch_map)
		printf("this kernel takes no BPF_MAP_UPDATE_BATCH on a hash map: the data plane's batches write one by one\n");
	err = measure(c);
	if (!err)
		report(c);
out:
	free_ctx(c);
	return err ? 1 : 0;
}
