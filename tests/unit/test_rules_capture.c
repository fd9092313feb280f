// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture, TX:0..TX:9 in a chain's later links, and the macros of logdata:
 * and msg: what the parser takes and refuses (with line, column and
 * message), what matches, and what a match reports.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/rules_internal.h"
#include "test_rules_util.h"

/* ---- parsing ---- */

static int parse(const char *text, struct enf_rule_error *err)
{
	struct enf_rules_builder *b = NULL;
	int ret;

	assert_int_equal(enf_rules_builder_new(&b), 0);
	memset(err, 0, sizeof(*err));
	ret = enf_rules_builder_add_text(b, text, strlen(text), "<test>", err);
	enf_rules_builder_free(b);
	return ret;
}

struct ok_case {
	const char *name;
	const char *text;
	int rules;
};

static const struct ok_case ok_cases[] = {
	{ "capture on a first rule, TX:1 read by its link",
	  "SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,deny,capture,chain\"\n"
	  "SecRule TX:1 \"@gt 100\"\n",
	  1 },
	{ "tx:1 in lower case, several TX targets, t: on the link",
	  "SecRule ARGS \"@rx (a)(b)\" \"id:1,capture,chain\"\n"
	  "SecRule tx:1|TX:2|TX:0 \"@streq ab\" \"t:lowercase\"\n",
	  1 },
	{ "capture on a link, read by the link after it",
	  "SecRule REQUEST_METHOD \"@streq POST\" \"id:1,chain\"\n"
	  "SecRule ARGS \"@rx ^(\\d+)$\" \"capture,chain\"\n"
	  "SecRule TX:1 \"@lt 10\"\n",
	  1 },
	{ "a link that reads TX and captures again",
	  "SecRule ARGS \"@rx ^(\\w+)-(\\w+)$\" \"id:1,capture,chain\"\n"
	  "SecRule TX:2 \"@rx ^(\\d)\" \"capture,chain\"\n"
	  "SecRule TX:1 \"@eq 7\"\n",
	  1 },
	{ "capture on @streq and on a rule with no link: accepted",
	  "SecRule ARGS \"@streq a\" \"id:1,capture\"\n"
	  "SecRule ARGS \"!@rx a\" \"id:2,capture\"\n",
	  2 },
	{ "logdata with every macro, in either case",
	  "SecRule ARGS \"@rx (a)\" \"id:1,capture,logdata:'%{TX.0} %{tx.1} "
	  "%{TX:2} %{MATCHED_VAR} %{matched_var_name} %{REQUEST_METHOD} "
	  "%{REQUEST_URI} %{REMOTE_ADDR} %{PROCESS_EXE} %{PROCESS_COMM} "
	  "%{RULE.id} %{rule.msg} 100%'\"\n",
	  1 },
	{ "msg with a macro this engine does not know: kept as written",
	  "SecRule ARGS \"@rx a\" \"id:1,msg:'score %{TX.ANOMALY_SCORE} %{x'\"\n",
	  1 },
};

static void test_accepted_forms(void **state)
{
	struct enf_rule_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		int ret = parse(ok_cases[i].text, &err);

		if (ret != ok_cases[i].rules)
			fail_msg("case '%s': got %d (%s:%u:%u %s), want %d",
				 ok_cases[i].name, ret, err.origin, err.line,
				 err.column, err.msg, ok_cases[i].rules);
	}
}

struct err_case {
	const char *name;
	const char *text;
	int ret;
	unsigned int line;
	const char *at; /* the column is where this first stands on @line */
	const char *msg;
};

