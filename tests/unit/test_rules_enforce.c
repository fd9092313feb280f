// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcer's enforcement actions: enforce:src|flow|cidr/N|cidr6/M|reset|
 * kill|egress and ttl:SECONDS. Good forms (several on one rule, a quoted
 * list, the IPv6 prefix's default), enforce: without deny implying deny,
 * every refused form with its line, column and the construct named, links
 * of a chain refusing both, all or nothing; and the shared word grammar
 * (enf_enforce_add/finish/format) the configuration reads too.
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

#include "rules/rules.h"
#include "test_rules_util.h"

static struct enf_rules_builder *new_builder(void)
{
	struct enf_rules_builder *b = NULL;

	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_non_null(b);
	return b;
}

/* Parse one rule that must be accepted; returns its info. */
static const struct enf_rule_info *parse_ok(struct enf_rules_builder *b,
					    const char *text)
{
	struct enf_rule_error err = { 0 };
	size_t before = enf_rules_builder_count(b);
	int n = enf_rules_builder_add_text(b, text, strlen(text), "<test>",
					   &err);

	if (n != 1)
		fail_msg("rule refused (%d) at %u:%u: %s\n  text: %s", n,
			 err.line, err.column, err.msg, text);
	return enf_rules_builder_rule(b, before);
}

/* One accepted rule: its enforcement as enf_enforce_format() writes it. */
struct good_case {
	const char *name;
	const char *actions; /* inside "id:1,..." */
	uint32_t kinds;
	uint8_t cidr4, cidr6;
	uint32_t ttl;
	uint32_t actions_bits; /* ENF_ACT_* after parsing */
	const char *text;
};

static const struct good_case good_cases[] = {
	{ "no enforce: config decides", "deny", 0, 0, 0, 0, ENF_ACT_DENY,
	  "none" },
	{ "src", "deny,enforce:src", ENF_ENF_SRC, 0, 0, 0, ENF_ACT_DENY,
	  "src" },
	{ "flow with drop", "drop,enforce:flow", ENF_ENF_FLOW, 0, 0, 0,
	  ENF_ACT_DROP, "flow" },
	{ "cidr: IPv6 peers get /64", "block,enforce:cidr/24", ENF_ENF_CIDR, 24,
	  64, 0, ENF_ACT_BLOCK, "cidr/24,cidr6/64" },
	{ "cidr and cidr6", "deny,enforce:cidr/16,enforce:cidr6/48",
	  ENF_ENF_CIDR, 16, 48, 0, ENF_ACT_DENY, "cidr/16,cidr6/48" },
	{ "cidr6 before cidr", "deny,enforce:cidr6/128,enforce:cidr/32",
	  ENF_ENF_CIDR, 32, 128, 0, ENF_ACT_DENY, "cidr/32,cidr6/128" },
	{ "several actions", "deny,enforce:src,enforce:reset",
	  ENF_ENF_SRC | ENF_ENF_RESET, 0, 0, 0, ENF_ACT_DENY, "src,reset" },
	{ "every kind, in any order and case",
	  "deny,enforce:EGRESS,enforce:Kill,enforce:reset,enforce:cidr/8,"
	  "enforce:flow,enforce:src",
	  ENF_ENF_ALL, 8, 64, 0, ENF_ACT_DENY,
	  "src,flow,cidr/8,cidr6/64,reset,kill,egress" },
	{ "a quoted list", "deny,enforce:'src, flow ,cidr/24'",
	  ENF_ENF_SRC | ENF_ENF_FLOW | ENF_ENF_CIDR, 24, 64, 0, ENF_ACT_DENY,
	  "src,flow,cidr/24,cidr6/64" },
	{ "a word given twice is taken once",
	  "deny,enforce:src,enforce:src,enforce:cidr/24,enforce:cidr/24",
	  ENF_ENF_SRC | ENF_ENF_CIDR, 24, 64, 0, ENF_ACT_DENY,
	  "src,cidr/24,cidr6/64" },
	{ "enforce: without deny implies deny", "enforce:flow", ENF_ENF_FLOW, 0,
	  0, 0, ENF_ACT_DENY, "flow" },
	{ "enforce: with log and no deny implies deny", "log,enforce:kill",
	  ENF_ENF_KILL, 0, 0, 0, ENF_ACT_DENY | ENF_ACT_LOG, "kill" },
	{ "ttl with deny", "deny,ttl:600", 0, 0, 0, 600, ENF_ACT_DENY, "none" },
	{ "ttl zero: no expiry", "deny,enforce:src,ttl:0", ENF_ENF_SRC, 0, 0, 0,
	  ENF_ACT_DENY, "src" },
	{ "ttl at its most, before enforce:",
	  "ttl:31536000,enforce:src,enforce:flow", ENF_ENF_SRC | ENF_ENF_FLOW,
	  0, 0, 31536000, ENF_ACT_DENY, "src,flow" },
	{ "ttl with a shadow rule", "deny,enforce:src,ttl:60,mode:shadow",
	  ENF_ENF_SRC, 0, 0, 60, ENF_ACT_DENY | ENF_ACT_SHADOW, "src" },
};

static void test_good_forms(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_cases) / sizeof(good_cases[0]);
	     i++) {
		const struct good_case *c = &good_cases[i];
		struct enf_rules_builder *b = new_builder();
		const struct enf_rule_info *r;
		char text[512], fmt[ENF_ENFORCE_TEXT_MAX];

		snprintf(text, sizeof(text),
			 "SecRule ARGS \"@rx a\" \"id:1,%s\"", c->actions);
		r = parse_ok(b, text);
		assert_true(enf_enforce_format(&r->enforce, fmt, sizeof(fmt)) >
			    0);
		if (r->enforce.kinds != c->kinds ||
		    r->enforce.cidr4 != c->cidr4 ||
		    r->enforce.cidr6 != c->cidr6 || r->ttl != c->ttl ||
		    r->actions != c->actions_bits || strcmp(fmt, c->text))
			fail_msg(
				"case '%s': kinds %#x cidr %u/%u ttl %u actions "
				"%#x \"%s\"; want %#x %u/%u %u %#x \"%s\"",
				c->name, r->enforce.kinds, r->enforce.cidr4,
				r->enforce.cidr6, r->ttl, r->actions, fmt,
				c->kinds, c->cidr4, c->cidr6, c->ttl,
				c->actions_bits, c->text);
		enf_rules_builder_free(b);
	}
}

