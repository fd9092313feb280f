// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include "enforcer/capture/discover.h"
#include "enforcer/capture/tls_offsets.h"

#define NONE (-1)

/* The multiarch triplet of the build (Debian's library directory). */
#ifndef ENF_MULTIARCH
#if defined(__x86_64__)
#define ENF_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define ENF_MULTIARCH "aarch64-linux-gnu"
#elif defined(__i386__)
#define ENF_MULTIARCH "i386-linux-gnu"
#elif defined(__arm__)
#define ENF_MULTIARCH "arm-linux-gnueabihf"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ENF_MULTIARCH "powerpc64le-linux-gnu"
#elif defined(__s390x__)
#define ENF_MULTIARCH "s390x-linux-gnu"
#elif defined(__riscv) && __riscv_xlen == 64
#define ENF_MULTIARCH "riscv64-linux-gnu"
#else
#define ENF_MULTIARCH "unknown-linux-gnu"
#endif
#endif

static const char *const default_dirs[] = {
	"/usr/lib/" ENF_MULTIARCH,
	"/lib/" ENF_MULTIARCH,
	"/usr/lib64",
	"/usr/lib",
	"/usr/local/lib",
	NULL,
};

static const unsigned int rescan_ms[ENF_DISCOVER_RESCANS] =
	ENF_DISCOVER_RESCAN_MS;

/* Bounds of the configuration copied in. */
#define MAX_LIB_PATHS 64
#define MAX_DIRS 32

/* Limits reported once each (enf_discover.reported). */
enum {
	ONCE_FILES = 1u << 0,
	ONCE_PROCS = 1u << 1,
	ONCE_PROC_FILES = 1u << 2,
	ONCE_SEEN = 1u << 3,
	ONCE_RESCANS = 1u << 4,
	ONCE_MAPS = 1u << 5,
};

/* ---- a small open-addressing table: (a, b) -> index ---- */

struct hslot {
	__u64 a, b;
	int v; /* NONE: empty */
};

struct htab {
	struct hslot *s;
	size_t mask;
};

static int ht_init(struct htab *h, size_t max)
{
	size_t n = 16;

	while (n < 2 * max)
		n <<= 1;
	h->s = malloc(n * sizeof(*h->s));
	if (!h->s)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		h->s[i].v = NONE;
	h->mask = n - 1;
	return 0;
}

static void ht_free(struct htab *h)
{
	free(h->s);
	h->s = NULL;
}

static size_t ht_hash(__u64 a, __u64 b)
{
	__u64 x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return (size_t)x;
}

static int ht_find(const struct htab *h, __u64 a, __u64 b)
{
	for (size_t i = ht_hash(a, b) & h->mask;; i = (i + 1) & h->mask) {
		if (h->s[i].v == NONE)
			return NONE;
		if (h->s[i].a == a && h->s[i].b == b)
			return h->s[i].v;
	}
}

/* The caller keeps the entries below half the slots. */
static void ht_put(struct htab *h, __u64 a, __u64 b, int v)
{
	size_t i = ht_hash(a, b) & h->mask;

	while (h->s[i].v != NONE && (h->s[i].a != a || h->s[i].b != b))
		i = (i + 1) & h->mask;
	h->s[i].a = a;
	h->s[i].b = b;
	h->s[i].v = v;
}

static void ht_del(struct htab *h, __u64 a, __u64 b)
{
	size_t i = ht_hash(a, b) & h->mask, j;

	while (h->s[i].v != NONE && (h->s[i].a != a || h->s[i].b != b))
		i = (i + 1) & h->mask;
	if (h->s[i].v == NONE)
		return;
	/* backward shift: no tombstones */
	for (j = i;;) {
		size_t k;

		j = (j + 1) & h->mask;
		if (h->s[j].v == NONE)
			break;
		k = ht_hash(h->s[j].a, h->s[j].b) & h->mask;
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && (k <= i && k > j))) {
			h->s[i] = h->s[j];
			i = j;
		}
	}
	h->s[i].v = NONE;
}

/* ---- state ---- */

/* What tells one content of a file from the next at the same inode. */
struct fprint {
	__s64 size;
	struct timespec mtime, ctime;
};

/* A TLS file: attached, or system, or with users. */
struct dfile {
	bool used;
	__u64 dev, ino;
	char *path;
	enum enf_tls_lib lib;
	__u64 offsets[ENF_TLS_FN_MAX];
	char version[ENF_ELF_VERSION_LEN];
	char build_id[2 * ENF_ELF_BUILD_ID_MAX + 1];
	const char *how;
	bool is_static, system, other_ns;
	bool attached, failed;
	__u32 id;
	__u32 users;
	struct fprint fp;
};

enum seen_state {
	SEEN_NOT_TLS = 1,
	SEEN_NOT_CAPTURABLE,
	SEEN_FAILED,
};

/*
 * A file refused: not opened again while it does not change. @build_id
 * (@build_id_len bytes, 0: none) is kept for the refusals a new offset
 * table may undo (enf_discover_reload_offsets()).
 */
struct dseen {
	bool used;
	__u64 dev, ino;
	struct fprint fp;
	enum seen_state state;
	__u8 build_id_len;
	__u8 build_id[ENF_ELF_BUILD_ID_MAX];
};

/* A process's use of a file; @attached for a per-process attachment. */
struct duse {
	int file;
	bool attached;
	__u32 id;
};

struct dproc {
	bool used;
	__u32 tgid;
	__u64 start;
	unsigned int n;
	struct duse u[ENF_DISCOVER_PROC_FILES];
};

struct dpending {
	__u32 tgid;
	__u64 base;
	unsigned int step;
};

/* A file of one process worth a look: its executable, a TLS-named library. */
struct cand {
	__u64 dev, ino;
	char path[PATH_MAX]; /* as the process sees it */
	char open[PATH_MAX]; /* openable by us now ("": not located yet) */
	char nss[PATH_MAX]; /* libnspr4: its libssl3.so, openable; "" none */
	char range[48]; /* start-end in maps, for map_files */
	enum enf_tls_lib named;
	bool exe, deleted, nss_ssl, other_ns, located;
	int file;
};

struct enf_discover {
	struct enf_discover_ops ops;
	char proc[PATH_MAX / 2];
	char cgroot[PATH_MAX / 2];
	char *table_name;
	struct enf_tls_offsets *table;
	char **lib_paths;
	char **dirs;
	char **comms;
	size_t n_comms;
	__u64 *cgroups;
	size_t n_cgroups;
	bool narrowed;

	struct dfile *files;
	size_t n_files;
	struct htab files_ht;

	struct dseen *seen;
	size_t n_seen;
	struct htab seen_ht;

	struct dproc *procs;
	int *proc_free; /* stack of free slots */
	size_t n_proc_free;
	struct htab procs_ht;