static const struct err_case err_cases[] = {
	{ "TX:1 in a rule that is not chained",
	  "SecRule TX:1 \"@eq 1\" \"id:1\"", -EINVAL, 1, "TX:1",
	  "TX:1 is read only by a chained rule after a rule of its chain with "
	  "'capture' (this rule is not a chain's link)" },
	{ "TX:1 in a chain's first rule",
	  "SecRule ARGS|TX:1 \"@eq 1\" \"id:1,chain\"\nSecRule ARGS \"@rx a\"",
	  -EINVAL, 1, "TX:1", "(this rule is not a chain's link)" },
	{ "TX:1 after a chain without capture",
	  "SecRule ARGS \"@rx (a)\" \"id:7,chain\"\nSecRule TX:1 \"@eq 1\"",
	  -EINVAL, 2, "TX:1",
	  "TX:1: no earlier rule of chain 7 has 'capture' on an @rx operator "
	  "that is not negated: nothing sets TX:1" },
	{ "TX:1 after a capture on @streq",
	  "SecRule ARGS \"@streq a\" \"id:7,capture,chain\"\n"
	  "SecRule TX:1 \"@eq 1\"",
	  -EINVAL, 2, "TX:1", "no earlier rule of chain 7 has 'capture'" },
	{ "TX:0 after a capture on a negated @rx",
	  "SecRule ARGS \"!@rx (a)\" \"id:7,capture,chain\"\n"
	  "SecRule TX:0 \"@eq 1\"",
	  -EINVAL, 2, "TX:0", "nothing sets TX:0" },
	{ "TX:1 before the link that captures",
	  "SecRule ARGS \"@rx a\" \"id:7,chain\"\n"
	  "SecRule TX:1 \"@eq 1\" \"chain\"\n"
	  "SecRule ARGS \"@rx (a)\" \"capture\"",
	  -EINVAL, 2, "TX:1", "nothing sets TX:1" },
	{ "TX:1 with a request variable after it",
	  "SecRule ARGS \"@rx (a)\" \"id:1,capture,chain\"\n"
	  "SecRule TX:1|ARGS \"@eq 1\"",
	  -EINVAL, 2, "ARGS \"",
	  "a rule that reads TX:N reads captures only (it runs on them after "
	  "the chain's earlier rules matched), not ARGS" },
	{ "TX:1 with a request variable before it",
	  "SecRule ARGS \"@rx (a)\" \"id:1,capture,chain\"\n"
	  "SecRule REQUEST_URI|TX:1 \"@eq 1\"",
	  -EINVAL, 2, "TX:1",
	  "reads captures only (it runs on them after the chain's earlier "
	  "rules matched), not REQUEST_URI (read before TX:N)" },
	{ "TX:1 counted",
	  "SecRule ARGS \"@rx (a)\" \"id:1,capture,chain\"\n"
	  "SecRule &TX:1 \"@eq 1\"",
	  -EINVAL, 2, "&TX:1",
	  "TX:1 is read as it is, not counted or excluded" },
	{ "TX:10",
	  "SecRule ARGS \"@rx (a)\" \"id:1,capture,chain\"\n"
	  "SecRule TX:10 \"@eq 1\"",
	  -EINVAL, 2, "TX:10",
	  "TX:10: the TX collection is not supported, except TX:0 to TX:9 "
	  "(captures) and TX:MSC_PCRE_LIMITS_EXCEEDED" },
	{ "TX alone",
	  "SecRule ARGS \"@rx (a)\" \"id:1,capture,chain\"\n"
	  "SecRule TX \"@eq 1\"",
	  -EINVAL, 2, "TX ", "unknown variable 'TX'" },
	{ "capture with a value", "SecRule ARGS \"@rx (a)\" \"id:1,capture:1\"",
	  -EINVAL, 1, "capture", "action 'capture' takes no value" },
	{ "logdata on a link",
	  "SecRule ARGS \"@rx (a)\" \"id:1,chain\"\n"
	  "SecRule ARGS \"@rx b\" \"capture,logdata:'x'\"",
	  -EINVAL, 2, "logdata",
	  "a chained rule takes only 't:', 'capture' and 'chain' (rule 1's "
	  "first rule carries the chain's actions), not 'logdata'" },
	{ "logdata: an unknown macro",
	  "SecRule ARGS \"@rx a\" \"id:1,logdata:'a %{TX.0} %{REQUEST_BODY}'\"",
	  -EINVAL, 1, "%{REQUEST_BODY}",
	  "logdata: unknown macro '%{REQUEST_BODY}' (TX.0-TX.9, MATCHED_VAR" },
	{ "logdata: TX.10",
	  "SecRule ARGS \"@rx a\" \"id:1,logdata:'%{TX.10}'\"", -EINVAL, 1,
	  "%{TX.10}", "logdata: unknown macro '%{TX.10}'" },
	{ "logdata: an unterminated macro",
	  "SecRule ARGS \"@rx a\" \"id:1,logdata:'x %{TX.0'\"", -EINVAL, 1,
	  "%{TX.0", "logdata: unterminated macro '%{TX.0' (%{NAME})" },
	{ "logdata without a value", "SecRule ARGS \"@rx a\" \"id:1,logdata\"",
	  -EINVAL, 1, "logdata", "action 'logdata' needs a value" },
};