/* One refused source: what comes back and where it points. */
struct err_case {
	const char *name;
	const char *text;
	unsigned int line;
	unsigned int column;
	const char *msg; /* a substring of err.msg */
};

#define R "SecRule ARGS \"@rx a\" " /* 21 bytes: actions start at 22 */

static const struct err_case err_cases[] = {
	{ "unknown kind", R "\"id:1,deny,enforce:foo\"", 1, 41,
	  "unknown enforcement 'foo' (src, flow, cidr/N, cidr6/M, reset, kill "
	  "or egress)" },
	{ "cidr over 32", R "\"id:1,deny,enforce:cidr/33\"", 1, 41,
	  "bad prefix length in 'cidr/33': the IPv4 prefix is cidr/N with N "
	  "from 1 to 32" },
	{ "cidr zero", R "\"id:1,deny,enforce:cidr/0\"", 1, 41,
	  "bad prefix length in 'cidr/0'" },
	{ "cidr not a number", R "\"id:1,deny,enforce:cidr/abc\"", 1, 41,
	  "bad prefix length in 'cidr/abc'" },
	{ "cidr without a length", R "\"id:1,deny,enforce:cidr\"", 1, 41,
	  "'cidr' needs a prefix length: cidr/N" },
	{ "cidr with an empty length", R "\"id:1,deny,enforce:cidr/\"", 1, 41,
	  "bad prefix length in 'cidr/'" },
	{ "cidr6 over 128", R "\"id:1,deny,enforce:cidr/24,enforce:cidr6/129\"",
	  1, 57,
	  "bad prefix length in 'cidr6/129': the IPv6 prefix is "
	  "cidr6/N with N from 1 to 128" },
	{ "both prefixes in one word", R "\"id:1,deny,enforce:cidr/24/64\"", 1,
	  41, "'cidr/24/64' is not an enforcement: one prefix per word" },
	{ "cidr4 is not a spelling", R "\"id:1,deny,enforce:cidr4/24\"", 1, 41,
	  "unknown enforcement 'cidr4/24'" },
	{ "two IPv4 prefixes",
	  R "\"id:1,deny,enforce:cidr/24,enforce:cidr/16\"", 1, 57,
	  "'cidr/16' after cidr/24: one IPv4 prefix per enforcement" },
	{ "cidr6 without cidr", R "\"id:1,deny,enforce:src,enforce:cidr6/48\"",
	  1, 53, "cidr6/48 without cidr/N: give the IPv4 prefix too" },
	{ "none in a rule", R "\"id:1,deny,enforce:none\"", 1, 41,
	  "'none' is not an enforcement of a rule" },
	{ "enforce without a value", R "\"id:1,deny,enforce\"", 1, 33,
	  "action 'enforce' needs a value" },
	{ "enforce with an empty value", R "\"id:1,deny,enforce:\"", 1, 41,
	  "empty enforcement in enforce:" },
	{ "a quoted list with an empty word",
	  R "\"id:1,deny,enforce:'src,,flow'\"", 1, 46,
	  "empty enforcement in enforce:" },
	{ "a quoted list with a bad word",
	  R "\"id:1,deny,enforce:'src,cidr/99'\"", 1, 46,
	  "bad prefix length in 'cidr/99'" },
	{ "enforce with pass", R "\"id:1,pass,enforce:src\"", 1, 33,
	  "'enforce' with 'pass': pass lets the request through" },
	{ "ttl negative", R "\"id:1,deny,ttl:-1\"", 1, 37,
	  "invalid ttl '-1' (seconds from 0 to 31536000; 0: no expiry)" },
	{ "ttl over a year", R "\"id:1,deny,ttl:31536001\"", 1, 37,
	  "invalid ttl '31536001'" },
	{ "ttl beyond 32 bits", R "\"id:1,deny,ttl:99999999999\"", 1, 37,
	  "invalid ttl '99999999999'" },
	{ "ttl with a unit", R "\"id:1,deny,ttl:10m\"", 1, 37,
	  "invalid ttl '10m'" },
	{ "ttl empty", R "\"id:1,deny,ttl:\"", 1, 37, "invalid ttl ''" },
	{ "ttl given twice", R "\"id:1,deny,ttl:60,ttl:70\"", 1, 40,
	  "action 'ttl' given twice" },
	{ "ttl of a rule that denies nothing", R "\"id:1,log,ttl:60\"", 1, 32,
	  "'ttl' of a rule that denies nothing" },
	{ "ttl with pass alone", R "\"id:1,pass,ttl:60\"", 1, 33,
	  "'ttl' of a rule that denies nothing" },
	{ "enforce on a chain link",
	  R "\"id:1,chain,deny\"\n" R "\"enforce:src\"", 2, 23,
	  "a chained rule takes only 't:', 'capture' and 'chain' (rule 1's first rule "
	  "carries the chain's actions), not 'enforce'" },
	{ "ttl on a chain link",
	  R "\"id:1,chain,deny,enforce:src\"\n" R "\"t:none,ttl:60\"", 2, 30,
	  "not 'ttl'" },
	{ "after without a window", R "\"id:1,deny,after:5\"", 1, 39,
	  "invalid after '5' (after:N/T" },
	{ "after of one match", R "\"id:1,deny,after:1/60\"", 1, 39,
	  "invalid after '1/60'" },
	{ "after of too many matches", R "\"id:1,deny,after:101/60\"", 1, 39,
	  "invalid after '101/60'" },
	{ "after over a day", R "\"id:1,deny,after:5/86401\"", 1, 39,
	  "invalid after '5/86401'" },
	{ "after with a unit", R "\"id:1,deny,after:5/1m\"", 1, 39,
	  "invalid after '5/1m'" },
	{ "after given twice", R "\"id:1,deny,after:5/60,after:3/9\"", 1, 44,
	  "action 'after' given twice" },
	{ "after of a rule that denies nothing", R "\"id:1,log,after:5/60\"", 1,
	  32, "'after' of a rule that denies nothing" },
	{ "after on a chain link",
	  R "\"id:1,chain,deny\"\n" R "\"t:none,after:5/60\"", 2, 30,
	  "not 'after'" },
	{ "a bad enforce on line 3 of a continued rule",
	  "SecRule ARGS \\\n  \"@rx a\" \\\n  \"id:1,deny,enforce:kil\"", 3, 22,
	  "unknown enforcement 'kil'" },
};

