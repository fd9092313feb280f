// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control commands enforcerd answers. They run on the control thread:
 * they use the control thread's own database handle, and reach the event
 * thread's state only under d->lock or through relaxed atomic counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "enforcer/audit/auditw.h"
#include "enforcer/audit/export.h"
#include "enforcer/build_config.h"
#include "enforcer/capture/capture.h"
#include "enforcer/common/log.h"
#include "enforcer/control/prom.h"
#include "enforcer/control/proto.h"
#include "enforcer/control/server.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/loader/tls.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/verdict/deny.h"
#include "enforcer/verdict/verdict.h"
#include "policydb/policydb.h"
#include "rules/rules.h"

/* How long rule.add waits for the event thread to take a new set. */
#define RULES_TAKE_TIMEOUT_S 10
/* Most entries one block.list reply carries. */
#define BLOCK_LIST_MAX 10000

static uint64_t rd(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static json_t *counters_json(const __u64 *c, size_t n)
{
	static const char *const names[] = ENF_XDP_STAT_NAMES;
	json_t *o = json_object();

	for (size_t k = 0; o && k < n; k++)
		json_object_set_new(o, names[k],
				    json_integer((json_int_t)c[k]));
	return o;
}

/*
 * Per interface, as the data plane reads it from the kernel; @total gets
 * every interface's counters summed (NIC and host).
 */
/* Adds an interface's counters (host, and NIC where offloaded) to @total. */
static void add_if_stats(const struct enf_dp_if_info *info,
			 __u64 total[ENF_XDP_STAT_MAX])
{
	for (int k = 0; k < ENF_XDP_STAT_MAX; k++)
		total[k] += info->host_stats[k] +
			    (k < ENF_XDP_STAT_NIC_MAX ? info->nic_stats[k] : 0);
}

static json_t *status_interfaces(struct enf_daemon *d,
				 __u64 total[ENF_XDP_STAT_MAX])
{
	json_t *a = json_array(), *o;
	struct enf_dp_if_info info;

	for (size_t i = 0; a && i < enf_dp_if_count(d->dp); i++) {
		if (enf_dp_if_info(d->dp, i, &info)) {
			pr_warn("status: reading interface %zu failed", i);
			continue;
		}
		add_if_stats(&info, total);
		o = json_pack("{s:s,s:i,s:s,s:s,s:b,s:I,s:o}", "name",
			      info.name, "ifindex", info.ifindex, "driver",
			      info.driver, "mode", enf_xdp_mode_name(info.mode),
			      "offloaded", info.offloaded, "spilled",
			      (json_int_t)info.spilled, "counters",
			      counters_json(info.host_stats, ENF_XDP_STAT_MAX));
		if (o && info.offloaded)
			json_object_set_new(
				o, "nic",
				json_pack(
					"{s:{s:I,s:I,s:I},s:{s:I,s:I,s:I},"
					"s:o}",
					"capacity", "src4",
					(json_int_t)info.nic_capacity[0],
					"src6",
					(json_int_t)info.nic_capacity[1],
					"flow",
					(json_int_t)info.nic_capacity[2],
					"entries", "src4",
					(json_int_t)info.nic_entries[0], "src6",
					(json_int_t)info.nic_entries[1], "flow",
					(json_int_t)info.nic_entries[2],
					"counters",
					counters_json(info.nic_stats,
						      ENF_XDP_STAT_NIC_MAX)));
		json_array_append_new(a, o);
	}
	return a;
}

/*
 * The host deny maps' entries, and deny_fast4, the inline IPv4 source table
 * xdp_host reads first: while "overflow" is not 0, a source it misses costs
 * a deny_src4 lookup too (size deny_map_entries up).
 */
static json_t *status_entries(struct enf_daemon *d)
{
	struct enf_dp_host_counts n = { 0 };
	struct enf_dp_fast4_info f = { 0 };

	if (enf_dp_host_counts(d->dp, &n))
		pr_warn("status: counting the host deny entries failed");
	enf_dp_fast4_info(d->dp, &f);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,"
			 "s:I}}",
			 "src4", (json_int_t)n.src4, "src6", (json_int_t)n.src6,
			 "flow", (json_int_t)n.flow, "cidr4",
			 (json_int_t)n.cidr4, "cidr6", (json_int_t)n.cidr6,
			 "spill", (json_int_t)n.spill, "expired",
			 (json_int_t)__atomic_load_n(&d->stats.expired,
						     __ATOMIC_RELAXED),
			 "fast4", "slots", (json_int_t)f.slots, "used",
			 (json_int_t)f.used, "tombs", (json_int_t)f.tombs,
			 "overflow", (json_int_t)f.overflow, "moves",
			 (json_int_t)f.moves);
}

/* The capture's counters: the programs' (summed over CPUs) and the
 * consumer's. */
static void tls_counters(struct enf_daemon *d, __u64 ts[ENF_TLS_STAT_MAX],
			 struct enf_capture_stats *cs)
{
	if (d->tls && enf_tls_stats_read(d->tls, ts))
		pr_warn("status: reading tls_stats failed");
	if (d->capture)
		enf_capture_get_stats(d->capture, cs);
}

static json_t *status_tls(struct enf_daemon *d, __u64 ts[ENF_TLS_STAT_MAX],
			  struct enf_capture_stats *cs)
{
	static const char *const names[ENF_TLS_STAT_MAX] = ENF_TLS_STAT_NAMES;
	json_t *libs = enf_daemon_capture_files_json(d), *o;
	json_t *counters = json_object(), *lost = json_array();
	__u64 *percpu = calloc(d->ncpus ? d->ncpus : 1, sizeof(*percpu));

	tls_counters(d, ts, cs);
	if (d->tls && percpu &&
	    !enf_tls_stats_percpu(d->tls, ENF_TLS_STAT_LOST, percpu, d->ncpus))
		for (size_t i = 0; i < d->ncpus; i++)
			json_array_append_new(
				lost, json_integer((json_int_t)percpu[i]));
	free(percpu);
	for (int k = 0; counters && k < ENF_TLS_STAT_MAX; k++)
		json_object_set_new(counters, names[k],
				    json_integer((json_int_t)ts[k]));
	o = json_pack("{s:o,s:I,s:o,s:o,s:I}", "libraries", libs, "events",
		      (json_int_t)cs->events, "counters", counters,
		      "lost_per_cpu", lost, "loss_rows",
		      (json_int_t)rd(&d->stats.loss_rows));
	if (o && d->tls_error[0])
		json_object_set_new(o, "error", json_string(d->tls_error));
	return o;
}

/* Everything that was seen but not inspected, or lost: never silent. */
static json_t *status_loss(struct enf_daemon *d,
			   const __u64 ts[ENF_TLS_STAT_MAX],
			   const struct enf_capture_stats *cs,
			   const struct enf_verdict_stats *vs)
{
	return json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
		"s:I,s:I,s:I}",
		"ring_full", (json_int_t)ts[ENF_TLS_STAT_LOST], "calls_missed",
		(json_int_t)ts[ENF_TLS_STAT_CALLS_FULL], "no_socket",
		(json_int_t)ts[ENF_TLS_STAT_NO_SOCKET], "read_fault",
		(json_int_t)ts[ENF_TLS_STAT_READ_FAULT], "truncated",
		(json_int_t)ts[ENF_TLS_STAT_TRUNCATED], "malformed_events",
		(json_int_t)cs->malformed, "gaps",
		(json_int_t)rd(&d->stats.gaps), "overlaps",
		(json_int_t)rd(&d->stats.overlaps), "session_reuse",
		(json_int_t)rd(&d->stats.session_reuse), "http2_refused",
		(json_int_t)rd(&d->stats.h2_refused), "http2_skipped",
		(json_int_t)rd(&d->stats.h2_skipped), "http2_unmatched",
		(json_int_t)rd(&d->stats.h2_unmatched), "flow_evictions",
		(json_int_t)rd(&d->stats.flow_evictions), "pcre2_limit_hits",
		(json_int_t)rd(&d->stats.pcre2_limit_hits), "match_errors",
		(json_int_t)rd(&d->stats.match_errors), "unenforceable",
		(json_int_t)vs->unenforceable, "map_errors",
		(json_int_t)vs->map_errors, "db_errors",
		(json_int_t)vs->db_errors);
}

