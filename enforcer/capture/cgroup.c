// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/types.h>

#include "enforcer/capture/cgroup.h"

#define CG_NONE (-1)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Most bytes read of /proc/PID/cgroup: a hybrid system's v1 lines come
 * before the "0::" line; past this the hint is not used. */
#define CG_PROC_FILE_MAX 16384

struct cg_entry {
	__u64 id;
	char *path; /* from the hierarchy's root */
	char *container; /* NULL when the path names none */
	const char *runtime;
	int hnext; /* next in the hash chain, or in the free chain */
	int prev, next; /* recency list, most recent at head */
};

struct enf_cgroup_cache {
	struct cg_entry *e;
	size_t max, used, count;
	int *buckets;
	size_t nbuckets; /* a power of two */
	int head, tail, free;
	/* ids a walk did not find, oldest overwritten first */
	__u64 neg[ENF_CGROUP_NEG_ENTRIES];
	size_t neg_next;
	char proc[PATH_MAX / 2];
	char mnt[PATH_MAX / 2]; /* the cgroup2 mount point */
	char mnt_root[PATH_MAX / 2]; /* the hierarchy path mounted there */
	dev_t mnt_dev;
	struct enf_cgroup_stats stats;
};

/* --- container ids from paths --- */

enum ctr_kind {
	CTR_HEX64, /* 64 lower-case hex digits */
	CTR_NAME, /* a name, systemd escapes undone */
};

/*
 * How runtimes name a container's cgroup: the component is
 * PREFIX + ID + SUFFIX, and when given, the component before it is PARENT
 * (or starts with PARENT_PREFIX) and one further out starts with ANCESTOR.
 */
struct ctr_pattern {
	const char *runtime;
	const char *prefix;
	const char *suffix;
	enum ctr_kind kind;
	const char *parent;
	const char *parent_prefix;
	const char *ancestor;
};

static const struct ctr_pattern ctr_patterns[] = {
	/* systemd cgroup driver */
	{ "docker", "docker-", ".scope", CTR_HEX64, NULL, NULL, NULL },
	{ "containerd", "cri-containerd-", ".scope", CTR_HEX64, NULL, NULL,
	  NULL },
	{ "cri-o", "crio-", ".scope", CTR_HEX64, NULL, NULL, NULL },
	{ "podman", "libpod-", ".scope", CTR_HEX64, NULL, NULL, NULL },
	/* cgroupfs driver */
	{ "docker", "", "", CTR_HEX64, "docker", NULL, NULL },
	{ "cri-o", "crio-", "", CTR_HEX64, NULL, NULL, NULL },
	{ "podman", "libpod-", "", CTR_HEX64, NULL, NULL, NULL },
	/* kubelet with cgroupfs: /kubepods[/QOS]/pod<uid>/<id> */
	{ "kubepods", "", "", CTR_HEX64, NULL, "pod", "kubepods" },
	/* systemd-machined registers machines as machine-NAME.scope */
	{ "machine", "machine-", ".scope", CTR_NAME, NULL, NULL, NULL },
	/* LXC 4 and later, and earlier LXC */
	{ "lxc", "lxc.payload.", "", CTR_NAME, NULL, NULL, NULL },
	{ "lxc", "", "", CTR_NAME, "lxc", NULL, NULL },
};

struct ctr_comp {
	const char *s;
	size_t len;
};

static bool comp_is(const struct ctr_comp *c, const char *s)
{
	return c->len == strlen(s) && !memcmp(c->s, s, c->len);
}

