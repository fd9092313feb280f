// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"
#include "enforcer/loader/xdp.h"
#include "xdp_offload.skel.h"

/* The program's name as the kernel reports it (BPF_OBJ_NAME_LEN - 1 max). */
#define XDP_PROG_NAME "xdp_offload"
/* Map ids read from a program on an interface to tell whether it is ours. */
#define MAX_PROG_MAPS 16

enum xmap {
	XM_SRC4 = 0,
	XM_SRC6,
	XM_FLOW,
	XM_STATS,
	XM_COUNT,
};

/* What every map must look like; sizes from include/enforcer/xdp.h. */
static const struct {
	const char *name;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
} map_spec[XM_COUNT] = {
	[XM_SRC4] = { ENF_MAP_DENY_SRC4, BPF_MAP_TYPE_HASH, sizeof(__u32),
		      sizeof(struct enf_deny_value) },
	[XM_SRC6] = { ENF_MAP_DENY_SRC6, BPF_MAP_TYPE_HASH,
		      sizeof(struct enf_in6_key),
		      sizeof(struct enf_deny_value) },
	[XM_FLOW] = { ENF_MAP_DENY_FLOW, BPF_MAP_TYPE_HASH,
		      sizeof(struct enf_tuple), sizeof(struct enf_deny_value) },
	[XM_STATS] = { ENF_MAP_XDP_STATS, BPF_MAP_TYPE_ARRAY, sizeof(__u32),
		       sizeof(__u64) },
};

struct enf_xdp_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	enum enf_xdp_mode mode;
};

struct enf_xdp {
	struct xdp_offload *skel; /* NULL for enf_xdp_open_pinned() */
	int map_fd[XM_COUNT]; /* owned only without skel */
	__u32 map_id[XM_COUNT];
	__u32 max_entries[XM_COUNT];
	int prog_fd; /* -1 without skel; owned by skel */
	__u32 prog_id;
	__u32 prev_prog_id; /* pinned before this load, 0 if none */
	size_t n_ifaces;
	struct enf_xdp_iface ifaces[ENF_XDP_MAX_IFACES];
};

/* What is attached to an interface in one mode, as enf_xdp_attach() saw. */
struct xdp_slot {
	enum enf_xdp_mode mode;
	__u32 id; /* 0: nothing */
	int fd; /* our reference to that program, -1 if none */
	bool detached; /* we took it off; put it back if all else fails */
};

const char *enf_xdp_mode_name(enum enf_xdp_mode mode)
{
	switch (mode) {
	case ENF_XDP_MODE_AUTO:
		return "auto";
	case ENF_XDP_MODE_NATIVE:
		return "native";
	case ENF_XDP_MODE_GENERIC:
		return "generic";
	case ENF_XDP_MODE_HW:
		return "hw";
	}
	return "?";
}

