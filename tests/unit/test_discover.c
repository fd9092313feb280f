// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS library discovery (enforcer/capture/discover.c) with recording
 * attach/detach callbacks, against real files and real processes: the
 * system libraries, a copy of libssl.so.3 loaded by a child (a non-system
 * file), a static OpenSSL executable and its stripped copy, a mount
 * namespace, narrowed capture by comm and by cgroup; and a fake /proc tree
 * for users, sweeps, bounds and failures. Parts that need root skip with
 * the reason when not root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "enforcer/capture/discover.h"
#include "test_discover_util.h"

#define MAX_REC 128

struct att {
	char path[PATH_MAX];
	char nss[PATH_MAX];
	enum enf_tls_lib lib;
	enum enf_tls_layout layout;
	__u64 offsets[ENF_TLS_FN_MAX];
	int pid;
	__u32 id;
	bool live;
	__u64 ino; /* of @path at attach time */
	bool path_ok; /* @path could be stat'ed at attach time */
};

struct rec {
	struct att a[MAX_REC];
	size_t n_att;
	__u32 next_id;
	size_t n_det;
	char msg[MAX_REC][1024];
	size_t n_msg;
	int fail; /* attach answers this when set */
	size_t bad_detach; /* detach of an unknown or dead id */
};

static int rec_attach(void *ctx, const struct enf_tls_target *t, __u32 *id)
{
	struct rec *r = ctx;
	struct att *a;
	struct stat st;

	if (r->n_att == MAX_REC)
		return -E2BIG;
	a = &r->a[r->n_att++];
	snprintf(a->path, sizeof(a->path), "%s", t->path);
	snprintf(a->nss, sizeof(a->nss), "%s",
		 t->nss_ssl_path ? t->nss_ssl_path : "");
	a->lib = t->lib;
	a->layout = t->layout;
	memcpy(a->offsets, t->offsets, sizeof(a->offsets));
	a->pid = t->pid;
	a->path_ok = !stat(t->path, &st);
	a->ino = a->path_ok ? st.st_ino : 0;
	if (r->fail)
		return r->fail;
	a->id = ++r->next_id;
	a->live = true;
	*id = a->id;
	return 0;
}

static int rec_detach(void *ctx, __u32 id)
{
	struct rec *r = ctx;

	r->n_det++;
	for (size_t i = 0; i < r->n_att; i++)
		if (r->a[i].live && r->a[i].id == id) {
			r->a[i].live = false;
			return 0;
		}
	r->bad_detach++;
	return -ENOENT;
}

static void rec_report(void *ctx, int level, const char *msg)
{
	struct rec *r = ctx;

	(void)level;
	if (r->n_msg < MAX_REC)
		snprintf(r->msg[r->n_msg++], sizeof(r->msg[0]), "%s", msg);
}

static size_t live(const struct rec *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_att; i++)
		n += r->a[i].live;
	return n;
}

static size_t msgs_with(const struct rec *r, const char *s)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_msg; i++)
		n += strstr(r->msg[i], s) != NULL;
	return n;
}

static struct att *live_for_ino(struct rec *r, __u64 ino)
{
	for (size_t i = 0; i < r->n_att; i++)
		if (r->a[i].live && r->a[i].ino == ino)
			return &r->a[i];
	return NULL;
}

/* Shared state: a temp dir with a copy of libssl.so.3 in lib/. */
struct fixture {
	char tmp[256];
	char syslib[512]; /* the system libssl.so.3 */
	char sysdir[512];
	char copy[512]; /* tmp/lib/libssl.so.3 */
	char ldpath[PATH_MAX + 32]; /* LD_LIBRARY_PATH=tmp/lib */
	char empty_proc[PATH_MAX]; /* a procfs with no process */
	struct rec *r;
	struct enf_discover_ops ops;
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char *slash;

	if (!fx)
		return -1;
	if (!find_lib("libssl.so.3", fx->syslib, sizeof(fx->syslib))) {
		print_message("libssl.so.3 not installed\n");
		free(fx);
		return -1;
	}
	snprintf(fx->sysdir, sizeof(fx->sysdir), "%s", fx->syslib);
	slash = strrchr(fx->sysdir, '/');
	*slash = '\0';
	if (make_tmpdir(fx->tmp, sizeof(fx->tmp))) {
		free(fx);
		return -1;
	}
	snprintf(fx->copy, sizeof(fx->copy), "%s/lib", fx->tmp);
	mkdir(fx->copy, 0755);
	snprintf(fx->ldpath, sizeof(fx->ldpath), "LD_LIBRARY_PATH=%s/lib",
		 fx->tmp);
	snprintf(fx->copy, sizeof(fx->copy), "%s/lib/libssl.so.3", fx->tmp);
	snprintf(fx->empty_proc, sizeof(fx->empty_proc), "%s/noproc", fx->tmp);
	mkdir(fx->empty_proc, 0755);
	if (copy_file(fx->syslib, fx->copy)) {
		rm_tree(fx->tmp);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	rm_tree(fx->tmp);
	free(fx);
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = *state;

	fx->r = calloc(1, sizeof(*fx->r));
	if (!fx->r)
		return -1;
	fx->ops.attach = rec_attach;
	fx->ops.detach = rec_detach;
	fx->ops.report = rec_report;
	fx->ops.ctx = fx->r;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->r && fx->r->bad_detach)
		print_message("%zu detach calls named no live attachment\n",
			      fx->r->bad_detach);
	free(fx->r);
	fx->r = NULL;
	return 0;
}

static __u64 ino_of(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		fail_msg("stat %s: %s", path, strerror(errno));
	return st.st_ino;
}

/* The offsets of @path's OpenSSL functions, from nm and readelf. */
static void tool_openssl_offsets(const char *path, bool dynamic,
				 __u64 off[ENF_TLS_FN_MAX])
{
	static const char *const names[] = { "SSL_read", "SSL_write",
					     "SSL_read_ex", "SSL_write_ex" };

	for (int i = 0; i < ENF_TLS_FN_MAX; i++)
		if (tool_sym_offset(path, names[i], dynamic, &off[i]))
			fail_msg("nm/readelf: no %s in %s", names[i], path);
}

