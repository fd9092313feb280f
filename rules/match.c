// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Matching a request against a rule set, phase 1 then phase 2. For each
 * pipeline of the phase, each value some rule of the pipeline targets is
 * transformed once and scanned once with the pipeline's Hyperscan database;
 * a prefilter's hit is confirmed by PCRE2 on that value; PCRE2 and literal
 * rules then run on the same transformed value. A hit counts for a rule only
 * if the rule targets that value. A phase's matches are collected first and
 * reported in rule order, before the next phase is matched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

/*
 * The memo of clean values. A request's values repeat from request to
 * request (the same Accept, User-Agent and Accept-Encoding thousands of
 * times, the same argument names), and proving again that one is clean is
 * most of the cost of matching it: listing it for each pipeline, its
 * transformations, its bytes in a joined scan. A value that every pipeline
 * of a phase that took it found clean (no pattern of their databases hit
 * it, joined or alone), and whose class no negated rule of theirs nor one
 * outside their databases reads (such rules fire on values no pattern
 * hits: enf_pipe.bare_mask), is kept with its name, the
 * second time it is found so (memo_seen). In a later request, a value of
 * the same class, name and bytes, in the same phase and direction, against
 * the same set, is not seen by any pipeline: which pipelines take a value
 * and what their rules make of it follow from these alone. Entries are
 * matched on the name and value byte for byte and keyed on a set number no
 * other set of the process has had (enf_ruleset.memo_id). Two ways, the
 * one less recently used replaced, with a per-scratch seed: a peer that
 * sends colliding values can make the memo miss, never make it wrong.
 */
#define MEMO_SLOTS 2048 /* a power of two: 1024 pairs */
#define MEMO_DATA 228 /* a value's name, then the value */
#define MEMO_SEEN 4096 /* a power of two */

struct memo_slot {
	uint64_t key; /* item_memo_key(); 0: empty */
	uint64_t hash;
	uint32_t epoch; /* enf_rules_scratch.memo_epoch when written */
	uint32_t used; /* enf_rules_scratch.memo_tick when last taken */
	uint16_t name_len;
	uint16_t len;
	char data[MEMO_DATA];
};

/* A matched rule, waiting to be reported. */
struct found {
	uint32_t rule; /* index in the set */
	uint32_t target; /* index of the rule's target that took the value */
	size_t item; /* the value, as an item index */
	size_t len;
	char value[ENF_RULE_VALUE_MAX];
};

struct enf_rules_scratch {
	hs_scratch_t *hs;
	pcre2_match_data *md;
	pcre2_match_data *md_cap; /* groups 0..9, for capture */
	pcre2_match_context *mctx;
	uint64_t limit_hits;
	uint64_t tfn_runs; /* values through a pipeline's transformations */
	uint64_t hs_scans; /* values scanned with a pipeline's database */
	uint64_t hs_joined; /* scans of a pipeline's values joined */
	uint64_t memo_hits; /* values taken from the memo */
	struct memo_slot *memo; /* MEMO_SLOTS, made on first use */
	/* hashes of values seen clean once: a value goes in the memo the
	 * second time, so that values seen once (a session cookie, a
	 * nonce) do not push out those that come back */
	uint32_t memo_seen[MEMO_SEEN];
	uint32_t memo_epoch; /* entries of other epochs are empty */
	uint32_t memo_tick; /* requests matched, for memo_slot.used */
	uint64_t memo_seed;
	bool memo_off;
	size_t n_rules; /* rules the per-rule arrays can hold */
	uint32_t *seen; /* == req_gen: the rule matched this request */
	uint32_t *slot; /* its entry in found */
	uint32_t *hit; /* == val_gen: its pattern hit the current value */
	uint32_t req_gen;
	uint32_t val_gen;
	struct found *found;
	size_t n_found;
	size_t cap_found;
	/* a phase's values (phase_items()), and a pipeline's of them
	 * (pipe_pass()), transformed into cat, each followed by '\n' */
	struct pitem *items;
	size_t items_cap;
	struct pval *pv;
	size_t pv_cap;
	uint32_t *gv; /* a database's values of pv, in order (pipe_place()) */
	size_t gv_cap;
	char *cat;
	size_t cat_cap;
	/* a capture's value through a deferred link's transformations: two,
	 * so that one holds the groups while the other is written */
	char *tbuf[2];
	size_t tbuf_cap[2];
	struct enf_tx_snap *snaps; /* TX of each chain's report */
	size_t n_snaps;
	/* the origin's numbers and address as text, for the request */
	char addr[INET6_ADDRSTRLEN];
	char rport[8];
	char sport[8];
	char uid[12];
};

/* A value of the request: scalars first, then the collections. */
struct item {
	enum enf_item_class cls;
	const char *ptr;
	size_t len;
	const char *key; /* argument or header name */
	size_t key_len;
};

/* Where a phase's value stands with the memo (phase_items(), pipe_pass()). */
enum {
	PM_NEW, /* no pipeline took it yet */
	PM_OUT, /* not for the memo (a count, too long, the memo off) */
	PM_MISS, /* looked up, not there: @hash is set */
	PM_GONE, /* found there: clean in the phase, no pipeline sees it */
};

/* A value of the request that a rule of the phase being matched reads. */
struct pitem {
	struct item it;
	size_t idx; /* its item index */
	uint8_t memo; /* PM_* */
	bool dirty; /* a pipeline that took it did not find it clean */
	uint64_t hash; /* PM_MISS: item_memo_hash() */
	char num[24]; /* a count target's count, once a pipeline wants it */
};

/* A value of pitems a pipeline takes, transformed. */
struct pval {
	uint32_t item; /* index in the scratch's items */
	uint8_t k; /* its database (enf_pipe.db_for) */
	bool placed; /* transformed into the scratch's cat */
	bool alone; /* scanned alone: a report of its joined scan ended in
		     * it, or it had none */
	size_t off; /* in cat */
	size_t len;
};

#define N_SCALARS 9
/* the origin's values, after the anomalies, when the request has one */
#define N_ORIGIN 9

static const char *const anom_names[ENF_ANOM_BITS] = ENF_ANOM_NAMES;

/* How many anomalies @req has (most have none: no popcount call then, a
 * library call where the CPU baseline has no POPCNT). */
static size_t anomaly_count(const struct enf_request *req)
{
	return req->anomalies ? (size_t)__builtin_popcountll(req->anomalies) :
				0;
}

static size_t item_count(const struct enf_request *req)
{
	return N_SCALARS + 2 * req->n_args + 2 * req->n_headers +
	       2 * req->n_args_post + 2 * req->n_cookies + anomaly_count(req) +
	       (req->origin ? N_ORIGIN : 0);
}

/* An inbound request's peer is its client; an outbound one's, its server. */
static bool origin_outbound(const struct enf_request *req)
{
	return req->origin && req->origin->direction == ENF_REQ_OUTBOUND;
}

/* The origin's address, ports and uid as text, once a request, those that
 * a rule of the set reads (@read: 1 << item class). */
static void origin_format(struct enf_rules_scratch *s,
			  const struct enf_request *req, uint64_t read)
{
	const struct enf_tuple *t = &req->origin->tuple;
	uint16_t server;

	s->addr[0] = s->rport[0] = s->sport[0] = s->uid[0] = '\0';
	if (read & 1ull << ENF_IC_PROC_UID)
		snprintf(s->uid, sizeof(s->uid), "%u", req->origin->uid);
	if (t->family != ENF_FAMILY_V4 && t->family != ENF_FAMILY_V6)
		return; /* no IP flow: uncorrelated */
	if (read & 1ull << ENF_IC_REMOTE_ADDR)
		inet_ntop(t->family == ENF_FAMILY_V4 ? AF_INET : AF_INET6,
			  t->saddr, s->addr, sizeof(s->addr));
	/* the tuple has the peer as source */
	if (read & 1ull << ENF_IC_REMOTE_PORT)
		snprintf(s->rport, sizeof(s->rport), "%u", ntohs(t->sport));
	server = origin_outbound(req) ? t->sport : t->dport;
	if (read & 1ull << ENF_IC_SERVER_PORT)
		snprintf(s->sport, sizeof(s->sport), "%u", ntohs(server));
}

/* The request's REQUEST_BASENAME: its decoded path after the last '/' or
 * '\' (as ModSecurity v3; no separator gives an empty basename). */
static struct enf_str basename_of(const struct enf_str *path)
{
	struct enf_str b = { "", 0 };

	for (size_t i = path->len; i > 0; i--) {
		if (path->ptr[i - 1] == '/' || path->ptr[i - 1] == '\\') {
			b.ptr = path->ptr + i;
			b.len = path->len - i;
			break;
		}
	}
	return b;
}

/* A C string of the origin as item @cls: absent when empty or unknown. */
static bool item_cstr(struct item *it, enum enf_item_class cls, const char *v)
{
	if (!v || !*v)
		return false;
	it->cls = cls;
	it->ptr = v;
	it->len = strlen(v);
	return true;
}

