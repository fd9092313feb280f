// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The SecLang subset parser: every directive form, continuation, quoting,
 * each error with its exact line and column, all-or-nothing, duplicate ids
 * and limits.
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

/* The parsed rule behind a builder's rule info (info is its first member). */
static const struct enf_rule *rule_of(const struct enf_rule_info *info)
{
	return (const struct enf_rule *)info;
}

static struct enf_rules_builder *new_builder(void)
{
	struct enf_rules_builder *b = NULL;

	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_non_null(b);
	return b;
}

static int add(struct enf_rules_builder *b, const char *text,
	       struct enf_rule_error *err)
{
	return enf_rules_builder_add_text(b, text, strlen(text), "<test>", err);
}

static int add_as(struct enf_rules_builder *b, const char *text,
		  const char *origin, struct enf_rule_error *err)
{
	return enf_rules_builder_add_text(b, text, strlen(text), origin, err);
}

/* Parse one rule that must be accepted; returns the parsed rule. */
static const struct enf_rule *parse_ok(struct enf_rules_builder *b,
				       const char *text)
{
	struct enf_rule_error err = { 0 };
	size_t before = enf_rules_builder_count(b);
	int n = add(b, text, &err);

	if (n != 1)
		fail_msg("rule refused (%d) at %u:%u: %s\n  text: %s", n,
			 err.line, err.column, err.msg, text);
	assert_int_equal(enf_rules_builder_count(b), before + 1);
	return rule_of(enf_rules_builder_rule(b, before));
}

static void test_minimal_rule_fills_info(void **state)
{
	struct enf_rules_builder *b = new_builder();
	const struct enf_rule *r;

	(void)state;
	r = parse_ok(b, "SecRule ARGS \"@rx foo\" \"id:1\"");
	assert_int_equal(r->info.id, 1);
	assert_string_equal(r->info.msg, "");
	assert_int_equal(r->info.severity, -1);
	assert_int_equal(r->info.actions, 0);
	assert_string_equal(r->info.text, "SecRule ARGS \"@rx foo\" \"id:1\"");
	assert_string_equal(r->info.origin, "<test>");
	assert_int_equal(r->info.line, 1);
	assert_string_equal(r->info.engine, "hyperscan");
	assert_int_equal(r->phase, 2);
	assert_int_equal(r->op, ENF_OP_RX);
	assert_false(r->negated);
	assert_string_equal(r->param, "foo");
	assert_int_equal(r->n_tfn, 0);
	assert_int_equal(r->n_targets, 1);
	assert_int_equal(r->targets[0].var, ENF_V_ARGS);
	assert_null(r->targets[0].sel);
	assert_null(enf_rules_builder_rule(b, 1));
	enf_rules_builder_free(b);
}

static void test_every_variable_parses(void **state)
{
	static const struct {
		const char *spelled;
		enum enf_var var;
		const char *sel;
	} vars[] = {
		{ "REQUEST_METHOD", ENF_V_REQUEST_METHOD, NULL },
		{ "REQUEST_URI", ENF_V_REQUEST_URI, NULL },
		{ "REQUEST_FILENAME", ENF_V_REQUEST_FILENAME, NULL },
		{ "QUERY_STRING", ENF_V_QUERY_STRING, NULL },
		{ "REQUEST_PROTOCOL", ENF_V_REQUEST_PROTOCOL, NULL },
		{ "REQUEST_LINE", ENF_V_REQUEST_LINE, NULL },
		{ "REQUEST_BODY", ENF_V_REQUEST_BODY, NULL },
		{ "ARGS", ENF_V_ARGS, NULL },
		{ "ARGS_GET", ENF_V_ARGS_GET, NULL },
		{ "ARGS_NAMES", ENF_V_ARGS_NAMES, NULL },
		{ "REQUEST_HEADERS", ENF_V_REQUEST_HEADERS, NULL },
		{ "REQUEST_HEADERS:User-Agent", ENF_V_REQUEST_HEADERS,
		  "User-Agent" },
		{ "REQUEST_HEADERS_NAMES", ENF_V_REQUEST_HEADERS_NAMES, NULL },
		{ "ARGS:id", ENF_V_ARGS, "id" },
		{ "ARGS_GET:page", ENF_V_ARGS_GET, "page" },
		{ "request_uri", ENF_V_REQUEST_URI, NULL },
		{ "REQUEST_URI_RAW", ENF_V_REQUEST_URI_RAW, NULL },
		{ "REQUEST_BASENAME", ENF_V_REQUEST_BASENAME, NULL },
		{ "REMOTE_ADDR", ENF_V_REMOTE_ADDR, NULL },
		{ "REMOTE_PORT", ENF_V_REMOTE_PORT, NULL },
		{ "SERVER_PORT", ENF_V_SERVER_PORT, NULL },
		{ "PROCESS_EXE", ENF_V_PROCESS_EXE, NULL },
		{ "PROCESS_COMM", ENF_V_PROCESS_COMM, NULL },
		{ "PROCESS_UID", ENF_V_PROCESS_UID, NULL },
		{ "PROCESS_CGROUP", ENF_V_PROCESS_CGROUP, NULL },
		{ "TLS_LIBRARY", ENF_V_TLS_LIBRARY, NULL },
		{ "DIRECTION", ENF_V_DIRECTION, NULL },
	};
	struct enf_rules_builder *b = new_builder();
	char text[2048];
	size_t o = 0;
	const struct enf_rule *r;

	(void)state;
	o += snprintf(text + o, sizeof(text) - o, "SecRule ");
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		o += snprintf(text + o, sizeof(text) - o, "%s%s", i ? "|" : "",
			      vars[i].spelled);
	snprintf(text + o, sizeof(text) - o, " \"@rx x\" \"id:7\"");
	r = parse_ok(b, text);
	assert_int_equal(r->n_targets, sizeof(vars) / sizeof(vars[0]));
	for (size_t i = 0; i < r->n_targets; i++) {
		if (r->targets[i].var != vars[i].var)
			fail_msg("variable %zu '%s' parsed as %s", i,
				 vars[i].spelled,
				 enf_var_name(r->targets[i].var));
		if (!vars[i].sel) {
			assert_null(r->targets[i].sel);
			continue;
		}
		assert_non_null(r->targets[i].sel);
		assert_string_equal(r->targets[i].sel, vars[i].sel);
		assert_int_equal(r->targets[i].sel_len, strlen(vars[i].sel));
	}
	enf_rules_builder_free(b);
}

