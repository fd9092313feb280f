/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule engine: a SecLang subset parsed into rules, compiled into one
 * Hyperscan database (PCRE2 for patterns Hyperscan refuses), matched against
 * struct enf_request. A library: it never logs and never exits; errors come
 * back in struct enf_rule_error.
 */
#ifndef ENFORCER_RULES_H
#define ENFORCER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

/* Limits on what a rule source may make the engine allocate. */
#define ENF_RULES_MAX 10000 /* rules in one set */
#define ENF_RULE_TEXT_MAX 65536 /* bytes of one rule, continuations joined */
#define ENF_RULE_MSG_MAX 512 /* bytes of msg:'...', and of msg expanded */
/* bytes of logdata:'...' as written, and of logdata expanded (as
 * ModSecurity cuts it); a longer expansion is cut and ends in "..." */
#define ENF_RULE_LOGDATA_MAX 512

/**
 * struct enf_rule_error - where and why a rule source was refused
 * @origin: file name, or what the caller passed as origin ("<rule add>")
 * @line: 1-based line of the offending construct, 0 when not tied to a line
 * @column: 1-based column, 0 when not tied to a column
 * @msg: the reason, naming the construct ("unknown variable 'FOO'")
 */
struct enf_rule_error {
	char origin[256];
	unsigned int line;
	unsigned int column;
	char msg[512];
};

/* What a rule asks for on a match (enf_rule_info.actions bits). */
#define ENF_ACT_DENY (1u << 0)
#define ENF_ACT_DROP (1u << 1)
#define ENF_ACT_BLOCK (1u << 2)
#define ENF_ACT_PASS (1u << 3)
#define ENF_ACT_LOG (1u << 4)
#define ENF_ACT_NOLOG (1u << 5)
/* mode:shadow, or a shadow rule of the database: what the rule would do is
 * audited as shadow and not done */
#define ENF_ACT_SHADOW (1u << 6)

/*
 * What a match enforces (struct enf_enforce.kinds bits): enforce:src,
 * enforce:flow, enforce:cidr/N (and cidr6/M), enforce:reset, enforce:kill,
 * enforce:egress. The daemon's verdict stage does what they say; see
 * enforcer.rules(5) for which it enforces today.
 */
#define ENF_ENF_SRC (1u << 0) /* the peer's address */
#define ENF_ENF_FLOW (1u << 1) /* the request's 5-tuple, peer first */
#define ENF_ENF_CIDR (1u << 2) /* the peer's prefix */
#define ENF_ENF_RESET (1u << 3) /* the TCP connection reset */
#define ENF_ENF_KILL (1u << 4) /* the process killed */
#define ENF_ENF_EGRESS (1u << 5) /* the process's cgroup kept from the peer */
#define ENF_ENF_ALL                                                  \
	(ENF_ENF_SRC | ENF_ENF_FLOW | ENF_ENF_CIDR | ENF_ENF_RESET | \
	 ENF_ENF_KILL | ENF_ENF_EGRESS)

/* The prefix an IPv6 peer gets under enforce:cidr/N without cidr6/M. */
#define ENF_ENFORCE_CIDR6_DEFAULT 64
/* ttl:SECONDS at most (a year); 0 or absent: no expiry. */
#define ENF_RULE_TTL_MAX 31536000u
/* after:N/T: N from 2 to ENF_RULE_AFTER_N_MAX matches, T from 1 to
 * ENF_RULE_AFTER_T_MAX seconds. */
#define ENF_RULE_AFTER_N_MAX 100u
#define ENF_RULE_AFTER_T_MAX 86400u
/* Bytes enf_enforce_format() needs at most, NUL included. */
#define ENF_ENFORCE_TEXT_MAX 64

/**
 * struct enf_enforce - what a disruptive match enforces
 * @kinds: ENF_ENF_* bits; 0: nothing given (a rule's deny, drop or block
 *	then enforces what the daemon's configuration says), or, in the
 *	configuration, none (audit only)
 * @cidr4: with ENF_ENF_CIDR, the IPv4 prefix length (1..32)
 * @cidr6: with ENF_ENF_CIDR, the IPv6 prefix length (1..128)
 */
