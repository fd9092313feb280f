// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Compiling a builder's rules into a rule set: rules grouped by phase and
 * transformation pipeline, one Hyperscan block-mode database per pipeline
 * with every @rx and @pm pattern of its rules. An @rx pattern Hyperscan
 * refuses goes in as a prefilter when Hyperscan takes it so (each hit then
 * confirmed by PCRE2), else runs on PCRE2 alone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

static bool hs_takes(const char *pattern, unsigned int flags, char *msg,
		     size_t msg_len)
{
	hs_compile_error_t *cerr = NULL;
	hs_expr_info_t *info = NULL;
	bool ok;

	if (hs_expression_info(pattern, flags, &info, &cerr) != HS_SUCCESS) {
		if (msg)
			snprintf(msg, msg_len, "%s",
				 cerr ? cerr->message : "refused");
		hs_free_compile_error(cerr);
		return false;
	}
	ok = info->min_width > 0;
	if (!ok && msg)
		snprintf(msg, msg_len, "pattern can match an empty string");
	free(info);
	return ok;
}

bool enf_rx_hs_ok(const char *pattern, char *msg, size_t msg_len)
{
	return hs_takes(pattern, ENF_HS_RX_FLAGS, msg, msg_len);
}

/*
 * A prefilter whose approximation can match the empty string (a pattern
 * of lookarounds alone, "(?<=a)") would fire on every value: refused, and
 * the pattern stays on PCRE2 alone.
 */
bool enf_rx_hs_prefilter_ok(const char *pattern, char *msg, size_t msg_len)
{
	return hs_takes(pattern, ENF_HS_PREFILTER_FLAGS, msg, msg_len);
}

bool enf_rx_joinable(const char *pattern)
{
	for (const char *c = pattern; *c; c++) {
		if (*c == '\\') {
			if (!c[1] || strchr("AzZG", c[1]))
				return false;
			c++; /* the escaped byte is no anchor or group */
			continue;
		}
		if (c[0] != '(' || c[1] != '?')
			continue;
		/* an option group, "(?i)" or "(?s-m:": no option turned off */
		for (const char *o = c + 2;
		     isalpha((unsigned char)*o) || *o == '-'; o++)
			if (*o == '-')
				return false;
	}
	return true;
}

int enf_rx_pcre2_compile(const char *pattern, size_t len, bool jit,
			 pcre2_code **code, char *msg, size_t msg_len,
			 size_t *offset)
{
	PCRE2_SIZE off = 0;
	pcre2_code *c;
	int ec = 0;

	c = pcre2_compile((PCRE2_SPTR)pattern, len, ENF_PCRE2_OPTIONS, &ec,
			  &off, NULL);
	if (!c) {
		if (msg && msg_len) {
			if (pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg,
						    msg_len) < 0)
				snprintf(msg, msg_len, "PCRE2 error %d", ec);
		}
		if (offset)
			*offset = off;
		return -EINVAL;
	}
	/* Without JIT, pcre2_match() interprets the pattern: slower, same
	 * answers, same limits. */
	if (jit)
		pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
	*code = c;
	return 0;
}

void enf_ruleset_free(struct enf_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++) {
		pcre2_code_free(rs->rules[i].re);
		enf_rule_unref(rs->rules[i].r);
	}
	free(rs->rules);
	for (size_t i = 0; i < rs->n_pipes; i++) {
		struct enf_pipe *p = &rs->pipes[i];

		hs_free_database(p->db);
		hs_free_database(p->sweep);
		free(p->pat_rule);
		for (size_t k = 0; k < p->n_parts; k++) {
			hs_free_database(p->parts[k].db);
			hs_free_database(p->parts[k].sweep);
			free(p->parts[k].pat_rule);
		}
		free(p->parts);
		free(p->neg);
		free(p->other);
		free(p->targets);
	}
	free(rs->pipes);
	free(rs->counts);
	free(rs->uncond);
	free(rs->named[0]);
	free(rs->named[1]);
	free(rs);
}

size_t enf_ruleset_count(const struct enf_ruleset *rs)
{
	return rs ? rs->n_visible : 0;
}

bool enf_ruleset_reads_origin(const struct enf_ruleset *rs)
{
	return rs && rs->reads_origin;
}

bool enf_ruleset_needs_origin(const struct enf_ruleset *rs, bool outbound)
{
	return rs && (outbound ? rs->outbound : rs->reads_origin);
}

bool enf_ruleset_matches_outbound(const struct enf_ruleset *rs)
{
	return rs && rs->outbound;
}

size_t enf_ruleset_links(const struct enf_ruleset *rs, size_t i)
{
	return rs && i < rs->n_visible ? rs->rules[i].r->n_links : 0;
}

const struct enf_rule_info *enf_ruleset_link(const struct enf_ruleset *rs,
					     size_t i, size_t k)
{
	if (k >= enf_ruleset_links(rs, i))
		return NULL;
	return &rs->rules[rs->rules[i].first_link + k].info;
}