static void check_err(const struct err_case *c)
{
	struct enf_rule_error err;
	const char *line = c->text;
	unsigned int col;
	int ret;

	for (unsigned int l = 1; l < c->line; l++)
		line = strchr(line, '\n') + 1;
	col = (unsigned int)(strstr(line, c->at) - line) + 1;
	ret = parse(c->text, &err);
	if (ret != c->ret || err.line != c->line || err.column != col ||
	    !strstr(err.msg, c->msg))
		fail_msg("case '%s': got %d at %u:%u \"%s\", want %d at %u:%u "
			 "\"...%s...\"",
			 c->name, ret, err.line, err.column, err.msg, c->ret,
			 c->line, col, c->msg);
}

static void test_refusals_say_where_and_why(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++)
		check_err(&err_cases[i]);
}

static void test_logdata_too_long(void **state)
{
	char text[1024], ld[ENF_RULE_LOGDATA_MAX + 2];
	struct enf_rule_error err;

	(void)state;
	memset(ld, 'x', sizeof(ld) - 1);
	ld[sizeof(ld) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "SecRule ARGS \"@rx a\" \"id:1,logdata:'%s'\"", ld);
	assert_int_equal(parse(text, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "logdata longer than 512 bytes"));
	/* 512 bytes are taken */
	ld[ENF_RULE_LOGDATA_MAX] = '\0';
	snprintf(text, sizeof(text),
		 "SecRule ARGS \"@rx a\" \"id:1,logdata:'%s'\"", ld);
	assert_int_equal(parse(text, &err), 1);
}

/* What the built set says of a TX link: its engine and why. */
static void test_tx_link_engine(void **state)
{
	struct tset t;
	struct enf_rule_error err;
	const struct enf_rule_info *l;

	(void)state;
	assert_int_equal(
		tset_load(&t,
			  "SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,capture,chain,"
			  "logdata:'n=%{TX.1}'\"\n"
			  "SecRule TX:1 \"@rx ^1\" \"chain\"\n"
			  "SecRule TX:1 \"@gt 100\"\n",
			  &err),
		0);
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->logdata, "n=%{TX.1}");
	assert_int_equal(enf_ruleset_links(t.rs, 0), 2);
	l = enf_ruleset_link(t.rs, 0, 0);
	assert_string_equal(l->engine, "pcre2");
	assert_non_null(strstr(l->why, "reads a capture (TX:N)"));
	l = enf_ruleset_link(t.rs, 0, 1);
	assert_string_equal(l->engine, "numeric");
	tset_free(&t);
}

/* ---- matching ---- */

struct mcase {
	const char *uri;
	bool fires;
	const char *value; /* the value reported, when it fires */
};

/*
 * Each case of @cases against rule 1 of @rules. A chain reports its last
 * link's variable and value; a link on TX:N gives way to the one before.
 */