static void check_openssl_offsets(const struct att *a, const char *file,
				  bool dynamic)
{
	__u64 want[ENF_TLS_FN_MAX];

	tool_openssl_offsets(file, dynamic, want);
	for (int i = 0; i < ENF_TLS_FN_MAX; i++)
		if (a->offsets[i] != want[i])
			fail_msg("%s: slot %d at 0x%llx, nm/readelf say 0x%llx",
				 file, i, (unsigned long long)a->offsets[i],
				 (unsigned long long)want[i]);
}

static struct enf_discover *new_or_fail(const struct enf_discover_opts *o,
					const struct enf_discover_ops *ops)
{
	struct enf_discover *d = NULL;
	int err = enf_discover_new(o, ops, &d);

	if (err)
		fail_msg("enf_discover_new: %s", strerror(-err));
	return d;
}

static void start_or_fail(struct child *c, char *const argv[], const char *env)
{
	int err = child_start(c, argv, env);

	if (!err)
		err = child_ready(c, 10000);
	if (err) {
		child_stop(c);
		fail_msg("child %s did not start: %s", argv[0], strerror(-err));
	}
}

static const char *const no_dirs[] = { NULL };

/* The standard directory: every TLS library once, pid -1, system. */
static void test_system_scan(void **state)
{
	struct fixture *fx = *state;
	const char *dirs[] = { fx->sysdir, fx->sysdir, NULL };
	struct enf_discover_opts o = {
		.proc_root = fx->empty_proc,
		.offsets_file = "",
		.sys_dirs = dirs,
	};
	static const struct {
		const char *name;
		enum enf_tls_lib lib;
	} libs[] = {
		{ "libssl.so.3", ENF_TLS_LIB_OPENSSL },
		{ "libgnutls.so.30", ENF_TLS_LIB_GNUTLS },
		{ "libnspr4.so", ENF_TLS_LIB_NSS },
		{ "libwolfssl.so.35", ENF_TLS_LIB_WOLFSSL },
	};
	char alias[PATH_MAX + 8], line[256];
	struct enf_discover_file df;
	struct enf_discover *d;
	struct att *ssl = NULL;
	bool found_ssl = false;

	/* the same directory through a second path (a symlink) counts once */
	snprintf(alias, sizeof(alias), "%s/sysalias", fx->tmp);
	unlink(alias);
	assert_int_equal(symlink(fx->sysdir, alias), 0);
	dirs[1] = alias;

	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_scan_all(d), 0);
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		char path[PATH_MAX];
		struct stat st;
		size_t n = 0;
		struct att *a = NULL;

		snprintf(path, sizeof(path), "%s/%s", fx->sysdir, libs[i].name);
		if (stat(path, &st)) {
			print_message("(%s not installed)\n", libs[i].name);
			continue;
		}
		for (size_t k = 0; k < fx->r->n_att; k++)
			if (fx->r->a[k].live && fx->r->a[k].ino == st.st_ino) {
				n++;
				a = &fx->r->a[k];
			}
		if (n != 1)
			fail_msg("%s attached %zu times, want once", path, n);
		if (a->lib != libs[i].lib || a->pid != -1)
			fail_msg("%s attached as %s pid %d", path,
				 enf_tls_lib_name(a->lib), a->pid);
		if (libs[i].lib == ENF_TLS_LIB_NSS &&
		    !strstr(a->nss, "/libssl3.so"))
			fail_msg(
				"libnspr4 attached without NSS's libssl3.so (\"%s\")",
				a->nss);
		if (libs[i].lib == ENF_TLS_LIB_OPENSSL)
			ssl = a;
		else if (a->layout != ENF_TLS_LAYOUT_NONE)
			fail_msg("%s attached with session layout %d", path,
				 a->layout);
	}
	assert_non_null(ssl);
	check_openssl_offsets(ssl, fx->syslib, true);
	assert_int_equal(enf_discover_count(d), live(fx->r));

	/* status: the system libssl with its version from libcrypto */
	for (size_t i = 0; i < enf_discover_count(d); i++) {
		assert_int_equal(enf_discover_get(d, i, &df), 0);
		if (df.ino != ino_of(fx->syslib))
			continue;
		found_ssl = true;
		assert_true(df.system);
		assert_false(df.is_static);
		assert_int_equal(df.users, 0);
		assert_int_equal(df.pid, -1);
		assert_string_equal(df.how, "dynsym");
		assert_int_equal(df.lib, ENF_TLS_LIB_OPENSSL);
		if (!tool_line("openssl version", line, sizeof(line)) &&
		    strstr(line, "Library: ") &&
		    strncmp(strstr(line, "Library: ") + 9, df.version,
			    strlen(df.version)))
			fail_msg("version \"%s\", openssl version says \"%s\"",
				 df.version, line);
		assert_true(!strncmp(df.version, "OpenSSL 3.", 10));
		/* OpenSSL 3.0's session layout is given to the programs */
		if (ssl->layout != (!strncmp(df.version, "OpenSSL 3.0.", 12) ?
					    ENF_TLS_LAYOUT_OSSL30 :
					    ENF_TLS_LAYOUT_NONE))
			fail_msg("%s attached with layout %d", df.version,
				 ssl->layout);
	}
	assert_true(found_ssl);
	assert_int_equal(enf_discover_get(d, enf_discover_count(d), &df),
			 -ENOENT);
	enf_discover_free(d);
	unlink(alias);
}

/* Two paths to one file (symlink, hard link) count once; a copy is another. */
static void test_two_paths_once(void **state)
{
	struct fixture *fx = *state;
	char a[PATH_MAX], b[PATH_MAX], ln[PATH_MAX], hard[PATH_MAX];
	char dir[512];
	const char *paths[] = { a, ln, hard, b, NULL };
	struct enf_discover_opts o = {
		.proc_root = fx->empty_proc,
		.offsets_file = "",
		.sys_dirs = no_dirs,
		.lib_paths = paths,
	};
	struct enf_discover *d;
	bool seen_a = false, seen_b = false;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/two", fx->tmp);
	mkdir(dir, 0755);
	for (int i = 0; i < 4; i++) {
		static const char *const sub[] = { "a", "b", "ln", "hard" };

		snprintf(ln, sizeof(ln), "%s/%s", dir, sub[i]);
		mkdir(ln, 0755);
	}
	snprintf(a, sizeof(a), "%s/a/libssl.so.3", dir);
	snprintf(b, sizeof(b), "%s/b/libssl.so.3", dir);
	snprintf(ln, sizeof(ln), "%s/ln/libssl.so.3", dir);
	snprintf(hard, sizeof(hard), "%s/hard/libssl.so.3", dir);
	assert_int_equal(copy_file(fx->syslib, a), 0);
	assert_int_equal(copy_file(fx->syslib, b), 0);
	unlink(ln);
	unlink(hard);
	assert_int_equal(symlink(a, ln), 0);
	assert_int_equal(link(a, hard), 0);

	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_scan_all(d), 0);
	if (live(fx->r) != 2)
		fail_msg(
			"%zu attachments for one file through three paths and one copy, want 2",
			live(fx->r));
	for (size_t i = 0; i < fx->r->n_att; i++) {
		seen_a = seen_a || fx->r->a[i].ino == ino_of(a);
		seen_b = seen_b || fx->r->a[i].ino == ino_of(b);
	}
	assert_true(seen_a);
	assert_true(seen_b);
	enf_discover_free(d);
}

