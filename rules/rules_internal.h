/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the rule engine shared by the parser (parse.c), the compiler
 * (build.c), the matcher (match.c) and the transformations (transform.c).
 * Not installed; tests may include it to reach the transformations.
 */
#ifndef ENFORCER_RULES_INTERNAL_H
#define ENFORCER_RULES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <hs/hs.h>
#include <pcre2.h>

#include "rules/rules.h"

/* Limits that rules.h does not name (documented in enforcer.rules(5)). */
#define ENF_RULE_TFN_MAX 16 /* transformations in one pipeline */
#define ENF_RULES_FILE_MAX (16u << 20) /* bytes of one .conf file */
#define ENF_RULES_DIR_MAX 4096 /* .conf files in one directory */
/* files open at once through Include, the outermost counted */
#define ENF_RULES_INCLUDE_DEPTH 16
/* files one source reads (add_file, add_dir), the included ones counted */
#define ENF_RULES_SOURCE_FILES_MAX 4096
#define ENF_RULE_VALUE_MAX 256 /* bytes of a matched value reported */

/*
 * PCRE2 limits, per pcre2_match() call. The match limit bounds the work of
 * one attempt at one start position, and a pathological pattern burns all of
 * it before PCRE2 gives up: 100000 cost about 0.25 ms per value with JIT
 * (1.7 ms interpreted), so one such rule over 256 arguments took a worker
 * for 60 ms to half a second per request. 5000 costs about 12 us (80 us
 * interpreted) per value, and still lets an ordinary pattern repeat a group
 * over some 1600 tokens (^(?:[a-z]+\s?)*$ needs about 3 steps per word).
 * ModSecurity defaults to 1000, which cuts such a pattern at 300 words.
 * The depth limit cannot bind above the match limit (each level is a step),
 * so it is the same number; JIT ignores it. The heap limit bounds the
 * backtracking frames PCRE2 keeps in a worker's match data.
 */
#define ENF_PCRE2_MATCH_LIMIT 5000
#define ENF_PCRE2_DEPTH_LIMIT 5000
#define ENF_PCRE2_HEAP_LIMIT_KIB 16384

/* Transformations (t:...). 0 is t:none, which never sits in a pipeline. */
enum enf_tfn {
	ENF_T_NONE = 0,
	ENF_T_LOWERCASE,
	ENF_T_URLDECODE,
	ENF_T_URLDECODEUNI,
	ENF_T_REMOVENULLS,
	ENF_T_REMOVEWHITESPACE,
	ENF_T_COMPRESSWHITESPACE,
	ENF_T_TRIM,
	ENF_T_HTMLENTITYDECODE,
	ENF_T_JSDECODE,
	ENF_T_CSSDECODE,
	ENF_T_REPLACECOMMENTS,
	ENF_T_NORMALIZEPATH,
	ENF_T_NORMALIZEPATHWIN,
	ENF_T_CMDLINE,
	ENF_T_BASE64DECODE,
	ENF_T_HEXDECODE,
	ENF_T_UTF8TOUNICODE,
	ENF_T_LENGTH,
};

/**
 * enf_tfn_lookup() - a transformation by name, case-insensitive
 * Return: an enum enf_tfn, or -1 when @name is not one.
 */
int enf_tfn_lookup(const char *name, size_t len);

/* The SecLang spelling of @t ("urlDecodeUni"). */
const char *enf_tfn_name(enum enf_tfn t);

/*
 * A pipeline runs in one buffer, in place. Every transformation keeps or
 * shrinks its value except two: utf8toUnicode (a multibyte UTF-8 sequence of
 * 2 bytes becomes "%uHHHH", 6 or 7 bytes) and length (the empty value becomes
 * "0"). enf_tfn_bound() gives the capacity a value needs for a whole
 * pipeline, whatever its bytes; the caller sizes the buffer to it once per
 * value and hands the capacity to enf_tfn_run(), which never writes past it.
 */

