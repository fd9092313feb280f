// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XDP data plane (enforcer/loader/dataplane.h): the host maps, and per
 * interface xdp_host in the driver or the stack, plus xdp_offload in the
 * NIC where the device offers offload.
 *
 * Identity: a program on an interface is enforcer's own when its name is
 * "xdp_host" or "xdp_offload" and it is one this handle loaded, one pinned
 * under <pin>/<ifname>/ (an earlier run), or (xdp_host) it uses one of this
 * handle's host maps (the pinned ones, reused). Anything else is foreign:
 * never replaced, never removed.
 *
 * Flow marks (enforcer/xdp.h, ENF_DENY_F_FLOWS): xdp_host looks deny_flow
 * up only for a source whose host deny_src4/6 entry carries F_FLOWS, so
 * every host deny_flow entry has its source marked, by a marker entry
 * (F_MARK | F_FLOWS) when the source is not denied itself. The handle
 * counts the flows of each source (flow_srcs, rebuilt from the pinned
 * deny_flow at open) to know when the last one goes. The count is the
 * truth the marks follow: a source entry carries F_FLOWS exactly when its
 * count is not zero. NIC maps and deny_spill never carry flags.
 *
 * deny_fast4 (enforcer/xdp.h; placement in fast4.h): every write to the
 * host deny_src4 goes through src_write()/src_remove(), which keep the
 * table in step: an entry added or changed goes into deny_src4 first,
 * then its slot; one deleted leaves its slot first, then deny_src4. An
 * entry the table cannot place stays in deny_src4 alone and is counted in
 * dp_config, which xdp_host reads to know whether a miss in the table
 * needs a deny_src4 lookup. The table is derived state, never reused: each
 * open builds a new one from deny_src4 (after telling an earlier run's
 * programs, through their dp_config, to use deny_src4 alone until they are
 * replaced), and every xdp_host this handle loads uses it; attach replaces
 * an earlier run's program atomically.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <net/if.h>
#include <search.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer/common/hash.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/fast4.h"
#include "enforcer/loader/mapbatch.h"
#include "xdp_host.skel.h"
#include "xdp_offload.skel.h"

/* The kernel's internal "not supported" (offloaded maps answer it). */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

#define HOST_PROG_NAME "xdp_host"
#define OFFLOAD_PROG_NAME "xdp_offload"
/* Map ids read from a program on an interface to tell whether it is ours. */
#define MAX_PROG_MAPS 16

/* The host maps, shared by every interface. */
enum hmap {
	HM_SRC4 = 0,
	HM_SRC6,
	HM_FLOW,
	HM_CIDR4,
	HM_CIDR6,
	HM_SPILL,
	HM_COUNT,
};

/* The NIC maps of one offloaded interface; the first three mirror HM_*. */
enum nmap {
	NM_SRC4 = 0,
	NM_SRC6,
	NM_FLOW,
	NM_STATS,
	NM_COUNT,
};

struct map_spec {
	const char *name;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 flags;
	__u32 max_entries; /* default; 0: the configured host_entries */
};

static const struct map_spec host_spec[HM_COUNT] = {
	[HM_SRC4] = { ENF_MAP_DENY_SRC4, BPF_MAP_TYPE_HASH, sizeof(__u32),
		      sizeof(struct enf_deny_value), 0, ENF_DENY_SRC4_MAX },
	[HM_SRC6] = { ENF_MAP_DENY_SRC6, BPF_MAP_TYPE_HASH,
		      sizeof(struct enf_in6_key), sizeof(struct enf_deny_value),
		      0, ENF_DENY_SRC6_MAX },
	[HM_FLOW] = { ENF_MAP_DENY_FLOW, BPF_MAP_TYPE_HASH,
		      sizeof(struct enf_tuple), sizeof(struct enf_deny_value),
		      0, ENF_DENY_FLOW_MAX },
	[HM_CIDR4] = { ENF_MAP_DENY_CIDR4, BPF_MAP_TYPE_LPM_TRIE,
		       sizeof(struct enf_cidr4_key),
		       sizeof(struct enf_deny_value), BPF_F_NO_PREALLOC,
		       ENF_DENY_CIDR4_MAX },
	[HM_CIDR6] = { ENF_MAP_DENY_CIDR6, BPF_MAP_TYPE_LPM_TRIE,
		       sizeof(struct enf_cidr6_key),
		       sizeof(struct enf_deny_value), BPF_F_NO_PREALLOC,
		       ENF_DENY_CIDR6_MAX },
	[HM_SPILL] = { ENF_MAP_DENY_SPILL, BPF_MAP_TYPE_HASH,
		       sizeof(struct enf_spill_key),
		       sizeof(struct enf_deny_value), 0, ENF_DENY_SPILL_MAX },
};

static const struct map_spec nic_spec[NM_COUNT] = {
	[NM_SRC4] = { ENF_MAP_DENY_SRC4, BPF_MAP_TYPE_HASH, sizeof(__u32),
		      sizeof(struct enf_deny_value), 0, 0 },
	[NM_SRC6] = { ENF_MAP_DENY_SRC6, BPF_MAP_TYPE_HASH,
		      sizeof(struct enf_in6_key), sizeof(struct enf_deny_value),
		      0, 0 },
	[NM_FLOW] = { ENF_MAP_DENY_FLOW, BPF_MAP_TYPE_HASH,
		      sizeof(struct enf_tuple), sizeof(struct enf_deny_value),
		      0, 0 },
	[NM_STATS] = { ENF_MAP_XDP_STATS, BPF_MAP_TYPE_ARRAY, sizeof(__u32),
		       sizeof(struct enf_xdp_nic_stats), 0, 1 },
};

/* The per-CPU counters of one xdp_host load. */
static const struct map_spec host_stats_spec = { ENF_MAP_HOST_STATS,
						 BPF_MAP_TYPE_PERCPU_ARRAY,
						 sizeof(__u32),
						 sizeof(__u64),
						 0,
						 ENF_XDP_STAT_MAX };

/* Names pinned under <pin>/<ifname>/. */
static const char *const iface_pins[] = {
	HOST_PROG_NAME,	   ENF_MAP_HOST_STATS, OFFLOAD_PROG_NAME,
	ENF_MAP_DENY_SRC4, ENF_MAP_DENY_SRC6,  ENF_MAP_DENY_FLOW,
	ENF_MAP_XDP_STATS,
};

/* XDP attach slots of one interface, in bpf_xdp_query() terms. */
enum slot_kind {
	SL_HW = 0,
	SL_DRV,
	SL_SKB,
	SL_COUNT,
};

static const __u32 slot_flag[SL_COUNT] = {
	[SL_HW] = XDP_FLAGS_HW_MODE,
	[SL_DRV] = XDP_FLAGS_DRV_MODE,
	[SL_SKB] = XDP_FLAGS_SKB_MODE,
};

static const char *const slot_name[SL_COUNT] = {
	[SL_HW] = "hw",
	[SL_DRV] = "native",
	[SL_SKB] = "generic",
};

struct dp_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	enum enf_xdp_mode mode;
	struct xdp_host *host; /* in SL_DRV or SL_SKB */
	__u32 host_id;
	struct xdp_offload *off; /* in SL_HW; NULL unless hw */
	__u32 off_id;
	int nic_fd[NM_COUNT]; /* -1 unless hw */
	__u32 nic_cap[3];
	__u64 spilled;
};

/*
 * A source with entries in the host deny_flow, and how many (a node of
 * enf_dp.flow_srcs, a tsearch() tree: balanced, so no choice of addresses
 * by a peer makes it slow).
 */
struct flow_src {
	__u8 family; /* ENF_FAMILY_V4 or ENF_FAMILY_V6 */
	__u8 addr[16]; /* IPv4 in the first 4 bytes, the rest zero */
	__u32 flows;
};

struct enf_dp {
	/* Verdicts (event thread) and operators (control thread) write deny
	 * entries at once; this orders them and guards @ifaces' counters
	 * and @flow_srcs. */
	pthread_mutex_t lock;
	char pin_dir[PATH_MAX]; /* "" when nothing is pinned */
	int host_fd[HM_COUNT];
	__u32 host_id[HM_COUNT];
	__u32 host_max[HM_COUNT];
	size_t n_ifaces;
	struct dp_iface ifaces[ENF_DP_MAX_IFACES];
	/* Sources of the host deny_flow entries (struct flow_src); at most
	 * host_max[HM_FLOW] of them, as each has a flow there. */
	void *flow_srcs;
	__u32 n_flow_srcs;
	/* deny_fast4, mapped (fast4.slots NULL until built at open), and
	 * dp_config; both new at each open. */
	struct enf_fast4 fast4;
	int fast4_fd;
	int config_fd;
	__u32 config_overflow; /* src4_overflow as last written */
};

/* What is attached in one slot, as enf_dp_attach() found it. */
struct slot {
	__u32 id; /* 0: nothing */
	int fd; /* our reference to it, -1 if none */
	bool detached; /* we took it off; put it back if all else fails */
};

const char *enf_xdp_mode_name(enum enf_xdp_mode mode)
{
	switch (mode) {
	case ENF_XDP_MODE_AUTO:
		return "auto";
	case ENF_XDP_MODE_HW:
		return "hw";
	case ENF_XDP_MODE_NATIVE:
		return "native";
	case ENF_XDP_MODE_GENERIC:
		return "generic";
	}
	return "?";
}