/*
 * A process loading a copy of libssl (a non-system file) is its user; a
 * second process is another user of the same file, not another
 * attachment; the last exit detaches it.
 */
static void test_process_users_exit(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_CHILD, "--dlopen", "libssl.so.3", NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct child c1 = { 0 }, c2 = { 0 };
	struct enf_discover_file df;
	struct enf_discover *d;
	struct att *a;
	__u32 id;

	start_or_fail(&c1, argv, fx->ldpath);
	start_or_fail(&c2, argv, fx->ldpath);
	d = new_or_fail(&o, &fx->ops);

	assert_int_equal(enf_discover_exec(d, c1.pid, 0), 0);
	a = live_for_ino(fx->r, ino_of(fx->copy));
	if (!a || live(fx->r) != 1)
		fail_msg(
			"the copy of libssl in %s/lib not attached once (%zu attachments)",
			fx->tmp, live(fx->r));
	assert_string_equal(a->path, fx->copy);
	assert_int_equal(a->pid, -1);
	assert_int_equal(a->lib, ENF_TLS_LIB_OPENSSL);
	check_openssl_offsets(a, fx->copy, true);
	id = a->id;
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_int_equal(df.users, 1);
	assert_false(df.system);
	assert_false(df.other_ns);
	assert_string_equal(df.path, fx->copy);

	assert_int_equal(enf_discover_exec(d, c2.pid, 0), 0);
	assert_int_equal(live(fx->r), 1);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_int_equal(df.users, 2);
	/* a rescan of the same process counts it once */
	assert_int_equal(enf_discover_exec(d, c2.pid, 0), 0);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_int_equal(df.users, 2);

	child_stop(&c1);
	assert_int_equal(enf_discover_exit(d, c1.pid), 0);
	assert_int_equal(fx->r->n_det, 0);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_int_equal(df.users, 1);

	child_stop(&c2);
	assert_int_equal(enf_discover_exit(d, c2.pid), 0);
	assert_int_equal(fx->r->n_det, 1);
	assert_int_equal(live(fx->r), 0);
	assert_int_equal(fx->r->bad_detach, 0);
	assert_int_equal(enf_discover_count(d), 0);
	(void)id;
	/* the child's own executable is no TLS code: nothing reported */
	assert_int_equal(msgs_with(fx->r, "not capturable"), 0);
	enf_discover_free(d);
}

/* A library dlopen()ed after exec is found by a rescan; rescans end. */
static void test_rescan_dlopen(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_CHILD, "--delay-ms",	"400",
			 "--dlopen",	 "libssl.so.3", NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_stats st;
	struct child c = { 0 };
	struct enf_discover *d;
	int err;

	assert_int_equal(child_start(&c, argv, fx->ldpath), 0);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c.pid, 1000), 0);
	/* the child waits before its dlopen: nothing yet */
	assert_int_equal(live(fx->r), 0);
	assert_int_equal(enf_discover_tick(d, 1010), 40);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans, 0);

	err = child_ready(&c, 10000);
	if (err) {
		child_stop(&c);
		fail_msg("child not ready: %s", strerror(-err));
	}
	assert_int_equal(enf_discover_tick(d, 1050), 450);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans, 1);
	if (!live_for_ino(fx->r, ino_of(fx->copy)))
		fail_msg(
			"the dlopen()ed copy not attached by the +50 ms rescan");
	assert_int_equal(enf_discover_tick(d, 1500), 4500);
	assert_int_equal(enf_discover_tick(d, 6000), -1);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans, 3);
	assert_int_equal(live(fx->r), 1);

	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/* ---- a fake procfs ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fail_msg("create %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/*
 * Process @pid in the fake procfs @root: its root is "/", its exe the
 * first of @maps, every one of @maps mapped executable, @start its start
 * time.
 */
static void fake_proc(const char *root, int pid, const char *comm,
		      const char *const *maps, unsigned long long start)
{
	char dir[PATH_MAX + 16], p[PATH_MAX + 48], text[8192];
	size_t off = 0;

	snprintf(dir, sizeof(dir), "%s/%d", root, pid);
	mkdir(dir, 0755);
	snprintf(p, sizeof(p), "%s/root", dir);
	unlink(p);
	assert_int_equal(symlink("/", p), 0);
	snprintf(p, sizeof(p), "%s/exe", dir);
	unlink(p);
	if (maps && maps[0])
		assert_int_equal(symlink(maps[0], p), 0);
	text[0] = '\0';
	for (size_t i = 0; maps && maps[i]; i++) {
		struct stat st;

		if (stat(maps[i], &st))
			fail_msg("stat %s: %s", maps[i], strerror(errno));
		off += snprintf(
			text + off, sizeof(text) - off,
			"7f%04zx000000-7f%04zx001000 r-xp 00000000 %02x:%02x %llu %s\n",
			i, i, major(st.st_dev), minor(st.st_dev),
			(unsigned long long)st.st_ino, maps[i]);
	}
	snprintf(p, sizeof(p), "%s/maps", dir);
	write_file(p, text);
	snprintf(p, sizeof(p), "%s/comm", dir);
	snprintf(text, sizeof(text), "%s\n", comm);
	write_file(p, text);
	snprintf(p, sizeof(p), "%s/cgroup", dir);
	write_file(p, "0::/\n");
	snprintf(p, sizeof(p), "%s/stat", dir);
	snprintf(
		text, sizeof(text),
		"%d (%s) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 100\n",
		pid, comm, start);
	write_file(p, text);
}