/**
 * enf_tfn_bound() - the buffer a pipeline needs for a value of @len bytes
 * @tfns: the pipeline (enum enf_tfn)
 * @n: its length
 * @len: bytes of the value before the pipeline
 *
 * The bound holds for every stage of the pipeline and for any bytes: 3.5
 * times @len after one utf8toUnicode, 6 times after several in a row, more
 * only when decoders between them make new non-ASCII bytes (see transform.c
 * for why); @len without utf8toUnicode (1 for the length of empty).
 * Return: bytes of buffer, or SIZE_MAX when that does not fit a size_t.
 */
size_t enf_tfn_bound(const uint8_t *tfns, size_t n, size_t len);

/* Whether enf_tfn_bound() of the pipeline is the value's length, whatever
 * it is: no utf8toUnicode, no length. */
bool enf_tfn_bound_is_len(const uint8_t *tfns, size_t n);

/**
 * enf_tfn_apply() - run one transformation over @buf in place
 * @t: the transformation
 * @buf: the value, @len bytes, in a buffer of @cap bytes
 * @len: bytes of the value
 * @cap: bytes of @buf; enf_tfn_bound() of the one-step pipeline is enough
 *
 * Return: the new length, or -ENOSPC when the result would not fit in @cap
 * (@buf is then unchanged), -EINVAL when @len exceeds @cap.
 */
ssize_t enf_tfn_apply(enum enf_tfn t, char *buf, size_t len, size_t cap);

/**
 * enf_tfn_run() - run a pipeline, in order, over @buf in place
 * @cap: bytes of @buf; enf_tfn_bound() of the pipeline is enough
 *
 * Return: the new length, or the first error of enf_tfn_apply() (@buf then
 * holds some stage's value).
 */
ssize_t enf_tfn_run(const uint8_t *tfns, size_t n, char *buf, size_t len,
		    size_t cap);

/*
 * Where a value comes from in a request. Several variables may read the same
 * class (ARGS and ARGS_GET both read the query's argument values; ARGS also
 * reads the body's: see target_takes() in match.c).
 */
enum enf_item_class {
	ENF_IC_METHOD,
	ENF_IC_URI,
	ENF_IC_FILENAME,
	ENF_IC_QUERY,
	ENF_IC_PROTOCOL,
	ENF_IC_LINE,
	ENF_IC_BODY,
	ENF_IC_ARG_VALUE,
	ENF_IC_ARG_NAME,
	ENF_IC_HDR_VALUE,
	ENF_IC_HDR_NAME,
	ENF_IC_ARG_POST_VALUE, /* the body's arguments */
	ENF_IC_ARG_POST_NAME,
	ENF_IC_COOKIE_VALUE,
	ENF_IC_COOKIE_NAME,
	ENF_IC_ANOMALY, /* the name of each protocol anomaly of the request */
	ENF_IC_COUNT, /* a count target's value (struct enf_target @count) */
	ENF_IC_PCRE_LIMIT, /* "1" once matching the request hit a PCRE2 limit */
	ENF_IC_URI_RAW, /* the target as received */
	ENF_IC_BASENAME, /* the decoded path after its last '/' or '\' */
	/* from the request's origin (absent when it has none: offline) */
	ENF_IC_REMOTE_ADDR,
	ENF_IC_REMOTE_PORT,
	ENF_IC_SERVER_PORT,
	ENF_IC_PROC_EXE,
	ENF_IC_PROC_COMM,
	ENF_IC_PROC_UID,
	ENF_IC_PROC_CGROUP,
	ENF_IC_TLS_LIB,
	ENF_IC_DIRECTION,
	/* TX:0..TX:9, a capture of an earlier rule of the chain: never a
	 * value of the request, read by the chain's walk (match.c) */
	ENF_IC_TX,
};

/* The item classes that read the request's origin. */
static inline bool enf_ic_is_origin(enum enf_item_class c)
{
	return c >= ENF_IC_REMOTE_ADDR && c <= ENF_IC_DIRECTION;
}