/* Responses parsed (HTTP/1 and HTTP/2), by status class. */
static json_t *status_responses(struct enf_daemon *d)
{
	const uint64_t *c = d->stats.resp_class;

	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "parsed",
			 (json_int_t)rd(&d->stats.responses), "1xx",
			 (json_int_t)rd(&c[1]), "2xx", (json_int_t)rd(&c[2]),
			 "3xx", (json_int_t)rd(&c[3]), "4xx",
			 (json_int_t)rd(&c[4]), "5xx", (json_int_t)rd(&c[5]),
			 "other", (json_int_t)rd(&c[ENF_RESP_OTHER]),
			 "bad_status", (json_int_t)rd(&c[ENF_RESP_BAD]),
			 "anomalous", (json_int_t)rd(&d->stats.resp_anomalous));
}

/* HTTP/2: connections and messages parsed, and what the parsers met. */
static json_t *status_http2(struct enf_daemon *d)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "connections",
			 (json_int_t)rd(&d->stats.h2_connections),
			 "server_sides",
			 (json_int_t)rd(&d->stats.h2_server_sides), "midstream",
			 (json_int_t)rd(&d->stats.h2_midstream), "streams",
			 (json_int_t)rd(&d->stats.h2_streams), "requests",
			 (json_int_t)rd(&d->stats.h2_requests), "responses",
			 (json_int_t)rd(&d->stats.h2_responses), "refused",
			 (json_int_t)rd(&d->stats.h2_refused), "errors",
			 (json_int_t)rd(&d->stats.h2_errors), "hpack_errors",
			 (json_int_t)rd(&d->stats.h2_hpack_errors),
			 "state_lost", (json_int_t)rd(&d->stats.h2_state_lost),
			 "skipped", (json_int_t)rd(&d->stats.h2_skipped),
			 "unmatched", (json_int_t)rd(&d->stats.h2_unmatched));
}

/* The allowlist in effect: its prefixes and the management interface. */
static json_t *status_allowlist(const struct enf_daemon *d)
{
	json_t *list = json_array();
	char text[ENF_CIDR_TEXT_MAX];

	for (size_t i = 0; list && i < d->n_allow; i++) {
		enf_cidr_format(&d->allow[i], text, sizeof(text));
		json_array_append_new(list, json_string(text));
	}
	return json_pack("{s:o,s:s?}", "prefixes", list ? list : json_null(),
			 "mgmt_interface",
			 d->mgmt_iface[0] ? d->mgmt_iface : NULL);
}

/* enforce:egress: where it is attached, its entries and the connect()s it
 * denied; or why it is not enforced. */
static json_t *status_egress(struct enf_daemon *d)
{
	static const char *const names[ENF_EGRESS_STAT_MAX] =
		ENF_EGRESS_STAT_NAMES;
	struct enf_egress_counters c = { 0 };
	struct enf_egress_info info;
	json_t *denied;
	__u32 n = 0;

	if (!d->egress)
		return json_pack("{s:b,s:s}", "enforced", false, "error",
				 d->egress_error);
	enf_egress_info(d->egress, &info);
	if (enf_egress_count(d->egress, &n))
		pr_warn("status: counting the egress entries failed");
	if (enf_egress_stats(d->egress, &c))
		pr_warn("status: reading egress_stats failed");
	denied = json_object();
	for (int k = 0; denied && k < ENF_EGRESS_STAT_MAX; k++)
		json_object_set_new(denied, names[k],
				    json_integer((json_int_t)c.count[k]));
	return json_pack("{s:b,s:s,s:I,s:I,s:I,s:o,s:I}", "enforced", true,
			 "cgroup", info.cgroup_path, "entries", (json_int_t)n,
			 "capacity", (json_int_t)info.entries, "denied_total",
			 (json_int_t)c.denied, "denied", denied, "cgroup_gone",
			 (json_int_t)__atomic_load_n(&d->stats.cgroup_gone,
						     __ATOMIC_RELAXED));
}

/* The request pipeline's and the verdict stage's counters. */
static json_t *status_requests(struct enf_daemon *d,
			       const struct enf_verdict_stats *vs)
{
	return json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,"
		"s:I,s:I,s:I}",
		"events", (json_int_t)rd(&d->stats.events), "parsed",
		(json_int_t)rd(&d->stats.requests), "outbound",
		(json_int_t)rd(&d->stats.outbound_requests), "anomalous",
		(json_int_t)rd(&d->stats.anomalous), "response_streams",
		(json_int_t)rd(&d->stats.response_streams), "matched",
		(json_int_t)rd(&d->stats.matches), "verdicts",
		(json_int_t)vs->verdicts, "denied", (json_int_t)vs->denied,
		"killed", (json_int_t)vs->killed, "kill_errors",
		(json_int_t)vs->kill_errors, "resets", (json_int_t)vs->resets,
		"reset_errors", (json_int_t)vs->reset_errors, "suppressed",
		(json_int_t)vs->suppressed, "pending", (json_int_t)vs->pending,
		"escalated", (json_int_t)vs->escalated, "not_enforced",
		(json_int_t)vs->not_enforced, "shadowed",
		(json_int_t)vs->shadowed, "audited", (json_int_t)vs->audited);
}

/* The sandbox entered at start: its mode, whether a system call filter
 * is on, the event thread's capabilities (the helpers have none), and the
 * calls refused since. */
static json_t *status_sandbox(const struct enf_daemon *d)
{
	json_t *caps = json_array();

	for (unsigned int n = 0; n < 64; n++) {
		const char *name = enf_caps_name(n);

		if (d->sandbox.caps & ENF_CAP(n))
			json_array_append_new(caps, name ? json_string(name) :
							   json_integer(n));
	}
	return json_pack("{s:s,s:b,s:o,s:I,s:I}", "mode",
			 enf_config_sandbox_name(d->sandbox.mode), "filter",
			 d->sandbox.filter, "capabilities", caps,
			 "syscalls_allowed", (json_int_t)d->sandbox.allowed,
			 "refused", (json_int_t)enf_sandbox_refused());
}