const struct enf_rule_info *enf_ruleset_rule(const struct enf_ruleset *rs,
					     size_t i)
{
	return rs && i < rs->n_visible ? &rs->rules[i].info : NULL;
}

/* The pipeline of phase @phase and @r's transformations, made if new. */
static uint32_t pipe_for(struct enf_ruleset *rs, const struct enf_rule *r,
			 int phase)
{
	struct enf_pipe *p;

	for (size_t i = 0; i < rs->n_pipes; i++) {
		p = &rs->pipes[i];
		if (p->phase == phase && p->n_tfn == r->n_tfn &&
		    !memcmp(p->tfn, r->tfn, r->n_tfn))
			return (uint32_t)i;
	}
	p = &rs->pipes[rs->n_pipes];
	p->phase = phase;
	memcpy(p->tfn, r->tfn, r->n_tfn);
	p->n_tfn = r->n_tfn;
	p->tfn_flat = enf_tfn_bound_is_len(p->tfn, p->n_tfn);
	return (uint32_t)rs->n_pipes++;
}

/* An @pm phrase as a Hyperscan pattern that matches it literally. */
static char *escape_phrase(const struct enf_str *ph)
{
	static const char hex[] = "0123456789abcdef";
	char *e = malloc(ph->len * 4 + 1), *o = e;

	if (!e)
		return NULL;
	for (size_t i = 0; i < ph->len; i++) {
		unsigned char c = ph->ptr[i];

		*o++ = '\\';
		*o++ = 'x';
		*o++ = hex[c >> 4];
		*o++ = hex[c & 15];
	}
	*o = '\0';
	return e;
}

/* Compile state for one pipeline's patterns. */
struct pats {
	const char **expr;
	unsigned int *flags;
	unsigned int *ids;
	char **owned; /* escaped phrases, freed after each attempt */
	size_t n;
	size_t n_owned;
};

static void pats_release(struct pats *pt)
{
	for (size_t i = 0; i < pt->n_owned; i++)
		free(pt->owned[i]);
	pt->n_owned = 0;
	pt->n = 0;
}

/* Room for @max patterns; false when out of memory (pats_free() then). */
static bool pats_alloc(struct pats *pt, size_t max)
{
	pt->expr = calloc(max, sizeof(*pt->expr));
	pt->flags = calloc(max, sizeof(*pt->flags));
	pt->ids = calloc(max, sizeof(*pt->ids));
	pt->owned = calloc(max, sizeof(*pt->owned));
	return pt->expr && pt->flags && pt->ids && pt->owned;
}

static void pats_free(struct pats *pt)
{
	pats_release(pt);
	free(pt->expr);
	free(pt->flags);
	free(pt->ids);
	free(pt->owned);
}

/* Whether the patterns of @pt that @in marks (NULL: all) scan values
 * joined: @pm phrases are literals; @rx as enf_rx_joinable(). */
static bool pats_joinable(const struct pats *pt, const uint8_t *in)
{
	for (size_t j = 0; j < pt->n; j++)
		if ((!in || in[j]) && pt->flags[j] != ENF_HS_PM_FLAGS &&
		    !enf_rx_joinable(pt->expr[j]))
			return false;
	return true;
}

/*
 * The database that scans the values of one joined (enf_pipe.sweep): the
 * @n patterns @expr, with @flags and @ids as the database has them, less
 * HS_FLAG_SINGLEMATCH. NULL when the patterns do not read values joined
 * (@joinable false), when memory runs out or when Hyperscan refuses them
 * so: the values are then scanned alone, which finds the same matches.
 */
