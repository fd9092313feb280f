// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcer/capture/cgroup: container ids from real-world cgroup paths; the
 * id -> path cache against a fake procfs and a directory tree standing in
 * for the cgroup2 mount (hints, walks, bounds, eviction); and, as root,
 * against the real cgroup2 mount with a cgroup of the test's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/capture/cgroup.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A check that says what broke when it fails. */
#define check(cond, ...)                                     \
	do {                                                 \
		if (!(cond)) {                               \
			print_error("check failed: " #cond); \
			print_error("\n");                   \
			fail_msg(__VA_ARGS__);               \
		}                                            \
	} while (0)

#define HEX1 "3f4e2b1c9d8a7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a291807f6e"
#define HEX2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID1 "7c3b1d2e-8f9a-4b5c-9d6e-1f2a3b4c5d6e"
#define UID1_ "7c3b1d2e_8f9a_4b5c_9d6e_1f2a3b4c5d6e"

/* --- container ids --- */

static void test_container_table(void **state)
{
	static const struct {
		const char *what, *path, *id, *runtime;
	} cases[] = {
		{ "docker, systemd driver",
		  "/system.slice/docker-" HEX1 ".scope", HEX1, "docker" },
		{ "docker, cgroupfs driver", "/docker/" HEX1, HEX1, "docker" },
		{ "docker in docker: the inner one",
		  "/docker/" HEX1 "/docker/" HEX2, HEX2, "docker" },
		{ "systemd inside a docker container",
		  "/system.slice/docker-" HEX1 ".scope/init.scope", HEX1,
		  "docker" },
		{ "kubernetes + containerd, systemd driver",
		  "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod" UID1_ ".slice/"
		  "cri-containerd-" HEX1 ".scope",
		  HEX1, "containerd" },
		{ "kubernetes + CRI-O, systemd driver",
		  "/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod" UID1_ ".slice/crio-" HEX2 ".scope",
		  HEX2, "cri-o" },
		{ "kubernetes + CRI-O, cgroupfs driver",
		  "/kubepods/burstable/pod" UID1 "/crio-" HEX2, HEX2, "cri-o" },
		{ "kubernetes, cgroupfs driver, burstable",
		  "/kubepods/burstable/pod" UID1 "/" HEX1, HEX1, "kubepods" },
		{ "kubernetes, cgroupfs driver, guaranteed",
		  "/kubepods/pod" UID1 "/" HEX2, HEX2, "kubepods" },
		{ "podman, systemd", "/machine.slice/libpod-" HEX1 ".scope",
		  HEX1, "podman" },
		{ "podman with systemd inside",
		  "/machine.slice/libpod-" HEX1 ".scope/container", HEX1,
		  "podman" },
		{ "rootless podman",
		  "/user.slice/user-1000.slice/user@1000.service/user.slice/"
		  "libpod-" HEX2 ".scope",
		  HEX2, "podman" },
		{ "podman, cgroupfs", "/libpod_parent/libpod-" HEX1, HEX1,
		  "podman" },
		{ "systemd-nspawn machine, escaped name",
		  "/machine.slice/machine-debian\\x2dbookworm.scope",
		  "debian-bookworm", "machine" },
		{ "a service inside an nspawn machine",
		  "/machine.slice/machine-web.scope/payload/system.slice/"
		  "nginx.service",
		  "web", "machine" },
		{ "docker inside an nspawn machine: the innermost",
		  "/machine.slice/machine-web.scope/payload/system.slice/"
		  "docker-" HEX2 ".scope",
		  HEX2, "docker" },
		{ "libvirt guest registered with machined",
		  "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope",
		  "qemu-1-vm1", "machine" },
		{ "LXC 4", "/lxc.payload.c1/system.slice/cron.service", "c1",
		  "lxc" },
		{ "LXC before 4", "/lxc/c2", "c2", "lxc" },
		/* names that are no container */
		{ "the docker daemon", "/system.slice/docker.service", NULL,
		  NULL },
		{ "containerd itself", "/system.slice/containerd.service", NULL,
		  NULL },
		{ "a plain service", "/system.slice/nginx.service", NULL,
		  NULL },
		{ "a user session",
		  "/user.slice/user-1000.slice/session-3.scope", NULL, NULL },
		{ "the root", "/", NULL, NULL },
		{ "empty", "", NULL, NULL },
		{ "a pod, not a container",
		  "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod" UID1_ ".slice",
		  NULL, NULL },
		{ "CRI-O's monitor",
		  "/machine.slice/crio-conmon-" HEX1 ".scope", NULL, NULL },
		{ "podman's monitor",
		  "/machine.slice/libpod-conmon-" HEX1 ".scope", NULL, NULL },
		{ "63 hex digits",
		  "/system.slice/docker-3f4e2b1c9d8a7f6e5d4c3b2a1908f7e"
		  "6d5c4b3a29180f7e6d5c4b3a291807f6.scope",
		  NULL, NULL },
		{ "65 hex digits", "/system.slice/docker-" HEX1 "0.scope", NULL,
		  NULL },
		{ "upper-case hex",
		  "/system.slice/docker-3F4E2B1C9D8A7F6E5D4C3B2A1908F7E6D5C4B3A2"
		  "9180F7E6D5C4B3A291807F6E.scope",
		  NULL, NULL },
		{ "a bare id with no runtime above it", "/" HEX1, NULL, NULL },
		{ "a bare id under a pod outside kubepods",
		  "/pods/pod" UID1 "/" HEX1, NULL, NULL },
		{ "an empty machine name", "/machine.slice/machine-.scope",
		  NULL, NULL },
		{ "a bad escape", "/machine.slice/machine-a\\xzz.scope", NULL,
		  NULL },
		{ "an escaped control character",
		  "/machine.slice/machine-a\\x0a.scope", NULL, NULL },
	};
	char buf[ENF_CONTAINER_ID_MAX];
	const char *got, *rt;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		rt = "unset";
		got = enf_container_id(cases[i].path, buf, sizeof(buf), &rt);
		if (!cases[i].id) {
			check(!got && !rt, "%s: '%s' named container '%s' (%s)",
			      cases[i].what, cases[i].path, got ? got : "",
			      rt ? rt : "NULL");
			continue;
		}
		check(got == buf, "%s: '%s' named no container", cases[i].what,
		      cases[i].path);
		check(!strcmp(got, cases[i].id), "%s: id '%s', want '%s'",
		      cases[i].what, got, cases[i].id);
		check(rt && !strcmp(rt, cases[i].runtime),
		      "%s: runtime %s, want %s", cases[i].what,
		      rt ? rt : "NULL", cases[i].runtime);
	}
}