/* Variables, in the order of the table in parse.c. */
enum enf_var {
	ENF_V_REQUEST_METHOD,
	ENF_V_REQUEST_URI,
	ENF_V_REQUEST_FILENAME,
	ENF_V_QUERY_STRING,
	ENF_V_REQUEST_PROTOCOL,
	ENF_V_REQUEST_LINE,
	ENF_V_REQUEST_BODY,
	ENF_V_ARGS,
	ENF_V_ARGS_GET,
	ENF_V_ARGS_NAMES,
	ENF_V_REQUEST_HEADERS,
	ENF_V_REQUEST_HEADERS_NAMES,
	ENF_V_ARGS_POST,
	ENF_V_ARGS_GET_NAMES,
	ENF_V_ARGS_POST_NAMES,
	ENF_V_REQUEST_COOKIES,
	ENF_V_REQUEST_COOKIES_NAMES,
	ENF_V_PROTOCOL_ANOMALY,
	ENF_V_REQUEST_URI_RAW,
	ENF_V_MSC_PCRE_LIMITS_EXCEEDED,
	ENF_V_REQUEST_BASENAME,
	ENF_V_REMOTE_ADDR,
	ENF_V_REMOTE_PORT,
	ENF_V_SERVER_PORT,
	ENF_V_PROCESS_EXE,
	ENF_V_PROCESS_COMM,
	ENF_V_PROCESS_UID,
	ENF_V_PROCESS_CGROUP,
	ENF_V_TLS_LIBRARY,
	ENF_V_DIRECTION,
	ENF_V_TX, /* TX:N, N in @sel (one digit) */
	ENF_V__COUNT,
};

/* SecLang spelling of @v, its item class, and whether it is a collection
 * (reported as "NAME:key"). */
const char *enf_var_name(enum enf_var v);
enum enf_item_class enf_var_class(enum enf_var v);
bool enf_var_is_collection(enum enf_var v);

/**
 * struct enf_target - one variable of a rule
 * @var: enum enf_var
 * @cls: enum enf_item_class of @var
 * @exclude: "!VAR:sel": the members @sel names are taken out of the rule's
 *	other targets of @var
 * @count: "&VAR[:sel]": the target's value is the number of values VAR[:sel]
 *	has in the request, in decimal (an item of class ENF_IC_COUNT whose key
 *	is this target)
 * @sel: selector after ':' (header or argument name), NULL for all; for a
 *	regular-expression selector ("ARGS:/^id_/") the pattern, without the
 *	slashes
 * @sel_len: bytes of @sel
 * @sel_re: the compiled pattern of a regular-expression selector, matched
 *	caselessly against the member's name; NULL otherwise
 */
struct enf_target {
	uint8_t var;
	uint8_t cls;
	bool exclude;
	bool count;
	char *sel;
	size_t sel_len;
	pcre2_code *sel_re;
};

enum enf_op {
	ENF_OP_RX,
	ENF_OP_PM, /* @pm, and @pmFromFile (phrases read from files) */
	ENF_OP_CONTAINS,
	ENF_OP_STREQ,
	ENF_OP_BEGINSWITH,
	ENF_OP_ENDSWITH,
	ENF_OP_WITHIN,
	ENF_OP_IPMATCH,
	ENF_OP_EQ,
	ENF_OP_GT,
	ENF_OP_LT,
	ENF_OP_GE,
	ENF_OP_LE,
};

/* The most phrases and bytes @pmFromFile reads (all its files together). */
#define ENF_PM_FILE_MAX_PHRASES 100000
#define ENF_PM_FILE_MAX_BYTES (4u << 20)

/**
 * struct enf_ipnet - an @ipMatch network: IPv4 as IPv4-mapped IPv6
 * (::ffff:a.b.c.d, @bits counting the 96 of the prefix), so IPv4 and
 * IPv4-mapped values match the same networks
 * @addr: the network's address, host bits zero
 * @bits: prefix length, 0-128
 */
