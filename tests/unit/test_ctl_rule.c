// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl rule test and rule lint, without a daemon: the binary is run
 * on rule files (-r), and on a configuration whose rules directory and
 * policy database (enabled rules only) make the active set. rule import
 * against a stand-in for enforcerd (a control server in this process that
 * keeps the request it got): the request it sends, its output, and what it
 * refuses before sending anything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "enforcer/control/proto.h"
#include "enforcer/control/server.h"
#include "policydb/policydb.h"

static char dir[] = "/tmp/enf-ctl-rule-XXXXXX";
static char out[65536];
static char ctl_args[512]; /* global options before every command */

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

	snprintf(cmd, sizeof(cmd), "cd %s && %s %s %s 2>&1", dir, ENF_CTL_BIN,
		 ctl_args, args);
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
	    "SecRule ARGS \"@rx (a)\\1\" \"id:3,msg:'backref'\"\n"
	    "SecRule ARGS \"@rx a\\Kb\" \"id:4,msg:'keep out'\"\n");
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
	/* values with a NUL, a control byte and a byte that is not UTF-8:
	 * shown escaped, whole, in text and JSON */
	put("bin.conf", "SecRule ARGS \"@rx b\" \"id:3\"\n");
	put("bin.txt", "GET /?q=a%ffb&v=a%00b%01c HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(ctl("rule test -r bin.conf bin.txt"), 0);
	HAS("rule 3 [hyperscan] ARGS:q = 'a\\xffb'");
	assert_int_equal(ctl("--json rule test -r bin.conf bin.txt"), 0);
	HAS("\"matched\": 1");
	HAS("\"value\": \"a\\\\xffb\"");
	put("bin.conf", "SecRule ARGS:v \"@rx b\" \"id:3\"\n");
	assert_int_equal(ctl("rule test -r bin.conf bin.txt"), 0);
	HAS("rule 3 [hyperscan] ARGS:v = 'a\\x00b\\x01c'");
	/* a SecAction: unconditional, no variable shown; rule lint warns
	 * of its deny */
	put("act.conf", "SecAction \"id:4,phase:1,log,msg:'every request'\"\n"
			"SecAction \"id:5,deny,msg:'all denied'\"\n");
	assert_int_equal(ctl("rule test -r act.conf bin.txt"), 0);
	HAS("rule 4 [unconditional]  every request\n");
	HAS("rule 5 [unconditional]  all denied\n");
	LACKS("= ''");
	assert_int_equal(ctl("rule lint -r act.conf"), 0);
	HAS("WARNING: its 'deny' denies every one of those requests");
}