struct enf_enforce {
	uint32_t kinds;
	uint8_t cidr4;
	uint8_t cidr6;
};

/**
 * enf_enforce_add() - add one enforcement word to @e
 * @e: what was added so far (zeroed to start)
 * @word: "src", "flow", "cidr/N", "cidr6/M", "reset", "kill" or "egress",
 *	case-insensitive, not NUL-terminated, no blanks around it
 * @len: bytes of @word
 * @msg: on failure, the reason naming @word
 * @msg_len: bytes of @msg
 *
 * The one grammar of a rule's enforce: values and of the configuration's
 * deny_action, drop_action and block_action. A word given twice is taken
 * once; two different prefixes of one family are refused. Call
 * enf_enforce_finish() after the last word.
 * Return: 0, or -EINVAL with @msg filled.
 */
int enf_enforce_add(struct enf_enforce *e, const char *word, size_t len,
		    char *msg, size_t msg_len);

/**
 * enf_enforce_finish() - check and complete @e after its last word
 * cidr6/M without cidr/N is refused (the IPv4 prefix is always written);
 * cidr/N without cidr6/M gives IPv6 peers ENF_ENFORCE_CIDR6_DEFAULT.
 * Return: 0, or -EINVAL with @msg filled.
 */
int enf_enforce_finish(struct enf_enforce *e, char *msg, size_t msg_len);

/**
 * enf_enforce_format() - @e as enf_enforce_add() reads it:
 * "src,flow,cidr/24,cidr6/64,reset,kill,egress" in that order, "none" for
 * no kind
 * @buf: ENF_ENFORCE_TEXT_MAX bytes are always enough
 * Return: the length written, or -ENOSPC (@buf then holds a cut string).
 */
int enf_enforce_format(const struct enf_enforce *e, char *buf, size_t len);

/* Severity, as ModSecurity numbers it (0 EMERGENCY .. 7 DEBUG); -1 unset. */

/**
 * struct enf_rule_info - a parsed rule, as callers see it
 * @id: the rule's id: action
 * @msg: msg: action, "" when absent
 * @severity: 0..7, -1 when absent
 * @actions: ENF_ACT_* bits
 * @text: the rule's source text, continuations joined
 * @origin: where it came from (file name or caller's origin)
 * @line: its first line in @origin
 * @engine: where its operator runs: "hyperscan" (@rx, @pm, @pmFromFile),
 *	"hyperscan+pcre2" (an @rx pattern Hyperscan refuses as written but
 *	takes as a prefilter: its hits are confirmed by PCRE2), "pcre2" (an
 *	@rx pattern Hyperscan refuses, even as a prefilter), "literal"
 *	(@contains, @streq, @beginsWith, @endsWith, @within), "ip" (@ipMatch),
 *	"numeric" (@eq, @gt, @lt, @ge, @le) or "unconditional" (a SecAction:
 *	no variables, no operator; it matches every request its phase sees
 *	that is inbound or has no origin, reported with an empty variable
 *	and value). For a builder's rules, the
 *	engine the rule is expected to land on ("pcre2" for both of the
 *	former); enf_rules_build() has the last word.
 * @why: for a rule of a built set, why it runs on @engine (Hyperscan's
 *	reason for refusing a pattern); NULL for a builder's rules
 * @enforce: the rule's enforce: actions; kinds 0 when it names none (its
 *	deny, drop or block enforces the configuration's default). enforce:
 *	without deny, drop or block implies deny (ENF_ACT_DENY is set).
 * @ttl: ttl:SECONDS, the life of the deny entries a match makes; 0: no
 *	expiry
 * @logdata: logdata: action as written (macros not expanded), "" when
 *	absent
 * @after_n: after:N/T, escalation: a match denies only when it is the
 *	N-th from its source within T seconds (counted by the daemon); 0:
 *	every match denies
 * @after_s: T, seconds (0 with @after_n 0)
 */
