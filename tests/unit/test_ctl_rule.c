// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl rule test and rule lint, without a daemon: the binary is run
 * on rule files (-r), and on a configuration whose rules directory and
 * policy database (enabled rules only) make the active set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "policydb/policydb.h"

static char dir[] = "/tmp/enf-ctl-rule-XXXXXX";
static char out[65536];

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* Runs enforcerctl with @args (a shell word list) in @dir; returns its
 * exit status, its stdout and stderr in out[]. */
static int ctl(const char *args)
{
	char cmd[1024];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "cd %s && %s %s 2>&1", dir, ENF_CTL_BIN,
		 args);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

#define HAS(s)                                                        \
	do {                                                          \
		if (!strstr(out, (s)))                                \
			fail_msg("output lacks '%s':\n%s", (s), out); \
	} while (0)
#define LACKS(s)                                                    \
	do {                                                        \
		if (strstr(out, (s)))                               \
			fail_msg("output has '%s':\n%s", (s), out); \
	} while (0)

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/rules"), 0755), 0);
	put("rules/a.conf",
	    "SecRule ARGS \"@rx (?i)union\\s+select\" "
	    "\"id:1,msg:'sqli',deny\"\n"
	    "SecRule REQUEST_HEADERS:User-Agent \"@pm sqlmap nikto\" "
	    "\"id:2,msg:'scanner',deny\"\n"
	    "SecRule ARGS \"@rx (a)\\1\" \"id:3,msg:'backref'\"\n");
	put("req.txt", "GET /?q=1%20UNION%20SELECT%202 HTTP/1.1\r\n"
		       "Host: a\r\nUser-Agent: sqlmap/1.7\r\n\r\n"
		       "GET /fine HTTP/1.1\r\nHost: a\r\n\r\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* -r: each request, the rules it matches, the variable and the value. */
static void rule_test_with_files(void **state)
{
	(void)state;
	assert_int_equal(ctl("rule test -r rules/a.conf req.txt"), 0);
	HAS("request 1: GET /?q=1%20UNION%20SELECT%202 HTTP/1.1");
	HAS("rule 1 [hyperscan] ARGS:q = '1 UNION SELECT 2'  sqli");
	HAS("rule 2 [hyperscan] REQUEST_HEADERS:User-Agent = 'sqlmap/1.7'");
	HAS("request 2: GET /fine HTTP/1.1 (anomalies: none)\n"
	    "  no rule matched");
	/* the same from stdin, as JSON */
	assert_int_equal(ctl("--json rule test -r rules - < req.txt"), 0);
	HAS("\"matched\": 2");
	HAS("\"var\": \"ARGS:q\"");
}

/* The active set: the configuration's rules directory and its database's
 * enabled rules; a disabled one is not in it. */
static void rule_test_active_set(void **state)
{
	struct pdb_rule rows[2] = {
		{ .rule_id = 50,
		  .text = "SecRule REQUEST_FILENAME \"@streq /fine\" \"id:50\"",
		  .enabled = true,
		  .mode = "enforce",
		  .source = "test" },
		{ .rule_id = 51,
		  .text = "SecRule REQUEST_METHOD \"@streq GET\" \"id:51\"",
		  .enabled = false,
		  .mode = "enforce",
		  .source = "test" },
	};
	char conf[1024], db[300], err[PDB_ERR_LEN];
	struct pdb *p = NULL;

	(void)state;
	snprintf(db, sizeof(db), "%s/policy.db", dir);
	assert_int_equal(pdb_open(db, &p, err), 0);
	assert_int_equal(pdb_rule_insert_many(p, rows, 2, err), 0);
	pdb_close(p);
	snprintf(conf, sizeof(conf),
		 "rules_dir = %s/rules\ndatabase = %s\n"
		 "control_socket = %s/ctl.sock\npin_path = /sys/fs/bpf/x\n",
		 dir, db, dir);
	put("enf.conf", conf);
	assert_int_equal(ctl("rule test -c enf.conf req.txt"), 0);
	HAS("rule 1 [hyperscan] ARGS:q");
	HAS("request 2: GET /fine HTTP/1.1 (anomalies: none)\n"
	    "  rule 50 [literal] REQUEST_FILENAME = '/fine'");
	LACKS("rule 51");
	assert_int_equal(ctl("rule lint -c enf.conf"), 0);
	HAS("50         literal   database rule 50:1: not a pattern");
	LACKS("\n51 ");
}

/* Where each rule runs, and why. */
static void rule_lint_says_why(void **state)
{
	(void)state;
	assert_int_equal(ctl("rule lint -r rules"), 0);
	HAS("1          hyperscan");
	HAS("Hyperscan takes the pattern");
	HAS("2          hyperscan");
	HAS("2 phrase(s), literal");
	HAS("3          pcre2");
	HAS("Hyperscan refuses the pattern (");
}

/* Errors: a bad rule with its position, no request, usage. */
static void errors(void **state)
{
	(void)state;
	put("bad.conf", "SecRule ARGS \"@foo x\" \"id:9\"\n");
	assert_int_equal(ctl("rule lint -r bad.conf"), 1);
	HAS("bad.conf:1:15: unknown operator '@foo'");
	put("empty.txt", "GET / HTTP/1.1\r\nHost: a\r\n");
	assert_int_equal(ctl("rule test -r rules empty.txt"), 1);
	HAS("no complete HTTP/1.1 request");
	assert_int_equal(ctl("rule test -r rules a b"), 2);
	assert_int_equal(ctl("rule test -r nonexistent req.txt"), 1);
	HAS("nonexistent: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule_test_with_files),
		cmocka_unit_test(rule_test_active_set),
		cmocka_unit_test(rule_lint_says_why),
		cmocka_unit_test(errors),
	};

	return cmocka_run_group_tests_name("ctl_rule", tests, setup, teardown);
}
