// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the TLS slice that need no BPF: the process cache against
 * a fake /proc tree (and against the real one, across a real execve()),
 * and libssl discovery.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/capture/capture.h"
#include "enforcer/capture/proc_cache.h"
#include "enforcer/loader/tls.h"

struct fake_proc {
	char root[64];
};

static void write_stat(const struct fake_proc *fp, unsigned int pid,
		       const char *comm, unsigned long long start)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u", fp->root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/stat", fp->root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	/* fields 3..21, then starttime (22), then a few more */
	fprintf(f,
		"%u (%s) S 1 %u %u 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 200 18446744073709551615\n",
		pid, comm, pid, pid, start);
	fclose(f);
}

/*
 * The cache identifies an executable by the inode its exe link leads to,
 * so the fake links point at real files: @target lives under <root>/fs.
 */
static void fs_path(const struct fake_proc *fp, const char *target, char *out,
		    size_t len)
{
	snprintf(out, len, "%s/fs%s", fp->root, target);
}

/* Create the file for @target, and its directories, unless it exists. */
static void make_target(const struct fake_proc *fp, const char *target)
{
	char path[PATH_MAX];
	int fd;

	fs_path(fp, target, path, sizeof(path));
	for (char *p = path + strlen(fp->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	close(fd);
}

/*
 * Put a new file at @target, as a package upgrade does: written beside it
 * and renamed over it, so both inodes exist at once and cannot share a
 * number.
 */
static void replace_target(const struct fake_proc *fp, const char *target)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int fd;

	fs_path(fp, target, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(rename(tmp, path), 0);
}

static void write_exe(const struct fake_proc *fp, unsigned int pid,
		      const char *target)
{
	char path[PATH_MAX], dest[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%u/exe", fp->root, pid);
	unlink(path);
	if (!target)
		return;
	make_target(fp, target);
	fs_path(fp, target, dest, sizeof(dest));
	assert_int_equal(symlink(dest, path), 0);
}

static void remove_proc(const struct fake_proc *fp, unsigned int pid)
{
	char path[PATH_MAX];

	write_exe(fp, pid, NULL);
	snprintf(path, sizeof(path), "%s/%u/stat", fp->root, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%u", fp->root, pid);
	rmdir(path);
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static int fake_setup(void **state)
{
	struct fake_proc *fp = calloc(1, sizeof(*fp));

	if (!fp)
		return -1;
	strcpy(fp->root, "/tmp/enf-fakeproc.XXXXXX");
	if (!mkdtemp(fp->root)) {
		free(fp);
		return -1;
	}
	*state = fp;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake_proc *fp = *state;
	int err;

	err = nftw(fp->root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fp);
	return err;
}

/* The cache answers @want, a path under the fake tree's fs/. */
static void exe_is(const struct fake_proc *fp, struct enf_proc_cache *pc,
		   unsigned int pid, const char *want)
{
	char buf[PATH_MAX], path[PATH_MAX];

	fs_path(fp, want, path, sizeof(path));
	assert_int_equal(enf_proc_cache_exe(pc, pid, buf, sizeof(buf)), 0);
	assert_string_equal(buf, path);
}

static void test_hit_after_miss(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 100, "nginx", 5555);
	write_exe(fp, 100, "/usr/sbin/nginx");
	assert_int_equal(enf_proc_cache_new(0, fp->root, &pc), 0);
	exe_is(fp, pc, 100, "/usr/sbin/nginx");
	exe_is(fp, pc, 100, "/usr/sbin/nginx");
	/* a renamed process (prctl PR_SET_NAME) runs the same file: a hit */
	write_stat(fp, 100, "nginx: worker", 5555);
	exe_is(fp, pc, 100, "/usr/sbin/nginx");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.stale, 0);
	assert_int_equal(enf_proc_cache_count(pc), 1);
	enf_proc_cache_free(pc);
}

static void test_start_time_change_invalidates(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 101, "curl", 1000);
	write_exe(fp, 101, "/usr/bin/curl");
	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	exe_is(fp, pc, 101, "/usr/bin/curl");
	/* pid reused by another process with the same comm */
	write_stat(fp, 101, "curl", 2000);
	write_exe(fp, 101, "/opt/curl/bin/curl");
	exe_is(fp, pc, 101, "/opt/curl/bin/curl");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(enf_proc_cache_count(pc), 1);
	enf_proc_cache_free(pc);
}

static void test_exec_changes_comm(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 102, "bash", 3000);
	write_exe(fp, 102, "/usr/bin/bash");
	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	exe_is(fp, pc, 102, "/usr/bin/bash");
	/* execve: same pid, same start time, new comm and exe */
	write_stat(fp, 102, "python3", 3000);
	write_exe(fp, 102, "/usr/bin/python3.11");
	exe_is(fp, pc, 102, "/usr/bin/python3.11");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.stale, 1);
	enf_proc_cache_free(pc);
}