int enf_xdp_mode_parse(const char *s, enum enf_xdp_mode *out)
{
	static const enum enf_xdp_mode all[] = {
		ENF_XDP_MODE_AUTO,
		ENF_XDP_MODE_HW,
		ENF_XDP_MODE_NATIVE,
		ENF_XDP_MODE_GENERIC,
	};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (s && !strcmp(s, enf_xdp_mode_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	}
	return -EINVAL;
}

static int path_join(char *buf, size_t size, const char *dir, const char *a,
		     const char *b)
{
	int n;

	if (b)
		n = snprintf(buf, size, "%s/%s/%s", dir, a, b);
	else
		n = snprintf(buf, size, "%s/%s", dir, a);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* The pinned map of @s's layout with @max_entries (enf_bpffs_map_get()). */
static int pinned_map_get(const char *path, const struct map_spec *s,
			  __u32 max_entries)
{
	const struct enf_map_layout want = {
		.type = s->type,
		.key_size = s->key_size,
		.value_size = s->value_size,
		.flags = s->flags,
		.max_entries = max_entries,
	};

	return enf_bpffs_map_get(path, &want);
}

static int map_id(int fd, __u32 *id, __u32 *max_entries)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	*id = info.id;
	if (max_entries)
		*max_entries = info.max_entries;
	return 0;
}

/* Reuses the pinned host map @m or creates (and pins) it. */
static int host_map_open(struct enf_dp *dp, enum hmap m, __u32 max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = host_spec[m].flags);
	const struct map_spec *s = &host_spec[m];
	char path[PATH_MAX];
	int fd, err;

	if (dp->pin_dir[0]) {
		err = path_join(path, sizeof(path), dp->pin_dir, s->name, NULL);
		if (err)
			return err;
		fd = pinned_map_get(path, s, max_entries);
		if (fd >= 0) {
			pr_debug("reusing pinned map %s", path);
			goto out_ok;
		}
		if (fd != -ENOENT)
			return fd;
	}
	fd = bpf_map_create(s->type, s->name, s->key_size, s->value_size,
			    max_entries, &opts);
	if (fd < 0) {
		err = -errno;
		pr_warn("creating map %s (%u entries): %s", s->name,
			max_entries, strerror(-err));
		return err;
	}
	if (dp->pin_dir[0] && bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_warn("pinning map %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
out_ok:
	dp->host_fd[m] = fd;
	return map_id(fd, &dp->host_id[m], &dp->host_max[m]);
}

static void iface_init(struct dp_iface *ifc)
{
	memset(ifc, 0, sizeof(*ifc));
	for (int i = 0; i < NM_COUNT; i++)
		ifc->nic_fd[i] = -1;
}

static void iface_free(struct dp_iface *ifc)
{
	xdp_host__destroy(ifc->host);
	xdp_offload__destroy(ifc->off);
	for (int i = 0; i < NM_COUNT; i++)
		if (ifc->nic_fd[i] >= 0)
			close(ifc->nic_fd[i]);
	iface_init(ifc);
}

static int flow_marks_rebuild(struct enf_dp *dp);
static int fast4_retire_pinned(struct enf_dp *dp);
static int fast4_open(struct enf_dp *dp);

int enf_dp_open(const struct enf_dp_opts *opts, struct enf_dp **out)
{
	struct enf_dp *dp;
	int err;

	*out = NULL;
	if (opts && opts->pin_dir) {
		if (strlen(opts->pin_dir) >= PATH_MAX - 2 * NAME_MAX)
			return -ENAMETOOLONG;
		err = enf_bpffs_ensure(opts->pin_dir);
		if (err)
			return err;
	}
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	pthread_mutex_init(&dp->lock, NULL);
	for (int m = 0; m < HM_COUNT; m++)
		dp->host_fd[m] = -1;
	dp->fast4_fd = -1;
	dp->config_fd = -1;
	for (size_t i = 0; i < ENF_DP_MAX_IFACES; i++)
		iface_init(&dp->ifaces[i]);
	if (opts && opts->pin_dir)
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", opts->pin_dir);

	for (int m = 0; m < HM_COUNT; m++) {
		__u32 n = host_spec[m].max_entries;

		if (opts && opts->host_entries && m != HM_CIDR4 &&
		    m != HM_CIDR6)
			n = opts->host_entries;
		err = host_map_open(dp, m, n);
		if (err)
			goto out_close;
	}
	/* An earlier run's xdp_host reads deny_src4 alone from here until
	 * attach replaces it: its table is no longer kept in step. */
	err = fast4_retire_pinned(dp);
	if (err)
		goto out_close;
	err = flow_marks_rebuild(dp);
	if (err)
		goto out_close;
	/* From the final deny_src4, marks included. */
	err = fast4_open(dp);
	if (err)
		goto out_close;
	*out = dp;
	return 0;

out_close:
	enf_dp_close(dp);
	return err;
}

void enf_dp_close(struct enf_dp *dp)
{
	if (!dp)
		return;
	for (size_t i = 0; i < dp->n_ifaces; i++)
		iface_free(&dp->ifaces[i]);
	for (int m = 0; m < HM_COUNT; m++)
		if (dp->host_fd[m] >= 0)
			close(dp->host_fd[m]);
	if (dp->fast4.slots)
		munmap(dp->fast4.slots, enf_fast4_bytes(dp->fast4.bits));
	if (dp->fast4_fd >= 0)
		close(dp->fast4_fd);
	if (dp->config_fd >= 0)
		close(dp->config_fd);
	tdestroy(dp->flow_srcs, free);
	pthread_mutex_destroy(&dp->lock);
	free(dp);
}

/* ---- loading ------------------------------------------------------------ */

/* Counters of an interface's xdp_host survive a restart through their pin. */
static int host_stats_reuse(struct enf_dp *dp, const char *ifname,
			    struct bpf_map *map)
{
	char path[PATH_MAX];
	int fd, err;

	if (!dp->pin_dir[0])
		return 0;
	err = path_join(path, sizeof(path), dp->pin_dir, ifname,
			ENF_MAP_HOST_STATS);
	if (err)
		return err;
	fd = pinned_map_get(path, &host_stats_spec, ENF_XDP_STAT_MAX);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err;
}

static int host_prog_load(struct enf_dp *dp, const char *ifname,
			  bool check_primary, struct xdp_host **out)
{
	struct xdp_host *skel;
	struct bpf_map *maps[HM_COUNT];
	int err;

	skel = xdp_host__open();
	if (!skel) {
		err = -errno;
		pr_warn("opening the xdp_host BPF object: %s", strerror(-err));
		return err;
	}
	skel->rodata->check_primary = check_primary;
	skel->rodata->fast4_bits = dp->fast4.bits;
	maps[HM_SRC4] = skel->maps.deny_src4;
	maps[HM_SRC6] = skel->maps.deny_src6;
	maps[HM_FLOW] = skel->maps.deny_flow;
	maps[HM_CIDR4] = skel->maps.deny_cidr4;
	maps[HM_CIDR6] = skel->maps.deny_cidr6;
	maps[HM_SPILL] = skel->maps.deny_spill;
	for (int m = 0; m < HM_COUNT; m++) {
		err = bpf_map__reuse_fd(maps[m], dp->host_fd[m]);
		if (err)
			goto out_destroy;
	}
	err = bpf_map__reuse_fd(skel->maps.deny_fast4, dp->fast4_fd);
	err = err ?: bpf_map__reuse_fd(skel->maps.dp_config, dp->config_fd);
	if (err)
		goto out_destroy;
	err = host_stats_reuse(dp, ifname, skel->maps.host_stats);
	if (err)
		goto out_destroy;
	err = xdp_host__load(skel);
	if (err) {
		pr_warn("%s: loading xdp_host: %s", ifname, strerror(-err));
		goto out_destroy;
	}
	*out = skel;
	return 0;

out_destroy:
	xdp_host__destroy(skel);
	return err;
}

/* Errors by which a device says a map is too big or it holds no more. */
static bool nic_refused(int err)
{
	return err == -E2BIG || err == -ENOSPC || err == -ENOMEM ||
	       err == -EOPNOTSUPP || err == -ENOTSUPP;
}

/*
 * Creates the NIC maps of @ifc bound to its device, without BTF (an
 * offloaded map refuses it). xdp_stats first: a device without offload
 * refuses it at once. Each deny map asks for the host map's size and is
 * halved until the device takes it.
 */
static int nic_maps_create(struct enf_dp *dp, struct dp_iface *ifc)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_ifindex = ifc->ifindex);
	static const enum nmap order[] = { NM_STATS, NM_SRC4, NM_SRC6,
					   NM_FLOW };
	int err;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum nmap m = order[i];
		const struct map_spec *s = &nic_spec[m];
		__u32 n = m == NM_STATS ? 1 : dp->host_max[m];
		int fd;

		for (;;) {
			fd = bpf_map_create(s->type, s->name, s->key_size,
					    s->value_size, n, &opts);
			if (fd >= 0)
				break;
			err = -errno;
			if (m == NM_STATS) {
				/* The first map bound to the device: this is
				 * where a driver without offload says no.
				 */
				pr_info("%s: hw: the device takes no offloaded map (%s): its driver offers no BPF offload",
					ifc->name, strerror(-err));
				return err;
			}
			if (n <= 1 || !(nic_refused(err) || err == -EINVAL)) {
				pr_info("%s: hw: creating %s on the device (%u entries): %s",
					ifc->name, s->name, n, strerror(-err));
				return err;
			}
			n /= 2;
		}
		ifc->nic_fd[m] = fd;
		if (m != NM_STATS) {
			ifc->nic_cap[m] = n;
			pr_debug("%s: NIC map %s holds %u entries", ifc->name,
				 s->name, n);
		}
	}
	return 0;
}