/* A rule with logdata: expanded under its match line; msg expanded too. */
static void rule_test_prints_logdata(void **state)
{
	(void)state;
	put("cap.conf",
	    "SecRule ARGS \"@rx ^(\\d+)$\" \"id:9,capture,chain,msg:'n "
	    "%{TX.1}',logdata:'%{TX.1} in %{MATCHED_VAR_NAME} by "
	    "%{REQUEST_METHOD}'\"\n"
	    "SecRule TX:1 \"@gt 100\"\n");
	put("cap.txt", "GET /?a=5&b=150 HTTP/1.1\r\nHost: a\r\n\r\n"
		       "GET /?a=50 HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(ctl("rule test -r cap.conf cap.txt"), 0);
	HAS("rule 9 [hyperscan] ARGS:b = '150'  n 150\n"
	    "    logdata: 150 in ARGS:b by GET\n");
	HAS("request 2: GET /?a=50 HTTP/1.1 (anomalies: none)\n"
	    "  no rule matched");
	assert_int_equal(ctl("--json rule test -r cap.conf cap.txt"), 0);
	HAS("\"logdata\": \"150 in ARGS:b by GET\"");
	HAS("\"msg\": \"n 150\"");
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
	HAS("50         literal         database rule 50:1: not a pattern");
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
	HAS("3          hyperscan+pcre2 rules/a.conf:3: prefilter: Hyperscan "
	    "refuses the exact pattern (Back-references");
	HAS("4          pcre2           rules/a.conf:4: Hyperscan refuses the "
	    "pattern (");
}

/* The origin options: process and flow variables take their values, and
 * an outbound request is matched only by the chains that read DIRECTION. */
static void rule_test_with_origin(void **state)
{
	(void)state;
	put("proc.conf",
	    "SecRule PROCESS_EXE \"@streq /usr/bin/curl\" \"id:20\"\n"
	    "SecRule PROCESS_COMM \"@streq curl\" \"id:21\"\n"
	    "SecRule PROCESS_UID \"@eq 1000\" \"id:22\"\n"
	    "SecRule REMOTE_ADDR \"@ipMatch 2001:db8::/32\" \"id:23\"\n"
	    "SecRule SERVER_PORT \"@eq 8443\" \"id:24\"\n"
	    "SecRule TLS_LIBRARY \"@streq gnutls\" \"id:25\"\n"
	    "SecRule PROCESS_CGROUP \"@beginsWith /system.slice/\" \"id:26\"\n"
	    "SecRule DIRECTION \"@streq outbound\" \"id:27,chain\"\n"
	    "  SecRule REQUEST_FILENAME \"@streq /fine\" \"t:none\"\n"
	    "SecRule REMOTE_PORT \"@eq 51000\" \"id:28\"\n");
	put("fine.txt", "GET /fine HTTP/1.1\r\nHost: a\r\n\r\n");
	/* without an origin, none of them has a value */
	assert_int_equal(ctl("rule test -r proc.conf fine.txt"), 0);
	HAS("no rule matched");
	assert_int_equal(
		ctl("rule test -r proc.conf --exe /usr/bin/curl --uid 1000 "
		    "--peer [2001:db8::7]:51000 --local-port 8443 "
		    "--tls-library gnutls --cgroup /system.slice/x.service "
		    "fine.txt"),
		0);
	HAS("rule 20 [literal] PROCESS_EXE = '/usr/bin/curl'");
	HAS("rule 21 [literal] PROCESS_COMM = 'curl'"); /* from --exe */
	HAS("rule 22 [numeric] PROCESS_UID = '1000'");
	HAS("rule 23 [ip] REMOTE_ADDR = '2001:db8::7'");
	HAS("rule 24 [numeric] SERVER_PORT = '8443'");
	HAS("rule 25 [literal] TLS_LIBRARY = 'gnutls'");
	HAS("rule 26 [literal] PROCESS_CGROUP = '/system.slice/x.service'");
	HAS("rule 28 [numeric] REMOTE_PORT = '51000'");
	LACKS("rule 27"); /* inbound by default */
	/* outbound: only the chain reading DIRECTION; the server is the
	 * peer, whose port is SERVER_PORT */
	assert_int_equal(ctl("rule test -r proc.conf --comm wget "
			     "--direction outbound --peer 192.0.2.1:443 "
			     "fine.txt"),
			 0);
	/* a chain reports its last link's variable and value */
	HAS("rule 27 [literal] REQUEST_FILENAME = '/fine'");
	LACKS("rule 21");
	LACKS("rule 28");
	/* bad values: usage errors, nothing matched */
	assert_int_equal(ctl("rule test -r proc.conf --direction sideways "
			     "fine.txt"),
			 2);
	HAS("--direction: invalid value 'sideways'");
	assert_int_equal(
		ctl("rule test -r proc.conf --peer 300.1.1.1 fine.txt"), 2);
	HAS("--peer: invalid value '300.1.1.1'");
	assert_int_equal(ctl("rule test -r proc.conf --peer 192.0.2.1:0 "
			     "fine.txt"),
			 2);
	assert_int_equal(ctl("rule test -r proc.conf --uid -1 fine.txt"), 2);
	assert_int_equal(ctl("rule test -r proc.conf --local-port 443 "
			     "fine.txt"),
			 2);
	HAS("--local-port needs --peer");
	LACKS("rule 2");
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

/* --- rule import, against a stand-in for enforcerd --- */

struct stand_in {
	pthread_mutex_t lock;
	json_t *args; /* the last rule.add request's args */
	int calls;
	const char *refuse; /* an error to answer with, or NULL */
};

static struct stand_in si = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Answers as enforcerd would: each text's first id back, as added. */
static json_t *h_rule_add(void *ctx, const json_t *args,
			  const struct enf_ctl_peer *peer)
{
	json_t *added = json_array(), *t;
	size_t i;

	(void)ctx;
	(void)peer;
	pthread_mutex_lock(&si.lock);
	si.calls++;
	json_decref(si.args);
	si.args = json_deep_copy(args);
	pthread_mutex_unlock(&si.lock);
	if (si.refuse) {
		json_decref(added);
		return enf_ctl_err("%s", si.refuse);
	}
	json_array_foreach(json_object_get(args, "texts"), i, t) {
		json_array_append_new(
			added,
			json_pack("{s:I,s:s,s:s,s:i,s:s}", "id",
				  (json_int_t)(500 + i), "mode",
				  json_string_value(
					  json_object_get(args, "mode")),
				  "origin",
				  json_string_value(json_object_get(t, "name")),
				  "line", 1, "msg", "m"));
	}
	return enf_ctl_ok(json_pack("{s:o,s:i,s:O}", "added", added, "loaded",
				    7, "dry_run",
				    json_object_get(args, "dry_run")));
}

static const struct enf_ctl_command stand_in_cmds[] = {
	{ "rule.add", h_rule_add },
};

static int import_setup(void **state)
{
	struct enf_ctl_server_opts o = { .group = "root",
					 .cmds = stand_in_cmds,
					 .n_cmds = 1,
					 .wake_fd = -1 };
	struct enf_ctl_server *s = NULL;
	char path[128];

	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	o.path = path;
	assert_int_equal(enf_ctl_server_start(&o, &s), 0);
	snprintf(ctl_args, sizeof(ctl_args), "-s %s", path);
	*state = s;
	return 0;
}

static int import_teardown(void **state)
{
	enf_ctl_server_stop(*state);
	ctl_args[0] = '\0';
	json_decref(si.args);
	si.args = NULL;
	si.calls = 0;
	si.refuse = NULL;
	return 0;
}

/* The request's args as compact JSON with sorted keys, for comparing. */
static char *args_text(void)
{
	char *t;

	pthread_mutex_lock(&si.lock);
	t = si.args ? json_dumps(si.args, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	pthread_mutex_unlock(&si.lock);
	assert_non_null(t);
	return t;
}

#define ARGS_ARE(want)                                                   \
	do {                                                             \
		char *got_ = args_text();                                \
		if (strcmp(got_, (want)))                                \
			fail_msg("request args\n got %s\nwant %s", got_, \
				 (want));                                \
		free(got_);                                              \
	} while (0)

/* Every *.conf of the directory, in name order, in one request; hidden
 * files, other names and subdirectories left out. */
static void import_sends_the_files(void **state)
{
	(void)state;
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/imp"), 0755), 0);
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/imp/sub.d"), 0755),
			 0);
	put("imp/20-b.conf", "SecRule ARGS \"@streq b\" \"id:2\"\n");
	put("imp/10-a.conf", "# caf\xc3\xa9\nSecRule ARGS \"@streq \\\"a\\\"\" "
			     "\"id:1\"\n");
	put("imp/.hidden.conf", "x");
	put("imp/notes.txt", "x");
	put("imp/.conf", "x");
	put("imp/sub.d/30-c.conf", "x");
	assert_int_equal(ctl("rule import imp"), 0);
	ARGS_ARE(
		"{\"dry_run\":false,\"mode\":\"enforce\",\"source\":\"import\","
		"\"texts\":[{\"name\":\"10-a.conf\",\"text\":\"# caf\xc3\xa9\\n"
		"SecRule ARGS \\\"@streq \\\\\\\"a\\\\\\\"\\\" \\\"id:1\\\"\\n\"},"
		"{\"name\":\"20-b.conf\",\"text\":\"SecRule ARGS \\\"@streq "
		"b\\\" \\\"id:2\\\"\\n\"}]}");
	HAS("added rule 500 (enforce) from 10-a.conf:1: m\n");
	HAS("added rule 501 (enforce) from 20-b.conf:1: m\n");
	HAS("imported 2 rules from 2 files; rule set now has 7 rules, active "
	    "in enforcerd\n");

	/* --shadow and --dry-run travel in the request */
	assert_int_equal(ctl("rule import --shadow --dry-run imp"), 0);
	ARGS_ARE(
		"{\"dry_run\":true,\"mode\":\"shadow\",\"source\":\"import\","
		"\"texts\":[{\"name\":\"10-a.conf\",\"text\":\"# caf\xc3\xa9\\n"
		"SecRule ARGS \\\"@streq \\\\\\\"a\\\\\\\"\\\" \\\"id:1\\\"\\n\"},"
		"{\"name\":\"20-b.conf\",\"text\":\"SecRule ARGS \\\"@streq "
		"b\\\" \\\"id:2\\\"\\n\"}]}");
	HAS("would add rule 500 (shadow) from 10-a.conf:1: m\n");
	HAS("dry run: 2 rules from 2 files would be added, and the rule set "
	    "would have 7 rules; nothing stored\n");
	LACKS("imported");

	/* --json: the daemon's reply, and the file count */
	assert_int_equal(ctl("--json rule import -n imp"), 0);
	HAS("\"dry_run\": true");
	HAS("\"files\": 2");
	HAS("\"origin\": \"20-b.conf\"");
	assert_int_equal(si.calls, 3);
}

/* The daemon's refusal is the command's: exit 1, its message. */
static void import_daemon_refusal(void **state)
{
	(void)state;
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/ref"), 0755), 0);
	put("ref/20-b.conf", "x");
	si.refuse = "rule refused: 20-b.conf:2:9: unknown variable 'FOO'";
	assert_int_equal(ctl("rule import ref"), 1);
	HAS("Error: rule refused: 20-b.conf:2:9: unknown variable 'FOO'\n");
	assert_int_equal(ctl("-j rule import ref"), 1);
	HAS("{\"error\":\"rule refused: 20-b.conf:2:9: unknown variable "
	    "'FOO'\"}");
	assert_int_equal(si.calls, 2);
}

/* Writes @n bytes of @c as @name (in @dir). */
static void put_n(const char *name, int c, size_t n)
{
	char path[512];
	char *buf = malloc(n);
	int fd;

	assert_non_null(buf);
	memset(buf, c, n);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	free(buf);
}

/* Refused before anything is sent: each with a message that says why,
 * and the stand-in never asked. */
static void import_refused_before_sending(void **state)
{
	char name[300];

	(void)state;
	/* more bytes than one request carries */
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/big"), 0755), 0);
	put_n("big/a.conf", '#', 600 * 1024);
	put_n("big/b.conf", '#', 600 * 1024);
	assert_int_equal(ctl("rule import big"), 1);
	HAS("big: the .conf files hold more than 1048576 bytes, the most one "
	    "control request carries: nothing imported");
	/* fewer bytes, but more once escaped as JSON */
	put_n("big/a.conf", '"', 300 * 1024);
	put_n("big/b.conf", '"', 300 * 1024);
	assert_int_equal(ctl("rule import big"), 1);
	HAS("big: the 2 files make a request of 1228");
	HAS("over the control socket's limit of 1048576: nothing imported");
	/* not text */
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/bin"), 0755), 0);
	put("bin/a.conf", "# one\n# two\n# \xff\n");
	assert_int_equal(ctl("rule import bin"), 1);
	HAS("bin/a.conf:3: not UTF-8 text");
	put_n("bin/a.conf", '\0', 4);
	assert_int_equal(ctl("rule import bin"), 1);
	HAS("bin/a.conf:1: a NUL byte");
	/* rule add: the same checks, for a file and for an argument */
	put("bin/add.conf", "SecRule ARGS \"@rx a\" \"id:1,deny\"\n# \xc3\n");
	assert_int_equal(ctl("rule add -f bin/add.conf"), 1);
	HAS("bin/add.conf:2: not UTF-8 text, which a rule is sent as: "
	    "nothing added");
	assert_int_equal(ctl("rule add 'SecRule ARGS \"@rx \xff\" \"id:1\"'"),
			 1);
	HAS("argument:1: not UTF-8 text");
	unlink(strcat(strcpy(out, dir), "/bin/add.conf"));
	/* not a regular file */
	unlink(strcat(strcpy(out, dir), "/bin/a.conf"));
	assert_int_equal(mkfifo(strcat(strcpy(out, dir), "/bin/a.conf"), 0644),
			 0);
	assert_int_equal(ctl("rule import bin"), 1);
	HAS("bin/a.conf: not a regular file");
	unlink(strcat(strcpy(out, dir), "/bin/a.conf"));
	/* a name longer than the protocol takes */
	memset(name, 'n', sizeof(name));
	snprintf(name + 4 + ENF_CTL_RULE_NAME_MAX - 4, 6, ".conf");
	memcpy(name, "bin/", 4);
	put(name, "x");
	assert_int_equal(ctl("rule import bin"), 1);
	HAS("a name longer than 128 bytes");
	/* no .conf file, no directory, usage */
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/none"), 0755), 0);
	put("none/a.txt", "x");
	assert_int_equal(ctl("rule import none"), 1);
	HAS("none: no .conf file to import");
	assert_int_equal(ctl("rule import nosuch"), 1);
	HAS("nosuch: No such file or directory");
	assert_int_equal(ctl("rule import"), 2);
	assert_int_equal(ctl("rule import a b"), 2);
	assert_int_equal(si.calls, 0);
}

/* More files than one import takes: refused before any is read. */
static void import_too_many_files(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(mkdir(strcat(strcpy(out, dir), "/many"), 0755), 0);
	for (int i = 0; i <= ENF_CTL_RULE_TEXTS_MAX; i++) {
		snprintf(name, sizeof(name), "many/%05d.conf", i);
		put(name, "");
	}
	assert_int_equal(ctl("rule import many"), 1);
	HAS("many: more than 4096 .conf files");
	/* one fewer is taken: the stand-in gets them all */
	snprintf(name, sizeof(name), "%s/many/%05d.conf", dir,
		 ENF_CTL_RULE_TEXTS_MAX);
	assert_int_equal(unlink(name), 0);
	/* (4096 lines of output: more than out[] takes) */
	assert_int_equal(ctl("rule import -n many >/dev/null"), 0);
	pthread_mutex_lock(&si.lock);
	assert_int_equal(json_array_size(json_object_get(si.args, "texts")),
			 ENF_CTL_RULE_TEXTS_MAX);
	pthread_mutex_unlock(&si.lock);
}

/* rule --help lists the verbs; rule import --help explains import. */
static void rule_help(void **state)
{
	(void)state;
	assert_int_equal(ctl("rule --help"), 0);
	HAS("rule import [--shadow] [--dry-run] DIR");
	HAS("rule lint");
	assert_int_equal(ctl("rule import --help"), 0);
	HAS("Usage: enforcerctl [OPTIONS] rule import [--shadow] [--dry-run] "
	    "DIR");
	HAS("--dry-run");
	HAS("Include is refused");
	assert_int_equal(ctl("rule add -h"), 0);
	HAS("Usage: enforcerctl [OPTIONS] rule add");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule_test_with_files),
		cmocka_unit_test(rule_test_prints_logdata),
		cmocka_unit_test(rule_test_active_set),
		cmocka_unit_test(rule_test_with_origin),
		cmocka_unit_test(rule_lint_says_why),
		cmocka_unit_test(errors),
		cmocka_unit_test(rule_help),
		cmocka_unit_test_setup_teardown(import_sends_the_files,
						import_setup, import_teardown),
		cmocka_unit_test_setup_teardown(import_daemon_refusal,
						import_setup, import_teardown),
		cmocka_unit_test_setup_teardown(import_refused_before_sending,
						import_setup, import_teardown),
		cmocka_unit_test_setup_teardown(import_too_many_files,
						import_setup, import_teardown),
	};

	return cmocka_run_group_tests_name("ctl_rule", tests, setup, teardown);
}