static void test_every_operator_parses(void **state)
{
	static const struct {
		const char *op;
		enum enf_op kind;
		bool negated;
		const char *param;
		const char *engine;
	} ops[] = {
		{ "@rx ^a+$", ENF_OP_RX, false, "^a+$", "hyperscan" },
		{ "^a+$", ENF_OP_RX, false, "^a+$", "hyperscan" },
		{ "!@rx ^GET$", ENF_OP_RX, true, "^GET$", "hyperscan" },
		{ "!^GET$", ENF_OP_RX, true, "^GET$", "hyperscan" },
		{ "@rx (a)\\1", ENF_OP_RX, false, "(a)\\1", "pcre2" },
		{ "@pm one two  three", ENF_OP_PM, false, "one two  three",
		  "hyperscan" },
		{ "@contains evil", ENF_OP_CONTAINS, false, "evil", "literal" },
		{ "@streq GET", ENF_OP_STREQ, false, "GET", "literal" },
		{ "@beginsWith /admin", ENF_OP_BEGINSWITH, false, "/admin",
		  "literal" },
		{ "@endsWith .php", ENF_OP_ENDSWITH, false, ".php", "literal" },
		{ "!@streq GET", ENF_OP_STREQ, true, "GET", "literal" },
		{ "@RX abc", ENF_OP_RX, false, "abc", "hyperscan" },
		{ "@contains 100%", ENF_OP_CONTAINS, false, "100%", "literal" },
	};
	struct enf_rules_builder *b = new_builder();

	(void)state;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		char text[256];
		const struct enf_rule *r;

		snprintf(text, sizeof(text), "SecRule ARGS \"%s\" \"id:%zu\"",
			 ops[i].op, i + 1);
		r = parse_ok(b, text);
		if (r->op != ops[i].kind || r->negated != ops[i].negated ||
		    strcmp(r->param, ops[i].param) ||
		    strcmp(r->info.engine, ops[i].engine))
			fail_msg(
				"operator '%s': op %d negated %d param '%s' engine %s",
				ops[i].op, r->op, r->negated, r->param,
				r->info.engine);
	}
	enf_rules_builder_free(b);
}

static void test_pm_phrases_split_on_spaces(void **state)
{
	struct enf_rules_builder *b = new_builder();
	const struct enf_rule *r;

	(void)state;
	r = parse_ok(b, "SecRule ARGS \"@pm sqlmap  nikto\tnmap\" \"id:1\"");
	assert_int_equal(r->n_phrases, 3);
	assert_int_equal(r->phrases[0].len, 6);
	assert_memory_equal(r->phrases[0].ptr, "sqlmap", 6);
	assert_int_equal(r->phrases[1].len, 5);
	assert_memory_equal(r->phrases[1].ptr, "nikto", 5);
	assert_int_equal(r->phrases[2].len, 4);
	assert_memory_equal(r->phrases[2].ptr, "nmap", 4);
	enf_rules_builder_free(b);
}

/* mode:shadow and mode:enforce (the last one wins); a source added as
 * shadow (the database's shadow rules) marks all its rules. */
static void test_shadow_mode(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err;
	const struct enf_rule *r;
	static const char two[] = "SecRule ARGS \"@rx a\" \"id:20,deny\"\n"
				  "SecRule ARGS \"@rx b\" \"id:21,log\"\n";

	(void)state;
	r = parse_ok(b, "SecRule ARGS \"@rx a\" \"id:10,deny,mode:shadow\"");
	assert_int_equal(r->info.actions, ENF_ACT_DENY | ENF_ACT_SHADOW);
	r = parse_ok(b, "SecRule ARGS \"@rx a\" "
			"\"id:11,deny,mode:shadow,mode:enforce\"");
	assert_int_equal(r->info.actions, ENF_ACT_DENY);
	assert_int_equal(enf_rules_builder_add_text_mode(b, two, strlen(two),
							 "db", true, &err),
			 2);
	assert_true(enf_rules_builder_rule(b, 2)->actions & ENF_ACT_SHADOW);
	assert_true(enf_rules_builder_rule(b, 3)->actions & ENF_ACT_SHADOW);
	assert_false(enf_rules_builder_rule(b, 0)->actions & ENF_ACT_PASS);
	enf_rules_builder_free(b);
}