struct enf_ipnet {
	uint8_t addr[16];
	uint8_t bits;
};

/* Capture groups a rule with 'capture' sets: TX:0 to TX:9. */
#define ENF_TX_N 10

/* What a %{...} macro of msg: or logdata: names. */
enum enf_macro_kind {
	ENF_M_TEXT, /* not a macro: the template's text as written */
	ENF_M_TX, /* TX.N, N in @tx */
	ENF_M_MATCHED_VAR,
	ENF_M_MATCHED_VAR_NAME,
	ENF_M_REQUEST_METHOD,
	ENF_M_REQUEST_URI,
	ENF_M_REMOTE_ADDR,
	ENF_M_PROCESS_EXE,
	ENF_M_PROCESS_COMM,
	ENF_M_RULE_ID,
	ENF_M_RULE_MSG,
};

/**
 * struct enf_macro_part - a stretch of a template
 * @kind: enum enf_macro_kind
 * @tx: for ENF_M_TX, the group
 * @off: for ENF_M_TEXT, its offset in the template's text
 * @len: for ENF_M_TEXT, its bytes
 */
struct enf_macro_part {
	uint8_t kind;
	uint8_t tx;
	uint32_t off;
	uint32_t len;
};

/**
 * struct enf_macro_tpl - msg: or logdata: cut into text and macros
 * @text: the value as written (owned by the rule)
 * @parts: its stretches, in order; NULL when @n_macros is 0
 * @n_parts: entries in @parts
 * @n_macros: how many of them are macros
 * @origin: a macro reads the request's origin (REMOTE_ADDR, PROCESS_*)
 * @tx: a macro reads TX.N
 */
struct enf_macro_tpl {
	const char *text;
	struct enf_macro_part *parts;
	size_t n_parts;
	size_t n_macros;
	bool origin;
	bool tx;
};

/**
 * enf_macro_parse() - cut @text into parts
 * @text: the value, NUL-terminated, @len bytes; @tpl points at it after
 * @strict: an unknown macro name is an error (logdata:); without it the
 *	%{...} is kept as text (msg:, which took any text before macros)
 * @err_off: on error, the offset in @text of the offending '%'
 * @msg: on error, why, naming the macro
 * Return: 0, -EINVAL (an unknown or unterminated macro) or -ENOMEM.
 */
int enf_macro_parse(struct enf_macro_tpl *tpl, const char *text, size_t len,
		    bool strict, size_t *err_off, char *msg, size_t msg_len);
void enf_macro_free(struct enf_macro_tpl *tpl);

/**
 * struct enf_tx_snap - TX:0..TX:9 of a match, kept for its report
 * @set: bit N: TX:N has a value
 * @len: bytes kept of each, at most ENF_RULE_VALUE_MAX
 * @val: the values, cut to ENF_RULE_VALUE_MAX
 */
struct enf_tx_snap {
	uint16_t set;
	uint16_t len[ENF_TX_N];
	char val[ENF_TX_N][ENF_RULE_VALUE_MAX];
};

/* What a template expands against. Every pointer may be NULL. */
struct enf_macro_env {
	const struct enf_rule_match *m;
	const struct enf_request *req;
	const char *remote_addr;
	const struct enf_tx_snap *tx;
};

/**
 * enf_macro_expand() - @tpl expanded into @out (@cap bytes, NUL included)
 * A macro's value is escaped (enf_escape_append()); the text as written is
 * copied. What does not fit is cut, at a whole character or escape, and
 * the result then ends in "...".
 * Return: the length written.
 */
size_t enf_macro_expand(const struct enf_macro_tpl *tpl,
			const struct enf_macro_env *env, char *out, size_t cap);