/* Origin value @i of @req (its origin_format()ed text in @s). */
static bool item_origin(const struct enf_request *req,
			const struct enf_rules_scratch *s, size_t i,
			struct item *it)
{
	const struct enf_req_origin *o = req->origin;

	switch (i) {
	case 0:
		return item_cstr(it, ENF_IC_REMOTE_ADDR, s->addr);
	case 1:
		return item_cstr(it, ENF_IC_REMOTE_PORT, s->rport);
	case 2:
		return item_cstr(it, ENF_IC_SERVER_PORT, s->sport);
	case 3:
		return item_cstr(it, ENF_IC_PROC_EXE, o->exe);
	case 4:
		return item_cstr(it, ENF_IC_PROC_COMM, o->comm);
	case 5:
		return item_cstr(it, ENF_IC_PROC_UID, s->uid);
	case 6:
		return item_cstr(it, ENF_IC_PROC_CGROUP, o->cgroup);
	case 7:
		return item_cstr(it, ENF_IC_TLS_LIB, o->tls_lib);
	case 8:
		return item_cstr(it, ENF_IC_DIRECTION,
				 origin_outbound(req) ? "outbound" : "inbound");
	}
	return false;
}

static void item_str(struct item *it, enum enf_item_class cls,
		     const struct enf_str *s)
{
	it->cls = cls;
	it->ptr = s->ptr;
	it->len = s->len;
}

/* The scalars' classes, in item order (item_scalar()). */
static const uint8_t scalar_cls[N_SCALARS] = {
	ENF_IC_METHOD, ENF_IC_URI,	ENF_IC_FILENAME,
	ENF_IC_QUERY,  ENF_IC_PROTOCOL, ENF_IC_LINE,
	ENF_IC_BODY,   ENF_IC_URI_RAW,	ENF_IC_BASENAME,
};

/*
 * Scalar @i of @req (below N_SCALARS), of class scalar_cls[@i]; false when
 * it is absent (no body). A producer that does not decode (no
 * @uri_decoded) has its URI and path read raw.
 */
static bool item_scalar(const struct enf_request *req, size_t i,
			struct item *it)
{
	bool decoded = req->uri_decoded.ptr;
	struct enf_str base;

	it->key = NULL;
	it->key_len = 0;
	switch (i) {
	case 0:
		item_str(it, scalar_cls[i], &req->method);
		return true;
	case 1:
		item_str(it, scalar_cls[i],
			 decoded ? &req->uri_decoded : &req->uri);
		return true;
	case 2:
		item_str(it, scalar_cls[i],
			 decoded ? &req->path_decoded : &req->path);
		return true;
	case 3:
		item_str(it, scalar_cls[i], &req->query);
		return true;
	case 4:
		item_str(it, scalar_cls[i], &req->protocol);
		return true;
	case 5:
		item_str(it, scalar_cls[i], &req->line);
		return true;
	case 6:
		item_str(it, scalar_cls[i], &req->body);
		return req->body.len || req->body_len;
	case 7:
		item_str(it, scalar_cls[i], &req->uri);
		return true;
	default:
		base = basename_of(decoded ? &req->path_decoded : &req->path);
		item_str(it, scalar_cls[i], &base);
		return true;
	}
}

/* The collections, in item order: each has one item per argument, header
 * or cookie (item_coll()). */
#define N_COLLS 8
static const uint8_t coll_cls[N_COLLS] = {
	ENF_IC_ARG_VALUE,    ENF_IC_ARG_NAME,	    ENF_IC_HDR_VALUE,
	ENF_IC_HDR_NAME,     ENF_IC_ARG_POST_VALUE, ENF_IC_ARG_POST_NAME,
	ENF_IC_COOKIE_VALUE, ENF_IC_COOKIE_NAME,
};

/* How many items collection @c of @req has. */
static size_t coll_len(const struct enf_request *req, size_t c)
{
	switch (c / 2) {
	case 0:
		return req->n_args;
	case 1:
		return req->n_headers;
	case 2:
		return req->n_args_post;
	default:
		return req->n_cookies;
	}
}

/* The fields of collection @c of @req (coll_len() of them). */
static const struct enf_field *coll_fields(const struct enf_request *req,
					   size_t c)
{
	switch (c / 2) {
	case 0:
		return req->args;
	case 1:
		return req->headers;
	case 2:
		return req->args_post;
	default:
		return req->cookies;
	}
}

/* Field @f of collection @c as its item: of class coll_cls[@c], keyed by
 * the field's name. */
static void item_field(struct item *it, size_t c, const struct enf_field *f)
{
	item_str(it, coll_cls[c], c % 2 ? &f->name : &f->value);
	it->key = f->name.ptr;
	it->key_len = f->name.len;
}

/* Item @j of collection @c of @req (@j below coll_len()). */
static void item_coll(const struct enf_request *req, size_t c, size_t j,
		      struct item *it)
{
	item_field(it, c, &coll_fields(req, c)[j]);
}

/* Item @i of @req: the scalars, the collections, the anomalies, the
 * origin's values; false when it is absent. */
static bool item_get(const struct enf_request *req,
		     const struct enf_rules_scratch *s, size_t i,
		     struct item *it)
{
	size_t n_anom;

	if (i < N_SCALARS)
		return item_scalar(req, i, it);
	i -= N_SCALARS;
	for (size_t c = 0; c < N_COLLS; c++) {
		size_t n = coll_len(req, c);

		if (i < n) {
			item_coll(req, c, i, it);
			return true;
		}
		i -= n;
	}
	memset(it, 0, sizeof(*it));
	n_anom = anomaly_count(req);
	if (i >= n_anom)
		return req->origin && item_origin(req, s, i - n_anom, it);
	/* the i-th anomaly bit set, by its name (its own key) */
	for (unsigned int b = 0; b < ENF_ANOM_BITS; b++) {
		if (!(req->anomalies & (1ull << b)) || i--)
			continue;
		it->cls = ENF_IC_ANOMALY;
		it->ptr = anom_names[b] ? anom_names[b] : "UNKNOWN";
		it->len = strlen(it->ptr);
		it->key = it->ptr;
		it->key_len = it->len;
		return true;
	}
	return false;
}

/* ARGS and ARGS_NAMES read the query's and the body's arguments. */
static bool class_takes(const struct enf_target *t, enum enf_item_class cls)
{
	if (t->var == ENF_V_ARGS)
		return cls == ENF_IC_ARG_VALUE || cls == ENF_IC_ARG_POST_VALUE;
	if (t->var == ENF_V_ARGS_NAMES)
		return cls == ENF_IC_ARG_NAME || cls == ENF_IC_ARG_POST_NAME;
	return t->cls == cls;
}

/* Does @t's selector take @it, by its member's name? A regular-expression
 * selector that hits a PCRE2 limit takes nothing; the hit is counted. */
static bool sel_takes(const struct enf_target *t, const struct item *it,
		      struct enf_rules_scratch *s)
{
	int rc;

	if (!t->sel_re)
		return !t->sel || (t->sel_len == it->key_len &&
				   enf_memcaseeq(t->sel, it->key, it->key_len));
	rc = pcre2_match(t->sel_re, (PCRE2_SPTR)(it->key ? it->key : ""),
			 it->key_len, 0, 0, s->md, s->mctx);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		s->limit_hits++;
	return rc >= 0;
}

/* @t's variable, with its selector, has @it among its values. */
static bool target_selects(const struct enf_target *t, const struct item *it,
			   struct enf_rules_scratch *s)
{
	return class_takes(t, it->cls) && sel_takes(t, it, s);
}

/* @t reads @it: a count target its own count; an exclusion nothing. */
static bool target_takes(const struct enf_target *t, const struct item *it,
			 struct enf_rules_scratch *s)
{
	if (t->count)
		return it->cls == ENF_IC_COUNT && it->key == (const char *)t;
	if (t->exclude)
		return false;
	return target_selects(t, it, s);
}

/* One of @r's exclusions takes @it out of target @t's variable. */
static bool excluded(const struct enf_rule *r, const struct enf_target *t,
		     const struct item *it, struct enf_rules_scratch *s)
{
	for (size_t i = 0; i < r->n_targets; i++) {
		const struct enf_target *x = &r->targets[i];

		if (x->exclude && x->var == t->var && sel_takes(x, it, s))
			return true;
	}
	return false;
}

/* The first of @r's targets that takes @it, or -1. */
static int rule_target_for(const struct enf_rule *r, const struct item *it,
			   struct enf_rules_scratch *s)
{
	for (size_t i = 0; i < r->n_targets; i++) {
		const struct enf_target *t = &r->targets[i];

		if (target_takes(t, it, s) &&
		    (t->count || !excluded(r, t, it, s)))
			return (int)i;
	}
	return -1;
}

static bool pipe_wants(const struct enf_pipe *p, const struct item *it,
		       struct enf_rules_scratch *s)
{
	if (!(p->cls_mask & 1ull << it->cls))
		return false;
	if (p->all_mask & 1ull << it->cls)
		return true;
	for (size_t i = 0; i < p->n_targets; i++) {
		if (target_takes(p->targets[i], it, s))
			return true;
	}
	return false;
}