static int offload_prog_load(struct dp_iface *ifc)
{
	struct bpf_map *maps[NM_COUNT];
	struct xdp_offload *skel;
	int err;

	skel = xdp_offload__open();
	if (!skel) {
		err = -errno;
		pr_warn("opening the xdp_offload BPF object: %s",
			strerror(-err));
		return err;
	}
	bpf_program__set_ifindex(skel->progs.xdp_offload, ifc->ifindex);
	maps[NM_SRC4] = skel->maps.deny_src4;
	maps[NM_SRC6] = skel->maps.deny_src6;
	maps[NM_FLOW] = skel->maps.deny_flow;
	maps[NM_STATS] = skel->maps.xdp_stats;
	for (int m = 0; m < NM_COUNT; m++) {
		err = bpf_map__reuse_fd(maps[m], ifc->nic_fd[m]);
		if (err)
			goto out_destroy;
	}
	err = xdp_offload__load(skel);
	if (err) {
		pr_info("%s: hw: loading xdp_offload for the device: %s",
			ifc->name, strerror(-err));
		goto out_destroy;
	}
	ifc->off = skel;
	return 0;

out_destroy:
	xdp_offload__destroy(skel);
	return err;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* Loads what mode @mode needs into @ifc (not attached yet). */
static int iface_load(struct enf_dp *dp, struct dp_iface *ifc,
		      enum enf_xdp_mode mode)
{
	int err;

	if (mode == ENF_XDP_MODE_HW) {
		err = nic_maps_create(dp, ifc);
		if (err)
			return err;
		err = offload_prog_load(ifc);
		if (err)
			return err;
		ifc->off_id = prog_id_of(
			bpf_program__fd(ifc->off->progs.xdp_offload));
	}
	err = host_prog_load(dp, ifc->name, mode != ENF_XDP_MODE_HW,
			     &ifc->host);
	if (err)
		return err;
	ifc->host_id = prog_id_of(bpf_program__fd(ifc->host->progs.xdp_host));
	ifc->mode = mode;
	return 0;
}

/* ---- attaching ---------------------------------------------------------- */

static __u32 pinned_prog_id(const struct enf_dp *dp, const char *ifname,
			    const char *name)
{
	char path[PATH_MAX];
	__u32 id;
	int fd;

	if (!dp->pin_dir[0] ||
	    path_join(path, sizeof(path), dp->pin_dir, ifname, name))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	id = prog_id_of(fd);
	close(fd);
	return id;
}

/*
 * Takes a reference on program @id and decides whether it is enforcer's.
 * Return: 0 with *@fd set (-1 when it vanished meanwhile), or -errno.
 */
static int prog_inspect(const struct enf_dp *dp, const char *ifname, __u32 id,
			int *fd, bool *ours, char name[BPF_OBJ_NAME_LEN])
{
	__u32 map_ids[MAX_PROG_MAPS] = {};
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	*ours = false;
	name[0] = '\0';
	*fd = bpf_prog_get_fd_by_id(id);
	if (*fd < 0) {
		err = -errno;
		*fd = -1;
		return err == -ENOENT ? 0 : err;
	}
	info.nr_map_ids = MAX_PROG_MAPS;
	info.map_ids = (__u64)(uintptr_t)map_ids;
	err = bpf_obj_get_info_by_fd(*fd, &info, &len);
	if (err) {
		close(*fd);
		*fd = -1;
		return err;
	}
	snprintf(name, BPF_OBJ_NAME_LEN, "%s", info.name);
	if (strcmp(info.name, HOST_PROG_NAME) &&
	    strcmp(info.name, OFFLOAD_PROG_NAME))
		return 0;
	for (size_t i = 0; i < dp->n_ifaces; i++)
		if (id == dp->ifaces[i].host_id || id == dp->ifaces[i].off_id)
			*ours = true;
	if (id == pinned_prog_id(dp, ifname, info.name))
		*ours = true;
	for (__u32 i = 0; i < info.nr_map_ids && i < MAX_PROG_MAPS; i++)
		for (int m = 0; m < HM_COUNT; m++)
			if (map_ids[i] == dp->host_id[m])
				*ours = true;
	return 0;
}

static void slots_release(struct slot s[SL_COUNT])
{
	for (int i = 0; i < SL_COUNT; i++) {
		if (s[i].fd >= 0)
			close(s[i].fd);
		s[i].fd = -1;
	}
}

/* Fills @s with what is on @ifindex; -EBUSY, said, if any is foreign. */
static int slots_read(const struct enf_dp *dp, const char *ifname, int ifindex,
		      struct slot s[SL_COUNT])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN];
	bool ours;
	int err;

	for (int i = 0; i < SL_COUNT; i++)
		s[i] = (struct slot){ .fd = -1 };
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_warn("%s: querying XDP: %s", ifname, strerror(-err));
		return err;
	}
	s[SL_HW].id = q.hw_prog_id;
	s[SL_DRV].id = q.drv_prog_id;
	s[SL_SKB].id = q.skb_prog_id;
	for (int i = 0; i < SL_COUNT; i++) {
		if (!s[i].id)
			continue;
		err = prog_inspect(dp, ifname, s[i].id, &s[i].fd, &ours, name);
		if (err) {
			pr_warn("%s: inspecting XDP program %u: %s", ifname,
				s[i].id, strerror(-err));
			goto out_release;
		}
		if (s[i].fd < 0) { /* gone since the query */
			s[i].id = 0;
			continue;
		}
		if (!ours) {
			pr_warn("%s: XDP program %u (\"%s\") in %s mode is not enforcer's; refusing to touch it",
				ifname, s[i].id, name, slot_name[i]);
			err = -EBUSY;
			goto out_release;
		}
	}
	return 0;

out_release:
	slots_release(s);
	return err;
}

/* Puts @prog_fd into slot @k: atomically in place of ours if one is there. */
static int slot_install(int ifindex, enum slot_kind k, struct slot *s,
			int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = s->fd);

	if (s->id && !s->detached)
		return bpf_xdp_attach(ifindex, prog_fd,
				      slot_flag[k] | XDP_FLAGS_REPLACE, &opts);
	return bpf_xdp_attach(ifindex, prog_fd,
			      slot_flag[k] | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
}

/* Takes program @prog_fd out of slot @k, only if it is still there. */
static int slot_remove(int ifindex, enum slot_kind k, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);

	return bpf_xdp_detach(ifindex, slot_flag[k] | XDP_FLAGS_REPLACE, &opts);
}

/* Undoes slot_install(): what was there before goes back, or nothing. */
static void slot_undo(const char *ifname, int ifindex, enum slot_kind k,
		      struct slot *s, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	int err;

	if (s->id && !s->detached)
		err = bpf_xdp_attach(ifindex, s->fd,
				     slot_flag[k] | XDP_FLAGS_REPLACE, &opts);
	else
		err = slot_remove(ifindex, k, prog_fd);
	if (err)
		pr_warn("%s: undoing the %s attach: %s", ifname, slot_name[k],
			strerror(-err));
}

/*
 * Attaches what iface_load() loaded for @ifc->mode. The kernel refuses
 * native and generic at once, so ours in the other one comes off first.
 */
static int iface_install(struct dp_iface *ifc, struct slot s[SL_COUNT])
{
	enum slot_kind hs = ifc->mode == ENF_XDP_MODE_GENERIC ? SL_SKB : SL_DRV;
	enum slot_kind other = hs == SL_DRV ? SL_SKB : SL_DRV;
	int host_fd = bpf_program__fd(ifc->host->progs.xdp_host);
	int off_fd = -1;
	int err;

	if (s[other].id && !s[other].detached) {
		err = slot_remove(ifc->ifindex, other, s[other].fd);
		if (err)
			return err;
		s[other].detached = true;
	}
	if (ifc->off) {
		off_fd = bpf_program__fd(ifc->off->progs.xdp_offload);
		err = slot_install(ifc->ifindex, SL_HW, &s[SL_HW], off_fd);
		if (err) {
			pr_info("%s: hw: attaching xdp_offload: %s", ifc->name,
				strerror(-err));
			return err;
		}
	}
	err = slot_install(ifc->ifindex, hs, &s[hs], host_fd);
	if (err) {
		if (ifc->off)
			slot_undo(ifc->name, ifc->ifindex, SL_HW, &s[SL_HW],
				  off_fd);
		return err;
	}
	/* An earlier run's NIC program is redundant once xdp_host checks
	 * everything itself.
	 */
	if (!ifc->off && s[SL_HW].id && !s[SL_HW].detached) {
		err = slot_remove(ifc->ifindex, SL_HW, s[SL_HW].fd);
		if (err)
			pr_warn("%s: removing the earlier xdp_offload %u from the NIC: %s",
				ifc->name, s[SL_HW].id, strerror(-err));
		else
			s[SL_HW].detached = true;
	}
	return 0;
}

/* After every mode failed: put back what iface_install() took off. */
static void slots_restore(const char *ifname, int ifindex,
			  struct slot s[SL_COUNT])
{
	for (int i = 0; i < SL_COUNT; i++) {
		int err;

		if (!s[i].detached)
			continue;
		err = bpf_xdp_attach(ifindex, s[i].fd,
				     slot_flag[i] | XDP_FLAGS_UPDATE_IF_NOEXIST,
				     NULL);
		if (err)
			pr_warn("%s: could not put back the earlier program %u in %s mode: %s",
				ifname, s[i].id, slot_name[i], strerror(-err));
		s[i].detached = false;
	}
}

static int pin_one(const char *dir, const char *name, int fd)
{
	char path[PATH_MAX];
	int err;

	err = path_join(path, sizeof(path), dir, name, NULL);
	if (err)
		return err;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	if (fd >= 0 && bpf_obj_pin(fd, path))
		return -errno;
	return 0;
}