/**
 * struct enf_rule - a parsed rule; immutable once parsed, shared by the
 * builder and every rule set built from it (reference counted)
 * @info: what callers see; its strings point into this rule
 * @refs: references (builder, rule sets); atomic
 * @phase: 1 or 2
 * @targets: variables, in the order written
 * @op: operator
 * @negated: the operator was written with '!'
 * @param: operator argument, NUL-terminated (the pattern for @rx)
 * @param_len: bytes of @param
 * @phrases: @pm phrases, pointers into @param's copy @pm_buf
 * @tfn: transformation pipeline (enum enf_tfn), in order
 * @tags: tag: values
 * @chained: the rule has 'chain': the next rule of its source is its link
 * @chain: that link (owned); a chain matches when each of its rules does
 * @n_links: on a chain's first rule, the links after it
 * @nets: @ipMatch networks
 * @n_nets: entries in @nets
 * @num: the integer of @eq, @gt, @lt, @ge and @le
 * @param_line: physical line of the operator argument (for build errors)
 * @param_col: its column
 * @capture: the rule has 'capture'
 * @reads_tx: its targets are TX:N (a chain's link after a capture)
 * @uncond: a SecAction: no targets, no operator; it matches every request
 *	its set matches in its phase
 * @logdata: logdata: as written, NULL when absent
 * @msg_tpl: @msg cut into text and macros
 * @logdata_tpl: @logdata cut into text and macros
 */
struct enf_rule {
	struct enf_rule_info info;
	unsigned int refs;
	int phase;
	struct enf_target *targets;
	size_t n_targets;
	enum enf_op op;
	bool negated;
	char *param;
	size_t param_len;
	struct enf_str *phrases;
	size_t n_phrases;
	char *pm_buf;
	bool chained;
	struct enf_rule *chain;
	size_t n_links;
	struct enf_ipnet *nets;
	size_t n_nets;
	int32_t num;
	uint8_t tfn[ENF_RULE_TFN_MAX];
	size_t n_tfn;
	char **tags;
	size_t n_tags;
	unsigned int param_line;
	unsigned int param_col;
	char *text;
	char *msg;
	char *origin;
	bool capture;
	bool reads_tx;
	bool uncond;
	char *logdata;
	struct enf_macro_tpl msg_tpl;
	struct enf_macro_tpl logdata_tpl;
};

/* 'capture' that sets TX: on an @rx operator that is not negated. */
static inline bool enf_rule_captures(const struct enf_rule *r)
{
	return r->capture && r->op == ENF_OP_RX && !r->negated;
}

struct enf_rule *enf_rule_ref(struct enf_rule *r);
void enf_rule_unref(struct enf_rule *r);

/* The parsed rules a builder holds, for enf_rules_build(). */
size_t enf_builder_n_rules(const struct enf_rules_builder *b);
struct enf_rule *enf_builder_rule_at(const struct enf_rules_builder *b,
				     size_t i);

/*
 * Hyperscan flags for an @rx pattern and for an @pm phrase, and PCRE2
 * compile options for an @rx pattern Hyperscan refuses. ModSecurity v3
 * compiles @rx with DOTALL and MULTILINE: '.' matches a newline, '^' and '$'
 * match at every line start and end as well as at the ends of the value.
 * Both engines get the same two, so a rule means the same wherever it runs.
 */
#define ENF_HS_RX_FLAGS \
	(HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH)
#define ENF_HS_PM_FLAGS \
	(HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS)
#define ENF_PCRE2_OPTIONS (PCRE2_DOTALL | PCRE2_MULTILINE)

/*
 * An @rx pattern Hyperscan refuses as written (backreferences, lookaround,
 * atomic groups, possessive quantifiers, conditionals, ...) may still go in
 * the database as a prefilter: Hyperscan widens what it cannot do, so the
 * approximation reports a superset of the pattern's matches, and each value
 * it reports is confirmed by the rule's PCRE2 code.
 */
#define ENF_HS_PREFILTER_FLAGS (ENF_HS_RX_FLAGS | HS_FLAG_PREFILTER)

/**
 * enf_rx_hs_ok() - whether Hyperscan takes @pattern on its own
 * @msg: on false, Hyperscan's reason (may be NULL)
 * @msg_len: bytes of @msg
 *
 * A pattern that can match the empty string counts as refused: Hyperscan
 * wants HS_FLAG_ALLOWEMPTY for it, and PCRE2 gives it its usual meaning.
 * Return: true when Hyperscan takes it.
 */