static json_t *cmd_status(void *ctx, const json_t *args,
			  const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	struct enf_capture_stats cs = { 0 };
	__u64 ts[ENF_TLS_STAT_MAX] = { 0 };
	struct enf_verdict_stats vs;
	__u64 total[ENF_XDP_STAT_MAX] = { 0 };
	json_t *xdp, *entries, *rules, *tls, *ifaces;

	(void)args;
	(void)peer;
	enf_verdict_get_stats(d->verdict, &vs);
	ifaces = status_interfaces(d, total);
	xdp = counters_json(total, ENF_XDP_STAT_MAX);
	entries = status_entries(d);
	tls = status_tls(d, ts, &cs);
	pthread_mutex_lock(&d->lock);
	rules = json_pack("{s:I,s:I,s:I,s:I}", "loaded",
			  (json_int_t)enf_ruleset_count(d->rules), "from_files",
			  (json_int_t)d->rules_from_files, "from_database",
			  (json_int_t)d->rules_from_db, "memo_hits",
			  (json_int_t)rd(&d->stats.memo_hits));
	pthread_mutex_unlock(&d->lock);
	return enf_ctl_ok(json_pack(
		"{s:s,s:i,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
		"version", ENF_VERSION, "pid", (int)getpid(), "uptime_s",
		(json_int_t)(time(NULL) - d->started), "xdp_counters", xdp,
		"interfaces", ifaces, "deny_entries", entries, "egress",
		status_egress(d), "rules", rules, "tls", tls, "requests",
		status_requests(d, &vs), "responses", status_responses(d),
		"http2", status_http2(d), "loss", status_loss(d, ts, &cs, &vs),
		"allowlist", status_allowlist(d), "sandbox",
		status_sandbox(d)));
}

/* The verdict latency histogram: the buckets' upper bounds in seconds
 * ("le", the last +Inf given as null), the verdicts in each (not
 * cumulative), their count, sum and max. */
static json_t *stats_latency(const struct enf_verdict_latency *l)
{
	static const uint32_t bounds[] = ENF_VERDICT_LAT_BOUNDS_US;
	json_t *le = json_array(), *b = json_array();

	for (size_t i = 0; i < ENF_VERDICT_LAT_BUCKETS; i++) {
		json_array_append_new(
			le, i < ENF_VERDICT_LAT_BUCKETS - 1 ?
				    json_real((double)bounds[i] / 1e6) :
				    json_null());
		json_array_append_new(b,
				      json_integer((json_int_t)l->bucket[i]));
	}
	return json_pack("{s:o,s:o,s:I,s:f,s:f}", "le", le, "buckets", b,
			 "count", (json_int_t)l->count, "sum_s",
			 (double)l->sum_ns / 1e9, "max_s",
			 (double)l->max_ns / 1e9);
}

/* The map writer's counters (enforcer/verdict/writer.h). */
static json_t *stats_writer(const struct enf_daemon *d)
{
	struct enf_writer_stats w = { 0 };

	if (d->writer)
		enf_writer_get_stats(d->writer, &w);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "ops",
			 (json_int_t)w.ops, "writes", (json_int_t)w.writes,
			 "coalesced", (json_int_t)w.coalesced, "wakes",
			 (json_int_t)w.wakes, "batches", (json_int_t)w.batches,
			 "full_waits", (json_int_t)w.full_waits, "errors",
			 (json_int_t)w.errors);
}

/*
 * stats: the counters (those of status, by group) and the histograms, for
 * people and for Prometheus (enforcerctl stats --prometheus writes the
 * text format from this).
 */
/* The audit writer's counters, and the exporter's when there is one. */
static json_t *stats_audit(const struct enf_daemon *d)
{
	struct enf_auditw_stats a;

	enf_auditw_get_stats(d->auditw, &a);
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "submitted",
			 (json_int_t)a.submitted, "written",
			 (json_int_t)a.written, "batches",
			 (json_int_t)a.batches, "largest",
			 (json_int_t)a.largest, "queued", (json_int_t)a.queued,
			 "full_waits", (json_int_t)a.full_waits, "retries",
			 (json_int_t)a.retries, "errors", (json_int_t)a.errors,
			 "pruned", (json_int_t)a.pruned);
}

static json_t *stats_export(const struct enf_daemon *d)
{
	struct enf_export_stats x;

	memset(&x, 0, sizeof(x));
	if (d->export)
		enf_export_get_stats(d->export, &x);
	return json_pack("{s:I,s:I,s:I,s:I,s:I}", "queued",
			 (json_int_t)x.queued, "written", (json_int_t)x.written,
			 "dropped", (json_int_t)x.dropped, "errors",
			 (json_int_t)x.errors, "reopens",
			 (json_int_t)x.reopens);
}

json_t *enf_daemon_stats_json(struct enf_daemon *d)
{
	struct enf_capture_stats cs = { 0 };
	__u64 ts[ENF_TLS_STAT_MAX] = { 0 };
	__u64 total[ENF_XDP_STAT_MAX] = { 0 };
	struct enf_verdict_stats vs;
	struct enf_verdict_latency lat;
	struct enf_dp_if_info info;

	enf_verdict_get_stats(d->verdict, &vs);
	enf_verdict_get_latency(d->verdict, &lat);
	for (size_t i = 0; i < enf_dp_if_count(d->dp); i++) {
		if (enf_dp_if_info(d->dp, i, &info) == 0)
			add_if_stats(&info, total);
	}
	tls_counters(d, ts, &cs);
	return json_pack("{s:I,s:{s:o,s:o,s:o,s:o,s:o,s:o,s:o},s:{s:o}}",
			 "uptime_s", (json_int_t)(time(NULL) - d->started),
			 "counters", "requests", status_requests(d, &vs), "xdp",
			 counters_json(total, ENF_XDP_STAT_MAX), "responses",
			 status_responses(d), "loss",
			 status_loss(d, ts, &cs, &vs), "map_writer",
			 stats_writer(d), "audit", stats_audit(d), "export",
			 stats_export(d), "histograms", "verdict_latency",
			 stats_latency(&lat));
}

static json_t *cmd_stats(void *ctx, const json_t *args,
			 const struct enf_ctl_peer *peer)
{
	(void)args;
	(void)peer;
	return enf_ctl_ok(enf_daemon_stats_json(ctx));
}

int enf_daemon_prometheus(struct enf_daemon *d, char **out, size_t *len)
{
	json_t *st = enf_daemon_stats_json(d);

	*out = st ? enf_prometheus_text(st, len) : NULL;
	json_decref(st);
	return *out ? 0 : -ENOMEM;
}

static const char *action_name(uint32_t a)
{
	if (a & ENF_ACT_DENY)
		return "deny";
	if (a & ENF_ACT_DROP)
		return "drop";
	if (a & ENF_ACT_BLOCK)
		return "block";
	if (a & ENF_ACT_PASS)
		return "pass";
	return "log";
}

/*
 * What a match of @r enforces, as the verdict stage decides it
 * (enf_verdict_effective()), in @buf ("src,cidr/24,cidr6/64", "none"), and
 * where it comes from in *@from. NULL for a rule that denies nothing.
 */
static const char *rule_enforce(const struct enf_daemon *d,
				const struct enf_rule_info *r, char *buf,
				size_t len, const char **from)
{
	const struct enf_enforce *e =
		enf_verdict_effective(d->verdict, r, from);

	if (!e)
		return NULL;
	return enf_enforce_format(e, buf, len) < 0 ? "?" : buf;
}

static json_t *rule_json(const struct enf_daemon *d,
			 const struct enf_rule_info *r)
{
	char buf[ENF_ENFORCE_TEXT_MAX];
	const char *from,
		*enforce = rule_enforce(d, r, buf, sizeof(buf), &from);

	return json_pack(
		"{s:I,s:s,s:i,s:s,s:s,s:s?,s:s?,s:I,s:I,s:I,s:s,s:i,s:s}", "id",
		(json_int_t)r->id, "msg", r->msg, "severity", r->severity,
		"action", action_name(r->actions), "mode",
		r->actions & ENF_ACT_SHADOW ? "shadow" : "enforce", "enforce",
		enforce, "enforce_from", from, "ttl", (json_int_t)r->ttl,
		"after_n", (json_int_t)r->after_n, "after_s",
		(json_int_t)r->after_s, "origin", r->origin, "line",
		(int)r->line, "engine", r->engine);
}