static hs_database_t *sweep_compile(bool joinable, const char *const *expr,
				    const unsigned int *flags,
				    const unsigned int *ids, size_t n)
{
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;
	unsigned int *f;

	if (!joinable || !n)
		return NULL;
	f = malloc(n * sizeof(*f));
	if (!f)
		return NULL;
	for (size_t j = 0; j < n; j++)
		f[j] = flags[j] & ~(unsigned int)HS_FLAG_SINGLEMATCH;
	if (hs_compile_multi(expr, f, ids, (unsigned int)n, HS_MODE_BLOCK, NULL,
			     &db, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		db = NULL;
	}
	free(f);
	return db;
}

/* Lay out the patterns of pipeline @pi's rules that go to Hyperscan. */
static int pats_fill(struct enf_ruleset *rs, uint32_t pi, struct pats *pt)
{
	struct enf_pipe *p = &rs->pipes[pi];

	pats_release(pt);
	for (size_t i = 0; i < rs->n; i++) {
		struct enf_rs_rule *rr = &rs->rules[i];
		const struct enf_rule *r = rr->r;

		if (rr->pipe != pi || !rr->in_db)
			continue;
		if (r->op == ENF_OP_RX) {
			pt->expr[pt->n] = r->param;
			pt->flags[pt->n] = rr->prefilter ?
						   ENF_HS_PREFILTER_FLAGS :
						   ENF_HS_RX_FLAGS;
			pt->ids[pt->n] = (unsigned int)pt->n;
			p->pat_rule[pt->n++] = (uint32_t)i;
			continue;
		}
		for (size_t k = 0; k < r->n_phrases; k++) {
			char *e = escape_phrase(&r->phrases[k]);

			if (!e)
				return -ENOMEM;
			pt->owned[pt->n_owned++] = e;
			pt->expr[pt->n] = e;
			pt->flags[pt->n] = ENF_HS_PM_FLAGS;
			pt->ids[pt->n] = (unsigned int)pt->n;
			p->pat_rule[pt->n++] = (uint32_t)i;
		}
	}
	p->n_pat = pt->n;
	return 0;
}

static int pipe_compile(struct enf_ruleset *rs, uint32_t pi,
			struct enf_rule_error *err)
{
	struct enf_pipe *p = &rs->pipes[pi];
	struct pats pt = { 0 };
	size_t max = 0;
	int ret = -ENOMEM;

	for (size_t i = 0; i < rs->n; i++) {
		const struct enf_rs_rule *rr = &rs->rules[i];

		if (rr->pipe == pi && rr->in_db)
			max += rr->r->op == ENF_OP_PM ? rr->r->n_phrases : 1;
	}
	if (!max)
		return 0;
	p->pat_rule = calloc(max, sizeof(*p->pat_rule));
	if (!pats_alloc(&pt, max) || !p->pat_rule) {
		enf_rule_error_set(err, "", 0, 0, "out of memory");
		goto out_free_pats;
	}

	/*
	 * Each @rx pattern was checked on its own (hs_expression_info) when
	 * parsed and again when the rule was placed; should Hyperscan still
	 * refuse one in the database (exact or as a prefilter), that rule
	 * moves to PCRE2 alone and the database is compiled again, at most
	 * once per rule.
	 */
	for (;;) {
		hs_compile_error_t *cerr = NULL;
		char msg[160], hs_msg[160];
		struct enf_rs_rule *rr;
		size_t off = 0;

		ret = pats_fill(rs, pi, &pt);
		if (ret) {
			enf_rule_error_set(err, "", 0, 0, "out of memory");
			goto out_free_pats;
		}
		if (!pt.n)
			break;
		if (hs_compile_multi(pt.expr, pt.flags, pt.ids,
				     (unsigned int)pt.n, HS_MODE_BLOCK, NULL,
				     &p->db, &cerr) == HS_SUCCESS) {
			p->sweep = sweep_compile(pats_joinable(&pt, NULL),
						 pt.expr, pt.flags, pt.ids,
						 pt.n);
			break;
		}
		p->db = NULL;
		if (!cerr || cerr->expression < 0) {
			enf_rule_error_set(
				err, "", 0, 0,
				"cannot compile the Hyperscan database: %s",
				cerr ? cerr->message : "unknown error");
			hs_free_compile_error(cerr);
			ret = -EINVAL;
			goto out_free_pats;
		}
		rr = &rs->rules[p->pat_rule[cerr->expression]];
		if (rr->r->op != ENF_OP_RX) {
			enf_rule_error_set(
				err, rr->info.origin, rr->r->param_line,
				rr->r->param_col,
				"rule %u: phrase refused by Hyperscan: %s",
				rr->info.id, cerr->message);
			hs_free_compile_error(cerr);
			ret = -EINVAL;
			goto out_free_pats;
		}
		snprintf(hs_msg, sizeof(hs_msg), "%s", cerr->message);
		hs_free_compile_error(cerr);
		rr->in_db = false;
		rr->info.engine = "pcre2";
		if (rr->prefilter) {
			/* its PCRE2 code is there already */
			rr->prefilter = false;
			snprintf(
				rr->why, sizeof(rr->why),
				"Hyperscan took the pattern alone as a prefilter but not in the pipeline's database: %s",
				hs_msg);
			continue;
		}
		/* a rule that captures has its PCRE2 code already */
		ret = rr->re ? 0 :
			       enf_rx_pcre2_compile(rr->r->param,
						    rr->r->param_len, true,
						    &rr->re, msg, sizeof(msg),
						    &off);
		if (ret) {
			enf_rule_error_set(
				err, rr->info.origin, rr->r->param_line,
				rr->r->param_col,
				"rule %u: bad pattern: %s (PCRE2, at offset %zu; Hyperscan: %s)",
				rr->info.id, msg, off, hs_msg);
			goto out_free_pats;
		}
		snprintf(
			rr->why, sizeof(rr->why),
			"Hyperscan took the pattern alone but not in the pipeline's database: %s",
			hs_msg);
	}
	ret = 0;

out_free_pats:
	pats_free(&pt);
	return ret;
}

static bool same_target(const struct enf_target *a, const struct enf_target *b)
{
	/* a count target takes its own value only */
	if (a->count || b->count)
		return a == b;
	if (a->var != b->var || !a->sel != !b->sel || !a->sel_re != !b->sel_re)
		return false;
	/* patterns as written: \d and \D are not the same */
	if (a->sel_re)
		return a->sel_len == b->sel_len &&
		       !memcmp(a->sel, b->sel, a->sel_len);
	return !a->sel || (a->sel_len == b->sel_len &&
			   enf_memcaseeq(a->sel, b->sel, a->sel_len));
}

/* The lists the matcher walks for pipeline @pi. */
_Static_assert(ENF_IC_TX < 64, "item classes fit a 64-bit mask");

/* The item classes target @t may take (a mask of 1 << enum enf_item_class):
 * ARGS and ARGS_NAMES read the query's and the body's (class_takes()). */
static uint64_t target_classes(const struct enf_target *t)
{
	if (t->count)
		return 1ull << ENF_IC_COUNT;
	if (t->var == ENF_V_ARGS)
		return 1ull << ENF_IC_ARG_VALUE | 1ull << ENF_IC_ARG_POST_VALUE;
	if (t->var == ENF_V_ARGS_NAMES)
		return 1ull << ENF_IC_ARG_NAME | 1ull << ENF_IC_ARG_POST_NAME;
	return 1ull << t->cls;
}

/*
 * Per phase, the classes its pipelines read only through literal
 * selectors (enf_ruleset.named_only) and those targets (named): a target
 * without a selector or with a regex one reads its classes whole. Count
 * targets list nothing (counts walk the request). After pipe_lists().
 */
static int named_lists(struct enf_ruleset *rs)
{
	uint64_t whole[2] = { 0, 0 };

	for (size_t pi = 0; pi < rs->n_pipes; pi++) {
		const struct enf_pipe *p = &rs->pipes[pi];
		int ph = p->phase - 1;

		for (size_t t = 0; t < p->n_targets; t++) {
			const struct enf_target *tg = p->targets[t];
			const struct enf_target **nn;

			if (tg->count)
				continue;
			if (!tg->sel || tg->sel_re) {
				whole[ph] |= target_classes(tg);
				continue;
			}
			nn = realloc(rs->named[ph],
				     (rs->n_named[ph] + 1) * sizeof(*nn));
			if (!nn)
				return -ENOMEM;
			rs->named[ph] = nn;
			nn[rs->n_named[ph]++] = tg;
			rs->named_only[ph] |= target_classes(tg);
		}
	}
	rs->named_only[0] &= ~whole[0];
	rs->named_only[1] &= ~whole[1];
	return 0;
}

static int pipe_lists(struct enf_ruleset *rs, uint32_t pi)
{
	struct enf_pipe *p = &rs->pipes[pi];
	size_t n_rules = 0, n_targets = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->rules[i].pipe == pi) {
			n_rules++;
			n_targets += rs->rules[i].r->n_targets;
		}
	}
	p->neg = calloc(n_rules, sizeof(*p->neg));
	p->other = calloc(n_rules, sizeof(*p->other));
	p->targets = calloc(n_targets, sizeof(*p->targets));
	if (!p->neg || !p->other || !p->targets)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n; i++) {
		const struct enf_rs_rule *rr = &rs->rules[i];
		bool bare = !rr->in_db || rr->r->negated;

		if (rr->pipe != pi)
			continue;
		if (!rr->in_db)
			p->other[p->n_other++] = (uint32_t)i;
		else if (rr->r->negated)
			p->neg[p->n_neg++] = (uint32_t)i;
		for (size_t t = 0; t < rr->r->n_targets; t++) {
			const struct enf_target *tg = &rr->r->targets[t];
			bool dup = tg->exclude; /* takes nothing */

			if (rr->outbound && !rr->in_only && !tg->exclude) {
				p->out_mask |= target_classes(tg);
				if (bare)
					p->bare_mask[1] |= target_classes(tg);
			}
			if (!rr->out_only && !tg->exclude) {
				p->in_mask |= target_classes(tg);
				if (bare)
					p->bare_mask[0] |= target_classes(tg);
			}
			for (size_t k = 0; k < p->n_targets && !dup; k++)
				dup = same_target(p->targets[k], tg);
			if (dup)
				continue;
			p->targets[p->n_targets++] = tg;
			p->cls_mask |= target_classes(tg);
			if (!tg->count && !tg->sel)
				p->all_mask |= target_classes(tg);
		}
	}
	return 0;
}