bool enf_rx_hs_ok(const char *pattern, char *msg, size_t msg_len);

/**
 * enf_rx_hs_prefilter_ok() - whether Hyperscan takes @pattern as a prefilter
 * (ENF_HS_PREFILTER_FLAGS), its approximation matching no empty string
 * @msg: on false, Hyperscan's reason (may be NULL)
 * @msg_len: bytes of @msg
 * Return: true when Hyperscan takes it so.
 */
bool enf_rx_hs_prefilter_ok(const char *pattern, char *msg, size_t msg_len);

/**
 * enf_rx_joinable() - whether @pattern, compiled with ENF_HS_RX_FLAGS (or as
 * a prefilter), matches a value alone only where it also matches that value
 * with other values around it, each after a '\n'
 *
 * With MULTILINE, '^' and '$' match after and before the '\n' as at the
 * value's ends, and '\b' sees a non-word byte as at an end; a match that
 * spans values only adds hits. What does not hold so is refused: the
 * absolute anchors \A, \z, \Z and \G, and a group that turns an option
 * off ("(?-m)", "(?s-m:"). The test reads the text and is cautious: those
 * letters quoted by \Q...\E, or a '-' in any option group, refuse too.
 */
bool enf_rx_joinable(const char *pattern);

/**
 * enf_ip_parse() - an IPv4 or IPv6 address in text, IPv4 as IPv4-mapped
 * @s: the text, not NUL-terminated, nothing around the address
 * @n: its bytes
 * @out: the address
 * Return: true when @s is an address.
 */
bool enf_ip_parse(const char *s, size_t n, uint8_t out[16]);

/* Is @addr (from enf_ip_parse()) in @net? */
bool enf_ipnet_has(const struct enf_ipnet *net, const uint8_t addr[16]);

/**
 * enf_value_int() - the integer a numeric operator reads from a value, as
 * ModSecurity reads it (std::stoi()): leading blanks, an optional sign and
 * the digits that follow; 0 when there are none or the number does not fit
 * 32 bits. What follows the digits is ignored.
 */
int32_t enf_value_int(const char *s, size_t n);

/**
 * enf_rx_pcre2_compile() - compile @pattern with PCRE2
 * @jit: also JIT-compile it; a JIT failure leaves the interpreter in charge
 * @code: the compiled pattern
 * @msg: on error, PCRE2's message
 * @offset: on error, the offset PCRE2 names in @pattern
 * Return: 0 or -EINVAL (a pattern PCRE2 refuses, for whatever reason).
 */
int enf_rx_pcre2_compile(const char *pattern, size_t len, bool jit,
			 pcre2_code **code, char *msg, size_t msg_len,
			 size_t *offset);

#define ENF_PIPE_DB_ALL 0xff
#define ENF_PIPE_DB_NONE 0xfe
#define ENF_PIPE_PARTS_MAX (2 * 64)

/**
 * struct enf_pipe_db - a Hyperscan database of part of a pipeline's patterns
 * @db: the database
 * @pat_rule: its pattern id -> index of the rule in the set
 * @n_pat: patterns in @db
 * @sweep: as enf_pipe.sweep, for @db
 */
struct enf_pipe_db {
	hs_database_t *db;
	uint32_t *pat_rule;
	size_t n_pat;
	hs_database_t *sweep;
};

