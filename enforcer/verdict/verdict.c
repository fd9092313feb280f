// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/verdict/deny.h"
#include "enforcer/verdict/verdict.h"
#include "policydb/policydb.h"

/* Bytes of the matched value kept in an audit row's excerpt. */
#define VERDICT_EXCERPT_MAX 300

struct enf_verdict {
	struct enf_dp *dp;
	struct pdb *db;
	bool shadow_all;
	struct enf_verdict_stats stats;
};

void enf_verdict_set_shadow(struct enf_verdict *v, bool all)
{
	v->shadow_all = all;
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
	v->dp = dp;
	v->db = db;
	*out = v;
	return 0;
}

void enf_verdict_free(struct enf_verdict *v)
{
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

/*
 * Denies the flow's source address: in the NIC where one enforces, else in
 * the host maps. Returns 0 or -errno; sets *point to where.
 */
static int deny_source(struct enf_verdict *v, const struct enf_tuple *t,
		       uint32_t rule_id, const char **point)
{
	struct enf_deny_result res;
	struct enf_deny d;
	int err;

	*point = NULL;
	if (!v->dp)
		return -ENODEV;
	enf_deny_from_peer(t, &d);
	err = enf_dp_deny_add(v->dp, &d, rule_id, &res);
	if (err)
		return err;
	*point = res.n_nic > 0 ? "nic" : "host";
	return 0;
}

int enf_verdict_apply(struct enf_verdict *v, const struct enf_request *req,
		      const struct enf_rule_match *m)
{
	const struct enf_rule_info *r = m->rule;
	const struct enf_req_origin *o = req->origin;
	const uint32_t deny_bits = ENF_ACT_DENY | ENF_ACT_DROP | ENF_ACT_BLOCK;
	char saddr[INET6_ADDRSTRLEN] = "", daddr[INET6_ADDRSTRLEN] = "";
	char action[64], excerpt[VERDICT_EXCERPT_MAX + 160];
	char dberr[PDB_ERR_LEN];
	const char *point = NULL;
	const struct enf_str *host;
	char *method = NULL, *uri = NULL, *hoststr = NULL;
	bool have_flow;
	struct timespec now;
	int ret = 0, err;

	stat_inc(&v->stats.verdicts);
	have_flow = o && (o->tuple.family == ENF_FAMILY_V4 ||
			  o->tuple.family == ENF_FAMILY_V6);
	if (have_flow) {
		enf_tuple_addr_str(&o->tuple, o->tuple.saddr, saddr,
				   sizeof(saddr));
		enf_tuple_addr_str(&o->tuple, o->tuple.daddr, daddr,
				   sizeof(daddr));
	}

	if ((r->actions & deny_bits) &&
	    (v->shadow_all || (r->actions & ENF_ACT_SHADOW))) {
		/* what would have been done, audited, not done */
		stat_inc(&v->stats.shadowed);
		snprintf(action, sizeof(action), "shadow:deny:%s",
			 have_flow ? "src" : "none(no flow)");
		pr_info("verdict: rule %u (%s): shadow: would deny source %s",
			r->id, r->msg, have_flow ? saddr : "(no flow)");
	} else if (r->actions & deny_bits) {
		if (!have_flow) {
			stat_inc(&v->stats.unenforceable);
			snprintf(action, sizeof(action), "deny:none(no flow)");
			ret = -ENOTCONN;
		} else {
			err = deny_source(v, &o->tuple, r->id, &point);
			if (err) {
				stat_inc(&v->stats.map_errors);
				pr_warn("verdict: rule %u: cannot deny %s: %s",
					r->id, saddr, strerror(-err));
				snprintf(action, sizeof(action),
					 "deny:src(failed:%s)",
					 strerrorname_np(-err) ?
						 strerrorname_np(-err) :
						 "error");
				ret = err;
			} else {
				stat_inc(&v->stats.denied);
				snprintf(action, sizeof(action), "deny:src");
				pr_info("verdict: rule %u (%s): denied source "
					"%s",
					r->id, r->msg, saddr);
			}
		}
		if (point) {
			struct pdb_block b = {
				.kind = "src",
				.key = saddr,
				.rule_id = r->id,
				.reason = r->msg,
				.created = time(NULL),
				.expires = 0,
				.point = point,
				.state = "active",
			};

			if (pdb_block_upsert(v->db, &b, dberr)) {
				stat_inc(&v->stats.db_errors);
				pr_warn("verdict: blocklist: %s", dberr);
			}
		}
	} else {
		snprintf(action, sizeof(action), "%s",
			 r->actions & ENF_ACT_PASS ? "pass" : "log");
	}

	if ((r->actions & ENF_ACT_NOLOG) && !(r->actions & deny_bits))
		return ret;

	snprintf(excerpt, sizeof(excerpt), "%s=%.*s", m->var,
		 (int)(m->value_len < VERDICT_EXCERPT_MAX ?
			       m->value_len :
			       VERDICT_EXCERPT_MAX),
		 m->value);
	for (char *p = excerpt; *p; p++) {
		if ((unsigned char)*p < 0x20)
			*p = '.';
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
			.action = action,
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