	struct dpending pending[ENF_DISCOVER_MAX_PENDING];
	size_t n_pending;

	struct cand *cands;
	size_t n_cands;

	struct enf_discover_stats st;
	unsigned int reported;
	char msg[2 * PATH_MAX + 256];
};

static void report(struct enf_discover *d, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct enf_discover *d, int level, const char *fmt, ...)
{
	va_list ap;

	if (!d->ops.report)
		return;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->ops.report(d->ops.ctx, level, d->msg);
}

static void limit_hit(struct enf_discover *d, unsigned int once, __u64 *ctr,
		      const char *what)
{
	(*ctr)++;
	if (d->reported & once)
		return;
	d->reported |= once;
	report(d, ENF_DISCOVER_WARN,
	       "tls discovery: %s (reported once, counted)", what);
}

static void fprint_of(const struct stat *st, struct fprint *fp)
{
	fp->size = st->st_size;
	fp->mtime = st->st_mtim;
	fp->ctime = st->st_ctim;
}

static bool fprint_eq(const struct fprint *a, const struct fprint *b)
{
	return a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static int pathf(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- refused files ---- */

static struct dseen *seen_find(struct enf_discover *d, __u64 dev, __u64 ino)
{
	int i = ht_find(&d->seen_ht, dev, ino);

	return i == NONE ? NULL : &d->seen[i];
}

static void seen_del(struct enf_discover *d, struct dseen *s)
{
	ht_del(&d->seen_ht, s->dev, s->ino);
	s->used = false;
	d->n_seen--;
}

/* When full, make room by forgetting the plain "not TLS" answers. */
static void seen_evict(struct enf_discover *d)
{
	for (size_t i = 0; i < ENF_DISCOVER_MAX_SEEN; i++)
		if (d->seen[i].used && d->seen[i].state == SEEN_NOT_TLS)
			seen_del(d, &d->seen[i]);
}

/* Returns the entry, or NULL when it could not be remembered. */
static struct dseen *seen_add(struct enf_discover *d, __u64 dev, __u64 ino,
			      const struct fprint *fp, enum seen_state state)
{
	struct dseen *s = seen_find(d, dev, ino);
	size_t i;

	if (!s) {
		if (d->n_seen >= ENF_DISCOVER_MAX_SEEN)
			seen_evict(d);
		if (d->n_seen >= ENF_DISCOVER_MAX_SEEN) {
			limit_hit(d, ONCE_SEEN, &d->st.seen_full,
				  "refused-file memory full");
			return NULL;
		}
		for (i = 0; d->seen[i].used; i++)
			;
		s = &d->seen[i];
		s->used = true;
		s->dev = dev;
		s->ino = ino;
		ht_put(&d->seen_ht, dev, ino, (int)i);
		d->n_seen++;
	}
	s->fp = *fp;
	s->state = state;
	s->build_id_len = 0;
	return s;
}

/* A refusal of a file whose build-id is @info's: a new table may undo it. */
static void seen_add_id(struct enf_discover *d, __u64 dev, __u64 ino,
			const struct fprint *fp, enum seen_state state,
			const struct enf_elf_tls *info)
{
	struct dseen *s = seen_add(d, dev, ino, fp, state);

	if (!s || !info->build_id_len ||
	    info->build_id_len > sizeof(s->build_id))
		return;
	memcpy(s->build_id, info->build_id, info->build_id_len);
	s->build_id_len = (__u8)info->build_id_len;
}

/* ---- processes ---- */

static struct dproc *proc_find(struct enf_discover *d, __u32 tgid)
{
	int i = ht_find(&d->procs_ht, tgid, 0);

	return i == NONE ? NULL : &d->procs[i];
}

static int read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	return 0;
}

/* Field 22 of /proc/PID/stat; 0 when it cannot be read. */
static __u64 proc_start(struct enf_discover *d, __u32 tgid)
{
	char path[PATH_MAX], buf[1024], *p, *save = NULL;
	int field = 3;

	if (pathf(path, sizeof(path), "%s/%u/stat", d->proc, tgid) ||
	    read_small(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (p = strtok_r(p + 1, " ", &save); p;
	     p = strtok_r(NULL, " ", &save), field++)
		if (field == 22)
			return strtoull(p, NULL, 10);
	return 0;
}

static struct dproc *proc_add(struct enf_discover *d, __u32 tgid)
{
	struct dproc *p;
	int i;

	if (!d->n_proc_free) {
		limit_hit(d, ONCE_PROCS, &d->st.procs_full,
			  "process table full: processes not counted as users");
		return NULL;
	}
	i = d->proc_free[--d->n_proc_free];
	p = &d->procs[i];
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->tgid = tgid;
	p->start = proc_start(d, tgid);
	ht_put(&d->procs_ht, tgid, 0, i);
	return p;
}

static void proc_free(struct enf_discover *d, struct dproc *p)
{
	ht_del(&d->procs_ht, p->tgid, 0);
	p->used = false;
	d->proc_free[d->n_proc_free++] = (int)(p - d->procs);
}

/* ---- files ---- */

static int file_find(struct enf_discover *d, __u64 dev, __u64 ino)
{
	return ht_find(&d->files_ht, dev, ino);
}

static void do_detach(struct enf_discover *d, __u32 id)
{
	d->ops.detach(d->ops.ctx, id);
	d->st.detached++;
}

static void file_release(struct enf_discover *d, int idx)
{
	struct dfile *f = &d->files[idx];

	if (f->attached) {
		do_detach(d, f->id);
		report(d, ENF_DISCOVER_INFO, "tls: detached %s %s",
		       enf_tls_lib_name(f->lib), f->path);
	}
	if (f->failed)
		seen_add(d, f->dev, f->ino, &f->fp, SEEN_FAILED);
	ht_del(&d->files_ht, f->dev, f->ino);
	free(f->path);
	memset(f, 0, sizeof(*f));
	d->n_files--;
}

/*
 * @path seen by process @tgid (0: by us) as a path we can open: the plain
 * path when it is the same file in our mount namespace, else through
 * /proc/PID/root. Sets *@other when it is not the plain path.
 */
static int ns_path(struct enf_discover *d, __u32 tgid, const char *path,
		   char *out, size_t len, struct stat *st, bool *other)
{
	struct stat plain;
	int err;

	*other = false;
	if (!tgid) {
		if (pathf(out, len, "%s", path))
			return -ENAMETOOLONG;
		return stat(out, st) ? -errno : 0;
	}
	err = pathf(out, len, "%s/%u/root%s", d->proc, tgid, path);
	if (err)
		return err;
	if (stat(out, st))
		return -errno;
	if (!stat(path, &plain) && plain.st_dev == st->st_dev &&
	    plain.st_ino == st->st_ino)
		return pathf(out, len, "%s", path);
	*other = true;
	return 0;
}

/*
 * Open @c as the very file the process maps: through /proc/PID/root (or
 * the plain path when it is the same file), else /proc/PID/map_files.
 * Returns the fd; fills @st.
 */
static int cand_open(struct enf_discover *d, __u32 tgid, struct cand *c,
		     struct stat *st)
{
	int fd = -1, err = -ESTALE;

	if (!c->deleted) {
		err = ns_path(d, tgid, c->path, c->open, sizeof(c->open), st,
			      &c->other_ns);
		if (!err && ((__u64)st->st_dev != c->dev ||
			     (__u64)st->st_ino != c->ino))
			err = -ESTALE;
		if (!err) {
			fd = open(c->open,
				  O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
			if (fd < 0)
				err = -errno;
		}
	}
	if (fd < 0 && tgid && c->range[0]) {
		c->other_ns = true;
		if (!pathf(c->open, sizeof(c->open), "%s/%u/map_files/%s",
			   d->proc, tgid, c->range)) {
			fd = open(c->open,
				  O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
			err = fd < 0 ? -errno : 0;
		}
	}
	if (fd < 0 && tgid && c->exe && !c->range[0]) {
		c->other_ns = true;
		if (!pathf(c->open, sizeof(c->open), "%s/%u/exe", d->proc,
			   tgid)) {
			fd = open(c->open,
				  O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
			err = fd < 0 ? -errno : 0;
		}
	}
	if (fd < 0)
		goto out_fail;
	if (fstat(fd, st)) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st->st_mode) || (__u64)st->st_dev != c->dev ||
	    (__u64)st->st_ino != c->ino) {
		err = -ESTALE;
		goto out_close;
	}
	c->located = true;
	return fd;

out_close:
	close(fd);
out_fail:
	c->open[0] = '\0';
	c->located = false;
	return err;
}

static int cand_locate(struct enf_discover *d, __u32 tgid, struct cand *c)
{
	struct stat st;
	int fd;

	if (c->located)
		return 0;
	fd = cand_open(d, tgid, c, &st);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* NSS's libssl3.so for libnspr4 @c: mapped by the process, else beside it. */
static void nss_pair(struct enf_discover *d, __u32 tgid, struct cand *c)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	bool other;

	c->nss[0] = '\0';
	for (size_t i = 0; i < d->n_cands; i++) {
		struct cand *o = &d->cands[i];

		if (!o->nss_ssl || cand_locate(d, tgid, o))
			continue;
		snprintf(c->nss, sizeof(c->nss), "%s", o->open);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", c->path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	strcpy(slash + 1, "libssl3.so");
	if (ns_path(d, tgid, dir, c->nss, sizeof(c->nss), &st, &other) ||
	    !S_ISREG(st.st_mode))
		c->nss[0] = '\0';
}

static void version_from(const char *path, const char *prefix, char *out,
			 size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return;
	if (enf_elf_find_version(fd, prefix, out, len))
		out[0] = '\0';
	close(fd);
}

/* libssl.so.3 -> OpenSSL 3.0.17 from libcrypto.so.3 beside it, or "OpenSSL 3" */
static void openssl_version(struct enf_discover *d, __u32 tgid,
			    const struct cand *c, char *out, size_t len)
{
	const char *base = base_name(c->path);
	char sib[PATH_MAX], open_path[PATH_MAX];
	struct stat st;
	bool other;

	if (strncmp(base, "libssl.so", 9))
		return;
	if (!pathf(sib, sizeof(sib), "%.*slibcrypto%s", (int)(base - c->path),
		   c->path, base + 6) &&
	    !ns_path(d, tgid, sib, open_path, sizeof(open_path), &st, &other)) {
		version_from(open_path, "OpenSSL ", out, len);
		if (out[0])
			return;
	}
	if (base[9] == '.' && isdigit((unsigned char)base[10]))
		snprintf(out, len, "OpenSSL %s", base + 10);
	else
		snprintf(out, len, "OpenSSL");
}

/*
 * Classify the open file @fd of candidate @c. Returns the new file's
 * index, or NONE (refused and remembered, or not usable now).
 */
static int classify(struct enf_discover *d, __u32 tgid, struct cand *c, int fd,
		    const struct stat *st)
{
	enum enf_tls_lib want = c->named;
	const struct enf_tls_offsets_entry *e = NULL;
	unsigned int flags = ENF_ELF_F_VERSION;
	struct enf_elf_tls info;
	struct fprint fp;
	struct dfile *f;
	char hex[2 * ENF_ELF_BUILD_ID_MAX + 1];
	int idx;

	fprint_of(st, &fp);
	if (want == ENF_TLS_LIB_UNKNOWN && c->exe)
		flags |= ENF_ELF_F_MARKERS;
	if (enf_elf_tls_inspect(fd, want, flags, &info)) {
		seen_add(d, c->dev, c->ino, &fp, SEEN_NOT_TLS);
		return NONE;
	}
	enf_build_id_hex(info.build_id, info.build_id_len, hex, sizeof(hex));
	if (info.lib == ENF_TLS_LIB_UNKNOWN) {
		e = enf_tls_offsets_find(d->table, info.build_id,
					 info.build_id_len);
		if (e && want != ENF_TLS_LIB_UNKNOWN && e->lib != want &&
		    !(want == ENF_TLS_LIB_OPENSSL &&
		      e->lib == ENF_TLS_LIB_BORINGSSL))
			e = NULL;
		if (!e) {
			if (info.markers && c->exe) {
				d->st.not_capturable++;
				report(d, ENF_DISCOVER_WARN,
				       "not capturable: %s (build-id %s): no TLS symbols and no entry in %s",
				       c->path, hex[0] ? hex : "none",
				       d->table_name ? d->table_name :
						       "(no offset table)");
				seen_add_id(d, c->dev, c->ino, &fp,
					    SEEN_NOT_CAPTURABLE, &info);
			} else {
				seen_add_id(d, c->dev, c->ino, &fp,
					    SEEN_NOT_TLS, &info);
			}
			return NONE;
		}
		/* A wrong table line must not put a breakpoint into data or
		 * another file's layout: every offset in executable code. */
		for (int k = 0; k < ENF_TLS_FN_MAX; k++) {
			if (!e->offsets[k] ||
			    !enf_elf_offset_in_code(fd, e->offsets[k]))
				continue;
			d->st.not_capturable++;
			report(d, ENF_DISCOVER_WARN,
			       "not capturable: %s (build-id %s): the entry in %s gives %s at 0x%llx, outside the file's code",
			       c->path, hex,
			       d->table_name ? d->table_name : "the table",
			       enf_tls_fn_name(e->lib, (enum enf_tls_fn)k),
			       (unsigned long long)e->offsets[k]);
			seen_add_id(d, c->dev, c->ino, &fp, SEEN_NOT_CAPTURABLE,
				    &info);
			return NONE;
		}
	}
	if ((e ? e->lib : info.lib) == ENF_TLS_LIB_NSS) {
		nss_pair(d, tgid, c);
		if (!c->nss[0]) /* not remembered: a later look may pair it */
			return NONE;
	}
	if (d->n_files >= ENF_DISCOVER_MAX_FILES) {
		limit_hit(d, ONCE_FILES, &d->st.files_full,
			  "file table full: TLS files not attached");
		return NONE;
	}
	for (idx = 0; d->files[idx].used; idx++)
		;
	f = &d->files[idx];
	f->path = strdup(c->path);
	if (!f->path)
		return NONE;
	f->used = true;
	f->dev = c->dev;
	f->ino = c->ino;
	f->fp = fp;
	f->other_ns = c->other_ns;
	f->is_static = c->exe && want == ENF_TLS_LIB_UNKNOWN;
	snprintf(f->build_id, sizeof(f->build_id), "%s", hex);
	if (e) {
		f->lib = e->lib;
		memcpy(f->offsets, e->offsets, sizeof(f->offsets));
		f->how = "build-id table";
		if (e->lib == ENF_TLS_LIB_BORINGSSL)
			snprintf(f->version, sizeof(f->version), "BoringSSL");
		else if (e->lib == ENF_TLS_LIB_OPENSSL)
			enf_elf_find_version(fd, "OpenSSL ", f->version,
					     sizeof(f->version));
	} else {
		f->lib = info.lib;
		memcpy(f->offsets, info.offsets, sizeof(f->offsets));
		f->how = info.how;
		snprintf(f->version, sizeof(f->version), "%s", info.version);
	}
	if (!f->version[0] && f->lib == ENF_TLS_LIB_OPENSSL && !f->is_static)
		openssl_version(d, tgid, c, f->version, sizeof(f->version));
	if (f->lib == ENF_TLS_LIB_NSS)
		version_from(c->nss, "NSS ", f->version, sizeof(f->version));
	ht_put(&d->files_ht, f->dev, f->ino, idx);
	d->n_files++;
	return idx;
}

/* The TLS file @c is, or NONE. */
static int resolve(struct enf_discover *d, __u32 tgid, struct cand *c)
{
	struct dseen *s;
	struct stat st;
	struct fprint fp;
	int fd, idx;

	idx = file_find(d, c->dev, c->ino);
	if (idx != NONE)
		return idx;
	fd = cand_open(d, tgid, c, &st);
	if (fd < 0)
		return NONE;
	s = seen_find(d, c->dev, c->ino);
	if (s) {
		fprint_of(&st, &fp);
		if (fprint_eq(&s->fp, &fp)) {
			close(fd);
			return NONE;
		}
		seen_del(d, s); /* another content at this inode: look again */
	}
	idx = classify(d, tgid, c, fd, &st);
	close(fd);
	return idx;
}

/*
 * The session layout the programs may read a socket from: OpenSSL 3.0's,
 * known by its version text ("OpenSSL 3.0.22"; a version taken from the
 * file's name alone, "OpenSSL 3", says too little).
 */
static enum enf_tls_layout layout_of(const struct dfile *f)
{
	if (f->lib == ENF_TLS_LIB_OPENSSL &&
	    !strncmp(f->version, "OpenSSL 3.0.", strlen("OpenSSL 3.0.")))
		return ENF_TLS_LAYOUT_OSSL30;
	return ENF_TLS_LAYOUT_NONE;
}

static int do_attach(struct enf_discover *d, struct dfile *f, struct cand *c,
		     int pid, __u32 *id)
{
	struct enf_tls_target t = {
		.lib = f->lib,
		.layout = layout_of(f),
		.path = c->open,
		.pid = pid,
		.nss_ssl_path = c->nss[0] ? c->nss : NULL,
	};
	char scope[32];
	int err;

	memcpy(t.offsets, f->offsets, sizeof(t.offsets));
	err = d->ops.attach(d->ops.ctx, &t, id);
	if (err) {
		d->st.attach_failed++;
		return err;
	}
	d->st.attached++;
	if (pid < 0)
		snprintf(scope, sizeof(scope), "every process");
	else
		snprintf(scope, sizeof(scope), "pid %d", pid);
	report(d, ENF_DISCOVER_INFO, "tls: attached %s%s%s %s [%s] for %s",
	       enf_tls_lib_name(f->lib), f->version[0] ? " " : "", f->version,
	       f->path, f->how, scope);
	return 0;
}

/* Attach @f for @pid (-1: all) as @c of process @tgid shows it. */
static int file_attach(struct enf_discover *d, int idx, __u32 tgid,
		       struct cand *c, int pid, __u32 *id)
{
	struct dfile *f = &d->files[idx];
	int err;

	if (f->failed)
		return -EALREADY;
	err = cand_locate(d, tgid, c);
	if (err)
		return err;
	if (f->lib == ENF_TLS_LIB_NSS && !c->nss[0])
		nss_pair(d, tgid, c);
	if (f->lib == ENF_TLS_LIB_NSS && !c->nss[0])
		return -ENOENT;
	err = do_attach(d, f, c, pid, id);
	if (!err)
		return 0;
	if (pid > 0 && err == -ESRCH) /* the process, not the file */
		return err;
	f->failed = true;
	report(d, ENF_DISCOVER_WARN, "tls: cannot attach %s %s: %s",
	       enf_tls_lib_name(f->lib), f->path, strerror(-err));
	return err;
}

static void use_drop(struct enf_discover *d, struct dproc *p, unsigned int ui)
{
	struct duse *u = &p->u[ui];
	int idx = u->file;
	struct dfile *f = &d->files[idx];

	if (u->attached) {
		do_detach(d, u->id);
		report(d, ENF_DISCOVER_INFO, "tls: detached %s %s pid %u",
		       enf_tls_lib_name(f->lib), f->path, p->tgid);
	}
	p->u[ui] = p->u[--p->n];
	if (f->users)
		f->users--;
	if (!f->users && !f->system)
		file_release(d, idx);
}

static void use_add(struct enf_discover *d, struct dproc *p, int idx,
		    struct cand *c)
{
	struct dfile *f = &d->files[idx];
	struct duse *u;

	if (p->n >= ENF_DISCOVER_PROC_FILES) {
		limit_hit(d, ONCE_PROC_FILES, &d->st.proc_files_full,
			  "a process maps more TLS files than counted");
		return;
	}
	u = &p->u[p->n++];
	u->file = idx;
	u->attached = false;
	f->users++;
	if (d->narrowed) {
		if (!file_attach(d, idx, p->tgid, c, (int)p->tgid, &u->id))
			u->attached = true;
	} else if (!f->attached) {
		if (!file_attach(d, idx, p->tgid, c, -1, &f->id))
			f->attached = true;
	}
}

static void proc_drop(struct enf_discover *d, struct dproc *p)
{
	while (p->n)
		use_drop(d, p, p->n - 1);
	proc_free(d, p);
}

/* Make process @tgid's uses the files of d->cands[].file. */
static void apply_set(struct enf_discover *d, __u32 tgid)
{
	struct dproc *p = proc_find(d, tgid);
	bool any = false;

	for (size_t i = 0; i < d->n_cands; i++)
		any = any || d->cands[i].file != NONE;
	if (!p && !any)
		return;
	if (!p) {
		p = proc_add(d, tgid);
		if (!p)
			goto out_release;
	}
	for (unsigned int ui = 0; ui < p->n;) {
		bool keep = false;

		for (size_t i = 0; i < d->n_cands && !keep; i++)
			keep = d->cands[i].file == p->u[ui].file;
		if (keep)
			ui++;
		else
			use_drop(d, p, ui);
	}
	for (size_t i = 0; i < d->n_cands; i++) {
		struct cand *c = &d->cands[i];
		bool have = false;

		if (c->file == NONE)
			continue;
		for (unsigned int ui = 0; ui < p->n && !have; ui++)
			have = p->u[ui].file == c->file;
		if (!have)
			use_add(d, p, c->file, c);
	}
	if (!p->n)
		proc_free(d, p);
out_release:
	/* files found but counted for nobody (tables full) go again */
	for (size_t i = 0; i < d->n_cands; i++) {
		int idx = d->cands[i].file;

		if (idx != NONE && d->files[idx].used && !d->files[idx].users &&
		    !d->files[idx].system)
			file_release(d, idx);
	}
}

/* 1 in scope, 0 not, -ESRCH gone. */
static int in_scope(struct enf_discover *d, __u32 tgid)
{
	char path[PATH_MAX], buf[4096], *line, *save = NULL;
	int err;

	if (pathf(path, sizeof(path), "%s/%u/comm", d->proc, tgid))
		return 0;
	err = read_small(path, buf, sizeof(buf));
	if (err)
		return err == -ENOENT || err == -ESRCH ? -ESRCH : 0;
	buf[strcspn(buf, "\n")] = '\0';
	for (size_t i = 0; i < d->n_comms; i++)
		if (!strcmp(buf, d->comms[i]))
			return 1;
	if (!d->n_cgroups)
		return 0;
	if (pathf(path, sizeof(path), "%s/%u/cgroup", d->proc, tgid) ||
	    read_small(path, buf, sizeof(buf)))
		return 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct stat st;

		if (strncmp(line, "0::", 3))
			continue;
		if (pathf(path, sizeof(path), "%s%s", d->cgroot, line + 3) ||
		    stat(path, &st))
			return 0;
		for (size_t i = 0; i < d->n_cgroups; i++)
			if ((__u64)st.st_ino == d->cgroups[i])
				return 1;
		return 0;
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Gather the candidates of @tgid's maps into d->cands. */
static int read_maps(struct enf_discover *d, __u32 tgid, const char *exe)
{
	char path[PATH_MAX], line[PATH_MAX + 256];
	unsigned int lines = 0;
	FILE *f;
	int err;

	if (pathf(path, sizeof(path), "%s/%u/maps", d->proc, tgid))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, ino;
		unsigned int maj, min;
		size_t len = strlen(line);
		char perms[8], *p;
		bool is_exe, nss_ssl, deleted;
		enum enf_tls_lib named;
		struct cand *c = NULL;
		__u64 dev;
		int pos = 0;

		if (len && line[len - 1] != '\n' && !feof(f)) {
			int ch;

			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (++lines > ENF_DISCOVER_MAPS_LINES) {
			limit_hit(d, ONCE_MAPS, &d->st.maps_truncated,
				  "a maps file longer than read");
			break;
		}
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start,
			   &end, perms, &off, &maj, &min, &ino, &pos) < 7 ||
		    !pos || strlen(perms) < 3 || perms[2] != 'x')
			continue;
		p = line + pos;
		if (p[0] != '/')
			continue;
		is_exe = exe[0] && !strcmp(p, exe);
		deleted = ends_with(p, " (deleted)");
		if (deleted)
			p[strlen(p) - 10] = '\0';
		named = enf_tls_lib_by_filename(base_name(p));
		nss_ssl = !strcmp(base_name(p), "libssl3.so");
		if (!is_exe && !named && !nss_ssl)
			continue;
		dev = makedev(maj, min);
		for (size_t i = 0; i < d->n_cands && !c; i++)
			if (d->cands[i].dev == dev && d->cands[i].ino == ino)
				c = &d->cands[i];
		if (c) {
			c->exe = c->exe || is_exe;
			continue;
		}
		if (d->n_cands >= ENF_DISCOVER_PROC_CANDS) {
			limit_hit(d, ONCE_PROC_FILES, &d->st.proc_files_full,
				  "a process maps more TLS files than counted");
			continue;
		}
		c = &d->cands[d->n_cands++];
		memset(c, 0, offsetof(struct cand, path));
		c->dev = dev;
		c->ino = ino;
		snprintf(c->path, sizeof(c->path), "%s", p);
		c->open[0] = c->nss[0] = '\0';
		snprintf(c->range, sizeof(c->range), "%llx-%llx", start, end);
		c->named = named;
		c->exe = is_exe;
		c->deleted = deleted;
		c->nss_ssl = nss_ssl;
		c->other_ns = c->located = false;
		c->file = NONE;
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	return err;
}

static bool proc_exists(struct enf_discover *d, __u32 tgid)
{
	char path[PATH_MAX];
	struct stat st;

	return !pathf(path, sizeof(path), "%s/%u", d->proc, tgid) &&
	       !stat(path, &st);
}

/* Look at process @tgid; returns 1 when it is gone. */
static int scan_proc(struct enf_discover *d, __u32 tgid)
{
	char path[PATH_MAX], exe[PATH_MAX];
	bool have_exe = false;
	struct dproc *p;
	ssize_t n;
	int err;

	d->n_cands = 0;
	if (d->narrowed) {
		err = in_scope(d, tgid);
		if (err < 0)
			goto out_gone;
		if (!err) { /* out of scope (now): no attachment */
			apply_set(d, tgid);
			return 0;
		}
	}
	if (pathf(path, sizeof(path), "%s/%u/exe", d->proc, tgid))
		return 0;
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	err = read_maps(d, tgid, exe);
	if (err) {
		d->n_cands = 0;
		if (!proc_exists(d, tgid))
			goto out_gone;
		return 0; /* unreadable now: keep what we know */
	}
	for (size_t i = 0; i < d->n_cands; i++)
		have_exe = have_exe || d->cands[i].exe;
	if (exe[0] == '/' && !have_exe &&
	    d->n_cands < ENF_DISCOVER_PROC_CANDS) {
		/* not in maps (yet): the file /proc/PID/exe leads to */
		struct cand *c = &d->cands[d->n_cands];
		struct stat st;

		if (!stat(path, &st)) {
			memset(c, 0, offsetof(struct cand, path));
			c->dev = st.st_dev;
			c->ino = st.st_ino;
			if (ends_with(exe, " (deleted)")) {
				exe[strlen(exe) - 10] = '\0';
				c->deleted = true;
			}
			snprintf(c->path, sizeof(c->path), "%s", exe);
			c->open[0] = c->nss[0] = c->range[0] = '\0';
			c->named = enf_tls_lib_by_filename(base_name(exe));
			c->exe = true;
			c->file = NONE;
			d->n_cands++;
		}
	}
	for (size_t i = 0; i < d->n_cands; i++) {
		struct cand *c = &d->cands[i];

		if (c->named || c->exe)
			c->file = resolve(d, tgid, c);
	}
	apply_set(d, tgid);
	return 0;

out_gone:
	d->st.procs_gone++;
	p = proc_find(d, tgid);
	if (p)
		proc_drop(d, p);
	return 1;
}

/* A file found at start (directories, lib_paths): system. */
static void system_file(struct enf_discover *d, const char *path, bool config)
{
	struct cand *c = &d->cands[0];
	struct stat st;
	int idx;

	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		if (config)
			report(d, ENF_DISCOVER_WARN,
			       "tls: configured library %s: %s", path,
			       errno ? strerror(errno) : "not a regular file");
		return;
	}
	d->n_cands = 1;
	memset(c, 0, offsetof(struct cand, path));
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->open[0] = c->nss[0] = c->range[0] = '\0';
	c->named = enf_tls_lib_by_filename(base_name(path));
	c->file = NONE;
	idx = resolve(d, 0, c);
	d->n_cands = 0;
	if (idx == NONE) {
		if (config)
			report(d, ENF_DISCOVER_WARN,
			       "tls: configured library %s has no TLS functions (or is refused)",
			       path);
		return;
	}
	d->files[idx].system = true;
	if (!d->narrowed && !d->files[idx].attached &&
	    !file_attach(d, idx, 0, c, -1, &d->files[idx].id))
		d->files[idx].attached = true;
}

static bool tls_file_name(const char *name)
{
	return enf_tls_lib_by_filename(name) != ENF_TLS_LIB_UNKNOWN;
}

/*
 * Regular files first, then symlinks: a file reached both ways is listed
 * under its own name (libgnutls.so.30.34.3, not the libgnutls.so symlink
 * of the -dev package), as processes' maps show it too.
 */
static void scan_dir(struct enf_discover *d, const char *dir)
{
	for (int pass = 0; pass < 2; pass++) {
		struct dirent *de;
		DIR *dp;

		dp = opendir(dir);
		if (!dp)
			return;
		while ((de = readdir(dp))) {
			char path[PATH_MAX];
			struct stat st;

			if (!tls_file_name(de->d_name) ||
			    pathf(path, sizeof(path), "%s/%s", dir,
				  de->d_name) ||
			    lstat(path, &st) ||
			    S_ISLNK(st.st_mode) != (pass == 1))
				continue;
			system_file(d, path, false);
		}
		closedir(dp);
	}
}

int enf_discover_scan_all(struct enf_discover *d)
{
	struct {
		dev_t dev;
		ino_t ino;
	} seen_dirs[MAX_DIRS];
	size_t n_dirs = 0;
	struct dirent *de;
	DIR *dp;

	for (char **dir = d->dirs; *dir; dir++) {
		struct stat st;
		bool dup = false;

		if (stat(*dir, &st) || !S_ISDIR(st.st_mode))
			continue;
		for (size_t i = 0; i < n_dirs && !dup; i++)
			dup = seen_dirs[i].dev == st.st_dev &&
			      seen_dirs[i].ino == st.st_ino;
		if (dup || n_dirs == MAX_DIRS)
			continue;
		seen_dirs[n_dirs].dev = st.st_dev;
		seen_dirs[n_dirs++].ino = st.st_ino;
		scan_dir(d, *dir);
	}
	for (char **p = d->lib_paths; *p; p++)
		system_file(d, *p, true);

	dp = opendir(d->proc);
	if (!dp)
		return -errno;
	while ((de = readdir(dp))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end || !pid ||
		    pid > UINT32_MAX)
			continue;
		scan_proc(d, (__u32)pid);
	}
	closedir(dp);
	return 0;
}

static void pending_remove(struct enf_discover *d, __u32 tgid)
{
	for (size_t i = 0; i < d->n_pending; i++)
		if (d->pending[i].tgid == tgid) {
			d->pending[i] = d->pending[--d->n_pending];
			return;
		}
}

int enf_discover_exec(struct enf_discover *d, __u32 tgid, __u64 now_ms)
{
	struct dpending *p = NULL;

	if (scan_proc(d, tgid)) {
		pending_remove(d, tgid);
		return 0;
	}
	for (size_t i = 0; i < d->n_pending && !p; i++)
		if (d->pending[i].tgid == tgid)
			p = &d->pending[i];
	if (!p) {
		if (d->n_pending >= ENF_DISCOVER_MAX_PENDING) {
			limit_hit(d, ONCE_RESCANS, &d->st.rescans_dropped,
				  "too many processes waiting for rescans");
			return 0;
		}
		p = &d->pending[d->n_pending++];
	}
	p->tgid = tgid;
	p->base = now_ms;
	p->step = 0;
	return 0;
}

int enf_discover_exit(struct enf_discover *d, __u32 tgid)
{
	struct dproc *p = proc_find(d, tgid);

	pending_remove(d, tgid);
	if (p)
		proc_drop(d, p);
	return 0;
}

long enf_discover_tick(struct enf_discover *d, __u64 now_ms)
{
	long next = -1;

	for (size_t i = 0; i < d->n_pending;) {
		struct dpending *p = &d->pending[i];
		__u64 due = p->base + rescan_ms[p->step];
		long wait;

		if (due <= now_ms) {
			int gone;

			d->st.rescans++;
			gone = scan_proc(d, p->tgid);
			while (p->step < ENF_DISCOVER_RESCANS &&
			       p->base + rescan_ms[p->step] <= now_ms)
				p->step++;
			if (gone || p->step >= ENF_DISCOVER_RESCANS) {
				*p = d->pending[--d->n_pending];
				continue;
			}
			due = p->base + rescan_ms[p->step];
		}
		wait = (long)(due - now_ms);
		if (next < 0 || wait < next)
			next = wait;
		i++;
	}
	return next;
}

size_t enf_discover_sweep(struct enf_discover *d)
{
	size_t dropped = 0;

	for (size_t i = 0; i < ENF_DISCOVER_MAX_PROCS; i++) {
		struct dproc *p = &d->procs[i];
		__u64 start;

		if (!p->used)
			continue;
		start = proc_start(d, p->tgid);
		if (proc_exists(d, p->tgid) && (!p->start || start == p->start))
			continue;
		pending_remove(d, p->tgid);
		proc_drop(d, p);
		dropped++;
	}
	return dropped;
}

static void fill_out(const struct dfile *f, int pid,
		     struct enf_discover_file *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", f->path);
	snprintf(out->version, sizeof(out->version), "%s", f->version);
	snprintf(out->build_id, sizeof(out->build_id), "%s", f->build_id);
	out->lib = f->lib;
	out->is_static = f->is_static;
	out->system = f->system;
	out->other_ns = f->other_ns;
	out->how = f->how;
	out->users = f->users;
	out->pid = pid;
	out->dev = f->dev;
	out->ino = f->ino;
}

/* The @i-th attachment; NULL past the end. */
static const struct dfile *nth(const struct enf_discover *d, size_t i, int *pid)
{
	if (!d->narrowed) {
		for (size_t k = 0; k < ENF_DISCOVER_MAX_FILES; k++) {
			const struct dfile *f = &d->files[k];

			if (!f->used || !f->attached)
				continue;
			if (!i--) {
				*pid = -1;
				return f;
			}
		}
		return NULL;
	}
	for (size_t k = 0; k < ENF_DISCOVER_MAX_PROCS; k++) {
		const struct dproc *p = &d->procs[k];

		if (!p->used)
			continue;
		for (unsigned int u = 0; u < p->n; u++) {
			if (!p->u[u].attached)
				continue;
			if (!i--) {
				*pid = (int)p->tgid;
				return &d->files[p->u[u].file];
			}
		}
	}
	return NULL;
}

size_t enf_discover_count(const struct enf_discover *d)
{
	size_t n = 0;

	if (!d->narrowed) {
		for (size_t k = 0; k < ENF_DISCOVER_MAX_FILES; k++)
			n += d->files[k].used && d->files[k].attached;
		return n;
	}
	for (size_t k = 0; k < ENF_DISCOVER_MAX_PROCS; k++) {
		const struct dproc *p = &d->procs[k];

		if (!p->used)
			continue;
		for (unsigned int u = 0; u < p->n; u++)
			n += p->u[u].attached;
	}
	return n;
}

int enf_discover_get(const struct enf_discover *d, size_t i,
		     struct enf_discover_file *out)
{
	const struct dfile *f;
	int pid = -1;

	f = nth(d, i, &pid);
	if (!f)
		return -ENOENT;
	fill_out(f, pid, out);
	return 0;
}

void enf_discover_stats(const struct enf_discover *d,
			struct enf_discover_stats *out)
{
	*out = d->st;
}

/* ---- setup ---- */

static void free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static int copy_strv(const char *const *in, size_t max, char ***out)
{
	size_t n = 0;
	char **v;

	while (in && in[n])
		n++;
	if (n > max)
		return -E2BIG;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i] = strdup(in[i]);
		if (!v[i]) {
			free_strv(v);
			return -ENOMEM;
		}
	}
	*out = v;
	return 0;
}

/* The first cgroup2 mount of our own mount namespace. */
static void find_cgroup2(char *out, size_t len)
{
	char line[PATH_MAX + 512];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	snprintf(out, len, "/sys/fs/cgroup");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - ");

		if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strlen(mnt) < len) {
			snprintf(out, len, "%s", mnt);
			break;
		}
	}
	fclose(f);
}

