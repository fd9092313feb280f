// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the capture takes in, on OpenSSL pairs (a client and a server
 * child each, test_tls_ossl.c):
 *   - an attachment to one process: its calls are captured, and no other
 *     process's (their uprobes never fire: the events counter moves by
 *     exactly the records of that process);
 *   - the kernel-side filters of enf_tls_opts: a port (local or peer), a
 *     comm, a cgroup v2 id, and two at once (an AND); what they leave out
 *     is counted as filtered.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer/common/log.h"

#include "test_tls_common.h"

static struct tls_store st;
static const char *libssl;

/* Records of @pid in the store. */
static size_t count_of(pid_t pid)
{
	return tls_store_count(&st, pid, ENF_TLS_READ) +
	       tls_store_count(&st, pid, ENF_TLS_WRITE);
}

/* A pair on its own listener; the client waits on @go when >= 0. */
static int pair_open(struct tls_pair *p, const char *msg, int go)
{
	memset(p, 0, sizeof(*p));
	p->msg = msg;
	p->go = go;
	p->ls = tls_listen4(&p->port);
	return p->ls < 0 ? -1 : 0;
}

static void pair_close(struct tls_pair *p)
{
	if (p->ls >= 0)
		close(p->ls);
	p->ls = -1;
}

static void test_pid_scope(void)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	struct tls_pair a, b;
	int go[2] = { -1, -1 };
	size_t na;
	bool ok;

	tls_store_clear(&st);
	if (pipe(go) || pair_open(&a, "SCOPED request of A", go[0]) ||
	    pair_open(&b, "SCOPED request of B", go[0]) || tls_pair_start(&a) ||
	    tls_pair_start(&b)) {
		CHECK(false, "[pid] start two pairs");
		goto out;
	}
	/* both clients exist and wait: attach to A's alone */
	if (tls_open_lib(NULL, ENF_TLS_LIB_OPENSSL, libssl, NULL, a.client,
			 &tls) ||
	    enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap) ||
	    enf_tls_stats_read(tls, before)) {
		CHECK(false, "[pid] attach %s to pid %d", libssl,
		      (int)a.client);
		goto out;
	}
	tls_store_watch(&st, a.client);
	tls_store_watch(&st, a.server);
	tls_store_watch(&st, b.client);
	tls_store_watch(&st, b.server);
	if (write(go[1], "gg", 2) != 2)
		CHECK(false, "[pid] start the clients");
	ok = tls_pair_wait(&a, cap) & tls_pair_wait(&b, cap);
	tls_drain(cap, 200);
	CHECK(ok, "[pid] both pairs exchanged");
	CHECK(tls_store_find(&st, a.client, ENF_TLS_WRITE, a.msg) &&
		      tls_store_find(&st, a.client, ENF_TLS_READ, "ACK "),
	      "[pid] the attached process's write and read are captured");
	CHECK(count_of(a.server) == 0 && count_of(b.client) == 0 &&
		      count_of(b.server) == 0,
	      "[pid] nothing of the other three processes (%zu, %zu, %zu)",
	      count_of(a.server), count_of(b.client), count_of(b.server));
	na = count_of(a.client);
	if (enf_tls_stats_read(tls, after))
		memset(after, 0, sizeof(after));
	CHECK(after[ENF_TLS_STAT_EVENTS] - before[ENF_TLS_STAT_EVENTS] == na,
	      "[pid] the kernel put out exactly the attached process's records (%llu == %zu)",
	      (unsigned long long)(after[ENF_TLS_STAT_EVENTS] -
				   before[ENF_TLS_STAT_EVENTS]),
	      na);
out:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	pair_close(&a);
	pair_close(&b);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/*
 * Open the capture with @opts, run the pairs (already set up, not
 * started), and leave their records in the store; the filtered counter's
 * increase in *@filtered.
 */
static bool run_filtered(const char *m, const struct enf_tls_opts *opts,
			 struct tls_pair *pairs, int n, __u64 *filtered)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	bool ok = true;
	int err;

	tls_store_clear(&st);
	*filtered = 0;
	err = tls_open_lib(opts, ENF_TLS_LIB_OPENSSL, libssl, NULL, -1, &tls);
	if (!err)
		err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st,
				      &cap);
	if (!err)
		err = enf_tls_stats_read(tls, before);
	CHECK(!err, "[%s] open the capture with the filter (%s)", m,
	      strerror(-err));
	if (err)
		goto out;
	for (int i = 0; i < n; i++) {
		if (tls_pair_start(&pairs[i])) {
			ok = false;
			continue;
		}
		tls_store_watch(&st, pairs[i].client);
		tls_store_watch(&st, pairs[i].server);
		ok &= tls_pair_wait(&pairs[i], cap);
	}
	tls_drain(cap, 200);
	CHECK(ok, "[%s] every pair exchanged", m);
	if (!enf_tls_stats_read(tls, after))
		*filtered = after[ENF_TLS_STAT_FILTERED] -
			    before[ENF_TLS_STAT_FILTERED];
out:
	enf_capture_free(cap);
	enf_tls_close(tls);
	return ok;
}

static void test_filter_ports(void)
{
	struct tls_pair p[2];
	__u16 port;
	__u64 filtered;
	struct enf_tls_opts o = { .ports = &port, .n_ports = 1 };

	if (pair_open(&p[0], "PORT in scope", -1) ||
	    pair_open(&p[1], "PORT out of scope", -1)) {
		CHECK(false, "[ports] listeners");
		goto out;
	}
	port = p[0].port;
	run_filtered("ports", &o, p, 2, &filtered);
	CHECK(tls_store_find(&st, p[0].client, ENF_TLS_WRITE, p[0].msg) &&
		      tls_store_find(&st, p[0].server, ENF_TLS_READ, p[0].msg),
	      "[ports] port %d: the client (peer port) and the server (local port) are captured",
	      port);
	CHECK(count_of(p[1].client) == 0 && count_of(p[1].server) == 0,
	      "[ports] port %d: nothing captured", p[1].port);
	CHECK(filtered >= 4, "[ports] its 4 calls are counted filtered (%llu)",
	      (unsigned long long)filtered);
out:
	pair_close(&p[0]);
	pair_close(&p[1]);
	tls_store_clear(&st);
}