/**
 * struct enf_pipe - the rules of one phase sharing one transformation
 * pipeline
 * @phase: 1 or 2: the phase of these rules
 * @tfn: the pipeline
 * @n_tfn: its length (0: values are scanned as they are)
 * @tfn_flat: enf_tfn_bound_is_len() of @tfn
 * @db: Hyperscan database of the @rx and @pm patterns of these rules, or NULL
 * @pat_rule: Hyperscan pattern id -> index of its rule in the set
 * @n_pat: patterns in @db
 * @sweep: @db's patterns without HS_FLAG_SINGLEMATCH, to scan a request's
 *	values joined by '\n': each pattern matches a value alone only where
 *	it also matches the value among others (enf_rx_joinable()), and every
 *	end of every match is reported, so the values a joined scan reports
 *	nothing in stand cleared, and the others are scanned alone with @db.
 *	NULL: @db's values are scanned alone (a pattern that reads values
 *	joined otherwise, or one Hyperscan refused without SINGLEMATCH)
 * @neg: negated rules whose pattern is in @db (decided after the scan)
 * @other: rules run one by one: PCRE2 and literal operators
 * @targets: the distinct targets of these rules, to skip values none wants
 * @cls_mask: 1 << each enum enf_item_class one of @targets may take
 * @all_mask: the classes one of @targets takes every value of (no
 *	selector)
 * @out_mask: the classes the rules that see outbound requests take
 * @in_mask: the classes the rules that see other requests take (inbound
 *	ones, and those without an origin)
 * @bare_mask: per direction (as @db_for), the classes that @neg and @other
 *	take: rules that may fire on a value no pattern hits
 * @parts: databases of part of @db's patterns, for values only some of the
 *	rules may read (a header's name that one rule of twenty reads, an
 *	outbound request that only the EDR chains see)
 * @n_parts: their number
 * @db_for: per direction (0: inbound or no origin, 1: outbound) and item
 *	class, the database a value is scanned with: ENF_PIPE_DB_ALL (@db),
 *	ENF_PIPE_DB_NONE (no pattern of these rules reads it), or an index in
 *	@parts
 */
struct enf_pipe {
	int phase;
	uint8_t tfn[ENF_RULE_TFN_MAX];
	size_t n_tfn;
	bool tfn_flat;
	hs_database_t *db;
	uint32_t *pat_rule;
	size_t n_pat;
	hs_database_t *sweep;
	uint32_t *neg;
	size_t n_neg;
	uint32_t *other;
	size_t n_other;
	const struct enf_target **targets;
	size_t n_targets;
	uint64_t cls_mask;
	uint64_t all_mask;
	uint64_t out_mask;
	uint64_t in_mask;
	uint64_t bare_mask[2];
	struct enf_pipe_db *parts;
	size_t n_parts;
	uint8_t db_for[2][64];
};

/**
 * struct enf_rs_rule - a rule as one rule set holds it
 * @info: the caller's view; strings are the rule's, @engine this set's
 * @r: the parsed rule (a reference)
 * @pipe: index of its pipeline
 * @phase: the phase it is matched in: its own, or for a chain's link the
 *	chain's (a link has no phase of its own)
 * @in_db: its pattern (or phrases) sit in the pipeline's Hyperscan database
 * @prefilter: in the database as a prefilter (ENF_HS_PREFILTER_FLAGS): a
 *	hit is only a candidate, confirmed by @re
 * @re: its PCRE2 pattern, when the rule runs there (alone, or confirming
 *	a prefilter)
 * @first_link: on a chain's first rule, the index of its first link (the
 *	links of a chain sit together, after every visible rule of the set)
 * @why: info.why: why the rule runs on its engine
 * @outbound: its chain reads DIRECTION: it sees outbound requests
 * @out_only: its chain requires DIRECTION "outbound": it sees nothing else
 * @in_only: its chain requires DIRECTION "inbound": it sees no outbound
 *	request (nor one without an origin)
 * @deferred: it reads TX:N: in no pipeline; matched by the walk of the
 *	rule whose capture it reads (@pipe is then UINT32_MAX)
 * @cap_run: on a match, run PCRE2 for its groups: a walk follows, or its
 *	groups are what the chain's report shows as TX
 * @walk_from: with @cap_run, the set's index of the first rule its walk
 *	takes: the rules after it in the chain up to the next rule that
 *	captures and is not deferred (@walk_end, excluded); the walk matches
 *	the deferred ones among them on the groups, in order
 * @walk_probe: the last deferred rule of the walk; UINT32_MAX: no walk.
 *	It is seen once a walk held, and the rule is not tried again then
 * @snap: the slot of the scratch's TX snapshots this rule (or its walk)
 *	fills for the chain's report, -1 for none
 * @tx_slot: on a chain's first rule, the slot its report reads TX from
 *	(its last rule that captures), -1 for none
 */