static json_t *rule_error_reply(const struct enf_rule_error *e, int ret)
{
	if (e->line)
		return enf_ctl_err("rule refused: %s:%u:%u: %s", e->origin,
				   e->line, e->column, e->msg);
	if (e->msg[0])
		return enf_ctl_err("rule refused: %s: %s", e->origin, e->msg);
	return enf_ctl_err("rule refused: %s", strerror(-ret));
}

/*
 * Hands @rs to the event thread and waits until it is active. Return: 0;
 * -EBUSY when an earlier set was still waiting (@rs still the caller's);
 * -ETIMEDOUT when the event thread has not taken @rs in time (it will: @rs
 * is its own now); the activation's -errno (@rs already freed).
 */
static int publish_rules(struct enf_daemon *d, struct enf_ruleset *rs,
			 size_t files, size_t fromdb)
{
	struct timespec until;
	uint64_t one = 1;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += RULES_TAKE_TIMEOUT_S;
	pthread_mutex_lock(&d->lock);
	while (d->pending && ret == 0)
		ret = pthread_cond_timedwait(&d->taken, &d->lock, &until);
	if (ret) {
		pthread_mutex_unlock(&d->lock);
		return -EBUSY; /* @rs was not handed over */
	}
	d->pending = rs;
	d->pending_from_files = files;
	d->pending_from_db = fromdb;
	if (write(d->reload_fd, &one, sizeof(one)) != sizeof(one)) {
		d->pending = NULL;
		pthread_mutex_unlock(&d->lock);
		return -EIO;
	}
	while (d->pending == rs && ret == 0)
		ret = pthread_cond_timedwait(&d->taken, &d->lock, &until);
	if (!ret)
		ret = d->pending_error;
	else
		ret = -ETIMEDOUT; /* still pending: the event thread owns it */
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static bool name_ok(const char *name, size_t len)
{
	if (!len || len > ENF_CTL_RULE_NAME_MAX || strlen(name) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '/' || (unsigned char)name[i] < 0x20 ||
		    name[i] == 0x7f)
			return false;
	}
	return true;
}

int enf_rule_texts_parse(const json_t *args, struct enf_rule_text **out,
			 size_t *n, char *err, size_t errlen)
{
	const json_t *one = json_object_get(args, "text");
	const json_t *many = json_object_get(args, "texts"), *e, *jn, *jt;
	struct enf_rule_text *t;
	size_t i, k;

	*out = NULL;
	*n = 0;
	if (one && many) {
		snprintf(err, errlen,
			 "rule.add takes \"text\" or \"texts\", not both");
		return -EINVAL;
	}
	if (!one && !many) {
		snprintf(err, errlen, "rule.add needs \"text\" or \"texts\"");
		return -EINVAL;
	}
	if (one && !json_is_string(one)) {
		snprintf(err, errlen, "rule.add: \"text\" is a string");
		return -EINVAL;
	}
	if (many && (!json_is_array(many) || !json_array_size(many))) {
		snprintf(err, errlen,
			 "rule.add: \"texts\" is a non-empty array of "
			 "{\"name\", \"text\"}");
		return -EINVAL;
	}
	if (many && json_array_size(many) > ENF_CTL_RULE_TEXTS_MAX) {
		snprintf(err, errlen,
			 "rule.add: %zu texts, more than %d in one request",
			 json_array_size(many), ENF_CTL_RULE_TEXTS_MAX);
		return -E2BIG;
	}
	k = one ? 1 : json_array_size(many);
	t = calloc(k, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (one) {
		t[0] = (struct enf_rule_text){ "<rule add>",
					       json_string_value(one),
					       json_string_length(one) };
	}
	json_array_foreach(many, i, e) {
		jn = json_object_get(e, "name");
		jt = json_object_get(e, "text");
		if (!json_is_string(jn) || !json_is_string(jt)) {
			snprintf(err, errlen,
				 "rule.add: texts[%zu] needs a \"name\" and "
				 "a \"text\", both strings",
				 i);
			goto out_inval;
		}
		t[i] = (struct enf_rule_text){ json_string_value(jn),
					       json_string_value(jt),
					       json_string_length(jt) };
		if (!name_ok(t[i].name, json_string_length(jn))) {
			snprintf(err, errlen,
				 "rule.add: texts[%zu]: a name is 1 to %d "
				 "bytes, without '/' or control bytes",
				 i, ENF_CTL_RULE_NAME_MAX);
			goto out_inval;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(t[j].name, t[i].name) == 0) {
				snprintf(err, errlen,
					 "rule.add: two texts named '%s'",
					 t[i].name);
				goto out_inval;
			}
		}
	}
	for (i = 0; i < k; i++) {
		const char *nul = memchr(t[i].text, '\0', t[i].len);
		unsigned int line = 1;

		if (!nul)
			continue;
		for (const char *c = t[i].text; c < nul; c++)
			line += *c == '\n';
		snprintf(err, errlen, "rule refused: %s:%u: a NUL byte",
			 t[i].name, line);
		goto out_inval;
	}
	*out = t;
	*n = k;
	return 0;
out_inval:
	free(t);
	return -EINVAL;
}

static int row_exists(const struct pdb_rule *r, void *ctx)
{
	(void)r;
	(void)ctx;
	return 0;
}

/* Room for "SOURCE:NAME (uid N)", the source column of a rule added. */
#define ROW_SOURCE_LEN (48 + 1 + ENF_CTL_RULE_NAME_MAX + 24)

/*
 * rule.add {text | texts, source, mode, dry_run}: the texts validated with
 * the active set (built from the rules directory and the database, the
 * texts added, and compiled), then every rule they hold stored in one
 * database transaction and the built set made active: all or nothing. A
 * text of "texts" ([{name, text}]: enforcerctl rule import, one a file)
 * is a source of its own named @name: its errors name it, and each of its
 * rules is stored with the source "SOURCE:NAME (uid N)". With dry_run the
 * set is built and nothing is stored or loaded.
 */