void enf_discover_free(struct enf_discover *d)
{
	if (!d)
		return;
	if (d->files)
		for (size_t i = 0; i < ENF_DISCOVER_MAX_FILES; i++)
			free(d->files[i].path);
	free(d->files);
	ht_free(&d->files_ht);
	free(d->seen);
	ht_free(&d->seen_ht);
	free(d->procs);
	free(d->proc_free);
	ht_free(&d->procs_ht);
	free(d->cands);
	enf_tls_offsets_free(d->table);
	free(d->table_name);
	free_strv(d->lib_paths);
	free_strv(d->dirs);
	free_strv(d->comms);
	free(d->cgroups);
	free(d);
}

static int load_table(struct enf_discover *d, const char *path)
{
	char err[PATH_MAX + 256];
	int ret;

	if (!path)
		path = ENF_TLS_OFFSETS_DEFAULT;
	if (!path[0])
		return 0;
	d->table_name = strdup(path);
	if (!d->table_name)
		return -ENOMEM;
	ret = enf_tls_offsets_load(path, &d->table, err, sizeof(err));
	if (ret == -ENOENT)
		return 0;
	if (ret)
		report(d, ENF_DISCOVER_ERROR, "tls offset table: %s", err);
	return ret;
}

int enf_discover_new(const struct enf_discover_opts *o,
		     const struct enf_discover_ops *ops,
		     struct enf_discover **out)
{
	static const struct enf_discover_opts none = { 0 };
	struct enf_discover *d;
	int err = -ENOMEM;