static void check_matches(const char *what, const char *rules,
			  const struct mcase *cases, size_t n)
{
	struct enf_rule_error err;
	struct tmatches ms;
	struct tset t;
	int bad = 0;

	if (tset_load(&t, rules, &err))
		fail_msg("%s: rules refused: %s:%u:%u %s", what, err.origin,
			 err.line, err.column, err.msg);
	for (size_t i = 0; i < n; i++) {
		struct treq r;
		const struct tmatch *m;
		int ret;

		treq_init(&r, "GET", cases[i].uri);
		ret = tset_match(&t, &r.req, &ms);
		m = tmatches_find(&ms, 1);
		if (ret < 0 || !m != !cases[i].fires)
			fail_msg(
				"%s: %s: got %d matches, rule 1 %s; want it %s",
				what, cases[i].uri, ret,
				m ? "fired" : "did not fire",
				cases[i].fires ? "to fire" : "not to fire");
		if (m && cases[i].value && strcmp(m->value, cases[i].value)) {
			print_error("%s: %s: reported value '%s', want '%s'\n",
				    what, cases[i].uri, m->value,
				    cases[i].value);
			bad++;
		}
	}
	tset_free(&t);
	if (bad)
		fail_msg("%s: %d reported values differ", what, bad);
}

#define CHECK(what, rules, ...)                                             \
	do {                                                                \
		static const struct mcase c_[] = { __VA_ARGS__ };           \
		check_matches(what, rules, c_, sizeof(c_) / sizeof(c_[0])); \
	} while (0)

static void test_capture_feeds_tx_link(void **state)
{
	(void)state;
	CHECK("CRS idiom: @rx capture, then TX:1 @gt 100",
	      "SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,deny,capture,chain\"\n"
	      "SecRule TX:1 \"@gt 100\"\n",
	      { "/?n=150", true, "150" }, { "/?n=50", false, NULL },
	      { "/?n=abc", false, NULL }, { "/?n=101", true, "101" });
}

static void test_capture_per_value(void **state)
{
	(void)state;
	/* the first rule matches both values; the chain holds on the one
	 * whose capture satisfies the link, whichever comes first, and that
	 * value is the one reported */
	CHECK("two values, one capture satisfies the link",
	      "SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,capture,chain\"\n"
	      "SecRule TX:1 \"@gt 100\"\n",
	      { "/?a=5&b=500", true, "500" }, { "/?a=500&b=5", true, "500" },
	      { "/?a=5&b=50", false, NULL });
}

static void test_capture_prefilter_and_pcre2(void **state)
{
	struct enf_rule_error err;
	struct tset t;

	(void)state;
	/* a backreference: Hyperscan takes it only as a prefilter */
	assert_int_equal(tset_load(&t,
				   "SecRule ARGS \"@rx (\\d+)-\\1\" "
				   "\"id:1,capture,chain\"\n"
				   "SecRule TX:1 \"@streq 42\"\n",
				   &err),
			 0);
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine,
			    "hyperscan+pcre2");
	tset_free(&t);
	CHECK("capture on a prefiltered pattern",
	      "SecRule ARGS \"@rx (\\d+)-\\1\" \"id:1,capture,chain\"\n"
	      "SecRule TX:1 \"@streq 42\"\n",
	      { "/?a=42-42", true, "42-42" }, { "/?a=7-7", false, NULL },
	      { "/?a=42-43", false, NULL });

	/* a subpattern reference: PCRE2 alone */
	assert_int_equal(tset_load(&t,
				   "SecRule ARGS \"@rx ^x(\\d+)-(?1)$\" "
				   "\"id:1,capture,chain\"\n"
				   "SecRule TX:1 \"@ge 10\"\n",
				   &err),
			 0);
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "pcre2");
	tset_free(&t);
	CHECK("capture on a pattern PCRE2 alone runs",
	      "SecRule ARGS \"@rx ^x(\\d+)-(?1)$\" \"id:1,capture,chain\"\n"
	      "SecRule TX:1 \"@ge 10\"\n",
	      { "/?a=x12-3", true, "x12-3" }, { "/?a=x9-34", false, NULL },
	      { "/?a=y12-3", false, NULL });
}

