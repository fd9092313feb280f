// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The egress data plane (enforcer/loader/egress.h): egress.bpf.c's two
 * programs, their maps (pinned and reused), and their links to one cgroup
 * (pinned, and updated in place by the next run).
 *
 * Open, in this order: the cgroup is resolved, the maps reused or made,
 * the programs loaded against them, the maps pinned, and only then the
 * links updated or made and pinned, so a failure before the links leaves
 * an earlier run's enforcement as it was (a failure between the two hooks
 * leaves connect4 on the new program, which does the same). A link is
 * never unpinned before its replacement is attached.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "egress.skel.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"
#include "enforcer/loader/egress.h"
#include "enforcer/loader/mapbatch.h"

/* The hooks, in the order of enf_egress_info.link_* */
enum hook {
	HOOK_CONNECT4 = 0,
	HOOK_CONNECT6,
	HOOK_COUNT,
};

/* Names of the pinned links (the programs' names too). */
static const char *const link_pin_name[HOOK_COUNT] = {
	[HOOK_CONNECT4] = "egress_connect4",
	[HOOK_CONNECT6] = "egress_connect6",
};

static const enum bpf_attach_type hook_attach_type[HOOK_COUNT] = {
	[HOOK_CONNECT4] = BPF_CGROUP_INET4_CONNECT,
	[HOOK_CONNECT6] = BPF_CGROUP_INET6_CONNECT,
};

/* A link pin's name while it is made, before it is renamed into place. */
#define TMP_SUFFIX "_new"

/* Keys read per batch by foreach and count; grown when a bucket is longer. */
#define SCAN_BATCH 256

struct enf_egress {
	struct egress *skel;
	struct bpf_link *link[HOOK_COUNT];
	int deny_fd; /* the skeleton's, not ours to close */
	int stats_fd; /* likewise */
	struct enf_egress_info info;
	char pin_dir[PATH_MAX]; /* "" when nothing is pinned */
	char mount[PATH_MAX]; /* the cgroup2 mount; "" when none was found */
};

static int path_join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* ---- the cgroup ---------------------------------------------------------- */

int enf_egress_cgroup_id(const char *path, __u64 *id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	struct statfs st;
	int mount_id, err;

	if (statfs(path, &st)) {
		err = -errno;
		return err;
	}
	if (st.f_type != CGROUP2_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	/* kernfs hands out the cgroup id as the file handle. */
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0)) {
		err = -errno;
		return err;
	}
	if (h.fh.handle_bytes != sizeof(__u64))
		return -EOVERFLOW;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

/* The first cgroup2 mount in /proc/self/mounts, into @buf. */
static int cgroup2_root(char *buf, size_t size)
{
	struct mntent ent, *m;
	char strs[4 * PATH_MAX];
	int err = -ENOENT;
	FILE *f;

	f = setmntent("/proc/self/mounts", "re");
	if (!f) {
		err = -errno;
		pr_warn("reading /proc/self/mounts: %s", strerror(-err));
		return err;
	}
	while ((m = getmntent_r(f, &ent, strs, sizeof(strs)))) {
		if (strcmp(m->mnt_type, "cgroup2"))
			continue;
		if (snprintf(buf, size, "%s", m->mnt_dir) >= (int)size)
			err = -ENAMETOOLONG;
		else
			err = 0;
		break;
	}
	endmntent(f);
	if (err == -ENOENT)
		pr_warn("egress: no cgroup2 filesystem mounted: nothing to attach to");
	return err;
}

static int cgroup_resolve(struct enf_egress *e, const char *want)
{
	int err;

	if (cgroup2_root(e->mount, sizeof(e->mount)))
		e->mount[0] = '\0';
	if (want) {
		if (snprintf(e->info.cgroup_path, sizeof(e->info.cgroup_path),
			     "%s", want) >= (int)sizeof(e->info.cgroup_path))
			return -ENAMETOOLONG;
	} else {
		if (!e->mount[0])
			return -ENOENT;
		snprintf(e->info.cgroup_path, sizeof(e->info.cgroup_path), "%s",
			 e->mount);
	}
	err = enf_egress_cgroup_id(e->info.cgroup_path, &e->info.cgroup_id);
	if (err)
		pr_warn("egress: %s: %s", e->info.cgroup_path,
			err == -EMEDIUMTYPE ? "not a cgroup2 directory" :
					      strerror(-err));
	return err;
}