/* Pins @ifc's objects under <pin>/<ifname>/, replacing an earlier run's. */
static int iface_pin(const struct enf_dp *dp, const struct dp_iface *ifc)
{
	char dir[PATH_MAX];
	int fds[sizeof(iface_pins) / sizeof(iface_pins[0])];
	int err;

	if (!dp->pin_dir[0])
		return 0;
	err = path_join(dir, sizeof(dir), dp->pin_dir, ifc->name, NULL);
	if (err)
		return err;
	err = enf_bpffs_ensure(dir);
	if (err)
		return err;
	fds[0] = bpf_program__fd(ifc->host->progs.xdp_host);
	fds[1] = bpf_map__fd(ifc->host->maps.host_stats);
	fds[2] = ifc->off ? bpf_program__fd(ifc->off->progs.xdp_offload) : -1;
	fds[3] = ifc->nic_fd[NM_SRC4];
	fds[4] = ifc->nic_fd[NM_SRC6];
	fds[5] = ifc->nic_fd[NM_FLOW];
	fds[6] = ifc->nic_fd[NM_STATS];
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		err = pin_one(dir, iface_pins[i], fds[i]);
		if (err) {
			pr_warn("%s: pinning %s under %s: %s", ifc->name,
				iface_pins[i], dir, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int nic_copy_map(struct enf_dp *dp, struct dp_iface *ifc, enum hmap m);

/* Tries @mode on @ifc (name and index set); on success @ifc is attached. */
static int try_mode(struct enf_dp *dp, struct dp_iface *ifc,
		    enum enf_xdp_mode mode, struct slot s[SL_COUNT])
{
	int err;

	err = iface_load(dp, ifc, mode);
	if (err)
		goto out_free;
	err = iface_install(ifc, s);
	if (err)
		goto out_free;
	return 0;

out_free:
	iface_free(ifc);
	return err;
}

static struct dp_iface *iface_by_name(struct enf_dp *dp, const char *ifname)
{
	for (size_t i = 0; i < dp->n_ifaces; i++)
		if (!strcmp(dp->ifaces[i].name, ifname))
			return &dp->ifaces[i];
	return NULL;
}

static void iface_forget(struct enf_dp *dp, struct dp_iface *ifc)
{
	size_t i = ifc - dp->ifaces;

	iface_free(ifc);
	memmove(&dp->ifaces[i], &dp->ifaces[i + 1],
		(dp->n_ifaces - i - 1) * sizeof(dp->ifaces[0]));
	dp->n_ifaces--;
	iface_init(&dp->ifaces[dp->n_ifaces]);
}

int enf_dp_attach(struct enf_dp *dp, const char *ifname, enum enf_xdp_mode want,
		  enum enf_xdp_mode *got)
{
	static const enum enf_xdp_mode auto_order[] = {
		ENF_XDP_MODE_HW,
		ENF_XDP_MODE_NATIVE,
		ENF_XDP_MODE_GENERIC,
	};
	enum enf_xdp_mode order[3];
	struct slot s[SL_COUNT];
	struct dp_iface fresh, *old;
	int n_order = 0, ifindex, err = 0;

	if (want == ENF_XDP_MODE_AUTO) {
		memcpy(order, auto_order, sizeof(order));
		n_order = 3;
	} else if (want == ENF_XDP_MODE_HW || want == ENF_XDP_MODE_NATIVE ||
		   want == ENF_XDP_MODE_GENERIC) {
		order[n_order++] = want;
	} else {
		return -EINVAL;
	}
	if (!ifname || strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/'))
		return -ENODEV;
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		pr_warn("%s: no such interface: %s", ifname, strerror(errno));
		return -ENODEV;
	}
	old = iface_by_name(dp, ifname);
	if (!old && dp->n_ifaces == ENF_DP_MAX_IFACES) {
		pr_warn("%s: already attached to %d interfaces", ifname,
			ENF_DP_MAX_IFACES);
		return -ENOSPC;
	}

	err = slots_read(dp, ifname, ifindex, s);
	if (err)
		return err;
	iface_init(&fresh);
	snprintf(fresh.name, sizeof(fresh.name), "%s", ifname);
	fresh.ifindex = ifindex;
	for (int i = 0; i < n_order; i++) {
		err = try_mode(dp, &fresh, order[i], s);
		if (!err)
			break;
		snprintf(fresh.name, sizeof(fresh.name), "%s", ifname);
		fresh.ifindex = ifindex;
		if (i + 1 < n_order)
			pr_info("%s: %s XDP failed (%s); trying %s", ifname,
				enf_xdp_mode_name(order[i]), strerror(-err),
				enf_xdp_mode_name(order[i + 1]));
	}
	if (err) {
		pr_warn("%s: attaching XDP (%s): %s", ifname,
			enf_xdp_mode_name(want), strerror(-err));
		slots_restore(ifname, ifindex, s);
		if (want == ENF_XDP_MODE_HW && err == -EINVAL)
			err = -EOPNOTSUPP;
		goto out_release;
	}

	if (old)
		iface_free(old);
	else
		old = &dp->ifaces[dp->n_ifaces++];
	*old = fresh;
	if (iface_pin(dp, old))
		pr_warn("%s: attached, but not pinned: enforcement stops with this process's maps gone",
			ifname);
	if (old->off) {
		for (enum hmap m = HM_SRC4; m <= HM_FLOW; m++)
			nic_copy_map(dp, old, m);
	}
	if (got)
		*got = old->mode;
	pr_info("%s: XDP attached in %s mode%s", ifname,
		enf_xdp_mode_name(old->mode),
		old->off ? " (xdp_offload in the NIC, xdp_host in the driver)" :
			   "");
out_release:
	slots_release(s);
	return err;
}

static int iface_detach(struct enf_dp *dp, struct dp_iface *ifc)
{
	enum slot_kind hs = ifc->mode == ENF_XDP_MODE_GENERIC ? SL_SKB : SL_DRV;
	char dir[PATH_MAX];
	int err = 0, e;

	e = slot_remove(ifc->ifindex, hs,
			bpf_program__fd(ifc->host->progs.xdp_host));
	if (e == -EEXIST)
		pr_warn("%s: the XDP program there is no longer ours; left in place",
			ifc->name);
	else if (e && e != -ENODEV)
		pr_warn("%s: detaching xdp_host: %s", ifc->name, strerror(-e));
	if (e && e != -ENODEV)
		err = e;
	if (ifc->off) {
		e = slot_remove(ifc->ifindex, SL_HW,
				bpf_program__fd(ifc->off->progs.xdp_offload));
		if (e && e != -ENODEV) {
			pr_warn("%s: detaching xdp_offload from the NIC: %s",
				ifc->name, strerror(-e));
			if (!err)
				err = e;
		}
	}
	if (dp->pin_dir[0] &&
	    !path_join(dir, sizeof(dir), dp->pin_dir, ifc->name, NULL)) {
		e = enf_bpffs_remove_dir(dir);
		if (e) {
			pr_warn("%s: removing pins under %s: %s", ifc->name,
				dir, strerror(-e));
			if (!err)
				err = e;
		}
	}
	if (!err)
		pr_info("%s: XDP detached", ifc->name);
	return err;
}

int enf_dp_detach(struct enf_dp *dp, const char *ifname)
{
	struct dp_iface *ifc = iface_by_name(dp, ifname);
	int err;

	if (!ifc)
		return -ENOENT;
	err = iface_detach(dp, ifc);
	iface_forget(dp, ifc);
	return err;
}

int enf_dp_detach_all(struct enf_dp *dp)
{
	int err = 0;

	while (dp->n_ifaces) {
		struct dp_iface *ifc = &dp->ifaces[dp->n_ifaces - 1];
		int e = iface_detach(dp, ifc);

		if (e && !err)
			err = e;
		iface_forget(dp, ifc);
	}
	return err;
}

int enf_dp_unpin_all(struct enf_dp *dp)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0, e;
	DIR *d;

	if (!dp->pin_dir[0])
		return 0;
	d = opendir(dp->pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* Interface directories an earlier run left, then the root. */
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		if (path_join(path, sizeof(path), dp->pin_dir, de->d_name,
			      NULL))
			continue;
		e = enf_bpffs_remove_dir(path);
		if (e && !err)
			err = e;
	}
	closedir(d);
	e = enf_bpffs_remove_dir(dp->pin_dir);
	if (e && !err)
		err = e;
	if (err)
		pr_warn("removing pins under %s: %s", dp->pin_dir,
			strerror(-err));
	return err;
}

/* ---- deny entries ------------------------------------------------------- */

union deny_key {
	__u32 v4;
	struct enf_in6_key v6;
	struct enf_cidr4_key c4;
	struct enf_cidr6_key c6;
	struct enf_tuple flow;
	/* map_count() walks deny_spill with this too: the largest key. */
	struct enf_spill_key spill;
};

static bool zero_bytes(const __u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Only keys the programs can build from a packet are worth storing. */
static bool tuple_valid(const struct enf_tuple *t)
{
	if (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP)
		return false;
	if (!zero_bytes(t->pad, sizeof(t->pad)))
		return false;
	if (t->family == ENF_FAMILY_V6)
		return true;
	return t->family == ENF_FAMILY_V4 && zero_bytes(t->saddr + 4, 12) &&
	       zero_bytes(t->daddr + 4, 12);
}

/* Host bits of a prefix must be zero, so one prefix has one key. */
static bool prefix_valid(const __u8 *addr, unsigned int alen, unsigned int plen)
{
	if (plen > alen * 8)
		return false;
	for (unsigned int bit = plen; bit < alen * 8; bit++)
		if (addr[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/*
 * The host map, key and (for SRC and FLOW) the NIC map and spill key of
 * @d. Return: 0 or -EINVAL.
 */
static int deny_key(const struct enf_deny *d, enum hmap *m, union deny_key *k,
		    struct enf_spill_key *sk)
{
	memset(k, 0, sizeof(*k));
	memset(sk, 0, sizeof(*sk));
	switch (d->kind) {
	case ENF_DENY_SRC:
		if (d->family == AF_INET) {
			*m = HM_SRC4;
			memcpy(&k->v4, d->addr, 4);
			sk->t.family = ENF_FAMILY_V4;
			memcpy(sk->t.saddr, d->addr, 4);
		} else if (d->family == AF_INET6) {
			*m = HM_SRC6;
			memcpy(k->v6.addr, d->addr, 16);
			sk->t.family = ENF_FAMILY_V6;
			memcpy(sk->t.saddr, d->addr, 16);
		} else {
			return -EINVAL;
		}
		sk->kind = ENF_SPILL_SRC;
		return 0;
	case ENF_DENY_CIDR:
		if (d->family == AF_INET &&
		    prefix_valid(d->addr, 4, d->prefixlen)) {
			*m = HM_CIDR4;
			k->c4.prefixlen = d->prefixlen;
			memcpy(k->c4.addr, d->addr, 4);
		} else if (d->family == AF_INET6 &&
			   prefix_valid(d->addr, 16, d->prefixlen)) {
			*m = HM_CIDR6;
			k->c6.prefixlen = d->prefixlen;
			memcpy(k->c6.addr, d->addr, 16);
		} else {
			return -EINVAL;
		}
		return 0;
	case ENF_DENY_FLOW:
		if (!tuple_valid(&d->flow))
			return -EINVAL;
		*m = HM_FLOW;
		k->flow = d->flow;
		sk->t = d->flow;
		sk->kind = ENF_SPILL_FLOW;
		return 0;
	}
	return -EINVAL;
}

/*
 * Writes one SRC or FLOW entry into @ifc's NIC map. Return: 1 when the
 * device refused it (counted; the caller spills it), 0, -errno.
 */
static int nic_write(struct dp_iface *ifc, enum hmap m, const void *key,
		     const struct enf_deny_value *v)
{
	int err = bpf_map_update_elem(ifc->nic_fd[m], key, v, BPF_ANY);

	if (!err)
		return 0;
	if (nic_refused(err)) {
		ifc->spilled++;
		pr_debug(
			"%s: the NIC refused a %s entry (%s); spilled to the host",
			ifc->name, host_spec[m].name, strerror(-err));
		return 1;
	}
	pr_warn("%s: writing the NIC's %s: %s", ifc->name, host_spec[m].name,
		strerror(-err));
	return err;
}

static int spill_key_of(enum hmap m, const void *key, struct enf_spill_key *sk)
{
	memset(sk, 0, sizeof(*sk));
	sk->kind = m == HM_FLOW ? ENF_SPILL_FLOW : ENF_SPILL_SRC;
	switch (m) {
	case HM_SRC4:
		sk->t.family = ENF_FAMILY_V4;
		memcpy(sk->t.saddr, key, 4);
		return 0;
	case HM_SRC6:
		sk->t.family = ENF_FAMILY_V6;
		memcpy(sk->t.saddr, key, 16);
		return 0;
	case HM_FLOW:
		memcpy(&sk->t, key, sizeof(sk->t));
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- flow marks --------------------------------------------------------- */

static int flow_src_cmp(const void *a, const void *b)
{
	const struct flow_src *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static void flow_src_of_tuple(const struct enf_tuple *t, struct flow_src *k)
{
	memset(k, 0, sizeof(*k));
	k->family = t->family;
	memcpy(k->addr, t->saddr, t->family == ENF_FAMILY_V4 ? 4 : 16);
}

/* @key: a key of host map @m, HM_SRC4 or HM_SRC6. */
static void flow_src_of_key(enum hmap m, const void *key, struct flow_src *k)
{
	memset(k, 0, sizeof(*k));
	k->family = m == HM_SRC4 ? ENF_FAMILY_V4 : ENF_FAMILY_V6;
	memcpy(k->addr, key, m == HM_SRC4 ? 4 : 16);
}

/* The host source map of @k; its key is k->addr (4 or 16 bytes used). */
static int flow_src_map_fd(const struct enf_dp *dp, const struct flow_src *k)
{
	return dp->host_fd[k->family == ENF_FAMILY_V4 ? HM_SRC4 : HM_SRC6];
}

static __u32 flow_src_count(struct enf_dp *dp, const struct flow_src *k)
{
	struct flow_src **n = tfind(k, &dp->flow_srcs, flow_src_cmp);

	return n ? (*n)->flows : 0;
}

/* One more flow from @k. Return: 0, -ENOMEM, -E2BIG past the bound. */
static int flow_src_inc(struct enf_dp *dp, const struct flow_src *k)
{
	struct flow_src **n = tfind(k, &dp->flow_srcs, flow_src_cmp);
	struct flow_src *fresh;

	if (n) {
		(*n)->flows++;
		return 0;
	}
	if (dp->n_flow_srcs >= dp->host_max[HM_FLOW])
		return -E2BIG;
	fresh = malloc(sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	*fresh = *k;
	fresh->flows = 1;
	if (!tsearch(fresh, &dp->flow_srcs, flow_src_cmp)) {
		free(fresh);
		return -ENOMEM;
	}
	dp->n_flow_srcs++;
	return 0;
}

/* One flow less from @k. Return: the flows from @k left. */
static __u32 flow_src_dec(struct enf_dp *dp, const struct flow_src *k)
{
	struct flow_src **n = tfind(k, &dp->flow_srcs, flow_src_cmp);
	struct flow_src *gone;

	if (!n)
		return 0;
	if (--(*n)->flows)
		return (*n)->flows;
	gone = *n;
	tdelete(k, &dp->flow_srcs, flow_src_cmp);
	free(gone);
	dp->n_flow_srcs--;
	return 0;
}

/* ---- deny_fast4 ---------------------------------------------------------- */

/* Writes dp_config: the table live, its overflow count. */
static int config_write(struct enf_dp *dp)
{
	const struct enf_dp_config c = {
		.fast4_live = 1,
		.src4_overflow = dp->fast4.overflow,
	};
	__u32 zero = 0;
	int err;

	err = bpf_map_update_elem(dp->config_fd, &zero, &c, BPF_ANY);
	if (err) {
		pr_warn("writing %s: %s", ENF_MAP_DP_CONFIG, strerror(-err));
		return err;
	}
	dp->config_overflow = c.src4_overflow;
	return 0;
}

/*
 * deny_src4 entry @key was written with @flags (@existed: it was there
 * before): its slot follows. Publishes a changed overflow count; when a
 * new entry overflowed and that cannot be published, the entry would go
 * unenforced, so it is taken out of deny_src4 again.
 */
static int fast4_put(struct enf_dp *dp, const void *key, __u32 flags,
		     bool existed)
{
	__u32 addr, before = dp->fast4.overflow;
	int ret, err;

	if (!dp->fast4.slots) /* not built yet: built from deny_src4 */
		return 0;
	memcpy(&addr, key, sizeof(addr));
	ret = enf_fast4_put(&dp->fast4, addr, flags & ENF_FAST4_FLAGS, existed);
	if (ret < 0)
		return ret;
	if (dp->fast4.overflow == dp->config_overflow)
		return 0;
	err = config_write(dp);
	if (!err || dp->fast4.overflow < before)
		return 0; /* a lower count not published: a lookup too many */
	if (!existed && !bpf_map_delete_elem(dp->host_fd[HM_SRC4], key))
		dp->fast4.overflow = before;
	return err;
}

/*
 * Writes @v as @key's entry in host source map @m with @bpf_flags
 * (BPF_ANY...), then, in deny_src4, its deny_fast4 slot. @existed: the
 * entry was there before. Return: 0, -errno.
 */
static int src_write(struct enf_dp *dp, enum hmap m, const void *key,
		     const struct enf_deny_value *v, __u64 bpf_flags,
		     bool existed)
{
	int err = bpf_map_update_elem(dp->host_fd[m], key, v, bpf_flags);

	if (err || m != HM_SRC4)
		return err;
	return fast4_put(dp, key, v->flags, existed);
}

/*
 * Deletes @key's entry (@v, there now) from host source map @m; in
 * deny_src4 its deny_fast4 slot goes first. Return: 0, -errno.
 */
static int src_remove(struct enf_dp *dp, enum hmap m, const void *key,
		      const struct enf_deny_value *v)
{
	__u32 addr;
	int err;

	if (m != HM_SRC4 || !dp->fast4.slots)
		return bpf_map_delete_elem(dp->host_fd[m], key);
	memcpy(&addr, key, sizeof(addr));
	enf_fast4_del(&dp->fast4, addr, true);
	err = bpf_map_delete_elem(dp->host_fd[m], key);
	if (err) /* still in deny_src4: back in the table (or counted) */
		enf_fast4_put(&dp->fast4, addr, v->flags & ENF_FAST4_FLAGS,
			      false);
	/* A count left higher than the truth costs lookups, no more. */
	if (dp->fast4.overflow != dp->config_overflow)
		config_write(dp);
	return err;
}

/*
 * Sets F_FLOWS on @k's host source entry: OR-ed into a deny entry, or a
 * new marker. Return: 0; -E2BIG when the map is full; -errno.
 */
static int src_mark_set(struct enf_dp *dp, const struct flow_src *k)
{
	enum hmap m = k->family == ENF_FAMILY_V4 ? HM_SRC4 : HM_SRC6;
	int fd = flow_src_map_fd(dp, k);
	struct enf_deny_value v;
	int err;

	err = bpf_map_lookup_elem(fd, k->addr, &v);
	if (!err) {
		if (v.flags & ENF_DENY_F_FLOWS)
			return 0;
		v.flags |= ENF_DENY_F_FLOWS;
		return src_write(dp, m, k->addr, &v, BPF_EXIST, true);
	}
	if (err != -ENOENT)
		return err;
	v = (struct enf_deny_value){ .flags = ENF_DENY_F_MARK |
					      ENF_DENY_F_FLOWS };
	return src_write(dp, m, k->addr, &v, BPF_NOEXIST, false);
}

/* Clears F_FLOWS from @k's host source entry: a marker goes. */
static int src_mark_clear(struct enf_dp *dp, const struct flow_src *k)
{
	enum hmap m = k->family == ENF_FAMILY_V4 ? HM_SRC4 : HM_SRC6;
	int fd = flow_src_map_fd(dp, k);
	struct enf_deny_value v;
	int err;

	err = bpf_map_lookup_elem(fd, k->addr, &v);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (v.flags & ENF_DENY_F_MARK) {
		err = src_remove(dp, m, k->addr, &v);
		return err == -ENOENT ? 0 : err;
	}
	if (!(v.flags & ENF_DENY_F_FLOWS))
		return 0;
	v.flags &= ~ENF_DENY_F_FLOWS;
	return src_write(dp, m, k->addr, &v, BPF_EXIST, true);
}

static void src_mark_drop(struct enf_dp *dp, const struct flow_src *k)
{
	int err = src_mark_clear(dp, k);

	if (err)
		pr_warn("clearing the flow mark of a %s entry: %s (its packets keep looking deny_flow up, in vain)",
			k->family == ENF_FAMILY_V4 ? ENF_MAP_DENY_SRC4 :
						     ENF_MAP_DENY_SRC6,
			strerror(-err));
}

/* Removes flow @t from the host deny_flow; its source's last flow gone,
 * the mark goes too. Return: 0, -ENOENT, -errno. */
static int host_flow_del(struct enf_dp *dp, const struct enf_tuple *t)
{
	struct flow_src k;
	int err;

	err = bpf_map_delete_elem(dp->host_fd[HM_FLOW], t);
	if (err)
		return err;
	flow_src_of_tuple(t, &k);
	if (!flow_src_dec(dp, &k))
		src_mark_drop(dp, &k);
	return 0;
}

/*
 * Lifts a source's deny in host map @m; while it has flows the entry
 * turns back into their marker. Return: 0, -ENOENT when the source was
 * not denied there (a marker is not a deny), -errno.
 */
static int host_src_del(struct enf_dp *dp, enum hmap m, const void *key)
{
	struct enf_deny_value v;
	struct flow_src k;
	int err;

	err = bpf_map_lookup_elem(dp->host_fd[m], key, &v);
	if (err)
		return err;
	if (v.flags & ENF_DENY_F_MARK)
		return -ENOENT;
	flow_src_of_key(m, key, &k);
	if (flow_src_count(dp, &k)) {
		v = (struct enf_deny_value){ .flags = ENF_DENY_F_MARK |
						      ENF_DENY_F_FLOWS };
		return src_write(dp, m, key, &v, BPF_EXIST, true);
	}
	return src_remove(dp, m, key, &v);
}

static bool is_marker(enum hmap m, const struct enf_deny_value *v)
{
	return (m == HM_SRC4 || m == HM_SRC6) && (v->flags & ENF_DENY_F_MARK);
}

/* ---- adding entries, many at a time ------------------------------------- */

/*
 * One host map's share of a batch: the indexes (into the caller's
 * arrays) of its entries, their keys packed, their values.
 */
struct host_batch {
	size_t n;
	size_t *idx;
	__u8 *keys;
	struct enf_deny_value *vals;
	int *err;
};

static void host_batch_free(struct host_batch *b)
{
	free(b->idx);
	free(b->keys);
	free(b->vals);
	free(b->err);
}

static int host_batch_alloc(struct host_batch *b, size_t n, __u32 key_size)
{
	memset(b, 0, sizeof(*b));
	b->idx = calloc(n, sizeof(*b->idx));
	b->keys = calloc(n, key_size);
	b->vals = calloc(n, sizeof(*b->vals));
	b->err = calloc(n, sizeof(*b->err));
	if (b->idx && b->keys && b->vals && b->err)
		return 0;
	host_batch_free(b);
	return -ENOMEM;
}

/* Whether deny_src4 holds @key now, as deny_fast4's bookkeeping needs to
 * know: every entry is in the table unless some overflowed. */
static bool src4_there(struct enf_dp *dp, const void *key)
{
	struct enf_deny_value v;
	__u32 addr;

	memcpy(&addr, key, sizeof(addr));
	if (enf_fast4_find(&dp->fast4, addr, NULL) >= 0)
		return true;
	if (!dp->fast4.overflow)
		return false;
	return !bpf_map_lookup_elem(dp->host_fd[HM_SRC4], key, &v);
}

/* Sources denied in host map @m (HM_SRC4 or HM_SRC6), keeping F_FLOWS on
 * those with flows (a marker there becomes the deny entry); deny_src4's
 * table follows each write. */
static void host_src_add_many(struct enf_dp *dp, enum hmap m,
			      struct host_batch *b)
{
	__u32 ks = host_spec[m].key_size;
	bool track = m == HM_SRC4 && dp->fast4.slots;
	bool *there = NULL;

	if (!b->n)
		return;
	if (track && !(there = calloc(b->n, sizeof(*there)))) {
		for (size_t j = 0; j < b->n; j++)
			b->err[j] = -ENOMEM;
		return;
	}
	for (size_t j = 0; j < b->n; j++) {
		struct flow_src k;

		flow_src_of_key(m, b->keys + j * ks, &k);
		if (flow_src_count(dp, &k))
			b->vals[j].flags = ENF_DENY_F_FLOWS;
		if (track)
			there[j] = src4_there(dp, b->keys + j * ks);
	}
	enf_map_update_many(dp->host_fd[m], b->keys, ks, b->vals,
			    sizeof(*b->vals), b->n, b->err);
	for (size_t j = 0; track && j < b->n; j++)
		if (!b->err[j])
			b->err[j] = fast4_put(dp, b->keys + j * ks,
					      b->vals[j].flags, there[j]);
	free(there);
}

/*
 * Flows added or refreshed in the host deny_flow, each new one's source
 * counted and marked before any flow is written (a packet must never find
 * a flow whose source is not marked): a flow whose source cannot be
 * marked is refused, and a flow not written gives its count back. Which
 * flows are there already is looked up first (batches cannot say).
 */
static void host_flow_add_many(struct enf_dp *dp, struct host_batch *b)
{
	const __u32 ks = sizeof(struct enf_tuple);
	struct host_batch w;
	bool *fresh;
	size_t n = 0;

	if (!b->n)
		return;
	fresh = calloc(b->n, sizeof(*fresh));
	if (!fresh || host_batch_alloc(&w, b->n, ks)) {
		free(fresh);
		for (size_t j = 0; j < b->n; j++)
			b->err[j] = -ENOMEM;
		return;
	}
	for (size_t j = 0; j < b->n; j++) {
		const struct enf_tuple *t = (void *)(b->keys + j * ks);
		struct enf_deny_value old;
		struct flow_src k;
		int err;

		fresh[n] = false;
		flow_src_of_tuple(t, &k);
		err = bpf_map_lookup_elem(dp->host_fd[HM_FLOW], t, &old);
		if (err == -ENOENT) {
			err = flow_src_inc(dp, &k);
			fresh[n] = !err;
		}
		/* counted; marked unless open found the map full */
		if (!err) {
			err = src_mark_set(dp, &k);
			if (err && fresh[n] && !flow_src_dec(dp, &k))
				src_mark_drop(dp, &k);
		}
		b->err[j] = err;
		if (err)
			continue;
		w.idx[n] = j;
		memcpy(w.keys + n * ks, t, ks);
		w.vals[n++] = b->vals[j];
	}
	enf_map_update_many(dp->host_fd[HM_FLOW], w.keys, ks, w.vals,
			    sizeof(*w.vals), n, w.err);
	for (size_t i = 0; i < n; i++) {
		struct flow_src k;

		b->err[w.idx[i]] = w.err[i];
		if (!w.err[i] || !fresh[i])
			continue;
		flow_src_of_tuple((void *)(w.keys + i * ks), &k);
		if (!flow_src_dec(dp, &k))
			src_mark_drop(dp, &k);
	}
	host_batch_free(&w);
	free(fresh);
}

/* The NIC maps of every offloaded interface, then deny_spill for those a
 * device refused: entry @k of host map @m (SRC4, SRC6 or FLOW). */
static int nic_add(struct enf_dp *dp, enum hmap m, const union deny_key *k,
		   const struct enf_spill_key *sk,
		   const struct enf_deny_value *val, struct enf_deny_result *r)
{
	bool spill = false;
	int err = 0;

	for (size_t i = 0; i < dp->n_ifaces; i++) {
		struct dp_iface *ifc = &dp->ifaces[i];
		int e;

		if (!ifc->off)
			continue;
		e = nic_write(ifc, m, k, val);
		if (e == 1) {
			spill = true;
			r->n_spill++;
		} else if (!e) {
			r->n_nic++;
		} else if (!err) {
			err = e;
		}
	}
	if (spill) {
		int e = bpf_map_update_elem(dp->host_fd[HM_SPILL], sk, val,
					    BPF_ANY);

		if (e) {
			pr_warn("writing deny_spill: %s", strerror(-e));
			if (!err)
				err = e;
		}
	}
	return err;
}

static int dp_deny_add_many_locked(struct enf_dp *dp, const struct enf_deny *d,
				   const __u32 *rule_id, size_t n, int *err,
				   struct enf_deny_result *res)
{
	struct host_batch b[HM_SPILL] = {};
	struct enf_spill_key *sk;
	union deny_key *k;
	size_t *first, *seen, mask = 1;
	enum hmap *m;
	int ret = 0;

	while (mask < 2 * n)
		mask <<= 1;
	k = calloc(n, sizeof(*k));
	sk = calloc(n, sizeof(*sk));
	m = calloc(n, sizeof(*m));
	first = calloc(n, sizeof(*first));
	seen = calloc(mask--, sizeof(*seen)); /* entry index + 1, 0: free */
	for (int h = 0; h < HM_SPILL && !ret; h++)
		ret = host_batch_alloc(&b[h], n, host_spec[h].key_size);
	if (!k || !sk || !m || !first || !seen || ret) {
		ret = -ENOMEM;
		goto out;
	}
	/* Each host map's entries, each key once (found again through a
	 * hash of the keys seen): an entry given again shares the outcome
	 * of its first (and its rule id). */
	for (size_t i = 0; i < n; i++) {
		struct host_batch *hb;
		__u32 ks;
		size_t s;

		res[i] = (struct enf_deny_result){};
		first[i] = i;
		err[i] = deny_key(&d[i], &m[i], &k[i], &sk[i]);
		if (err[i])
			continue;
		hb = &b[m[i]];
		ks = host_spec[m[i]].key_size;
		for (s = enf_fnv1a(m[i], &k[i], ks) & mask; seen[s];
		     s = (s + 1) & mask) {
			size_t j = seen[s] - 1;

			if (m[j] == m[i] && !memcmp(&k[j], &k[i], ks)) {
				first[i] = j;
				break;
			}
		}
		if (first[i] != i)
			continue;
		seen[s] = i + 1;
		hb->idx[hb->n] = i;
		memcpy(hb->keys + hb->n * ks, &k[i], ks);
		hb->vals[hb->n++] =
			(struct enf_deny_value){ .rule_id = rule_id[i] };
	}
	host_src_add_many(dp, HM_SRC4, &b[HM_SRC4]);
	host_src_add_many(dp, HM_SRC6, &b[HM_SRC6]);
	host_flow_add_many(dp, &b[HM_FLOW]);
	for (int h = HM_CIDR4; h <= HM_CIDR6; h++)
		enf_map_update_many(dp->host_fd[h], b[h].keys,
				    host_spec[h].key_size, b[h].vals,
				    sizeof(*b[h].vals), b[h].n, b[h].err);
	for (int h = 0; h < HM_SPILL; h++) {
		for (size_t j = 0; j < b[h].n; j++) {
			size_t i = b[h].idx[j];

			err[i] = b[h].err[j];
			if (err[i])
				continue;
			res[i].host = true;
			/* the value, flags 0, is what NIC maps and
			 * deny_spill get */
			if (h == HM_SRC4 || h == HM_SRC6 || h == HM_FLOW)
				err[i] =
					nic_add(dp, h, &k[i], &sk[i],
						&(struct enf_deny_value){
							.rule_id = rule_id[i] },
						&res[i]);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (first[i] == i)
			continue;
		err[i] = err[first[i]];
		res[i] = res[first[i]];
	}
out:
	for (int h = 0; h < HM_SPILL; h++)
		host_batch_free(&b[h]);
	free(k);
	free(sk);
	free(m);
	free(first);
	free(seen);
	if (ret)
		for (size_t i = 0; i < n; i++)
			err[i] = ret;
	return ret;
}

static int dp_deny_del_locked(struct enf_dp *dp, const struct enf_deny *d)
{
	struct enf_spill_key sk;
	union deny_key k;
	bool found = false;
	enum hmap m;
	int err, e;

	err = deny_key(d, &m, &k, &sk);
	if (err)
		return err;
	if (m == HM_SRC4 || m == HM_SRC6)
		e = host_src_del(dp, m, &k);
	else if (m == HM_FLOW)
		e = host_flow_del(dp, &k.flow);
	else
		e = bpf_map_delete_elem(dp->host_fd[m], &k);
	if (!e)
		found = true;
	else if (e != -ENOENT)
		return e;
	if (m == HM_CIDR4 || m == HM_CIDR6)
		return found ? 0 : -ENOENT;
	for (size_t i = 0; i < dp->n_ifaces; i++) {
		struct dp_iface *ifc = &dp->ifaces[i];

		if (!ifc->off)
			continue;
		e = bpf_map_delete_elem(ifc->nic_fd[m], &k);
		if (!e) {
			found = true;
		} else if (e != -ENOENT) {
			pr_warn("%s: deleting from the NIC's %s: %s", ifc->name,
				host_spec[m].name, strerror(-e));
			if (!err)
				err = e;
		}
	}
	e = bpf_map_delete_elem(dp->host_fd[HM_SPILL], &sk);
	if (!e)
		found = true;
	else if (e != -ENOENT && !err)
		err = e;
	if (err)
		return err;
	return found ? 0 : -ENOENT;
}

static int cidr_lookup_exact(struct enf_dp *dp, enum hmap m,
			     const union deny_key *k, struct enf_deny_value *v)
{
	size_t ksize = host_spec[m].key_size;
	union deny_key cur, next;
	const void *prev = NULL;
	int err;

	for (__u32 steps = 0;; steps++) {
		err = bpf_map_get_next_key(dp->host_fd[m], prev, &next);
		if (err)
			return err;
		if (steps > dp->host_max[m])
			return -EAGAIN;
		if (!memcmp(&next, k, ksize))
			return bpf_map_lookup_elem(dp->host_fd[m], &next, v);
		cur = next;
		prev = &cur;
	}
}

int enf_dp_deny_lookup(struct enf_dp *dp, const struct enf_deny *d,
		       struct enf_deny_value *v)
{
	struct enf_deny_value tmp;
	struct enf_spill_key sk;
	union deny_key k;
	enum hmap m;
	int err;

	err = deny_key(d, &m, &k, &sk);
	if (err)
		return err;
	if (m != HM_CIDR4 && m != HM_CIDR6)
		err = bpf_map_lookup_elem(dp->host_fd[m], &k, &tmp);
	else
		/* A trie answers a lookup with the longest covering prefix;
		 * what is asked is whether this very prefix is there.
		 */
		err = cidr_lookup_exact(dp, m, &k, &tmp);
	if (err)
		return err;
	if (is_marker(m, &tmp))
		return -ENOENT;
	if (v)
		*v = (struct enf_deny_value){ .rule_id = tmp.rule_id };
	return 0;
}

/*
 * Walks map @fd (at most @max keys) calling @fn per entry. More steps than
 * the map holds mean it changed under us too much: -EAGAIN.
 */
static int map_walk(int fd, __u32 max,
		    int (*fn)(const void *key, const struct enf_deny_value *v,
			      void *arg),
		    void *arg)
{
	union deny_key cur, next;
	struct enf_deny_value val;
	const void *prev = NULL;
	int err;

	for (__u32 steps = 0;; steps++) {
		err = bpf_map_get_next_key(fd, prev, &next);
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		if (steps > max)
			return -EAGAIN;
		err = bpf_map_lookup_elem(fd, &next, &val);
		if (!err) {
			err = fn(&next, &val, arg);
			if (err)
				return err;
		} else if (err != -ENOENT) {
			return err;
		}
		cur = next;
		prev = &cur;
	}
}

struct deny_walk {
	enum hmap m;
	enf_dp_deny_cb cb;
	void *ctx;
};

static int deny_walk_fn(const void *key, const struct enf_deny_value *v,
			void *arg)
{
	struct enf_deny_value out = { .rule_id = v->rule_id };
	const union deny_key *k = key;
	struct deny_walk *w = arg;
	struct enf_deny d = {};

	if (is_marker(w->m, v))
		return 0;
	switch (w->m) {
	case HM_SRC4:
		d.kind = ENF_DENY_SRC;
		d.family = AF_INET;
		memcpy(d.addr, &k->v4, 4);
		break;
	case HM_SRC6:
		d.kind = ENF_DENY_SRC;
		d.family = AF_INET6;
		memcpy(d.addr, k->v6.addr, 16);
		break;
	case HM_CIDR4:
		d.kind = ENF_DENY_CIDR;
		d.family = AF_INET;
		d.prefixlen = k->c4.prefixlen;
		memcpy(d.addr, k->c4.addr, 4);
		break;
	case HM_CIDR6:
		d.kind = ENF_DENY_CIDR;
		d.family = AF_INET6;
		d.prefixlen = k->c6.prefixlen;
		memcpy(d.addr, k->c6.addr, 16);
		break;
	case HM_FLOW:
		d.kind = ENF_DENY_FLOW;
		d.family = k->flow.family == ENF_FAMILY_V4 ? AF_INET : AF_INET6;
		d.flow = k->flow;
		break;
	default:
		return -EINVAL;
	}
	return w->cb(&d, &out, w->ctx);
}

int enf_dp_deny_foreach(struct enf_dp *dp, enf_dp_deny_cb cb, void *ctx)
{
	static const enum hmap order[] = { HM_SRC4, HM_SRC6, HM_CIDR4, HM_CIDR6,
					   HM_FLOW };
	struct deny_walk w = { .cb = cb, .ctx = ctx };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int err;

		w.m = order[i];
		err = map_walk(dp->host_fd[w.m], dp->host_max[w.m],
			       deny_walk_fn, &w);
		if (err)
			return err;
	}
	return 0;
}

struct copy_walk {
	struct dp_iface *ifc;
	struct enf_dp *dp;
	enum hmap m;
	unsigned int spilled;
};

static int copy_walk_fn(const void *key, const struct enf_deny_value *v,
			void *arg)
{
	const struct enf_deny_value out = { .rule_id = v->rule_id };
	struct copy_walk *w = arg;
	struct enf_spill_key sk;
	int err;

	/* Marks are the host program's: the NIC looks every flow up. */
	if (is_marker(w->m, v))
		return 0;
	err = nic_write(w->ifc, w->m, key, &out);
	if (err <= 0)
		return err;
	w->spilled++;
	spill_key_of(w->m, key, &sk);
	return bpf_map_update_elem(w->dp->host_fd[HM_SPILL], &sk, &out,
				   BPF_ANY);
}

/* ---- what the NICs and deny_spill hold ----------------------------------- */

struct offload_walk {
	enf_dp_offload_cb cb;
	void *ctx;
	const char *where;
};

static int offload_walk_fn(const struct enf_deny *d,
			   const struct enf_deny_value *v, void *arg)
{
	struct offload_walk *o = arg;

	return o->cb(d, v, o->where, o->ctx);
}

static int spill_walk_fn(const void *key, const struct enf_deny_value *v,
			 void *arg)
{
	const struct enf_spill_key *sk = key;
	struct enf_deny_value out = { .rule_id = v->rule_id };
	struct offload_walk *o = arg;
	struct enf_deny d = {};

	d.family = sk->t.family == ENF_FAMILY_V4 ? AF_INET : AF_INET6;
	if (sk->kind == ENF_SPILL_FLOW) {
		d.kind = ENF_DENY_FLOW;
		d.flow = sk->t;
	} else {
		d.kind = ENF_DENY_SRC;
		memcpy(d.addr, sk->t.saddr, d.family == AF_INET ? 4 : 16);
	}
	return o->cb(&d, &out, o->where, o->ctx);
}

int enf_dp_deny_offload_foreach(struct enf_dp *dp, enf_dp_offload_cb cb,
				void *ctx)
{
	struct offload_walk o = { .cb = cb, .ctx = ctx };
	struct deny_walk w = { .cb = offload_walk_fn, .ctx = &o };
	int err = 0;

	pthread_mutex_lock(&dp->lock);
	for (size_t i = 0; i < dp->n_ifaces && !err; i++) {
		struct dp_iface *ifc = &dp->ifaces[i];

		if (!ifc->off)
			continue;
		o.where = ifc->name;
		for (enum hmap m = HM_SRC4; m <= HM_FLOW && !err; m++) {
			w.m = m;
			err = map_walk(ifc->nic_fd[m], ifc->nic_cap[m],
				       deny_walk_fn, &w);
		}
	}
	if (!err) {
		o.where = ENF_MAP_DENY_SPILL;
		err = map_walk(dp->host_fd[HM_SPILL], dp->host_max[HM_SPILL],
			       spill_walk_fn, &o);
	}
	pthread_mutex_unlock(&dp->lock);
	return err;
}

int enf_dp_deny_nic_missing(struct enf_dp *dp, const struct enf_deny *d,
			    char *buf, size_t len)
{
	struct enf_deny_value v;
	struct enf_spill_key sk;
	union deny_key k;
	bool spilled;
	enum hmap m;
	int err, n = 0;

	buf[0] = '\0';
	err = deny_key(d, &m, &k, &sk);
	if (err)
		return err;
	if (m != HM_SRC4 && m != HM_SRC6 && m != HM_FLOW)
		return 0; /* prefixes are the host's alone */
	pthread_mutex_lock(&dp->lock);
	spilled = !bpf_map_lookup_elem(dp->host_fd[HM_SPILL], &sk, &v);
	for (size_t i = 0; i < dp->n_ifaces && !spilled; i++) {
		struct dp_iface *ifc = &dp->ifaces[i];
		size_t used = strlen(buf);

		if (!ifc->off || !bpf_map_lookup_elem(ifc->nic_fd[m], &k, &v))
			continue;
		snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			 ifc->name);
		n++;
	}
	pthread_mutex_unlock(&dp->lock);
	return n;
}

/* A new offloaded interface gets what the host already denies. */
static int nic_copy_map(struct enf_dp *dp, struct dp_iface *ifc, enum hmap m)
{
	struct copy_walk w = { .ifc = ifc, .dp = dp, .m = m };
	int err;

	err = map_walk(dp->host_fd[m], dp->host_max[m], copy_walk_fn, &w);
	if (err)
		pr_warn("%s: copying %s into the NIC: %s", ifc->name,
			host_spec[m].name, strerror(-err));
	else if (w.spilled)
		pr_info("%s: %u %s entries did not fit in the NIC; spilled to the host",
			ifc->name, w.spilled, host_spec[m].name);
	return err;
}

/* ---- batch reads, and the flow marks at open ---------------------------- */

/* Entries read per batch by map_scan(). */
#define SCAN_BATCH 1024

typedef int (*scan_fn)(const void *key, const struct enf_deny_value *v,
		       void *arg);

/*
 * Reads every entry of hash map @fd (keys of @key_size bytes) in batches,
 * a few syscalls for a million entries, calling @fn per entry; @fn may
 * update or delete the entry it is given (its bucket is behind the scan).
 * Return: 0, the first non-zero @fn returned, -errno.
 */
static int map_scan(int fd, __u32 key_size, scan_fn fn, void *arg)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct enf_deny_value *vals;
	__u64 in = 0, out = 0;
	bool first = true, last = false;
	__u8 *keys;
	int err = 0;

	keys = calloc(SCAN_BATCH, key_size);
	vals = calloc(SCAN_BATCH, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out_free;
	}
	while (!last) {
		__u32 count = SCAN_BATCH;

		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys,
					   vals, &count, &opts);
		if (err == -ENOENT) /* the last batch, maybe empty */
			last = true;
		else if (err)
			goto out_free;
		err = 0;
		first = false;
		in = out;
		for (__u32 i = 0; i < count && !err; i++)
			err = fn(keys + (size_t)i * key_size, &vals[i], arg);
		if (err)
			goto out_free;
	}

out_free:
	free(keys);
	free(vals);
	return err;
}

/* One more flow from the source of deny_flow entry @key. */
static int rebuild_count_fn(const void *key, const struct enf_deny_value *v,
			    void *arg)
{
	const struct enf_tuple *t = key;
	struct flow_src k;

	(void)v;
	/* No packet makes another key: nothing to look up, nothing to mark. */
	if (t->family != ENF_FAMILY_V4 && t->family != ENF_FAMILY_V6)
		return 0;
	flow_src_of_tuple(t, &k);
	return flow_src_inc(arg, &k);
}

struct stale_walk {
	struct enf_dp *dp;
	enum hmap m;
	__u32 cleared;
};

/* A mark on a source without flows (left by a crash between a flow's
 * removal and its mark's) goes. */
static int rebuild_stale_fn(const void *key, const struct enf_deny_value *v,
			    void *arg)
{
	struct stale_walk *w = arg;
	struct flow_src k;
	int err;

	if (!(v->flags & (ENF_DENY_F_MARK | ENF_DENY_F_FLOWS)))
		return 0;
	flow_src_of_key(w->m, key, &k);
	if (flow_src_count(w->dp, &k))
		return 0;
	err = src_mark_clear(w->dp, &k);
	if (!err)
		w->cleared++;
	return err;
}

struct mark_walk {
	struct enf_dp *dp;
	__u32 unmarked; /* flows whose source found no room */
	int err;
};

static void rebuild_mark_fn(const void *node, VISIT which, void *arg)
{
	const struct flow_src *k = *(const struct flow_src *const *)node;
	struct mark_walk *w = arg;
	int err;

	/* Every node once; after an error, nothing more. */
	if ((which != postorder && which != leaf) || w->err)
		return;
	err = src_mark_set(w->dp, k);
	if (err == -E2BIG)
		w->unmarked += k->flows;
	else if (err)
		w->err = err;
}

/*
 * Counts the flows per source in the host deny_flow (pinned entries
 * survive a restart) and brings the marks in line with the counts: marks
 * of sources without flows go, sources with flows get theirs (which also
 * upgrades maps pinned by a run that knew no marks). A source map too full
 * for a mark leaves that source's flows unenforced by xdp_host: said, not
 * fatal.
 */
static int flow_marks_rebuild(struct enf_dp *dp)
{
	struct mark_walk mw = { .dp = dp };
	__u32 cleared = 0;
	int err;

	err = map_scan(dp->host_fd[HM_FLOW], sizeof(struct enf_tuple),
		       rebuild_count_fn, dp);
	if (err)
		goto out_err;
	for (enum hmap m = HM_SRC4; m <= HM_SRC6; m++) {
		struct stale_walk sw = { .dp = dp, .m = m };

		err = map_scan(dp->host_fd[m], host_spec[m].key_size,
			       rebuild_stale_fn, &sw);
		if (err)
			goto out_err;
		cleared += sw.cleared;
	}
	twalk_r(dp->flow_srcs, rebuild_mark_fn, &mw);
	err = mw.err;
	if (err)
		goto out_err;
	if (cleared)
		pr_info("cleared %u flow marks of sources without denied flows",
			cleared);
	if (mw.unmarked)
		pr_warn("%u denied flows are not enforced by xdp_host: the host source maps are full, with no room to mark their sources",
			mw.unmarked);
	pr_debug("%u sources have denied flows", dp->n_flow_srcs);
	return 0;

out_err:
	pr_warn("rebuilding the flow marks from %s: %s", ENF_MAP_DENY_FLOW,
		strerror(-err));
	return err;
}

/* ---- deny_fast4 at open -------------------------------------------------- */

/*
 * The table's size for this handle's deny_src4, a new deny_fast4 and
 * dp_config, the table filled from deny_src4 (batch reads into the
 * mapping) and both pinned in place of an earlier run's.
 */
static int fast4_fill_fn(const void *key, const struct enf_deny_value *v,
			 void *arg)
{
	struct enf_dp *dp = arg;
	__u32 addr;

	memcpy(&addr, key, sizeof(addr));
	return enf_fast4_put(&dp->fast4, addr, v->flags & ENF_FAST4_FLAGS,
			     false) < 0 ?
		       -EINVAL :
		       0;
}

static int fast4_open(struct enf_dp *dp)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	__u32 bits = enf_fast4_bits(dp->host_max[HM_SRC4]);
	size_t len = enf_fast4_bytes(bits);
	void *mem;
	int err;

	dp->fast4_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, ENF_MAP_DENY_FAST4,
				      sizeof(__u32), sizeof(__u64), 1u << bits,
				      &opts);
	if (dp->fast4_fd < 0) {
		err = -errno;
		pr_warn("creating %s (%u slots): %s", ENF_MAP_DENY_FAST4,
			1u << bits, strerror(-err));
		return err;
	}
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dp->fast4_fd,
		   0);
	if (mem == MAP_FAILED) {
		err = -errno;
		pr_warn("mapping %s: %s", ENF_MAP_DENY_FAST4, strerror(-err));
		return err;
	}
	err = enf_fast4_init(&dp->fast4, mem, bits);
	if (err) {
		munmap(mem, len);
		return err;
	}
	dp->config_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, ENF_MAP_DP_CONFIG,
				       sizeof(__u32),
				       sizeof(struct enf_dp_config), 1, NULL);
	if (dp->config_fd < 0) {
		err = -errno;
		pr_warn("creating %s: %s", ENF_MAP_DP_CONFIG, strerror(-err));
		return err;
	}
	err = map_scan(dp->host_fd[HM_SRC4], sizeof(__u32), fast4_fill_fn, dp);
	if (err) {
		pr_warn("filling %s from %s: %s", ENF_MAP_DENY_FAST4,
			ENF_MAP_DENY_SRC4, strerror(-err));
		return err;
	}
	err = config_write(dp);
	if (err)
		return err;
	if (dp->pin_dir[0]) {
		err = pin_one(dp->pin_dir, ENF_MAP_DENY_FAST4, dp->fast4_fd);
		if (!err)
			err = pin_one(dp->pin_dir, ENF_MAP_DP_CONFIG,
				      dp->config_fd);
		if (err) {
			pr_warn("pinning %s and %s under %s: %s",
				ENF_MAP_DENY_FAST4, ENF_MAP_DP_CONFIG,
				dp->pin_dir, strerror(-err));
			return err;
		}
	}
	if (dp->fast4.overflow)
		pr_info("%s: %u of %u sources placed, %u left to %s (looked up after a miss in the table)",
			ENF_MAP_DENY_FAST4, dp->fast4.used,
			dp->fast4.used + dp->fast4.overflow, dp->fast4.overflow,
			ENF_MAP_DENY_SRC4);
	pr_debug("%s: %u slots, %u sources, %u overflow", ENF_MAP_DENY_FAST4,
		 1u << bits, dp->fast4.used, dp->fast4.overflow);
	return 0;
}

/*
 * An earlier run's dp_config, pinned: its table goes out of step from now
 * on, so its xdp_host is told to read deny_src4 alone (fast4_live 0) until
 * attach replaces it, and a program left on an interface no longer
 * configured stays right too. Nothing pinned: nothing to do.
 */
static int fast4_retire_pinned(struct enf_dp *dp)
{
	struct enf_dp_config c;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	char path[PATH_MAX];
	int fd, err;

	if (!dp->pin_dir[0])
		return 0;
	err = path_join(path, sizeof(path), dp->pin_dir, ENF_MAP_DP_CONFIG,
			NULL);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err || info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size != sizeof(c) || info.max_entries != 1)
		goto out_close; /* not ours to write */
	err = bpf_map_lookup_elem(fd, &zero, &c);
	if (!err && c.fast4_live) {
		c.fast4_live = 0;
		err = bpf_map_update_elem(fd, &zero, &c, BPF_EXIST);
	}
	if (err)
		pr_warn("retiring the earlier run's %s: %s", path,
			strerror(-err));

out_close:
	close(fd);
	return err;
}

/* ---- state -------------------------------------------------------------- */

/* Keys in map @fd, of any value size (key walk only). */
static int map_count(int fd, __u32 max, __u32 *out)
{
	union deny_key cur, next;
	const void *prev = NULL;
	int err;

	*out = 0;
	for (;;) {
		err = bpf_map_get_next_key(fd, prev, &next);
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		if (*out > max)
			return -EAGAIN;
		(*out)++;
		cur = next;
		prev = &cur;
	}
}

static int count_denied_fn(const void *key, const struct enf_deny_value *v,
			   void *arg)
{
	(void)key;
	if (!(v->flags & ENF_DENY_F_MARK))
		++*(__u32 *)arg;
	return 0;
}

int enf_dp_host_counts(struct enf_dp *dp, struct enf_dp_host_counts *out)
{
	__u32 *dst[HM_COUNT] = {
		[HM_SRC4] = &out->src4,	  [HM_SRC6] = &out->src6,
		[HM_FLOW] = &out->flow,	  [HM_CIDR4] = &out->cidr4,
		[HM_CIDR6] = &out->cidr6, [HM_SPILL] = &out->spill,
	};

	memset(out, 0, sizeof(*out));
	for (int m = 0; m < HM_COUNT; m++) {
		int err;

		/* Values too, to leave markers out: by batches. */
		if (m == HM_SRC4 || m == HM_SRC6)
			err = map_scan(dp->host_fd[m], host_spec[m].key_size,
				       count_denied_fn, dst[m]);
		else
			err = map_count(dp->host_fd[m], dp->host_max[m],
					dst[m]);
		if (err)
			return err;
	}
	return 0;
}

size_t enf_dp_if_count(const struct enf_dp *dp)
{
	return dp->n_ifaces;
}

static void driver_name(const char *ifname, char *out, size_t size)
{
	struct ethtool_drvinfo drv = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = {};
	int fd;

	out[0] = '\0';
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&drv;
	if (!ioctl(fd, SIOCETHTOOL, &ifr)) {
		size_t n = strnlen(drv.driver, sizeof(drv.driver));

		if (n >= size)
			n = size - 1;
		memcpy(out, drv.driver, n);
		out[n] = '\0';
	}
	close(fd);
}

static int host_stats_read(int fd, __u64 out[ENF_XDP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 k = 0; k < ENF_XDP_STAT_MAX; k++) {
		err = bpf_map_lookup_elem(fd, &k, vals);
		if (err)
			break;
		out[k] = 0;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	free(vals);
	return err;
}

static int dp_if_info_locked(struct enf_dp *dp, size_t i,
			     struct enf_dp_if_info *out)
{
	struct dp_iface *ifc;
	int err;

	if (i >= dp->n_ifaces)
		return -ENOENT;
	ifc = &dp->ifaces[i];
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", ifc->name);
	out->ifindex = ifc->ifindex;
	out->mode = ifc->mode;
	out->offloaded = ifc->off != NULL;
	driver_name(ifc->name, out->driver, sizeof(out->driver));
	err = host_stats_read(bpf_map__fd(ifc->host->maps.host_stats),
			      out->host_stats);
	if (err)
		return err;
	if (!ifc->off)
		return 0;
	out->spilled = ifc->spilled;
	for (int m = NM_SRC4; m <= NM_FLOW; m++) {
		out->nic_capacity[m] = ifc->nic_cap[m];
		err = map_count(ifc->nic_fd[m], ifc->nic_cap[m],
				&out->nic_entries[m]);
		if (err)
			return err;
	}
	{
		struct enf_xdp_nic_stats st;
		__u32 key = 0;

		err = bpf_map_lookup_elem(ifc->nic_fd[NM_STATS], &key, &st);
		if (err)
			return err;
		memcpy(out->nic_stats, st.count, sizeof(out->nic_stats));
	}
	return 0;
}

int enf_dp_deny_add(struct enf_dp *dp, const struct enf_deny *d, __u32 rule_id,
		    struct enf_deny_result *res)
{
	int ret;

	struct enf_deny_result r;
	int err;

	pthread_mutex_lock(&dp->lock);
	ret = dp_deny_add_many_locked(dp, d, &rule_id, 1, &err, &r);
	pthread_mutex_unlock(&dp->lock);
	if (res)
		*res = r;
	return ret ?: err;
}

int enf_dp_deny_add_many(struct enf_dp *dp, const struct enf_deny *d,
			 const __u32 *rule_id, size_t n, int *err,
			 struct enf_deny_result *res)
{
	int ret;

	if (!n)
		return 0;
	pthread_mutex_lock(&dp->lock);
	ret = dp_deny_add_many_locked(dp, d, rule_id, n, err, res);
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

int enf_dp_deny_del(struct enf_dp *dp, const struct enf_deny *d)
{
	int ret;

	pthread_mutex_lock(&dp->lock);
	ret = dp_deny_del_locked(dp, d);
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

int enf_dp_if_info(struct enf_dp *dp, size_t i, struct enf_dp_if_info *out)
{
	int ret;

	pthread_mutex_lock(&dp->lock);
	ret = dp_if_info_locked(dp, i, out);
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

int enf_dp_fast4_info(struct enf_dp *dp, struct enf_dp_fast4_info *out)
{
	pthread_mutex_lock(&dp->lock);
	*out = (struct enf_dp_fast4_info){
		.slots = dp->fast4.mask + 1,
		.used = dp->fast4.used,
		.tombs = dp->fast4.tombs,
		.overflow = dp->fast4.overflow,
		.moves = dp->fast4.moves,
	};
	pthread_mutex_unlock(&dp->lock);
	return 0;
}