	if (!ops || !ops->attach || !ops->detach || !out)
		return -EINVAL;
	if (!o)
		o = &none;
	if (o->n_comms > ENF_TLS_FILTER_MAX ||
	    o->n_cgroups > ENF_TLS_FILTER_MAX || (o->n_comms && !o->comms) ||
	    (o->n_cgroups && !o->cgroups))
		return -EINVAL;
	for (size_t i = 0; i < o->n_comms; i++)
		if (!o->comms[i] || strlen(o->comms[i]) >= ENF_COMM_LEN)
			return -EINVAL;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->ops = *ops;
	if (pathf(d->proc, sizeof(d->proc), "%s",
		  o->proc_root ? o->proc_root : "/proc") ||
	    !d->proc[0]) {
		err = -EINVAL;
		goto out_free;
	}
	if (o->cgroup_root) {
		if (pathf(d->cgroot, sizeof(d->cgroot), "%s", o->cgroup_root)) {
			err = -EINVAL;
			goto out_free;
		}
	} else if (o->n_cgroups) {
		find_cgroup2(d->cgroot, sizeof(d->cgroot));
	}
	err = copy_strv(o->lib_paths, MAX_LIB_PATHS, &d->lib_paths);
	if (err)
		goto out_free;
	err = copy_strv(o->sys_dirs ? o->sys_dirs : default_dirs, MAX_DIRS,
			&d->dirs);
	if (err)
		goto out_free;
	if (o->n_comms) {
		d->comms = calloc(o->n_comms + 1, sizeof(*d->comms));
		if (!d->comms) {
			err = -ENOMEM;
			goto out_free;
		}
		for (size_t i = 0; i < o->n_comms; i++) {
			d->comms[i] = strdup(o->comms[i]);
			if (!d->comms[i]) {
				err = -ENOMEM;
				goto out_free;
			}
		}
		d->n_comms = o->n_comms;
	}
	if (o->n_cgroups) {
		d->cgroups = calloc(o->n_cgroups, sizeof(*d->cgroups));
		if (!d->cgroups) {
			err = -ENOMEM;
			goto out_free;
		}
		memcpy(d->cgroups, o->cgroups,
		       o->n_cgroups * sizeof(*d->cgroups));
		d->n_cgroups = o->n_cgroups;
	}
	d->narrowed = d->n_comms || d->n_cgroups;