static json_t *cmd_rule_add(void *ctx, const json_t *args,
			    const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	struct enf_rules_builder *b = NULL;
	struct enf_ruleset *rs = NULL;
	struct enf_rule_text *texts = NULL;
	struct enf_rule_error err;
	struct pdb_rule *rows = NULL;
	char dberr[PDB_ERR_LEN], why[256];
	char(*sources)[ROW_SOURCE_LEN] = NULL;
	size_t files, fromdb, first, n, n_texts, loaded;
	const char *src, *mode;
	json_t *added = NULL, *reply;
	bool shadow, named, dry_run;
	int ret;

	ret = enf_rule_texts_parse(args, &texts, &n_texts, why, sizeof(why));
	if (ret)
		return enf_ctl_err("%s", why);
	named = json_object_get(args, "texts") != NULL;
	dry_run = json_is_true(json_object_get(args, "dry_run"));
	src = json_string_value(json_object_get(args, "source"));
	mode = json_string_value(json_object_get(args, "mode"));
	if (mode && strcmp(mode, "shadow") && strcmp(mode, "enforce")) {
		reply = enf_ctl_err("rule.add: \"mode\" is shadow or enforce");
		goto out;
	}
	shadow = mode && !strcmp(mode, "shadow");

	ret = enf_daemon_build_rules_texts(&d->cfg, d->ctl_db, texts, n_texts,
					   shadow, &b, &rs, &files, &fromdb,
					   &err);
	if (ret) {
		reply = rule_error_reply(&err, ret);
		goto out;
	}
	first = files + fromdb;
	n = enf_rules_builder_count(b) - first;
	if (n == 0) {
		reply = enf_ctl_err(named ? "rule refused: the texts hold no "
					    "rule" :
					    "rule refused: the text holds no "
					    "rule");
		goto out;
	}
	rows = calloc(n, sizeof(*rows));
	sources = calloc(n, sizeof(*sources));
	added = json_array();
	if (!rows || !sources || !added) {
		reply = enf_ctl_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct enf_rule_info *r =
			enf_rules_builder_rule(b, first + i);
		/* the set has the last word on the engine (a pattern the
		 * parser sends to PCRE2 may land on a Hyperscan prefilter) */
		const struct enf_rule_info *built =
			enf_ruleset_rule(rs, first + i);

		/* a rule's origin is the name of the text it came from */
		if (named)
			snprintf(sources[i], sizeof(sources[i]),
				 "%.48s:%s (uid %u)", src ? src : "enforcerctl",
				 r->origin, (unsigned)peer->uid);
		else
			snprintf(sources[i], sizeof(sources[i]),
				 "%.48s (uid %u)", src ? src : "enforcerctl",
				 (unsigned)peer->uid);
		rows[i] =
			(struct pdb_rule){ .rule_id = r->id,
					   .text = r->text,
					   .enabled = true,
					   .mode = r->actions & ENF_ACT_SHADOW ?
							   "shadow" :
							   "enforce",
					   .source = sources[i] };
		/* the set holds every enabled row: a row with this id is a
		 * disabled one, which the insert below would trip on */
		ret = pdb_rule_get(d->ctl_db, r->id, row_exists, NULL, dberr);
		if (ret != -ENOENT) {
			reply = ret ? enf_ctl_err("rule %u: %s", r->id, dberr) :
				      enf_ctl_err("rule refused: %s:%u: id %u "
						  "is taken by a disabled rule "
						  "of the database (enable or "
						  "delete it first)",
						  r->origin, r->line, r->id);
			goto out;
		}
		json_array_append_new(
			added,
			rule_json(d, built && built->id == r->id ? built : r));
	}
	loaded = enf_ruleset_count(rs);
	if (dry_run) {
		pr_info("control: uid %u: dry run of %zu rule(s) from %zu "
			"text(s); %zu would be active",
			(unsigned)peer->uid, n, n_texts, loaded);
		reply = enf_ctl_ok(json_pack("{s:O,s:I,s:b}", "added", added,
					     "loaded", (json_int_t)loaded,
					     "dry_run", 1));
		goto out;
	}
	/* Stored first, all or nothing: what the database holds is what a
	 * restart loads, so it must never hold a rule the daemon refused. */
	ret = pdb_rule_insert_many(d->ctl_db, rows, n, dberr);
	if (ret) {
		reply = enf_ctl_err("rule not stored: %s", dberr);
		goto out;
	}
	/* @loaded was read before handing @rs over: once published, the
	 * event thread may free it (a reload) at any moment. */
	ret = publish_rules(d, rs, files, fromdb + n);
	if (ret == -EBUSY) {
		reply = enf_ctl_err("rule stored; another rule set was still "
				    "being activated, so this one loads on the "
				    "next reload");
		goto out;
	}
	if (ret == -ETIMEDOUT) {
		rs = NULL; /* the event thread will take it */
		reply = enf_ctl_err("rule stored; the daemon has not activated "
				    "it yet");
		goto out;
	}
	if (ret) {
		reply = enf_ctl_err("rule stored, but activating the new set "
				    "failed: %s; it loads on the next reload",
				    strerror(-ret));
		rs = NULL; /* freed by the event thread */
		goto out;
	}
	rs = NULL; /* owned by the event thread now */
	pr_info("control: uid %u added %zu rule(s) from %zu text(s); %zu "
		"active",
		(unsigned)peer->uid, n, n_texts, loaded);
	reply = enf_ctl_ok(json_pack("{s:O,s:I,s:b}", "added", added, "loaded",
				     (json_int_t)loaded, "dry_run", 0));
out:
	json_decref(added);
	free(sources);
	free(rows);
	free(texts);
	enf_ruleset_free(rs);
	enf_rules_builder_free(b);
	return reply;
}

/*
 * Rebuilds the rule set from the rules directory and the database and makes
 * it active. Returns 0, or -errno with @reply describing the refusal.
 */
static int reload_rules(struct enf_daemon *d, size_t *loaded, json_t **reply)
{
	struct enf_rule_error err;
	struct enf_ruleset *rs;
	size_t files, fromdb;
	int ret;

	ret = enf_daemon_build_rules(&d->cfg, d->ctl_db, NULL, 0, false, NULL,
				     &rs, &files, &fromdb, &err);
	if (ret) {
		*reply = rule_error_reply(&err, ret);
		return ret;
	}
	*loaded = enf_ruleset_count(rs);
	ret = publish_rules(d, rs, files, fromdb);
	if (ret == -EBUSY)
		enf_ruleset_free(rs);
	if (ret)
		*reply = enf_ctl_err("reload: activating the new set failed: "
				     "%s",
				     strerror(-ret));
	return ret;
}

/* SIGHUP, forwarded by the event thread through d->hup_fd. */
static void on_hup(void *ctx)
{
	struct enf_daemon *d = ctx;
	char err[1024]; /* enf_ctl_err() keeps 1024 bytes */
	json_t *reply = NULL, *restart = NULL;
	size_t loaded;
	uint64_t n;

	if (read(d->hup_fd, &n, sizeof(n)) < 0)
		return;
	/* the configuration first (rules_dir may have moved): one that does
	 * not parse refuses the whole reload, as enforcerctl reload does */
	if (enf_daemon_reload_config(d, &restart, err, sizeof(err))) {
		json_decref(restart);
		pr_err("SIGHUP: configuration refused, nothing reloaded: %s",
		       err);
		enf_notify_ready(d);
		return;
	}
	json_decref(restart);
	if (reload_rules(d, &loaded, &reply))
		pr_err("SIGHUP: reload refused, the running rules stay: %s",
		       json_string_value(json_object_get(reply, "error")));
	json_decref(reply);
	/* the offset table on its own: neither holds the other back */
	if (enf_daemon_capture_reload(d, err, sizeof(err)))
		pr_err("SIGHUP: tls offset table refused, the running table "
		       "stays: %s",
		       err);
	/* done, taken or refused: the running set serves either way */
	enf_notify_ready(d);
}

static json_t *cmd_reload(void *ctx, const json_t *args,
			  const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	char err[1024]; /* enf_ctl_err() keeps 1024 bytes */
	json_t *reply = NULL, *restart = NULL;
	size_t loaded;
	int ret, oret;

	(void)args;
	/*
	 * The configuration, the rules, then the offset table, each all or
	 * nothing on its own: a bad table does not hold back good rules, nor
	 * the reverse. A configuration that does not parse refuses the whole
	 * reload: its rules_dir could not be trusted.
	 */
	if (enf_daemon_reload_config(d, &restart, err, sizeof(err))) {
		json_decref(restart);
		pr_err("control: uid %u reload: configuration refused, the "
		       "running one stays: %s",
		       (unsigned)peer->uid, err);
		return enf_ctl_err("configuration refused, nothing reloaded: "
				   "%s",
				   err);
	}
	ret = reload_rules(d, &loaded, &reply);
	oret = enf_daemon_capture_reload(d, err, sizeof(err));
	if (oret)
		pr_err("control: uid %u reload: tls offset table refused, the "
		       "running table stays: %s",
		       (unsigned)peer->uid, err);
	if (ret || oret)
		json_decref(restart);
	if (ret && oret) {
		json_t *both = enf_ctl_err(
			"%s; tls offset table refused, the running table "
			"stays: %s",
			json_string_value(json_object_get(reply, "error")),
			err);

		json_decref(reply);
		return both;
	}
	if (ret)
		return reply;
	pr_info("control: uid %u reloaded the rules; %zu active",
		(unsigned)peer->uid, loaded);
	if (oret)
		return enf_ctl_err("rules reloaded: %zu active; tls offset "
				   "table refused, the running table stays: "
				   "%s",
				   loaded, err);
	return enf_ctl_ok(json_pack("{s:I,s:o}", "loaded", (json_int_t)loaded,
				    "restart_needed", restart));
}

