// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SecLang as ModSecurity v3 reads it, end to end through the engine: every
 * expectation here was checked against libmodsecurity 3.0.9 (a rule set and
 * a request through msc_rules_add() and msc_process_*()), except where a
 * comment says enforcer differs on purpose.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
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

/* Add @path (a file, or with @dir a directory) to a new builder: what
 * enf_rules_builder_add_file/dir() returned, the builder's count in @n. */
static int add_src(const char *path, bool dir, struct enf_rule_error *err,
		   size_t *n)
{
	struct enf_rules_builder *b = NULL;
	int ret;

	memset(err, 0, sizeof(*err));
	assert_int_equal(enf_rules_builder_new(&b), 0);
	ret = dir ? enf_rules_builder_add_dir(b, path, err) :
		    enf_rules_builder_add_file(b, path, err);
	*n = enf_rules_builder_count(b);
	enf_rules_builder_free(b);
	return ret;
}

/* @path's source must be refused with @want at @origin (under @dir),
 * @line, @column, the message holding @msg, and nothing added. */
static void refused(const char *what, const char *dir, const char *path,
		    bool is_dir, int want, const char *origin,
		    unsigned int line, unsigned int column, const char *msg)
{
	struct enf_rule_error err;
	char full[256], worigin[256];
	size_t n;
	int ret;

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	snprintf(worigin, sizeof(worigin), "%s/%s", dir, origin);
	ret = add_src(full, is_dir, &err, &n);
	if (ret != want || strcmp(err.origin, worigin) || err.line != line ||
	    err.column != column || !strstr(err.msg, msg) || n)
		fail_msg("%s: got %d at %s:%u:%u \"%s\" (%zu rules), want %d "
			 "at %s:%u:%u \"...%s...\" (0 rules)",
			 what, ret, err.origin, err.line, err.column, err.msg,
			 n, want, worigin, line, column, msg);
}

/*
 * Include: relative to the including file's directory, a glob read in
 * name order, nested, quoted or not, the directive's name in any case;
 * the rules land in the order ModSecurity 3.0.9 loads them (checked:
 * 10, 30, 20, 1 for this tree), each with its own file and line, and a
 * relative @pmFromFile of an included file is read from that file's
 * directory.
 */
static void test_include_order_and_origins(void **state)
{
	char dir[] = "/tmp/enf-v3-inc-XXXXXX", path[256];
	static const struct {
		uint32_t id;
		const char *file;
		unsigned int line;
	} want[] = {
		{ 10, "conf.d/10-a.conf", 1 },
		{ 30, "conf.d/../sub/x.conf", 2 },
		{ 20, "conf.d/20-b.conf", 1 },
		{ 40, "conf.d/20-b.conf", 3 },
		{ 1, "main.conf", 4 },
	};
	struct enf_rule_error err = { 0 };
	struct tset t;
	struct treq req;

	(void)state;
	dir_make(dir);
	put(dir, "main.conf",
	    "# the rules of conf.d first\n"
	    "Include conf.d/*.conf\n"
	    "\n"
	    "SecRule ARGS:c \"@rx a\" \"id:1\"\n");
	put(dir, "conf.d/20-b.conf",
	    "SecRule ARGS:c \"@rx a\" \"id:20\"\n"
	    "include \"../sub/y.conf\"\n"
	    "SecRule ARGS:c \"@pmFromFile words.txt\" \"id:40\"\n");
	put(dir, "conf.d/10-a.conf",
	    "SecRule ARGS:c \"@rx a\" \"id:10\"\n"
	    "Include ../sub/x.conf\n");
	put(dir, "conf.d/words.txt", "xq\n");
	put(dir, "conf.d/notes.txt", "not a rule file\n");
	put(dir, "sub/x.conf", "\nSecRule ARGS:c \"@rx a\" \"id:30\"\n");
	put(dir, "sub/y.conf", "# nothing but a comment\n");

	snprintf(path, sizeof(path), "%s/main.conf", dir);
	if (load_file(&t, path, &err))
		fail_msg("main.conf refused at %s:%u:%u: %s", err.origin,
			 err.line, err.column, err.msg);
	assert_int_equal(enf_ruleset_count(t.rs), 5);
	for (size_t i = 0; i < 5; i++) {
		const struct enf_rule_info *r = enf_ruleset_rule(t.rs, i);
		char o[256];

		snprintf(o, sizeof(o), "%s/%s", dir, want[i].file);
		if (r->id != want[i].id || strcmp(r->origin, o) ||
		    r->line != want[i].line)
			fail_msg("rule %zu: %u at %s:%u, want %u at %s:%u", i,
				 r->id, r->origin, r->line, want[i].id, o,
				 want[i].line);
	}
	treq_init(&req, "GET", "/?c=axq");
	expect_ids("included rules", &t, &req.req, "10,30,20,40,1");
	tset_free(&t);
	dir_done(dir);
}

