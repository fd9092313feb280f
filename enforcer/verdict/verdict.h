/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Verdicts: what happens when a rule matches a request. Every match that
 * logs leaves an audit row; a rule that denies puts the peer's address into
 * the XDP deny map and the blocklist of the policy database.
 */
#ifndef ENFORCER_VERDICT_H
#define ENFORCER_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "enforcer/request.h"
#include "rules/rules.h"

struct enf_dp;
struct pdb;

/**
 * struct enf_verdict_stats - counters, read from any thread
 * @verdicts: matches handled
 * @denied: source addresses written into the deny maps
 * @audited: audit rows written
 * @unenforceable: denies that could not be enforced (no flow known)
 * @map_errors: deny map writes that failed
 * @db_errors: database writes that failed
 * @shadowed: denies of shadow rules (or of every rule in shadow mode),
 *	audited and not done
 */
struct enf_verdict_stats {
	uint64_t verdicts;
	uint64_t denied;
	uint64_t audited;
	uint64_t unenforceable;
	uint64_t map_errors;
	uint64_t db_errors;
	uint64_t shadowed;
};

struct enf_verdict;

/**
 * enf_verdict_new() - the verdict stage
 * @dp: where deny entries go; not owned
 * @db: where blocklist and audit rows go; not owned, used only from the
 *	thread that calls enf_verdict_apply()
 * Return: 0 or -ENOMEM.
 */
int enf_verdict_new(struct enf_dp *dp, struct pdb *db,
		    struct enf_verdict **out);
void enf_verdict_free(struct enf_verdict *v); /* accepts NULL */

/* @all: every rule is a shadow rule (rules_mode = shadow): what a match
 * would do is audited, with the action "shadow:...", and not done. A rule
 * with ENF_ACT_SHADOW is one in any case. */
void enf_verdict_set_shadow(struct enf_verdict *v, bool all);

/**
 * enf_verdict_apply() - act on one rule that matched one request
 * @v: the stage
 * @req: the request, with its origin
 * @m: the match
 *
 * deny, drop and block deny the request's peer address (the flow's source)
 * in XDP, record it in the blocklist and audit the match with the action
 * taken; pass and log only audit; nolog writes no audit row. A shadow rule
 * (enf_verdict_set_shadow()) audits "shadow:deny:src" and denies nothing. Failures are
 * logged, counted and audited; they never stop the pipeline.
 * Return: 0, or a negative errno when the action could not be completed.
 */
int enf_verdict_apply(struct enf_verdict *v, const struct enf_request *req,
		      const struct enf_rule_match *m);

void enf_verdict_get_stats(const struct enf_verdict *v,
			   struct enf_verdict_stats *out);

/* Text of an address in an enf_tuple: "192.0.2.1" or "2001:db8::1". */
void enf_tuple_addr_str(const struct enf_tuple *t, const uint8_t *addr,
			char *buf, size_t len);

#endif /* ENFORCER_VERDICT_H */