static void fake_root(struct fixture *fx, const char *name, char *out,
		      size_t len)
{
	char cmd[PATH_MAX + 32];

	snprintf(out, len, "%s/%s", fx->tmp, name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(out, 0755), 0);
}

static const char *true_exe(char *buf, size_t len)
{
	if (!realpath("/bin/true", buf))
		snprintf(buf, len, "/bin/true");
	return buf;
}

/* Users counted per process; sweep drops the gone and the reused pids. */
static void test_fake_users_sweep(void **state)
{
	struct fixture *fx = *state;
	char root[PATH_MAX], exe[PATH_MAX], p[PATH_MAX + 32];
	const char *maps[] = { true_exe(exe, sizeof(exe)), fx->copy, NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct enf_discover *d;

	fake_root(fx, "fproc", root, sizeof(root));
	o.proc_root = root;
	fake_proc(root, 101, "fake", maps, 5000);
	fake_proc(root, 102, "fake", maps, 6000);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_scan_all(d), 0);
	assert_int_equal(live(fx->r), 1);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_int_equal(df.users, 2);
	assert_string_equal(df.path, fx->copy);

	/* nothing changed: nothing dropped */
	assert_int_equal(enf_discover_sweep(d), 0);
	/* 102 is now another process (another start time): dropped */
	fake_proc(root, 102, "fake", maps, 7000);
	assert_int_equal(enf_discover_sweep(d), 1);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_int_equal(df.users, 1);
	assert_int_equal(live(fx->r), 1);
	/* 101 is gone without an exit event: dropped, the file detached */
	snprintf(p, sizeof(p), "rm -rf '%s/101'", root);
	assert_int_equal(system(p), 0);
	assert_int_equal(enf_discover_sweep(d), 1);
	assert_int_equal(live(fx->r), 0);
	assert_int_equal(fx->r->bad_detach, 0);

	/* a pid that does not exist is no error and schedules nothing */
	assert_int_equal(enf_discover_exec(d, 999999, 0), 0);
	assert_int_equal(enf_discover_tick(d, 100000), -1);
	enf_discover_free(d);
}

/* libnspr4 mapped with NSS's libssl3.so: paired from the process's maps. */
static void test_fake_nss_pair(void **state)
{
	struct fixture *fx = *state;
	char root[PATH_MAX], exe[PATH_MAX], nspr[PATH_MAX], ssl3[PATH_MAX];
	char nsspriv[PATH_MAX], ver[64], want[80];
	const char *maps[] = { true_exe(exe, sizeof(exe)), nspr, ssl3, NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct enf_discover *d;

	if (!find_lib("libnspr4.so", nspr, sizeof(nspr)) ||
	    !find_lib("libssl3.so", ssl3, sizeof(ssl3))) {
		print_message("skip: NSS not installed\n");
		skip();
	}
	/* a private NSS tree (as Firefox ships one): nspr4 without libssl3 beside it */
	snprintf(nsspriv, sizeof(nsspriv), "%s/nss", fx->tmp);
	mkdir(nsspriv, 0755);
	snprintf(nsspriv, sizeof(nsspriv), "%s/nss/libnspr4.so", fx->tmp);
	assert_int_equal(copy_file(nspr, nsspriv), 0);
	fake_root(fx, "fproc-nss", root, sizeof(root));
	o.proc_root = root;
	maps[1] = nsspriv;
	fake_proc(root, 301, "nss", maps, 1);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, 301, 0), 0);
	if (live(fx->r) != 1)
		fail_msg(
			"%zu attachments of libnspr4 mapped with libssl3, want 1",
			live(fx->r));
	assert_int_equal(fx->r->a[0].lib, ENF_TLS_LIB_NSS);
	assert_string_equal(fx->r->a[0].nss, ssl3);
	assert_int_equal(fx->r->a[0].ino, ino_of(nsspriv));
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	if (!tool_line("pkg-config --modversion nss 2>/dev/null", ver,
		       sizeof(ver))) {
		snprintf(want, sizeof(want), "NSS %s", ver);
		assert_string_equal(df.version, want);
	}
	enf_discover_exit(d, 301);
	assert_int_equal(live(fx->r), 0);

	/* the same private libnspr4 without any libssl3.so: not attached */
	maps[2] = NULL;
	fake_proc(root, 302, "nss", maps, 1);
	assert_int_equal(enf_discover_exec(d, 302, 0), 0);
	assert_int_equal(fx->r->n_att, 1);
	enf_discover_free(d);
}