struct enf_rule_info {
	uint32_t id;
	const char *msg;
	int severity;
	uint32_t actions;
	const char *text;
	const char *origin;
	unsigned int line;
	const char *engine;
	const char *why;
	struct enf_enforce enforce;
	uint32_t ttl;
	const char *logdata;
	uint32_t after_n;
	uint32_t after_s;
};

struct enf_rules_builder;
struct enf_ruleset;
struct enf_rules_scratch;

/**
 * enf_rules_builder_new() - start collecting rule sources for a new set
 * Return: 0 or -ENOMEM.
 */
int enf_rules_builder_new(struct enf_rules_builder **out);

/**
 * enf_rules_builder_add_text() - parse rule text and add its rules
 * @b: builder
 * @text: SecLang text (one or more directives)
 * @len: bytes of @text
 * @origin: name used in errors and in enf_rule_info.origin
 * @err: filled on failure
 *
 * All or nothing: on error no rule from @text is added. A rule whose id is
 * already in the builder is an error.
 * Return: number of rules added (>= 0), or a negative errno (-EINVAL for a
 * syntax error, -EEXIST for a duplicate id, -E2BIG over a limit).
 */
int enf_rules_builder_add_text(struct enf_rules_builder *b, const char *text,
			       size_t len, const char *origin,
			       struct enf_rule_error *err);

/**
 * enf_rules_builder_add_file() - parse a .conf file and add its rules
 * Same contract as enf_rules_builder_add_text(); -errno when unreadable.
 * The file may Include others (relative to the including file's
 * directory, glob patterns in name order, 16 files open at once): all or
 * nothing across everything included; -ENOENT for an included file
 * missing or a pattern that matches none, -ELOOP for a cycle or too deep
 * a nesting. Text (enf_rules_builder_add_text()) cannot Include.
 */
int enf_rules_builder_add_file(struct enf_rules_builder *b, const char *path,
			       struct enf_rule_error *err);

/**
 * enf_rules_builder_add_dir() - add every *.conf in @dir, in name order
 * All or nothing across the directory and what its files Include. A
 * missing directory is -ENOENT.
 */
int enf_rules_builder_add_dir(struct enf_rules_builder *b, const char *dir,
			      struct enf_rule_error *err);

/**
 * enf_rules_build() - compile what the builder holds into a rule set
 * @b: builder; left intact, may be freed after
 * @out: the new set
 * @err: on failure names the rule (origin, line) and the pattern's error
 * Return: 0 or a negative errno.
 */
int enf_rules_build(const struct enf_rules_builder *b, struct enf_ruleset **out,
		    struct enf_rule_error *err);

/**
 * enf_rules_builder_add_text_mode() - enf_rules_builder_add_text(), and
 * with @shadow every rule added is a shadow rule (ENF_ACT_SHADOW), as
 * mode:shadow makes one: the daemon loads the database's shadow rules so
 */
int enf_rules_builder_add_text_mode(struct enf_rules_builder *b,
				    const char *text, size_t len,
				    const char *origin, bool shadow,
				    struct enf_rule_error *err);

/* Rules the builder holds so far, in the order added (the daemon reads back
 * the rules one enf_rules_builder_add_text() call added, to store them). */
size_t enf_rules_builder_count(const struct enf_rules_builder *b);
const struct enf_rule_info *
enf_rules_builder_rule(const struct enf_rules_builder *b, size_t i);

/* Destructors accept NULL. */
void enf_rules_builder_free(struct enf_rules_builder *b);
void enf_ruleset_free(struct enf_ruleset *rs);

size_t enf_ruleset_count(const struct enf_ruleset *rs);
const struct enf_rule_info *enf_ruleset_rule(const struct enf_ruleset *rs,
					     size_t i);