/* after:N/T is kept as N and T; without it both are 0. */
static void test_after_kept(void **state)
{
	struct enf_rules_builder *b = new_builder();
	const struct enf_rule_info *r;

	(void)state;
	r = parse_ok(b, R "\"id:1,deny,enforce:src,after:5/60\"");
	assert_int_equal(r->after_n, 5);
	assert_int_equal(r->after_s, 60);
	r = parse_ok(b, R "\"id:2,drop,after:100/86400\"");
	assert_int_equal(r->after_n, 100);
	assert_int_equal(r->after_s, 86400);
	r = parse_ok(b, R "\"id:3,deny\"");
	assert_int_equal(r->after_n, 0);
	assert_int_equal(r->after_s, 0);
	enf_rules_builder_free(b);
}

static void test_bad_forms_refused_with_place(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct enf_rules_builder *b = new_builder();
		struct enf_rule_error err;
		int ret;

		memset(&err, 0, sizeof(err));
		ret = enf_rules_builder_add_text(b, c->text, strlen(c->text),
						 "<test>", &err);
		if (ret != -EINVAL || err.line != c->line ||
		    err.column != c->column || !strstr(err.msg, c->msg) ||
		    strcmp(err.origin, "<test>") ||
		    enf_rules_builder_count(b) != 0)
			fail_msg("case '%s': got %d at %s:%u:%u \"%s\" (%zu "
				 "rules), want -EINVAL at <test>:%u:%u "
				 "\"...%s...\" (0 rules)",
				 c->name, ret, err.origin, err.line, err.column,
				 err.msg, enf_rules_builder_count(b), c->line,
				 c->column, c->msg);
		enf_rules_builder_free(b);
	}
}