int enf_egress_cgroup_gone(const struct enf_egress *e, __u64 id,
			   const char *path)
{
	char full[PATH_MAX];
	__u64 now;
	int err;

	if (!path || path[0] != '/' || !id)
		return -EINVAL;
	if (!e->mount[0])
		return -ENOENT;
	if (snprintf(full, sizeof(full), "%s%s", e->mount, path) >=
	    (int)sizeof(full))
		return -ENAMETOOLONG;
	err = enf_egress_cgroup_id(full, &now);
	if (err == -ENOENT || err == -ENOTDIR)
		return 1;
	if (err)
		return err;
	/* ids are never given twice: another id is a cgroup made again
	 * under the same name */
	return now != id;
}

/* ---- maps ---------------------------------------------------------------- */

/* The pinned map of @map's layout with @max_entries (enf_bpffs_map_get()). */
static int pinned_map_get(const char *path, const struct bpf_map *map,
			  __u32 max_entries)
{
	const struct enf_map_layout want = {
		.type = bpf_map__type(map),
		.key_size = bpf_map__key_size(map),
		.value_size = bpf_map__value_size(map),
		.flags = bpf_map__map_flags(map),
		.max_entries = max_entries,
	};

	return enf_bpffs_map_get(path, &want);
}

/*
 * Before load: @map gets the pinned map of its name when there is a usable
 * one (*@reused), else @max_entries for the one the load makes.
 */
static int map_prepare(struct enf_egress *e, struct bpf_map *map,
		       __u32 max_entries, bool *reused)
{
	char path[PATH_MAX];
	int fd, err;

	*reused = false;
	if (e->pin_dir[0]) {
		err = path_join(path, sizeof(path), e->pin_dir,
				bpf_map__name(map));
		if (err)
			return err;
		fd = pinned_map_get(path, map, max_entries);
		if (fd >= 0) {
			err = bpf_map__reuse_fd(map, fd);
			close(fd); /* reuse_fd took a copy */
			if (err) {
				pr_warn("reusing pinned map %s: %s", path,
					strerror(-err));
				return err;
			}
			pr_debug("egress: reusing pinned map %s", path);
			*reused = true;
			return 0;
		}
		if (fd != -ENOENT)
			return fd;
	}
	err = bpf_map__set_max_entries(map, max_entries);
	if (err)
		pr_warn("sizing map %s (%u entries): %s", bpf_map__name(map),
			max_entries, strerror(-err));
	return err;
}