/*
 * enf_ruleset_reads_origin(): a rule that can match an inbound request
 * reads a process or flow variable (REMOTE_ADDR, PROCESS_EXE, DIRECTION,
 * ...): give inbound requests their origin before matching. A chain that
 * requires DIRECTION "@streq outbound" does not count: without an origin
 * a request is inbound, and such a chain cannot match it.
 * enf_ruleset_matches_outbound(): a rule (a chain) reads DIRECTION; only
 * such rules see outbound requests, which always need their origin, and
 * without one enf_rules_match() reports nothing for an outbound request.
 * enf_ruleset_needs_origin(): whether a request of that direction needs
 * its origin (false for outbound: it is not matched at all).
 */
bool enf_ruleset_reads_origin(const struct enf_ruleset *rs);
bool enf_ruleset_matches_outbound(const struct enf_ruleset *rs);
bool enf_ruleset_needs_origin(const struct enf_ruleset *rs, bool outbound);

/* The links after rule @i's first rule when it is a chain (0 otherwise),
 * and link @k's info (its id is the chain's). */
size_t enf_ruleset_links(const struct enf_ruleset *rs, size_t i);
const struct enf_rule_info *enf_ruleset_link(const struct enf_ruleset *rs,
					     size_t i, size_t k);

/**
 * enf_rules_scratch_new() - per-thread matching state for @rs
 * A scratch made for one set may be passed to enf_rules_scratch_update() to
 * serve another (after a reload).
 * Return: 0 or a negative errno.
 */
int enf_rules_scratch_new(const struct enf_ruleset *rs,
			  struct enf_rules_scratch **out);

/**
 * enf_rules_scratch_update() - make @s serve @rs too
 * @s: a scratch; it keeps serving every set it served before
 * @rs: the new set
 *
 * All or nothing: on failure (-ENOMEM, or another error from Hyperscan) @s
 * is unchanged and still serves the sets it served, so a reload that runs
 * out of memory leaves the active set working.
 * Return: 0 or a negative errno.
 */
int enf_rules_scratch_update(struct enf_rules_scratch *s,
			     const struct enf_ruleset *rs);
void enf_rules_scratch_free(struct enf_rules_scratch *s);

/**
 * enf_rules_scratch_memo() - keep (the default) or stop keeping a memo of
 * clean values
 * @s: a scratch
 * @on: false drops the memo and matches every value afresh from then on
 *
 * A value of a request that every pipeline of a phase taking it found
 * clean a second time (no pattern of their Hyperscan databases hit it, and
 * no negated rule or rule outside the databases reads its variable) is
 * kept with its name (up to 2048 values of at most 228 bytes with the
 * name; 512 KiB, made on first use). The same variable, name and
 * bytes in a later request, in the same phase and direction against the
 * same set, is then taken as clean: no pipeline lists, transforms or scans
 * it again. Matches are the same with the memo and without.
 */
void enf_rules_scratch_memo(struct enf_rules_scratch *s, bool on);

/* Empty @s's memo (it stays on): the next request is matched as the
 * first. */
void enf_rules_scratch_memo_clear(struct enf_rules_scratch *s);

/* Values taken from @s's memo since @s was made. */
uint64_t enf_rules_scratch_memo_hits(const struct enf_rules_scratch *s);

/**
 * enf_rules_scratch_limit_hits() - PCRE2 matches abandoned on a limit
 * A pcre2_match() that hits its match, depth or heap limit (or runs out of
 * JIT stack) counts here and counts as no match: the rule does not fire on
 * that value, negated or not. This holds for PCRE2 confirming a prefilter's
 * hit as for a rule on PCRE2 alone.
 * Return: the count since @s was made.
 */
uint64_t enf_rules_scratch_limit_hits(const struct enf_rules_scratch *s);

/**
 * enf_rules_scratch_work() - what matching with @s did since it was made
 * @tfn_runs: values put through a pipeline's transformations: one per
 *	value and (phase, pipeline) that wants it, whatever the number of
 *	rules sharing the pipeline
 * @hs_scans: values scanned alone with a pipeline's Hyperscan database
 * @hs_joined: scans of a request's values joined: the values of a
 *	pipeline that share a database are first scanned as one, and a
 *	value is scanned alone only when that scan has a hit (or the value
 *	is its database's only one in the request)
 */
