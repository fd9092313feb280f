/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verdicts: what happens when a rule matches a request. Every match that
 * logs leaves an audit row; a rule that denies puts what its enforce: (or
 * the configured default of its deny, drop or block) names into the XDP
 * deny maps and the blocklist of the policy database: the peer's address,
 * the request's 5-tuple, or the peer's prefix.
 */
#ifndef ENFORCER_VERDICT_H
#define ENFORCER_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "enforcer/common/cidr.h"
#include "enforcer/request.h"
#include "rules/rules.h"

struct enf_dp;
struct pdb;

/**
 * struct enf_verdict_stats - counters, read from any thread
 * @verdicts: matches handled
 * @denied: deny entries (src, flow, cidr) written into the deny maps
 * @audited: audit rows written
 * @unenforceable: denies that could not be enforced (no flow known)
 * @map_errors: deny map writes that failed
 * @db_errors: database writes that failed
 * @shadowed: denies of shadow rules (or of every rule in shadow mode),
 *	audited and not done
 * @killed: processes killed (enforce:kill)
 * @kill_errors: kills refused or failed: the process gone, its pid reused
 *	(another executable now), pid 1 or enforcerd itself
 * @resets: TCP sockets destroyed (enforce:reset)
 * @reset_errors: resets that failed: the connection already gone
 *	(ENOENT), its 5-tuple taken by another socket (ESTALE), not TCP
 * @suppressed: denying verdicts against an allowlisted peer: audited with
 *	"(suppressed)", nothing done against the peer
 * @pending: matches of rules with after:N/T counted and not (yet)
 *	enforced: audited as "count(K/N)"
 * @escalated: matches that reached their rule's N within T and were
 *	enforced
 * @not_enforced: enforce:egress asked for by a denying rule (or a
 *	configured default) and not done: egress is not enforced here
 *	(egress_cgroup = none, or its programs could not be set up:
 *	enf_verdict_set_egress() not called); audited "egress(not enforced)"
 */
struct enf_verdict_stats {
	uint64_t verdicts;
	uint64_t denied;
	uint64_t audited;
	uint64_t unenforceable;
	uint64_t map_errors;
	uint64_t db_errors;
	uint64_t shadowed;
	uint64_t killed;
	uint64_t kill_errors;
	uint64_t resets;
	uint64_t reset_errors;
	uint64_t suppressed;
	uint64_t pending;
	uint64_t escalated;
	uint64_t not_enforced;
};

/*
 * The latency of enforced verdicts: from the capture of the request (the
 * uprobe's CLOCK_MONOTONIC time, enf_req_origin @ts_ns) to the verdict's
 * first kind done (its deny entry written into the maps, the socket
 * reset, the process killed), before the blocklist and audit rows are
 * written. Counted in buckets by upper
 * bound, as a Prometheus histogram (le="..."): bucket i holds the
 * verdicts of at most ENF_VERDICT_LAT_BOUNDS_US[i] us and more than the
 * bound before it; the last bucket everything above (+Inf).
 */
#define ENF_VERDICT_LAT_BOUNDS_US                                          \
	{                                                                  \
		10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, \
			100000, 1000000                                    \
	}
#define ENF_VERDICT_LAT_BUCKETS 14 /* the bounds and +Inf */

/**
 * struct enf_verdict_latency - latency histogram (see above)
 * @bucket: verdicts per bucket (not cumulative)
 * @count: verdicts counted (the sum of @bucket)
 * @sum_ns: their latencies summed
 * @max_ns: the largest one
 */
struct enf_verdict_latency {
	uint64_t bucket[ENF_VERDICT_LAT_BUCKETS];
	uint64_t count;
	uint64_t sum_ns;
	uint64_t max_ns;
};

struct enf_verdict;

/**
 * enf_verdict_new() - the verdict stage
 * @w: the map writer, which writes the deny and egress entries; not
 *	owned; NULL: they fail (ENODEV)
 * @db: where blocklist and audit rows go; not owned, used only from the
 *	thread that calls enf_verdict_apply()
 * Return: 0 or -ENOMEM.
 */
struct enf_writer;
int enf_verdict_new(struct enf_writer *w, struct pdb *db,
		    struct enf_verdict **out);
/* Finishes what is staged (enf_verdict_flush()) and frees; NULL is ok. */
void enf_verdict_free(struct enf_verdict *v);

/**
 * enf_verdict_set_deferred() - finish verdicts in batches
 * @deferred: false (the default): enf_verdict_apply() finishes each
 *	verdict before it returns. true: it stages the verdict (its deny
 *	entries queued for the map writer, its socket reset and its process
 *	killed at once) and returns; enf_verdict_flush() finishes the staged
 *	ones (blocklist and audit rows, once their writes are done), and so
 *	does enf_verdict_apply() itself once VERDICT_PENDING_MAX wait. The
 *	writer coalesces entries queued together: many verdicts on one
 *	entry in one batch make one write.
 * enforcerd's event thread defers, and flushes after each read of the
 * capture's ring buffer. Turning it off flushes.
 */
void enf_verdict_set_deferred(struct enf_verdict *v, bool deferred);

/* Finishes every staged verdict, in order. Return: 0, or the first
 * error of one (as enf_verdict_apply() returns it). */
int enf_verdict_flush(struct enf_verdict *v);

/**
 * enf_verdict_set_egress() - where enforce:egress entries go
 * @egress: the egress data plane (not owned); NULL: egress is not
 *	enforced, audited "egress(not enforced)" (the default)
 * Call before enf_verdict_apply() runs on any thread.
 */