static void test_container_bounds(void **state)
{
	char small[64], buf[ENF_CONTAINER_ID_MAX], deep[4096];
	const char *rt;
	size_t n = 0;
	int i;

	(void)state;
	check(!enf_container_id("/docker/" HEX1, small, sizeof(small), NULL),
	      "a 64-digit id written into 64 bytes");
	check(enf_container_id("/docker/" HEX1, buf, sizeof(buf), NULL) == buf,
	      "runtime pointer NULL not accepted");
	check(!enf_container_id(NULL, buf, sizeof(buf), &rt) && !rt,
	      "NULL path gave an answer");
	/* a machine name longer than the buffer is not cut */
	memset(deep, 'm', 300);
	memcpy(deep, "/machine-", 9);
	strcpy(deep + 300, ".scope");
	check(!enf_container_id(deep, buf, sizeof(buf), NULL),
	      "a %zu-byte machine name fit %zu bytes", (size_t)300 - 9,
	      sizeof(buf));
	/* more components than are kept: the innermost still count */
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(deep + n, sizeof(deep) - n, "/d%d", i);
	snprintf(deep + n, sizeof(deep) - n, "/docker-%s.scope", HEX2);
	check(enf_container_id(deep, buf, sizeof(buf), &rt) &&
		      !strcmp(buf, HEX2) && !strcmp(rt, "docker"),
	      "the container at depth 101 not found");
}

/* --- a fake procfs and cgroup2 mount --- */

struct fake {
	char dir[64];
	char proc[128];
	char mnt[160]; /* with a space, escaped in mountinfo */
};