void enf_rules_scratch_work(const struct enf_rules_scratch *s,
			    uint64_t *tfn_runs, uint64_t *hs_scans,
			    uint64_t *hs_joined);

/* The Hyperscan databases of @rs: one per phase and transformation
 * pipeline that has patterns Hyperscan takes (as they are or prefilters),
 * and one per part of a pipeline's patterns that some values are scanned
 * with alone (those of the rules that may read a value of an item class in
 * a request of a direction, where not all of them may). */
size_t enf_ruleset_databases(const struct enf_ruleset *rs);

/**
 * struct enf_rule_match - one rule that matched a request
 * @rule: the rule
 * @var: the variable that matched, as SecLang names it ("ARGS:id",
 *	"REQUEST_HEADERS:User-Agent"), NUL-terminated
 * @value: the (transformed) value the pattern matched in, cut to 256 bytes
 * @value_len: bytes in @value
 * @logdata: the rule's logdata: with its macros expanded for this match
 *	(expanded values with control bytes, backslashes and bytes that are
 *	not UTF-8 escaped as \xHH or \\), at most ENF_RULE_LOGDATA_MAX
 *	bytes; "" when the rule has none
 * @msg: the rule's msg: expanded the same way (rule->msg as written when
 *	it has no macro), at most ENF_RULE_MSG_MAX bytes
 *
 * @logdata and @msg came after the others: a caller that makes a match
 * itself and zeroes it has them empty.
 */
struct enf_rule_match {
	const struct enf_rule_info *rule;
	char var[128];
	char value[256];
	size_t value_len;
	char logdata[ENF_RULE_LOGDATA_MAX + 1];
	char msg[ENF_RULE_MSG_MAX + 1];
};

/**
 * enf_rules_escape() - @v (@vl bytes, any bytes) as text in @out: a control
 * byte, DEL and a byte that is not part of a valid UTF-8 character become
 * \xHH, a backslash \\; what does not fit in @cap bytes (NUL included) is
 * cut at a whole character or escape. For showing a match's @var and
 * @value, which hold what a peer sent, in a terminal, JSON or the audit.
 * @cut: set to whether @v was cut (may be NULL)
 * Return: the bytes written before the NUL (0 when @cap is 0).
 */
size_t enf_rules_escape(char *out, size_t cap, const char *v, size_t vl,
			bool *cut);

/* Called once per matching rule; return non-zero to stop matching. */
typedef int (*enf_rules_match_cb)(const struct enf_rule_match *m, void *ctx);

/**
 * enf_rules_match() - run every rule of @rs against @req
 *
 * Phase 1 rules first, against what exists once the request headers are
 * in (no body, no body arguments); then phase 2 rules, against all of the
 * request. Each rule is reported at most once per request: phase 1's
 * matches in rule order, then phase 2's; a callback that stops the
 * matching in phase 1 leaves phase 2 unmatched.
 * Return: number of matching rules reported, or a negative errno.
 */
int enf_rules_match(const struct enf_ruleset *rs, struct enf_rules_scratch *s,
		    const struct enf_request *req, enf_rules_match_cb cb,
		    void *ctx);

/**
 * enf_rules_match_phase() - run the rules of one phase of @rs against @req
 * @phase: 1 (what the request headers give: @req's body and body arguments
 *	are not read) or 2
 *
 * As enf_rules_match(), for the rules of @phase alone: so a verdict can be
 * had on a request's head before its body is in. MSC_PCRE_LIMITS_EXCEEDED
 * reflects the PCRE2 runs of this call only.
 * Return: number of matching rules reported, or a negative errno (-EINVAL
 * for a phase other than 1 and 2).
 */
int enf_rules_match_phase(const struct enf_ruleset *rs,
			  struct enf_rules_scratch *s,
			  const struct enf_request *req, int phase,
			  enf_rules_match_cb cb, void *ctx);

#endif /* ENFORCER_RULES_H */