/* After load: pins a map the load made (a reused one is pinned already). */
static int map_pin(struct enf_egress *e, struct bpf_map *map, bool reused)
{
	char path[PATH_MAX];
	int err;

	if (!e->pin_dir[0] || reused)
		return 0;
	err = path_join(path, sizeof(path), e->pin_dir, bpf_map__name(map));
	if (err)
		return err;
	if (bpf_obj_pin(bpf_map__fd(map), path)) {
		err = -errno;
		pr_warn("pinning map %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

/* ---- links --------------------------------------------------------------- */

static __u32 link_id_of(const struct bpf_link *link)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return 0;
	return info.id;
}

/*
 * The earlier run's link pinned at @path. When it is a cgroup link of hook
 * @h on our cgroup, it is given our program and kept (*@kept); any other
 * (another cgroup, a removed one, an update refused) is handed back in
 * *@stale for link_create() to replace. Return: 0 (both NULL when nothing
 * is pinned there), -errno.
 */
static int link_pinned_update(struct enf_egress *e, enum hook h,
			      const char *path, struct bpf_program *prog,
			      struct bpf_link **kept, struct bpf_link **stale)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct bpf_link *link;
	int err;

	*kept = NULL;
	*stale = NULL;
	/* Asked first: libbpf would log a missing pin as a failure. */
	if (access(path, F_OK)) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		pr_warn("egress: %s: %s", path, strerror(-err));
		return err;
	}
	link = bpf_link__open(path);
	if (!link) {
		err = -errno;
		pr_warn("egress: opening pinned link %s: %s", path,
			strerror(-err));
		return err;
	}
	err = bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len);
	if (err) {
		pr_warn("egress: reading pinned link %s: %s", path,
			strerror(-err));
		bpf_link__destroy(link); /* closes our fd; the pin stays */
		return err;
	}
	/* A removed cgroup leaves the link defunct, with cgroup id 0. */
	if (info.type != BPF_LINK_TYPE_CGROUP ||
	    info.cgroup.attach_type != hook_attach_type[h] ||
	    info.cgroup.cgroup_id != e->info.cgroup_id) {
		pr_info("egress: pinned link %s (cgroup %llu) is not on %s (cgroup %llu): replacing it",
			path, (unsigned long long)info.cgroup.cgroup_id,
			e->info.cgroup_path,
			(unsigned long long)e->info.cgroup_id);
		*stale = link;
		return 0;
	}
	err = bpf_link__update_program(link, prog);
	if (err) {
		pr_warn("egress: updating pinned link %s: %s; replacing it",
			path, strerror(-err));
		*stale = link;
		return 0;
	}
	pr_debug("egress: pinned link %s (id %u) updated", path, info.id);
	*kept = link;
	return 0;
}

/*
 * A new link of @prog on the cgroup, pinned at @path (NULL: not pinned)
 * in place of @stale's pin, if any. The new pin is made under a temporary
 * name (bpffs refuses a '.' in a name) and renamed over the old one, so
 * @path always names a link and a failure leaves the old pin as it was.
 * @stale is then detached (BPF_LINK_DETACH) rather than left to its last
 * reference, whose release the kernel defers: its cgroup has lost the
 * program when this returns. @stale is freed in every case.
 */
static int link_create(struct enf_egress *e, const char *path,
		       struct bpf_program *prog, struct bpf_link *stale,
		       struct bpf_link **out)
{
	char tmp[PATH_MAX];
	struct bpf_link *link;
	int cg_fd, err;

	*out = NULL;
	cg_fd = open(e->info.cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		pr_warn("egress: opening %s: %s", e->info.cgroup_path,
			strerror(-err));
		goto out_stale;
	}
	link = bpf_program__attach_cgroup(prog, cg_fd);
	if (!link) {
		err = -errno;
		pr_warn("egress: attaching %s to %s: %s",
			bpf_program__name(prog), e->info.cgroup_path,
			strerror(-err));
		goto out_close;
	}
	if (path) {
		if (snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, path) >=
		    (int)sizeof(tmp)) {
			err = -ENAMETOOLONG;
			goto out_destroy;
		}
		unlink(tmp); /* a run that died between pin and rename */
		err = bpf_link__pin(link, tmp);
		if (err) {
			pr_warn("egress: pinning link %s: %s", tmp,
				strerror(-err));
			goto out_destroy;
		}
		if (rename(tmp, path)) {
			err = -errno;
			pr_warn("egress: renaming %s to %s: %s", tmp, path,
				strerror(-err));
			unlink(tmp);
			goto out_destroy;
		}
	}
	if (stale) {
		err = bpf_link__detach(stale);
		if (err)
			pr_debug("egress: detaching the replaced link: %s",
				 strerror(-err));
	}
	*out = link;
	err = 0;
	goto out_close;

out_destroy:
	bpf_link__destroy(link);
out_close:
	close(cg_fd);
out_stale:
	bpf_link__destroy(stale); /* closes our fd */
	return err;
}

static int link_attach(struct enf_egress *e, enum hook h,
		       struct bpf_program *prog)
{
	struct bpf_link *stale = NULL;
	char path[PATH_MAX];
	int err;