static json_t *cmd_rule_list(void *ctx, const json_t *args,
			     const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	json_t *rules = json_array();

	(void)args;
	(void)peer;
	if (!rules)
		return NULL;
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < enf_ruleset_count(d->rules); i++)
		json_array_append_new(
			rules, rule_json(d, enf_ruleset_rule(d->rules, i)));
	pthread_mutex_unlock(&d->lock);
	return enf_ctl_ok(json_pack("{s:o}", "rules", rules));
}

/* The "id" argument of a rule command: 1..2^32-1, else 0. */
static uint32_t arg_rule_id(const json_t *args)
{
	json_int_t id = json_integer_value(json_object_get(args, "id"));

	return id > 0 && id <= 0xffffffff ? (uint32_t)id : 0;
}

struct db_rule_json {
	json_t *o;
};

static int db_rule_json(const struct pdb_rule *r, void *ctx)
{
	struct db_rule_json *j = ctx;

	j->o = json_pack("{s:I,s:s,s:b,s:s,s:s?,s:I,s:I}", "id",
			 (json_int_t)r->rule_id, "text", r->text, "enabled",
			 r->enabled, "mode", r->mode ? r->mode : "enforce",
			 "source", r->source, "created", (json_int_t)r->created,
			 "updated", (json_int_t)r->updated);
	return 0;
}

/*
 * rule.show {id}: the rule as the active set has it (engine, why, text,
 * origin, chain links) and, for a rule of the database, its row (also for
 * a disabled rule, which the active set lacks).
 */
static json_t *cmd_rule_show(void *ctx, const json_t *args,
			     const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	struct db_rule_json row = { NULL };
	char dberr[PDB_ERR_LEN];
	uint32_t id = arg_rule_id(args);
	json_t *active = NULL;
	int ret;

	(void)peer;
	if (!id)
		return enf_ctl_err("rule.show needs an \"id\" from 1 to "
				   "4294967295");
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < enf_ruleset_count(d->rules); i++) {
		const struct enf_rule_info *r = enf_ruleset_rule(d->rules, i);
		json_t *links;

		if (r->id != id)
			continue;
		active = rule_json(d, r);
		links = json_array();
		for (size_t k = 0; k < enf_ruleset_links(d->rules, i); k++) {
			const struct enf_rule_info *l =
				enf_ruleset_link(d->rules, i, k);

			json_array_append_new(
				links, json_pack("{s:s,s:s?}", "engine",
						 l->engine, "why", l->why));
		}
		json_object_set_new(active, "text", json_string(r->text));
		json_object_set_new(active, "why",
				    json_string(r->why ? r->why : ""));
		json_object_set_new(active, "links", links);
		break;
	}
	pthread_mutex_unlock(&d->lock);
	ret = pdb_rule_get(d->ctl_db, id, db_rule_json, &row, dberr);
	if (ret && ret != -ENOENT) {
		json_decref(active);
		return enf_ctl_err("rule %u: %s", id, dberr);
	}
	if (!active && !row.o)
		return enf_ctl_err("no rule %u, active or in the database", id);
	return enf_ctl_ok(json_pack("{s:I,s:o*,s:o*}", "id", (json_int_t)id,
				    "active", active, "database", row.o));
}

/*
 * rule.enable / rule.disable / rule.delete {id}: a rule of the database
 * changed, and the set rebuilt and made active, all or nothing. The set is
 * built first as if the change were made (no write lock held while it
 * compiles: the event thread's audit rows go on), then the row changes and
 * the set goes live; a set that does not build (enabling a rule whose id a
 * rule file took since) changes nothing.
 */
static json_t *rule_change(struct enf_daemon *d, const json_t *args,
			   const struct enf_ctl_peer *peer, const char *verb)
{
	struct enf_rule_error err;
	struct enf_ruleset *rs = NULL;
	char dberr[PDB_ERR_LEN];
	uint32_t id = arg_rule_id(args);
	bool enable = !strcmp(verb, "enable");
	size_t files, fromdb, loaded;
	int ret;

	if (!id)
		return enf_ctl_err("rule.%s needs an \"id\" from 1 to "
				   "4294967295",
				   verb);
	ret = pdb_rule_get(d->ctl_db, id, row_exists, NULL, dberr);
	if (ret == -ENOENT)
		return enf_ctl_err("rule %u is not a rule of the database "
				   "(rules of the rules directory change with "
				   "their files)",
				   id);
	if (ret)
		return enf_ctl_err("rule %u: %s", id, dberr);
	ret = enf_daemon_build_rules_as_if(&d->cfg, d->ctl_db, id, enable, &rs,
					   &files, &fromdb, &err);
	if (ret)
		return rule_error_reply(&err, ret);
	if (!strcmp(verb, "delete"))
		ret = pdb_rule_delete(d->ctl_db, id, dberr);
	else
		ret = pdb_rule_set_enabled(d->ctl_db, id, enable, dberr);
	if (ret) {
		enf_ruleset_free(rs);
		return enf_ctl_err("rule %u: %s", id, dberr);
	}
	loaded = enf_ruleset_count(rs);
	ret = publish_rules(d, rs, files, fromdb);
	if (ret == -EBUSY)
		enf_ruleset_free(rs);
	if (ret == -ETIMEDOUT)
		return enf_ctl_err(
			"rule %u %sd in the database; the daemon has "
			"not activated the new set yet",
			id, verb);
	if (ret)
		return enf_ctl_err("rule %u %sd in the database; activating "
				   "the new set failed: %s; it loads on the "
				   "next reload",
				   id, verb, strerror(-ret));
	pr_info("control: uid %u: rule %u %sd; %zu active", (unsigned)peer->uid,
		id, verb, loaded);
	return enf_ctl_ok(json_pack("{s:I,s:I}", "id", (json_int_t)id, "loaded",
				    (json_int_t)loaded));
}

static json_t *cmd_rule_enable(void *ctx, const json_t *args,
			       const struct enf_ctl_peer *peer)
{
	return rule_change(ctx, args, peer, "enable");
}

static json_t *cmd_rule_disable(void *ctx, const json_t *args,
				const struct enf_ctl_peer *peer)
{
	return rule_change(ctx, args, peer, "disable");
}

static json_t *cmd_rule_delete(void *ctx, const json_t *args,
			       const struct enf_ctl_peer *peer)
{
	return rule_change(ctx, args, peer, "delete");
}

/* The deny entry a blocklist row names, parsed back from its key. */
struct block_list_ctx {
	struct enf_daemon *d;
	json_t *entries;
	size_t left; /* entries the reply may still take */
	bool truncated;
};