static void test_every_action_parses(void **state)
{
	struct enf_rules_builder *b = new_builder();
	const struct enf_rule *r;

	(void)state;
	r = parse_ok(b, "SecRule ARGS \"@rx a\" \"id:4294967295,phase:1,"
			"msg:'SQL injection, union',severity:CRITICAL,"
			"t:lowercase,t:urlDecodeUni,tag:'attack/sqli',"
			"tag:paranoia-1,deny,drop,block,pass,log,nolog\"");
	assert_int_equal(r->info.id, 4294967295u);
	assert_int_equal(r->phase, 1);
	assert_string_equal(r->info.msg, "SQL injection, union");
	assert_int_equal(r->info.severity, 2);
	assert_int_equal(r->n_tfn, 2);
	assert_int_equal(r->tfn[0], ENF_T_LOWERCASE);
	assert_int_equal(r->tfn[1], ENF_T_URLDECODEUNI);
	assert_int_equal(r->n_tags, 2);
	assert_string_equal(r->tags[0], "attack/sqli");
	assert_string_equal(r->tags[1], "paranoia-1");
	assert_int_equal(r->info.actions, ENF_ACT_DENY | ENF_ACT_DROP |
						  ENF_ACT_BLOCK | ENF_ACT_PASS |
						  ENF_ACT_LOG | ENF_ACT_NOLOG);

	r = parse_ok(b, "SecRule ARGS \"@rx a\" \"id:2,phase:request,"
			"severity:5,t:lowercase,t:none,t:trim,deny\"");
	assert_int_equal(r->phase, 2);
	assert_int_equal(r->info.severity, 5);
	assert_int_equal(r->n_tfn, 1);
	assert_int_equal(r->tfn[0], ENF_T_TRIM);
	assert_int_equal(r->info.actions, ENF_ACT_DENY);
	enf_rules_builder_free(b);
}

static void test_severity_names_and_numbers(void **state)
{
	static const char *const names[] = { "EMERGENCY", "ALERT",   "CRITICAL",
					     "ERROR",	  "WARNING", "NOTICE",
					     "INFO",	  "DEBUG" };
	struct enf_rules_builder *b = new_builder();
	uint32_t id = 1;

	(void)state;
	for (int i = 0; i < 8; i++) {
		char text[128];
		const struct enf_rule *r;

		snprintf(text, sizeof(text),
			 "SecRule ARGS \"@rx a\" \"id:%u,severity:%s\"", id++,
			 names[i]);
		r = parse_ok(b, text);
		if (r->info.severity != i)
			fail_msg("severity %s parsed as %d", names[i],
				 r->info.severity);
		snprintf(text, sizeof(text),
			 "SecRule ARGS \"@rx a\" \"id:%u,severity:%d\"", id++,
			 i);
		r = parse_ok(b, text);
		if (r->info.severity != i)
			fail_msg("severity %d parsed as %d", i,
				 r->info.severity);
	}
	enf_rules_builder_free(b);
}

static void test_quoting_and_escapes(void **state)
{
	struct enf_rules_builder *b = new_builder();
	const struct enf_rule *r;

	(void)state;
	/* as ModSecurity v3 reads it: a double-quoted token keeps every
	 * byte as written; \" does not end it, \\ is two backslashes */
	r = parse_ok(b, "SecRule ARGS \"@rx \\\"a\\\\.b\\d+\" \"id:1\"");
	assert_string_equal(r->param, "\\\"a\\\\.b\\d+");
	/* \\ before a quote: the quote ends the token */
	r = parse_ok(b, "SecRule ARGS \"@endsWith a\\\\\" \"id:3\"");
	assert_string_equal(r->param, "a\\\\");
	/* single-quoted action values with commas; \' does not end one and
	 * stays in it, as does \\ (which does not escape the quote after) */
	r = parse_ok(b, "SecRule ARGS \"@rx a\" "
			"\"id:2,msg:'it\\'s a, b',tag:'x y',"
			"logdata:'\\\\',tag:'\\\"'\"");
	assert_string_equal(r->info.msg, "it\\'s a, b");
	assert_string_equal(r->tags[0], "x y");
	assert_string_equal(r->info.logdata, "\\\\");
	assert_string_equal(r->tags[1], "\\\"");
	/* bare tokens */
	r = parse_ok(b, "SecRule REQUEST_METHOD ^POST$ id:4,deny");
	assert_string_equal(r->param, "^POST$");
	assert_int_equal(r->info.id, 4);
	r = parse_ok(b, "SecRule ARGS \"@rx a\" \"  id:5 ,  msg:'x' , deny \"");
	assert_int_equal(r->info.id, 5);
	assert_string_equal(r->info.msg, "x");
	assert_int_equal(r->info.actions, ENF_ACT_DENY);
	r = parse_ok(b, "  secrule  ARGS  \"@rx a\"  \"ID:6,DENY\"  ");
	assert_int_equal(r->info.id, 6);
	assert_int_equal(r->info.actions, ENF_ACT_DENY);
	assert_string_equal(r->info.text,
			    "secrule  ARGS  \"@rx a\"  \"ID:6,DENY\"");
	enf_rules_builder_free(b);
}

static void test_continuation_joins_lines(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	const char *text = "# a comment\n"
			   "\n"
			   "SecRule ARGS|REQUEST_HEADERS \\\n"
			   "    \"@rx (?i)union\\s+select\" \\\r\n"
			   "    \"id:10,msg:'SQL \\\n"
			   "injection',deny\"\n"
			   "SecRule ARGS \"@rx b\" \"id:11\"\r\n";
	const struct enf_rule *r;

	(void)state;
	assert_int_equal(add(b, text, &err), 2);
	r = rule_of(enf_rules_builder_rule(b, 0));
	assert_int_equal(r->info.line, 3);
	assert_string_equal(r->info.text,
			    "SecRule ARGS|REQUEST_HEADERS     \"@rx "
			    "(?i)union\\s+select\"     \"id:10,msg:'SQL "
			    "injection',deny\"");
	assert_string_equal(r->info.msg, "SQL injection");
	assert_string_equal(r->param, "(?i)union\\s+select");
	assert_int_equal(r->param_line, 4);
	assert_int_equal(r->param_col, 10);
	r = rule_of(enf_rules_builder_rule(b, 1));
	assert_int_equal(r->info.line, 7);
	assert_string_equal(r->info.text, "SecRule ARGS \"@rx b\" \"id:11\"");
	enf_rules_builder_free(b);
}