	if (e->pin_dir[0]) {
		err = path_join(path, sizeof(path), e->pin_dir,
				link_pin_name[h]);
		if (err)
			return err;
		err = link_pinned_update(e, h, path, prog, &e->link[h], &stale);
		if (err)
			return err;
		if (e->link[h])
			e->info.link_updated[h] = true;
	}
	if (!e->link[h]) {
		err = link_create(e, e->pin_dir[0] ? path : NULL, prog, stale,
				  &e->link[h]);
		if (err)
			return err;
	}
	e->info.link_id[h] = link_id_of(e->link[h]);
	return 0;
}

/* ---- open, close, detach ------------------------------------------------- */

int enf_egress_open(const struct enf_egress_opts *opts, struct enf_egress **out)
{
	struct bpf_program *progs[HOOK_COUNT];
	__u32 entries = ENF_EGRESS_DENY_MAX;
	bool stats_reused;
	struct enf_egress *e;
	int err;

	*out = NULL;
	if (opts && opts->entries)
		entries = opts->entries;
	if (opts && opts->pin_dir) {
		if (strlen(opts->pin_dir) >= PATH_MAX - NAME_MAX - 1)
			return -ENAMETOOLONG;
		err = enf_bpffs_ensure(opts->pin_dir);
		if (err)
			return err;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->deny_fd = -1;
	e->stats_fd = -1;
	e->info.entries = entries;
	if (opts && opts->pin_dir) {
		snprintf(e->pin_dir, sizeof(e->pin_dir), "%s", opts->pin_dir);
		e->info.pinned = true;
	}
	err = cgroup_resolve(e, opts ? opts->cgroup_path : NULL);
	if (err)
		goto out_close;

	e->skel = egress__open();
	if (!e->skel) {
		err = -errno;
		pr_warn("egress: opening the BPF object: %s", strerror(-err));
		goto out_close;
	}
	err = map_prepare(e, e->skel->maps.egress_deny, entries,
			  &e->info.map_reused);
	if (err)
		goto out_close;
	err = map_prepare(e, e->skel->maps.egress_stats, ENF_EGRESS_STAT_MAX,
			  &stats_reused);
	if (err)
		goto out_close;
	err = egress__load(e->skel);
	if (err) {
		pr_warn("egress: loading the programs: %s", strerror(-err));
		goto out_close;
	}
	e->deny_fd = bpf_map__fd(e->skel->maps.egress_deny);
	e->stats_fd = bpf_map__fd(e->skel->maps.egress_stats);
	err = map_pin(e, e->skel->maps.egress_deny, e->info.map_reused);
	err = err ?: map_pin(e, e->skel->maps.egress_stats, stats_reused);
	if (err)
		goto out_close;

	progs[HOOK_CONNECT4] = e->skel->progs.egress_connect4;
	progs[HOOK_CONNECT6] = e->skel->progs.egress_connect6;
	for (int h = 0; h < HOOK_COUNT; h++) {
		err = link_attach(e, h, progs[h]);
		if (err)
			goto out_close;
	}
	pr_info("egress: enforcing on %s (cgroup %llu)%s%s",
		e->info.cgroup_path, (unsigned long long)e->info.cgroup_id,
		e->info.map_reused ? ", pinned entries reused" : "",
		e->info.link_updated[HOOK_CONNECT4] ? ", pinned links updated" :
						      "");
	*out = e;
	return 0;

out_close:
	/* What was pinned stays: an earlier run's links still enforce. */
	enf_egress_close(e);
	return err;
}

void enf_egress_close(struct enf_egress *e)
{
	if (!e)
		return;
	/* A pinned link only loses our fd. A private one is detached at
	 * once, not when the kernel gets round to releasing it. */
	for (int h = 0; h < HOOK_COUNT; h++) {
		if (e->link[h] && !e->pin_dir[0])
			bpf_link__detach(e->link[h]);
		bpf_link__destroy(e->link[h]);
	}
	egress__destroy(e->skel);
	free(e);
}

/* Unlinks <pin>/@name, a missing one being fine. Return: 0, -errno. */
static int unpin(const struct enf_egress *e, const char *name)
{
	char path[PATH_MAX];
	int err;

	err = path_join(path, sizeof(path), e->pin_dir, name);
	if (err)
		return err;
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("egress: unpinning %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

int enf_egress_detach(struct enf_egress *e)
{
	int err = 0, ret;

	for (int h = 0; h < HOOK_COUNT; h++) {
		if (!e->link[h])
			continue;
		/* BPF_LINK_DETACH: off the cgroup whoever else holds it. */
		ret = bpf_link__detach(e->link[h]);
		if (ret) {
			pr_warn("egress: detaching %s: %s", link_pin_name[h],
				strerror(-ret));
			err = err ?: ret;
		}
	}
	if (!e->pin_dir[0])
		return err;
	for (int h = 0; h < HOOK_COUNT; h++) {
		char tmp[NAME_MAX];

		ret = unpin(e, link_pin_name[h]);
		err = err ?: ret;
		/* One a run left between pin and rename, attached still. */
		snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, link_pin_name[h]);
		ret = unpin(e, tmp);
		err = err ?: ret;
	}
	ret = unpin(e, ENF_MAP_EGRESS_DENY);
	err = err ?: ret;
	ret = unpin(e, ENF_MAP_EGRESS_STATS);
	err = err ?: ret;
	return err;
}

/* ---- entries ------------------------------------------------------------- */

static const __u8 v4mapped_prefix[12] = { 0, 0, 0, 0, 0,    0,
					  0, 0, 0, 0, 0xff, 0xff };

static int key_of(__u64 cgroup_id, int family, const void *addr, __u16 port_be,
		  struct enf_egress_key *k)
{
	const __u8 *a = addr;

	if (!cgroup_id || !addr)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->cgroup_id = cgroup_id;
	k->port = port_be;
	switch (family) {
	case AF_INET:
		k->family = ENF_FAMILY_V4;
		memcpy(k->addr, a, 4);
		return 0;
	case AF_INET6:
		/* Where egress_connect6 looks a v4-mapped address up. */
		if (!memcmp(a, v4mapped_prefix, sizeof(v4mapped_prefix))) {
			k->family = ENF_FAMILY_V4;
			memcpy(k->addr, a + 12, 4);
			return 0;
		}
		k->family = ENF_FAMILY_V6;
		memcpy(k->addr, a, 16);
		return 0;
	default:
		return -EINVAL;
	}
}

int enf_egress_add(struct enf_egress *e, __u64 cgroup_id, int family,
		   const void *addr, __u16 port_be, __u32 rule_id)
{
	struct enf_egress_value v = { .rule_id = rule_id };
	struct enf_egress_key k;
	int err;

	err = key_of(cgroup_id, family, addr, port_be, &k);
	if (err)
		return err;
	return bpf_map_update_elem(e->deny_fd, &k, &v, BPF_ANY);
}

int enf_egress_add_many(struct enf_egress *e,
			const struct enf_egress_entry *ents, size_t n, int *err)
{
	struct enf_egress_value *v = calloc(n ? n : 1, sizeof(*v));
	struct enf_egress_key *k = calloc(n ? n : 1, sizeof(*k));
	size_t *at = calloc(n ? n : 1, sizeof(*at));
	int *res = calloc(n ? n : 1, sizeof(*res));
	size_t m = 0;

	if (!v || !k || !at || !res) {
		for (size_t j = 0; j < n; j++)
			err[j] = -ENOMEM;
		free(v);
		free(k);
		free(at);
		free(res);
		return -ENOMEM;
	}
	for (size_t j = 0; j < n; j++) {
		err[j] = key_of(ents[j].cgroup_id, ents[j].family, ents[j].addr,
				ents[j].port, &k[m]);
		if (err[j])
			continue;
		v[m] = (struct enf_egress_value){ .rule_id = ents[j].rule_id };
		at[m++] = j;
	}
	enf_map_update_many(e->deny_fd, k, sizeof(*k), v, sizeof(*v), m, res);
	for (size_t j = 0; j < m; j++)
		err[at[j]] = res[j];
	free(res);
	free(v);
	free(k);
	free(at);
	return 0;
}

int enf_egress_del(struct enf_egress *e, __u64 cgroup_id, int family,
		   const void *addr, __u16 port_be)
{
	struct enf_egress_key k;
	int err;

	err = key_of(cgroup_id, family, addr, port_be, &k);
	if (err)
		return err;
	return bpf_map_delete_elem(e->deny_fd, &k);
}

int enf_egress_lookup(struct enf_egress *e, __u64 cgroup_id, int family,
		      const void *addr, __u16 port_be,
		      struct enf_egress_value *v)
{
	struct enf_egress_value val;
	struct enf_egress_key k;
	int err;

	err = key_of(cgroup_id, family, addr, port_be, &k);
	if (err)
		return err;
	err = bpf_map_lookup_elem(e->deny_fd, &k, &val);
	if (!err && v)
		*v = val;
	return err;
}

/*
 * Reads every entry in batches, calling @fn per entry (NULL: only counts
 * into *@n). @fn may delete the entry it is given: its bucket is behind
 * the scan. A bucket longer than the batch (-ENOSPC) doubles it, up to
 * the map's size.
 */
static int deny_scan(struct enf_egress *e, enf_egress_cb fn, void *ctx,
		     __u32 *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct enf_egress_key *keys = NULL;
	struct enf_egress_value *vals = NULL;
	__u32 batch = SCAN_BATCH, total = 0;
	__u64 in = 0, out = 0;
	bool first = true, last = false;
	int err = 0;

	if (batch > e->info.entries)
		batch = e->info.entries;
	while (!last) {
		__u32 count = batch;

		if (!keys) {
			keys = calloc(batch, sizeof(*keys));
			vals = calloc(batch, sizeof(*vals));
			if (!keys || !vals) {
				err = -ENOMEM;
				goto out_free;
			}
		}
		err = bpf_map_lookup_batch(e->deny_fd, first ? NULL : &in, &out,
					   keys, vals, &count, &opts);
		if (err == -ENOSPC && count == 0 && batch < e->info.entries) {
			batch = batch * 2 > e->info.entries ? e->info.entries :
							      batch * 2;
			free(keys);
			free(vals);
			keys = NULL;
			vals = NULL;
			continue;
		}
		if (err == -ENOENT) /* the last batch, maybe empty */
			last = true;
		else if (err)
			goto out_free;
		err = 0;
		first = false;
		in = out;
		total += count;
		for (__u32 i = 0; fn && i < count && !err; i++) {
			struct enf_egress_entry ent = {
				.cgroup_id = keys[i].cgroup_id,
				.family = keys[i].family == ENF_FAMILY_V4 ?
						  AF_INET :
						  AF_INET6,
				.port = keys[i].port,
				.rule_id = vals[i].rule_id,
			};

			memcpy(ent.addr, keys[i].addr, sizeof(ent.addr));
			err = fn(&ent, ctx);
		}
		if (err)
			goto out_free;
	}
	if (n)
		*n = total;

out_free:
	free(keys);
	free(vals);
	return err;
}

int enf_egress_foreach(struct enf_egress *e, enf_egress_cb cb, void *ctx)
{
	return deny_scan(e, cb, ctx, NULL);
}

int enf_egress_count(struct enf_egress *e, __u32 *count)
{
	return deny_scan(e, NULL, NULL, count);
}

int enf_egress_stats(struct enf_egress *e, struct enf_egress_counters *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	memset(out, 0, sizeof(*out));
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < ENF_EGRESS_STAT_MAX; i++) {
		err = bpf_map_lookup_elem(e->stats_fd, &i, vals);
		if (err)
			break;
		for (int c = 0; c < ncpu; c++)
			out->count[i] += vals[c];
		out->denied += out->count[i];
	}
	free(vals);
	return err;
}

int enf_egress_info(const struct enf_egress *e, struct enf_egress_info *out)
{
	*out = e->info;
	return 0;
}