/*
 * Whether rule @rr may read a value of item class @cls in a request of
 * direction @out (1: outbound), as the matcher decides it (target_to_try():
 * the rule's direction, then a target of that class that is no exclusion).
 */
static bool rule_may_take(const struct enf_rs_rule *rr, int out,
			  unsigned int cls)
{
	if (!enf_rs_rule_sees(rr, out))
		return false;
	for (size_t t = 0; t < rr->r->n_targets; t++) {
		const struct enf_target *tg = &rr->r->targets[t];

		if (!tg->exclude && target_classes(tg) & 1ull << cls)
			return true;
	}
	return false;
}

/*
 * A database of the patterns of @pt that @in marks (@pat_rule: the whole
 * database's pattern -> rule). One Hyperscan does not compile is left out
 * (@part->db NULL): its values go to the whole database, which holds every
 * pattern of it. Return: 0 or -ENOMEM.
 */
static int part_compile(const struct pats *pt, const uint8_t *in,
			const uint32_t *pat_rule, struct enf_pipe_db *part)
{
	const char **expr = calloc(pt->n, sizeof(*expr));
	unsigned int *flags = calloc(pt->n, sizeof(*flags));
	unsigned int *ids = calloc(pt->n, sizeof(*ids));
	hs_compile_error_t *cerr = NULL;
	int ret = -ENOMEM;
	unsigned int m = 0;

	part->pat_rule = calloc(pt->n, sizeof(*part->pat_rule));
	if (!expr || !flags || !ids || !part->pat_rule)
		goto out;
	for (size_t j = 0; j < pt->n; j++) {
		if (!in[j])
			continue;
		expr[m] = pt->expr[j];
		flags[m] = pt->flags[j];
		ids[m] = m;
		part->pat_rule[m++] = pat_rule[j];
	}
	if (hs_compile_multi(expr, flags, ids, m, HS_MODE_BLOCK, NULL,
			     &part->db, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		part->db = NULL;
	}
	part->n_pat = m;
	if (part->db)
		part->sweep = sweep_compile(pats_joinable(pt, in), expr, flags,
					    ids, m);
	ret = 0;
out:
	if (!part->db) {
		free(part->pat_rule);
		part->pat_rule = NULL;
	}
	free(expr);
	free(flags);
	free(ids);
	return ret;
}

/*
 * Values that only a few rules of pipeline @pi may read are scanned with a
 * database of those rules' patterns alone: one database per distinct set
 * of at most half of the patterns that the rules which may take a value of
 * an item class in a request of a direction have (header names that one
 * rule of twenty reads, outbound requests that only the EDR chains see);
 * other values use the whole database. After pipe_lists() and
 * origin_flags(). Return: 0 or -ENOMEM.
 */
static int pipe_parts(struct enf_ruleset *rs, uint32_t pi)
{
	struct enf_pipe *p = &rs->pipes[pi];
	size_t n_pat = p->n_pat;
	struct pats pt = { 0 };
	uint8_t *sets = NULL, *in = NULL;
	int ret = -ENOMEM;

	memset(p->db_for, ENF_PIPE_DB_NONE, sizeof(p->db_for));
	if (!p->db)
		return 0;
	in = malloc(n_pat);
	sets = malloc(ENF_PIPE_PARTS_MAX * n_pat);
	p->parts = calloc(ENF_PIPE_PARTS_MAX, sizeof(*p->parts));
	if (!pats_alloc(&pt, n_pat) || !in || !sets || !p->parts)
		goto out;
	/* the patterns as the whole database has them: same order, same
	 * rules (pats_fill() writes @pat_rule again, as it was) */
	ret = pats_fill(rs, pi, &pt);
	if (ret)
		goto out;
	for (int d = 0; d < 2; d++) {
		uint64_t mask = d ? p->out_mask : p->in_mask;

		for (unsigned int c = 0; c < 64; c++) {
			size_t n_in = 0, k;

			if (!(mask & 1ull << c))
				continue;
			for (size_t j = 0; j < n_pat; j++) {
				in[j] = rule_may_take(
					&rs->rules[p->pat_rule[j]], d, c);
				n_in += in[j];
			}
			if (!n_in)
				continue;
			/* a part that keeps more than half of the patterns
			 * saves less in a scan than its compile costs */
			if (2 * n_in > n_pat) {
				p->db_for[d][c] = ENF_PIPE_DB_ALL;
				continue;
			}
			for (k = 0; k < p->n_parts; k++)
				if (!memcmp(sets + k * n_pat, in, n_pat))
					break;
			if (k == p->n_parts) {
				memcpy(sets + k * n_pat, in, n_pat);
				ret = part_compile(&pt, in, p->pat_rule,
						   &p->parts[k]);
				if (ret)
					goto out;
				p->n_parts++;
			}
			p->db_for[d][c] = p->parts[k].db ? (uint8_t)k :
							   ENF_PIPE_DB_ALL;
		}
	}
	ret = 0;
out:
	pats_free(&pt);
	free(in);
	free(sets);
	return ret;
}

/* @rr's pattern for PCRE2, JIT-compiled (once). */
static int rule_pcre2(struct enf_rs_rule *rr, struct enf_rule_error *err)
{
	const struct enf_rule *r = rr->r;
	char msg[160];
	size_t off = 0;
	int ret;

	if (rr->re)
		return 0;
	ret = enf_rx_pcre2_compile(r->param, r->param_len, true, &rr->re, msg,
				   sizeof(msg), &off);
	if (ret)
		enf_rule_error_set(
			err, r->info.origin, r->param_line, r->param_col,
			"rule %u: bad pattern: %s (PCRE2, at offset %zu)",
			r->info.id, msg, off);
	return ret;
}

/*
 * A link that reads TX:N runs in no pipeline: on the groups of the capture
 * before it, once that rule matched (the walk in match.c), its operator
 * applied directly (@rx on PCRE2, @pm's phrases compared one by one).
 */
static int place_deferred(struct enf_rs_rule *rr, struct enf_rule_error *err)
{
	const struct enf_rule *r = rr->r;

	rr->deferred = true;
	rr->pipe = UINT32_MAX;
	rr->info.why = rr->why;
	snprintf(
		rr->why, sizeof(rr->why),
		"reads a capture (TX:N): matched after the chain's earlier rules, on the captured value");
	rr->info.engine = r->op == ENF_OP_RX ? "pcre2" :
			  r->op == ENF_OP_PM ? "literal" :
					       r->info.engine;
	return r->op == ENF_OP_RX ? rule_pcre2(rr, err) : 0;
}

/* Decide where rule @rr runs before any database is compiled. */
static int place_rule(struct enf_rs_rule *rr, struct enf_rule_error *err)
{
	const struct enf_rule *r = rr->r;
	char msg[160], hs_msg[160], pf_msg[160];
	size_t off = 0;
	int ret;

	rr->info.why = rr->why;
	/* its groups come from PCRE2, wherever it is scanned */
	if (enf_rule_captures(r)) {
		ret = rule_pcre2(rr, err);
		if (ret)
			return ret;
	}
	switch (r->op) {
	case ENF_OP_PM:
		rr->in_db = true;
		rr->info.engine = "hyperscan";
		snprintf(
			rr->why, sizeof(rr->why),
			"%zu phrase(s), literal, in the pipeline's Hyperscan database",
			r->n_phrases);
		return 0;
	case ENF_OP_RX:
		if (enf_rx_hs_ok(r->param, hs_msg, sizeof(hs_msg))) {
			rr->in_db = true;
			rr->info.engine = "hyperscan";
			snprintf(
				rr->why, sizeof(rr->why),
				"Hyperscan takes the pattern: in the pipeline's database");
			return 0;
		}
		ret = rr->re ? 0 :
			       enf_rx_pcre2_compile(r->param, r->param_len,
						    true, &rr->re, msg,
						    sizeof(msg), &off);
		if (ret) {
			enf_rule_error_set(
				err, r->info.origin, r->param_line,
				r->param_col,
				"rule %u: bad pattern: %s (PCRE2, at offset %zu; Hyperscan: %s)",
				r->info.id, msg, off, hs_msg);
			return ret;
		}
		if (enf_rx_hs_prefilter_ok(r->param, pf_msg, sizeof(pf_msg))) {
			rr->in_db = true;
			rr->prefilter = true;
			rr->info.engine = "hyperscan+pcre2";
			snprintf(
				rr->why, sizeof(rr->why),
				"prefilter: Hyperscan refuses the exact pattern (%s); an approximation of it is in the pipeline's database, each hit confirmed by PCRE2 (JIT, limits)",
				hs_msg);
			return 0;
		}
		rr->info.engine = "pcre2";
		if (!strcmp(pf_msg, hs_msg))
			snprintf(
				rr->why, sizeof(rr->why),
				"Hyperscan refuses the pattern (%s), also as a prefilter: PCRE2 with JIT and limits, on each value",
				hs_msg);
		else
			snprintf(
				rr->why, sizeof(rr->why),
				"Hyperscan refuses the pattern (%.140s; as a prefilter: %.140s): PCRE2 with JIT and limits, on each value",
				hs_msg, pf_msg);
		return 0;
	default:
		/* "literal", "ip" or "numeric", as the parser named it */
		rr->info.engine = r->info.engine;
		snprintf(rr->why, sizeof(rr->why),
			 "not a pattern: compared on each value");
		return 0;
	}
}

/* Every count target of the set, in rule order. */
static int count_list(struct enf_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		for (size_t t = 0; t < rs->rules[i].r->n_targets; t++) {
			n += rs->rules[i].r->targets[t].count;
			rs->limit_var |= rs->rules[i].r->targets[t].var ==
					 ENF_V_MSC_PCRE_LIMITS_EXCEEDED;
		}
	if (!n)
		return 0;
	rs->counts = calloc(n, sizeof(*rs->counts));
	if (!rs->counts)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n; i++)
		for (size_t t = 0; t < rs->rules[i].r->n_targets; t++)
			if (rs->rules[i].r->targets[t].count)
				rs->counts[rs->n_counts++] =
					&rs->rules[i].r->targets[t];
	return 0;
}

