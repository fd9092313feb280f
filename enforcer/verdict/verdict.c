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

#include "enforcer/common/clock.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/egress.h"
#include "enforcer/verdict/deny.h"
#include "enforcer/verdict/escalate.h"
#include "enforcer/verdict/kill.h"
#include "enforcer/verdict/reset.h"
#include "enforcer/verdict/verdict.h"
#include "enforcer/verdict/writer.h"
#include "enforcer/audit/auditw.h"
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
/* Verdicts staged at most before a deferred stage finishes them anyway. */
#define VERDICT_PENDING_MAX 256

/* What SecLang's deny, drop and block enforce by default, in that order
 * (struct enf_verdict @def). */
enum { DEF_DENY, DEF_DROP, DEF_BLOCK, DEF_N };

struct pending;

struct enf_verdict {
	struct enf_writer *w; /* NULL: deny entries fail, ENODEV */
	struct enf_auditw *aw; /* NULL: audit rows into @db at once */
	struct enf_egress *egress; /* NULL: enforce:egress not enforced */
	struct pdb *db;
	bool shadow_all;
	struct enf_enforce def[DEF_N]; /* see enf_verdict_effective() */
	struct enf_cidr allow[ENF_ALLOW_MAX];
	size_t n_allow;
	struct enf_escalate *esc; /* after:N/T counts */
	struct enf_verdict_stats stats;
	struct enf_verdict_latency lat;
	bool deferred; /* enf_verdict_set_deferred() */
	struct pending *first, *last; /* staged, not finished */
	size_t n_pending;
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

void enf_verdict_set_audit(struct enf_verdict *v, struct enf_auditw *aw)
{
	v->aw = aw;
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

int enf_verdict_new(struct enf_writer *w, struct pdb *db,
		    struct enf_verdict **out)
{
	struct enf_verdict *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	if (enf_escalate_new(&v->esc)) {
		free(v);
		return -ENOMEM;
	}
	v->w = w;
	v->db = db;
	/* until the configuration says otherwise, as before it could */
	for (size_t i = 0; i < DEF_N; i++)
		v->def[i].kinds = ENF_ENF_SRC;
	*out = v;
	return 0;
}

void enf_verdict_set_deferred(struct enf_verdict *v, bool deferred)
{
	v->deferred = deferred;
	if (!deferred)
		enf_verdict_flush(v);
}

void enf_verdict_free(struct enf_verdict *v)
{
	if (!v)
		return;
	enf_verdict_flush(v);
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

/* @action cut for the audit row, visibly (see VERDICT_AUDIT_ACTION_MAX). */
static const char *action_cut(char *action)
{
	if (strlen(action) > VERDICT_AUDIT_ACTION_MAX)
		memcpy(action + VERDICT_AUDIT_ACTION_MAX - 3, "...", 4);
	return action;
}

/*
 * A verdict between its match and its audit row: what it asked the map
 * writer for, and everything its blocklist and audit rows need, copied
 * (the request and its match are gone by the time it is finished).
 */
#define PART_MAX 8
#define OPS_MAX 4 /* src, flow, cidr, egress */

struct vpart {
	char name[16]; /* "src", "cidr/24", ... */
	char note[24]; /* "(no flow)", ...; "" when done or pending */
	int op; /* its write in @ops, or -1 */
	uint32_t kind; /* ENF_ENF_* */
	bool acted; /* reset or kill, done in enf_verdict_apply() */
	int err; /* its outcome, once done */
	uint64_t when; /* CLOCK_MONOTONIC time it was done */
};

struct pending {
	struct pending *next;
	uint32_t rule_id;
	uint32_t ttl;
	int severity;
	bool shadow;
	bool log; /* an audit row is written */
	bool enforced; /* enforce() ran: the action text is built of parts */
	bool have_flow;
	bool suppressed;
	int ret; /* what staging found (-ENOTCONN: no flow) */
	uint64_t ts_ns; /* capture time, 0 unknown */
	uint64_t done_ns; /* the first kind done, 0 none */
	time_t now;
	char action[VERDICT_ACTION_MAX]; /* when !@enforced */
	struct vpart part[PART_MAX];
	size_t n_part;
	struct enf_write_op ops[OPS_MAX];
	size_t n_ops;
	struct enf_write_ticket ticket;
	struct pdb_audit a; /* its strings below, owned */
	char *msg, *logdata, *method, *uri, *host, *exe, *comm, *cgroup,
		*container, *tls_lib;
	char saddr[INET6_ADDRSTRLEN], daddr[INET6_ADDRSTRLEN];
	char excerpt[VERDICT_EXCERPT_VAR + 1 + VERDICT_EXCERPT_MAX + 1];
	char cmdline[ENF_KILL_CMDLINE_MAX];
};

static void pending_free(struct pending *p)
{
	free(p->msg);
	free(p->logdata);
	free(p->method);
	free(p->uri);
	free(p->host);
	free(p->exe);
	free(p->comm);
	free(p->cgroup);
	free(p->container);
	free(p->tls_lib);
	free(p);
}

/* strdup() of NULL is NULL; @ok goes false when out of memory. */
static char *dup_or_null(const char *s, bool *ok)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*ok = false;
	return c;
}

static struct vpart *part_add(struct pending *p, uint32_t kind,
			      const char *name)
{
	struct vpart *pt = &p->part[p->n_part++];

	memset(pt, 0, sizeof(*pt));
	pt->op = -1;
	pt->kind = kind;
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	return pt;
}

/*
 * Stages what @e asks for, kind by kind, into @p's parts: a kind that
 * cannot or must not be done gets its note ("(no flow)", "(no process)",
 * "(suppressed)" against a peer in the allowlist (kill, against the local
 * process, still acts), "(no cgroup)" and "(not enforced)" for egress
 * with no egress data plane); the deny entries (src, flow, cidr) and the
 * egress entry become operations for the map writer. A shadow verdict
 * only describes. @o: the request's origin, or NULL; @t its flow, or NULL.
 */
static void stage(struct enf_verdict *v, const struct enf_rule_info *r,
		  const struct enf_enforce *e, const struct enf_req_origin *o,
		  const struct enf_tuple *t, struct pending *p)
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
	bool no_flow = false;
	const struct enf_cidr *allowed = NULL;
	char name[16], text[ENF_CIDR_TEXT_MAX], peer[INET6_ADDRSTRLEN];

	p->enforced = true;
	if (t && v->n_allow)
		allowed = enf_cidr_find(v->allow, v->n_allow,
					t->family == ENF_FAMILY_V4 ? AF_INET :
								     AF_INET6,
					t->saddr);
	if (!(e->kinds & ENF_ENF_ALL))
		part_add(p, 0, "none");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		uint32_t k = kinds[i].bit;
		struct vpart *pt;
		int err;

		if (!(e->kinds & k))
			continue;
		if (k == ENF_ENF_CIDR && t)
			snprintf(name, sizeof(name), "cidr/%u",
				 t->family == ENF_FAMILY_V4 ? e->cidr4 :
							      e->cidr6);
		else
			snprintf(name, sizeof(name), "%s", kinds[i].name);
		pt = part_add(p, k, name);
		if (!(k & done)) {
			snprintf(pt->note, sizeof(pt->note), "(not enforced)");
			if (!p->shadow)
				stat_inc(&v->stats.not_enforced);
		} else if (k == ENF_ENF_KILL && (!o || !o->tgid)) {
			snprintf(pt->note, sizeof(pt->note), "(no process)");
		} else if (k != ENF_ENF_KILL && !t) {
			snprintf(pt->note, sizeof(pt->note), "(no flow)");
			no_flow = true;
		} else if (k == ENF_ENF_EGRESS && (!o || !o->cgroup_id)) {
			snprintf(pt->note, sizeof(pt->note), "(no cgroup)");
		} else if (allowed && k != ENF_ENF_KILL) {
			snprintf(pt->note, sizeof(pt->note), "(suppressed)");
			p->suppressed = true;
		} else if (p->shadow) {
			/* described only */
		} else if (k == ENF_ENF_KILL || k == ENF_ENF_RESET) {
			pt->acted = true; /* once the writes are queued */
		} else if (k == ENF_ENF_EGRESS) {
			struct enf_write_op *op = &p->ops[p->n_ops];
			struct enf_egress_entry *g = &op->e.eg;

			memset(op, 0, sizeof(*op));
			op->kind = ENF_WRITE_ADD;
			op->rule_id = r->id;
			op->e.egress = true;
			g->cgroup_id = o->cgroup_id;
			g->family = t->family == ENF_FAMILY_V4 ? AF_INET :
								 AF_INET6;
			g->port = o->direction == ENF_REQ_OUTBOUND ? t->sport :
								     0;
			g->rule_id = r->id;
			memcpy(g->addr, t->saddr,
			       g->family == AF_INET ? 4 : 16);
			pt->op = (int)p->n_ops++;
		} else {
			struct enf_write_op *op = &p->ops[p->n_ops];

			memset(op, 0, sizeof(*op));
			err = entry_for(k, e, t, &op->e.deny);
			if (err) {
				count(v, k, err);
				snprintf(pt->note, sizeof(pt->note),
					 "(failed:%s)",
					 strerrorname_np(-err) ?: "error");
				if (!p->ret)
					p->ret = err;
				continue;
			}
			op->kind = ENF_WRITE_ADD;
			op->rule_id = r->id;
			pt->op = (int)p->n_ops++;
		}
	}
	if (p->suppressed) {
		enf_cidr_format(allowed, text, sizeof(text));
		enf_tuple_addr_str(t, t->saddr, peer, sizeof(peer));
		pr_info("verdict: rule %u: peer %s is in the allowlist (%s): "
			"not denied",
			r->id, peer, text);
		if (!p->shadow)
			stat_inc(&v->stats.suppressed);
	}
	if (no_flow && !p->shadow) {
		stat_inc(&v->stats.unenforceable);
		if (!p->ret)
			p->ret = -ENOTCONN;
	}
}