/* As ModSecurity v3 (3.0.9) reads it, and unlike Apache: a comment ending
 * in a backslash ends at its line end; the rule after it loads. */
static void test_comment_ends_at_its_line(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	const char *text = "# a comment \\\n"
			   "SecRule ARGS \"@rx a\" \"id:2\"\n"
			   "  \t# indented \\\r\n"
			   "SecRule ARGS \"@rx a\" \\\n"
			   "  \"id:3\"\n";

	(void)state;
	assert_int_equal(add(b, text, &err), 2);
	assert_int_equal(enf_rules_builder_rule(b, 0)->id, 2);
	assert_int_equal(enf_rules_builder_rule(b, 0)->line, 2);
	assert_int_equal(enf_rules_builder_rule(b, 1)->id, 3);
	assert_int_equal(enf_rules_builder_rule(b, 1)->line, 4);
	/* a '#' line inside a continued rule is the rule's text, not a
	 * comment (ModSecurity refuses it too) */
	assert_int_equal(add(b,
			     "SecRule ARGS \"@rx a\" \"id:4,\\\n"
			     "# x \\\n"
			     "deny\"\n",
			     &err),
			 -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 1);
	assert_non_null(strstr(err.msg, "'#'"));
	assert_int_equal(enf_rules_builder_count(b), 2);
	enf_rules_builder_free(b);
}

static void test_empty_and_comment_only_text(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };

	(void)state;
	assert_int_equal(add(b, "", &err), 0);
	assert_int_equal(
		add(b, "\n\n   \n# only a comment\n\t# another\n", &err), 0);
	assert_int_equal(enf_rules_builder_count(b), 0);
	enf_rules_builder_free(b);
}

/* One refused source: what comes back and where it points. */
struct err_case {
	const char *name;
	const char *text;
	int ret;
	unsigned int line;
	unsigned int column;
	const char *msg; /* a substring of err.msg */
};