/* A mapped library deleted from disk: found through /proc/PID/map_files. */
static void test_deleted_mapping(void **state)
{
	struct fixture *fx = *state;
	char dir[512], lib[PATH_MAX], env[PATH_MAX + 32], prefix[64];
	char *argv[] = { DISCOVER_CHILD, "--dlopen", "libssl.so.3", NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct child c = { 0 };
	struct enf_discover *d;
	__u64 ino;

	if (geteuid()) {
		print_message(
			"skip: /proc/PID/map_files needs CAP_SYS_ADMIN\n");
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/del", fx->tmp);
	mkdir(dir, 0755);
	snprintf(lib, sizeof(lib), "%s/libssl.so.3", dir);
	assert_int_equal(copy_file(fx->syslib, lib), 0);
	ino = ino_of(lib);
	snprintf(env, sizeof(env), "LD_LIBRARY_PATH=%s", dir);
	start_or_fail(&c, argv, env);
	assert_int_equal(unlink(lib), 0);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c.pid, 0), 0);
	if (live(fx->r) != 1) {
		child_stop(&c);
		fail_msg("deleted mapped library: %zu attachments, want 1",
			 live(fx->r));
	}
	snprintf(prefix, sizeof(prefix), "/proc/%d/map_files/", c.pid);
	if (strncmp(fx->r->a[0].path, prefix, strlen(prefix)) ||
	    fx->r->a[0].ino != ino)
		fail_msg(
			"attached through \"%s\" (ino %llu), want %s... (ino %llu)",
			fx->r->a[0].path, (unsigned long long)fx->r->a[0].ino,
			prefix, (unsigned long long)ino);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_string_equal(df.path, lib);
	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/* A fork-exec storm: rescans capped and what is dropped counted. */
static void test_rescans_bounded(void **state)
{
	struct fixture *fx = *state;
	const int extra = 10, n = ENF_DISCOVER_MAX_PENDING + extra;
	char root[PATH_MAX], p[PATH_MAX + 32];
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_stats st;
	struct enf_discover *d;

	fake_root(fx, "storm", root, sizeof(root));
	o.proc_root = root;
	for (int i = 0; i < n; i++)
		fake_proc(root, 1000 + i, "storm", NULL, 1);
	d = new_or_fail(&o, &fx->ops);
	for (int i = 0; i < n; i++)
		assert_int_equal(enf_discover_exec(d, 1000 + i, 0), 0);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans_dropped, extra);
	assert_int_equal(msgs_with(fx->r, "rescans"), 1);
	/* the same pid again replaces its schedule: no growth */
	assert_int_equal(enf_discover_exec(d, 1000, 0), 0);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans_dropped, extra);

	assert_int_equal(enf_discover_tick(d, 50), 450);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans, ENF_DISCOVER_MAX_PENDING);
	/* one process ends unseen between two rescans: not an error */
	snprintf(p, sizeof(p), "rm -rf '%s/1000'", root);
	assert_int_equal(system(p), 0);
	assert_int_equal(enf_discover_tick(d, 500), 4500);
	enf_discover_stats(d, &st);
	assert_int_equal(st.procs_gone, 1);
	assert_int_equal(st.rescans, 2 * ENF_DISCOVER_MAX_PENDING);
	assert_int_equal(enf_discover_tick(d, 5000), -1);
	enf_discover_stats(d, &st);
	assert_int_equal(st.rescans, 3 * ENF_DISCOVER_MAX_PENDING - 1);
	/* once the schedule drained, a new exec is scheduled again */
	assert_int_equal(enf_discover_exec(d, 1001, 6000), 0);
	assert_int_equal(enf_discover_tick(d, 6000), 50);
	enf_discover_free(d);
}

/* An attach that fails is reported once and not retried until the file changes. */
static void test_attach_failure_once(void **state)
{
	struct fixture *fx = *state;
	char root[PATH_MAX], exe[PATH_MAX], lib[PATH_MAX];
	const char *maps[] = { true_exe(exe, sizeof(exe)), lib, NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
	struct enf_discover_stats st;
	struct enf_discover *d;

	snprintf(lib, sizeof(lib), "%s/fail/libssl.so.3", fx->tmp);
	snprintf(root, sizeof(root), "%s/fail", fx->tmp);
	mkdir(root, 0755);
	assert_int_equal(copy_file(fx->syslib, lib), 0);
	fake_root(fx, "fproc2", root, sizeof(root));
	o.proc_root = root;
	fake_proc(root, 201, "fake", maps, 1);
	fake_proc(root, 202, "fake", maps, 1);
	fx->r->fail = -EPERM;
	d = new_or_fail(&o, &fx->ops);

	assert_int_equal(enf_discover_exec(d, 201, 0), 0);
	assert_int_equal(enf_discover_exec(d, 202, 0), 0);
	assert_int_equal(fx->r->n_att, 1);
	assert_int_equal(msgs_with(fx->r, "cannot attach"), 1);
	/* users gone, the file seen again unchanged: not retried */
	enf_discover_exit(d, 201);
	enf_discover_exit(d, 202);
	assert_int_equal(enf_discover_exec(d, 201, 0), 0);
	assert_int_equal(fx->r->n_att, 1);
	assert_int_equal(msgs_with(fx->r, "cannot attach"), 1);
	enf_discover_exit(d, 201);

	/* the file changes (a new mtime): tried again, and now it works */
	assert_int_equal(utimensat(AT_FDCWD, lib, ts, 0), 0);
	fx->r->fail = 0;
	assert_int_equal(enf_discover_exec(d, 202, 0), 0);
	assert_int_equal(fx->r->n_att, 2);
	assert_int_equal(live(fx->r), 1);
	enf_discover_stats(d, &st);
	assert_int_equal(st.attach_failed, 1);
	assert_int_equal(st.attached, 1);
	enf_discover_exit(d, 202);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/* A file only inside another mount namespace: found through /proc/PID/root. */
static void test_mount_ns(void **state)
{
	struct fixture *fx = *state;
	char dir[512], inside[PATH_MAX], script[3 * PATH_MAX];
	char prefix[64];
	char *argv[] = { "/usr/bin/unshare", "-m", "--propagation", "private",
			 "/bin/sh",	     "-c", script,	    NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct child c = { 0 };
	struct enf_discover *d;
	struct stat st;
	struct att *a;

	if (geteuid()) {
		print_message("skip: unshare -m and mount need root\n");
		skip();
	}
	if (access(argv[0], X_OK)) {
		print_message("skip: no %s\n", argv[0]);
		skip();
	}
	snprintf(dir, sizeof(dir), "%s/private", fx->tmp);
	mkdir(dir, 0755);
	snprintf(inside, sizeof(inside), "%s/libssl.so.3", dir);
	snprintf(
		script, sizeof(script),
		"mount -t tmpfs none '%s' && cp '%s' '%s' && exec '%s' --dlopen '%s'",
		dir, fx->syslib, inside, DISCOVER_CHILD, inside);
	start_or_fail(&c, argv, NULL);
	/* our mount namespace does not see the file */
	if (!stat(inside, &st)) {
		child_stop(&c);
		fail_msg("%s visible outside the child's mount namespace",
			 inside);
	}
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c.pid, 0), 0);
	if (live(fx->r) != 1) {
		child_stop(&c);
		fail_msg(
			"%zu attachments for the file in the child's namespace, want 1",
			live(fx->r));
	}
	a = &fx->r->a[0];
	snprintf(prefix, sizeof(prefix), "/proc/%d/root/", c.pid);
	if (strncmp(a->path, prefix, strlen(prefix)) || !a->path_ok)
		fail_msg("attached through \"%s\" (openable: %d), want %s...",
			 a->path, a->path_ok, prefix);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_true(df.other_ns);
	assert_string_equal(df.path, inside);
	assert_int_equal(df.ino, a->ino);
	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/* A static OpenSSL executable: found by .symtab, static, detached at exit. */
static void test_static_symtab(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_STATIC, NULL };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct child c = { 0 };
	struct enf_discover *d;
	struct att *a;

	start_or_fail(&c, argv, NULL);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c.pid, 0), 0);
	a = live_for_ino(fx->r, ino_of(DISCOVER_STATIC));
	if (!a) {
		child_stop(&c);
		fail_msg("static executable not attached");
	}
	assert_int_equal(a->lib, ENF_TLS_LIB_OPENSSL);
	assert_int_equal(a->pid, -1);
	check_openssl_offsets(a, DISCOVER_STATIC, false);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_true(df.is_static);
	assert_string_equal(df.how, "symtab");
	assert_int_equal(df.users, 1);
	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/* The table line of the stripped static executable, from its unstripped twin. */
