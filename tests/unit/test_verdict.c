// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verdict stage with a real SQLite policy database and no data plane
 * (no BPF maps here: a deny that reaches the maps fails with ENODEV, which
 * is what tells an enforced deny from a shadow one). Shadow rules, and
 * every rule under rules_mode = shadow, audit what they would do and do
 * nothing. enforce:kill kills a child process of the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/verdict/verdict.h"
#include "policydb/policydb.h"

struct fx {
	char dir[64];
	char db_path[96];
	struct pdb *db;
	struct enf_verdict *v;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[PDB_ERR_LEN];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/enf-verdict-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof(f->db_path), "%s/policy.db", f->dir);
	assert_int_equal(pdb_open(f->db_path, &f->db, err), 0);
	assert_int_equal(enf_verdict_new(NULL, f->db, &f->v), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	enf_verdict_free(f->v);
	pdb_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Rule @info matched "evil" in ARGS:q of GET /x, a request of @o. */
static int apply_to(struct fx *f, const struct enf_rule_info *info,
		    const struct enf_req_origin *o)
{
	struct enf_request req = { 0 };
	struct enf_rule_match m = { .rule = info, .value_len = 4 };

	req.method.ptr = "GET";
	req.method.len = 3;
	req.uri.ptr = "/x";
	req.uri.len = 2;
	req.origin = o;
	strcpy(m.var, "ARGS:q");
	memcpy(m.value, "evil", 4);
	return enf_verdict_apply(f->v, &req, &m);
}

/* One match of rule @id with @actions, from 192.0.2.7:40000 to :443. */
static int apply(struct fx *f, uint32_t id, uint32_t actions)
{
	struct enf_rule_info info = { .id = id,
				      .msg = "test rule",
				      .severity = 2,
				      .actions = actions,
				      .text = "",
				      .origin = "test",
				      .engine = "literal" };
	struct enf_req_origin o = { .pid = 10,
				    .tgid = 10,
				    .comm = "server",
				    .exe = "/usr/sbin/server",
				    .tls_lib = "openssl" };

	o.tuple.family = ENF_FAMILY_V4;
	o.tuple.proto = 6;
	o.tuple.saddr[0] = 192;
	o.tuple.saddr[1] = 0;
	o.tuple.saddr[2] = 2;
	o.tuple.saddr[3] = 7;
	return apply_to(f, &info, &o);
}

static int last_action(void *ctx, int ncols, const char *const *names,
		       const char *const *values)
{
	(void)ncols;
	(void)names;
	if (values)
		snprintf(ctx, 64, "%s", values[0] ? values[0] : "(null)");
	return 0;
}

/* The action of the audit row of rule @id. */
static void audited_action(struct fx *f, uint32_t id, char out[64])
{
	char sql[128], err[PDB_ERR_LEN];

	out[0] = '\0';
	snprintf(sql, sizeof(sql),
		 "SELECT action FROM audit WHERE rule_id = %u", id);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, last_action,
					    out, NULL, err),
			 1);
}

static void shadow_rule_denies_nothing(void **state)
{
	struct fx *f = *state;
	struct enf_verdict_stats st;
	char action[64];

	/* an enforced deny goes to the maps (and fails here: none) */
	assert_int_equal(apply(f, 1, ENF_ACT_DENY), -ENODEV);
	/* a shadow deny does not try */
	assert_int_equal(apply(f, 2, ENF_ACT_DENY | ENF_ACT_SHADOW), 0);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.verdicts, 2);
	assert_int_equal(st.map_errors, 1);
	assert_int_equal(st.shadowed, 1);
	assert_int_equal(st.denied, 0);
	assert_int_equal(st.audited, 2);
	audited_action(f, 1, action);
	assert_string_equal(action, "deny:src(failed:ENODEV)");
	audited_action(f, 2, action);
	assert_string_equal(action, "shadow:deny:src");
	/* a shadow rule that only logs logs as before */
	assert_int_equal(apply(f, 3, ENF_ACT_LOG | ENF_ACT_SHADOW), 0);
	audited_action(f, 3, action);
	assert_string_equal(action, "log");
}

static void shadow_mode_shadows_every_rule(void **state)
{
	struct fx *f = *state;
	struct enf_verdict_stats st;
	char action[64];

	enf_verdict_set_shadow(f->v, true);
	assert_int_equal(apply(f, 7, ENF_ACT_BLOCK), 0);
	audited_action(f, 7, action);
	assert_string_equal(action, "shadow:deny:src");
	enf_verdict_set_shadow(f->v, false);
	assert_int_equal(apply(f, 8, ENF_ACT_DROP), -ENODEV);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.shadowed, 1);
	assert_int_equal(st.map_errors, 1);
}