	err = -ENOMEM;
	d->files = calloc(ENF_DISCOVER_MAX_FILES, sizeof(*d->files));
	d->seen = calloc(ENF_DISCOVER_MAX_SEEN, sizeof(*d->seen));
	d->procs = calloc(ENF_DISCOVER_MAX_PROCS, sizeof(*d->procs));
	d->proc_free = calloc(ENF_DISCOVER_MAX_PROCS, sizeof(*d->proc_free));
	d->cands = calloc(ENF_DISCOVER_PROC_CANDS, sizeof(*d->cands));
	if (!d->files || !d->seen || !d->procs || !d->proc_free || !d->cands)
		goto out_free;
	if (ht_init(&d->files_ht, ENF_DISCOVER_MAX_FILES) ||
	    ht_init(&d->seen_ht, ENF_DISCOVER_MAX_SEEN) ||
	    ht_init(&d->procs_ht, ENF_DISCOVER_MAX_PROCS))
		goto out_free;
	for (size_t i = 0; i < ENF_DISCOVER_MAX_PROCS; i++)
		d->proc_free[i] = (int)(ENF_DISCOVER_MAX_PROCS - 1 - i);
	d->n_proc_free = ENF_DISCOVER_MAX_PROCS;

	err = load_table(d, o->offsets_file);
	if (err)
		goto out_free;
	*out = d;
	return 0;

out_free:
	enf_discover_free(d);
	return err;
}

