// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the TLS slice that need no BPF: the process cache against
 * a fake /proc tree (and once against the real one), and libssl discovery.
 */
#include <errno.h>
#include <limits.h>
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

static void write_exe(const struct fake_proc *fp, unsigned int pid,
		      const char *target)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%u/exe", fp->root, pid);
	unlink(path);
	if (target)
		assert_int_equal(symlink(target, path), 0);
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

	for (unsigned int pid = 1; pid < 400; pid++)
		remove_proc(fp, pid);
	rmdir(fp->root);
	free(fp);
	return 0;
}

static void exe_is(struct enf_proc_cache *pc, unsigned int pid,
		   const char *want)
{
	char buf[PATH_MAX];

	assert_int_equal(enf_proc_cache_exe(pc, pid, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_hit_after_miss(void **state)
{
	struct fake_proc *fp = *state;
	struct enf_proc_cache_stats st;
	struct enf_proc_cache *pc;

	write_stat(fp, 100, "nginx", 5555);
	write_exe(fp, 100, "/usr/sbin/nginx");
	assert_int_equal(enf_proc_cache_new(0, fp->root, &pc), 0);
	exe_is(pc, 100, "/usr/sbin/nginx");
	/* the link changes but the process does not: the cache answers */
	write_exe(fp, 100, "/usr/sbin/other");
	exe_is(pc, 100, "/usr/sbin/nginx");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.hits, 1);
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
	exe_is(pc, 101, "/usr/bin/curl");
	/* pid reused by another process with the same comm */
	write_stat(fp, 101, "curl", 2000);
	write_exe(fp, 101, "/opt/curl/bin/curl");
	exe_is(pc, 101, "/opt/curl/bin/curl");
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
	exe_is(pc, 102, "/usr/bin/bash");
	/* execve: same pid, same start time, new comm and exe */
	write_stat(fp, 102, "python3", 3000);
	write_exe(fp, 102, "/usr/bin/python3.11");
	exe_is(pc, 102, "/usr/bin/python3.11");
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.stale, 1);
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
	exe_is(pc, 103, "/tmp/odd name");
	exe_is(pc, 103, "/tmp/odd name");
	/* start time parsed after the last ')': a change is seen */
	write_stat(fp, 103, "a) b (c", 4243);
	exe_is(pc, 103, "/tmp/odd name");
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
	exe_is(pc, 106, "/usr/bin/sleep");
	assert_int_equal(enf_proc_cache_count(pc), 1);
	remove_proc(fp, 106);
	assert_int_equal(enf_proc_cache_exe(pc, 106, buf, sizeof(buf)), -ESRCH);
	assert_int_equal(enf_proc_cache_count(pc), 0);
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
	exe_is(pc, 107, "/usr/local/bin/longname");
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
	exe_is(pc, 201, "/bin/p201");
	exe_is(pc, 202, "/bin/p202");
	exe_is(pc, 201, "/bin/p201"); /* 202 is now least recently used */
	exe_is(pc, 203, "/bin/p203"); /* evicts 202 */
	assert_int_equal(enf_proc_cache_count(pc), 2);

	/* 201 is still cached (old answer), 202 was evicted (new answer) */
	write_exe(fp, 201, "/bin/changed201");
	write_exe(fp, 202, "/bin/changed202");
	exe_is(pc, 201, "/bin/p201");
	exe_is(pc, 202, "/bin/changed202");
	enf_proc_cache_get_stats(pc, &st);
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
		exe_is(pc, pid, "/bin/w");
		assert_true(enf_proc_cache_count(pc) <= 32);
		if (pid % 7 == 0)
			enf_proc_cache_forget(pc, pid - 3);
	}
	/* forget() freed slots, and they are reused before evicting */
	enf_proc_cache_get_stats(pc, &st);
	assert_int_equal(st.misses, 299);
	assert_int_equal(enf_proc_cache_count(pc), 32);
	for (unsigned int pid = 268; pid < 300; pid++)
		exe_is(pc, pid, "/bin/w");
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
		cmocka_unit_test_setup_teardown(test_comm_with_parens_and_spaces,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_gone_and_kernel_thread,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_small_buffer, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_lru_eviction, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_many_pids_bounded,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_real_proc_self),
		cmocka_unit_test_setup_teardown(test_find_libs_dedup,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_find_libs_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