static void test_exec_same_comm_changes_exe(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 110, "python3", 3100);
	write_exe(fp, 110, "/usr/bin/python3");
	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	exe_is(fp, pc, 110, "/usr/bin/python3");
	/*
	 * execv("/tmp/x/python3"): pid, start time and comm all stay; only
	 * the exe link leads to another file.
	 */
	write_exe(fp, 110, "/tmp/x/python3");
	exe_is(fp, pc, 110, "/tmp/x/python3");
	exe_is(fp, pc, 110, "/tmp/x/python3");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.hits, 1);
	assert_int_equal(enf_proc_cache_count(pc), 1);
	enf_proc_cache_free(pc);
}

static void test_exec_of_replaced_file(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 111, "sshd", 3200);
	write_exe(fp, 111, "/usr/sbin/sshd");
	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	exe_is(fp, pc, 111, "/usr/sbin/sshd");
	/* an upgrade puts a new inode at the same path, and sshd re-execs */
	replace_target(fp, "/usr/sbin/sshd");
	exe_is(fp, pc, 111, "/usr/sbin/sshd");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.hits, 0);
	enf_proc_cache_free(pc);
}

static void test_comm_with_parens_and_spaces(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 103, "a) b (c", 4242);
	write_exe(fp, 103, "/tmp/odd name");
	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	exe_is(fp, pc, 103, "/tmp/odd name");
	exe_is(fp, pc, 103, "/tmp/odd name");
	/* start time parsed after the last ')': a change is seen */
	write_stat(fp, 103, "a) b (c", 4243);
	exe_is(fp, pc, 103, "/tmp/odd name");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.stale, 1);
	enf_proc_cache_free(pc);
}

static void test_gone_and_kernel_thread(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache *pc;
	char buf[PATH_MAX];

	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	assert_int_equal(enf_proc_cache_exe(pc, 104, buf, sizeof(buf)), -ESRCH);
	write_stat(fp, 105, "kworker/0:1", 7);
	assert_int_equal(enf_proc_cache_exe(pc, 105, buf, sizeof(buf)),
			 -ENOENT);
	assert_int_equal(enf_proc_cache_count(pc), 0);

	write_stat(fp, 106, "sleep", 8);
	write_exe(fp, 106, "/usr/bin/sleep");
	exe_is(fp, pc, 106, "/usr/bin/sleep");
	assert_int_equal(enf_proc_cache_count(pc), 1);
	/*
	 * Exiting: stat is still there, the exe link is gone. The entry
	 * cannot be checked, so it is not answered, but it is kept.
	 */
	write_exe(fp, 106, NULL);
	assert_int_equal(enf_proc_cache_exe(pc, 106, buf, sizeof(buf)),
			 -ENOENT);
	assert_int_equal(enf_proc_cache_count(pc), 1);
	remove_proc(fp, 106);
	assert_int_equal(enf_proc_cache_exe(pc, 106, buf, sizeof(buf)), -ESRCH);
	assert_int_equal(enf_proc_cache_count(pc), 0);
	enf_proc_cache_free(pc);
}

/*
 * A process gone before its event is matched (curl after one request):
 * answered from what it ran, for events made while it was alive; never
 * for an event after its exit, nor for a pid reused by another process.
 */