/* The blocklist row of @op, written into the maps for @p. */
static void block_row(struct enf_verdict *v, const struct pending *p,
		      const struct enf_write_op *op)
{
	char key[ENF_DENY_TEXT_MAX], dberr[PDB_ERR_LEN];
	struct pdb_block b = {
		.rule_id = p->rule_id,
		.reason = p->msg,
		.created = p->now,
		.expires = p->ttl ? p->now + (time_t)p->ttl : 0,
		.point = op->res.n_nic > 0 ? "nic" : "host",
		.state = "active",
	};

	if (op->e.egress) {
		if (enf_egress_text_format(&op->e.eg, key, sizeof(key)))
			return;
		b.kind = "egress";
		b.point = "host";
		b.cgroup = p->cgroup;
	} else {
		if (enf_deny_format(&op->e.deny, key, sizeof(key)))
			return;
		b.kind = enf_deny_kind_name(op->e.deny.kind);
	}
	b.key = key;
	if (pdb_block_upsert(v->db, &b, dberr)) {
		stat_inc(&v->stats.db_errors);
		pr_warn("verdict: blocklist: %s", dberr);
	}
}

/* Appends "+" (but for the first) and @pt's text to @buf. */
static void part_text(char *buf, size_t len, bool first, const struct vpart *pt,
		      int err)
{
	size_t used = strlen(buf);

	if (used + 1 >= len)
		return;
	if (!first)
		buf[used++] = '+';
	buf[used] = '\0';
	if (err)
		snprintf(buf + used, len - used, "%s(failed:%s)", pt->name,
			 strerrorname_np(-err) ?: "error");
	else
		snprintf(buf + used, len - used, "%s%s", pt->name, pt->note);
}