static __u32 mode_flag(enum enf_xdp_mode mode)
{
	switch (mode) {
	case ENF_XDP_MODE_NATIVE:
		return XDP_FLAGS_DRV_MODE;
	case ENF_XDP_MODE_GENERIC:
		return XDP_FLAGS_SKB_MODE;
	case ENF_XDP_MODE_HW:
		return XDP_FLAGS_HW_MODE;
	case ENF_XDP_MODE_AUTO:
		break;
	}
	return 0;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

static struct enf_xdp *xdp_alloc(void)
{
	struct enf_xdp *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	for (int i = 0; i < XM_COUNT; i++)
		x->map_fd[i] = -1;
	x->prog_fd = -1;
	return x;
}

static struct bpf_map *skel_map(struct xdp_offload *skel, enum xmap m)
{
	switch (m) {
	case XM_SRC4:
		return skel->maps.deny_src4;
	case XM_SRC6:
		return skel->maps.deny_src6;
	case XM_FLOW:
		return skel->maps.deny_flow;
	case XM_STATS:
		return skel->maps.xdp_stats;
	case XM_COUNT:
		break;
	}
	return NULL;
}

/*
 * A map pinned at @path from an earlier build with another layout cannot be
 * reused (libbpf would refuse the load). Unpin it so a fresh one is made;
 * the deny entries come back from the policy database, the counters start
 * again from zero.
 */
static int drop_incompatible_pin(const struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		pr_warn("opening pinned map %s: %s", path, strerror(-err));
		return err;
	}
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err) {
		pr_warn("reading pinned map %s: %s", path, strerror(-err));
		return err;
	}
	if (info.type == bpf_map__type(map) &&
	    info.key_size == bpf_map__key_size(map) &&
	    info.value_size == bpf_map__value_size(map) &&
	    info.max_entries == bpf_map__max_entries(map) &&
	    info.map_flags == bpf_map__map_flags(map))
		return 0;

	pr_warn("pinned map %s has another layout (type %u key %u value %u entries %u flags %#x, want %u %u %u %u %#x); replacing it",
		path, info.type, info.key_size, info.value_size,
		info.max_entries, info.map_flags, bpf_map__type(map),
		bpf_map__key_size(map), bpf_map__value_size(map),
		bpf_map__max_entries(map), bpf_map__map_flags(map));
	if (unlink(path)) {
		err = -errno;
		pr_warn("unpinning %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

/* Before load: point every map at its pin, remember the old program's id. */
static int prepare_pins(struct enf_xdp *x, const char *pin_dir)
{
	char path[PATH_MAX];
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err, fd;

	for (int i = 0; i < XM_COUNT; i++) {
		struct bpf_map *map = skel_map(x->skel, i);

		err = pin_path(path, sizeof(path), pin_dir, map_spec[i].name);
		if (err)
			return err;
		err = drop_incompatible_pin(map, path);
		if (err)
			return err;
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}

	err = pin_path(path, sizeof(path), pin_dir, ENF_XDP_PROG_PIN);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		x->prev_prog_id = info.id;
	close(fd);
	return 0;
}

/* After load: pin the program in place of the one pinned before. */
static int pin_prog(struct enf_xdp *x, const char *pin_dir)
{
	char path[PATH_MAX];
	int err;

	err = pin_path(path, sizeof(path), pin_dir, ENF_XDP_PROG_PIN);
	if (err)
		return err;
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("unpinning the old program at %s: %s", path,
			strerror(-err));
		return err;
	}
	err = bpf_program__pin(x->skel->progs.xdp_offload, path);
	if (err)
		pr_warn("pinning the program at %s: %s", path, strerror(-err));
	return err;
}

static int read_map_ids(struct enf_xdp *x)
{
	for (int i = 0; i < XM_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int err;

		err = bpf_obj_get_info_by_fd(x->map_fd[i], &info, &len);
		if (err)
			return err;
		x->map_id[i] = info.id;
		x->max_entries[i] = info.max_entries;
	}
	return 0;
}

int enf_xdp_open(const char *pin_dir, struct enf_xdp **out)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct enf_xdp *x;
	int err;

	*out = NULL;
	if (pin_dir) {
		err = enf_bpffs_ensure(pin_dir);
		if (err)
			return err;
	}
	x = xdp_alloc();
	if (!x)
		return -ENOMEM;

	x->skel = xdp_offload__open();
	if (!x->skel) {
		err = -errno;
		pr_warn("opening the xdp_offload BPF object: %s",
			strerror(-err));
		goto out_free;
	}
	if (pin_dir) {
		err = prepare_pins(x, pin_dir);
		if (err) {
			pr_warn("preparing pins under %s: %s", pin_dir,
				strerror(-err));
			goto out_destroy;
		}
	}
	err = xdp_offload__load(x->skel);
	if (err) {
		pr_warn("loading xdp_offload: %s", strerror(-err));
		goto out_destroy;
	}

	x->prog_fd = bpf_program__fd(x->skel->progs.xdp_offload);
	err = bpf_obj_get_info_by_fd(x->prog_fd, &info, &len);
	if (err)
		goto out_destroy;
	x->prog_id = info.id;
	for (int i = 0; i < XM_COUNT; i++)
		x->map_fd[i] = bpf_map__fd(skel_map(x->skel, i));
	err = read_map_ids(x);
	if (err)
		goto out_destroy;
	if (pin_dir) {
		err = pin_prog(x, pin_dir);
		if (err)
			goto out_destroy;
	}
	pr_debug("xdp_offload loaded: prog id %u, previous %u", x->prog_id,
		 x->prev_prog_id);
	*out = x;
	return 0;

out_destroy:
	xdp_offload__destroy(x->skel);
out_free:
	free(x);
	return err;
}