static void test_capture_chains(void **state)
{
	(void)state;
	CHECK("a link that captures, read by the next",
	      "SecRule REQUEST_METHOD \"@streq GET\" \"id:1,chain\"\n"
	      "SecRule ARGS \"@rx ^(\\d+)$\" \"capture,chain\"\n"
	      "SecRule TX:1 \"@lt 10\"\n",
	      { "/?a=5", true, "5" }, { "/?a=50", false, NULL },
	      { "/?a=50&b=3", true, "3" });
	CHECK("a request link between the capture and the TX link",
	      "SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,capture,chain\"\n"
	      "SecRule ARGS_NAMES \"@streq go\" \"chain\"\n"
	      "SecRule TX:1 \"@gt 100\"\n",
	      { "/?a=500&go=x", true, "go" }, { "/?a=500", false, NULL },
	      { "/?a=5&go=x", false, NULL });
	CHECK("a TX link that captures again: TX replaced",
	      "SecRule ARGS \"@rx ^(\\w+)-(\\w+)$\" \"id:1,capture,chain\"\n"
	      "SecRule TX:2 \"@rx ^(\\d)\" \"capture,chain\"\n"
	      "SecRule TX:1 \"@eq 7\"\n",
	      { "/?a=x-7y", true, "x-7y" }, { "/?a=7-y", false, NULL },
	      { "/?a=x-8", false, NULL });
	CHECK("t: on the TX link, and a group that took no part",
	      "SecRule ARGS \"@rx ^(?:(A)|(B))\" \"id:1,capture,chain\"\n"
	      "SecRule TX:2|TX:1 \"@streq a\" \"t:lowercase\"\n",
	      { "/?q=Ax", true, "Ax" }, { "/?q=Bx", false, NULL });
	CHECK("negated TX link",
	      "SecRule ARGS:user \"@rx ^(\\w+)$\" \"id:1,capture,chain\"\n"
	      "SecRule TX:1 \"!@streq admin\"\n",
	      { "/?user=bob", true, "bob" }, { "/?user=admin", false, NULL });
	CHECK("@pm, @contains and @ipMatch on TX",
	      "SecRule ARGS:h \"@rx ^host=(.*)$\" \"id:1,capture,chain\"\n"
	      "SecRule TX:1 \"@pm evil bad\" \"chain\"\n"
	      "SecRule TX:0 \"@contains host=\" \"chain\"\n"
	      "SecRule TX:1 \"!@ipMatch 10.0.0.0/8\"\n",
	      { "/?h=host%3DxEVILx", true, NULL },
	      { "/?h=host%3Dgood", false, NULL });
	CHECK("a capture in the first rule with no TX link: as without it",
	      "SecRule ARGS \"@rx (\\d+)\" \"id:1,capture,chain\"\n"
	      "SecRule ARGS_NAMES \"@streq b\"\n",
	      { "/?a=1&b=x", true, "b" }, { "/?a=1", false, NULL });
}

/* A PCRE2 limit hit while capturing is counted; TX is then empty. */
static void test_capture_limit_counted(void **state)
{
	struct enf_rule_error err;
	struct tmatches ms;
	struct treq r;
	struct tset t;
	char uri[128] = "/?a=";
	uint64_t before;

	(void)state;
	/* Hyperscan matches the second branch at once; PCRE2 tries the
	 * first, which backtracks past its match limit */
	assert_int_equal(
		tset_load(&t,
			  "SecRule ARGS \"@rx ^(a+)+b|^(a+)$\" "
			  "\"id:1,capture,chain\"\n"
			  "SecRule TX:2 \"@rx a\"\n"
			  "SecRule ARGS \"@rx ^(a+)+b|^(a+)$\" \"id:2\"\n",
			  &err),
		0);
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "hyperscan");
	memset(uri + 4, 'a', 40);
	treq_init(&r, "GET", uri);
	before = enf_rules_scratch_limit_hits(t.s);
	assert_int_equal(tset_match(&t, &r.req, &ms), 1);
	assert_non_null(tmatches_find(&ms, 2)); /* Hyperscan alone: fires */
	assert_null(tmatches_find(&ms, 1)); /* no groups: TX:2 absent */
	assert_true(enf_rules_scratch_limit_hits(t.s) > before);
	tset_free(&t);
}

/* ---- logdata and msg ---- */