/* @r reads a variable of class @cls, or (@origin) one of the origin's. */
static bool rule_reads(const struct enf_rule *r, int cls, bool origin)
{
	for (size_t t = 0; t < r->n_targets; t++) {
		enum enf_item_class c = r->targets[t].cls;

		if (origin ? enf_ic_is_origin(c) :
			     c == (enum enf_item_class)cls)
			return true;
	}
	return false;
}

/*
 * @r is DIRECTION "@streq @dir": a request of the other direction, or one
 * without an origin, never matches it (no transformation turns "inbound"
 * into "outbound" or back).
 */
static bool rule_direction_only(const struct enf_rule *r, const char *dir)
{
	return r->n_targets == 1 && r->targets[0].var == ENF_V_DIRECTION &&
	       !r->targets[0].count && !r->targets[0].exclude &&
	       r->op == ENF_OP_STREQ && !r->negated && !strcmp(r->param, dir);
}

/*
 * Which rules see outbound requests: those of a chain that reads DIRECTION
 * anywhere (the chain's rule or a link), so a rule set written for a server
 * never matches what this host's clients send. And whether a rule that can
 * match an inbound request reads the origin, so that its user fills it
 * before matching (a chain that requires DIRECTION outbound cannot match
 * without an origin, which is what an inbound request gets then). A chain
 * that requires one direction (DIRECTION "@streq outbound" or "inbound" as
 * one of its rules) is not matched at all against a request of the other
 * or one without an origin: its values are not even transformed then.
 */