int enf_xdp_open_pinned(const char *pin_dir, bool read_only,
			struct enf_xdp **out)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts,
		    .file_flags = read_only ? BPF_F_RDONLY : 0);
	char path[PATH_MAX];
	struct enf_xdp *x;
	int err;

	*out = NULL;
	if (!pin_dir)
		return -EINVAL;
	x = xdp_alloc();
	if (!x)
		return -ENOMEM;
	for (int i = 0; i < XM_COUNT; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		err = pin_path(path, sizeof(path), pin_dir, map_spec[i].name);
		if (err)
			goto out_close;
		x->map_fd[i] = bpf_obj_get_opts(path, &opts);
		if (x->map_fd[i] < 0) {
			err = -errno;
			goto out_close;
		}
		err = bpf_obj_get_info_by_fd(x->map_fd[i], &info, &len);
		if (err)
			goto out_close;
		if (info.type != map_spec[i].type ||
		    info.key_size != map_spec[i].key_size ||
		    info.value_size != map_spec[i].value_size ||
		    (i == XM_STATS && info.max_entries != ENF_XDP_STAT_MAX)) {
			pr_warn("pinned map %s is not what this build expects (type %u key %u value %u entries %u)",
				path, info.type, info.key_size, info.value_size,
				info.max_entries);
			err = -EINVAL;
			goto out_close;
		}
		x->map_id[i] = info.id;
		x->max_entries[i] = info.max_entries;
	}
	*out = x;
	return 0;

out_close:
	enf_xdp_close(x);
	return err;
}

void enf_xdp_close(struct enf_xdp *x)
{
	if (!x)
		return;
	if (x->skel) {
		xdp_offload__destroy(x->skel);
	} else {
		for (int i = 0; i < XM_COUNT; i++)
			if (x->map_fd[i] >= 0)
				close(x->map_fd[i]);
	}
	free(x);
}

int enf_xdp_prog_fd(const struct enf_xdp *x)
{
	return x->prog_fd;
}

__u32 enf_xdp_prog_id(const struct enf_xdp *x)
{
	return x->prog_id;
}

/*
 * Takes a reference on program @id and decides whether it is enforcer's.
 * Return: 0 with *@fd set (or -1 and *@ours false if it vanished meanwhile),
 * or -errno.
 */
static int prog_inspect(const struct enf_xdp *x, __u32 id, int *fd, bool *ours,
			char name[BPF_OBJ_NAME_LEN])
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
	if (strcmp(info.name, XDP_PROG_NAME))
		return 0;
	if (id == x->prog_id || id == x->prev_prog_id) {
		*ours = true;
		return 0;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < MAX_PROG_MAPS; i++)
		for (int m = 0; m < XM_COUNT; m++)
			if (map_ids[i] == x->map_id[m])
				*ours = true;
	return 0;
}

static void slots_release(struct xdp_slot *slots, int n)
{
	for (int i = 0; i < n; i++) {
		if (slots[i].fd >= 0)
			close(slots[i].fd);
		slots[i].fd = -1;
	}
}

/*
 * Fills @slots (native, generic) with what is on @ifindex; fails with
 * -EBUSY, and says so, if either is not ours.
 */
static int slots_read(const struct enf_xdp *x, const char *ifname, int ifindex,
		      struct xdp_slot slots[2])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN];
	bool ours;
	int err;

	slots[0] = (struct xdp_slot){ .mode = ENF_XDP_MODE_NATIVE, .fd = -1 };
	slots[1] = (struct xdp_slot){ .mode = ENF_XDP_MODE_GENERIC, .fd = -1 };
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_warn("%s: querying XDP: %s", ifname, strerror(-err));
		return err;
	}
	if (q.hw_prog_id)
		pr_debug("%s: program %u is offloaded to the NIC; left alone",
			 ifname, q.hw_prog_id);
	slots[0].id = q.drv_prog_id;
	slots[1].id = q.skb_prog_id;

	for (int i = 0; i < 2; i++) {
		if (!slots[i].id)
			continue;
		err = prog_inspect(x, slots[i].id, &slots[i].fd, &ours, name);
		if (err) {
			pr_warn("%s: inspecting XDP program %u: %s", ifname,
				slots[i].id, strerror(-err));
			goto out_release;
		}
		if (slots[i].fd < 0) { /* gone since the query */
			slots[i].id = 0;
			continue;
		}
		if (!ours) {
			pr_warn("%s: XDP program %u (\"%s\") in %s mode is not enforcer's; refusing to replace it",
				ifname, slots[i].id, name,
				enf_xdp_mode_name(slots[i].mode));
			err = -EBUSY;
			goto out_release;
		}
	}
	return 0;