static const struct err_case err_cases[] = {
	{ "unsupported directive on line 2",
	  "SecRule ARGS \"@rx a\" \"id:1\"\n  SecRuleEngine On\n", -EINVAL, 2,
	  3, "unsupported directive 'SecRuleEngine'" },
	{ "a bare operator with an escaped blank",
	  "SecRule ARGS @rx\\ b \"id:1\"", -EINVAL, 1, 17,
	  "a backslash does not join a bare token to the next" },
	{ "SecMarker refused", "SecMarker \"END\"", -EINVAL, 1, 1,
	  "unsupported directive 'SecMarker'" },
	{ "Include refused", "Include /etc/enforcer/x.conf", -EINVAL, 1, 1,
	  "unsupported directive 'Include'" },
	{ "unknown variable", "SecRule ARGS|FOO \"@rx a\" \"id:1\"", -EINVAL, 1,
	  14, "unknown variable 'FOO'" },
	{ "unknown variable on a continuation line",
	  "SecRule \\\n  ARGS|BAR \\\n  \"@rx a\" \"id:1\"", -EINVAL, 2, 8,
	  "unknown variable 'BAR'" },
	{ "selector on a scalar variable",
	  "SecRule REQUEST_METHOD:x \"@rx a\" \"id:1\"", -EINVAL, 1, 23,
	  "variable 'REQUEST_METHOD' takes no selector" },
	{ "empty selector", "SecRule ARGS: \"@rx a\" \"id:1\"", -EINVAL, 1, 14,
	  "empty selector after 'ARGS:'" },
	{ "regex selector without its closing slash",
	  "SecRule ARGS:/^id \"@rx a\" \"id:1\"", -EINVAL, 1, 14,
	  "a regular-expression selector is '/pattern/', not '/^id'" },
	{ "regex selector PCRE2 refuses",
	  "SecRule ARGS|ARGS:/(id/ \"@rx a\" \"id:1\"", -EINVAL, 1, 23,
	  "bad selector pattern: missing closing parenthesis" },
	{ "exclusion without a selector",
	  "SecRule ARGS|!ARGS \"@rx a\" \"id:1\"", -EINVAL, 1, 15,
	  "an exclusion names members of a collection ('!ARGS:name'" },
	{ "exclusion of a scalar",
	  "SecRule ARGS|!REQUEST_METHOD:x \"@rx a\" \"id:1\"", -EINVAL, 1, 15,
	  "an exclusion names members of a collection" },
	{ "exclusion from a variable the rule does not read",
	  "SecRule ARGS_GET|!ARGS:x \"@rx a\" \"id:1\"", -EINVAL, 1, 9,
	  "excludes members of ARGS, which it does not read" },
	{ "exclusions alone", "SecRule !ARGS:x \"@rx a\" \"id:1\"", -EINVAL, 1,
	  9, "excludes members of ARGS" },
	{ "chain with no rule after it",
	  "SecRule ARGS \"@rx a\" \"id:1,chain,deny\"\n", -EINVAL, 1, 0,
	  "rule 1: 'chain' with no rule after it" },
	{ "chain whose link chains on with nothing after",
	  "SecRule ARGS \"@rx a\" \"id:1,chain\"\n"
	  "SecRule ARGS \"@rx b\" \"chain\"\n",
	  -EINVAL, 2, 0, "rule 1: 'chain' with no rule after it" },
	{ "a link with an id",
	  "SecRule ARGS \"@rx a\" \"id:1,chain,deny\"\n"
	  "SecRule ARGS \"@rx b\" \"id:2\"\n",
	  -EINVAL, 2, 23,
	  "a chained rule takes only 't:', 'capture' and 'chain' (rule 1's first rule "
	  "carries the chain's actions), not 'id'" },
	{ "a link with a disruptive action",
	  "SecRule ARGS \"@rx a\" \"id:1,chain\"\n"
	  "SecRule ARGS \"@rx b\" \"t:none,deny\"\n",
	  -EINVAL, 2, 30, "not 'deny'" },
	{ "mode of an unknown kind",
	  "SecRule ARGS \"@rx a\" \"id:1,mode:detect\"", -EINVAL, 1, 28,
	  "action 'mode' is mode:shadow or mode:enforce" },
	{ "chain takes no value", "SecRule ARGS \"@rx a\" \"id:1,chain:2\"",
	  -EINVAL, 1, 28, "action 'chain' takes no value" },
	{ "count of an unknown variable", "SecRule &FOO \"@eq 0\" \"id:1\"",
	  -EINVAL, 1, 10, "unknown variable 'FOO'" },
	{ "empty variable", "SecRule ARGS||ARGS_NAMES \"@rx a\" \"id:1\"",
	  -EINVAL, 1, 14, "empty variable name" },
	{ "unknown operator", "SecRule ARGS \"@foo a\" \"id:1\"", -EINVAL, 1,
	  15, "unknown operator '@foo'" },
	{ "unknown negated operator", "SecRule ARGS \"!@foo a\" \"id:1\"",
	  -EINVAL, 1, 16, "unknown operator '@foo'" },
	{ "operator without argument", "SecRule ARGS \"@rx\" \"id:1\"", -EINVAL,
	  1, 15, "operator '@rx' needs an argument" },
	{ "empty operator", "SecRule ARGS \"\" \"id:1\"", -EINVAL, 1, 15,
	  "empty operator" },
	{ "macro in a literal operator",
	  "SecRule ARGS \"@streq %{REQUEST_METHOD}\" \"id:1\"", -EINVAL, 1, 22,
	  "macro expansion" },
	{ "@ipMatch: not an address",
	  "SecRule ARGS \"@ipMatch 10.0.0.1, 10.0.0.300\" \"id:1\"", -EINVAL, 1,
	  34, "'10.0.0.300' is not an IP address" },
	{ "@ipMatch: v4 prefix over 32",
	  "SecRule ARGS \"@ipMatch 10.0.0.0/33\" \"id:1\"", -EINVAL, 1, 33,
	  "bad prefix length in '10.0.0.0/33' (0-32)" },
	{ "@ipMatch: empty prefix",
	  "SecRule ARGS \"@ipMatch 2001:db8::/\" \"id:1\"", -EINVAL, 1, 35,
	  "bad prefix length" },
	{ "@ipMatch: empty entry",
	  "SecRule ARGS \"@ipMatch 10.0.0.1,,10.0.0.2\" \"id:1\"", -EINVAL, 1,
	  33, "'' is not an IP address" },
	{ "@gt: not an integer", "SecRule ARGS \"@gt 1.5\" \"id:1\"", -EINVAL,
	  1, 19, "@gt needs an integer of 32 bits, not '1.5'" },
	{ "@eq: over 32 bits", "SecRule ARGS \"@eq 2147483648\" \"id:1\"",
	  -EINVAL, 1, 19, "@eq needs an integer of 32 bits" },
	{ "@le: a macro", "SecRule ARGS \"@le %{tx.max}\" \"id:1\"", -EINVAL, 1,
	  19, "(macro expansion is not supported)" },
	{ "@pmFromFile: a URL",
	  "SecRule ARGS \"@pmFromFile https://example.com/x.txt\" \"id:1\"",
	  -EINVAL, 1, 27, "URLs are not supported" },
	{ "@pmFromFile: relative outside a file",
	  "SecRule ARGS \"@pmFromFile words.txt\" \"id:1\"", -EINVAL, 1, 27,
	  "'words.txt' is relative, and the rule is not read from a file" },
	{ "@pmFromFile: missing file",
	  "SecRule ARGS \"@pmFromFile /nonexistent/enforcer/words.txt\" "
	  "\"id:1\"",
	  -ENOENT, 1, 27,
	  "@pmFromFile: /nonexistent/enforcer/words.txt: No such file" },
	{ "pattern neither engine compiles",
	  "SecRule ARGS \"@rx (abc\" \"id:1\"", -EINVAL, 1, 23,
	  "bad pattern: missing closing parenthesis (PCRE2, at offset 4)" },
	/* Hyperscan takes these three, PCRE2 does not: refused, so that a
	 * pattern means the same on either engine */
	{ "a range from a class in a class (PCRE2 refuses)",
	  "SecRule ARGS \"@rx ^[\\w-.]+$\" \"id:1\"", -EINVAL, 1, 23,
	  "bad pattern: invalid range in character class (PCRE2, at offset "
	  "4); Hyperscan would take it" },
	{ "a range from \\d (PCRE2 refuses)",
	  "SecRule ARGS \"@rx [\\d-z]\" \"id:1\"", -EINVAL, 1, 22,
	  "invalid range in character class" },
	{ "a backreference to no group (PCRE2 refuses)",
	  "SecRule ARGS \"@rx a\\8\" \"id:1\"", -EINVAL, 1, 21,
	  "reference to non-existent subpattern" },
	{ "bad pattern after an escaped quote",
	  "SecRule ARGS \"@rx \\\"(abc\" \"id:1\"", -EINVAL, 1, 25,
	  "missing closing parenthesis" },
	{ "SecAction without actions", "SecAction  ", -EINVAL, 1, 12,
	  "SecAction without actions (an id is required)" },
	{ "SecAction without an id", "SecAction \"phase:1,log\"", -EINVAL, 1,
	  11, "missing id" },
	{ "SecAction with a second token", "SecAction \"id:1\" x", -EINVAL, 1,
	  18, "unexpected 'x' after the actions" },
	{ "SecAction with chain", "SecAction \"id:1,chain\"", -EINVAL, 1, 17,
	  "SecAction takes no 'chain'" },
	{ "SecAction with capture", "SecAction \"id:1,capture\"", -EINVAL, 1,
	  17, "SecAction takes no 'capture'" },
	{ "SecAction with a transformation",
	  "SecAction \"id:1,t:none,t:lowercase\"", -EINVAL, 1, 24,
	  "SecAction takes no 't'" },
	{ "SecAction as a chain's link",
	  "SecRule ARGS \"@rx a\" \"id:1,chain\"\n  SecAction \"t:none\"",
	  -EINVAL, 2, 3, "SecAction cannot be a link of chain 1" },
	{ "unknown action", "SecRule ARGS \"@rx a\" \"id:1,bogus:2\"", -EINVAL,
	  1, 28, "unknown action 'bogus'" },
	{ "unknown action on a continuation line",
	  "SecRule ARGS|REQUEST_HEADERS \\\n    \"@rx a\" \\\n    \"id:1,foo\"",
	  -EINVAL, 3, 11, "unknown action 'foo'" },
	{ "unknown transformation",
	  "SecRule ARGS \"@rx a\" \"id:1,t:lowerCase,t:foo\"", -EINVAL, 1, 42,
	  "unknown transformation 'foo'" },
	{ "missing id", "SecRule ARGS \"@rx a\" \"deny\"", -EINVAL, 1, 22,
	  "missing id" },
	{ "id zero", "SecRule ARGS \"@rx a\" \"id:0\"", -EINVAL, 1, 26,
	  "invalid id '0'" },
	{ "id above 32 bits", "SecRule ARGS \"@rx a\" \"id:4294967296\"",
	  -EINVAL, 1, 26, "invalid id '4294967296'" },
	{ "id not a number", "SecRule ARGS \"@rx a\" \"id:12a\"", -EINVAL, 1,
	  26, "invalid id '12a'" },
	{ "id given twice", "SecRule ARGS \"@rx a\" \"id:1,id:2\"", -EINVAL, 1,
	  28, "action 'id' given twice" },
	{ "unknown severity", "SecRule ARGS \"@rx a\" \"id:1,severity:LOUD\"",
	  -EINVAL, 1, 37, "unknown severity 'LOUD'" },
	{ "unsupported phase", "SecRule ARGS \"@rx a\" \"id:1,phase:3\"",
	  -EINVAL, 1, 34, "unsupported phase '3'" },
	{ "flag action with a value", "SecRule ARGS \"@rx a\" \"id:1,deny:1\"",
	  -EINVAL, 1, 28, "action 'deny' takes no value" },
	{ "msg without a value", "SecRule ARGS \"@rx a\" \"id:1,msg\"", -EINVAL,
	  1, 28, "action 'msg' needs a value" },
	{ "unterminated single quote",
	  "SecRule ARGS \"@rx a\" \"id:1,msg:'abc\"", -EINVAL, 1, 32,
	  "unterminated quoted value of action 'msg'" },
	{ "missing comma", "SecRule ARGS \"@rx a\" \"msg:'a' deny,id:1\"",
	  -EINVAL, 1, 31, "expected ',' after action 'msg'" },
	{ "empty action", "SecRule ARGS \"@rx a\" \"id:1,,deny\"", -EINVAL, 1,
	  28, "expected an action name" },
	{ "unterminated double quote", "SecRule ARGS \"@rx a", -EINVAL, 1, 14,
	  "unterminated quoted string" },
	{ "text glued to a closing quote", "SecRule ARGS \"@rx a\"x \"id:1\"",
	  -EINVAL, 1, 21, "expected white space after a closing quote" },
	{ "missing variables", "SecRule", -EINVAL, 1, 8,
	  "SecRule without variables" },
	{ "missing operator", "SecRule ARGS", -EINVAL, 1, 13,
	  "SecRule without an operator" },
	{ "missing actions", "SecRule ARGS \"@rx a\"", -EINVAL, 1, 21,
	  "SecRule without actions" },
	{ "token after the actions", "SecRule ARGS \"@rx a\" \"id:1\" deny",
	  -EINVAL, 1, 29, "unexpected 'deny' after the actions" },
	{ "line numbers count comments, blanks and CRLF",
	  "\r\n# c\r\n\r\nSecRule ARGS \"@rx a\" \"id:1,bogus\"\r\n", -EINVAL,
	  4, 28, "unknown action 'bogus'" },
	{ "duplicate id in one text",
	  "SecRule ARGS \"@rx a\" \"id:5\"\nSecRule ARGS \"@rx b\" \"id:5\"\n",
	  -EEXIST, 2, 26, "duplicate id 5 (already defined at <test>:1)" },
};