static int rm_entry(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	check(f, "create %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static void mkdirs(const char *base, const char *rel)
{
	char path[PATH_MAX], *p;

	snprintf(path, sizeof(path), "%s%s", base, rel);
	for (p = path + strlen(base) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	check(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s: %s", path,
	      strerror(errno));
}

static __u64 ino_of(const char *base, const char *rel)
{
	char path[2 * PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s%s", base, rel);
	check(stat(path, &st) == 0, "stat %s: %s", path, strerror(errno));
	return (__u64)st.st_ino;
}

/* /proc/PID/cgroup of a fake process: v1 lines first, as on a hybrid
 * system, then @v2 (a whole "0::..." line, or none). */
static void fake_proc(struct fake *fk, unsigned int pid, const char *v2)
{
	char path[PATH_MAX], text[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%u", fk->proc, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%u/cgroup", fk->proc, pid);
	snprintf(text, sizeof(text),
		 "9:name=systemd:/\n4:memory:/x\n1:cpu:/\n%s%s", v2 ? v2 : "",
		 v2 ? "\n" : "");
	write_file(path, text);
}

/* A mountinfo naming @fk->mnt as cgroup2 with @root, among other mounts. */
static void fake_mountinfo(struct fake *fk, const char *root)
{
	char path[PATH_MAX], text[2 * PATH_MAX], esc[PATH_MAX], *o = esc;

	for (const char *s = fk->mnt; *s; s++) {
		if (*s == ' ')
			o += sprintf(o, "\\040");
		else
			*o++ = *s;
	}
	*o = '\0';
	snprintf(path, sizeof(path), "%s/self/mountinfo", fk->proc);
	snprintf(text, sizeof(text),
		 "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		 "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n"
		 "32 31 0:29 / /sys/fs/cgroup/cpu rw shared:9 master:2 - cgroup"
		 " cgroup rw,cpu\n"
		 "41 31 0:38 %s %s rw,nosuid shared:12 - cgroup2 cgroup2 rw\n",
		 root, esc);
	write_file(path, text);
}

static int setup(void **state)
{
	struct fake *fk = calloc(1, sizeof(*fk));
	char path[PATH_MAX];

	if (!fk)
		return -1;
	snprintf(fk->dir, sizeof(fk->dir), "/tmp/test_cgroup.XXXXXX");
	if (!mkdtemp(fk->dir)) {
		free(fk);
		return -1;
	}
	snprintf(fk->proc, sizeof(fk->proc), "%s/proc", fk->dir);
	snprintf(fk->mnt, sizeof(fk->mnt), "%s/cg root", fk->dir);
	snprintf(path, sizeof(path), "%s/self", fk->proc);
	if (mkdir(fk->proc, 0755) || mkdir(path, 0755) || mkdir(fk->mnt, 0755))
		return -1;
	*state = fk;
	return 0;
}

static int teardown(void **state)
{
	struct fake *fk = *state;

	nftw(fk->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fk);
	return 0;
}

static struct enf_cgroup_cache *new_ok(struct fake *fk, size_t n)
{
	struct enf_cgroup_cache *cc = NULL;
	int ret;

	ret = enf_cgroup_cache_new(n, fk->proc, &cc);
	check(ret == 0 && cc, "cache on the fake tree: %d", ret);
	return cc;
}

#define DOCKER_REL "/system.slice/docker-" HEX1 ".scope"

static void test_fake_mount_and_hint(void **state)
{
	struct enf_cgroup_facts f;
	struct enf_cgroup_stats st;
	struct fake *fk = *state;
	struct enf_cgroup_cache *cc;
	__u64 id;
	int ret;

	fake_mountinfo(fk, "/");
	mkdirs(fk->mnt, DOCKER_REL);
	id = ino_of(fk->mnt, DOCKER_REL);
	fake_proc(fk, 100, "0::" DOCKER_REL);

	cc = new_ok(fk, 0);
	check(!strcmp(enf_cgroup_cache_mount(cc), fk->mnt),
	      "mount point '%s', want '%s' (octal escape undone)",
	      enf_cgroup_cache_mount(cc), fk->mnt);
	ret = enf_cgroup_cache_lookup(cc, id, 100, &f);
	check(ret == 0, "lookup with a process hint: %d", ret);
	check(!strcmp(f.path, DOCKER_REL), "path '%s'", f.path);
	check(!strcmp(f.container, HEX1) && f.runtime &&
		      !strcmp(f.runtime, "docker"),
	      "container '%s' runtime %s", f.container,
	      f.runtime ? f.runtime : "NULL");
	enf_cgroup_cache_get_stats(cc, &st);
	check(st.misses == 1 && st.by_proc == 1 && st.walks == 0,
	      "first lookup: misses %llu by_proc %llu walks %llu",
	      (unsigned long long)st.misses, (unsigned long long)st.by_proc,
	      (unsigned long long)st.walks);

	memset(&f, 0, sizeof(f));
	ret = enf_cgroup_cache_lookup(cc, id, 0, &f);
	enf_cgroup_cache_get_stats(cc, &st);
	check(ret == 0 && st.hits == 1 && !strcmp(f.path, DOCKER_REL) &&
		      !strcmp(f.container, HEX1),
	      "second lookup not a hit with the same answer: %d hits %llu", ret,
	      (unsigned long long)st.hits);
	check(enf_cgroup_cache_count(cc) == 1, "count %zu",
	      enf_cgroup_cache_count(cc));
	enf_cgroup_cache_free(cc);
}

static void test_fake_walk(void **state)
{
	struct enf_cgroup_facts f;
	struct enf_cgroup_stats st;
	struct fake *fk = *state;
	struct enf_cgroup_cache *cc;
	char path[PATH_MAX], late[PATH_MAX];
	__u64 id, other, outside, root;
	int ret;

	fake_mountinfo(fk, "/");
	mkdirs(fk->mnt, "/a/b/c");
	mkdirs(fk->mnt, "/system.slice/nginx.service");
	mkdirs(fk->dir, "/outside");
	id = ino_of(fk->mnt, "/a/b/c");
	other = ino_of(fk->mnt, "/system.slice/nginx.service");
	outside = ino_of(fk->dir, "/outside");
	root = ino_of(fk->mnt, "");
	/* a process that moved since: its hint names another cgroup */
	fake_proc(fk, 101, "0::/system.slice/nginx.service");
	/* a hint leading out of the mount must not be followed */
	fake_proc(fk, 102, "0::/../outside");
	/* a removed cgroup, as the kernel shows it */
	fake_proc(fk, 103, "0::/a/b/c (deleted)");
	/* no v2 line at all (a v1-only system) */
	fake_proc(fk, 104, NULL);

	cc = new_ok(fk, 0);
	ret = enf_cgroup_cache_lookup(cc, id, 101, &f);
	enf_cgroup_cache_get_stats(cc, &st);
	check(ret == 0 && !strcmp(f.path, "/a/b/c"),
	      "moved process: %d '%s', want the walk's /a/b/c", ret, f.path);
	check(st.by_proc == 0 && st.by_walk == 1 && st.walks == 1,
	      "moved process's hint taken: by_proc %llu by_walk %llu",
	      (unsigned long long)st.by_proc, (unsigned long long)st.by_walk);
	check(f.container[0] == '\0' && !f.runtime,
	      "no container expected, got '%s'", f.container);

	ret = enf_cgroup_cache_lookup(cc, outside, 102, &f);
	check(ret == -ENOENT, "a directory outside the mount, through '..': %d",
	      ret);
	ret = enf_cgroup_cache_lookup(cc, other, 103, &f);
	check(ret == 0 && !strcmp(f.path, "/system.slice/nginx.service"),
	      "deleted hint: %d '%s'", ret, f.path);
	ret = enf_cgroup_cache_lookup(cc, root, 104, &f);
	check(ret == 0 && !strcmp(f.path, "/"), "the root: %d '%s'", ret,
	      f.path);
	ret = enf_cgroup_cache_lookup(cc, root + 1000000, 999999, &f);
	check(ret == -ENOENT, "an id nowhere, a process that is not: %d", ret);

	/* an id searched for before is not walked for again */
	enf_cgroup_cache_get_stats(cc, &st);
	ret = enf_cgroup_cache_lookup(cc, outside, 0, &f);
	check(ret == -ENOENT, "second lookup of a missing id: %d", ret);
	{
		struct enf_cgroup_stats st2;

		enf_cgroup_cache_get_stats(cc, &st2);
		check(st2.walks == st.walks && st2.neg_hits == st.neg_hits + 1,
		      "missing id walked again: walks %llu -> %llu",
		      (unsigned long long)st.walks,
		      (unsigned long long)st2.walks);
	}
	/* ...but a process hint still can find it once it shows */
	snprintf(path, sizeof(path), "%s/outside", fk->dir);
	snprintf(late, sizeof(late), "%s/late", fk->mnt);
	check(rename(path, late) == 0, "move /outside under the mount: %s",
	      strerror(errno));
	fake_proc(fk, 105, "0::/late");
	ret = enf_cgroup_cache_lookup(cc, outside, 105, &f);
	check(ret == 0 && !strcmp(f.path, "/late"),
	      "hint for an id once not found: %d '%s'", ret, f.path);

	check(enf_cgroup_cache_lookup(cc, 0, 101, &f) == -EINVAL,
	      "id 0 accepted");
	enf_cgroup_cache_free(cc);
}

static void test_fake_mount_root(void **state)
{
	struct enf_cgroup_facts f;
	struct fake *fk = *state;
	struct enf_cgroup_cache *cc;
	__u64 id, got;
	int ret;

	/* The mount shows /kubepods of the hierarchy: paths name it. */
	fake_mountinfo(fk, "/kubepods");
	mkdirs(fk->mnt, "/pod" UID1 "/" HEX2);
	id = ino_of(fk->mnt, "/pod" UID1 "/" HEX2);
	fake_proc(fk, 200, "0::/kubepods/pod" UID1 "/" HEX2);
	fake_proc(fk, 201, "0::/elsewhere");

	cc = new_ok(fk, 0);
	ret = enf_cgroup_cache_lookup(cc, id, 200, &f);
	check(ret == 0 && !strcmp(f.path, "/kubepods/pod" UID1 "/" HEX2),
	      "hint under a mount root: %d '%s'", ret, f.path);
	check(!strcmp(f.container, HEX2) && !strcmp(f.runtime, "kubepods"),
	      "container '%s'", f.container);
	enf_cgroup_cache_free(cc);

	cc = new_ok(fk, 0);
	ret = enf_cgroup_cache_lookup(cc, id, 201, &f);
	check(ret == 0 && !strcmp(f.path, "/kubepods/pod" UID1 "/" HEX2),
	      "walk under a mount root: %d '%s'", ret, f.path);
	ret = enf_cgroup_cache_id(cc, "/kubepods/pod" UID1, &got);
	check(ret == 0 && got == ino_of(fk->mnt, "/pod" UID1),
	      "id of a path under a mount root: %d", ret);
	ret = enf_cgroup_cache_id(cc, "/pod" UID1, &got);
	check(ret == -ENOENT, "a path outside the mounted part: %d", ret);
	enf_cgroup_cache_free(cc);
}

static void test_fake_id_of_path(void **state)
{
	struct enf_cgroup_facts f;
	struct enf_cgroup_stats st;
	struct fake *fk = *state;
	struct enf_cgroup_cache *cc;
	char path[PATH_MAX];
	__u64 id;
	int ret;

	fake_mountinfo(fk, "/");
	mkdirs(fk->mnt, DOCKER_REL);
	snprintf(path, sizeof(path), "%s/file", fk->mnt);
	write_file(path, "x");
	cc = new_ok(fk, 0);

	ret = enf_cgroup_cache_id(cc, DOCKER_REL, &id);
	check(ret == 0 && id == ino_of(fk->mnt, DOCKER_REL),
	      "id of a hierarchy path: %d", ret);
	/* resolved once, then answered from the cache without /proc */
	ret = enf_cgroup_cache_lookup(cc, id, 0, &f);
	enf_cgroup_cache_get_stats(cc, &st);
	check(ret == 0 && st.hits == 1 && !strcmp(f.path, DOCKER_REL),
	      "resolved path not cached: %d hits %llu '%s'", ret,
	      (unsigned long long)st.hits, f.path);
	snprintf(path, sizeof(path), "%s%s", fk->mnt, "/system.slice");
	ret = enf_cgroup_cache_id(cc, path, &id);
	check(ret == 0 && id == ino_of(fk->mnt, "/system.slice"),
	      "id of a path under the mount point: %d", ret);
	ret = enf_cgroup_cache_lookup(cc, id, 0, &f);
	check(ret == 0 && !strcmp(f.path, "/system.slice"),
	      "mount point path cached as '%s', want /system.slice", f.path);
	check(enf_cgroup_cache_id(cc, "/", &id) == 0 &&
		      id == ino_of(fk->mnt, ""),
	      "id of the root");

	check(enf_cgroup_cache_id(cc, "/nope", &id) == -ENOENT,
	      "missing cgroup");
	check(enf_cgroup_cache_id(cc, "/file", &id) == -ENOTDIR,
	      "a file taken for a cgroup");
	check(enf_cgroup_cache_id(cc, "system.slice", &id) == -EINVAL,
	      "relative path");
	check(enf_cgroup_cache_id(cc, "/system.slice/../..", &id) == -EINVAL,
	      "path with ..");
	check(enf_cgroup_cache_id(cc, "/system.slice/./x", &id) == -EINVAL,
	      "path with .");
	check(enf_cgroup_cache_id(cc, "/system.slice//x", &id) == -EINVAL,
	      "path with an empty component");
	check(enf_cgroup_cache_id(cc, "/system.slice/", &id) == -EINVAL,
	      "path with a trailing slash");
	enf_cgroup_cache_free(cc);
}

static void test_fake_eviction(void **state)
{
	struct enf_cgroup_facts f;
	struct enf_cgroup_stats st;
	struct fake *fk = *state;
	struct enf_cgroup_cache *cc;
	__u64 ids[3];
	char rel[32];
	int i, ret;

	fake_mountinfo(fk, "/");
	for (i = 0; i < 3; i++) {
		snprintf(rel, sizeof(rel), "/g%d", i);
		mkdirs(fk->mnt, rel);
		ids[i] = ino_of(fk->mnt, rel);
	}
	cc = new_ok(fk, 2);
	for (i = 0; i < 3; i++)
		check(enf_cgroup_cache_lookup(cc, ids[i], 0, &f) == 0,
		      "lookup g%d", i);
	enf_cgroup_cache_get_stats(cc, &st);
	check(enf_cgroup_cache_count(cc) == 2 && st.evictions == 1,
	      "count %zu evictions %llu", enf_cgroup_cache_count(cc),
	      (unsigned long long)st.evictions);
	/* g0 was the least recently used: it went, and comes back right */
	ret = enf_cgroup_cache_lookup(cc, ids[0], 0, &f);
	enf_cgroup_cache_get_stats(cc, &st);
	check(ret == 0 && !strcmp(f.path, "/g0") && st.misses == 4,
	      "evicted g0: %d '%s' misses %llu", ret, f.path,
	      (unsigned long long)st.misses);
	/* g2 was used last before it: still there */
	ret = enf_cgroup_cache_lookup(cc, ids[2], 0, &f);
	enf_cgroup_cache_get_stats(cc, &st);
	check(ret == 0 && !strcmp(f.path, "/g2") && st.hits == 1,
	      "g2 after g0 came back: %d '%s' hits %llu", ret, f.path,
	      (unsigned long long)st.hits);
	enf_cgroup_cache_free(cc);
}

static void test_fake_walk_bounds(void **state)
{
	struct enf_cgroup_facts f;
	struct enf_cgroup_stats st;
	struct fake *fk = *state;
	struct enf_cgroup_cache *cc;
	char rel[PATH_MAX], line[256];
	size_t n = 0;
	__u64 deep;
	int i, ret;

	fake_mountinfo(fk, "/");
	/* one level deeper than a walk goes */
	for (i = 0; i <= ENF_CGROUP_WALK_DEPTH; i++)
		n += (size_t)snprintf(rel + n, sizeof(rel) - n, "/%d", i);
	mkdirs(fk->mnt, rel);
	deep = ino_of(fk->mnt, rel);
	cc = new_ok(fk, 0);
	ret = enf_cgroup_cache_lookup(cc, deep, 0, &f);
	check(ret == -ENOENT, "a cgroup %d levels deep found by a walk: %d",
	      ENF_CGROUP_WALK_DEPTH + 1, ret);
	/* the hint reaches it */
	snprintf(line, sizeof(line), "0::%.200s", rel);
	fake_proc(fk, 300, line);
	ret = enf_cgroup_cache_lookup(cc, deep, 300, &f);
	check(ret == 0 && !strcmp(f.path, rel), "deep cgroup by hint: %d", ret);
	enf_cgroup_cache_free(cc);

	/* more directories than a walk looks at */
	for (i = 0; i < ENF_CGROUP_WALK_MAX; i++) {
		snprintf(rel, sizeof(rel), "%s/w%d", fk->mnt, i);
		check(mkdir(rel, 0755) == 0, "mkdir %s: %s", rel,
		      strerror(errno));
	}
	cc = new_ok(fk, 0);
	ret = enf_cgroup_cache_lookup(cc, deep + 999999999ull, 0, &f);
	enf_cgroup_cache_get_stats(cc, &st);
	check(ret == -ENOENT && st.walk_capped == 1 &&
		      st.walk_dirs == ENF_CGROUP_WALK_MAX,
	      "walk over %d directories: %d capped %llu dirs %llu",
	      ENF_CGROUP_WALK_MAX, ret, (unsigned long long)st.walk_capped,
	      (unsigned long long)st.walk_dirs);
	enf_cgroup_cache_free(cc);
}

static void test_fake_refusals(void **state)
{
	struct enf_cgroup_cache *cc = NULL;
	struct fake *fk = *state;
	char path[PATH_MAX];

	check(enf_cgroup_cache_new(ENF_CGROUP_MAX_ENTRIES + 1, fk->proc, &cc) ==
			      -EINVAL &&
		      !cc,
	      "too many entries accepted");
	check(enf_cgroup_cache_new(4, "", &cc) == -EINVAL, "empty proc root");
	/* no mountinfo at all, then one without cgroup2 */
	check(enf_cgroup_cache_new(4, fk->proc, &cc) == -ENOENT,
	      "missing mountinfo");
	snprintf(path, sizeof(path), "%s/self/mountinfo", fk->proc);
	write_file(path, "22 1 8:1 / / rw - ext4 /dev/vda rw\n"
			 "32 22 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup"
			 " rw,cpu\n");
	check(enf_cgroup_cache_new(4, fk->proc, &cc) == -ENOENT && !cc,
	      "a system without cgroup2 accepted");
	enf_cgroup_cache_free(NULL);
}

/* --- the real cgroup2 mount --- */

struct real {
	char top[PATH_MAX], inner[PATH_MAX];
	char rel_top[64], rel_inner[96];
	pid_t child;
};

static void real_cleanup(struct real *r)
{
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
		r->child = 0;
	}
	rmdir(r->inner);
	rmdir(r->top);
}

/* The id the kernel gives a cgroup (bpf_get_current_cgroup_id() and
 * file handles both carry kernfs's node id): read through a handle, to
 * check it is the directory's inode number. */
static __u64 handle_id(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char buf[16];
	} h;
	__u64 id = 0;
	int mount_id;

	h.fh.handle_bytes = sizeof(h.buf);
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) == 0 &&
	    h.fh.handle_bytes >= sizeof(id))
		memcpy(&id, h.fh.f_handle, sizeof(id));
	return id;
}