out_release:
	slots_release(slots, 2);
	return err;
}

/* Attaches in @mode, first taking ours off the other mode if it is there. */
static int attach_mode(struct enf_xdp *x, int ifindex, enum enf_xdp_mode mode,
		       struct xdp_slot slots[2])
{
	struct xdp_slot *mine = &slots[mode == ENF_XDP_MODE_NATIVE ? 0 : 1];
	struct xdp_slot *other = &slots[mode == ENF_XDP_MODE_NATIVE ? 1 : 0];
	__u32 flag = mode_flag(mode);
	int err;

	/* The kernel refuses native and generic at once on one device. */
	if (other->id && !other->detached) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts,
			    .old_prog_fd = other->fd);

		err = bpf_xdp_detach(ifindex,
				     mode_flag(other->mode) | XDP_FLAGS_REPLACE,
				     &opts);
		if (err)
			return err;
		other->detached = true;
	}
	if (mine->id && !mine->detached) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = mine->fd);

		if (mine->id == x->prog_id)
			return 0;
		/* Atomic: fails if what is there is no longer that one. */
		return bpf_xdp_attach(ifindex, x->prog_fd,
				      flag | XDP_FLAGS_REPLACE, &opts);
	}
	return bpf_xdp_attach(ifindex, x->prog_fd,
			      flag | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
}

/* After every mode failed: put back what attach_mode() took off. */
static void slots_restore(const char *ifname, int ifindex,
			  struct xdp_slot slots[2])
{
	for (int i = 0; i < 2; i++) {
		int err;

		if (!slots[i].detached)
			continue;
		err = bpf_xdp_attach(ifindex, slots[i].fd,
				     mode_flag(slots[i].mode) |
					     XDP_FLAGS_UPDATE_IF_NOEXIST,
				     NULL);
		if (err)
			pr_warn("%s: could not put back the earlier program %u in %s mode: %s",
				ifname, slots[i].id,
				enf_xdp_mode_name(slots[i].mode),
				strerror(-err));
		else
			pr_info("%s: earlier program %u left in %s mode",
				ifname, slots[i].id,
				enf_xdp_mode_name(slots[i].mode));
	}
}

static struct enf_xdp_iface *iface_by_index(struct enf_xdp *x, int ifindex)
{
	for (size_t i = 0; i < x->n_ifaces; i++)
		if (x->ifaces[i].ifindex == ifindex)
			return &x->ifaces[i];
	return NULL;
}

static struct enf_xdp_iface *iface_by_name(struct enf_xdp *x,
					   const char *ifname)
{
	for (size_t i = 0; i < x->n_ifaces; i++)
		if (!strcmp(x->ifaces[i].name, ifname))
			return &x->ifaces[i];
	return NULL;
}

static void iface_forget(struct enf_xdp *x, struct enf_xdp_iface *ifc)
{
	size_t i = ifc - x->ifaces;

	memmove(&x->ifaces[i], &x->ifaces[i + 1],
		(x->n_ifaces - i - 1) * sizeof(x->ifaces[0]));
	x->n_ifaces--;
}

int enf_xdp_attach(struct enf_xdp *x, const char *ifname,
		   enum enf_xdp_mode want, enum enf_xdp_mode *got)
{
	static const enum enf_xdp_mode auto_order[] = { ENF_XDP_MODE_NATIVE,
							ENF_XDP_MODE_GENERIC };
	struct xdp_slot slots[2];
	const enum enf_xdp_mode *order;
	struct enf_xdp_iface *ifc;
	enum enf_xdp_mode mode;
	int n_order, ifindex;
	int err = 0;