static void test_logdata_expands(void **state)
{
	struct enf_req_origin o = { .exe = "/usr/bin/curl", .comm = "curl" };
	struct enf_rule_error err;
	struct tmatches ms;
	const struct tmatch *m;
	struct treq r;
	struct tset t;

	(void)state;
	o.tuple.family = ENF_FAMILY_V4;
	memcpy(o.tuple.saddr, "\x0a\x00\x00\x07", 4);
	assert_int_equal(
		tset_load(&t,
			  "SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,deny,capture,"
			  "chain,msg:'big %{TX.1}',logdata:'%{TX.0}/%{tx.1}/"
			  "%{TX.2}| %{MATCHED_VAR_NAME}=%{MATCHED_VAR} "
			  "%{REQUEST_METHOD} %{REQUEST_URI} %{REMOTE_ADDR} "
			  "%{PROCESS_EXE} %{PROCESS_COMM} %{RULE.id} "
			  "(%{RULE.msg})'\"\n"
			  "SecRule TX:1 \"@gt 100\"\n"
			  "SecRule ARGS \"@rx x\" \"id:2,msg:'m "
			  "%{TX.ANOMALY_SCORE} %{TX.1}'\"\n",
			  &err),
		0);
	/* the daemon is asked for the origin: a macro reads it */
	assert_true(enf_ruleset_reads_origin(t.rs));
	treq_init(&r, "GET", "/p?a=5&n=150&z=x");
	r.req.origin = &o;
	assert_int_equal(tset_match(&t, &r.req, &ms), 2);
	m = tmatches_find(&ms, 1);
	assert_non_null(m);
	assert_string_equal(m->logdata,
			    "150/150/| ARGS:n=150 GET /p?a=5&n=150&z=x "
			    "10.0.0.7 /usr/bin/curl curl 1 (big %{TX.1})");
	assert_string_equal(m->msg, "big 150");
	/* the static msg stays as written */
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->msg, "big %{TX.1}");
	/* no capture in rule 2: TX.1 is empty; the unknown macro stays */
	m = tmatches_find(&ms, 2);
	assert_non_null(m);
	assert_string_equal(m->msg, "m %{TX.ANOMALY_SCORE} ");
	assert_string_equal(m->logdata, "");

	/* without an origin, its macros expand to nothing */
	r.req.origin = NULL;
	assert_int_equal(tset_match(&t, &r.req, &ms), 2);
	m = tmatches_find(&ms, 1);
	assert_non_null(m);
	assert_string_equal(m->logdata, "150/150/| ARGS:n=150 GET "
					"/p?a=5&n=150&z=x    1 (big %{TX.1})");
	tset_free(&t);
}

static void test_logdata_escapes(void **state)
{
	struct enf_rule_error err;
	struct tmatches ms;
	const struct tmatch *m;
	struct treq r;
	struct tset t;

	(void)state;
	assert_int_equal(
		tset_load(&t,
			  "SecRule ARGS \"@rx ^v(.*)$\" \"id:1,capture,"
			  "logdata:'[%{TX.1}]',msg:'<%{MATCHED_VAR}>'\"\n",
			  &err),
		0);
	/* a control byte, a newline, a backslash, a stray byte, a NUL, a
	 * valid two-byte character and DEL */
	treq_init(&r, "GET", "/?a=va%01b%0Ac%5C%FFd%00%C3%A9%7F");
	assert_int_equal(tset_match(&t, &r.req, &ms), 1);
	m = tmatches_find(&ms, 1);
	assert_non_null(m);
	assert_string_equal(m->logdata,
			    "[a\\x01b\\x0ac\\\\\\xffd\\x00\xc3\xa9\\x7f]");
	assert_string_equal(m->msg,
			    "<va\\x01b\\x0ac\\\\\\xffd\\x00\xc3\xa9\\x7f>");
	tset_free(&t);
}