/* How many values of the request the count target @t's variable has. */
static size_t count_values(const struct enf_request *req, size_t n_items,
			   const struct enf_target *t,
			   struct enf_rules_scratch *s)
{
	size_t n = 0;
	struct item it;

	for (size_t i = 0; i < n_items; i++)
		n += item_get(req, s, i, &it) && target_selects(t, &it, s);
	return n;
}

/* Bump a generation counter; on wrap, clear what it stamps. */
static void gen_next(uint32_t *gen, uint32_t *stamps, size_t n)
{
	if (++*gen == 0) {
		memset(stamps, 0, n * sizeof(*stamps));
		*gen = 1;
	}
}

/* State of one scan, for the Hyperscan callback. */
struct scan {
	const struct enf_ruleset *rs;
	struct enf_rules_scratch *s;
	const struct enf_pipe *pipe;
	const uint32_t *pat_rule; /* of the database being scanned */
	const struct item *it;
	size_t item_idx;
	const char *v;
	size_t vl;
	bool outbound; /* the request is outbound: DIRECTION rules only */
	uint64_t memo_base; /* item_memo_key() of the set, phase, direction */
	bool no_hit; /* the value's joined scan had no hit: skip its own */
	bool hs_hit; /* the value's own scan had a hit (on_hs_match()) */
	int err;
};

/*
 * The target of rule @ri that takes the current value, when a match on it
 * would be kept: -1 when the rule does not read the value, does not see
 * requests of this one's direction, or matched already on a value of the
 * same or an earlier target (values come in item order: only an earlier
 * target wins).
 */
static int target_to_try(struct scan *m, uint32_t ri)
{
	const struct enf_rules_scratch *s = m->s;
	const struct enf_rs_rule *rr = &m->rs->rules[ri];
	int ti;

	if (!enf_rs_rule_sees(rr, m->outbound))
		return -1;
	ti = rule_target_for(m->rs->rules[ri].r, m->it, m->s);
	if (ti >= 0 && s->seen[ri] == s->req_gen &&
	    (rr->walk_probe != UINT32_MAX ||
	     (uint32_t)ti >= s->found[s->slot[ri]].target))
		return -1; /* a rule with a walk is seen once a walk held */
	return ti;
}

/*
 * Rule @ri matched the current value through its target @ti (from
 * target_to_try()): keep it, or keep this value in place of the one of a
 * later target (the rule's earlier target, as ModSecurity walks them).
 */