	if (!x->skel)
		return -EOPNOTSUPP;
	switch (want) {
	case ENF_XDP_MODE_AUTO:
		order = auto_order;
		n_order = 2;
		break;
	case ENF_XDP_MODE_NATIVE:
		order = &auto_order[0];
		n_order = 1;
		break;
	case ENF_XDP_MODE_GENERIC:
		order = &auto_order[1];
		n_order = 1;
		break;
	default:
		pr_warn("%s: XDP mode %s is not supported yet", ifname,
			enf_xdp_mode_name(want));
		return -EOPNOTSUPP;
	}
	if (strlen(ifname) >= IF_NAMESIZE)
		return -ENODEV;
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		err = -errno;
		pr_warn("%s: no such interface: %s", ifname, strerror(-err));
		return -ENODEV;
	}
	ifc = iface_by_index(x, ifindex);
	if (!ifc && x->n_ifaces == ENF_XDP_MAX_IFACES) {
		pr_warn("%s: already attached to %d interfaces", ifname,
			ENF_XDP_MAX_IFACES);
		return -ENOSPC;
	}

	err = slots_read(x, ifname, ifindex, slots);
	if (err)
		return err;
	for (int i = 0; i < n_order; i++) {
		mode = order[i];
		err = attach_mode(x, ifindex, mode, slots);
		if (!err)
			break;
		if (err == -EBUSY) /* foreign ones were refused above */
			pr_warn("%s: %s XDP refused: the program there is held by a bpf_link",
				ifname, enf_xdp_mode_name(mode));
		if (i + 1 < n_order)
			pr_info("%s: %s XDP failed (%s); trying %s", ifname,
				enf_xdp_mode_name(mode), strerror(-err),
				enf_xdp_mode_name(order[i + 1]));
	}
	if (err) {
		pr_warn("%s: attaching XDP (%s): %s", ifname,
			enf_xdp_mode_name(want), strerror(-err));
		slots_restore(ifname, ifindex, slots);
		goto out_release;
	}

	if (!ifc) {
		ifc = &x->ifaces[x->n_ifaces++];
		ifc->ifindex = ifindex;
	}
	snprintf(ifc->name, sizeof(ifc->name), "%s", ifname);
	ifc->mode = mode;
	if (got)
		*got = mode;
	pr_info("%s: xdp_offload attached in %s mode", ifname,
		enf_xdp_mode_name(mode));
out_release:
	slots_release(slots, 2);
	return err;
}

static int iface_detach(struct enf_xdp *x, struct enf_xdp_iface *ifc)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = x->prog_fd);
	int err;

	err = bpf_xdp_detach(ifc->ifindex,
			     mode_flag(ifc->mode) | XDP_FLAGS_REPLACE, &opts);
	if (err == -ENODEV)
		return 0;
	if (err == -EEXIST)
		pr_warn("%s: the XDP program there is no longer ours; left in place",
			ifc->name);
	else if (err)
		pr_warn("%s: detaching XDP: %s", ifc->name, strerror(-err));
	else
		pr_info("%s: xdp_offload detached", ifc->name);
	return err;
}

int enf_xdp_detach(struct enf_xdp *x, const char *ifname)
{
	struct enf_xdp_iface *ifc = iface_by_name(x, ifname);
	int err;

	if (!ifc)
		return -ENOENT;
	err = iface_detach(x, ifc);
	iface_forget(x, ifc);
	return err;
}

int enf_xdp_detach_all(struct enf_xdp *x)
{
	int err = 0;

	while (x->n_ifaces) {
		struct enf_xdp_iface *ifc = &x->ifaces[x->n_ifaces - 1];
		int e = iface_detach(x, ifc);

		if (e && !err)
			err = e;
		iface_forget(x, ifc);
	}
	return err;
}

bool enf_xdp_attached(const struct enf_xdp *x, size_t i, const char **ifname,
		      enum enf_xdp_mode *mode)
{
	if (i >= x->n_ifaces)
		return false;
	if (ifname)
		*ifname = x->ifaces[i].name;
	if (mode)
		*mode = x->ifaces[i].mode;
	return true;
}

static int src_map(const struct enf_xdp *x, int family)
{
	if (family == AF_INET)
		return x->map_fd[XM_SRC4];
	if (family == AF_INET6)
		return x->map_fd[XM_SRC6];
	return -EAFNOSUPPORT;
}

int enf_xdp_deny_add(struct enf_xdp *x, int family, const void *addr,
		     __u32 rule_id)
{
	struct enf_deny_value val = { .rule_id = rule_id };
	int fd = src_map(x, family);

	if (fd < 0)
		return fd;
	return bpf_map_update_elem(fd, addr, &val, BPF_ANY);
}

