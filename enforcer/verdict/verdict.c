// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/egress.h"
#include "enforcer/verdict/deny.h"
#include "enforcer/verdict/escalate.h"
#include "enforcer/verdict/kill.h"
#include "enforcer/verdict/reset.h"
#include "enforcer/verdict/verdict.h"
#include "policydb/policydb.h"

/* Bytes of an audit row's excerpt "VAR=value", each escaped: the
 * variable's, then the matched value's. */
#define VERDICT_EXCERPT_VAR 160
#define VERDICT_EXCERPT_MAX 300
/* Bytes of the action text: every kind with its note fits. */
#define VERDICT_ACTION_MAX 192
/* Bytes of it the audit row keeps (policydb's bound); a longer text is cut
 * to end in "...", and the log line has it whole. */
#define VERDICT_AUDIT_ACTION_MAX 64

/* What SecLang's deny, drop and block enforce by default, in that order
 * (struct enf_verdict @def). */
enum { DEF_DENY, DEF_DROP, DEF_BLOCK, DEF_N };

struct enf_verdict {
	struct enf_dp *dp;
	struct enf_egress *egress; /* NULL: enforce:egress not enforced */
	struct pdb *db;
	bool shadow_all;
	struct enf_enforce def[DEF_N]; /* see enf_verdict_effective() */
	struct enf_cidr allow[ENF_ALLOW_MAX];
	size_t n_allow;
	struct enf_escalate *esc; /* after:N/T counts */
	struct enf_verdict_stats stats;
	struct enf_verdict_latency lat;
};

static const uint32_t lat_bounds_us[] = ENF_VERDICT_LAT_BOUNDS_US;
_Static_assert(sizeof(lat_bounds_us) / sizeof(lat_bounds_us[0]) + 1 ==
		       ENF_VERDICT_LAT_BUCKETS,
	       "one bucket per bound and +Inf");

void enf_verdict_set_shadow(struct enf_verdict *v, bool all)
{
	v->shadow_all = all;
}

void enf_verdict_set_enforce(struct enf_verdict *v,
			     const struct enf_enforce *deny,
			     const struct enf_enforce *drop,
			     const struct enf_enforce *block)
{
	v->def[DEF_DENY] = *deny;
	v->def[DEF_DROP] = *drop;
	v->def[DEF_BLOCK] = *block;
}

void enf_verdict_set_egress(struct enf_verdict *v, struct enf_egress *egress)
{
	v->egress = egress;
}

void enf_verdict_set_allowlist(struct enf_verdict *v,
			       const struct enf_cidr *list, size_t n)
{
	v->n_allow = n < ENF_ALLOW_MAX ? n : ENF_ALLOW_MAX;
	memcpy(v->allow, list, v->n_allow * sizeof(*list));
}