static void origin_flags(struct enf_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_visible; i++) {
		struct enf_rs_rule *rr = &rs->rules[i];
		bool dir = rule_reads(rr->r, ENF_IC_DIRECTION, false);
		bool out_only = rule_direction_only(rr->r, "outbound");
		bool in_only = rule_direction_only(rr->r, "inbound");
		bool origin = rule_reads(rr->r, 0, true);

		for (size_t k = 0; k < rr->r->n_links; k++) {
			const struct enf_rule *l =
				rs->rules[rr->first_link + k].r;

			dir |= rule_reads(l, ENF_IC_DIRECTION, false);
			out_only |= rule_direction_only(l, "outbound");
			in_only |= rule_direction_only(l, "inbound");
			origin |= rule_reads(l, 0, true);
		}
		rr->outbound = dir;
		rr->out_only = out_only;
		rr->in_only = in_only;
		for (size_t k = 0; k < rr->r->n_links; k++) {
			rs->rules[rr->first_link + k].outbound = dir;
			rs->rules[rr->first_link + k].out_only = out_only;
			rs->rules[rr->first_link + k].in_only = in_only;
		}
		/* a macro of its report reads the origin too */
		origin |= rr->r->msg_tpl.origin || rr->r->logdata_tpl.origin;
		rs->outbound |= dir;
		rs->reads_origin |= origin && !out_only;
		if (rr->r->msg_tpl.origin || rr->r->logdata_tpl.origin)
			rs->read_mask |= 1ull << ENF_IC_REMOTE_ADDR;
	}
	for (size_t i = 0; i < rs->n; i++)
		for (size_t t = 0; t < rs->rules[i].r->n_targets; t++)
			rs->read_mask |= 1ull << rs->rules[i].r->targets[t].cls;
}

