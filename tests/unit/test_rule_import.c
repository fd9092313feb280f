// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rule.add's named texts (enforcerctl rule import), the daemon's side: the
 * request's "texts" checked (enf_rule_texts_parse), and the set built from
 * a real rules directory, a real policy database and the texts, validated
 * together, all or nothing (enf_daemon_build_rules_texts).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "enforcer/control/proto.h"
#include "enforcer/daemon/daemon.h"
#include "policydb/policydb.h"
#include "rules/rules.h"

static char dir[] = "/tmp/enf-rule-import-XXXXXX";

struct fx {
	struct enf_config cfg;
	struct pdb *db;
	struct enf_rules_builder *b;
	struct enf_ruleset *rs;
	struct enf_rule_error err;
	size_t files, fromdb;
};

static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* A rules directory with rule 100, a database with rule 200 enabled and
 * rule 300 disabled. */
static int setup(void **state)
{
	struct pdb_rule rows[2] = {
		{ .rule_id = 200,
		  .text = "SecRule REQUEST_URI \"@contains /db\" \"id:200\"",
		  .enabled = true,
		  .mode = "enforce",
		  .source = "test" },
		{ .rule_id = 300,
		  .text = "SecRule REQUEST_URI \"@contains /off\" \"id:300\"",
		  .enabled = false,
		  .mode = "enforce",
		  .source = "test" },
	};
	char err[PDB_ERR_LEN];
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(dir, "/tmp/enf-rule-import-XXXXXX");
	assert_non_null(mkdtemp(dir));
	enf_config_defaults(&f->cfg);
	snprintf(f->cfg.rules_dir, sizeof(f->cfg.rules_dir), "%s/rules", dir);
	snprintf(f->cfg.database, sizeof(f->cfg.database), "%s/policy.db", dir);
	assert_int_equal(mkdir(f->cfg.rules_dir, 0755), 0);
	put("rules/base.conf",
	    "SecRule REQUEST_URI \"@contains /file\" \"id:100\"\n");
	put("phrases.txt", "alpha\nbeta\n");
	assert_int_equal(pdb_open(f->cfg.database, &f->db, err), 0);
	assert_int_equal(pdb_rule_insert_many(f->db, rows, 2, err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[300];

	enf_ruleset_free(f->rs);
	enf_rules_builder_free(f->b);
	pdb_close(f->db);
	free(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static int build(struct fx *f, const struct enf_rule_text *t, size_t n,
		 bool shadow)
{
	memset(&f->err, 0, sizeof(f->err));
	return enf_daemon_build_rules_texts(&f->cfg, f->db, t, n, shadow, &f->b,
					    &f->rs, &f->files, &f->fromdb,
					    &f->err);
}

#define T(name, text)                        \
	{                                    \
		name, text, sizeof(text) - 1 \
	}

/* Three texts: every rule in, in order, each with its text's name. */
static void three_texts_build(void **state)
{
	struct fx *f = *state;
	const struct enf_rule_text t[] = {
		T("10-a.conf", "SecRule ARGS \"@rx ^a+$\" \"id:1001,deny\"\n"),
		T("20-b.conf",
		  "# two rules\n"
		  "SecRule ARGS \"@streq b\" \"id:1002\"\n"
		  "SecRule REQUEST_URI \"@beginsWith /c\" \"id:1003,chain\"\n"
		  "  SecRule ARGS:q \"@streq c\"\n"),
		T("30-c.conf", "SecRule ARGS \"@pm x y\" \"id:1004\"\n"),
	};
	static const uint32_t ids[] = { 1001, 1002, 1003, 1004 };
	static const char *const origins[] = { "10-a.conf", "20-b.conf",
					       "20-b.conf", "30-c.conf" };
	static const unsigned int lines[] = { 1, 2, 3, 1 };
	size_t first;

	assert_int_equal(build(f, t, 3, false), 0);
	assert_int_equal(f->files, 1);
	assert_int_equal(f->fromdb, 1); /* rule 300 is disabled */
	first = f->files + f->fromdb;
	/* a chain is one rule to its users */
	assert_int_equal(enf_rules_builder_count(f->b), first + 4);
	assert_int_equal(enf_ruleset_count(f->rs), first + 4);
	for (size_t i = 0; i < 4; i++) {
		const struct enf_rule_info *r =
			enf_rules_builder_rule(f->b, first + i);

		assert_int_equal(r->id, ids[i]);
		assert_string_equal(r->origin, origins[i]);
		assert_int_equal(r->line, lines[i]);
		assert_false(r->actions & ENF_ACT_SHADOW);
	}
	/* the chain's text holds its link, so its row loads it whole */
	assert_non_null(strstr(enf_rules_builder_rule(f->b, first + 2)->text,
			       "ARGS:q"));
}

/* --shadow: every rule of every text a shadow rule. */
static void shadow_texts(void **state)
{
	struct fx *f = *state;
	const struct enf_rule_text t[] = {
		T("a.conf", "SecRule ARGS \"@streq a\" \"id:1,deny\"\n"),
		T("b.conf", "SecRule ARGS \"@streq b\" \"id:2,deny\"\n"),
	};

	assert_int_equal(build(f, t, 2, true), 0);
	for (size_t i = 0; i < 2; i++)
		assert_true(enf_rules_builder_rule(f->b, 2 + i)->actions &
			    ENF_ACT_SHADOW);
}

/* One refused text refuses the set: nothing built, the error names it. */
static void refusal(struct fx *f, const struct enf_rule_text *t, size_t n,
		    int want, const char *origin, unsigned int line,
		    unsigned int column, const char *msg)
{
	int ret = build(f, t, n, false);

	if (ret != want)
		fail_msg("%s: got %d, want %d (%s:%u:%u: %s)", msg, ret, want,
			 f->err.origin, f->err.line, f->err.column, f->err.msg);
	assert_null(f->rs);
	assert_null(f->b);
	assert_string_equal(f->err.origin, origin);
	assert_int_equal(f->err.line, line);
	if (column)
		assert_int_equal(f->err.column, column);
	if (!strstr(f->err.msg, msg))
		fail_msg("error '%s' lacks '%s'", f->err.msg, msg);
}

static void third_text_syntax_error(void **state)
{
	const struct enf_rule_text t[] = {
		T("10-a.conf", "SecRule ARGS \"@streq a\" \"id:1\"\n"),
		T("20-b.conf", "SecRule ARGS \"@streq b\" \"id:2\"\n"),
		T("30-c.conf", "# fine\n"
			       "SecRule ARGS \"@streq c\" \"id:3\"\n"
			       "SecRule ARGS \"@nosuch c\" \"id:4\"\n"),
	};

	refusal(*state, t, 3, -EINVAL, "30-c.conf", 3, 15,
		"unknown operator '@nosuch'");
}

static void duplicate_across_texts(void **state)
{
	const struct enf_rule_text t[] = {
		T("a.conf", "SecRule ARGS \"@streq a\" \"id:7\"\n"),
		T("b.conf", "\nSecRule ARGS \"@streq b\" \"id:7\"\n"),
	};

	refusal(*state, t, 2, -EEXIST, "b.conf", 2, 0,
		"duplicate id 7 (already defined at a.conf:1)");
}

static void duplicate_of_a_file_rule(void **state)
{
	const struct enf_rule_text t[] = {
		T("a.conf", "SecRule ARGS \"@streq a\" \"id:100\"\n"),
	};

	refusal(*state, t, 1, -EEXIST, "a.conf", 1, 0, "duplicate id 100");
}

static void duplicate_of_a_database_rule(void **state)
{
	const struct enf_rule_text t[] = {
		T("a.conf", "SecRule ARGS \"@streq a\" \"id:1\"\n"),
		T("b.conf", "SecRule ARGS \"@streq a\" \"id:200\"\n"),
	};

	refusal(*state, t, 2, -EEXIST, "b.conf", 1, 0,
		"duplicate id 200 (already defined at database rule 200");
}

/* A text is a source of its own: a chain does not run into the next. */
static void chain_does_not_cross_texts(void **state)
{
	const struct enf_rule_text t[] = {
		T("a.conf", "SecRule ARGS \"@streq a\" \"id:1,chain\"\n"),
		T("b.conf", "SecRule ARGS \"@streq b\" \"id:2\"\n"),
	};

	refusal(*state, t, 2, -EINVAL, "a.conf", 1, 0,
		"'chain' with no rule after it");
}

/* Include is refused, and so is a relative @pmFromFile: the daemon cannot
 * read the importer's directory, and the database keeps only the text. */
static void include_and_relative_pm_from_file(void **state)
{
	struct fx *f = *state;
	const struct enf_rule_text inc[] = {
		T("a.conf", "SecRule ARGS \"@streq a\" \"id:1\"\n"
			    "Include other.conf\n"),
	};
	const struct enf_rule_text rel[] = {
		T("a.conf", "SecRule ARGS \"@pmFromFile phrases.txt\" "
			    "\"id:1\"\n"),
	};
	char text[600];
	struct enf_rule_text abs = { "a.conf", text, 0 };

	refusal(f, inc, 1, -EINVAL, "a.conf", 2, 1,
		"unsupported directive 'Include'");
	refusal(f, rel, 1, -EINVAL, "a.conf", 1, 0,
		"'phrases.txt' is relative");
	/* an absolute name is read where the daemon runs, as rule add does */
	abs.len =
		(size_t)snprintf(text, sizeof(text),
				 "SecRule ARGS \"@pmFromFile %s/phrases.txt\" "
				 "\"id:1\"\n",
				 dir);
	assert_int_equal(build(f, &abs, 1, false), 0);
}

/* The older single "text": one text named "<rule add>". */
static void parse_single_text(void **state)
{
	struct enf_rule_text *t = NULL;
	json_t *args = json_pack("{s:s}", "text", "SecRule x");
	char err[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(enf_rule_texts_parse(args, &t, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 1);
	assert_string_equal(t[0].name, "<rule add>");
	assert_int_equal(t[0].len, 9);
	free(t);
	json_decref(args);
}

static void parse_named_texts(void **state)
{
	struct enf_rule_text *t = NULL;
	json_t *args = json_pack("{s:[{s:s,s:s},{s:s,s:s%}]}", "texts", "name",
				 "10-a.conf", "text", "A", "name", "20-b.conf",
				 "text", "BB\nx", (size_t)4);
	char err[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(enf_rule_texts_parse(args, &t, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].name, "10-a.conf");
	assert_memory_equal(t[0].text, "A", 2);
	assert_string_equal(t[1].name, "20-b.conf");
	assert_int_equal(t[1].len, 4);
	free(t);
	json_decref(args);
}

/* Each refused request: its return and a word of its message. */
static void parse_refused(json_t *args, int want, const char *why,
			  const char *name)
{
	struct enf_rule_text *t = (void *)1;
	char err[256] = "";
	size_t n = 9;
	int ret;

	assert_non_null(args);
	ret = enf_rule_texts_parse(args, &t, &n, err, sizeof(err));
	if (ret != want || !strstr(err, why))
		fail_msg("%s: got %d '%s', want %d '%s'", name, ret, err, want,
			 why);
	assert_null(t);
	assert_int_equal(n, 0);
	json_decref(args);
}

static void parse_refusals(void **state)
{
	json_t *many = json_array(), *nul_name;
	char longname[ENF_CTL_RULE_NAME_MAX + 2];

	(void)state;
	parse_refused(json_pack("{s:s,s:[]}", "text", "x", "texts"), -EINVAL,
		      "not both", "text and texts");
	parse_refused(json_pack("{s:s}", "source", "x"), -EINVAL,
		      "needs \"text\" or \"texts\"", "neither");
	parse_refused(json_pack("{s:i}", "text", 1), -EINVAL, "is a string",
		      "text not a string");
	parse_refused(json_pack("{s:[]}", "texts"), -EINVAL, "non-empty array",
		      "no texts");
	parse_refused(json_pack("{s:s}", "texts", "x"), -EINVAL,
		      "non-empty array", "texts not an array");
	parse_refused(json_pack("{s:[{s:s}]}", "texts", "name", "a.conf"),
		      -EINVAL, "texts[0] needs a \"name\" and a \"text\"",
		      "entry without text");
	parse_refused(json_pack("{s:[{s:s,s:i}]}", "texts", "name", "a.conf",
				"text", 3),
		      -EINVAL, "texts[0] needs", "text not a string");
	parse_refused(json_pack("{s:[{s:s,s:s}]}", "texts", "name",
				"../etc/x.conf", "text", "x"),
		      -EINVAL, "without '/'", "name with a slash");
	parse_refused(json_pack("{s:[{s:s,s:s}]}", "texts", "name",
				"a\x1b.conf", "text", "x"),
		      -EINVAL, "control bytes", "name with a control byte");
	parse_refused(json_pack("{s:[{s:s,s:s}]}", "texts", "name", "", "text",
				"x"),
		      -EINVAL, "1 to", "empty name");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	parse_refused(json_pack("{s:[{s:s,s:s}]}", "texts", "name", longname,
				"text", "x"),
		      -EINVAL, "1 to 128 bytes", "name too long");
	nul_name = json_pack("{s:[{s:s%,s:s}]}", "texts", "name", "a\0b",
			     (size_t)3, "text", "x");
	parse_refused(nul_name, -EINVAL, "a name is", "NUL in a name");
	parse_refused(json_pack("{s:[{s:s,s:s},{s:s,s:s}]}", "texts", "name",
				"a.conf", "text", "x", "name", "a.conf", "text",
				"y"),
		      -EINVAL, "two texts named 'a.conf'", "a name twice");
	parse_refused(json_pack("{s:[{s:s,s:s},{s:s,s:s%}]}", "texts", "name",
				"a.conf", "text", "x", "name", "b.conf", "text",
				"1\n2\n\0", (size_t)5),
		      -EINVAL, "b.conf:3: a NUL byte", "NUL in a text");
	parse_refused(json_pack("{s:s%}", "text", "a\0", (size_t)2), -EINVAL,
		      "<rule add>:1: a NUL byte", "NUL in the single text");
	assert_non_null(many);
	for (int i = 0; i <= ENF_CTL_RULE_TEXTS_MAX; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%05d.conf", i);
		assert_int_equal(json_array_append_new(
					 many, json_pack("{s:s,s:s}", "name",
							 name, "text", "")),
				 0);
	}
	parse_refused(json_pack("{s:o}", "texts", many), -E2BIG,
		      "more than 4096", "too many texts");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(three_texts_build, setup,
						teardown),
		cmocka_unit_test_setup_teardown(shadow_texts, setup, teardown),
		cmocka_unit_test_setup_teardown(third_text_syntax_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(duplicate_across_texts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(duplicate_of_a_file_rule, setup,
						teardown),
		cmocka_unit_test_setup_teardown(duplicate_of_a_database_rule,
						setup, teardown),
		cmocka_unit_test_setup_teardown(chain_does_not_cross_texts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			include_and_relative_pm_from_file, setup, teardown),
		cmocka_unit_test(parse_single_text),
		cmocka_unit_test(parse_named_texts),
		cmocka_unit_test(parse_refusals),
	};

	return cmocka_run_group_tests_name("rule_import", tests, NULL, NULL);
}