static void stat_inc(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

int enf_verdict_new(struct enf_dp *dp, struct pdb *db, struct enf_verdict **out)
{
	struct enf_verdict *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	if (enf_escalate_new(&v->esc)) {
		free(v);
		return -ENOMEM;
	}
	v->dp = dp;
	v->db = db;
	/* until the configuration says otherwise, as before it could */
	for (size_t i = 0; i < DEF_N; i++)
		v->def[i].kinds = ENF_ENF_SRC;
	*out = v;
	return 0;
}

void enf_verdict_free(struct enf_verdict *v)
{
	if (!v)
		return;
	enf_escalate_free(v->esc);
	free(v);
}

void enf_verdict_get_stats(const struct enf_verdict *v,
			   struct enf_verdict_stats *out)
{
	out->verdicts = __atomic_load_n(&v->stats.verdicts, __ATOMIC_RELAXED);
	out->denied = __atomic_load_n(&v->stats.denied, __ATOMIC_RELAXED);
	out->audited = __atomic_load_n(&v->stats.audited, __ATOMIC_RELAXED);
	out->unenforceable =
		__atomic_load_n(&v->stats.unenforceable, __ATOMIC_RELAXED);
	out->map_errors =
		__atomic_load_n(&v->stats.map_errors, __ATOMIC_RELAXED);
	out->db_errors = __atomic_load_n(&v->stats.db_errors, __ATOMIC_RELAXED);
	out->shadowed = __atomic_load_n(&v->stats.shadowed, __ATOMIC_RELAXED);
	out->killed = __atomic_load_n(&v->stats.killed, __ATOMIC_RELAXED);
	out->kill_errors =
		__atomic_load_n(&v->stats.kill_errors, __ATOMIC_RELAXED);
	out->resets = __atomic_load_n(&v->stats.resets, __ATOMIC_RELAXED);
	out->reset_errors =
		__atomic_load_n(&v->stats.reset_errors, __ATOMIC_RELAXED);
	out->suppressed =
		__atomic_load_n(&v->stats.suppressed, __ATOMIC_RELAXED);
	out->pending = __atomic_load_n(&v->stats.pending, __ATOMIC_RELAXED);
	out->escalated = __atomic_load_n(&v->stats.escalated, __ATOMIC_RELAXED);
	out->not_enforced =
		__atomic_load_n(&v->stats.not_enforced, __ATOMIC_RELAXED);
}

void enf_verdict_get_latency(const struct enf_verdict *v,
			     struct enf_verdict_latency *out)
{
	for (size_t i = 0; i < ENF_VERDICT_LAT_BUCKETS; i++)
		out->bucket[i] =
			__atomic_load_n(&v->lat.bucket[i], __ATOMIC_RELAXED);
	out->count = __atomic_load_n(&v->lat.count, __ATOMIC_RELAXED);
	out->sum_ns = __atomic_load_n(&v->lat.sum_ns, __ATOMIC_RELAXED);
	out->max_ns = __atomic_load_n(&v->lat.max_ns, __ATOMIC_RELAXED);
}

/* Counts one enforced verdict of @ns into the histogram. One thread
 * writes it (the verdict stage's); readers see each counter whole. */
static void lat_record(struct enf_verdict *v, uint64_t ns)
{
	size_t i = 0;

	while (i < ENF_VERDICT_LAT_BUCKETS - 1 &&
	       ns > (uint64_t)lat_bounds_us[i] * 1000)
		i++;
	stat_inc(&v->lat.bucket[i]);
	__atomic_add_fetch(&v->lat.sum_ns, ns, __ATOMIC_RELAXED);
	if (ns > __atomic_load_n(&v->lat.max_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&v->lat.max_ns, ns, __ATOMIC_RELAXED);
	/* last: a reader that sees the count sees its bucket */
	__atomic_add_fetch(&v->lat.count, 1, __ATOMIC_RELEASE);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds from @o's capture to @when (CLOCK_MONOTONIC); 0 when not
 * known. */
static uint64_t since_capture(const struct enf_req_origin *o, uint64_t when)
{
	if (!o || !o->ts_ns)
		return 0;
	return when > o->ts_ns ? when - o->ts_ns : 0;
}

void enf_tuple_addr_str(const struct enf_tuple *t, const uint8_t *addr,
			char *buf, size_t len)
{
	if (t->family == ENF_FAMILY_V4)
		inet_ntop(AF_INET, addr, buf, (socklen_t)len);
	else if (t->family == ENF_FAMILY_V6)
		inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" :
	       proto == IPPROTO_UDP ? "udp" :
				      NULL;
}

/* A copy of @s as a C string, cut to @max bytes; "" on NULL. */
static char *strndup_or_empty(const struct enf_str *s, size_t max)
{
	size_t n = s->ptr ? (s->len < max ? s->len : max) : 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	if (n)
		memcpy(out, s->ptr, n);
	out[n] = '\0';
	/* Audit text is read by people and by SQL: no NULs inside. */
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\0')
			out[i] = '?';
	}
	return out;
}

static const struct enf_str *find_header(const struct enf_request *req,
					 const char *name)
{
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct enf_str *n = &req->headers[i].name;

		if (n->len == strlen(name) &&
		    strncasecmp(n->ptr, name, n->len) == 0)
			return &req->headers[i].value;
	}
	return NULL;
}

const struct enf_enforce *enf_verdict_effective(const struct enf_verdict *v,
						const struct enf_rule_info *r,
						const char **from)
{
	static const char *const names[DEF_N] = {
		[DEF_DENY] = "deny_action",
		[DEF_DROP] = "drop_action",
		[DEF_BLOCK] = "block_action",
	};
	int i;

	if (!(r->actions & (ENF_ACT_DENY | ENF_ACT_DROP | ENF_ACT_BLOCK))) {
		if (from)
			*from = NULL;
		return NULL;
	}
	if (r->enforce.kinds) {
		if (from)
			*from = "rule";
		return &r->enforce;
	}
	i = r->actions & ENF_ACT_DENY ? DEF_DENY :
	    r->actions & ENF_ACT_DROP ? DEF_DROP :
					DEF_BLOCK;
	if (from)
		*from = names[i];
	return &v->def[i];
}

/* Appends "+" (but for the first) and a formatted part to @buf. */
static void part(char *buf, size_t len, bool *first, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void part(char *buf, size_t len, bool *first, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	if (!*first)
		buf[used++] = '+';
	buf[used] = '\0';
	*first = false;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * The deny entry of @kind (ENF_ENF_SRC, _FLOW or _CIDR) for the peer of
 * @t: its address, the 5-tuple as packets arrive (peer first), or its
 * prefix with the host bits zeroed. Return: 0, or -EPROTONOSUPPORT for a
 * flow that is neither TCP nor UDP.
 */
static int entry_for(uint32_t kind, const struct enf_enforce *e,
		     const struct enf_tuple *t, struct enf_deny *d)
{
	bool v4 = t->family == ENF_FAMILY_V4;
	unsigned int bits, bytes = v4 ? 4 : 16;

	enf_deny_from_peer(t, d);
	if (kind == ENF_ENF_FLOW) {
		if (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP)
			return -EPROTONOSUPPORT;
		d->kind = ENF_DENY_FLOW;
		d->flow = *t;
		memset(d->flow.pad, 0, sizeof(d->flow.pad));
		return 0;
	}
	if (kind == ENF_ENF_CIDR) {
		bits = v4 ? e->cidr4 : e->cidr6;
		/* never a /0: that would deny every peer */
		if (!bits || bits > bytes * 8)
			return -EINVAL;
		d->kind = ENF_DENY_CIDR;
		d->prefixlen = (__u8)bits;
		for (unsigned int i = 0; i < bytes; i++) {
			if (i * 8 >= bits)
				d->addr[i] = 0;
			else if (i * 8 + 8 > bits)
				d->addr[i] &=
					(__u8)(0xff << (8 - (bits - i * 8)));
		}
	}
	return 0;
}

/*
 * Writes the entry of @kind for @t into the deny maps (NIC first where one
 * enforces, else the host) and its blocklist row. Return: 0 or -errno.
 */
static int deny_entry(struct enf_verdict *v, const struct enf_rule_info *r,
		      uint32_t kind, const struct enf_enforce *e,
		      const struct enf_tuple *t, time_t now, uint64_t *done_ns)
{
	struct enf_deny_result res;
	char key[ENF_DENY_TEXT_MAX], dberr[PDB_ERR_LEN];
	struct enf_deny d;
	int err;

	err = entry_for(kind, e, t, &d);
	if (err)
		return err;
	if (!v->dp)
		return -ENODEV;
	err = enf_dp_deny_add(v->dp, &d, r->id, &res);
	if (err)
		return err;
	if (!*done_ns)
		*done_ns = mono_ns();
	if (enf_deny_format(&d, key, sizeof(key)) == 0) {
		struct pdb_block b = {
			.kind = enf_deny_kind_name(d.kind),
			.key = key,
			.rule_id = r->id,
			.reason = r->msg,
			.created = now,
			.expires = r->ttl ? now + (time_t)r->ttl : 0,
			.point = res.n_nic > 0 ? "nic" : "host",
			.state = "active",
		};

		if (pdb_block_upsert(v->db, &b, dberr)) {
			stat_inc(&v->stats.db_errors);
			pr_warn("verdict: blocklist: %s", dberr);
		}
	}
	return 0;
}

/*
 * Denies the connect()s of @o's cgroup to the peer of @t: its address and
 * port when the process sent the request (the peer is the server it
 * connected to), its address and every port when it received it (the
 * peer's port is its own ephemeral one), and writes the blocklist row
 * (kind egress, with the cgroup's path). Return: 0 or -errno.
 */
static int egress_entry(struct enf_verdict *v, const struct enf_rule_info *r,
			const struct enf_req_origin *o,
			const struct enf_tuple *t, time_t now,
			uint64_t *done_ns)
{
	struct enf_egress_entry e = {
		.cgroup_id = o->cgroup_id,
		.family = t->family == ENF_FAMILY_V4 ? AF_INET : AF_INET6,
		.port = o->direction == ENF_REQ_OUTBOUND ? t->sport : 0,
		.rule_id = r->id,
	};
	char key[ENF_DENY_TEXT_MAX], dberr[PDB_ERR_LEN];
	int err;

	memcpy(e.addr, t->saddr, e.family == AF_INET ? 4 : 16);
	err = enf_egress_add(v->egress, e.cgroup_id, e.family, e.addr, e.port,
			     r->id);
	if (err)
		return err;
	if (!*done_ns)
		*done_ns = mono_ns();
	if (enf_egress_text_format(&e, key, sizeof(key)) == 0) {
		struct pdb_block b = {
			.kind = "egress",
			.key = key,
			.rule_id = r->id,
			.reason = r->msg,
			.created = now,
			.expires = r->ttl ? now + (time_t)r->ttl : 0,
			.point = "host",
			.state = "active",
			.cgroup = o->cgroup,
		};

		if (pdb_block_upsert(v->db, &b, dberr)) {
			stat_inc(&v->stats.db_errors);
			pr_warn("verdict: blocklist: %s", dberr);
		}
	}
	return 0;
}

/* The counters of a kind's outcome: done, failed. */
static void count(struct enf_verdict *v, uint32_t kind, int err)
{
	switch (kind) {
	case ENF_ENF_KILL:
		stat_inc(err ? &v->stats.kill_errors : &v->stats.killed);
		break;
	case ENF_ENF_RESET:
		stat_inc(err ? &v->stats.reset_errors : &v->stats.resets);
		break;
	default:
		stat_inc(err ? &v->stats.map_errors : &v->stats.denied);
	}
}

/*
 * Does (or, for a shadow rule, only describes) what @e asks for, kind by
 * kind, into @action: "deny:src+flow+cidr/24+reset+kill", each kind with a
 * note when it was not done: "(no flow)", "(no process)",
 * "(failed:ENOSPC)", "(suppressed)" against a peer in the allowlist (kill,
 * against the local process, still acts), "(no cgroup)" and "(not
 * enforced)" for egress (no egress data plane). @o: the request's origin,
 * or NULL; @t its flow, or NULL. A kill sets
 * @cmdline (room for ENF_KILL_CMDLINE_MAX) to the process's command line.
 * The socket is reset before the process is killed: a kill would close it
 * on its own, without telling the peer at once. @done_ns is set to the
 * CLOCK_MONOTONIC time the first kind was done (its entry in the map, its
 * socket reset, its process killed; before the blocklist row), and stays
 * 0 when none was. Return: 0, or the first error.
 */
static int enforce(struct enf_verdict *v, const struct enf_rule_info *r,
		   const struct enf_enforce *e, const struct enf_req_origin *o,
		   const struct enf_tuple *t, bool shadow, char *action,
		   size_t len, char *cmdline, uint64_t *done_ns)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} kinds[] = {
		{ ENF_ENF_SRC, "src" },	  { ENF_ENF_FLOW, "flow" },
		{ ENF_ENF_CIDR, "cidr" }, { ENF_ENF_RESET, "reset" },
		{ ENF_ENF_KILL, "kill" }, { ENF_ENF_EGRESS, "egress" },
	};
	const uint32_t done = ENF_ENF_SRC | ENF_ENF_FLOW | ENF_ENF_CIDR |
			      ENF_ENF_RESET | ENF_ENF_KILL |
			      (v->egress ? ENF_ENF_EGRESS : 0);
	time_t now = time(NULL);
	bool first = true, no_flow = false, suppressed = false;
	const struct enf_cidr *allowed = NULL;
	char name[16], text[ENF_CIDR_TEXT_MAX], peer[INET6_ADDRSTRLEN];
	int ret = 0, err;

	if (t && v->n_allow)
		allowed = enf_cidr_find(v->allow, v->n_allow,
					t->family == ENF_FAMILY_V4 ? AF_INET :
								     AF_INET6,
					t->saddr);

	snprintf(action, len, "%sdeny:", shadow ? "shadow:" : "");
	if (!(e->kinds & ENF_ENF_ALL))
		part(action, len, &first, "none");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		uint32_t k = kinds[i].bit;

		if (!(e->kinds & k))
			continue;
		if (k == ENF_ENF_CIDR && t)
			snprintf(name, sizeof(name), "cidr/%u",
				 t->family == ENF_FAMILY_V4 ? e->cidr4 :
							      e->cidr6);
		else
			snprintf(name, sizeof(name), "%s", kinds[i].name);
		if (!(k & done)) {
			part(action, len, &first, "%s(not enforced)", name);
			if (!shadow)
				stat_inc(&v->stats.not_enforced);
			continue;
		}
		if (k == ENF_ENF_KILL && (!o || !o->tgid)) {
			part(action, len, &first, "%s(no process)", name);
			continue;
		}
		if (k != ENF_ENF_KILL && !t) {
			part(action, len, &first, "%s(no flow)", name);
			no_flow = true;
			continue;
		}
		if (k == ENF_ENF_EGRESS && (!o || !o->cgroup_id)) {
			part(action, len, &first, "%s(no cgroup)", name);
			continue;
		}
		if (allowed && k != ENF_ENF_KILL) {
			part(action, len, &first, "%s(suppressed)", name);
			suppressed = true;
			continue;
		}
		if (shadow) {
			part(action, len, &first, "%s", name);
			continue;
		}
		if (k == ENF_ENF_KILL)
			err = enf_kill_origin(o, cmdline, ENF_KILL_CMDLINE_MAX);
		else if (k == ENF_ENF_RESET)
			err = enf_reset_flow(o);
		else if (k == ENF_ENF_EGRESS)
			err = egress_entry(v, r, o, t, now, done_ns);
		else
			err = deny_entry(v, r, k, e, t, now, done_ns);
		count(v, k, err);
		if (err) {
			part(action, len, &first, "%s(failed:%s)", name,
			     strerrorname_np(-err) ? strerrorname_np(-err) :
						     "error");
			if (!ret)
				ret = err;
		} else {
			part(action, len, &first, "%s", name);
			if (!*done_ns)
				*done_ns = mono_ns();
		}
	}
	if (suppressed) {
		enf_cidr_format(allowed, text, sizeof(text));
		enf_tuple_addr_str(t, t->saddr, peer, sizeof(peer));
		pr_info("verdict: rule %u: peer %s is in the allowlist (%s): "
			"not denied",
			r->id, peer, text);
		if (!shadow)
			stat_inc(&v->stats.suppressed);
	}
	if (no_flow && !shadow) {
		stat_inc(&v->stats.unenforceable);
		if (!ret)
			ret = -ENOTCONN;
	}
	return ret;
}

