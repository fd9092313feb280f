// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The always-on parts of the TLS capture, with no library attached:
 *   - proc_events: an exec gives one EXEC record (pid, parent, uid, comm
 *     after the exec, cgroup); a process ends with one EXIT record, after
 *     its last thread, not when a thread or the group leader alone ends;
 *     read through enf_capture_add_proc() on the consumer's epoll fd;
 *   - the sock_ops program on the root cgroup v2 is there while the
 *     capture is open and gone after enf_tls_close().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "enforcer/common/log.h"

#include "test_tls_common.h"

#define MAX_PROC 4096

static struct enf_proc_event procs[MAX_PROC];
static size_t nprocs;

static int proc_cb(void *ctx, const struct enf_proc_event *ev)
{
	(void)ctx;
	if (nprocs < MAX_PROC)
		procs[nprocs++] = *ev;
	return 0;
}

static int tls_cb(void *ctx, const struct enf_tls_event *ev)
{
	(void)ctx;
	(void)ev;
	return 0;
}

static size_t count(__u32 type, pid_t tgid, const struct enf_proc_event **last)
{
	size_t n = 0;

	for (size_t i = 0; i < nprocs; i++) {
		if (procs[i].type != type || procs[i].tgid != (__u32)tgid)
			continue;
		n++;
		if (last)
			*last = &procs[i];
	}
	return n;
}

static void test_exec_exit(struct enf_capture *cap)
{
	char *argv[] = { "true", NULL };
	const struct enf_proc_event *e = NULL, *x = NULL;
	__u64 t0 = tls_now_ns();
	int status;
	pid_t pid;

	nprocs = 0;
	pid = tls_spawn(argv, -1, NULL);
	status = tls_wait_consuming(pid, cap, 10000);
	tls_drain(cap, 200);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status), "[exec] true ran");
	CHECK(count(ENF_PROC_EXEC, pid, &e) == 1,
	      "[exec] one EXEC record for pid %d", (int)pid);
	CHECK(e && e->ppid == (__u32)getpid() && e->uid == 0 &&
		      !strcmp(e->comm, "true") &&
		      e->cgroup_id == tls_cgroup_id(getpid()) && e->ts_ns >= t0,
	      "[exec] its parent, uid, comm after the exec, cgroup, time");
	CHECK(count(ENF_PROC_EXIT, pid, &x) == 1,
	      "[exit] one EXIT record for pid %d", (int)pid);
	CHECK(x && e && x->ts_ns >= e->ts_ns && x->ppid == 0,
	      "[exit] after the exec, ppid 0");
}

static void *short_thread(void *arg)
{
	(void)arg;
	return NULL;
}

static void *late_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;

	/* outlive the group leader, until the test says */
	if (read(fd, &c, 1) != 1)
		return NULL;
	return NULL;
}

/*
 * A process whose first extra thread ends at once, whose leader then
 * ends with pthread_exit while a second thread lives on until the test
 * lets it end: one EXIT, only then.
 */
static void threads_child(int fd)
{
	pthread_t a, b;

	if (pthread_create(&a, NULL, short_thread, NULL) ||
	    pthread_join(a, NULL) || pthread_create(&b, NULL, late_thread, &fd))
		_exit(2);
	pthread_exit(NULL);
}