static void stripped_line(char *line, size_t len, char *id, size_t idlen)
{
	__u64 off[ENF_TLS_FN_MAX];

	assert_int_equal(tool_build_id(DISCOVER_STATIC ".stripped", id, idlen),
			 0);
	tool_openssl_offsets(DISCOVER_STATIC, false, off);
	snprintf(
		line, len,
		"%s openssl SSL_read=0x%llx SSL_write=0x%llx SSL_read_ex=0x%llx SSL_write_ex=0x%llx\n",
		id, (unsigned long long)off[0], (unsigned long long)off[1],
		(unsigned long long)off[2], (unsigned long long)off[3]);
}

/* Exec of a stripped child: attached through the table, else fail. */
static void exec_attached_or_fail(struct fixture *fx, struct enf_discover *d,
				  struct child *c, const char *what)
{
	const char *stripped = DISCOVER_STATIC ".stripped";
	struct att *a;

	assert_int_equal(enf_discover_exec(d, c->pid, 0), 0);
	a = live_for_ino(fx->r, ino_of(stripped));
	if (!a) {
		child_stop(c);
		enf_discover_free(d);
		fail_msg("%s: stripped executable not attached", what);
	}
	assert_int_equal(a->lib, ENF_TLS_LIB_OPENSSL);
	check_openssl_offsets(a, DISCOVER_STATIC, false);
}

/* The stripped copy, through a table entry made from the unstripped one. */
static void test_stripped_table(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_STATIC ".stripped", NULL };
	char table[PATH_MAX], line[1024], id[256], text[1100];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct child c = { 0 };
	struct enf_discover *d;

	stripped_line(line, sizeof(line), id, sizeof(id));
	snprintf(table, sizeof(table), "%s/offsets.conf", fx->tmp);
	snprintf(text, sizeof(text), "# written by test_discover\n%s", line);
	write_file(table, text);

	start_or_fail(&c, argv, NULL);
	d = new_or_fail(&o, &fx->ops);
	exec_attached_or_fail(fx, d, &c, "through the table");
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_string_equal(df.how, "build-id table");
	assert_true(df.is_static);
	assert_string_equal(df.build_id, id);
	assert_int_equal(msgs_with(fx->r, "not capturable"), 0);
	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/* A table entry pointing outside the file's code: refused, never attached. */
static void test_stripped_bad_offset(void **state)
{
	struct fixture *fx = *state;
	const char *stripped = DISCOVER_STATIC ".stripped";
	char *argv[] = { DISCOVER_STATIC ".stripped", NULL };
	char table[PATH_MAX], line[1024], id[256];
	__u64 off[ENF_TLS_FN_MAX];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct child c = { 0 };
	struct enf_discover *d;

	assert_int_equal(tool_build_id(stripped, id, sizeof(id)), 0);
	tool_openssl_offsets(DISCOVER_STATIC, false, off);
	snprintf(table, sizeof(table), "%s/bad-offsets.conf", fx->tmp);
	/* SSL_write right, SSL_read far past the end of the file */
	snprintf(line, sizeof(line),
		 "%s openssl SSL_read=0x7fffffff0 SSL_write=0x%llx\n", id,
		 (unsigned long long)off[1]);
	write_file(table, line);
	start_or_fail(&c, argv, NULL);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c.pid, 0), 0);
	child_stop(&c);
	assert_int_equal(fx->r->n_att, 0);
	assert_int_equal(msgs_with(fx->r, "SSL_read at 0x7fffffff0, outside "
					  "the file's code"),
			 1);
	enf_discover_free(d);
}

/* Without the entry: reported once as not capturable, never attached. */
static void test_stripped_not_capturable(void **state)
{
	struct fixture *fx = *state;
	const char *stripped = DISCOVER_STATIC ".stripped";
	char *argv[] = { DISCOVER_STATIC ".stripped", NULL };
	char table[PATH_MAX], id[256], want[PATH_MAX + 512];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct child c1 = { 0 }, c2 = { 0 };
	struct enf_discover_stats st;
	struct enf_discover *d;

	snprintf(table, sizeof(table), "%s/missing.conf", fx->tmp);
	assert_int_equal(tool_build_id(stripped, id, sizeof(id)), 0);
	start_or_fail(&c1, argv, NULL);
	start_or_fail(&c2, argv, NULL);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c1.pid, 0), 0);
	assert_int_equal(enf_discover_exec(d, c2.pid, 0), 0);
	assert_int_equal(enf_discover_exec(d, c1.pid, 0), 0);
	enf_discover_tick(d, 100000);
	child_stop(&c1);
	child_stop(&c2);
	snprintf(
		want, sizeof(want),
		"not capturable: %s (build-id %s): no TLS symbols and no entry in %s",
		stripped, id, table);
	if (msgs_with(fx->r, want) != 1)
		fail_msg("\"%s\" reported %zu times, want once", want,
			 msgs_with(fx->r, want));
	assert_int_equal(msgs_with(fx->r, "not capturable"), 1);
	assert_int_equal(fx->r->n_att, 0);
	enf_discover_stats(d, &st);
	assert_int_equal(st.not_capturable, 1);
	enf_discover_free(d);
}

/*
 * Not capturable, then its line added and the table reloaded: the running
 * process is looked at again and attached with the listed offsets, the
 * refusal not reported again; a second reload changes nothing.
 */