/* ---- reload of the offset table ---- */

/* Same library and offsets for one build-id in two tables. */
static bool entry_eq(const struct enf_tls_offsets_entry *a,
		     const struct enf_tls_offsets_entry *b)
{
	return a && b && a->lib == b->lib &&
	       !memcmp(a->offsets, b->offsets, sizeof(a->offsets));
}

/*
 * A refusal table @t may undo: the file's build-id has an entry in @t that
 * the running table did not have (or had otherwise). A refusal the new
 * table gives no reason to revisit stays, and is not reported again.
 */
static bool seen_retry(const struct enf_discover *d,
		       const struct enf_tls_offsets *t, const struct dseen *s)
{
	const struct enf_tls_offsets_entry *e;

	if (!s->used || !s->build_id_len ||
	    (s->state != SEEN_NOT_CAPTURABLE && s->state != SEEN_NOT_TLS))
		return false;
	e = enf_tls_offsets_find(t, s->build_id, s->build_id_len);
	return e && !entry_eq(e, enf_tls_offsets_find(d->table, s->build_id,
						      s->build_id_len));
}

/* Does process @tgid run or map executable one of the files of @ht? */
static bool proc_maps_any(struct enf_discover *d, __u32 tgid,
			  const struct htab *ht)
{
	char path[PATH_MAX], line[PATH_MAX + 256];
	unsigned int lines = 0;
	struct stat st;
	bool hit = false;
	FILE *f;

	if (pathf(path, sizeof(path), "%s/%u/exe", d->proc, tgid))
		return false;
	if (!stat(path, &st) && ht_find(ht, st.st_dev, st.st_ino) != NONE)
		return true;
	if (pathf(path, sizeof(path), "%s/%u/maps", d->proc, tgid))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!hit && fgets(line, sizeof(line), f) &&
	       ++lines <= ENF_DISCOVER_MAPS_LINES) {
		unsigned long long ino;
		unsigned int maj, min;
		char perms[8];

		if (sscanf(line, "%*s %7s %*s %x:%x %llu", perms, &maj, &min,
			   &ino) == 4 &&
		    strlen(perms) >= 3 && perms[2] == 'x')
			hit = ht_find(ht, makedev(maj, min), ino) != NONE;
	}
	fclose(f);
	return hit;
}