int enf_xdp_deny_del(struct enf_xdp *x, int family, const void *addr)
{
	int fd = src_map(x, family);

	if (fd < 0)
		return fd;
	return bpf_map_delete_elem(fd, addr);
}

int enf_xdp_deny_lookup(struct enf_xdp *x, int family, const void *addr,
			struct enf_deny_value *val)
{
	struct enf_deny_value tmp;
	int fd = src_map(x, family);

	if (fd < 0)
		return fd;
	return bpf_map_lookup_elem(fd, addr, val ? val : &tmp);
}

/*
 * Walks map @m calling @fn per entry. A hash map holds at most max_entries
 * keys, so more steps than that mean it changed under us too much.
 */
static int map_walk(const struct enf_xdp *x, enum xmap m,
		    int (*fn)(const void *key, const struct enf_deny_value *v,
			      void *arg),
		    void *arg)
{
	union {
		__u32 v4;
		struct enf_in6_key v6;
		struct enf_tuple flow;
	} cur, next;
	struct enf_deny_value val;
	const void *prev = NULL;
	int fd = x->map_fd[m];
	int err;

	for (__u32 steps = 0;; steps++) {
		err = bpf_map_get_next_key(fd, prev, &next);
		if (err == -ENOENT)
			return 0;
		if (err)
			return err;
		if (steps >= x->max_entries[m])
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
	int family;
	enf_xdp_deny_cb cb;
	void *ctx;
};

static int deny_walk_fn(const void *key, const struct enf_deny_value *v,
			void *arg)
{
	struct deny_walk *w = arg;

	return w->cb(w->family, key, v, w->ctx);
}

int enf_xdp_deny_foreach(struct enf_xdp *x, int family, enf_xdp_deny_cb cb,
			 void *ctx)
{
	struct deny_walk w = { .cb = cb, .ctx = ctx };
	int err;

	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (family != AF_INET6) {
		w.family = AF_INET;
		err = map_walk(x, XM_SRC4, deny_walk_fn, &w);
		if (err)
			return err;
	}
	if (family != AF_INET) {
		w.family = AF_INET6;
		return map_walk(x, XM_SRC6, deny_walk_fn, &w);
	}
	return 0;
}

static bool zero_bytes(const __u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Only keys xdp_offload can build from a packet are worth storing. */
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

int enf_xdp_flow_add(struct enf_xdp *x, const struct enf_tuple *t,
		     __u32 rule_id)
{
	struct enf_deny_value val = { .rule_id = rule_id };

	if (!tuple_valid(t))
		return -EINVAL;
	return bpf_map_update_elem(x->map_fd[XM_FLOW], t, &val, BPF_ANY);
}

int enf_xdp_flow_del(struct enf_xdp *x, const struct enf_tuple *t)
{
	if (!tuple_valid(t))
		return -EINVAL;
	return bpf_map_delete_elem(x->map_fd[XM_FLOW], t);
}

int enf_xdp_flow_lookup(struct enf_xdp *x, const struct enf_tuple *t,
			struct enf_deny_value *val)
{
	struct enf_deny_value tmp;

	if (!tuple_valid(t))
		return -EINVAL;
	return bpf_map_lookup_elem(x->map_fd[XM_FLOW], t, val ? val : &tmp);
}

struct flow_walk {
	enf_xdp_flow_cb cb;
	void *ctx;
};

static int flow_walk_fn(const void *key, const struct enf_deny_value *v,
			void *arg)
{
	struct flow_walk *w = arg;

	return w->cb(key, v, w->ctx);
}

int enf_xdp_flow_foreach(struct enf_xdp *x, enf_xdp_flow_cb cb, void *ctx)
{
	struct flow_walk w = { .cb = cb, .ctx = ctx };

	return map_walk(x, XM_FLOW, flow_walk_fn, &w);
}

int enf_xdp_stats_read(struct enf_xdp *x, __u64 out[ENF_XDP_STAT_MAX])
{
	for (__u32 i = 0; i < ENF_XDP_STAT_MAX; i++) {
		int err = bpf_map_lookup_elem(x->map_fd[XM_STATS], &i, &out[i]);

		if (err)
			return err;
	}
	return 0;
}