/*
 * A SecAction runs in no pipeline: it has no value to scan. The matcher
 * notes it once per request in its phase (rs->uncond), for the requests
 * any rule without DIRECTION sees: inbound ones and those without an
 * origin.
 */
static void place_uncond(struct enf_ruleset *rs, struct enf_rs_rule *rr)
{
	uint32_t acts = rr->r->info.actions;
	const char *denies = NULL;

	/* what rule lint shows: a SecAction that denies denies everything */
	if (!(acts & ENF_ACT_SHADOW))
		denies = acts & ENF_ACT_DENY  ? "deny" :
			 acts & ENF_ACT_DROP  ? "drop" :
			 acts & ENF_ACT_BLOCK ? "block" :
						NULL;
	rr->pipe = UINT32_MAX;
	rr->info.engine = "unconditional";
	rr->info.why = rr->why;
	snprintf(
		rr->why, sizeof(rr->why),
		"SecAction: no variables, no operator: matches every inbound request (and one without an origin) in phase %d",
		rr->phase);
	if (denies)
		snprintf(
			rr->why + strlen(rr->why),
			sizeof(rr->why) - strlen(rr->why),
			"; WARNING: its '%s' denies every one of those requests",
			denies);
	rs->uncond[rs->n_uncond++] = (uint32_t)(rr - rs->rules);
}

/* Append @r (a reference the set takes), matched in @phase, and decide
 * where it runs. */
static int add_rule(struct enf_ruleset *rs, struct enf_rule *r, int phase,
		    struct enf_rule_error *err)
{
	struct enf_rs_rule *rr = &rs->rules[rs->n++];

	rr->r = r;
	rr->info = r->info;
	rr->phase = phase;
	rr->walk_probe = UINT32_MAX;
	rr->snap = -1;
	rr->tx_slot = -1;
	if (r->uncond) {
		place_uncond(rs, rr);
		return 0;
	}
	if (r->reads_tx)
		return place_deferred(rr, err);
	rr->pipe = pipe_for(rs, r, phase);
	return place_rule(rr, err);
}

/*
 * What capture does in chain @head (a visible rule's index): each rule of
 * the chain that captures and is not deferred gets a walk over the rules
 * after it, to the next such rule, whose deferred links read its groups;
 * the chain's last rule that captures gives its report TX (a snapshot
 * slot, filled by the rule whose walk reaches it, or by itself).
 */