static void test_reload_lists_stripped(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_STATIC ".stripped", NULL };
	char table[PATH_MAX], line[1024], id[256], err[PATH_MAX + 256];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct enf_discover_file df;
	struct enf_discover_stats st;
	struct child c = { 0 };
	struct enf_discover *d;
	char text[2048];
	size_t n_att;

	stripped_line(line, sizeof(line), id, sizeof(id));
	snprintf(table, sizeof(table), "%s/reload.conf", fx->tmp);
	/* an entry for another build: the table is not empty before */
	write_file(table, "aabbccdd openssl SSL_read=1 SSL_write=2\n");
	start_or_fail(&c, argv, NULL);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c.pid, 0), 0);
	assert_int_equal(fx->r->n_att, 0);
	if (msgs_with(fx->r, "not capturable") != 1) {
		child_stop(&c);
		enf_discover_free(d);
		fail_msg("before the reload: not reported as not capturable");
	}

	snprintf(text, sizeof(text),
		 "aabbccdd openssl SSL_read=1 SSL_write=2\n%s", line);
	write_file(table, text);
	assert_int_equal(enf_discover_reload_offsets(d, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* no exec since: the reload itself looked at the process again */
	if (!live_for_ino(fx->r, ino_of(DISCOVER_STATIC ".stripped"))) {
		child_stop(&c);
		enf_discover_free(d);
		fail_msg("after the reload: running process not attached");
	}
	check_openssl_offsets(live_for_ino(fx->r,
					   ino_of(DISCOVER_STATIC ".stripped")),
			      DISCOVER_STATIC, false);
	assert_int_equal(enf_discover_count(d), 1);
	assert_int_equal(enf_discover_get(d, 0, &df), 0);
	assert_string_equal(df.how, "build-id table");
	assert_string_equal(df.build_id, id);
	assert_int_equal(df.users, 1);
	assert_int_equal(msgs_with(fx->r, "not capturable"), 1);
	assert_int_equal(msgs_with(fx->r, "1 refused file looked at again in "
					  "1 process"),
			 1);

	/* the same table again: nothing to revisit, the attachment kept */
	n_att = fx->r->n_att;
	assert_int_equal(enf_discover_reload_offsets(d, err, sizeof(err)), 0);
	assert_int_equal(fx->r->n_att, n_att);
	assert_int_equal(live(fx->r), 1);
	assert_int_equal(enf_discover_exec(d, c.pid, 0), 0);
	assert_int_equal(fx->r->n_att, n_att);
	enf_discover_stats(d, &st);
	assert_int_equal(st.not_capturable, 1);
	assert_int_equal(st.attached, 1);

	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/*
 * A malformed table on reload: refused with FILE:LINE, nothing reported,
 * the running table still used for a new exec.
 */
static void test_reload_bad_keeps_old(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_STATIC ".stripped", NULL };
	char table[PATH_MAX], line[1024], id[256], err[PATH_MAX + 256];
	char want[PATH_MAX + 8], text[2048];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct child c = { 0 };
	struct enf_discover *d;

	stripped_line(line, sizeof(line), id, sizeof(id));
	snprintf(table, sizeof(table), "%s/reload-bad.conf", fx->tmp);
	write_file(table, line);
	d = new_or_fail(&o, &fx->ops);

	/* line 3 lacks SSL_write; line 2 would replace the good entry */
	snprintf(text, sizeof(text),
		 "# edited\n%s openssl SSL_read=0x10 SSL_write=0x20\n"
		 "aabbccee openssl SSL_read=1\n",
		 id);
	write_file(table, text);
	assert_int_equal(enf_discover_reload_offsets(d, err, sizeof(err)),
			 -EINVAL);
	snprintf(want, sizeof(want), "%s:3: ", table);
	if (strncmp(err, want, strlen(want)))
		fail_msg("reload error \"%s\" does not start with \"%s\"", err,
			 want);
	assert_int_equal(msgs_with(fx->r, "tls offset table"), 0);

	start_or_fail(&c, argv, NULL);
	exec_attached_or_fail(fx, d, &c, "after a malformed reload");
	assert_int_equal(msgs_with(fx->r, "not capturable"), 0);
	child_stop(&c);
	enf_discover_exit(d, c.pid);
	assert_int_equal(live(fx->r), 0);
	enf_discover_free(d);
}

/*
 * The file removed: an error while entries are loaded (the old table
 * stays), fine when there were none; no table configured: fine.
 */
static void test_reload_missing(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_STATIC ".stripped", NULL };
	char table[PATH_MAX], line[1024], id[256], err[PATH_MAX + 256];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct child c = { 0 };
	struct enf_discover *d;

	stripped_line(line, sizeof(line), id, sizeof(id));
	snprintf(table, sizeof(table), "%s/reload-gone.conf", fx->tmp);
	write_file(table, line);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(unlink(table), 0);
	assert_int_equal(enf_discover_reload_offsets(d, err, sizeof(err)),
			 -ENOENT);
	if (strncmp(err, table, strlen(table)) ||
	    !strstr(err, "the 1 entry loaded stay"))
		fail_msg("reload error \"%s\" names not %s and the kept entry",
			 err, table);
	start_or_fail(&c, argv, NULL);
	exec_attached_or_fail(fx, d, &c, "after the file was removed");
	child_stop(&c);
	enf_discover_exit(d, c.pid);
	enf_discover_free(d);

	/* missing at start and still missing: nothing to reload */
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_reload_offsets(d, err, sizeof(err)), 0);
	enf_discover_free(d);
	/* no table configured */
	o.offsets_file = "";
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_reload_offsets(d, err, sizeof(err)), 0);
	enf_discover_free(d);
	assert_int_equal(live(fx->r), 0);
}