/*
 * What an Include may not do, each refused with the file and line of the
 * construct, and nothing of the source added: a missing file, a pattern
 * that matches nothing (both errors in ModSecurity too), a cycle, too
 * deep a nesting, an error inside an included file (which says where it
 * was included from), an id twice (ModSecurity: "Rule id: 10 is
 * duplicated"), an Include inside an open chain (ModSecurity would chain
 * across files: refused here), and a malformed Include.
 */
static void test_include_refusals(void **state)
{
	char dir[] = "/tmp/enf-v3-incx-XXXXXX", name[32], text[64], path[256];

	(void)state;
	dir_make(dir);
	put(dir, "missing.conf",
	    "SecRule ARGS \"@rx a\" \"id:1\"\n"
	    "Include nothere.conf\n");
	refused("missing file", dir, "missing.conf", false, -ENOENT,
		"missing.conf", 2, 9, "nothere.conf: cannot open");
	put(dir, "nomatch.conf", "Include \"none/*.conf\"\n");
	refused("glob without a match", dir, "nomatch.conf", false, -ENOENT,
		"nomatch.conf", 1, 10, "no file matches");

	put(dir, "cyc/a.conf",
	    "SecRule ARGS \"@rx a\" \"id:1\"\n"
	    "Include b.conf\n");
	put(dir, "cyc/b.conf", "Include a.conf\n");
	refused("a cycle", dir, "cyc/a.conf", false, -ELOOP, "cyc/b.conf", 1, 9,
		"is being read already: an Include cycle (included from ");
	put(dir, "self.conf", "Include ./self.conf\n");
	refused("a file that includes itself", dir, "self.conf", false, -ELOOP,
		"self.conf", 1, 9, "an Include cycle");

	/* d0 includes d1 ... d16: 17 files open at once */
	for (int i = 0; i <= 16; i++) {
		snprintf(name, sizeof(name), "deep/d%d.conf", i);
		snprintf(text, sizeof(text), "Include d%d.conf\n", i + 1);
		put(dir, name, text);
	}
	put(dir, "deep/d17.conf", "SecRule ARGS \"@rx a\" \"id:1\"\n");
	refused("too deep", dir, "deep/d0.conf", false, -ELOOP, "deep/d15.conf",
		1, 9, "more than 16 deep");

	put(dir, "bad/main.conf",
	    "SecRule ARGS \"@rx a\" \"id:1\"\n"
	    "Include inc/*.conf\n");
	put(dir, "bad/inc/1.conf", "SecRule ARGS \"@rx b\" \"id:2\"\n");
	put(dir, "bad/inc/2.conf", "\nSecRule ARGS \"@rx b\" \"id:3,bogus\"\n");
	refused("an error in an included file", dir, "bad/main.conf", false,
		-EINVAL, "bad/inc/2.conf", 2, 28,
		"unknown action 'bogus' (included from ");

	/* a directory that holds the file it includes: read twice */
	put(dir, "twice/a.conf", "Include b.conf\n");
	put(dir, "twice/b.conf", "SecRule ARGS \"@rx a\" \"id:7\"\n");
	refused("a file read twice", dir, "twice", true, -EEXIST,
		"twice/b.conf", 1, 26, "duplicate id 7 (already defined at ");

	put(dir, "chain.conf",
	    "SecRule ARGS \"@rx a\" \"id:1,chain\"\n"
	    "Include b.conf\n");
	refused("Include in an open chain", dir, "chain.conf", false, -EINVAL,
		"chain.conf", 2, 1, "Include after 'chain' (rule 1)");
	put(dir, "two.conf", "Include a.conf b.conf\n");
	refused("two names", dir, "two.conf", false, -EINVAL, "two.conf", 1, 16,
		"unexpected 'b.conf' after Include's file name");
	put(dir, "none.conf", "Include\n");
	refused("no name", dir, "none.conf", false, -EINVAL, "none.conf", 1, 8,
		"Include without a file name");
	put(dir, "openchain/a.conf", "Include b.conf\n");
	put(dir, "openchain/b.conf", "SecRule ARGS \"@rx a\" \"id:1,chain\"\n");
	refused("a chain open at the end of an included file", dir,
		"openchain/a.conf", false, -EINVAL, "openchain/b.conf", 1, 0,
		"'chain' with no rule after it");

	/* a FIFO (a file or a pattern's match) is refused, not waited on:
	 * without a writer, opening it would block the load for ever */
	put(dir, "fifo/main.conf", "Include ff\n");
	put(dir, "fifo/glob.conf", "Include f*\n");
	put(dir, "fifo/pm.conf", "SecRule ARGS \"@pmFromFile ff\" \"id:1\"\n");
	snprintf(path, sizeof(path), "%s/fifo/ff", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	refused("an Include of a FIFO", dir, "fifo/main.conf", false, -EINVAL,
		"fifo/main.conf", 1, 9, "not a regular file");
	refused("a pattern matching a FIFO", dir, "fifo/glob.conf", false,
		-EINVAL, "fifo/glob.conf", 1, 9, "not a regular file");
	refused("@pmFromFile of a FIFO", dir, "fifo/pm.conf", false, -EINVAL,
		"fifo/pm.conf", 1, 27, "not a regular file");
	dir_done(dir);
}

/* A directory whose name holds glob's characters includes by plain name
 * and by pattern: only the pattern as written is a pattern. */
static void test_include_from_a_bracketed_directory(void **state)
{
	char dir[] = "/tmp/enf-v3-brk-XXXXXX", path[256];
	struct enf_rule_error err;
	size_t n;

	(void)state;
	dir_make(dir);
	put(dir, "br[1]*/main.conf", "Include y.conf\nInclude \"g/*.conf\"\n");
	put(dir, "br[1]*/y.conf", "SecRule ARGS \"@rx a\" \"id:1\"\n");
	put(dir, "br[1]*/g/a.conf", "SecRule ARGS \"@rx b\" \"id:2\"\n");
	put(dir, "br[1]*/g/b.conf", "SecRule ARGS \"@rx c\" \"id:3\"\n");
	/* what the unescaped directory would match instead */
	put(dir, "br1x/g/c.conf", "SecRule ARGS \"@rx d\" \"id:4\"\n");
	snprintf(path, sizeof(path), "%s/br[1]*/main.conf", dir);
	if (add_src(path, false, &err, &n) < 0 || n != 3)
		fail_msg("%s: %s:%u:%u %s (%zu rules, want 3)", path,
			 err.origin, err.line, err.column, err.msg, n);
	dir_done(dir);
}

/* Text not read from a file (rule add, rule import, the database) has no
 * directory: Include is refused there, relative or absolute. */
static void test_include_in_text_refused(void **state)
{
	static const char *const texts[] = {
		"SecRule ARGS \"@rx a\" \"id:1\"\nInclude other.conf\n",
		"SecRule ARGS \"@rx a\" \"id:1\"\nInclude /etc/passwd\n",
	};
	struct enf_rule_error err;
	struct tset t = { 0 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(tset_load(&t, texts[i], &err), -EINVAL);
		assert_int_equal(err.line, 2);
		assert_int_equal(err.column, 1);
		assert_non_null(strstr(
			err.msg, "unsupported directive 'Include' in text not "
				 "read from a file"));
		tset_free(&t);
	}
}

/*
 * A selector on ARGS_NAMES, REQUEST_HEADERS_NAMES, REQUEST_COOKIES_NAMES
 * (and the GET and POST names) picks the names it names, caselessly, and
 * an exclusion takes them out, as ModSecurity 3.0.9 reads them (checked:
 * 1,2,3,4,5,7 and these variables on this request).
 */
static void test_selectors_on_names(void **state)
{
	static const char rules[] =
		"SecRule ARGS_NAMES:foo \"@rx .\" \"id:1\"\n"
		"SecRule ARGS_NAMES|!ARGS_NAMES:foo \"@rx .\" \"id:2\"\n"
		"SecRule REQUEST_HEADERS_NAMES:host \"@rx .\" \"id:3\"\n"
		"SecRule REQUEST_COOKIES_NAMES:/^s/ \"@rx .\" \"id:4\"\n"
		"SecRule ARGS_NAMES:bar \"@streq Bar\" \"id:5\"\n"
		"SecRule ARGS_GET_NAMES:nope \"@rx .\" \"id:6\"\n"
		"SecRule &ARGS_NAMES:foo \"@eq 1\" \"id:7\"\n";
	static const struct {
		uint32_t id;
		const char *var, *value;
	} want[] = {
		{ 1, "ARGS_NAMES:foo", "foo" },
		{ 2, "ARGS_NAMES:Bar", "Bar" },
		{ 3, "REQUEST_HEADERS_NAMES:Host", "Host" },
		{ 4, "REQUEST_COOKIES_NAMES:sid", "sid" },
		{ 5, "ARGS_NAMES:Bar", "Bar" },
		{ 7, "&ARGS_NAMES:foo", "1" },
	};
	struct tmatches got;
	struct tset t = { 0 };
	struct treq req;

	(void)state;
	load(&t, rules);
	treq_init(&req, "GET", "/x?foo=1&Bar=2");
	treq_header(&req, "Host", "h");
	treq_cookie(&req, "sid", "1");
	treq_cookie(&req, "other", "2");
	expect_ids("selectors on names", &t, &req.req, "1,2,3,4,5,7");
	assert_int_equal(tset_match(&t, &req.req, &got), 6);
	for (size_t i = 0; i < 6; i++) {
		const struct tmatch *m = tmatches_find(&got, want[i].id);

		if (strcmp(m->var, want[i].var) ||
		    strcmp(m->value, want[i].value))
			fail_msg("rule %u: %s '%s', want %s '%s'", m->id,
				 m->var, m->value, want[i].var, want[i].value);
	}
	tset_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_kept_as_written),
		cmocka_unit_test(test_pm_from_file_of_a_bare_file_name),
		cmocka_unit_test(test_secaction_matches_every_request),
		cmocka_unit_test(test_include_order_and_origins),
		cmocka_unit_test(test_include_refusals),
		cmocka_unit_test(test_include_in_text_refused),
		cmocka_unit_test(test_include_from_a_bracketed_directory),
		cmocka_unit_test(test_selectors_on_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