static void test_filter_comms(void)
{
	const char *comms[] = { "enf-tls-in" };
	struct enf_tls_opts o = { .comms = comms, .n_comms = 1 };
	struct tls_pair p;
	__u64 filtered;

	if (pair_open(&p, "COMM filter", -1)) {
		CHECK(false, "[comms] listener");
		return;
	}
	p.client_comm = "enf-tls-in";
	p.server_comm = "enf-tls-out";
	run_filtered("comms", &o, &p, 1, &filtered);
	CHECK(tls_store_find(&st, p.client, ENF_TLS_WRITE, p.msg) &&
		      tls_store_find(&st, p.client, ENF_TLS_READ, "ACK "),
	      "[comms] the client named enf-tls-in is captured");
	CHECK(count_of(p.server) == 0,
	      "[comms] the server named enf-tls-out is not (%zu)",
	      count_of(p.server));
	CHECK(filtered >= 2, "[comms] its calls are counted filtered (%llu)",
	      (unsigned long long)filtered);
	pair_close(&p);
	tls_store_clear(&st);
}

/* Where the cgroup v2 root is mounted, from /proc/self/mountinfo. */
static int cgroup2_root(char *buf, size_t len)
{
	char line[4096], root[1024], mnt[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11) ||
		    sscanf(line, "%*d %*d %*s %1023s %1023s", root, mnt) != 2 ||
		    strcmp(root, "/") || strlen(mnt) >= len)
			continue;
		strcpy(buf, mnt);
		err = 0;
		break;
	}
	if (f)
		fclose(f);
	return err;
}

static void test_filter_cgroups(void)
{
	char root[1024], dir[1200];
	struct enf_tls_opts o = { 0 };
	struct tls_pair p;
	struct stat sb;
	__u64 id, filtered;

	if (cgroup2_root(root, sizeof(root))) {
		printf("# SKIP [cgroups] no cgroup v2 hierarchy\n");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/enf-tls-scope-%d", root, (int)getpid());
	if (mkdir(dir, 0755) || stat(dir, &sb)) {
		printf("# SKIP [cgroups] cannot make %s: %s\n", dir,
		       strerror(errno));
		return;
	}
	id = sb.st_ino;
	o.cgroups = &id;
	o.n_cgroups = 1;
	if (pair_open(&p, "CGROUP filter", -1)) {
		CHECK(false, "[cgroups] listener");
		goto out_rmdir;
	}
	p.client_cgroup = dir;
	run_filtered("cgroups", &o, &p, 1, &filtered);
	CHECK(tls_store_find(&st, p.client, ENF_TLS_WRITE, p.msg),
	      "[cgroups] the client in cgroup %llu is captured",
	      (unsigned long long)id);
	CHECK(count_of(p.server) == 0,
	      "[cgroups] the server in the test's cgroup is not (%zu)",
	      count_of(p.server));
	CHECK(filtered >= 2, "[cgroups] its calls are counted filtered (%llu)",
	      (unsigned long long)filtered);
	{
		const struct enf_tls_event *e =
			tls_store_find(&st, p.client, ENF_TLS_WRITE, p.msg);

		CHECK(e && e->cgroup_id == id,
		      "[cgroups] the records carry that cgroup id");
	}
	pair_close(&p);
	tls_store_clear(&st);
out_rmdir:
	/* the client has exited: the cgroup is empty */
	if (rmdir(dir))
		printf("# cannot remove %s: %s\n", dir, strerror(errno));
}

/* Port and comm at once: a call must pass both. */
static void test_filter_and(void)
{
	const char *comms[] = { "enf-tls-in" };
	struct tls_pair p[2];
	__u16 port;
	__u64 filtered;
	struct enf_tls_opts o = {
		.ports = &port,
		.n_ports = 1,
		.comms = comms,
		.n_comms = 1,
	};

	if (pair_open(&p[0], "AND both in scope", -1) ||
	    pair_open(&p[1], "AND wrong port", -1)) {
		CHECK(false, "[and] listeners");
		goto out;
	}
	port = p[0].port;
	for (int i = 0; i < 2; i++) {
		p[i].client_comm = "enf-tls-in";
		p[i].server_comm = "enf-tls-out";
	}
	run_filtered("and", &o, p, 2, &filtered);
	CHECK(tls_store_find(&st, p[0].client, ENF_TLS_WRITE, p[0].msg),
	      "[and] right comm and port: captured");
	CHECK(count_of(p[0].server) == 0,
	      "[and] right port, wrong comm: not captured");
	CHECK(count_of(p[1].client) == 0 && count_of(p[1].server) == 0,
	      "[and] right comm, wrong port: not captured");
	CHECK(filtered >= 6, "[and] the left-out calls are counted (%llu)",
	      (unsigned long long)filtered);
out:
	pair_close(&p[0]);
	pair_close(&p[1]);
	tls_store_clear(&st);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("SKIP: test_tls_scope attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_scope");
	libssl = tls_libssl_path();
	if (!libssl[0]) {
		printf("SKIP: no libssl.so.3 on this machine\n");
		return TLS_TEST_SKIP;
	}
	test_pid_scope();
	test_filter_ports();
	test_filter_comms();
	test_filter_cgroups();
	test_filter_and();
	tls_store_clear(&st);
	return tls_check_done();
}
