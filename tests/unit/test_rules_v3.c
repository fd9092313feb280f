// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SecLang as ModSecurity v3 reads it, end to end through the engine: every
 * expectation here was checked against libmodsecurity 3.0.9 (a rule set and
 * a request through msc_rules_add() and msc_process_*()), except where a
 * comment says enforcer differs on purpose.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "rules/rules.h"
#include "test_rules_util.h"

static void load(struct tset *t, const char *text)
{
	struct enf_rule_error err = { 0 };
	int ret = tset_load(t, text, &err);

	if (ret)
		fail_msg("rules refused (%d) at %s:%u:%u: %s\n  text: %s", ret,
			 err.origin, err.line, err.column, err.msg, text);
}

/* A scratch directory for rule files, removed with rm -r by dir_done(). */
static void dir_make(char *dir)
{
	if (!mkdtemp(dir))
		fail_msg("mkdtemp %s failed", dir);
}

static void dir_done(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Write @text to @dir/@name (subdirectories made as needed). */
static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (char *s = strchr(path + strlen(dir) + 1, '/'); s;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Build the rules of @path (a file) into @t; returns the first error. */
static int load_file(struct tset *t, const char *path,
		     struct enf_rule_error *err)
{
	struct enf_rules_builder *b = NULL;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = enf_rules_builder_new(&b);
	if (!ret)
		ret = enf_rules_builder_add_file(b, path, err);
	if (ret >= 0)
		ret = enf_rules_build(b, &t->rs, err);
	if (!ret)
		ret = enf_rules_scratch_new(t->rs, &t->s);
	enf_rules_builder_free(b);
	return ret;
}

/* The ids that matched, in report order, as "1,2,4". */
static const char *ids_of(const struct tmatches *m, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? "," : "",
				      m->m[i].id);
	return buf;
}

static void expect_ids(const char *what, struct tset *t,
		       const struct enf_request *req, const char *want)
{
	struct tmatches got;
	char ids[256];
	int n = tset_match(t, req, &got);

	if (n < 0)
		fail_msg("%s: match failed: %d", what, n);
	if (strcmp(ids_of(&got, ids, sizeof(ids)), want))
		fail_msg("%s: matched [%s], want [%s]", what, ids, want);
}

/*
 * Operator arguments and action values are kept as written: "@rx ^a\\b$"
 * is the regex ^a\\b$ (a literal backslash), "@contains a\\b" looks for
 * two backslashes, "@streq a\"b" for a backslash and a quote, and
 * msg:'it\'s' is it\'s.
 */
static void test_escapes_kept_as_written(void **state)
{
	static const char rules[] =
		"SecRule ARGS:a \"@rx ^a\\\\b$\" \"id:1\"\n"
		"SecRule ARGS:b \"@contains a\\\\b\" \"id:2\"\n"
		"SecRule ARGS:a \"@contains a\\\\b\" \"id:3\"\n"
		"SecRule ARGS:d \"@streq a\\\"b\" \"id:4\"\n"
		"SecRule ARGS:c \"@streq a\\\"b\" \"id:5\"\n"
		"SecRule ARGS:c \"@rx a\\\"b\" \"id:6,msg:'it\\'s'\"\n"
		"SecRule ARGS:a \"@endsWith a\\\\\" \"id:7\"\n"
		"SecRule ARGS:e \"@endsWith a\\\\\" \"id:8\"\n";
	struct tmatches got;
	struct tset t = { 0 };
	struct treq req;

	(void)state;
	load(&t, rules);
	/* a=a\b b=a\\b c=a"b d=a\"b e=xa\\ */
	treq_init(&req, "GET",
		  "/x?a=a%5Cb&b=a%5C%5Cb&c=a%22b&d=a%5C%22b&e=xa%5C%5C");
	expect_ids("escapes", &t, &req.req, "1,2,4,6,8");
	assert_int_equal(tset_match(&t, &req.req, &got), 5);
	assert_string_equal(tmatches_find(&got, 6)->msg, "it\\'s");
	tset_free(&t);
}

/*
 * A relative @pmFromFile in a file named without a directory ("-r t.conf")
 * is read from "." (the file's directory), as ModSecurity reads it.
 */
static void test_pm_from_file_of_a_bare_file_name(void **state)
{
	char dir[] = "/tmp/enf-v3-pm-XXXXXX", cwd[512];
	struct enf_rule_error err = { 0 };
	struct tset t;
	struct treq req;
	int ret;

	(void)state;
	dir_make(dir);
	put(dir, "t.conf", "SecRule ARGS:c \"@pmFromFile rel.txt\" \"id:1\"\n");
	put(dir, "rel.txt", "a\"b\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	ret = load_file(&t, "t.conf", &err);
	assert_int_equal(chdir(cwd), 0);
	if (ret)
		fail_msg("t.conf refused (%d) at %s:%u:%u: %s", ret, err.origin,
			 err.line, err.column, err.msg);
	treq_init(&req, "GET", "/x?c=xa%22bx");
	expect_ids("@pmFromFile rel.txt", &t, &req.req, "1");
	tset_free(&t);
	dir_done(dir);
}

/*
 * SecAction: an unconditional rule, reported once per request in its phase
 * (rule order within the phase), with no variable and no value; its msg
 * macros expanded. As ModSecurity 3.0.9: a phase:1 SecAction with log
 * logs a warning on every request, one with deny denies it (403).
 */
static void test_secaction_matches_every_request(void **state)
{
	static const char rules[] =
		"SecAction \"id:3,phase:2,pass,t:none,msg:'m %{REQUEST_METHOD}'\"\n"
		"SecRule ARGS:c \"@streq x\" \"id:2,phase:1,log\"\n"
		"SecAction id:1,phase:1,log,msg:'first'\n"
		"SecRule DIRECTION \"@streq outbound\" \"id:4,phase:2,log\"\n"
		"SecAction \"id:5,phase:2,deny\"\n";
	struct enf_req_origin o = { .comm = "curl",
				    .exe = "/usr/bin/curl",
				    .tls_lib = "openssl" };
	const struct enf_rule_info *info;
	const struct tmatch *m;
	struct tmatches got;
	struct tset t = { 0 };
	struct treq req;

	(void)state;
	load(&t, rules);
	info = enf_ruleset_rule(t.rs, 0);
	assert_string_equal(info->engine, "unconditional");
	assert_non_null(strstr(info->why, "phase 2"));
	assert_null(strstr(info->why, "WARNING"));
	/* rule lint shows why: a SecAction that denies denies everything */
	info = enf_ruleset_rule(t.rs, 4);
	assert_string_equal(info->engine, "unconditional");
	assert_non_null(strstr(info->why, "WARNING: its 'deny' denies"));
	assert_true(info->actions & ENF_ACT_DENY);

	treq_init(&req, "POST", "/?c=x");
	expect_ids("phase order, then rule order", &t, &req.req, "2,1,3,5");
	treq_init(&req, "GET", "/");
	expect_ids("any request", &t, &req.req, "1,3,5");
	assert_int_equal(tset_match(&t, &req.req, &got), 3);
	m = tmatches_find(&got, 3);
	assert_string_equal(m->var, "");
	assert_int_equal(m->value_len, 0);
	assert_string_equal(m->msg, "m GET");
	assert_string_equal(tmatches_find(&got, 1)->msg, "first");

	/* one phase at a time: phase 1's SecAction alone, then phase 2's */
	assert_int_equal(
		enf_rules_match_phase(t.rs, t.s, &req.req, 1, NULL, NULL), 1);
	assert_int_equal(
		enf_rules_match_phase(t.rs, t.s, &req.req, 2, NULL, NULL), 2);

	/* an outbound request is for the rules that read DIRECTION */
	o.direction = ENF_REQ_OUTBOUND;
	req.req.origin = &o;
	expect_ids("outbound", &t, &req.req, "4");
	/* an inbound one with its origin sees them all */
	o.direction = ENF_REQ_INBOUND;
	expect_ids("inbound", &t, &req.req, "1,3,5");
	tset_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_kept_as_written),
		cmocka_unit_test(test_pm_from_file_of_a_bare_file_name),
		cmocka_unit_test(test_secaction_matches_every_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