static int block_entry(const struct pdb_block *b, void *arg)
{
	struct block_list_ctx *c = arg;
	struct enf_entry e;
	char created[32], err[128];
	struct tm tm;
	time_t t = (time_t)b->created;
	bool enforced;

	if (c->left == 0) {
		c->truncated = true;
		return 1;
	}
	c->left--;
	enforced = enf_entry_parse(b->kind, b->key, &e, err, sizeof(err)) ==
			   0 &&
		   enf_entry_lookup(c->d, &e) == 0;
	gmtime_r(&t, &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_array_append_new(
		c->entries,
		json_pack("{s:s,s:s,s:I,s:s?,s:s,s:I,s:s?,s:s,s:b,s:s?}",
			  "kind", b->kind, "key", b->key, "rule_id",
			  (json_int_t)b->rule_id, "reason", b->reason,
			  "created", created, "expires", (json_int_t)b->expires,
			  "point", b->point, "state", b->state, "enforced",
			  enforced, "cgroup", b->cgroup));
	return 0;
}

static json_t *cmd_block_list(void *ctx, const json_t *args,
			      const struct enf_ctl_peer *peer)
{
	struct block_list_ctx c = { .d = ctx,
				    .entries = json_array(),
				    .left = BLOCK_LIST_MAX };
	char err[PDB_ERR_LEN];

	(void)args;
	(void)peer;
	if (!c.entries)
		return NULL;
	if (pdb_block_foreach(c.d->ctl_db, false, block_entry, &c, err) < 0) {
		json_decref(c.entries);
		return enf_ctl_err("blocklist: %s", err);
	}
	return enf_ctl_ok(json_pack("{s:o,s:b}", "entries", c.entries,
				    "truncated", c.truncated));
}

/* Parses args {"kind", "key"} into @e; NULL, or the error reply. */
static json_t *block_args(const json_t *args, struct enf_entry *e, char *key,
			  size_t keylen)
{
	const char *kind = json_string_value(json_object_get(args, "kind"));
	const char *text = json_string_value(json_object_get(args, "key"));
	char err[256];

	if (!kind || !text)
		return enf_ctl_err("needs \"kind\" (src, cidr, flow, egress) "
				   "and \"key\"");
	if (enf_entry_parse(kind, text, e, err, sizeof(err)))
		return enf_ctl_err("%s", err);
	if (enf_entry_format(e, key, keylen))
		return enf_ctl_err("cannot write the entry back as text");
	return NULL;
}

/* An audit row for what an operator did to the blocklist. */
static void audit_block(struct enf_daemon *d, const struct enf_ctl_peer *peer,
			const char *action, const char *kind, const char *key)
{
	char msg[256];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(msg, sizeof(msg), "%s %s by uid %u", kind, key,
		 (unsigned)peer->uid);
	struct pdb_audit a = {
		.time_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec,
		.event = "block",
		.msg = msg,
		.severity = -1,
		.action = action,
		.pid = (uint32_t)peer->pid,
		.tgid = (uint32_t)peer->pid,
		.uid = (uint32_t)peer->uid,
		.excerpt = key,
	};
	enf_daemon_audit(d, d->ctl_db, &a);
}

/* The allowlist prefix @d would deny an address of (a source, a flow's
 * peer, a prefix that overlaps it), or NULL. */
static const struct enf_cidr *allowlisted(const struct enf_daemon *d,
					  const struct enf_deny *deny)
{
	struct enf_cidr c = { .family = deny->family,
			      .prefixlen = deny->prefixlen };

	if (deny->kind == ENF_DENY_FLOW)
		return enf_cidr_find(
			d->allow, d->n_allow,
			deny->flow.family == ENF_FAMILY_V4 ? AF_INET : AF_INET6,
			deny->flow.saddr);
	if (deny->kind == ENF_DENY_SRC)
		return enf_cidr_find(d->allow, d->n_allow, deny->family,
				     deny->addr);
	memcpy(c.addr, deny->addr, sizeof(c.addr));
	for (size_t i = 0; i < d->n_allow; i++) {
		if (enf_cidr_overlap(&d->allow[i], &c))
			return &d->allow[i];
	}
	return NULL;
}

static json_t *cmd_block_add(void *ctx, const json_t *args,
			     const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	const struct enf_cidr *allowed;
	char text[ENF_CIDR_TEXT_MAX];
	char key[ENF_DENY_TEXT_MAX], dberr[PDB_ERR_LEN], reason[256];
	const char *why = json_string_value(json_object_get(args, "reason"));
	const json_t *jttl = json_object_get(args, "ttl");
	json_int_t ttl = json_integer_value(jttl);
	struct enf_deny_result res;
	struct enf_entry e;
	struct enf_deny deny;
	json_t *bad;
	int ret;

	bad = block_args(args, &e, key, sizeof(key));
	if (bad)
		return bad;
	if (e.egress)
		return enf_ctl_err("block add takes src, cidr or flow: egress "
				   "entries come from enforce:egress verdicts "
				   "(block list shows them, block del lifts "
				   "them)");
	deny = e.deny;
	if (jttl &&
	    (!json_is_integer(jttl) || ttl < 0 || ttl > ENF_RULE_TTL_MAX))
		return enf_ctl_err("ttl: seconds from 0 to %u (0: no expiry)",
				   ENF_RULE_TTL_MAX);
	allowed = allowlisted(d, &deny);
	if (allowed) {
		enf_cidr_format(allowed, text, sizeof(text));
		return enf_ctl_err("%s %s: in the allowlist (%s), never "
				   "denied; change allowlist in the "
				   "configuration first",
				   enf_deny_kind_name(deny.kind), key, text);
	}
	ret = enf_writer_add(d->writer, &e, 0, &res);
	if (ret)
		return enf_ctl_err("deny %s %s: %s",
				   enf_deny_kind_name(deny.kind), key,
				   ret == -E2BIG ? "the host map is full" :
						   strerror(-ret));
	snprintf(reason, sizeof(reason), "%.200s", why ? why : "manual block");
	struct pdb_block b = {
		.kind = enf_deny_kind_name(deny.kind),
		.key = key,
		.reason = reason,
		.created = time(NULL),
		.point = res.n_nic ? "nic" : "host",
		.state = "active",
	};
	b.expires = ttl ? b.created + (int64_t)ttl : 0;
	if (pdb_block_upsert(d->ctl_db, &b, dberr))
		return enf_ctl_err("denied in the kernel, but not recorded: %s",
				   dberr);
	audit_block(d, peer, "block:add", b.kind, key);
	pr_info("control: uid %u denied %s %s (nic %u, spilled %u)",
		(unsigned)peer->uid, b.kind, key, res.n_nic, res.n_spill);
	return enf_ctl_ok(json_pack("{s:s,s:s,s:b,s:i,s:i,s:I,s:I}", "kind",
				    b.kind, "key", key, "host", res.host, "nic",
				    (int)res.n_nic, "spilled", (int)res.n_spill,
				    "ttl", ttl, "expires",
				    (json_int_t)b.expires));
}

static json_t *cmd_block_verify(void *ctx, const json_t *args,
				const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	char err[256];
	json_t *r;

	(void)args;
	(void)peer;
	r = enf_daemon_reconcile(d, d->ctl_db, false, err, sizeof(err));
	if (!r)
		return enf_ctl_err("verify: %s", err);
	return enf_ctl_ok(r);
}

static json_t *cmd_block_del(void *ctx, const json_t *args,
			     const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	char key[ENF_DENY_TEXT_MAX], dberr[PDB_ERR_LEN];
	struct enf_entry e;
	json_t *bad;
	int ret;

	bad = block_args(args, &e, key, sizeof(key));
	if (bad)
		return bad;
	/* -ENODEV: an egress entry where egress is not enforced: nothing
	 * in the kernel to remove */
	ret = enf_entry_del(d, &e);
	if (ret && ret != -ENOENT && ret != -ENODEV)
		return enf_ctl_err("remove %s %s: %s", enf_entry_kind(&e), key,
				   strerror(-ret));
	struct pdb_block b = {
		.kind = enf_entry_kind(&e),
		.key = key,
		.reason = "removed",
		.created = time(NULL),
		.state = "removed",
	};
	if (pdb_block_upsert(d->ctl_db, &b, dberr))
		return enf_ctl_err("removed from the kernel, but not recorded: "
				   "%s",
				   dberr);
	if (ret)
		return enf_ctl_err("%s %s is not denied", b.kind, key);
	audit_block(d, peer, "block:del", b.kind, key);
	pr_info("control: uid %u removed %s %s", (unsigned)peer->uid, b.kind,
		key);
	return enf_ctl_ok(json_pack("{s:s,s:s}", "kind", b.kind, "key", key));
}

struct query_ctx {
	json_t *columns;
	json_t *rows;
};

static int query_row(void *arg, int ncols, const char *const *names,
		     const char *const *values)
{
	struct query_ctx *q = arg;
	json_t *row;

	if (!values) {
		for (int i = 0; i < ncols; i++)
			json_array_append_new(q->columns,
					      json_string(names[i] ? names[i] :
								     ""));
		return 0;
	}
	row = json_array();
	if (!row)
		return -ENOMEM;
	for (int i = 0; i < ncols; i++) {
		/* Values are text from SQLite; invalid UTF-8 cannot be a JSON
		 * string, so such bytes are shown as '?'. */
		json_t *v = values[i] ? json_string(values[i]) : json_null();

		if (!v && values[i]) {
			char *copy = strdup(values[i]);

			for (char *p = copy; p && *p; p++) {
				if ((unsigned char)*p >= 0x80)
					*p = '?';
			}
			v = copy ? json_string(copy) : NULL;
			free(copy);
		}
		json_array_append_new(row, v ? v : json_null());
	}
	json_array_append_new(q->rows, row);
	return 0;
}

static json_t *cmd_audit_query(void *ctx, const json_t *args,
			       const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	struct query_ctx q = { json_array(), json_array() };
	const json_t *jmax = json_object_get(args, "max_rows");
	size_t max_rows = PDB_QUERY_MAX_ROWS;
	char err[PDB_ERR_LEN];
	bool truncated = false;
	const char *sql;
	int ret;

	sql = json_string_value(json_object_get(args, "sql"));
	if (!sql || !q.columns || !q.rows) {
		json_decref(q.columns);
		json_decref(q.rows);
		return sql ? NULL : enf_ctl_err("audit.query needs \"sql\"");
	}
	if (json_is_integer(jmax) && json_integer_value(jmax) > 0)
		max_rows = (size_t)json_integer_value(jmax);
	/* a query sees every row submitted before it, not only those whose
	 * batch came due */
	enf_auditw_sync(d->auditw);
	ret = pdb_query_readonly(d->cfg.database, sql, max_rows, query_row, &q,
				 &truncated, err);
	if (ret < 0) {
		pr_info("control: uid %u: query refused: %s",
			(unsigned)peer->uid, err);
		json_decref(q.columns);
		json_decref(q.rows);
		return enf_ctl_err("%s", err);
	}
	return enf_ctl_ok(json_pack("{s:o,s:o,s:b}", "columns", q.columns,
				    "rows", q.rows, "truncated", truncated));
}

/* Breaks listed in a reply, at most; the count is always whole. */
#define VERIFY_BREAKS_MAX 100

static int verify_break(void *ctx, int64_t id, const char *what)
{
	json_t *breaks = ctx;

	if (json_array_size(breaks) < VERIFY_BREAKS_MAX)
		json_array_append_new(breaks,
				      json_pack("{s:I,s:s}", "id",
						(json_int_t)id, "what", what));
	return 0;
}

/* audit.verify: the audit chain, checked from a read-only handle while the
 * writer goes on; the rows it adds meanwhile are not seen. */
static json_t *cmd_audit_verify(void *ctx, const json_t *args,
				const struct enf_ctl_peer *peer)
{
	struct enf_daemon *d = ctx;
	struct pdb_audit_verify v;
	json_t *breaks = json_array();
	char err[PDB_ERR_LEN];
	int ret;

	(void)args;
	(void)peer;
	if (!breaks)
		return NULL;
	/* what was submitted before the request is part of the check */
	enf_auditw_sync(d->auditw);
	ret = pdb_audit_verify(d->cfg.database, verify_break, breaks, &v, err);
	if (ret) {
		json_decref(breaks);
		return enf_ctl_err("%s", err);
	}
	return enf_ctl_ok(json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:o}", "rows",
		(json_int_t)v.rows, "first_id", (json_int_t)v.first_id,
		"last_id", (json_int_t)v.last_id, "anchor_id",
		(json_int_t)v.anchor_id, "head_id", (json_int_t)v.head_id,
		"problems", (json_int_t)v.problems, "first_bad_id",
		(json_int_t)v.first_bad_id, "last_good_id",
		(json_int_t)v.last_good_id, "first_problem", v.first_problem,
		"breaks", breaks));
}