struct enf_egress;
void enf_verdict_set_egress(struct enf_verdict *v, struct enf_egress *egress);

/**
 * enf_verdict_set_audit() - where audit rows go
 * @aw: the audit writer (not owned): rows are handed to it and written in
 *	its batches; NULL: each row is inserted into the verdict's database
 *	at once (the default)
 * Call before enf_verdict_apply() runs on any thread.
 */
struct enf_auditw;
void enf_verdict_set_audit(struct enf_verdict *v, struct enf_auditw *aw);

/* @all: every rule is a shadow rule (rules_mode = shadow): what a match
 * would do is audited, with the action "shadow:...", and not done. A rule
 * with ENF_ACT_SHADOW is one in any case. */
void enf_verdict_set_shadow(struct enf_verdict *v, bool all);

/**
 * enf_verdict_set_enforce() - what deny, drop and block enforce in a rule
 * that names no enforce: (the configuration's deny_action, drop_action
 * and block_action); src for each until called. A default of no kind
 * (none) audits "deny:none" and enforces nothing.
 */
void enf_verdict_set_enforce(struct enf_verdict *v,
			     const struct enf_enforce *deny,
			     const struct enf_enforce *drop,
			     const struct enf_enforce *block);

/**
 * enf_verdict_set_allowlist() - peers never denied
 * @list: prefixes (copied; at most ENF_ALLOW_MAX are kept)
 * @n: entries in @list
 * A denying verdict whose peer (the flow's source) one of them holds does
 * nothing against it: src, flow, cidr, reset and egress are audited with
 * "(suppressed)" and counted once as suppressed. kill still acts: it is
 * against the local process, not the peer. Call before enf_verdict_apply()
 * runs on any thread. Empty until called.
 */
void enf_verdict_set_allowlist(struct enf_verdict *v,
			       const struct enf_cidr *list, size_t n);

/**
 * enf_verdict_effective() - what a match of @r enforces
 * @v: the stage, with its defaults (enf_verdict_set_enforce())
 * @r: the rule
 * @from: if not NULL, set to where the answer comes from: "rule" (its
 *	enforce:), "deny_action", "drop_action" or "block_action" (the
 *	default of the first of deny, drop, block the rule has); NULL with a
 *	NULL return
 * Return: the enforce kinds enf_verdict_apply() acts on for @r, or NULL
 * for a rule with none of deny, drop and block (pass, log).
 */
const struct enf_enforce *enf_verdict_effective(const struct enf_verdict *v,
						const struct enf_rule_info *r,
						const char **from);

/**
 * enf_verdict_apply() - act on one rule that matched one request
 * @v: the stage
 * @req: the request, with its origin
 * @m: the match
 *
 * deny, drop and block enforce the rule's enforce: kinds, or without them
 * the configured default of the first of deny, drop, block the rule has
 * (enf_verdict_set_enforce()): src denies the peer's address (the flow's
 * source), flow the request's 5-tuple (peer first, as packets arrive),
 * cidr the peer's prefix (cidr4 or cidr6 bits, host bits zeroed); each in
 * XDP (NIC first where one enforces) with a blocklist row whose expires is
 * its creation plus the rule's ttl (0 without one; lifting expired entries
 * is the sweeper's, not this function's); reset destroys the flow's TCP
 * socket in its process's network namespace (enf_reset_flow(): only the
 * socket the capture saw, by its cookie); kill SIGKILLs the process that
 * sent or received the request (enf_kill_origin(): never one whose pid
 * was reused), its command line kept in the audit row; egress denies the
 * connect()s of the process's cgroup to the peer (enf_egress_add()): to
 * its address and port for a request the process sent, to its address
 * on every port for one it received, with a blocklist row of kind egress
 * ("(no cgroup)" when the capture knew none; "(not enforced)" without
 * enf_verdict_set_egress()). The audit
 * row's action lists every kind: "deny:src+flow+cidr/24+reset+kill", a
 * kind not done with why: "(no flow)", "(no process)",
 * "(failed:ENOSPC)", "(suppressed)" (allowlisted peer), "(no cgroup)",
 * "(not enforced)"; "deny:none" for a default of none.
 * A rule with after:N/T enforces only the N-th match from one source
 * (the peer's address; without a flow, the process) within T seconds;
 * the matches before it are audited "count(K/N)" and do nothing, and the
 * count starts again after the N-th.
 * pass and log only audit; nolog writes no audit row. A shadow rule (or every rule, enf_verdict_set_shadow()) audits
 * "shadow:" and the same text, and writes no deny entry and no blocklist
 * row. Failures are logged, counted and audited; they never stop the
 * pipeline.
 * Return: 0, or a negative errno when an entry could not be written
 * (-ENOTCONN: no flow to deny); when deferred, what staging found (no
 * flow, a reset or kill that failed), the entries' outcomes coming with
 * enf_verdict_flush().
 */
int enf_verdict_apply(struct enf_verdict *v, const struct enf_request *req,
		      const struct enf_rule_match *m);

void enf_verdict_get_stats(const struct enf_verdict *v,
			   struct enf_verdict_stats *out);

/* The latency histogram of verdicts that enforced something (not shadow,
 * not a count(K/N), not all suppressed or failed), read from any thread. */
void enf_verdict_get_latency(const struct enf_verdict *v,
			     struct enf_verdict_latency *out);

/* Text of an address in an enf_tuple: "192.0.2.1" or "2001:db8::1". */
void enf_tuple_addr_str(const struct enf_tuple *t, const uint8_t *addr,
			char *buf, size_t len);

#endif /* ENFORCER_VERDICT_H */