static void test_gone_answers_for_its_past(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;
	char buf[PATH_MAX], want[PATH_MAX];

	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	write_stat(fp, 107, "curl", 900);
	write_exe(fp, 107, "/usr/bin/curl");
	exe_is(fp, pc, 107, "/usr/bin/curl"); /* cached at its exec */
	fs_path(fp, "/usr/bin/curl", want, sizeof(want));
	remove_proc(fp, 107);
	/* gone, exit not seen yet: an event of it is answered */
	assert_int_equal(enf_proc_cache_exe_at(pc, 107, 5000, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, want);
	/* without a time, as before: not answered */
	assert_int_equal(enf_proc_cache_exe(pc, 107, buf, sizeof(buf)), -ESRCH);
	assert_int_equal(enf_proc_cache_count(pc), 0);

	write_stat(fp, 108, "curl", 901);
	write_exe(fp, 108, "/usr/bin/curl");
	exe_is(fp, pc, 108, "/usr/bin/curl");
	remove_proc(fp, 108);
	enf_proc_cache_exited(pc, 108, 6000);
	assert_int_equal(enf_proc_cache_count(pc), 1);
	/* an event before the exit: answered; after it: not */
	assert_int_equal(enf_proc_cache_exe_at(pc, 108, 5999, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, want);
	assert_int_equal(enf_proc_cache_exe_at(pc, 108, 6001, buf, sizeof(buf)),
			 -ESRCH);
	assert_int_equal(enf_proc_cache_count(pc), 0);

	/* the pid reused by another program: the live process wins */
	write_stat(fp, 109, "curl", 902);
	write_exe(fp, 109, "/usr/bin/curl");
	exe_is(fp, pc, 109, "/usr/bin/curl");
	enf_proc_cache_exited(pc, 109, 7000);
	write_stat(fp, 109, "wget", 950);
	write_exe(fp, 109, "/usr/bin/wget");
	fs_path(fp, "/usr/bin/wget", want, sizeof(want));
	assert_int_equal(enf_proc_cache_exe_at(pc, 109, 8000, buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, want);
	/* a time of 0 drops the entry at the exit */
	enf_proc_cache_exited(pc, 109, 0);
	assert_int_equal(enf_proc_cache_count(pc), 0);
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.gone_hits, 2);
	enf_proc_cache_free(pc);
}

static void test_small_buffer(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache *pc;
	char buf[8];

	write_stat(fp, 107, "longname", 9);
	write_exe(fp, 107, "/usr/local/bin/longname");
	assert_int_equal(enf_proc_cache_new(16, fp->root, &pc), 0);
	assert_int_equal(enf_proc_cache_exe(pc, 107, buf, sizeof(buf)),
			 -ENAMETOOLONG);
	/* cached anyway; a hit with a small buffer fails the same way */
	assert_int_equal(enf_proc_cache_exe(pc, 107, buf, sizeof(buf)),
			 -ENAMETOOLONG);
	exe_is(fp, pc, 107, "/usr/local/bin/longname");
	enf_proc_cache_free(pc);
}

static void test_lru_eviction(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	for (unsigned int pid = 201; pid <= 203; pid++) {
		char exe[32];

		snprintf(exe, sizeof(exe), "/bin/p%u", pid);
		write_stat(fp, pid, "p", pid);
		write_exe(fp, pid, exe);
	}
	assert_int_equal(enf_proc_cache_new(2, fp->root, &pc), 0);
	exe_is(fp, pc, 201, "/bin/p201");
	exe_is(fp, pc, 202, "/bin/p202");
	exe_is(fp, pc, 201, "/bin/p201"); /* 202 is now least recently used */
	exe_is(fp, pc, 203, "/bin/p203"); /* evicts 202 */
	assert_int_equal(enf_proc_cache_count(pc), 2);
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.hits, 1);

	/* 201 is still cached (a hit), 202 was evicted (a miss) */
	exe_is(fp, pc, 201, "/bin/p201");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 3);
	exe_is(fp, pc, 202, "/bin/p202"); /* evicts 203 */
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 4);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(enf_proc_cache_count(pc), 2);
	enf_proc_cache_free(pc);
}

static void test_many_pids_bounded(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	assert_int_equal(enf_proc_cache_new(32, fp->root, &pc), 0);
	for (unsigned int pid = 1; pid < 300; pid++) {
		write_stat(fp, pid, "w", pid);
		write_exe(fp, pid, "/bin/w");
		exe_is(fp, pc, pid, "/bin/w");
		assert_true(enf_proc_cache_count(pc) <= 32);
		if (pid % 7 == 0)
			enf_proc_cache_forget(pc, pid - 3);
	}
	/* forget() freed slots, and they are reused before evicting */
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.misses, 299);
	assert_int_equal(enf_proc_cache_count(pc), 32);
	for (unsigned int pid = 268; pid < 300; pid++)
		exe_is(fp, pc, pid, "/bin/w");
	enf_proc_cache_get_stats(pc, &st);
	assert_true(st.hits >= 28);
	enf_proc_cache_free(pc);
}