#ifdef ENF_TEST_HOOKS
/*
 * debug.exec (test builds only, ENF_TEST_HOOKS): the control thread runs
 * execve("/bin/true"), which the sandbox must refuse. Refused, it answers
 * with the errno; with the sandbox off, the daemon becomes /bin/true and
 * exits 0, which is what the test would see if the filter let it through.
 */
static json_t *cmd_debug_exec(void *ctx, const json_t *args,
			      const struct enf_ctl_peer *peer)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	int err;

	(void)ctx;
	(void)args;
	pr_warn("control: uid %u asked for debug.exec (a test build)",
		(unsigned)peer->uid);
	execve("/bin/true", argv, envp);
	err = errno;
	return enf_ctl_ok(
		json_pack("{s:i,s:s}", "errno", err, "error", strerror(err)));
}
#endif

static const struct enf_ctl_command commands[] = {
	/* clang-format off */
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "reload", cmd_reload },
	{ "rule.add", cmd_rule_add },
	{ "rule.list", cmd_rule_list },
	{ "rule.show", cmd_rule_show },
	{ "rule.enable", cmd_rule_enable },
	{ "rule.disable", cmd_rule_disable },
	{ "rule.delete", cmd_rule_delete },
	{ "block.add", cmd_block_add },
	{ "block.verify", cmd_block_verify },
	{ "block.del", cmd_block_del },
	{ "block.list", cmd_block_list },
	{ "audit.query", cmd_audit_query },
	{ "audit.verify", cmd_audit_verify },
#ifdef ENF_TEST_HOOKS
	{ "debug.exec", cmd_debug_exec },
#endif
	/* clang-format on */
};

int enf_commands_start(struct enf_daemon *d)
{
	const struct enf_ctl_server_opts opts = {
		.path = d->cfg.control_socket,
		.group = d->cfg.control_group,
		.cmds = commands,
		.n_cmds = sizeof(commands) / sizeof(commands[0]),
		.ctx = d,
		.wake_fd = d->hup_fd,
		.on_wake = on_hup,
	};

	return enf_ctl_server_start(&opts, &d->ctl);
}