/* A bad enforce: on the third rule of a text adds none of its rules. */
static void test_never_half_loaded(void **state)
{
	static const char text[] =
		"SecRule ARGS \"@rx a\" \"id:1,deny,enforce:src\"\n"
		"SecRule ARGS \"@rx b\" \"id:2,deny,enforce:flow,ttl:60\"\n"
		"SecRule ARGS \"@rx c\" \"id:3,deny,enforce:cidr/33\"\n";
	struct enf_rules_builder *b = new_builder();
	struct enf_rule_error err = { 0 };

	(void)state;
	assert_int_equal(enf_rules_builder_add_text(b, text, strlen(text),
						    "t.conf", &err),
			 -EINVAL);
	assert_int_equal(enf_rules_builder_count(b), 0);
	assert_string_equal(err.origin, "t.conf");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 41);
	enf_rules_builder_free(b);
}

/* A chain's first rule carries enforce: and ttl:, and a built set keeps
 * them (the set's rule info is the parsed rule's). */
static void test_chain_and_built_set_keep_enforcement(void **state)
{
	struct enf_rule_error err = { 0 };
	const struct enf_rule_info *r;
	struct tset t = { 0 };

	(void)state;
	assert_int_equal(
		tset_load(&t,
			  "SecRule ARGS \"@rx a\" "
			  "\"id:7,chain,drop,enforce:flow,enforce:reset,"
			  "ttl:120\"\n"
			  "SecRule REQUEST_METHOD \"@streq GET\" \"t:none\"\n"
			  "SecRule ARGS \"@rx b\" \"id:8,deny\"\n",
			  &err),
		0);
	assert_int_equal(enf_ruleset_count(t.rs), 2);
	r = enf_ruleset_rule(t.rs, 0);
	assert_int_equal(r->id, 7);
	assert_int_equal(r->enforce.kinds, ENF_ENF_FLOW | ENF_ENF_RESET);
	assert_int_equal(r->ttl, 120);
	assert_int_equal(r->actions, ENF_ACT_DROP);
	r = enf_ruleset_rule(t.rs, 1);
	assert_int_equal(r->enforce.kinds, 0);
	assert_int_equal(r->ttl, 0);
	tset_free(&t);
}