static bool comp_starts(const struct ctr_comp *c, const char *s)
{
	size_t n = strlen(s);

	return c->len >= n && !memcmp(c->s, s, n);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* @s of @n bytes as an id of @kind into @buf; false when it is not one. */
static bool ctr_take(enum ctr_kind kind, const char *s, size_t n, char *buf,
		     size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	if (kind == CTR_HEX64) {
		if (n != 64 || len <= 64)
			return false;
		for (i = 0; i < n; i++) {
			if (!((s[i] >= '0' && s[i] <= '9') ||
			      (s[i] >= 'a' && s[i] <= 'f')))
				return false;
		}
		memcpy(buf, s, n);
		buf[n] = '\0';
		return true;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		/* systemd's unit name escape: \xNN */
		if (c == '\\' && i + 3 < n && s[i + 1] == 'x') {
			hi = hexval(s[i + 2]);
			lo = hexval(s[i + 3]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 3;
		} else if (c == '\\') {
			return false;
		}
		if ((unsigned char)c < 0x20 || (unsigned char)c == 0x7f ||
		    o + 1 >= len)
			return false;
		buf[o++] = c;
	}
	if (o == 0)
		return false;
	buf[o] = '\0';
	return true;
}

static bool ctr_match(const struct ctr_pattern *p, const struct ctr_comp *c,
		      size_t i, char *buf, size_t len)
{
	size_t pre = strlen(p->prefix), suf = strlen(p->suffix), j;
	bool found;

	if (c[i].len <= pre + suf || !comp_starts(&c[i], p->prefix) ||
	    memcmp(c[i].s + c[i].len - suf, p->suffix, suf))
		return false;
	if (p->parent && (i == 0 || !comp_is(&c[i - 1], p->parent)))
		return false;
	if (p->parent_prefix &&
	    (i == 0 || !comp_starts(&c[i - 1], p->parent_prefix)))
		return false;
	if (p->ancestor) {
		found = false;
		for (j = 0; j + 1 < i && !found; j++)
			found = comp_starts(&c[j], p->ancestor);
		if (!found)
			return false;
	}
	return ctr_take(p->kind, c[i].s + pre, c[i].len - pre - suf, buf, len);
}

/* Components kept of a path when looking for a container: the innermost. */
#define CTR_MAX_COMPS 64

const char *enf_container_id(const char *path, char *buf, size_t len,
			     const char **runtime)
{
	struct ctr_comp all[CTR_MAX_COMPS], *c = all;
	size_t n = 0, i, k;
	const char *s;

	if (runtime)
		*runtime = NULL;
	if (!path || !buf || !len)
		return NULL;
	/* Split on '/'; a deeper path keeps its innermost components, where
	 * a container is named (an ancestor test then sees fewer). */
	for (s = path; *s;) {
		const char *end;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		end = strchrnul(s, '/');
		if (n == CTR_MAX_COMPS) {
			memmove(all, all + 1, sizeof(all) - sizeof(all[0]));
			n--;
		}
		c[n].s = s;
		c[n++].len = (size_t)(end - s);
		s = end;
	}
	for (i = n; i-- > 0;) {
		for (k = 0; k < ARRAY_SIZE(ctr_patterns); k++) {
			if (ctr_match(&ctr_patterns[k], c, i, buf, len)) {
				if (runtime)
					*runtime = ctr_patterns[k].runtime;
				return buf;
			}
		}
	}
	return NULL;
}

/* --- the cgroup2 mount --- */

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_octal(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

/*
 * One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] -
 * FSTYPE SOURCE SUPEROPTS". Returns true for a cgroup2 mount, with @root
 * and @mnt pointing into @line.
 */
static bool mountinfo_cgroup2(char *line, char **root, char **mnt)
{
	char *save = NULL, *f[5], *w;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = strtok_r(i ? NULL : line, " \n", &save);
		if (!f[i])
			return false;
	}
	/* skip OPTS and the optional tags up to the lone "-" */
	while ((w = strtok_r(NULL, " \n", &save)) && strcmp(w, "-"))
		;
	if (!w)
		return false;
	w = strtok_r(NULL, " \n", &save);
	if (!w || strcmp(w, "cgroup2"))
		return false;
	*root = f[3];
	*mnt = f[4];
	return true;
}

static int find_mount(struct enf_cgroup_cache *cc)
{
	char path[PATH_MAX], *line = NULL, *root, *mnt;
	bool found = false;
	size_t cap = 0;
	struct stat st;
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/self/mountinfo", cc->proc);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (!mountinfo_cgroup2(line, &root, &mnt))
			continue;
		unescape_octal(root);
		unescape_octal(mnt);
		if (strlen(mnt) >= sizeof(cc->mnt) ||
		    strlen(root) >= sizeof(cc->mnt_root) || mnt[0] != '/' ||
		    root[0] != '/')
			continue;
		/* the whole hierarchy mounted wins over a part of it */
		if (found && strcmp(root, "/"))
			continue;
		strcpy(cc->mnt, mnt);
		strcpy(cc->mnt_root, root);
		found = true;
		if (!strcmp(root, "/"))
			break;
	}
	free(line);
	fclose(f);
	if (!found)
		return -ENOENT;
	if (stat(cc->mnt, &st) < 0) {
		err = -errno;
		return err;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	cc->mnt_dev = st.st_dev;
	return 0;
}

/* --- the cache --- */

static size_t cg_bucket(const struct enf_cgroup_cache *cc, __u64 id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) &
	       (cc->nbuckets - 1);
}

int enf_cgroup_cache_new(size_t max_entries, const char *proc_root,
			 struct enf_cgroup_cache **out)
{
	struct enf_cgroup_cache *cc;
	int err = -ENOMEM;

	if (!max_entries)
		max_entries = ENF_CGROUP_DEFAULT_ENTRIES;
	if (max_entries > ENF_CGROUP_MAX_ENTRIES || !out)
		return -EINVAL;
	if (!proc_root)
		proc_root = "/proc";
	if (proc_root[0] == '\0' || strlen(proc_root) >= sizeof(cc->proc))
		return -EINVAL;

	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return -ENOMEM;
	strcpy(cc->proc, proc_root);
	cc->max = max_entries;
	cc->nbuckets = 1;
	while (cc->nbuckets < 2 * max_entries)
		cc->nbuckets <<= 1;
	cc->e = calloc(max_entries, sizeof(*cc->e));
	if (!cc->e)
		goto out_free_cc;
	cc->buckets = malloc(cc->nbuckets * sizeof(*cc->buckets));
	if (!cc->buckets)
		goto out_free_entries;
	for (size_t i = 0; i < cc->nbuckets; i++)
		cc->buckets[i] = CG_NONE;
	cc->head = cc->tail = cc->free = CG_NONE;
	err = find_mount(cc);
	if (err)
		goto out_free_buckets;
	*out = cc;
	return 0;

out_free_buckets:
	free(cc->buckets);
out_free_entries:
	free(cc->e);
out_free_cc:
	free(cc);
	return err;
}

static void cg_entry_clear(struct cg_entry *e)
{
	free(e->path);
	free(e->container);
	e->path = NULL;
	e->container = NULL;
}

void enf_cgroup_cache_free(struct enf_cgroup_cache *cc)
{
	if (!cc)
		return;
	for (size_t i = 0; i < cc->used; i++)
		cg_entry_clear(&cc->e[i]);
	free(cc->buckets);
	free(cc->e);
	free(cc);
}

const char *enf_cgroup_cache_mount(const struct enf_cgroup_cache *cc)
{
	return cc->mnt;
}

static void cg_list_unlink(struct enf_cgroup_cache *cc, int i)
{
	struct cg_entry *e = &cc->e[i];

	if (e->prev != CG_NONE)
		cc->e[e->prev].next = e->next;
	else
		cc->head = e->next;
	if (e->next != CG_NONE)
		cc->e[e->next].prev = e->prev;
	else
		cc->tail = e->prev;
	e->prev = e->next = CG_NONE;
}

static void cg_list_push(struct enf_cgroup_cache *cc, int i)
{
	struct cg_entry *e = &cc->e[i];

	e->prev = CG_NONE;
	e->next = cc->head;
	if (cc->head != CG_NONE)
		cc->e[cc->head].prev = i;
	cc->head = i;
	if (cc->tail == CG_NONE)
		cc->tail = i;
}

static int cg_find(const struct enf_cgroup_cache *cc, __u64 id)
{
	int i = cc->buckets[cg_bucket(cc, id)];

	while (i != CG_NONE && cc->e[i].id != id)
		i = cc->e[i].hnext;
	return i;
}

/* Takes the least recently used entry out of the hash and the list. */
static int cg_evict(struct enf_cgroup_cache *cc)
{
	int i = cc->tail, *link;
	struct cg_entry *e = &cc->e[i];

	link = &cc->buckets[cg_bucket(cc, e->id)];
	while (*link != i)
		link = &cc->e[*link].hnext;
	*link = e->hnext;
	cg_list_unlink(cc, i);
	cg_entry_clear(e);
	cc->count--;
	cc->stats.evictions++;
	return i;
}

static int cg_slot(struct enf_cgroup_cache *cc)
{
	if (cc->used < cc->max)
		return (int)cc->used++;
	return cg_evict(cc);
}

static void copy_facts(const struct cg_entry *e, struct enf_cgroup_facts *out)
{
	/* entries hold at most ENF_CGROUP_PATH_MAX - 1 bytes of path and
	 * ENF_CONTAINER_ID_MAX - 1 of container id */
	strcpy(out->path, e->path);
	strcpy(out->container, e->container ? e->container : "");
	out->runtime = e->runtime;
}

static void neg_forget(struct enf_cgroup_cache *cc, __u64 id)
{
	for (size_t i = 0; i < ENF_CGROUP_NEG_ENTRIES; i++) {
		if (cc->neg[i] == id)
			cc->neg[i] = 0;
	}
}

static bool neg_has(const struct enf_cgroup_cache *cc, __u64 id)
{
	for (size_t i = 0; i < ENF_CGROUP_NEG_ENTRIES; i++) {
		if (cc->neg[i] == id)
			return true;
	}
	return false;
}

static void neg_add(struct enf_cgroup_cache *cc, __u64 id)
{
	cc->neg[cc->neg_next] = id;
	cc->neg_next = (cc->neg_next + 1) % ENF_CGROUP_NEG_ENTRIES;
}

/* Caches @path (from the hierarchy's root) as the path of @id. */
static int cg_insert(struct enf_cgroup_cache *cc, __u64 id, const char *path,
		     int *slot)
{
	char ctr[ENF_CONTAINER_ID_MAX];
	const char *runtime;
	struct cg_entry *e;
	char *p, *c = NULL;
	size_t b;
	int i;

	p = strdup(path);
	if (!p)
		return -ENOMEM;
	if (enf_container_id(path, ctr, sizeof(ctr), &runtime)) {
		c = strdup(ctr);
		if (!c) {
			free(p);
			return -ENOMEM;
		}
	}
	i = cg_slot(cc);
	e = &cc->e[i];
	e->id = id;
	e->path = p;
	e->container = c;
	e->runtime = c ? runtime : NULL;
	b = cg_bucket(cc, id);
	e->hnext = cc->buckets[b];
	cc->buckets[b] = i;
	cg_list_push(cc, i);
	cc->count++;
	neg_forget(cc, id);
	*slot = i;
	return 0;
}

/*
 * Every component of @path non-empty and neither "." nor "..": a path
 * read from /proc, or configured, cannot lead out of the mount.
 */
static bool path_clean(const char *path)
{
	const char *s = path, *end;
	size_t n;

	if (path[0] != '/')
		return false;
	if (!strcmp(path, "/"))
		return true;
	while (*s) {
		s++; /* the '/' */
		end = strchrnul(s, '/');
		n = (size_t)(end - s);
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s = end;
	}
	return true;
}

/*
 * @path (from the hierarchy's root) relative to the mount's root, into
 * @rel ("" for the mount's root itself); false when the mount does not
 * show that part of the hierarchy.
 */
static bool path_under_mount(const struct enf_cgroup_cache *cc,
			     const char *path, const char **rel)
{
	size_t n = strlen(cc->mnt_root);

	if (!strcmp(cc->mnt_root, "/")) {
		*rel = strcmp(path, "/") ? path : "";
		return true;
	}
	if (strncmp(path, cc->mnt_root, n) || (path[n] && path[n] != '/'))
		return false;
	*rel = path + n;
	return true;
}

/* The hierarchy path of @rel, a path under the mount ("" its root). */
static int path_from_rel(const struct enf_cgroup_cache *cc, const char *rel,
			 char *buf, size_t len)
{
	const char *root = strcmp(cc->mnt_root, "/") ? cc->mnt_root : "";
	int n;

	n = snprintf(buf, len, "%s%s", root, rel);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	if (n == 0)
		snprintf(buf, len, "/");
	return 0;
}

/*
 * stat()s the directory @rel under the mount: 0 when it is a cgroup
 * directory of this mount (a directory on its device), with *@ino set.
 */
static int stat_rel(const struct enf_cgroup_cache *cc, const char *rel,
		    __u64 *ino)
{
	char full[ENF_CGROUP_PATH_MAX];
	struct stat st;
	int n;

	n = snprintf(full, sizeof(full), "%s%s", cc->mnt, rel);
	if (n < 0 || (size_t)n >= sizeof(full))
		return -ENAMETOOLONG;
	if (lstat(full, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_dev != cc->mnt_dev)
		return -ENOTDIR;
	*ino = (__u64)st.st_ino;
	return 0;
}

/*
 * The v2 path of @tgid from /proc/TGID/cgroup ("0::/path"), into @buf.
 * A cgroup removed since shows " (deleted)": not used.
 */
static int proc_cgroup_path(const struct enf_cgroup_cache *cc, __u32 tgid,
			    char *buf, size_t len)
{
	char path[PATH_MAX], *data, *line, *end;
	size_t got = 0, n;
	ssize_t r;
	int fd, err = -ENOENT;

	snprintf(path, sizeof(path), "%s/%u/cgroup", cc->proc, tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	data = malloc(CG_PROC_FILE_MAX + 1);
	if (!data) {
		err = -ENOMEM;
		goto out_close;
	}
	while (got < CG_PROC_FILE_MAX) {
		r = read(fd, data + got, CG_PROC_FILE_MAX - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	data[got] = '\0';
	for (line = data; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (strncmp(line, "0::", 3))
			continue;
		if (!end) /* cut at CG_PROC_FILE_MAX */
			break;
		*end = '\0';
		line += 3;
		n = strlen(line);
		if (n >= 10 && !strcmp(line + n - 10, " (deleted)"))
			break;
		if (n >= len) {
			err = -ENAMETOOLONG;
			break;
		}
		memcpy(buf, line, n + 1);
		err = 0;
		break;
	}
out_free:
	free(data);
out_close:
	close(fd);
	return err;
}

/* The hint: where @tgid is now, when that directory is @id. */
static int resolve_by_proc(const struct enf_cgroup_cache *cc, __u64 id,
			   __u32 tgid, char *buf, size_t len)
{
	const char *rel;
	__u64 ino;
	int err;

	err = proc_cgroup_path(cc, tgid, buf, len);
	if (err)
		return err;
	if (!path_clean(buf) || !path_under_mount(cc, buf, &rel))
		return -ENOENT;
	err = stat_rel(cc, rel, &ino);
	if (err)
		return err;
	return ino == id ? 0 : -ENOENT;
}

struct walk {
	__u64 id;
	size_t visited;
	bool capped;
	char rel[ENF_CGROUP_PATH_MAX]; /* the directory being read */
};

/*
 * Depth-first through the directory @fd (consumed) at w->rel, looking at
 * each subdirectory's inode number as readdir gives it (kernfs gives the
 * node's id), confirmed by a stat before it is taken. Returns 1 when found
 * (w->rel then names it), 0 when not, or a negative errno.
 */
static int walk_dir(struct walk *w, int fd, int depth)
{
	size_t plen = strlen(w->rel), nlen;
	struct dirent *de;
	struct stat st;
	int ret = 0, sub;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (w->visited >= ENF_CGROUP_WALK_MAX) {
			w->capped = true;
			break;
		}
		w->visited++;
		nlen = strlen(de->d_name);
		if (plen + 1 + nlen >= sizeof(w->rel))
			continue;
		w->rel[plen] = '/';
		memcpy(w->rel + plen + 1, de->d_name, nlen + 1);
		if ((__u64)de->d_ino == w->id &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    S_ISDIR(st.st_mode) && (__u64)st.st_ino == w->id) {
			ret = 1;
			break;
		}
		if (depth + 1 < ENF_CGROUP_WALK_DEPTH) {
			sub = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			/* gone since readdir, or not ours to read: skip it */
			if (sub >= 0) {
				ret = walk_dir(w, sub, depth + 1);
				if (ret)
					break;
			}
		}
		w->rel[plen] = '\0';
	}
	closedir(d);
	return ret;
}

static int resolve_by_walk(struct enf_cgroup_cache *cc, __u64 id, char *buf,
			   size_t len)
{
	struct walk *w;
	int fd, ret;
	__u64 ino;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->id = id;
	cc->stats.walks++;
	/* the mount's own directory first: readdir shows only those below */
	if (!stat_rel(cc, "", &ino) && ino == id) {
		ret = path_from_rel(cc, "", buf, len);
		goto out_free;
	}
	fd = open(cc->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out_free;
	}
	ret = walk_dir(w, fd, 0);
	cc->stats.walk_dirs += w->visited;
	if (w->capped)
		cc->stats.walk_capped++;
	if (ret == 1)
		ret = path_from_rel(cc, w->rel, buf, len);
	else if (ret == 0)
		ret = -ENOENT;
out_free:
	free(w);
	return ret;
}

int enf_cgroup_cache_lookup(struct enf_cgroup_cache *cc, __u64 id, __u32 tgid,
			    struct enf_cgroup_facts *out)
{
	char *path;
	int i, err;

	if (!id)
		return -EINVAL;
	i = cg_find(cc, id);
	if (i != CG_NONE) {
		cc->stats.hits++;
		cg_list_unlink(cc, i);
		cg_list_push(cc, i);
		copy_facts(&cc->e[i], out);
		return 0;
	}
	cc->stats.misses++;
	path = out->path;
	err = -ENOENT;
	if (tgid) {
		err = resolve_by_proc(cc, id, tgid, path, sizeof(out->path));
		if (!err)
			cc->stats.by_proc++;
	}
	if (err && neg_has(cc, id)) {
		cc->stats.neg_hits++;
	} else if (err) {
		err = resolve_by_walk(cc, id, path, sizeof(out->path));
		if (!err)
			cc->stats.by_walk++;
		else if (err == -ENOENT)
			neg_add(cc, id);
	}
	if (err) {
		cc->stats.not_found++;
		return err == -ENOMEM ? err : -ENOENT;
	}
	err = cg_insert(cc, id, path, &i);
	if (err)
		return err;
	copy_facts(&cc->e[i], out);
	return 0;
}

int enf_cgroup_cache_id(struct enf_cgroup_cache *cc, const char *path,
			__u64 *id)
{
	char hier[ENF_CGROUP_PATH_MAX];
	size_t mlen = strlen(cc->mnt);
	const char *rel;
	__u64 ino = 0;
	int err, i;

	if (!path || !path_clean(path))
		return -EINVAL;
	if (strlen(path) >= sizeof(hier))
		return -ENAMETOOLONG;
	err = -ENOENT;
	if (path_under_mount(cc, path, &rel)) {
		err = stat_rel(cc, rel, &ino);
		if (!err)
			strcpy(hier, path);
	}
	/* a directory under the mount point, named in full */
	if (err == -ENOENT && !strncmp(path, cc->mnt, mlen) &&
	    (path[mlen] == '/' || path[mlen] == '\0') && mlen > 1) {
		rel = path + mlen;
		err = stat_rel(cc, rel, &ino);
		if (!err)
			err = path_from_rel(cc, rel, hier, sizeof(hier));
	}
	if (err)
		return err;
	*id = ino;
	if (cg_find(cc, ino) == CG_NONE)
		return cg_insert(cc, ino, hier, &i);
	return 0;
}

size_t enf_cgroup_cache_count(const struct enf_cgroup_cache *cc)
{
	return cc->count;
}

void enf_cgroup_cache_get_stats(const struct enf_cgroup_cache *cc,
				struct enf_cgroup_stats *out)
{
	*out = cc->stats;
}