static int note_raw(struct enf_rules_scratch *s, uint32_t ri, int ti,
		    size_t item, const char *v, size_t vl)
{
	struct found *f;

	if (s->seen[ri] == s->req_gen) {
		f = &s->found[s->slot[ri]];
	} else {
		if (s->n_found == s->cap_found) {
			size_t ncap = s->cap_found ? s->cap_found * 2 : 16;
			struct found *nf;

			if (ncap > s->n_rules)
				ncap = s->n_rules;
			nf = realloc(s->found, ncap * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			s->found = nf;
			s->cap_found = ncap;
		}
		f = &s->found[s->n_found];
		s->slot[ri] = (uint32_t)s->n_found++;
		s->seen[ri] = s->req_gen;
		f->rule = ri;
	}
	f->target = (uint32_t)ti;
	f->item = item;
	f->len = vl < ENF_RULE_VALUE_MAX ? vl : ENF_RULE_VALUE_MAX;
	memcpy(f->value, v, f->len);
	return 0;
}

static int note_at(struct scan *m, uint32_t ri, int ti)
{
	if (ti < 0)
		return 0;
	return note_raw(m->s, ri, ti, m->item_idx, m->v, m->vl);
}

/*
 * @re on @v: 1 it matches, 0 it does not, -1 PCRE2 gave up (match, depth
 * or heap limit, JIT stack), which is counted: the rule then does not fire
 * on this value, negated or not.
 */
static int rx_run(struct enf_rules_scratch *s, const pcre2_code *re,
		  const char *v, size_t vl)
{
	int rc = pcre2_match(re, (PCRE2_SPTR)v, vl, 0, 0, s->md, s->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	s->limit_hits++;
	return -1;
}

/* @rr's PCRE2 code on the current value, as rx_run(). */
static int run_pcre2(struct scan *m, const struct enf_rs_rule *rr)
{
	return rx_run(m->s, rr->re, m->v, m->vl);
}

static int matched(struct scan *m, uint32_t ri, int ti);

/*
 * A hit of a rule that is not negated. A prefilter's hit is a candidate:
 * PCRE2 decides, and runs only when a match would count (the rule reads
 * the value and has no match on it or an earlier target yet).
 */
static int on_hs_match(unsigned int id, unsigned long long from,
		       unsigned long long to, unsigned int flags, void *ctx)
{
	struct scan *m = ctx;
	uint32_t ri = m->pat_rule[id];
	const struct enf_rs_rule *rr = &m->rs->rules[ri];
	int ti;

	(void)from;
	(void)to;
	(void)flags;
	m->hs_hit = true;
	if (rr->r->negated) {
		/* decided after the scan (scan_value()) */
		m->s->hit[ri] = m->s->val_gen;
		return 0;
	}
	ti = target_to_try(m, ri);
	if (ti < 0 || (rr->prefilter && run_pcre2(m, rr) != 1))
		return 0;
	m->err = matched(m, ri, ti);
	return m->err ? 1 : 0;
}

/*
 * Whether negated rule @rr, in the database, fires on the current value
 * (@hit: its pattern was reported on it): when the pattern does not match.
 * No hit: it cannot match (a prefilter reports a superset of the matches).
 * A hit of an exact pattern: it matches. A prefilter's hit: PCRE2 decides;
 * when PCRE2 gives up, the rule does not fire (counted).
 */
static bool negated_fires(struct scan *m, const struct enf_rs_rule *rr,
			  bool hit)
{
	if (!hit)
		return true;
	return rr->prefilter && run_pcre2(m, rr) == 0;
}

/* 1: the operator matches the value, 0: it does not, -1: PCRE2 gave up. */
/* @ipMatch: the value is an address in one of the rule's networks. */
static bool run_ipmatch(const struct enf_rule *r, const char *v, size_t vl)
{
	uint8_t addr[16];

	if (!enf_ip_parse(v, vl, addr))
		return false;
	for (size_t i = 0; i < r->n_nets; i++)
		if (enf_ipnet_has(&r->nets[i], addr))
			return true;
	return false;
}

/* @pm's phrases on @v, caseless, one by one (a deferred link's). */
static bool pm_find(const struct enf_rule *r, const char *v, size_t vl)
{
	for (size_t i = 0; i < r->n_phrases; i++) {
		const struct enf_str *ph = &r->phrases[i];

		for (size_t k = 0; ph->len <= vl && k <= vl - ph->len; k++)
			if (enf_memcaseeq(v + k, ph->ptr, ph->len))
				return true;
	}
	return false;
}

/* @rr's operator on @v: 1 it matches, 0 it does not, -1 PCRE2 gave up. */
static inline int op_eval(struct enf_rules_scratch *s,
			  const struct enf_rs_rule *rr, const char *v,
			  size_t vl)
{
	const struct enf_rule *r = rr->r;
	size_t pl = r->param_len;

	switch (r->op) {
	case ENF_OP_RX:
		return rx_run(s, rr->re, v, vl);
	case ENF_OP_CONTAINS:
		return vl >= pl && memmem(v, vl, r->param, pl);
	case ENF_OP_STREQ:
		return vl == pl && !memcmp(v, r->param, pl);
	case ENF_OP_BEGINSWITH:
		return vl >= pl && !memcmp(v, r->param, pl);
	case ENF_OP_ENDSWITH:
		return vl >= pl && !memcmp(v + vl - pl, r->param, pl);
	case ENF_OP_WITHIN:
		/* the value is the needle; an empty one is found anywhere */
		return !vl || (vl <= pl && memmem(r->param, pl, v, vl));
	case ENF_OP_IPMATCH:
		return run_ipmatch(r, v, vl);
	case ENF_OP_EQ:
		return enf_value_int(v, vl) == r->num;
	case ENF_OP_GT:
		return enf_value_int(v, vl) > r->num;
	case ENF_OP_LT:
		return enf_value_int(v, vl) < r->num;
	case ENF_OP_GE:
		return enf_value_int(v, vl) >= r->num;
	case ENF_OP_LE:
		return enf_value_int(v, vl) <= r->num;
	case ENF_OP_PM:
		return pm_find(r, v, vl);
	}
	return 0;
}

static int run_other(struct scan *m, const struct enf_rs_rule *rr)
{
	return op_eval(m->s, rr, m->v, m->vl);
}

/*
 * TX:0..TX:9 while a chain is walked: where each group's bytes are, and
 * which of the scratch's two tbufs holds them (-1: neither, they are in
 * the value scanned).
 */
struct txv {
	const char *p[ENF_TX_N];
	size_t len[ENF_TX_N];
	uint16_t set;
	int home;
};

/*
 * The groups of @rr's pattern on @v (which it matched) become TX, all ten
 * replaced: a group the pattern does not have, or that took no part in the
 * match, is absent. A PCRE2 limit hit is counted and leaves TX empty: the
 * rule still matched (its engine said so), its groups are not known.
 */
static void capture_run(struct enf_rules_scratch *s,
			const struct enf_rs_rule *rr, const char *v, size_t vl,
			struct txv *tx)
{
	PCRE2_SIZE *ov;
	int rc;

	tx->set = 0;
	rc = pcre2_match(rr->re, (PCRE2_SPTR)v, vl, 0, 0, s->md_cap, s->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return;
	if (rc < 0) {
		s->limit_hits++;
		return;
	}
	if (rc == 0 || rc > ENF_TX_N)
		rc = ENF_TX_N; /* more groups than TX keeps */
	ov = pcre2_get_ovector_pointer(s->md_cap);
	for (int i = 0; i < rc; i++) {
		if (ov[2 * i] == PCRE2_UNSET)
			continue;
		tx->p[i] = v + ov[2 * i];
		/* \K in a lookaround can end a match before its start */
		tx->len[i] = ov[2 * i + 1] > ov[2 * i] ?
				     ov[2 * i + 1] - ov[2 * i] :
				     0;
		tx->set |= (uint16_t)(1u << i);
	}
}

/* TX kept for a chain's report, each value cut to ENF_RULE_VALUE_MAX. */
static void snap_fill(struct enf_tx_snap *sn, const struct txv *tx)
{
	sn->set = tx->set;
	for (int i = 0; i < ENF_TX_N; i++) {
		size_t n = tx->len[i];

		if (!(tx->set & (1u << i)))
			continue;
		n = n < ENF_RULE_VALUE_MAX ? n : ENF_RULE_VALUE_MAX;
		memcpy(sn->val[i], tx->p[i], n);
		sn->len[i] = (uint16_t)n;
	}
}

/* Make tbuf @b hold @need bytes. */
static int tbuf_reserve(struct enf_rules_scratch *s, int b, size_t need)
{
	char *nb;

	if (need <= s->tbuf_cap[b])
		return 0;
	nb = realloc(s->tbuf[b], need);
	if (!nb)
		return -ENOMEM;
	s->tbuf[b] = nb;
	s->tbuf_cap[b] = need;
	return 0;
}

/*
 * Deferred link @li on TX: its targets in order, each through the link's
 * transformations (into the tbuf TX is not in), its operator applied. The
 * first that fires is noted; a link that captures then replaces TX.
 * Return: 1 it fired, 0 it did not, or a negative errno.
 */
static int tx_link(struct scan *m, uint32_t li, struct txv *tx)
{
	struct enf_rules_scratch *s = m->s;
	const struct enf_rs_rule *l = &m->rs->rules[li];
	const struct enf_rule *r = l->r;

	for (size_t t = 0; t < r->n_targets; t++) {
		int n = r->targets[t].sel[0] - '0', home = tx->home, res, err;
		const char *v;
		size_t vl;

		if (!(tx->set & (1u << n)))
			continue;
		v = tx->p[n];
		vl = tx->len[n];
		if (r->n_tfn) {
			size_t need = enf_tfn_bound(r->tfn, r->n_tfn, vl);
			ssize_t tl;

			home = tx->home == 0 ? 1 : 0;
			if (need == SIZE_MAX)
				return -E2BIG;
			err = tbuf_reserve(s, home, need + 1);
			if (err)
				return err;
			memcpy(s->tbuf[home], v, vl);
			tl = enf_tfn_run(r->tfn, r->n_tfn, s->tbuf[home], vl,
					 s->tbuf_cap[home]);
			if (tl < 0)
				return (int)tl;
			v = s->tbuf[home];
			vl = (size_t)tl;
		}
		res = op_eval(s, l, v, vl);
		if (res < 0 || res == r->negated)
			continue;
		err = note_raw(s, li, (int)t, SIZE_MAX, v, vl);
		if (err)
			return err;
		if (enf_rule_captures(r)) {
			capture_run(s, l, v, vl, tx);
			tx->home = home;
		}
		return 1;
	}
	return 0;
}

/*
 * Rule @ri matched the current value through target @ti. A rule without
 * cap_run is noted (the fast path). One with it gets its groups; with a
 * walk, the deferred links after it are matched on them, in order, and
 * the rule is noted only when every one of them fires: a chain holds when
 * one value of the rule that captures satisfies the links reading it.
 */
static int matched(struct scan *m, uint32_t ri, int ti)
{
	const struct enf_rs_rule *rr = &m->rs->rules[ri];
	struct txv tx = { .home = -1 };
	int ret;

	if (!rr->cap_run || ti < 0)
		return note_at(m, ri, ti);
	capture_run(m->s, rr, m->v, m->vl, &tx);
	for (uint32_t k = rr->walk_from;
	     rr->walk_probe != UINT32_MAX && k < rr->walk_end; k++) {
		if (!m->rs->rules[k].deferred)
			continue;
		ret = tx_link(m, k, &tx);
		if (ret <= 0)
			return ret;
	}
	if (rr->snap >= 0)
		snap_fill(&m->s->snaps[rr->snap], &tx);
	return note_at(m, ri, ti);
}

static int hs_to_errno(hs_error_t e)
{
	switch (e) {
	case HS_NOMEM:
		return -ENOMEM;
	case HS_SCRATCH_IN_USE:
		return -EBUSY;
	case HS_INVALID:
	case HS_DB_MODE_ERROR:
	case HS_BAD_ALIGN:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* Run every rule of pipeline @m->pipe against the current value. */
static int scan_value(struct scan *m)
{
	const struct enf_pipe *p = m->pipe;
	struct enf_rules_scratch *s = m->s;
	uint8_t k = p->db_for[m->outbound][m->it->cls];
	hs_error_t e;

	gen_next(&s->val_gen, s->hit, s->n_rules);
	/* the pipeline's database, or the part of it with the patterns of
	 * the rules that may read a value of this class (pipe_parts()) */
	if (k != ENF_PIPE_DB_NONE && !m->no_hit) {
		const hs_database_t *db = p->db;

		m->pat_rule = p->pat_rule;
		if (k != ENF_PIPE_DB_ALL) {
			db = p->parts[k].db;
			m->pat_rule = p->parts[k].pat_rule;
		}
		if (m->vl > UINT_MAX)
			return -E2BIG;
		m->err = 0;
		m->hs_hit = false;
		s->hs_scans++;
		e = hs_scan(db, m->v, (unsigned int)m->vl, 0, s->hs,
			    on_hs_match, m);
		if (e == HS_SCAN_TERMINATED)
			return m->err;
		if (e != HS_SUCCESS)
			return hs_to_errno(e);
	}
	for (size_t k = 0; k < p->n_neg; k++) {
		uint32_t ri = p->neg[k];
		int ti = target_to_try(m, ri), err;

		if (ti < 0 || !negated_fires(m, &m->rs->rules[ri],
					     s->hit[ri] == s->val_gen))
			continue;
		err = matched(m, ri, ti);
		if (err)
			return err;
	}
	for (size_t k = 0; k < p->n_other; k++) {
		const struct enf_rs_rule *rr = &m->rs->rules[p->other[k]];
		int ti = target_to_try(m, p->other[k]), res, err;

		if (ti < 0)
			continue;
		res = run_other(m, rr);
		if (res < 0 || res == rr->r->negated)
			continue;
		err = matched(m, p->other[k], ti);
		if (err)
			return err;
	}
	return 0;
}

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The @n bytes at @src after the @at bytes of string @dst (room for @cap
 * with its NUL, @at < @cap), as many as fit, then a NUL, as snprintf()
 * would put them without its cost. Return: the string's new length. */
static size_t put_str(char *dst, size_t cap, size_t at, const char *src,
		      size_t n)
{
	if (n > cap - 1 - at)
		n = cap - 1 - at;
	if (n)
		memcpy(dst + at, src, n);
	dst[at + n] = '\0';
	return at + n;
}

static void fill_match(const struct enf_ruleset *rs,
		       const struct enf_rules_scratch *s,
		       const struct enf_request *req, const struct found *f,
		       struct enf_rule_match *mt)
{
	const struct enf_rs_rule *rr = &rs->rules[f->rule];
	const struct enf_target *t;
	const char *name;
	struct item it;

	mt->rule = &rr->info;
	if (rr->r->uncond) {
		/* a SecAction: no variable, no value */
		mt->var[0] = '\0';
		mt->value[0] = '\0';
		mt->value_len = 0;
		return;
	}
	t = &rr->r->targets[f->target];
	name = enf_var_name(t->var);
	if (t->count) {
		/* "&VAR" or "&VAR:selector" as written ('/' around a pattern) */
		if (!t->sel)
			snprintf(mt->var, sizeof(mt->var), "&%s", name);
		else
			snprintf(mt->var, sizeof(mt->var), "&%s:%s%.*s%s", name,
				 t->sel_re ? "/" : "", (int)t->sel_len, t->sel,
				 t->sel_re ? "/" : "");
	} else if (enf_var_is_collection(t->var)) {
		size_t at = put_str(mt->var, sizeof(mt->var), 0, name,
				    strlen(name));

		item_get(req, s, f->item, &it);
		at = put_str(mt->var, sizeof(mt->var), at, ":", 1);
		put_str(mt->var, sizeof(mt->var), at, it.key ? it.key : "",
			it.key ? strnlen(it.key, it.key_len) : 0);
	} else {
		put_str(mt->var, sizeof(mt->var), 0, name, strlen(name));
	}
	memcpy(mt->value, f->value, f->len);
	mt->value_len = f->len;
}

/* @mt's logdata and msg, their macros expanded (fill_match() first). */
static void fill_text(const struct enf_ruleset *rs,
		      const struct enf_rules_scratch *s,
		      const struct enf_request *req, const struct found *f,
		      struct enf_rule_match *mt)
{
	const struct enf_rs_rule *rr = &rs->rules[f->rule];
	const struct enf_rule *r = rr->r;
	struct enf_macro_env env = {
		.m = mt,
		.req = req,
		.remote_addr = req->origin ? s->addr : NULL,
		.tx = rr->tx_slot >= 0 ? &s->snaps[rr->tx_slot] : NULL,
	};

	mt->logdata[0] = '\0';
	if (r->logdata)
		enf_macro_expand(&r->logdata_tpl, &env, mt->logdata,
				 sizeof(mt->logdata));
	if (r->msg_tpl.n_macros)
		enf_macro_expand(&r->msg_tpl, &env, mt->msg, sizeof(mt->msg));
	else
		put_str(mt->msg, sizeof(mt->msg), 0, rr->info.msg,
			strlen(rr->info.msg));
}

/*
 * Value @i of the request for the rules of @phase: the request's @n_items
 * values, then one for each count target of the set (its count, written in
 * @num, only once a pipeline wants it: counting walks every value).
 */
static bool item_at(struct scan *m, const struct enf_request *req,
		    size_t n_items, size_t i, struct item *it)
{
	if (i < n_items)
		return item_get(req, m->s, i, it);
	memset(it, 0, sizeof(*it));
	it->cls = ENF_IC_COUNT;
	it->key = (const char *)m->rs->counts[i - n_items];
	return true;
}

/* Pipeline @p wants @it, a value of a request of @m's direction. */
static bool pipe_takes(const struct scan *m, const struct enf_pipe *p,
		       const struct item *it)
{
	uint64_t mask = m->outbound ? p->out_mask : p->in_mask;

	return mask & 1ull << it->cls && pipe_wants(p, it, m->s);
}

/*
 * What a chain reports, as ModSecurity's MATCHED_VAR has it once a chain
 * holds: its last link's variable and value (for an outbound chain that
 * starts on DIRECTION, what was sent, not "outbound"). A link on TX:N
 * gives way to the link before it, which names the variable the value was
 * captured from. A rule that is no chain reports itself. @from: the
 * phase's first entry.
 */
static const struct found *chain_report(const struct enf_ruleset *rs,
					const struct enf_rules_scratch *s,
					const struct found *f, size_t from)
{
	const struct enf_rs_rule *rr = &rs->rules[f->rule];

	for (size_t k = rr->r->n_links; k-- > 0;) {
		uint32_t li = (uint32_t)(rr->first_link + k);

		if (s->seen[li] != s->req_gen || rs->rules[li].deferred)
			continue;
		/* found[] is sorted by rule here: slot[] is stale */
		for (size_t j = from; j < s->n_found; j++)
			if (s->found[j].rule == li)
				return &s->found[j];
	}
	return f;
}

/* Matched rule @ri is reported: a visible rule whose links (when it
 * starts a chain) all matched this request too. */
static bool chain_holds(const struct enf_ruleset *rs,
			const struct enf_rules_scratch *s, uint32_t ri)
{
	const struct enf_rs_rule *rr = &rs->rules[ri];

	if (ri >= rs->n_visible)
		return false;
	for (size_t k = 0; k < rr->r->n_links; k++)
		if (s->seen[rr->first_link + k] != s->req_gen)
			return false;
	return true;
}

/*
 * Protocol anomalies only a body can raise: a phase 1 rule does not see
 * them. Those either part of a request can raise (ARGS_LIMIT, BAD_ESCAPE,
 * H2_RESET, ...) are seen in both phases.
 */
#define BODY_ANOMALIES                                                      \
	(ENF_ANOM_BODY_TRUNCATED | ENF_ANOM_BAD_CHUNK | ENF_ANOM_BAD_JSON | \
	 ENF_ANOM_BAD_MULTIPART | ENF_ANOM_JSON_DEPTH_LIMIT |               \
	 ENF_ANOM_MULTIPART_LIMIT | ENF_ANOM_BODY_ARGS_PARTIAL |            \
	 ENF_ANOM_H2_CONTENT_LENGTH)

/*
 * What a rule of @phase sees of @req, as ModSecurity has it: phase 1 what
 * exists once the request headers are in (request line, URI, query and its
 * arguments, headers, cookies, the process; no body, no body arguments, no
 * body anomaly), written in @head; phase 2 all of it.
 */
static const struct enf_request *phase_view(const struct enf_request *req,
					    int phase, struct enf_request *head)
{
	if (phase != 1)
		return req;
	*head = *req;
	head->body = (struct enf_str){ .ptr = NULL, .len = 0 };
	head->body_len = 0;
	head->body_type = ENF_BODY_NONE;
	head->args_post = NULL;
	head->n_args_post = 0;
	head->anomalies &= ~BODY_ANOMALIES;
	return head;
}

/* @*arr holds at least @n elements of @size bytes; false: out of memory. */
static bool room_for(void **arr, size_t *cap, size_t n, size_t size)
{
	void *na;
	size_t nc;

	if (n <= *cap)
		return true;
	nc = *cap ? *cap : 16;
	while (nc < n && nc <= SIZE_MAX / 2 / size)
		nc *= 2;
	if (nc < n)
		return false;
	na = realloc(*arr, nc * size);
	if (!na)
		return false;
	*arr = na;
	*cap = nc;
	return true;
}

static inline bool item_memo_take(struct scan *m, struct pitem *pi);

/*
 * @pi, item @i of the request, as the phase lists it: 0 when the memo has
 * it (a value of a class that some pipeline takes whole, @early), which no
 * pipeline then sees; 1 when it is listed.
 */
static inline size_t item_list(struct scan *m, struct pitem *pi, size_t i,
			       uint64_t early)
{
	pi->idx = i;
	pi->memo = PM_NEW;
	pi->dirty = false;
	return !(early & 1ull << pi->it.cls && item_memo_take(m, pi));
}

/* Item @i into @pi when the phase reads its class (@want), as
 * item_list(). Return: 1 when listed, 0 when not. */
static size_t take_item(struct scan *m, const struct enf_request *req,
			size_t n_items, size_t i, uint64_t want, uint64_t early,
			struct pitem *pi)
{
	if (!item_at(m, req, n_items, i, &pi->it) ||
	    !(want & 1ull << pi->it.cls))
		return 0;
	return item_list(m, pi, i, early);
}

/* One of the literal selectors of @phase's targets that read @cls (a
 * class in enf_ruleset.named_only) names the field called @name. */
static bool named_in(const struct enf_ruleset *rs, int phase,
		     enum enf_item_class cls, const struct enf_str *name)
{
	for (size_t k = 0; k < rs->n_named[phase - 1]; k++) {
		const struct enf_target *t = rs->named[phase - 1][k];

		if (t->sel_len == name->len && class_takes(t, cls) &&
		    enf_memcaseeq(t->sel, name->ptr, name->len))
			return true;
	}
	return false;
}

/*
 * The values of @req (the request's @n_items, then the set's counts) that
 * some rule of @phase reads (@want: their classes), in item order, in
 * the scratch's items. The scalars and collections are read where they
 * are, by class: a class that no rule of the phase reads costs nothing,
 * and of a class read only by name, the fields not named.
 * Return: how many, or -ENOMEM.
 */
static ssize_t phase_items(struct scan *m, const struct enf_request *req,
			   int phase, size_t n_items, uint64_t want,
			   uint64_t early)
{
	uint64_t named = m->rs->named_only[phase - 1];
	struct enf_rules_scratch *s = m->s;
	size_t total = n_items + m->rs->n_counts, n = 0, i = 0;

	if (!room_for((void **)&s->items, &s->items_cap, total,
		      sizeof(*s->items)) ||
	    !room_for((void **)&s->pv, &s->pv_cap, total, sizeof(*s->pv)) ||
	    !room_for((void **)&s->gv, &s->gv_cap, total, sizeof(*s->gv)))
		return -ENOMEM;
	for (; i < N_SCALARS; i++) {
		if (!(want & 1ull << scalar_cls[i]) ||
		    !item_scalar(req, i, &s->items[n].it))
			continue;
		n += item_list(m, &s->items[n], i, early);
	}
	for (size_t c = 0; c < N_COLLS; c++) {
		size_t len = coll_len(req, c);
		const struct enf_field *f = coll_fields(req, c);
		bool by_name = named & 1ull << coll_cls[c];

		for (size_t j = 0; want & 1ull << coll_cls[c] && j < len; j++) {
			if (by_name &&
			    !named_in(m->rs, phase, coll_cls[c], &f[j].name))
				continue;
			item_field(&s->items[n].it, c, &f[j]);
			n += item_list(m, &s->items[n], i + j, early);
		}
		i += len;
	}
	for (; i < total; i++)
		n += take_item(m, req, n_items, i, want, early, &s->items[n]);
	return (ssize_t)n;
}

/* Reports a joined scan (joined_sweep()) takes before it gives up and
 * leaves every value of it to be scanned alone: a value that matches at
 * every byte costs no more than its scan alone. */
#define SWEEP_REPORTS_MAX 256

/* A joined scan of values @gv[0..@n) (pv indices) from cat offset @base:
 * the value where the last report ended spans cat offsets [@lo, @hi). */
struct sweep {
	struct enf_rules_scratch *s;
	const uint32_t *gv;
	size_t n;
	size_t base;
	size_t lo, hi;
	unsigned int left; /* reports still taken */
};

/* A report of a joined scan: the value where the match ended (its own, or
 * the one whose '\n' it ends on) is scanned alone. */
static int on_sweep_report(unsigned int id, unsigned long long from,
			   unsigned long long to, unsigned int flags, void *ctx)
{
	struct sweep *w = ctx;
	size_t at = w->base + (size_t)(to ? to - 1 : 0), lo = 0, hi = w->n;
	struct pval *v;

	(void)id;
	(void)from;
	(void)flags;
	if (!w->left--)
		return 1;
	if (at - w->lo < w->hi - w->lo)
		return 0; /* the value is marked already */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->s->pv[w->gv[mid]].off <= at)
			lo = mid;
		else
			hi = mid;
	}
	v = &w->s->pv[w->gv[lo]];
	v->alone = true;
	w->lo = v->off;
	w->hi = v->off + v->len + 1;
	return 0;
}

/*
 * Which of a database's values @gv[0..@n) (pv indices, placed in the
 * scratch's cat one after another, each followed by '\n') need a scan
 * alone, with @sweep (enf_pipe.sweep): one scan of them joined reports
 * every end of every match of every pattern, and a value that matches a
 * pattern alone matches it joined, ending at the same byte. So the values
 * where no report ends are cleared, and those where one does are left
 * alone (the match may be theirs, or straddle into them from the value
 * before, which their own scan then does not find). Past
 * SWEEP_REPORTS_MAX reports, every value is left alone. Return: 0 or
 * -errno.
 */
static int joined_sweep(struct enf_rules_scratch *s, const hs_database_t *sweep,
			const uint32_t *gv, size_t n)
{
	struct sweep w = { .s = s, .gv = gv, .n = n };
	size_t len;
	hs_error_t e;

	if (n < 2)
		return 0; /* left alone */
	w.base = s->pv[gv[0]].off;
	len = s->pv[gv[n - 1]].off + s->pv[gv[n - 1]].len - w.base;
	if (len > UINT_MAX)
		return 0;
	w.left = SWEEP_REPORTS_MAX;
	for (size_t i = 0; i < n; i++)
		s->pv[gv[i]].alone = false;
	s->hs_joined++;
	e = hs_scan(sweep, s->cat + w.base, (unsigned int)len, 0, s->hs,
		    on_sweep_report, &w);
	if (e == HS_SUCCESS)
		return 0;
	for (size_t i = 0; i < n; i++)
		s->pv[gv[i]].alone = true;
	return e == HS_SCAN_TERMINATED ? 0 : hs_to_errno(e);
}

static inline uint64_t memo_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	return h ^ h >> 32;
}

/* The @n bytes at @b (n <= 8) as a word, every one of them read, none
 * past them: values of equal length are equal when their words are. */
static inline uint64_t memo_word(const char *b, size_t n)
{
	uint32_t x, y;

	if (n >= 4) {
		memcpy(&x, b, 4);
		memcpy(&y, b + n - 4, 4);
		return (uint64_t)x << 32 | y;
	}
	if (!n)
		return 0;
	return (uint64_t)(unsigned char)b[0] << 16 |
	       (uint64_t)(unsigned char)b[n / 2] << 8 | (unsigned char)b[n - 1];
}

/*
 * A hash of @len bytes at @b, from @seed: of the length and of the first,
 * middle and last eight bytes (every byte of a shorter value). Values that
 * differ elsewhere share a slot, and the whole raw value is compared
 * anyway: only a slot is at stake, never a match.
 */
static inline uint64_t memo_hash(const char *b, size_t len, uint64_t seed)
{
	uint64_t h = seed ^ len * 0x9e3779b97f4a7c15ull, w, x;

	if (len <= 8)
		return memo_mix(h, memo_word(b, len));
	memcpy(&w, b, 8);
	memcpy(&x, b + len - 8, 8);
	h = memo_mix(memo_mix(h, w), x);
	if (len > 16) {
		memcpy(&w, b + len / 2 - 4, 8);
		h = memo_mix(h, w);
	}
	return h;
}

/* Whether the @n bytes at @a and @b are the same. */
static inline bool memo_eq(const char *a, const char *b, size_t n)
{
	uint64_t w, x, y, z;

	if (n <= 8)
		return memo_word(a, n) == memo_word(b, n);
	if (n > 16)
		return !memcmp(a, b, n);
	memcpy(&w, a, 8);
	memcpy(&x, b, 8);
	memcpy(&y, a + n - 8, 8);
	memcpy(&z, b + n - 8, 8);
	return w == x && y == z;
}

/* The key of the memo's entries for values of class @cls in the phase and
 * direction being matched, against @m's set (scan.memo_base). */
static inline uint64_t item_memo_key(const struct scan *m,
				     enum enf_item_class cls)
{
	return m->memo_base | (uint64_t)cls << 8;
}

/* The classes of values the memo may keep: not a count nor
 * MSC_PCRE_LIMITS_EXCEEDED, which are no values of the request. */
#define MEMO_CLASSES \
	(~0ull & ~(1ull << ENF_IC_COUNT | 1ull << ENF_IC_PCRE_LIMIT))

/* The memo's hash of @it (of a class with entry key @key): memo_hash() of
 * its name, then of its value. */
static inline uint64_t item_memo_hash(const struct enf_rules_scratch *s,
				      const struct item *it, uint64_t key)
{
	uint64_t seed = s->memo_seed ^ key * 0x9e3779b97f4a7c15ull;
	size_t kl = it->key_len;

	if (kl)
		seed = memo_hash(it->key, kl, seed);
	return memo_hash(it->ptr, it->len, seed);
}

/*
 * Whether @pi, of a class in MEMO_CLASSES, is in the memo: it is then
 * PM_GONE. Otherwise PM_MISS (its hash set for item_memo_put()), or PM_OUT
 * when its name and value are longer than an entry holds.
 */
static inline bool item_memo_take(struct scan *m, struct pitem *pi)
{
	struct enf_rules_scratch *s = m->s;
	const struct item *it = &pi->it;
	size_t vl = it->len, kl = it->key_len;
	uint64_t key = item_memo_key(m, it->cls);
	struct memo_slot *e;

	if (kl + vl > MEMO_DATA) {
		pi->memo = PM_OUT;
		return false;
	}
	pi->hash = item_memo_hash(s, it, key);
	pi->memo = PM_MISS;
	if (!s->memo)
		return false;
	e = &s->memo[pi->hash & (MEMO_SLOTS - 2)];
	if (e->hash != pi->hash && (++e)->hash != pi->hash)
		return false;
	if (e->key != key || e->epoch != s->memo_epoch || e->name_len != kl ||
	    e->len != vl || !memo_eq(e->data, it->key, kl) ||
	    !memo_eq(e->data + kl, it->ptr, vl))
		return false;
	e->used = s->memo_tick;
	pi->memo = PM_GONE;
	s->memo_hits++;
	return true;
}

/* @pi (PM_MISS, clean in the phase) into the memo, the second time. */
static void item_memo_put(struct scan *m, const struct pitem *pi)
{
	struct enf_rules_scratch *s = m->s;
	const struct item *it = &pi->it;
	size_t vl = it->len, kl = it->key_len;
	uint32_t *seen = &s->memo_seen[pi->hash >> 40 & (MEMO_SEEN - 1)];
	uint32_t tag = (uint32_t)pi->hash + s->memo_epoch;
	struct memo_slot *e;

	if (*seen != tag) {
		*seen = tag;
		return; /* the first time */
	}
	if (!s->memo) {
		s->memo = calloc(MEMO_SLOTS, sizeof(*s->memo));
		if (!s->memo)
			return; /* matching goes on without */
	}
	/* of the pair, an empty slot, or the one taken less recently */
	e = &s->memo[pi->hash & (MEMO_SLOTS - 2)];
	if (e->key && e->epoch == s->memo_epoch &&
	    (!e[1].key || e[1].epoch != s->memo_epoch ||
	     (int32_t)(e[1].used - e->used) < 0))
		e++;
	e->key = item_memo_key(m, it->cls);
	e->used = s->memo_tick;
	e->hash = pi->hash;
	e->epoch = s->memo_epoch;
	e->name_len = (uint16_t)kl;
	e->len = (uint16_t)vl;
	if (kl)
		memcpy(e->data, it->key, kl);
	if (vl)
		memcpy(e->data + kl, it->ptr, vl);
}

/*
 * The stages of @p run on each value: all but a last lowercase, which
 * keeps every length and the '\n' between values, and so runs once over
 * the values of a database joined (pipe_place()).
 */
static size_t tfn_each(const struct enf_pipe *p)
{
	return p->n_tfn && p->tfn[p->n_tfn - 1] == ENF_T_LOWERCASE ?
		       p->n_tfn - 1 :
		       p->n_tfn;
}

/* Value @v through @p's transformations (tfn_each()) into the scratch's
 * cat at @off, followed by '\n'; its length in @v->len. Return: 0 or
 * -errno. */
static int pval_place(struct enf_rules_scratch *s, const struct enf_pipe *p,
		      struct pval *v, size_t off)
{
	const struct item *it = &s->items[v->item].it;
	size_t vl = it->ptr ? it->len : 0;
	size_t need = p->tfn_flat ? vl : enf_tfn_bound(p->tfn, p->n_tfn, vl);
	ssize_t tl;

	if (need == SIZE_MAX || need > SIZE_MAX - off - 2)
		return -E2BIG;
	if (!room_for((void **)&s->cat, &s->cat_cap, off + need + 1, 1))
		return -ENOMEM;
	if (vl)
		memcpy(s->cat + off, it->ptr, vl);
	v->off = off;
	v->len = vl;
	if (p->n_tfn)
		s->tfn_runs++;
	if (tfn_each(p)) {
		tl = enf_tfn_run(p->tfn, tfn_each(p), s->cat + off, vl,
				 s->cat_cap - off - 1);
		if (tl < 0)
			return (int)tl;
		v->len = (size_t)tl;
	}
	s->cat[off + v->len] = '\n';
	v->placed = true;
	return 0;
}

/*
 * Transform @m's pipeline's @nv values, those of one database together in
 * the scratch's cat, and scan each database's values joined by '\n' (a
 * request's values are many and short, and a scan's fixed cost is most of
 * its cost), with the database's twin without SINGLEMATCH (enf_pipe.sweep):
 * joined_sweep() leaves alone only the values where a report ends.
 * Return: 0 or -errno.
 */
static int pipe_place(struct scan *m, size_t nv)
{
	const struct enf_pipe *p = m->pipe;
	struct enf_rules_scratch *s = m->s;
	size_t off = 0;
	int err;

	for (size_t j = 0; j < nv; j++) {
		uint8_t k = s->pv[j].k;
		size_t from = off, n = 0;
		const hs_database_t *sweep = NULL;

		if (s->pv[j].placed)
			continue;
		if (k != ENF_PIPE_DB_NONE)
			sweep = k == ENF_PIPE_DB_ALL ? p->sweep :
						       p->parts[k].sweep;
		/* the database's values, placed and listed in gv */
		for (size_t i = j; i < nv; i++) {
			if (s->pv[i].k != k)
				continue;
			err = pval_place(s, p, &s->pv[i], off);
			if (err)
				return err;
			off += s->pv[i].len + 1;
			s->gv[n++] = (uint32_t)i;
		}
		if (tfn_each(p) < p->n_tfn)
			enf_tfn_apply(ENF_T_LOWERCASE, s->cat + from,
				      off - from, s->cat_cap - from);
		if (!sweep)
			continue;
		err = joined_sweep(s, sweep, s->gv, n);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The rules of @m's pipeline against the phase's @n values that it wants,
 * in item order: a rule still sees its values in item order.
 */
static int pipe_pass(struct scan *m, const struct enf_request *req,
		     size_t n_items, size_t n)
{
	const struct enf_pipe *p = m->pipe;
	struct enf_rules_scratch *s = m->s;
	size_t nv = 0;
	int err;

	for (size_t j = 0; j < n; j++) {
		struct pitem *pi = &s->items[j];

		if (pi->memo == PM_GONE || !pipe_takes(m, p, &pi->it))
			continue;
		if (pi->memo == PM_NEW) {
			pi->memo = PM_OUT;
			if (!s->memo_off && MEMO_CLASSES & 1ull << pi->it.cls &&
			    item_memo_take(m, pi))
				continue;
		}
		if (pi->it.cls == ENF_IC_COUNT && !pi->it.ptr) {
			pi->it.len = (size_t)snprintf(
				pi->num, sizeof(pi->num), "%zu",
				count_values(req, n_items,
					     m->rs->counts[pi->idx - n_items],
					     s));
			pi->it.ptr = pi->num;
		}
		s->pv[nv++] = (struct pval){
			.item = (uint32_t)j,
			.k = p->db_for[m->outbound][pi->it.cls],
			.alone = true,
		};
	}
	if (!nv)
		return 0;
	err = pipe_place(m, nv);
	if (err)
		return err;
	for (size_t j = 0; j < nv; j++) {
		const struct pval *v = &s->pv[j];
		/* a joined scan cleared it, or (below) its own found nothing */
		bool clean = !v->alone;

		if (v->alone || p->n_neg || p->n_other) {
			m->it = &s->items[v->item].it;
			m->item_idx = s->items[v->item].idx;
			m->v = s->cat + v->off;
			m->vl = v->len;
			m->no_hit = !v->alone;
			m->hs_hit = true; /* unless a scan finds nothing */
			err = scan_value(m);
			if (err)
				return err;
			clean = clean || !m->hs_hit;
		} /* else nothing would read it */
		/* a value the memo may keep is clean in every pipeline
		 * that took it, and no negated rule nor one outside the
		 * database of any of them reads its class (those fire on
		 * values no pattern hits) */
		if (!clean || p->bare_mask[m->outbound] &
				      1ull << s->items[v->item].it.cls)
			s->items[v->item].dirty = true;
	}
	m->no_hit = false;
	return 0;
}

/*
 * Run the rules of @phase against @req (what the phase sees of the
 * request): the request's values, the counts, then, when matching since
 * the call began (@hits0) hit a PCRE2 limit, MSC_PCRE_LIMITS_EXCEEDED.
 */
static int scan_phase(struct scan *m, const struct enf_request *req, int phase,
		      uint64_t hits0)
{
	const struct enf_ruleset *rs = m->rs;
	uint64_t want = rs->want[phase - 1][m->outbound], lim0;
	size_t n_items;
	ssize_t n;
	int err;

	if (!want)
		return 0; /* no rule of the phase sees this request */
	n_items = item_count(req);
	m->memo_base = rs->memo_id << 16 | (uint64_t)(phase - 1) << 1 |
		       m->outbound;
	n = phase_items(m, req, phase, n_items, want,
			m->s->memo_off ? 0 :
					 rs->take_all[phase - 1][m->outbound] &
						 MEMO_CLASSES);
	if (n < 0)
		return (int)n;
	lim0 = m->s->limit_hits;
	/* pipeline by pipeline: a rule reads one pipeline's values */
	for (size_t pi = 0; pi < rs->n_pipes; pi++) {
		m->pipe = &rs->pipes[pi];
		if (m->pipe->phase != phase)
			continue;
		err = pipe_pass(m, req, n_items, (size_t)n);
		if (err)
			return err;
	}
	/* whole values clean in the phase into the memo: not when PCRE2
	 * gave up on some value (what it would have found is not known) */
	for (ssize_t j = 0; m->s->limit_hits == lim0 && j < n; j++)
		if (m->s->items[j].memo == PM_MISS && !m->s->items[j].dirty)
			item_memo_put(m, &m->s->items[j]);
	/* after every other value: whether matching this request hit a
	 * PCRE2 limit (MSC_PCRE_LIMITS_EXCEEDED, present only then) */
	if (rs->limit_var && m->s->limit_hits > hits0) {
		/* the phase's values are matched: their room serves it */
		m->s->items[0] = (struct pitem){
			.it = { .cls = ENF_IC_PCRE_LIMIT, .ptr = "1", .len = 1 },
			.idx = n_items + rs->n_counts,
		};
		for (size_t pi = 0; pi < rs->n_pipes; pi++) {
			m->pipe = &rs->pipes[pi];
			if (m->pipe->phase != phase)
				continue;
			err = pipe_pass(m, req, n_items, 1);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Match phases @first to @last of @rs against @req, each phase's matches
 * reported in rule order before the next phase is matched; a callback that
 * stops the matching stops the phases after it too.
 */
static int match_phases(const struct enf_ruleset *rs,
			struct enf_rules_scratch *s,
			const struct enf_request *req, int first, int last,
			enf_rules_match_cb cb, void *ctx)
{
	struct scan m = { .rs = rs, .s = s };
	struct enf_request head;
	uint64_t hits0;
	int count = 0, err;

	if (!rs || !s || !req || rs->n > s->n_rules || rs->n_snaps > s->n_snaps)
		return -EINVAL;
	if (!rs->n)
		return 0;
	/* outbound requests (a client's on this host) are for the rules
	 * that ask for them by reading DIRECTION */
	m.outbound = origin_outbound(req);
	if (m.outbound && !rs->outbound)
		return 0;
	gen_next(&s->req_gen, s->seen, s->n_rules);
	s->memo_tick++;
	s->n_found = 0;
	if (req->origin)
		origin_format(s, req, rs->read_mask);
	hits0 = s->limit_hits;

	for (int phase = first; phase <= last; phase++) {
		const struct enf_request *view = phase_view(req, phase, &head);
		size_t from = s->n_found;

		err = scan_phase(&m, view, phase, hits0);
		if (err)
			return err;
		/* the SecActions of the phase match whatever the request
		 * holds (an outbound request is for DIRECTION rules only) */
		for (size_t k = 0; !m.outbound && k < rs->n_uncond; k++) {
			uint32_t ri = rs->uncond[k];

			if (rs->rules[ri].phase != phase)
				continue;
			err = note_raw(s, ri, 0, 0, "", 0);
			if (err)
				return err;
		}
		/* sorting moves entries under slot[]: harmless, as the
		 * rules of this phase are not matched again in this call */
		if (s->n_found - from > 1)
			qsort(s->found + from, s->n_found - from,
			      sizeof(*s->found), cmp_found);
		for (size_t k = from; k < s->n_found; k++) {
			struct enf_rule_match mt;

			if (!chain_holds(rs, s, s->found[k].rule))
				continue;
			fill_match(rs, s, view,
				   chain_report(rs, s, &s->found[k], from),
				   &mt);
			/* the chain's own info: its actions, msg, logdata */
			mt.rule = &rs->rules[s->found[k].rule].info;
			fill_text(rs, s, view, &s->found[k], &mt);
			count++;
			if (cb && cb(&mt, ctx))
				return count;
		}
	}
	return count;
}

int enf_rules_match(const struct enf_ruleset *rs, struct enf_rules_scratch *s,
		    const struct enf_request *req, enf_rules_match_cb cb,
		    void *ctx)
{
	return match_phases(rs, s, req, 1, 2, cb, ctx);
}

int enf_rules_match_phase(const struct enf_ruleset *rs,
			  struct enf_rules_scratch *s,
			  const struct enf_request *req, int phase,
			  enf_rules_match_cb cb, void *ctx)
{
	if (phase != 1 && phase != 2)
		return -EINVAL;
	return match_phases(rs, s, req, phase, phase, cb, ctx);
}

int enf_rules_scratch_update(struct enf_rules_scratch *s,
			     const struct enf_ruleset *rs)
{
	uint32_t *seen = NULL, *slot = NULL, *hit = NULL;
	struct enf_tx_snap *snaps = NULL;
	hs_scratch_t *hs = NULL;
	int err = -ENOMEM;

	if (!s || !rs)
		return -EINVAL;
	if (rs->n_snaps > s->n_snaps) {
		snaps = calloc(rs->n_snaps, sizeof(*snaps));
		if (!snaps)
			goto out_free_new;
	}
	if (rs->n > s->n_rules) {
		seen = calloc(rs->n, sizeof(*seen));
		slot = calloc(rs->n, sizeof(*slot));
		hit = calloc(rs->n, sizeof(*hit));
		if (!seen || !slot || !hit)
			goto out_free_new;
	}
	/*
	 * hs_alloc_scratch() frees the scratch it is handed when it fails,
	 * even when no growth was needed, and the old set is still being
	 * matched with this scratch during a reload. So a clone is grown, and
	 * swapped in only once it serves every database of @rs.
	 */
	for (size_t i = 0; i < rs->n_pipes; i++) {
		const struct enf_pipe *p = &rs->pipes[i];

		/* the pipeline's database and its twin for joined scans,
		 * then its parts' */
		for (size_t k = 0; k < 2 * (p->n_parts + 1); k++) {
			const struct enf_pipe_db *part =
				k >= 2 ? &p->parts[k / 2 - 1] : NULL;
			const hs_database_t *db =
				k % 2 ? (part ? part->sweep : p->sweep) :
					(part ? part->db : p->db);
			hs_error_t e;

			if (!db)
				continue;
			if (!hs && s->hs) {
				e = hs_clone_scratch(s->hs, &hs);
				if (e != HS_SUCCESS) {
					hs = NULL;
					err = hs_to_errno(e);
					goto out_free_new;
				}
			}
			e = hs_alloc_scratch(db, &hs);
			if (e != HS_SUCCESS) {
				err = hs_to_errno(e);
				goto out_free_new;
			}
		}
	}

	if (hs) {
		hs_free_scratch(s->hs);
		s->hs = hs;
	}
	if (snaps) {
		free(s->snaps);
		s->snaps = snaps;
		s->n_snaps = rs->n_snaps;
	}
	if (seen) {
		free(s->seen);
		free(s->slot);
		free(s->hit);
		s->seen = seen;
		s->slot = slot;
		s->hit = hit;
		s->n_rules = rs->n;
		s->req_gen = 0;
		s->val_gen = 0;
	}
	return 0;

out_free_new:
	hs_free_scratch(hs);
	free(snaps);
	free(seen);
	free(slot);
	free(hit);
	return err;
}

int enf_rules_scratch_new(const struct enf_ruleset *rs,
			  struct enf_rules_scratch **out)
{
	struct enf_rules_scratch *s;
	int err = -ENOMEM;

	if (!rs || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mctx = pcre2_match_context_create(NULL);
	s->md = pcre2_match_data_create(1, NULL);
	s->md_cap = pcre2_match_data_create(ENF_TX_N, NULL);
	if (!s->mctx || !s->md || !s->md_cap)
		goto out_free_scratch;
	pcre2_set_match_limit(s->mctx, ENF_PCRE2_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, ENF_PCRE2_DEPTH_LIMIT);
	pcre2_set_heap_limit(s->mctx, ENF_PCRE2_HEAP_LIMIT_KIB);
	/* not a secret: it only spreads the memo's keys per scratch */
	s->memo_seed = memo_hash((const char *)&s, sizeof(s),
				 (uint64_t)(uintptr_t)s->mctx);
	err = enf_rules_scratch_update(s, rs);
	if (err)
		goto out_free_scratch;
	*out = s;
	return 0;

out_free_scratch:
	enf_rules_scratch_free(s);
	return err;
}

void enf_rules_scratch_free(struct enf_rules_scratch *s)
{
	if (!s)
		return;
	hs_free_scratch(s->hs);
	pcre2_match_data_free(s->md);
	pcre2_match_data_free(s->md_cap);
	pcre2_match_context_free(s->mctx);
	free(s->seen);
	free(s->slot);
	free(s->hit);
	free(s->found);
	free(s->items);
	free(s->pv);
	free(s->gv);
	free(s->cat);
	free(s->tbuf[0]);
	free(s->tbuf[1]);
	free(s->snaps);
	free(s->memo);
	free(s);
}

void enf_rules_scratch_memo(struct enf_rules_scratch *s, bool on)
{
	if (!s)
		return;
	s->memo_off = !on;
	if (!on) {
		free(s->memo);
		s->memo = NULL;
	}
}

void enf_rules_scratch_memo_clear(struct enf_rules_scratch *s)
{
	if (!s)
		return;
	/* every entry and tag written before is now of another epoch; once
	 * in 2^32 clears, the epoch comes back round: wipe them then */
	if (++s->memo_epoch == 0) {
		if (s->memo)
			memset(s->memo, 0, MEMO_SLOTS * sizeof(*s->memo));
		memset(s->memo_seen, 0, sizeof(s->memo_seen));
	}
}

uint64_t enf_rules_scratch_memo_hits(const struct enf_rules_scratch *s)
{
	return s ? s->memo_hits : 0;
}

uint64_t enf_rules_scratch_limit_hits(const struct enf_rules_scratch *s)
{
	return s ? s->limit_hits : 0;
}

void enf_rules_scratch_work(const struct enf_rules_scratch *s,
			    uint64_t *tfn_runs, uint64_t *hs_scans,
			    uint64_t *hs_joined)
{
	*tfn_runs = s ? s->tfn_runs : 0;
	*hs_scans = s ? s->hs_scans : 0;
	*hs_joined = s ? s->hs_joined : 0;
}

size_t enf_ruleset_databases(const struct enf_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; rs && i < rs->n_pipes; i++) {
		n += rs->pipes[i].db != NULL;
		for (size_t k = 0; k < rs->pipes[i].n_parts; k++)
			n += rs->pipes[i].parts[k].db != NULL;
	}
	return n;
}