/*
 * Counts a match of a rule with after:N/T from its source (the peer's
 * address; without a flow, the process). Return: 0 when the match is to
 * be enforced (the N-th within T seconds, or one that could not be
 * counted), else the count so far, for "count(K/N)".
 */
static int escalation(struct enf_verdict *v, const struct enf_rule_info *r,
		      const struct enf_req_origin *o, bool have_flow)
{
	struct enf_escalate_key k = { .rule_id = r->id };
	int n;

	if (have_flow) {
		k.family = o->tuple.family == ENF_FAMILY_V4 ? AF_INET :
							      AF_INET6;
		memcpy(k.addr, o->tuple.saddr,
		       k.family == AF_INET ? 4 : sizeof(k.addr));
	} else if (o) {
		memcpy(k.addr, &o->tgid, sizeof(o->tgid));
	}
	/* when the daemon sees it: captures from several CPUs may come a
	 * little out of order, this clock never goes back */
	n = enf_escalate_hit(v->esc, &k, r->after_n,
			     (uint64_t)r->after_s * 1000000000ull, mono_ns());
	if (n < 0) {
		pr_warn("verdict: rule %u: escalation count: %s: enforced "
			"now",
			r->id, strerror(-n));
		return 0;
	}
	if ((uint32_t)n >= r->after_n) {
		stat_inc(&v->stats.escalated);
		return 0;
	}
	stat_inc(&v->stats.pending);
	return n;
}