/* Where @p was enforced: "nic" when an entry went into an offloading
 * NIC's map, "host" when anything else was done, NULL for nothing (a
 * shadow rule, an audit-only one, every part failed). */
static const char *point_of(const struct pending *p)
{
	const char *point = NULL;

	if (!p->enforced || p->shadow)
		return NULL;
	for (size_t i = 0; i < p->n_part; i++) {
		const struct vpart *pt = &p->part[i];

		if (pt->err || (pt->op < 0 && !pt->acted))
			continue;
		if (pt->op >= 0 && p->ops[pt->op].res.n_nic > 0)
			return "nic";
		point = "host";
	}
	return point;
}

/*
 * The rest of @p's verdict, once its writes are done: the blocklist rows
 * of the entries written, the action text, the latency (to the first kind
 * done: an entry written, the socket reset, the process killed), the log
 * line and the audit row. Return: 0, or the first error.
 */
static int finish(struct enf_verdict *v, struct pending *p)
{
	char action[VERDICT_ACTION_MAX], dberr[PDB_ERR_LEN];
	int ret = p->ret;
	uint64_t latency;

	if (p->n_ops && v->w)
		enf_writer_wait(&p->ticket);
	for (size_t i = 0; i < p->n_part; i++) {
		struct vpart *pt = &p->part[i];

		if (pt->op >= 0) {
			const struct enf_write_op *op = &p->ops[pt->op];

			pt->err = v->w ? op->err : -ENODEV;
			pt->when = op->done_ns;
			count(v, pt->kind, pt->err);
			if (!pt->err)
				block_row(v, p, op);
		} else if (pt->acted) {
			count(v, pt->kind, pt->err);
		} else {
			continue;
		}
		if (pt->err && !ret)
			ret = pt->err;
		if (!pt->err && (!p->done_ns || pt->when < p->done_ns))
			p->done_ns = pt->when;
	}
	if (p->enforced) {
		snprintf(action, sizeof(action),
			 "%sdeny:", p->shadow ? "shadow:" : "");
		for (size_t i = 0; i < p->n_part; i++)
			part_text(action, sizeof(action), i == 0, &p->part[i],
				  p->part[i].err);
		if (p->shadow)
			stat_inc(&v->stats.shadowed);
		if (ret && ret != -ENOTCONN)
			pr_warn("verdict: rule %u (%s): peer %s: %s",
				p->rule_id, p->msg,
				p->have_flow ? p->saddr : "(no flow)", action);
		else
			pr_info("verdict: rule %u (%s): peer %s: %s%s",
				p->rule_id, p->msg,
				p->have_flow ? p->saddr : "(no flow)", action,
				p->shadow ? " (would be done)" : "");
	} else {
		snprintf(action, sizeof(action), "%s", p->action);
	}

	latency = 0;
	if (p->ts_ns) {
		uint64_t when = p->done_ns ? p->done_ns : enf_mono_ns();

		latency = when > p->ts_ns ? when - p->ts_ns : 0;
	}
	if (p->done_ns && latency)
		lat_record(v, latency);
	if (!p->log)
		return ret;

	p->a.action = action_cut(action);
	p->a.cmdline = p->cmdline;
	p->a.latency_ns = latency;
	{
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		p->a.time_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
	}
	p->a.shadow = p->shadow;
	p->a.point = point_of(p);
	if (v->aw ? enf_auditw_submit(v->aw, &p->a) == 0 :
		    pdb_audit_insert(v->db, &p->a, dberr) > 0) {
		stat_inc(&v->stats.audited);
	} else {
		stat_inc(&v->stats.db_errors);
		pr_warn("verdict: audit row for rule %u not written: %s",
			p->rule_id, v->aw ? "audit writer refused it" : dberr);
		if (!ret)
			ret = -EIO;
	}
	return ret;
}