static void test_threads(struct enf_capture *cap)
{
	int go[2], status;
	size_t before;
	pid_t pid;

	nprocs = 0;
	if (pipe(go)) {
		CHECK(false, "[threads] pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		threads_child(go[0]);
	}
	close(go[0]);
	/* the leader and the short thread are gone; the late one waits */
	tls_drain(cap, 300);
	before = count(ENF_PROC_EXIT, pid, NULL);
	CHECK(before == 0,
	      "[threads] no EXIT while a thread lives (after a thread and the leader ended: %zu)",
	      before);
	if (write(go[1], "x", 1) != 1)
		CHECK(false, "[threads] release the last thread");
	close(go[1]);
	status = tls_wait_consuming(pid, cap, 10000);
	tls_drain(cap, 200);
	CHECK(WIFEXITED(status), "[threads] the process ended");
	CHECK(count(ENF_PROC_EXIT, pid, NULL) == 1,
	      "[threads] one EXIT when the last thread ended");
}

struct prog_ids {
	__u32 id[64];
	__u32 n;
};

/* The sock_ops programs attached to @cg; false on error. */
static bool sock_ops_ids(int cg, struct prog_ids *p)
{
	p->n = 64;
	return cg >= 0 &&
	       !bpf_prog_query(cg, BPF_CGROUP_SOCK_OPS, 0, NULL, p->id, &p->n);
}

static bool has_id(const struct prog_ids *p, __u32 id)
{
	for (__u32 i = 0; i < p->n; i++)
		if (p->id[i] == id)
			return true;
	return false;
}

/* The one program of @now not in @before named tls_sock_ops, or 0. */
static __u32 new_sock_ops(const struct prog_ids *before,
			  const struct prog_ids *now)
{
	__u32 found = 0, n = 0;

	for (__u32 i = 0; i < now->n; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd;

		if (has_id(before, now->id[i]))
			continue;
		fd = bpf_prog_get_fd_by_id(now->id[i]);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, "tls_sock_ops")) {
			found = now->id[i];
			n++;
		}
		close(fd);
	}
	return n == 1 ? found : 0;
}

static int cgroup_root_fd(void)
{
	char line[4096], root[1024], mnt[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int fd = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11) ||
		    sscanf(line, "%*d %*d %*s %1023s %1023s", root, mnt) != 2 ||
		    strcmp(root, "/"))
			continue;
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		break;
	}
	if (f)
		fclose(f);
	return fd;
}

int main(void)
{
	struct enf_capture_stats cs;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	struct prog_ids ids0 = { 0 }, ids1 = { 0 }, ids2 = { 0 };
	bool q0, q1 = false, q2;
	int err, cg;
	__u32 mine = 0;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_proc loads BPF programs, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_proc");
	cg = cgroup_root_fd();
	q0 = sock_ops_ids(cg, &ids0);

	err = enf_tls_open(NULL, &tls);
	CHECK(err == 0, "open the capture (%s)", strerror(-err));
	if (err)
		goto out;
	q1 = sock_ops_ids(cg, &ids1);
	if (q0 && q1)
		mine = new_sock_ops(&ids0, &ids1);
	err = enf_capture_new(enf_tls_events_fd(tls), tls_cb, NULL, &cap);
	if (!err)
		err = enf_capture_add_proc(cap, enf_tls_proc_events_fd(tls),
					   proc_cb, NULL);
	CHECK(err == 0, "consumer of both rings");
	CHECK(enf_capture_add_proc(cap, enf_tls_proc_events_fd(tls), proc_cb,
				   NULL) == -EBUSY,
	      "a second proc ring is refused");
	if (err)
		goto out;
	enf_capture_consume(cap);

	test_exec_exit(cap);
	test_threads(cap);
	enf_capture_get_stats(cap, &cs);
	CHECK(cs.proc_events > 0 && cs.proc_malformed == 0,
	      "consumer counts %llu process events, none malformed",
	      (unsigned long long)cs.proc_events);

	enf_capture_free(cap);
	cap = NULL;
	enf_tls_close(tls);
	tls = NULL;
	q2 = sock_ops_ids(cg, &ids2);
	if (cg < 0) {
		printf("# SKIP [sock_ops] no cgroup v2 hierarchy\n");
	} else {
		CHECK(q0 && q1 && mine != 0,
		      "[sock_ops] tls_sock_ops attached to the root cgroup while open (id %u)",
		      mine);
		CHECK(q2 && mine && !has_id(&ids2, mine),
		      "[sock_ops] detached by enf_tls_close");
	}
out:
	if (cg >= 0)
		close(cg);
	enf_capture_free(cap);
	enf_tls_close(tls);
	return tls_check_done();
}