static int audited_col(void *ctx, int ncols, const char *const *names,
		       const char *const *values)
{
	(void)ncols;
	(void)names;
	if (values)
		snprintf(ctx, 600, "%s", values[0] ? values[0] : "(null)");
	return 0;
}

struct verdict_ctx {
	struct fx *f;
	const struct enf_request *req;
	int ret;
};

static int to_verdict(const struct enf_rule_match *m, void *arg)
{
	struct verdict_ctx *c = arg;

	c->ret = enf_verdict_apply(c->f->v, c->req, m);
	return 0;
}

/* A real match of a rule with logdata: its expansion in the audit row. */
static void verdict_writes_logdata(void **state)
{
	static const char rules[] =
		"SecRule ARGS \"@rx ^(\\d+)$\" \"id:21,log,capture,chain,"
		"logdata:'n=%{TX.1} in %{MATCHED_VAR_NAME} \\ %{REQUEST_METHOD}'\"\n"
		"SecRule TX:1 \"@gt 100\"\n"
		"SecRule ARGS \"@rx ^\\d\" \"id:22,log\"\n";
	struct enf_field args[1] = { { .name = { "n", 1 },
				       .value = { "150", 3 } } };
	struct enf_request req = { .method = { "GET", 3 },
				   .uri = { "/?n=150", 7 },
				   .args = args,
				   .n_args = 1 };
	struct fx *f = *state;
	struct enf_rules_builder *b = NULL;
	struct enf_rules_scratch *s = NULL;
	struct enf_ruleset *rs = NULL;
	struct verdict_ctx c = { .f = f, .req = &req };
	struct enf_rule_error rerr;
	char sql[128], err[PDB_ERR_LEN], out[600];

	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_int_equal(enf_rules_builder_add_text(b, rules, strlen(rules),
						    "<test>", &rerr),
			 2);
	assert_int_equal(enf_rules_build(b, &rs, &rerr), 0);
	assert_int_equal(enf_rules_scratch_new(rs, &s), 0);
	assert_int_equal(enf_rules_match(rs, s, &req, to_verdict, &c), 2);
	assert_int_equal(c.ret, 0);
	snprintf(sql, sizeof(sql),
		 "SELECT logdata FROM audit WHERE rule_id = %u", 21);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, audited_col,
					    out, NULL, err),
			 1);
	assert_string_equal(out, "n=150 in ARGS:n \\ GET");
	/* a rule without logdata, and a match made by hand: NULL */
	snprintf(sql, sizeof(sql),
		 "SELECT logdata FROM audit WHERE rule_id = %u", 22);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, audited_col,
					    out, NULL, err),
			 1);
	assert_string_equal(out, "(null)");
	assert_int_equal(apply(f, 23, ENF_ACT_LOG), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT logdata FROM audit WHERE rule_id = %u", 23);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, audited_col,
					    out, NULL, err),
			 1);
	assert_string_equal(out, "(null)");
	enf_rules_scratch_free(s);
	enf_ruleset_free(rs);
	enf_rules_builder_free(b);
}

/*
 * The excerpt keeps what a peer sent, escaped: a NUL, control bytes, a
 * byte that is not UTF-8 and a backslash, none cut at or passed on raw;
 * a long value is cut at the excerpt's 300 bytes, at a whole escape.
 */
static void excerpt_escapes_the_value(void **state)
{
	struct enf_rule_info info = { .id = 31,
				      .msg = "m",
				      .severity = 2,
				      .actions = ENF_ACT_LOG,
				      .text = "",
				      .origin = "test",
				      .engine = "literal" };
	struct enf_request req = { .method = { "GET", 3 }, .uri = { "/", 1 } };
	struct enf_rule_match m = { .rule = &info };
	struct fx *f = *state;
	char sql[128], err[PDB_ERR_LEN], out[600];
	static const char v[] = "a\0b\x01"
				"c\xff\\d";

	strcpy(m.var, "ARGS:q\x1b");
	memcpy(m.value, v, sizeof(v) - 1);
	m.value_len = sizeof(v) - 1;
	assert_int_equal(enf_verdict_apply(f->v, &req, &m), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT excerpt FROM audit WHERE rule_id = %u", 31);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, audited_col,
					    out, NULL, err),
			 1);
	assert_string_equal(out, "ARGS:q\\x1b=a\\x00b\\x01c\\xff\\\\d");

	/* 256 bytes of 0x01 escape to 1024: cut at 300, a whole escape */
	info.id = 32;
	memset(m.value, 1, sizeof(m.value));
	m.value_len = sizeof(m.value);
	strcpy(m.var, "ARGS:q");
	assert_int_equal(enf_verdict_apply(f->v, &req, &m), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT length(excerpt) FROM audit WHERE rule_id = %u", 32);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, audited_col,
					    out, NULL, err),
			 1);
	/* "ARGS:q=" and 75 escapes: 7 + 300 */
	assert_string_equal(out, "307");
}