/* @action cut for the audit row, visibly (see VERDICT_AUDIT_ACTION_MAX). */
static const char *action_cut(char *action)
{
	if (strlen(action) > VERDICT_AUDIT_ACTION_MAX)
		memcpy(action + VERDICT_AUDIT_ACTION_MAX - 3, "...", 4);
	return action;
}

int enf_verdict_apply(struct enf_verdict *v, const struct enf_request *req,
		      const struct enf_rule_match *m)
{
	const struct enf_rule_info *r = m->rule;
	const struct enf_req_origin *o = req->origin;
	const uint32_t deny_bits = ENF_ACT_DENY | ENF_ACT_DROP | ENF_ACT_BLOCK;
	char saddr[INET6_ADDRSTRLEN] = "", daddr[INET6_ADDRSTRLEN] = "";
	char action[VERDICT_ACTION_MAX],
		excerpt[VERDICT_EXCERPT_VAR + 1 + VERDICT_EXCERPT_MAX + 1];
	char dberr[PDB_ERR_LEN], cmdline[ENF_KILL_CMDLINE_MAX] = "";
	const struct enf_str *host;
	char *method = NULL, *uri = NULL, *hoststr = NULL;
	bool have_flow, shadow;
	struct timespec now;
	uint64_t latency, done_ns = 0;
	int ret = 0, count;

	stat_inc(&v->stats.verdicts);
	have_flow = o && (o->tuple.family == ENF_FAMILY_V4 ||
			  o->tuple.family == ENF_FAMILY_V6);
	if (have_flow) {
		enf_tuple_addr_str(&o->tuple, o->tuple.saddr, saddr,
				   sizeof(saddr));
		enf_tuple_addr_str(&o->tuple, o->tuple.daddr, daddr,
				   sizeof(daddr));
	}

	shadow = v->shadow_all || (r->actions & ENF_ACT_SHADOW);
	if ((r->actions & deny_bits) && r->after_n &&
	    (count = escalation(v, r, o, have_flow)) > 0) {
		snprintf(action, sizeof(action), "%scount(%d/%u)",
			 shadow ? "shadow:" : "", count, r->after_n);
		pr_info("verdict: rule %u (%s): peer %s: match %d of %u in "
			"%u s: %s",
			r->id, r->msg, have_flow ? saddr : "(no flow)", count,
			r->after_n, r->after_s, "not enforced yet");
	} else if (r->actions & deny_bits) {
		ret = enforce(v, r, enf_verdict_effective(v, r, NULL), o,
			      have_flow ? &o->tuple : NULL, shadow, action,
			      sizeof(action), cmdline, &done_ns);
		if (shadow)
			stat_inc(&v->stats.shadowed);
		if (ret && ret != -ENOTCONN)
			pr_warn("verdict: rule %u (%s): peer %s: %s", r->id,
				r->msg, have_flow ? saddr : "(no flow)",
				action);
		else
			pr_info("verdict: rule %u (%s): peer %s: %s%s", r->id,
				r->msg, have_flow ? saddr : "(no flow)", action,
				shadow ? " (would be done)" : "");
	} else {
		snprintf(action, sizeof(action), "%s",
			 r->actions & ENF_ACT_PASS ? "pass" : "log");
	}

	latency = since_capture(o, done_ns ? done_ns : mono_ns());
	if (done_ns && latency)
		lat_record(v, latency);
	if ((r->actions & ENF_ACT_NOLOG) && !(r->actions & deny_bits))
		return ret;

	/* "VAR=value", each escaped (\xHH, \\: a NUL or a control byte a
	 * peer sent is shown, not cut at or passed on), cut at a whole
	 * character */
	{
		size_t o = enf_rules_escape(excerpt, VERDICT_EXCERPT_VAR + 1,
					    m->var, strlen(m->var), NULL);

		excerpt[o++] = '=';
		enf_rules_escape(excerpt + o, VERDICT_EXCERPT_MAX + 1, m->value,
				 m->value_len, NULL);
	}
	method = strndup_or_empty(&req->method, 32);
	uri = strndup_or_empty(&req->uri, 4096);
	host = find_header(req, "Host");
	hoststr = host ? strndup_or_empty(host, 256) : NULL;
	clock_gettime(CLOCK_REALTIME, &now);
	{
		struct pdb_audit a = {
			.time_ns = (int64_t)now.tv_sec * 1000000000LL +
				   now.tv_nsec,
			.event = "match",
			.rule_id = r->id,
			.msg = r->msg,
			.severity = r->severity,
			.action = action_cut(action),
			.pid = o ? o->pid : 0,
			.tgid = o ? o->tgid : 0,
			.uid = o ? o->uid : 0,
			.exe = o ? o->exe : NULL,
			.comm = o ? o->comm : NULL,
			.cgroup_id = o ? o->cgroup_id : 0,
			.proto = have_flow ? proto_name(o->tuple.proto) : NULL,
			.saddr = have_flow ? saddr : NULL,
			.sport = have_flow ? ntohs(o->tuple.sport) : 0,
			.daddr = have_flow ? daddr : NULL,
			.dport = have_flow ? ntohs(o->tuple.dport) : 0,
			.tls_lib = o ? o->tls_lib : NULL,
			.direction = !o ? NULL :
				     o->direction == ENF_REQ_INBOUND ?
					  "inbound" :
					  "outbound",
			.method = method,
			.host = hoststr,
			.uri = uri,
			.excerpt = excerpt,
			.cgroup = o ? o->cgroup : NULL,
			.container = o ? o->container : NULL,
			.sock_cookie = o ? o->sock_cookie : 0,
			.logdata = m->logdata,
			.cmdline = cmdline,
			.latency_ns = latency,
		};

		if (method && uri && pdb_audit_insert(v->db, &a, dberr) > 0) {
			stat_inc(&v->stats.audited);
		} else {
			stat_inc(&v->stats.db_errors);
			pr_warn("verdict: audit row for rule %u not written: %s",
				r->id, method && uri ? dberr : "out of memory");
			if (!ret)
				ret = -EIO;
		}
	}
	free(method);
	free(uri);
	free(hoststr);
	return ret;
}