static void check_err_case(const struct err_case *c)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err;
	int ret;

	memset(&err, 0, sizeof(err));
	ret = add(b, c->text, &err);
	if (ret != c->ret || err.line != c->line || err.column != c->column ||
	    !strstr(err.msg, c->msg) || strcmp(err.origin, "<test>") ||
	    enf_rules_builder_count(b) != 0)
		fail_msg("case '%s': got %d at %s:%u:%u \"%s\" (%zu rules), "
			 "want %d at <test>:%u:%u \"...%s...\" (0 rules)",
			 c->name, ret, err.origin, err.line, err.column,
			 err.msg, enf_rules_builder_count(b), c->ret, c->line,
			 c->column, c->msg);
	enf_rules_builder_free(b);
}

static void test_errors_point_at_line_and_column(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++)
		check_err_case(&err_cases[i]);
}

static void test_nul_byte_is_refused(void **state)
{
	static const char text[] = "SecRule ARGS \"@rx a\" \"id:1\"\n"
				   "SecRule ARGS \"@rx a\0b\" \"id:2\"\n";
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };

	(void)state;
	assert_int_equal(enf_rules_builder_add_text(b, text, sizeof(text) - 1,
						    "nul", &err),
			 -EINVAL);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 20);
	assert_non_null(strstr(err.msg, "NUL byte"));
	assert_int_equal(enf_rules_builder_count(b), 0);
	enf_rules_builder_free(b);
}