static void test_bad_arguments(void **state)
{
	struct enf_proc_cache *pc = NULL;

	(void)state;
	assert_int_equal(enf_proc_cache_new(ENF_PROC_CACHE_MAX_ENTRIES + 1,
					    NULL, &pc),
			 -EINVAL);
	assert_int_equal(enf_proc_cache_new(4, "", &pc), -EINVAL);
	assert_null(pc);
	enf_proc_cache_free(NULL);
}

static void test_real_proc_self(void **state)
{
	char want[PATH_MAX], buf[PATH_MAX];
	struct enf_proc_cache *pc;
	ssize_t n;

	(void)state;
	n = readlink("/proc/self/exe", want, sizeof(want) - 1);
	assert_true(n > 0);
	want[n] = '\0';
	assert_int_equal(enf_proc_cache_new(0, NULL, &pc), 0);
	assert_int_equal(enf_proc_cache_exe(pc, getpid(), buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	assert_int_equal(enf_proc_cache_exe(pc, getpid(), buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	enf_proc_cache_free(pc);
}

/* Copy @from to @to, executable. */
static void copy_file(const char *from, const char *to)
{
	char buf[16384];
	int in, out;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

/* Wait up to 5 s for /proc/@pid/exe to lead to @want; then its comm. */
static bool exe_becomes(pid_t pid, const char *want, char *comm, size_t len)
{
	char path[64], got[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 500; i++) {
		n = readlink(path, got, sizeof(got) - 1);
		if (n > 0) {
			got[n] = '\0';
			if (!strcmp(got, want))
				break;
		}
		n = -1;
		usleep(10000);
	}
	if (n < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	return true;
}

/*
 * The reviewer's case on the real /proc: a process execs another file of
 * the same name, so pid, start time and comm all stay the same. Two copies
 * of /bin/sh stand in for /usr/bin/python3 and /tmp/x/python3.
 */
static void test_real_exec_same_comm(void **state)
{
	struct fake_proc *fp = *state;
	char dir[PATH_MAX], a[PATH_MAX + 16], b[PATH_MAX + 16];
	char script[2 * PATH_MAX], got1[PATH_MAX], got2[PATH_MAX];
	char comm1[32] = "", comm2[32] = "";
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;
	bool ran_a, ran_b;
	int pipefd[2], status, err1 = 1, err2 = 1;
	pid_t pid;

	assert_non_null(realpath(fp->root, dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	strcat(a, "/tool");
	strcat(b, "/tool");
	copy_file("/bin/sh", a);
	copy_file("/bin/sh", b);
	/* the first shell waits for a line, then execs the second */
	snprintf(script, sizeof(script), "read x; exec %s -c 'read y'", b);

	assert_int_equal(enf_proc_cache_new(0, NULL, &pc), 0);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(pipefd[0], STDIN_FILENO) == STDIN_FILENO)
			execl(a, "tool", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(pipefd[0]);

	/* no assertion until the child is reaped, so a failure leaves none */
	ran_a = exe_becomes(pid, a, comm1, sizeof(comm1));
	if (ran_a)
		err1 = enf_proc_cache_exe(pc, pid, got1, sizeof(got1));
	ran_b = write(pipefd[1], "\n", 1) == 1 &&
		exe_becomes(pid, b, comm2, sizeof(comm2));
	if (ran_b)
		err2 = enf_proc_cache_exe(pc, pid, got2, sizeof(got2));
	close(pipefd[1]);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	enf_proc_cache_get_stats(pc, &st);
	enf_proc_cache_free(pc);

	if (!ran_a && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		skip(); /* cannot exec from the temporary directory */
	assert_true(ran_a);
	assert_int_equal(err1, 0);
	assert_string_equal(got1, a);
	assert_true(ran_b);
	assert_string_equal(comm1, comm2); /* "tool" both times */
	assert_int_equal(err2, 0);
	assert_string_equal(got2, b);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.misses, 2);
}

/*
 * Records the consumer must refuse, built by hand: the kernel side never
 * writes them, but the consumer checks every length it is given.
 */
static void test_record_checks(void **state)
{
	static __u8 buf[ENF_TLS_EVENT_SIZE(ENF_TLS_CHUNK) + 64]
		__attribute__((aligned(8)));
	struct enf_tls_event *ev = (struct enf_tls_event *)buf;
	const size_t hdr = sizeof(*ev);
	const size_t classes[] = { ENF_TLS_TINY, ENF_TLS_SMALL, ENF_TLS_MEDIUM,
				   ENF_TLS_CHUNK };

	(void)state;
	memset(buf, 0, sizeof(buf));
	ev->direction = ENF_TLS_READ;
	/* every size class, full and empty */
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		ev->len = ev->data_len = (__u32)classes[i];
		ev->offset = 0;
		assert_true(enf_capture_record_ok(ev, hdr + classes[i]));
		ev->data_len = 0;
		assert_true(enf_capture_record_ok(ev, hdr + classes[i]));
	}
	/* a later chunk of a long call */
	ev->len = 3 * ENF_TLS_CHUNK + 5;
	ev->offset = 3 * ENF_TLS_CHUNK;
	ev->data_len = 5;
	assert_true(enf_capture_record_ok(ev, hdr + ENF_TLS_SMALL));
	/* shorter than a header, longer than the largest class */
	assert_false(enf_capture_record_ok(ev, hdr - 1));
	assert_false(enf_capture_record_ok(ev, 0));
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_CHUNK + 8));
	/* data_len past the record, past a chunk */
	ev->len = ev->data_len = ENF_TLS_SMALL + 1;
	ev->offset = 0;
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_SMALL));
	ev->len = ev->data_len = ENF_TLS_CHUNK + 1;
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_CHUNK + 8));
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_CHUNK));
	/* offset + data_len past the call, and wrapping around 32 bits */
	ev->len = 100;
	ev->offset = 90;
	ev->data_len = 11;
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_SMALL));
	ev->len = 0xffffffffu;
	ev->offset = 0xfffffff0u;
	ev->data_len = 0x20;
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_SMALL));
	/* an unknown direction */
	ev->len = ev->data_len = 10;
	ev->offset = 0;
	assert_true(enf_capture_record_ok(ev, hdr + ENF_TLS_SMALL));
	ev->direction = 2;
	assert_false(enf_capture_record_ok(ev, hdr + ENF_TLS_SMALL));
}