static void test_logdata_cut(void **state)
{
	struct enf_rule_error err;
	struct tmatches ms;
	const struct tmatch *m;
	struct treq r;
	struct tset t;
	char uri[1024] = "/?a=", want[600];
	size_t n;

	(void)state;
	assert_int_equal(
		tset_load(&t,
			  "SecRule ARGS \"@rx ^(.*)$\" \"id:1,capture,"
			  "logdata:'%{MATCHED_VAR}|%{TX.1}|%{TX.0}'\"\n",
			  &err),
		0);
	/* 200 'x' per value: 3 * 200 + 2 > 512 */
	memset(uri + 4, 'x', 200);
	treq_init(&r, "GET", uri);
	assert_int_equal(tset_match(&t, &r.req, &ms), 1);
	m = tmatches_find(&ms, 1);
	assert_non_null(m);
	n = strlen(m->logdata);
	assert_int_equal(n, ENF_RULE_LOGDATA_MAX);
	memset(want, 'x', 200);
	want[200] = '|';
	memset(want + 201, 'x', 200);
	want[401] = '|';
	memset(want + 402, 'x', ENF_RULE_LOGDATA_MAX - 3 - 402);
	memcpy(want + ENF_RULE_LOGDATA_MAX - 3, "...", 4);
	assert_string_equal(m->logdata, want);

	/* escapes are not cut in the middle: 200 bytes of \x01, 4 each */
	for (size_t i = 0; i < 200; i++)
		memcpy(uri + 4 + 3 * i, "%01", 3);
	uri[4 + 600] = '\0';
	treq_init(&r, "GET", uri);
	assert_int_equal(tset_match(&t, &r.req, &ms), 1);
	m = tmatches_find(&ms, 1);
	assert_non_null(m);
	n = strlen(m->logdata);
	assert_true(n <= ENF_RULE_LOGDATA_MAX);
	assert_string_equal(m->logdata + n - 3, "...");
	assert_int_equal((n - 3) % 4, 0);
	for (size_t i = 0; i + 3 < n; i += 4)
		assert_memory_equal(m->logdata + i, "\\x01", 4);
	tset_free(&t);
}

/* A scratch made for a set without snapshots serves one with them once
 * updated, and is refused (not overrun) before. */
static void test_scratch_update_grows_snapshots(void **state)
{
	struct enf_rules_builder *b = NULL;
	struct enf_ruleset *with = NULL;
	struct enf_rule_error err;
	struct tmatches ms;
	struct treq r;
	struct tset t;
	static const char text[] =
		"SecRule ARGS \"@rx ^(\\d+)$\" \"id:1,capture,"
		"logdata:'n=%{TX.1}'\"\n";

	(void)state;
	assert_int_equal(tset_load(&t, "SecRule ARGS \"@rx q\" \"id:9\"", &err),
			 0);
	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_int_equal(enf_rules_builder_add_text(b, text, strlen(text),
						    "<test>", &err),
			 1);
	assert_int_equal(enf_rules_build(b, &with, &err), 0);
	treq_init(&r, "GET", "/?a=12");
	assert_int_equal(enf_rules_match(with, t.s, &r.req, NULL, NULL),
			 -EINVAL);
	assert_int_equal(enf_rules_scratch_update(t.s, with), 0);
	enf_ruleset_free(t.rs);
	t.rs = with;
	assert_int_equal(tset_match(&t, &r.req, &ms), 1);
	assert_string_equal(ms.m[0].logdata, "n=12");
	enf_rules_builder_free(b);
	tset_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_refusals_say_where_and_why),
		cmocka_unit_test(test_logdata_too_long),
		cmocka_unit_test(test_tx_link_engine),
		cmocka_unit_test(test_capture_feeds_tx_link),
		cmocka_unit_test(test_capture_per_value),
		cmocka_unit_test(test_capture_prefilter_and_pcre2),
		cmocka_unit_test(test_capture_chains),
		cmocka_unit_test(test_capture_limit_counted),
		cmocka_unit_test(test_logdata_expands),
		cmocka_unit_test(test_logdata_escapes),
		cmocka_unit_test(test_logdata_cut),
		cmocka_unit_test(test_scratch_update_grows_snapshots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