static void capture_plan(struct enf_ruleset *rs, uint32_t head)
{
	struct enf_rs_rule *h = &rs->rules[head];
	size_t n = 1 + h->r->n_links;
	uint32_t last = UINT32_MAX;

	/* chain position k -> index in the set */
#define AT(k) ((k) == 0 ? head : h->first_link + (uint32_t)(k)-1)
	for (size_t k = 0; k < n; k++)
		if (enf_rule_captures(rs->rules[AT(k)].r))
			last = (uint32_t)k;
	/* the report shows TX only where a macro reads it */
	if (last != UINT32_MAX && (h->r->msg_tpl.tx || h->r->logdata_tpl.tx))
		h->tx_slot = (int32_t)rs->n_snaps++;
	for (size_t k = 0; k < n; k++) {
		struct enf_rs_rule *src = &rs->rules[AT(k)];
		size_t e;

		if (src->deferred || !enf_rule_captures(src->r))
			continue;
		for (e = k + 1; e < n; e++) {
			const struct enf_rs_rule *l = &rs->rules[AT(e)];

			if (l->deferred)
				src->walk_probe = AT(e);
			else if (enf_rule_captures(l->r))
				break;
		}
		if (k + 1 < n) {
			src->walk_from = AT(k + 1);
			src->walk_end = e < n ? AT(e) : AT(n - 1) + 1;
		}
		if (last >= k && last < e)
			src->snap = h->tx_slot; /* -1 without a macro */
		src->cap_run = src->walk_probe != UINT32_MAX || src->snap >= 0;
	}
#undef AT
}

/* The last enf_ruleset.memo_id given out. */
static _Atomic uint64_t memo_ids;

int enf_rules_build(const struct enf_rules_builder *b, struct enf_ruleset **out,
		    struct enf_rule_error *err)
{
	struct enf_ruleset *rs;
	size_t n;
	int ret = -ENOMEM;

	if (!b || !out) {
		enf_rule_error_set(err, "", 0, 0, "invalid argument");
		return -EINVAL;
	}
	n = enf_builder_n_rules(b);
	for (size_t i = 0, nv = n; i < nv; i++)
		n += enf_builder_rule_at(b, i)->n_links;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		goto out_nomem;
	rs->rules = calloc(n ? n : 1, sizeof(*rs->rules));
	rs->pipes = calloc(n ? n : 1, sizeof(*rs->pipes));
	/* room for every visible rule as a SecAction */
	rs->uncond = calloc(n ? n : 1, sizeof(*rs->uncond));
	if (!rs->rules || !rs->pipes || !rs->uncond)
		goto out_nomem;

	/* the visible rules first, then the links of each chain together */
	rs->n_visible = enf_builder_n_rules(b);
	for (size_t i = 0; i < rs->n_visible; i++) {
		struct enf_rule *r = enf_builder_rule_at(b, i);

		ret = add_rule(rs, enf_rule_ref(r), r->phase, err);
		if (ret)
			goto out_free_rs;
	}
	/* a chain's links are matched in its first rule's phase */
	for (size_t i = 0; i < rs->n_visible; i++) {
		struct enf_rule *l = rs->rules[i].r->chain;

		rs->rules[i].first_link = (uint32_t)rs->n;
		for (; l; l = l->chain) {
			ret = add_rule(rs, enf_rule_ref(l), rs->rules[i].phase,
				       err);
			if (ret)
				goto out_free_rs;
		}
	}
	for (uint32_t pi = 0; pi < rs->n_pipes; pi++) {
		ret = pipe_compile(rs, pi, err);
		if (ret)
			goto out_free_rs;
	}
	rs->memo_id = atomic_fetch_add(&memo_ids, 1) + 1;
	for (uint32_t i = 0; i < rs->n_visible; i++)
		capture_plan(rs, i);
	origin_flags(rs); /* before the lists: they read rr->outbound */
	for (uint32_t pi = 0; pi < rs->n_pipes; pi++) {
		const struct enf_pipe *p = &rs->pipes[pi];

		ret = pipe_lists(rs, pi);
		if (ret)
			goto out_nomem;
		rs->want[p->phase - 1][0] |= p->in_mask;
		rs->want[p->phase - 1][1] |= p->out_mask;
		rs->take_all[p->phase - 1][0] |= p->in_mask & p->all_mask;
		rs->take_all[p->phase - 1][1] |= p->out_mask & p->all_mask;
		ret = pipe_parts(rs, pi);
		if (ret)
			goto out_nomem;
	}
	ret = count_list(rs);
	if (ret)
		goto out_nomem;
	ret = named_lists(rs);
	if (ret)
		goto out_nomem;
	*out = rs;
	return 0;

out_nomem:
	ret = -ENOMEM;
	enf_rule_error_set(err, "", 0, 0, "out of memory");
out_free_rs:
	enf_ruleset_free(rs);
	return ret;
}
