/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The baseline of bench/rules: the rules of a set run one by one, as
 * ModSecurity runs them. For each request, for each rule, for each value
 * the rule targets, the rule's transformations are applied to a copy of the
 * value (enforcer's own enf_tfn_run(), so only the matching strategy
 * differs from enforcer's) and the rule's pattern runs on it with PCRE2 and
 * its JIT. A rule stops at its first matching value.
 *
 * The rules are read back from the built set's rule texts
 * (enf_rule_info.text, and each chain link's) by a small reader of its
 * own: SecRule, variables joined by '|' with ':name' selectors, the
 * operators @rx, @pm (its phrases as one caseless alternation), @streq,
 * @contains, @beginsWith, @endsWith and @within, '!' negation, t: actions
 * and chains (a chain fires when each of its rules fires on some value;
 * the links after a failing one are not run, as in ModSecurity). The
 * process and flow variables (DIRECTION, PROCESS_EXE, ...) have no value
 * in a request without an origin, as in the corpus; obo_match() refuses a
 * request with one. Anything else (exclusions, counts, regular-expression
 * selectors, other operators and variables, a phase:1 rule reading the
 * body's values) is refused with the rule's id, not guessed at.
 */
#ifndef ENFORCER_BENCH_RULES_ONEBYONE_H
#define ENFORCER_BENCH_RULES_ONEBYONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"
#include "rules/rules.h"

/**
 * struct obo_opts - what some variables read, as the engine reads them
 * @uri_decoded: REQUEST_URI is the decoded target (ModSecurity v3's), not
 *	the target as received
 * @filename_decoded: REQUEST_FILENAME is the decoded path
 */
struct obo_opts {
	bool uri_decoded;
	bool filename_decoded;
};

struct obo;

/**
 * obo_new() - the rules of @rs, ready to run one by one
 * @rs: a built set
 * @opts: see struct obo_opts
 * @out: the baseline
 * @err: on failure, why (the rule's id and the construct)
 * @err_len: bytes of @err
 * Return: 0, -ENOMEM, -EINVAL (a pattern PCRE2 refuses) or -EOPNOTSUPP (a
 * construct this reader does not take).
 */
int obo_new(const struct enf_ruleset *rs, const struct obo_opts *opts,
	    struct obo **out, char *err, size_t err_len);

/**
 * obo_match() - run every rule on @req
 * @o: the baseline
 * @req: the request
 * @ids: when not NULL, the ids of the matching rules, in rule order
 * @cap: entries @ids holds
 * Return: the number of matching rules, or a negative errno.
 */
int obo_match(struct obo *o, const struct enf_request *req, uint32_t *ids,
	      size_t cap);

/* Rules it holds; values PCRE2 gave up on (a limit hit) since obo_new(). */
size_t obo_count(const struct obo *o);
uint64_t obo_limit_hits(const struct obo *o);

/* Rules whose pattern runs without the JIT (its compile failed). */
size_t obo_no_jit(const struct obo *o);

void obo_free(struct obo *o);

#endif /* ENFORCER_BENCH_RULES_ONEBYONE_H */