static int setup_real(void **state)
{
	struct real *r = calloc(1, sizeof(*r));

	*state = r;
	return r ? 0 : -1;
}

static int teardown_real(void **state)
{
	struct real *r = *state;

	if (r->top[0])
		real_cleanup(r);
	free(r);
	return 0;
}

static void test_real_cgroup(void **state)
{
	struct enf_cgroup_cache *cc = NULL, *fresh = NULL;
	struct enf_cgroup_facts f;
	struct enf_cgroup_stats st;
	struct real *r = *state;
	char procs[PATH_MAX], pidtxt[16], want[128];
	int ret, fd, pipefd[2];
	__u64 id, id2, got;
	struct stat sb;

	if (geteuid() != 0) {
		print_message("skipped: creating a cgroup needs root\n");
		skip();
	}
	ret = enf_cgroup_cache_new(0, NULL, &cc);
	if (ret == -ENOENT) {
		print_message("skipped: no cgroup2 file system is mounted\n");
		skip();
	}
	check(ret == 0, "cache on the real /proc: %d", ret);
	snprintf(r->rel_top, sizeof(r->rel_top), "/enf-test-cgroup-%d",
		 (int)getpid());
	snprintf(r->rel_inner, sizeof(r->rel_inner), "%s/inner", r->rel_top);
	snprintf(r->top, sizeof(r->top), "%s%s", enf_cgroup_cache_mount(cc),
		 r->rel_top);
	snprintf(r->inner, sizeof(r->inner), "%s%s", enf_cgroup_cache_mount(cc),
		 r->rel_inner);
	if (mkdir(r->top, 0755) || mkdir(r->inner, 0755)) {
		print_message("skipped: mkdir %s: %s\n", r->inner,
			      strerror(errno));
		real_cleanup(r);
		enf_cgroup_cache_free(cc);
		skip();
	}
	check(stat(r->inner, &sb) == 0, "stat %s", r->inner);
	id = (__u64)sb.st_ino;
	got = handle_id(r->inner);
	check(got == id, "kernfs id %llu is not the inode number %llu",
	      (unsigned long long)got, (unsigned long long)id);

	/* a process in it: the hint */
	check(pipe(pipefd) == 0, "pipe");
	r->child = fork();
	check(r->child >= 0, "fork");
	if (r->child == 0) {
		char c;

		close(pipefd[1]);
		(void)!read(pipefd[0], &c, 1);
		_exit(0);
	}
	close(pipefd[0]);
	snprintf(procs, sizeof(procs), "%.4000s/cgroup.procs", r->inner);
	snprintf(pidtxt, sizeof(pidtxt), "%d", (int)r->child);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	ret = fd >= 0 && write(fd, pidtxt, strlen(pidtxt)) > 0 ? 0 : -errno;
	if (fd >= 0)
		close(fd);
	if (ret == 0) {
		ret = enf_cgroup_cache_lookup(cc, id, (__u32)r->child, &f);
		enf_cgroup_cache_get_stats(cc, &st);
		check(ret == 0 && !strcmp(f.path, r->rel_inner) &&
			      st.by_proc == 1,
		      "real cgroup by hint: %d '%s' (want '%s') by_proc %llu",
		      ret, f.path, r->rel_inner,
		      (unsigned long long)st.by_proc);
	} else {
		print_message("note: moving a process into %s failed (%s); "
			      "hint part not run\n",
			      r->inner, strerror(-ret));
		check(enf_cgroup_cache_lookup(cc, id, 0, &f) == 0,
		      "real cgroup by walk");
	}
	check(f.container[0] == '\0', "container '%s' in a test cgroup",
	      f.container);
	close(pipefd[1]);
	waitpid(r->child, NULL, 0);
	r->child = 0;

	/* a cache of its own finds it by walking */
	check(enf_cgroup_cache_new(0, NULL, &fresh) == 0, "second cache");
	ret = enf_cgroup_cache_lookup(fresh, id, 0, &f);
	enf_cgroup_cache_get_stats(fresh, &st);
	check(ret == 0 && !strcmp(f.path, r->rel_inner) && st.by_walk == 1,
	      "real cgroup by walk: %d '%s' by_walk %llu", ret, f.path,
	      (unsigned long long)st.by_walk);
	check(enf_cgroup_cache_id(fresh, r->rel_top, &got) == 0 &&
		      got == ino_of(r->top, ""),
	      "id of %s", r->rel_top);
	enf_cgroup_cache_free(fresh);
	fresh = NULL;

	/* removed: the cached answer is still the true name of that id;
	 * a new cache does not find it; a new cgroup of the same name is
	 * another id */
	check(rmdir(r->inner) == 0, "rmdir %s: %s", r->inner, strerror(errno));
	ret = enf_cgroup_cache_lookup(cc, id, 0, &f);
	check(ret == 0 && !strcmp(f.path, r->rel_inner),
	      "cached answer of a removed cgroup: %d '%s'", ret, f.path);
	check(enf_cgroup_cache_new(0, NULL, &fresh) == 0, "third cache");
	check(enf_cgroup_cache_lookup(fresh, id, 0, &f) == -ENOENT,
	      "a removed cgroup found by a new cache");
	check(mkdir(r->inner, 0755) == 0, "mkdir again");
	check(stat(r->inner, &sb) == 0, "stat again");
	id2 = (__u64)sb.st_ino;
	check(id2 != id, "kernfs gave id %llu again", (unsigned long long)id);
	ret = enf_cgroup_cache_lookup(cc, id2, 0, &f);
	check(ret == 0 && !strcmp(f.path, r->rel_inner),
	      "the new cgroup of the same name: %d '%s'", ret, f.path);
	snprintf(want, sizeof(want), "%s", r->rel_inner);
	check(enf_cgroup_cache_id(cc, want, &got) == 0 && got == id2,
	      "path resolves to the new id");
	enf_cgroup_cache_free(fresh);
	enf_cgroup_cache_free(cc);
	real_cleanup(r);
	check(access(r->top, F_OK) != 0, "test cgroup %s left behind", r->top);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_container_table),
		cmocka_unit_test(test_container_bounds),
		cmocka_unit_test_setup_teardown(test_fake_mount_and_hint, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_walk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_mount_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_id_of_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_eviction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_walk_bounds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fake_refusals, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_real_cgroup, setup_real,
						teardown_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