/* The socket reset, then the process killed (a kill would close it on its
 * own, without telling the peer at once): @p's parts that act at once. */
static void act(struct pending *p, const struct enf_req_origin *o)
{
	for (size_t i = 0; i < p->n_part; i++) {
		struct vpart *pt = &p->part[i];

		if (!pt->acted)
			continue;
		if (pt->kind == ENF_ENF_RESET)
			pt->err = enf_reset_flow(o);
		else
			pt->err = enf_kill_origin(o, p->cmdline,
						  sizeof(p->cmdline));
		pt->when = enf_mono_ns();
	}
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
			     (uint64_t)r->after_s * 1000000000ull,
			     enf_mono_ns());
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

/* The audit row's fields of @p: the request's and the origin's, copied.
 * Return: false when out of memory. */
static bool audit_fields(struct pending *p, const struct enf_request *req,
			 const struct enf_rule_match *m)
{
	const struct enf_req_origin *o = req->origin;
	const struct enf_str *host = find_header(req, "Host");
	bool ok = true;

	/* "VAR=value", each escaped (\xHH, \\: a NUL or a control byte a
	 * peer sent is shown, not cut at or passed on), cut at a whole
	 * character */
	{
		size_t n = enf_rules_escape(p->excerpt, VERDICT_EXCERPT_VAR + 1,
					    m->var, strlen(m->var), NULL);

		p->excerpt[n++] = '=';
		enf_rules_escape(p->excerpt + n, VERDICT_EXCERPT_MAX + 1,
				 m->value, m->value_len, NULL);
	}
	p->method = strndup_or_empty(&req->method, 32);
	p->uri = strndup_or_empty(&req->uri, 4096);
	p->host = host ? strndup_or_empty(host, 256) : NULL;
	p->logdata = dup_or_null(m->logdata, &ok);
	if (o) {
		p->exe = dup_or_null(o->exe, &ok);
		p->comm = dup_or_null(o->comm, &ok);
		p->tls_lib = dup_or_null(o->tls_lib, &ok);
		p->container = dup_or_null(o->container, &ok);
	}
	p->a = (struct pdb_audit){
		.event = "match",
		.rule_id = p->rule_id,
		.msg = p->msg,
		.severity = p->severity,
		.pid = o ? o->pid : 0,
		.tgid = o ? o->tgid : 0,
		.uid = o ? o->uid : 0,
		.exe = p->exe,
		.comm = p->comm,
		.cgroup_id = o ? o->cgroup_id : 0,
		.proto = p->have_flow ? proto_name(o->tuple.proto) : NULL,
		.saddr = p->have_flow ? p->saddr : NULL,
		.sport = p->have_flow ? ntohs(o->tuple.sport) : 0,
		.daddr = p->have_flow ? p->daddr : NULL,
		.dport = p->have_flow ? ntohs(o->tuple.dport) : 0,
		.tls_lib = p->tls_lib,
		.direction = !o				     ? NULL :
			     o->direction == ENF_REQ_INBOUND ? "inbound" :
							       "outbound",
		.method = p->method,
		.host = p->host,
		.uri = p->uri,
		.excerpt = p->excerpt,
		.cgroup = p->cgroup,
		.container = p->container,
		.sock_cookie = o ? o->sock_cookie : 0,
		.logdata = p->logdata,
	};
	return ok && p->method && p->uri && (!host || p->host);
}