static void test_find_libs_dedup(void **state)
{
	struct fake_proc *fp = *state;
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX], d[PATH_MAX];
	const char *cands[] = { a, b, c, a, d, NULL };
	char out[4][PATH_MAX], *real;
	size_t n = 99;
	FILE *f;

	snprintf(a, sizeof(a), "%s/libssl.so.3", fp->root);
	snprintf(b, sizeof(b), "%s/alias.so", fp->root);
	snprintf(c, sizeof(c), "%s/missing.so", fp->root);
	snprintf(d, sizeof(d), "%s/other.so", fp->root);
	f = fopen(a, "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(d, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(symlink(a, b), 0);

	assert_int_equal(enf_tls_find_libs(cands, out, 4, &n), 0);
	assert_int_equal(n, 2);
	real = realpath(a, NULL);
	assert_non_null(real);
	assert_string_equal(out[0], real);
	free(real);
	real = realpath(d, NULL);
	assert_string_equal(out[1], real);
	free(real);

	/* room for one of two distinct files */
	assert_int_equal(enf_tls_find_libs(cands, out, 1, &n), -E2BIG);
	assert_int_equal(n, 1);

	/* nothing there */
	cands[0] = c;
	cands[1] = NULL;
	assert_int_equal(enf_tls_find_libs(cands, out, 4, &n), -ENOENT);
	assert_int_equal(n, 0);

	unlink(a);
	unlink(b);
	unlink(d);
}

static void test_find_libs_default(void **state)
{
	char out[ENF_TLS_MAX_LIBS][PATH_MAX];
	size_t n = 0;
	int err;

	(void)state;
	err = enf_tls_find_libs(NULL, out, ENF_TLS_MAX_LIBS, &n);
	if (err == -ENOENT)
		skip();
	assert_int_equal(err, 0);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(out[i], '/');

		assert_non_null(base);
		assert_true(!strncmp(base + 1, "libssl.so.3", 11));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(out[i], out[j]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_after_miss, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(
			test_start_time_change_invalidates, fake_setup,
			fake_teardown),
		cmocka_unit_test_setup_teardown(test_exec_changes_comm,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_exec_same_comm_changes_exe,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_exec_of_replaced_file,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_comm_with_parens_and_spaces,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_gone_and_kernel_thread,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_gone_answers_for_its_past,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_lru_eviction, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_many_pids_bounded,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_real_proc_self),
		cmocka_unit_test_setup_teardown(test_real_exec_same_comm,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_find_libs_dedup,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_find_libs_default),
		cmocka_unit_test(test_record_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