struct enf_rs_rule {
	struct enf_rule_info info;
	struct enf_rule *r;
	uint32_t pipe;
	int phase;
	bool in_db;
	bool prefilter;
	pcre2_code *re;
	uint32_t first_link;
	char why[384];
	bool outbound;
	bool out_only;
	bool in_only;
	bool deferred;
	bool cap_run;
	uint32_t walk_from;
	uint32_t walk_end;
	uint32_t walk_probe;
	int32_t snap;
	int32_t tx_slot;
};

/* Whether @rr sees a request of direction @out (outbound, a client's on
 * this host: only the chains that read DIRECTION do). */
static inline bool enf_rs_rule_sees(const struct enf_rs_rule *rr, bool out)
{
	return out ? rr->outbound && !rr->in_only : !rr->out_only;
}

/*
 * @counts: every count target ("&VAR") of the rules, each valued once a
 * request after the request's own values.
 */
struct enf_ruleset {
	struct enf_rs_rule *rules;
	size_t n; /* rules, chain links included */
	size_t n_visible; /* rules that are not links: the first ones */
	struct enf_pipe *pipes;
	size_t n_pipes;
	const struct enf_target **counts;
	size_t n_counts;
	bool limit_var; /* a rule reads MSC_PCRE_LIMITS_EXCEEDED */
	bool reads_origin; /* a rule reads a process or flow variable */
	bool outbound; /* a chain reads DIRECTION: outbound requests match */
	uint64_t read_mask; /* 1 << each item class a rule reads (counts too) */
	/* [phase - 1][outbound]: the classes the pipelines of the phase take
	 * from a request of that direction (in_mask or out_mask, united) */
	uint64_t want[2][2];
	/* [phase - 1][outbound]: the classes some pipeline of the phase takes
	 * every value of (no selector): their values are looked up in the
	 * scratch's memo as the phase's values are listed (match.c) */
	uint64_t take_all[2][2];
	/* [phase - 1]: the classes the pipelines of the phase read only by
	 * name (literal selectors, no regex, never whole; counts aside), and
	 * those targets: a value of such a class that none of them names is
	 * not listed for the phase at all (match.c) */
	uint64_t named_only[2];
	const struct enf_target **named[2];
	size_t n_named[2];
	size_t n_snaps; /* TX snapshots a scratch keeps (chains that capture) */
	uint32_t *uncond; /* the SecActions (visible rules), in rule order */
	size_t n_uncond;
	/* this set's number among every set built in the process (never 0,
	 * never reused): a scratch's memo of clean values keys its entries
	 * on it, so that no later set takes them for its own (match.c) */
	uint64_t memo_id;
};

/**
 * enf_escape_append() - append @v escaped to @out at *@o, within @cap
 * (NUL included): a control byte, DEL, a backslash and a byte that is not
 * part of a valid UTF-8 character become \xHH (a backslash \\); nothing
 * is cut inside a character or an escape.
 * Return: false when not all of @v fit (*@o then where it stopped).
 */
bool enf_escape_append(char *out, size_t cap, size_t *o, const char *v,
		       size_t vl);

/* ASCII case-insensitive comparison of two byte strings of equal length. */
bool enf_memcaseeq(const char *a, const char *b, size_t len);

/* Fill @err (which may be NULL) from a format. */
void enf_rule_error_set(struct enf_rule_error *err, const char *origin,
			unsigned int line, unsigned int column, const char *fmt,
			...) __attribute__((format(printf, 5, 6)));

#endif /* ENFORCER_RULES_INTERNAL_H */