int enf_discover_reload_offsets(struct enf_discover *d, char *err,
				size_t errlen)
{
	struct enf_tls_offsets *t = NULL;
	struct htab retry = { 0 };
	size_t n_retry = 0, n_procs = 0, n;
	struct dirent *de;
	DIR *dp;
	int ret;

	if (errlen)
		err[0] = '\0';
	if (!d->table_name) /* tls_offsets_file = "": no table */
		return 0;
	ret = enf_tls_offsets_load(d->table_name, &t, err, errlen);
	if (ret == -ENOENT) {
		n = enf_tls_offsets_count(d->table);
		if (!n) /* none then, none now */
			return 0;
		snprintf(
			err, errlen,
			"%s: %s; the %zu entr%s loaded stay (empty the file to clear the table)",
			d->table_name, strerror(ENOENT), n,
			n == 1 ? "y" : "ies");
		return ret;
	}
	if (ret)
		return ret;

	/* everything that can fail before anything changes */
	for (size_t i = 0; i < ENF_DISCOVER_MAX_SEEN; i++)
		n_retry += seen_retry(d, t, &d->seen[i]);
	if (n_retry && ht_init(&retry, n_retry)) {
		enf_tls_offsets_free(t);
		snprintf(err, errlen, "%s: %s", d->table_name,
			 strerror(ENOMEM));
		return -ENOMEM;
	}
	for (size_t i = 0; i < ENF_DISCOVER_MAX_SEEN; i++) {
		struct dseen *s = &d->seen[i];

		if (!seen_retry(d, t, s))
			continue;
		ht_put(&retry, s->dev, s->ino, 0);
		seen_del(d, s); /* classified again when next met */
	}
	enf_tls_offsets_free(d->table);
	d->table = t;

	/* the processes running those files: as at an exec */
	dp = n_retry ? opendir(d->proc) : NULL;
	while (dp && (de = readdir(dp))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end || !pid ||
		    pid > UINT32_MAX || !proc_maps_any(d, (__u32)pid, &retry))
			continue;
		scan_proc(d, (__u32)pid);
		n_procs++;
	}
	if (dp)
		closedir(dp);
	else if (n_retry)
		report(d, ENF_DISCOVER_WARN,
		       "tls offset table: %s: %s; files it now lists are looked at again at their next exec",
		       d->proc, strerror(errno));
	ht_free(&retry);
	n = enf_tls_offsets_count(t);
	report(d, ENF_DISCOVER_INFO,
	       "tls offset table: %zu entr%s from %s; %zu refused file%s looked at again in %zu process%s",
	       n, n == 1 ? "y" : "ies", d->table_name, n_retry,
	       n_retry == 1 ? "" : "s", n_procs, n_procs == 1 ? "" : "es");
	return 0;
}