int enf_verdict_apply(struct enf_verdict *v, const struct enf_request *req,
		      const struct enf_rule_match *m)
{
	const struct enf_rule_info *r = m->rule;
	const struct enf_req_origin *o = req->origin;
	const uint32_t deny_bits = ENF_ACT_DENY | ENF_ACT_DROP | ENF_ACT_BLOCK;
	struct pending *p;
	bool ok = true;
	int count, ret;

	stat_inc(&v->stats.verdicts);
	p = calloc(1, sizeof(*p));
	if (p) {
		p->msg = dup_or_null(r->msg, &ok);
		p->cgroup = o ? dup_or_null(o->cgroup, &ok) : NULL;
	}
	if (!p || !ok) {
		stat_inc(&v->stats.db_errors);
		pr_warn("verdict: rule %u: out of memory: not enforced, not "
			"audited",
			r->id);
		if (p)
			pending_free(p);
		return -ENOMEM;
	}
	p->rule_id = r->id;
	p->ttl = r->ttl;
	p->severity = r->severity;
	p->ts_ns = o ? o->ts_ns : 0;
	p->now = time(NULL);
	p->have_flow = o && (o->tuple.family == ENF_FAMILY_V4 ||
			     o->tuple.family == ENF_FAMILY_V6);
	if (p->have_flow) {
		enf_tuple_addr_str(&o->tuple, o->tuple.saddr, p->saddr,
				   sizeof(p->saddr));
		enf_tuple_addr_str(&o->tuple, o->tuple.daddr, p->daddr,
				   sizeof(p->daddr));
	}
	p->shadow = v->shadow_all || (r->actions & ENF_ACT_SHADOW);
	p->log = !(r->actions & ENF_ACT_NOLOG) || (r->actions & deny_bits);

	if ((r->actions & deny_bits) && r->after_n &&
	    (count = escalation(v, r, o, p->have_flow)) > 0) {
		snprintf(p->action, sizeof(p->action), "%scount(%d/%u)",
			 p->shadow ? "shadow:" : "", count, r->after_n);
		pr_info("verdict: rule %u (%s): peer %s: match %d of %u in "
			"%u s: %s",
			r->id, r->msg, p->have_flow ? p->saddr : "(no flow)",
			count, r->after_n, r->after_s, "not enforced yet");
	} else if (r->actions & deny_bits) {
		stage(v, r, enf_verdict_effective(v, r, NULL), o,
		      p->have_flow ? &o->tuple : NULL, p);
		/* the entries first: the writer writes while the socket is
		 * reset and the process killed */
		if (p->n_ops && v->w)
			enf_writer_submit(v->w, p->ops, p->n_ops, &p->ticket);
		act(p, o);
	} else {
		snprintf(p->action, sizeof(p->action), "%s",
			 r->actions & ENF_ACT_PASS ? "pass" : "log");
	}
	if (p->log && !audit_fields(p, req, m)) {
		stat_inc(&v->stats.db_errors);
		pr_warn("verdict: audit row for rule %u not written: out of "
			"memory",
			r->id);
		p->log = false;
		p->ret = p->ret ?: -EIO;
	}

	if (v->last)
		v->last->next = p;
	else
		v->first = p;
	v->last = p;
	if (!v->deferred || ++v->n_pending >= VERDICT_PENDING_MAX)
		return enf_verdict_flush(v);
	ret = p->ret;
	for (size_t i = 0; i < p->n_part && !ret; i++)
		if (p->part[i].acted)
			ret = p->part[i].err;
	return ret;
}

int enf_verdict_flush(struct enf_verdict *v)
{
	struct pending *p = v->first;
	int ret = 0;

	v->first = v->last = NULL;
	v->n_pending = 0;
	while (p) {
		struct pending *next = p->next;
		int err = finish(v, p);

		if (err && !ret)
			ret = err;
		pending_free(p);
		p = next;
	}
	return ret;
}