static int add_words(struct enf_enforce *e, const char *const *words, char *msg,
		     size_t msg_len)
{
	int err = 0;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; !err && words[i]; i++)
		err = enf_enforce_add(e, words[i], strlen(words[i]), msg,
				      msg_len);
	return err ? err : enf_enforce_finish(e, msg, msg_len);
}

/* The word grammar on its own: what the configuration parser calls. */
static void test_word_grammar(void **state)
{
	static const char *const all[] = { "egress",	"kill",	   "reset",
					   "cidr6/128", "cidr/32", "flow",
					   "src",	NULL };
	static const char *const cidr6_only[] = { "cidr6/56", NULL };
	static const char *const none[] = { NULL };
	struct enf_enforce e;
	char msg[256], buf[ENF_ENFORCE_TEXT_MAX];
	int n;

	(void)state;
	assert_int_equal(add_words(&e, all, msg, sizeof(msg)), 0);
	n = enf_enforce_format(&e, buf, sizeof(buf));
	assert_string_equal(buf,
			    "src,flow,cidr/32,cidr6/128,reset,kill,egress");
	assert_int_equal(n, (int)strlen(buf));
	/* the longest text fits ENF_ENFORCE_TEXT_MAX */
	assert_true(n < ENF_ENFORCE_TEXT_MAX);
	/* a short buffer is -ENOSPC, never an overrun */
	assert_int_equal(enf_enforce_format(&e, buf, 10), -ENOSPC);
	assert_true(strlen(buf) < 10);

	assert_int_equal(add_words(&e, cidr6_only, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "cidr6/56 without cidr/N"));

	assert_int_equal(add_words(&e, none, msg, sizeof(msg)), 0);
	assert_int_equal(e.kinds, 0);
	assert_int_equal(enf_enforce_format(&e, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "none");

	/* the length is the word's: a longer buffer is not read past it */
	memset(&e, 0, sizeof(e));
	assert_int_equal(enf_enforce_add(&e, "srcX", 3, msg, sizeof(msg)), 0);
	assert_int_equal(e.kinds, ENF_ENF_SRC);
	assert_int_equal(enf_enforce_add(&e, "cidr/24,", 7, msg, sizeof(msg)),
			 0);
	assert_int_equal(e.cidr4, 24);
	assert_int_equal(enf_enforce_add(&e, "floww", 5, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "unknown enforcement 'floww'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_forms),
		cmocka_unit_test(test_bad_forms_refused_with_place),
		cmocka_unit_test(test_after_kept),
		cmocka_unit_test(test_never_half_loaded),
		cmocka_unit_test(test_chain_and_built_set_keep_enforcement),
		cmocka_unit_test(test_word_grammar),
	};

	return cmocka_run_group_tests_name("rules_enforce", tests, NULL, NULL);
}