static void test_duplicate_id_across_add_text_calls(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };

	(void)state;
	assert_int_equal(add_as(b, "SecRule ARGS \"@rx a\" \"id:42\"",
				"first.conf", &err),
			 1);
	assert_int_equal(add_as(b,
				"SecRule ARGS \"@rx b\" \"id:43\"\n"
				"SecRule ARGS \"@rx c\" \"id:42\"\n",
				"second.conf", &err),
			 -EEXIST);
	assert_string_equal(err.origin, "second.conf");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 26);
	assert_non_null(strstr(err.msg, "duplicate id 42"));
	assert_non_null(strstr(err.msg, "first.conf:1"));
	/* all or nothing: 43 was not added either, and can still be */
	assert_int_equal(enf_rules_builder_count(b), 1);
	assert_int_equal(add_as(b, "SecRule ARGS \"@rx b\" \"id:43\"",
				"third.conf", &err),
			 1);
	assert_int_equal(enf_rules_builder_count(b), 2);
	enf_rules_builder_free(b);
}

static void test_limit_msg_length(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char *text = malloc(ENF_RULE_MSG_MAX + 128);
	size_t o;

	(void)state;
	assert_non_null(text);
	/* exactly ENF_RULE_MSG_MAX bytes: accepted */
	o = (size_t)sprintf(text, "SecRule ARGS \"@rx a\" \"id:1,msg:'");
	memset(text + o, 'm', ENF_RULE_MSG_MAX);
	strcpy(text + o + ENF_RULE_MSG_MAX, "'\"");
	assert_int_equal(add(b, text, &err), 1);
	assert_int_equal(strlen(enf_rules_builder_rule(b, 0)->msg),
			 ENF_RULE_MSG_MAX);
	/* one more: refused */
	o = (size_t)sprintf(text, "SecRule ARGS \"@rx a\" \"id:2,msg:'");
	memset(text + o, 'm', ENF_RULE_MSG_MAX + 1);
	strcpy(text + o + ENF_RULE_MSG_MAX + 1, "'\"");
	assert_int_equal(add(b, text, &err), -E2BIG);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 33);
	assert_non_null(strstr(err.msg, "msg longer than"));
	assert_int_equal(enf_rules_builder_count(b), 1);
	free(text);
	enf_rules_builder_free(b);
}

static void test_limit_transformations(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char text[1024];
	size_t o;

	(void)state;
	o = (size_t)sprintf(text, "SecRule ARGS \"@rx a\" \"id:1");
	for (int i = 0; i < ENF_RULE_TFN_MAX; i++)
		o += (size_t)sprintf(text + o, ",t:trim");
	strcpy(text + o, "\"");
	assert_int_equal(add(b, text, &err), 1);

	o = (size_t)sprintf(text, "SecRule ARGS \"@rx a\" \"id:2");
	for (int i = 0; i <= ENF_RULE_TFN_MAX; i++)
		o += (size_t)sprintf(text + o, ",t:trim");
	strcpy(text + o, "\"");
	assert_int_equal(add(b, text, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "more than 16 transformations"));
	assert_int_equal(err.column, 28 + 7 * ENF_RULE_TFN_MAX);
	assert_int_equal(enf_rules_builder_count(b), 1);
	enf_rules_builder_free(b);
}

static void test_limit_rule_text(void **state)
{
	size_t len = ENF_RULE_TEXT_MAX + 64;
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char *text = malloc(len + 2048);
	size_t o;

	(void)state;
	assert_non_null(text);
	/* a first good rule, then one whose continued lines join to more
	 * than ENF_RULE_TEXT_MAX bytes */
	o = (size_t)sprintf(text, "SecRule ARGS \"@rx a\" \"id:1\"\n"
				  "SecRule ARGS \"@rx ");
	while (o < len - 16) {
		memset(text + o, 'x', 1000);
		o += 1000;
		memcpy(text + o, "\\\n", 2);
		o += 2;
	}
	strcpy(text + o, "\" \"id:2\"");
	assert_int_equal(add(b, text, &err), -E2BIG);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 0);
	assert_non_null(strstr(err.msg, "rule longer than 65536 bytes"));
	assert_int_equal(enf_rules_builder_count(b), 0);
	free(text);
	enf_rules_builder_free(b);
}

static void test_limit_rule_count(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	size_t cap = (size_t)ENF_RULES_MAX * 48 + 64, o = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	for (unsigned int i = 1; i <= ENF_RULES_MAX; i++)
		o += (size_t)snprintf(text + o, cap - o,
				      "SecRule ARGS \"@streq a\" \"id:%u\"\n",
				      i);
	assert_int_equal(add(b, text, &err), ENF_RULES_MAX);
	assert_int_equal(enf_rules_builder_count(b), ENF_RULES_MAX);
	assert_int_equal(add(b, "SecRule ARGS \"@streq a\" \"id:999999\"",
			     &err),
			 -E2BIG);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 1);
	assert_non_null(strstr(err.msg, "more than 10000 rules"));
	assert_int_equal(enf_rules_builder_count(b), ENF_RULES_MAX);
	free(text);
	enf_rules_builder_free(b);
}