/* A child running "sleep 30", its exec done: its pid. */
/* Bytes of the file @path (a /proc cmdline), 0 when it cannot be read. */
static ssize_t cmdline_len(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 ? n : 0;
}

static pid_t sleeper(void)
{
	char path[64], exe[256];
	pid_t pid = fork();
	ssize_t n = -1;

	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	/* exec sets the executable first and the command line a little
	 * later: wait for both */
	for (int i = 0; i < 2000; i++) {
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
			if (strstr(exe, "/sleep") && cmdline_len(path) > 0)
				return pid;
		}
		usleep(1000);
	}
	fail_msg("the child never ran sleep");
	return -1;
}

/* Rule @id (deny, enforce:kill, @actions added) matched a request of the
 * process @pid, known by @exe (NULL: its own) and comm "sleep". */
static int apply_kill(struct fx *f, uint32_t id, uint32_t actions, pid_t pid,
		      const char *exe)
{
	struct enf_rule_info info = { .id = id,
				      .msg = "kill rule",
				      .severity = 2,
				      .actions = ENF_ACT_DENY | actions,
				      .enforce = { .kinds = ENF_ENF_KILL },
				      .text = "",
				      .origin = "test",
				      .engine = "literal" };
	struct enf_req_origin o = { .pid = (uint32_t)pid,
				    .tgid = (uint32_t)pid,
				    .comm = "sleep",
				    .tls_lib = "openssl" };
	char path[64], own[256] = "";
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, own, sizeof(own) - 1);
	if (n > 0)
		own[n] = '\0';
	o.exe = exe ? exe : own;
	return apply_to(f, &info, &o);
}

/* The cmdline of the audit row of rule @id. */
static void audited_cmdline(struct fx *f, uint32_t id, char out[600])
{
	char sql[128], err[PDB_ERR_LEN];

	snprintf(sql, sizeof(sql),
		 "SELECT cmdline FROM audit WHERE rule_id = %u", id);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, audited_col,
					    out, NULL, err),
			 1);
}

/*
 * enforce:kill SIGKILLs the process the request came from, and its audit
 * row keeps the command line, read before the signal. A process whose
 * executable is no longer the one the capture saw (its pid reused), pid 1
 * and the daemon itself are refused, and a shadow rule kills nothing.
 */
static void kill_kills_the_process(void **state)
{
	struct fx *f = *state;
	struct enf_verdict_stats st;
	char action[64], out[600];
	pid_t pid = sleeper();
	int status;

	assert_int_equal(apply_kill(f, 61, 0, pid, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	audited_action(f, 61, action);
	assert_string_equal(action, "deny:kill");
	audited_cmdline(f, 61, out);
	assert_string_equal(out, "sleep 30");

	/* another executable now: not the process the capture saw */
	pid = sleeper();
	assert_int_equal(apply_kill(f, 62, 0, pid, "/usr/sbin/nginx"), -ESTALE);
	audited_action(f, 62, action);
	assert_string_equal(action, "deny:kill(failed:ESTALE)");
	audited_cmdline(f, 62, out);
	assert_string_equal(out, "(null)");
	assert_int_equal(kill(pid, 0), 0);

	/* a shadow rule: audited, the process lives */
	assert_int_equal(apply_kill(f, 63, ENF_ACT_SHADOW, pid, NULL), 0);
	audited_action(f, 63, action);
	assert_string_equal(action, "shadow:deny:kill");
	assert_int_equal(kill(pid, 0), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);

	/* never init, never the daemon */
	assert_int_equal(apply_kill(f, 64, 0, 1, NULL), -EPERM);
	audited_action(f, 64, action);
	assert_string_equal(action, "deny:kill(failed:EPERM)");
	assert_int_equal(apply_kill(f, 65, 0, getpid(), NULL), -EPERM);
	/* gone: nothing to kill */
	assert_int_equal(apply_kill(f, 66, 0, pid, "/bin/sleep"), -ESRCH);

	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.killed, 1);
	assert_int_equal(st.kill_errors, 4);
	assert_int_equal(st.shadowed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(shadow_rule_denies_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(shadow_mode_shadows_every_rule,
						setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_writes_logdata, setup,
						teardown),
		cmocka_unit_test_setup_teardown(excerpt_escapes_the_value,
						setup, teardown),
		cmocka_unit_test_setup_teardown(kill_kills_the_process, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