/* Narrowed by comm: per-process attachments, only in scope, none pid -1. */
static void test_narrowed_comm(void **state)
{
	struct fixture *fx = *state;
	char other[PATH_MAX];
	char *in_argv[] = { DISCOVER_CHILD, "--dlopen", "libssl.so.3", NULL };
	char *out_argv[] = { other, "--dlopen", "libssl.so.3", NULL };
	const char *dirs[] = { fx->sysdir, NULL };
	const char *comms[] = { "discover_child" };
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = dirs,
		.comms = comms,
		.n_comms = 1,
	};
	struct child cin = { 0 }, cout = { 0 };
	struct enf_discover_file df;
	struct enf_discover *d;
	size_t mine = 0;
	__u32 id = 0;

	snprintf(other, sizeof(other), "%s/other_child", fx->tmp);
	assert_int_equal(copy_file(DISCOVER_CHILD, other), 0);
	start_or_fail(&cin, in_argv, NULL);
	start_or_fail(&cout, out_argv, NULL);
	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_scan_all(d), 0);
	for (size_t i = 0; i < fx->r->n_att; i++) {
		const struct att *a = &fx->r->a[i];

		if (a->pid == -1)
			fail_msg("%s attached for every process while narrowed",
				 a->path);
		if (a->pid == cout.pid)
			fail_msg("%s attached for out-of-scope pid %d", a->path,
				 a->pid);
		if (a->pid == cin.pid && a->live) {
			mine++;
			id = a->id;
			assert_int_equal(a->ino, ino_of(fx->syslib));
		}
	}
	if (mine != 1)
		fail_msg(
			"%zu attachments for the in-scope child, want 1 (libssl)",
			mine);
	for (size_t i = 0; i < enf_discover_count(d); i++) {
		assert_int_equal(enf_discover_get(d, i, &df), 0);
		if (df.pid != cin.pid)
			continue;
		assert_true(df.system);
		assert_int_equal(df.lib, ENF_TLS_LIB_OPENSSL);
	}
	child_stop(&cout);
	enf_discover_exit(d, cout.pid);
	child_stop(&cin);
	enf_discover_exit(d, cin.pid);
	for (size_t i = 0; i < fx->r->n_att; i++)
		if (fx->r->a[i].id == id && fx->r->a[i].live)
			fail_msg(
				"in-scope child's attachment left after its exit");
	enf_discover_free(d);
}

static int cgroup2_mount(char *out, size_t len)
{
	char line[PATH_MAX + 512];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - ");

		if (dash && !strncmp(dash + 3, "cgroup2 ", 8) &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(out, len, "%s", mnt);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/*
 * A killed child leaves its cgroup a moment after it is reaped: retry for
 * up to 5 s, and say so when the directory stays.
 */
static void rmdir_cgroup(const char *cg)
{
	for (int i = 0; i < 250; i++) {
		if (!rmdir(cg) || errno == ENOENT)
			return;
		usleep(20000);
	}
	print_message("warning: could not remove %s: %s\n", cg,
		      strerror(errno));
}

/* Narrowed by cgroup: only the process moved into the cgroup. */
static void test_narrowed_cgroup(void **state)
{
	struct fixture *fx = *state;
	char *argv[] = { DISCOVER_CHILD, "--dlopen", "libssl.so.3", NULL };
	char mnt[PATH_MAX], cg[PATH_MAX + 64], procs[PATH_MAX + 80], pid[32];
	struct enf_discover_opts o = {
		.offsets_file = "",
		.sys_dirs = no_dirs,
		.n_cgroups = 1,
	};
	struct child c1 = { 0 }, c2 = { 0 };
	struct enf_discover *d;
	struct att *a;
	__u64 id;

	if (geteuid()) {
		print_message(
			"skip: moving a process between cgroups needs root\n");
		skip();
	}
	if (cgroup2_mount(mnt, sizeof(mnt))) {
		print_message("skip: no cgroup2 mount\n");
		skip();
	}
	snprintf(cg, sizeof(cg), "%s/enf-discover-%d", mnt, (int)getpid());
	if (mkdir(cg, 0755)) {
		print_message("skip: mkdir %s: %s\n", cg, strerror(errno));
		skip();
	}
	id = ino_of(cg);
	o.cgroups = &id;
	start_or_fail(&c1, argv, NULL);
	start_or_fail(&c2, argv, NULL);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d\n", c1.pid);
	write_file(procs, pid);

	d = new_or_fail(&o, &fx->ops);
	assert_int_equal(enf_discover_exec(d, c1.pid, 0), 0);
	assert_int_equal(enf_discover_exec(d, c2.pid, 0), 0);
	a = live_for_ino(fx->r, ino_of(fx->syslib));
	if (!a || live(fx->r) != 1 || a->pid != c1.pid) {
		child_stop(&c1);
		child_stop(&c2);
		rmdir_cgroup(cg);
		fail_msg(
			"want one attachment for pid %d (in the cgroup); %zu, pid %d",
			c1.pid, live(fx->r), a ? a->pid : 0);
	}
	assert_int_equal(enf_discover_count(d), 1);
	child_stop(&c1);
	enf_discover_exit(d, c1.pid);
	assert_int_equal(live(fx->r), 0);
	child_stop(&c2);
	enf_discover_exit(d, c2.pid);
	enf_discover_free(d);
	rmdir_cgroup(cg);
}

/* A malformed table stops discovery from starting, with FILE:LINE. */
static void test_bad_table(void **state)
{
	struct fixture *fx = *state;
	char table[PATH_MAX];
	struct enf_discover_opts o = {
		.offsets_file = table,
		.sys_dirs = no_dirs,
	};
	struct enf_discover *d = NULL;
	char want[PATH_MAX + 8];

	snprintf(table, sizeof(table), "%s/bad.conf", fx->tmp);
	write_file(table, "aabbccdd openssl SSL_read=1 SSL_write=2\n"
			  "aabbccee openssl SSL_read=1\n");
	assert_int_equal(enf_discover_new(&o, &fx->ops, &d), -EINVAL);
	assert_null(d);
	snprintf(want, sizeof(want), "%s:2: ", table);
	assert_int_equal(msgs_with(fx->r, want), 1);

	/* bad options */
	o.offsets_file = "";
	{
		const char *comms[] = { "a-comm-longer-than-15" };

		o.comms = comms;
		o.n_comms = 1;
		assert_int_equal(enf_discover_new(&o, &fx->ops, &d), -EINVAL);
		o.n_comms = 0;
	}
	fx->ops.detach = NULL;
	assert_int_equal(enf_discover_new(&o, &fx->ops, &d), -EINVAL);
	fx->ops.detach = rec_detach;
	enf_discover_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_system_scan, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_paths_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_process_users_exit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rescan_dlopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_users_sweep, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_nss_pair, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deleted_mapping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rescans_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_attach_failure_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mount_ns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_static_symtab, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stripped_bad_offset, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stripped_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stripped_not_capturable,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_lists_stripped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_bad_keeps_old,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_narrowed_comm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_narrowed_cgroup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_table, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