static void test_file_with_bad_third_rule_adds_nothing(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char path[4096];

	(void)state;
	assert_non_null(tsrc_path(path, sizeof(path),
				  "tests/unit/data/rules/third_bad.conf"));
	assert_int_equal(enf_rules_builder_add_file(b, path, &err), -EINVAL);
	assert_string_equal(err.origin, path);
	assert_int_equal(err.line, 9);
	assert_int_equal(err.column, 26);
	assert_non_null(strstr(err.msg, "unknown action 'dney'"));
	assert_int_equal(enf_rules_builder_count(b), 0);
	enf_rules_builder_free(b);
}

static void test_add_file_reads_rules_and_origin(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char path[4096];

	(void)state;
	assert_non_null(
		tsrc_path(path, sizeof(path),
			  "tests/unit/data/rules/dir_ok/20-second.conf"));
	assert_int_equal(enf_rules_builder_add_file(b, path, &err), 2);
	assert_int_equal(enf_rules_builder_rule(b, 0)->id, 2001);
	assert_string_equal(enf_rules_builder_rule(b, 0)->origin, path);
	assert_int_equal(enf_rules_builder_rule(b, 0)->line, 2);
	assert_int_equal(enf_rules_builder_rule(b, 1)->id, 2002);
	assert_int_equal(enf_rules_builder_rule(b, 1)->line, 3);
	enf_rules_builder_free(b);
}

static void test_add_file_missing_is_enoent(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };

	(void)state;
	assert_int_equal(enf_rules_builder_add_file(
				 b, "/nonexistent/enforcer/x.conf", &err),
			 -ENOENT);
	assert_string_equal(err.origin, "/nonexistent/enforcer/x.conf");
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "cannot open"));
	enf_rules_builder_free(b);
}

static void test_add_dir_in_name_order(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char path[4096];
	const char *origin;

	(void)state;
	assert_non_null(
		tsrc_path(path, sizeof(path), "tests/unit/data/rules/dir_ok"));
	/* 10-first.conf then 20-second.conf; README is not a .conf */
	assert_int_equal(enf_rules_builder_add_dir(b, path, &err), 3);
	assert_int_equal(enf_rules_builder_count(b), 3);
	assert_int_equal(enf_rules_builder_rule(b, 0)->id, 1001);
	assert_int_equal(enf_rules_builder_rule(b, 1)->id, 2001);
	assert_int_equal(enf_rules_builder_rule(b, 2)->id, 2002);
	origin = enf_rules_builder_rule(b, 0)->origin;
	assert_non_null(strstr(origin, "/10-first.conf"));
	origin = enf_rules_builder_rule(b, 2)->origin;
	assert_non_null(strstr(origin, "/20-second.conf"));
	enf_rules_builder_free(b);
}

static void test_add_dir_all_or_nothing(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };
	char path[4096];

	(void)state;
	assert_non_null(
		tsrc_path(path, sizeof(path), "tests/unit/data/rules/dir_bad"));
	assert_int_equal(enf_rules_builder_add_dir(b, path, &err), -EINVAL);
	assert_non_null(strstr(err.origin, "/20-bad.conf"));
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "unknown variable 'NOPE'"));
	assert_int_equal(enf_rules_builder_count(b), 0);
	enf_rules_builder_free(b);
}

static void test_add_dir_missing_is_enoent(void **state)
{
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };

	(void)state;
	assert_int_equal(enf_rules_builder_add_dir(b, "/nonexistent/enforcer",
						   &err),
			 -ENOENT);
	assert_string_equal(err.origin, "/nonexistent/enforcer");
	enf_rules_builder_free(b);
}

static void test_destructors_accept_null(void **state)
{
	(void)state;
	enf_rules_builder_free(NULL);
	enf_ruleset_free(NULL);
	enf_rules_scratch_free(NULL);
	assert_int_equal(enf_rules_builder_count(NULL), 0);
	assert_null(enf_rules_builder_rule(NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_rule_fills_info),
		cmocka_unit_test(test_every_variable_parses),
		cmocka_unit_test(test_every_operator_parses),
		cmocka_unit_test(test_pm_phrases_split_on_spaces),
		cmocka_unit_test(test_every_action_parses),
		cmocka_unit_test(test_shadow_mode),
		cmocka_unit_test(test_severity_names_and_numbers),
		cmocka_unit_test(test_quoting_and_escapes),
		cmocka_unit_test(test_continuation_joins_lines),
		cmocka_unit_test(test_comment_ends_at_its_line),
		cmocka_unit_test(test_empty_and_comment_only_text),
		cmocka_unit_test(test_errors_point_at_line_and_column),
		cmocka_unit_test(test_nul_byte_is_refused),
		cmocka_unit_test(test_duplicate_id_across_add_text_calls),
		cmocka_unit_test(test_limit_msg_length),
		cmocka_unit_test(test_limit_transformations),
		cmocka_unit_test(test_limit_rule_text),
		cmocka_unit_test(test_limit_rule_count),
		cmocka_unit_test(test_file_with_bad_third_rule_adds_nothing),
		cmocka_unit_test(test_add_file_reads_rules_and_origin),
		cmocka_unit_test(test_add_file_missing_is_enoent),
		cmocka_unit_test(test_add_dir_in_name_order),
		cmocka_unit_test(test_add_dir_all_or_nothing),
		cmocka_unit_test(test_add_dir_missing_is_enoent),
		cmocka_unit_test(test_destructors_accept_null),
	};

	return cmocka_run_group_tests_name("rules_parse", tests, NULL, NULL);
}
