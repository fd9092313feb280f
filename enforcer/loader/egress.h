/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The egress data plane (enforce:egress): bpf/egress.bpf.c attached to a
 * cgroup v2 as cgroup/connect4 and cgroup/connect6, denying new connect()s
 * of a process's cgroup to a destination with EPERM, and the deny map it
 * reads (enforcer/egress.h has the key, the value and the lookup rule).
 * This is the only code that writes the map.
 *
 * Attach point: one cgroup, by default the root of the cgroup2 mount (the
 * first in /proc/self/mounts), so the programs run at every connect() of
 * every process below it; an entry names the cgroup of the process that
 * made the request, which need not be the attach point. Both programs are
 * attached through bpf links, which always attach with BPF_F_ALLOW_MULTI
 * semantics: programs of others on the same cgroup or its ancestors stay,
 * and each of them can deny too.
 *
 * Pins, under the pin directory (the caller's; e.g.
 * /sys/fs/bpf/enforcer/egress):
 *   egress_deny egress_stats       the maps, reused when their layout
 *                                  matches (entries survive a restart or a
 *                                  kill -9), replaced with a warning when
 *                                  not (another size configured)
 *   egress_connect4 egress_connect6  the links: the programs stay attached
 *                                  and enforcing while the daemon is gone
 *
 * A pinned link is updated in place, not doubled: at open, a link pinned
 * by an earlier run that is attached to the cgroup asked for, with the
 * same attach type, gets the newly loaded program swapped in with
 * bpf_link__update_program() (BPF_LINK_UPDATE: atomic, no moment without
 * a program, the link id and the pin stay). A pinned link that is not
 * that (another cgroup, a cgroup since removed, an update refused) is
 * replaced: the new link is attached first, pinned under a temporary name
 * and renamed over the old pin (the pin always names a link), and only
 * then is the old link detached (BPF_LINK_DETACH; its last reference
 * alone would release it a little later). Either way the cgroup carries
 * exactly one program of ours per hook once open returns.
 *
 * Without a pin directory nothing is pinned or reused: the maps are the
 * handle's own and the programs are attached only while it is open
 * (tests).
 *
 * Threads: entries may be added, removed and read, and the counters read,
 * from several threads at once (each call is one or a few bpf() calls on
 * fds that do not change while the handle is open); open, detach and
 * close from one, while no other call runs. One handle per pin directory
 * at a time.
 */
#ifndef ENFORCER_LOADER_EGRESS_H
#define ENFORCER_LOADER_EGRESS_H

#include <limits.h>
#include <stdbool.h>

#include "enforcer/egress.h"

/**
 * struct enf_egress_opts - how the egress data plane is set up
 * @pin_dir: bpffs directory (bpffs is mounted and the directory made when
 *	missing, as enf_bpffs_ensure() does); NULL: private maps and links,
 *	nothing pinned (tests)
 * @cgroup_path: the cgroup v2 directory to attach to; NULL: the root of
 *	the cgroup2 mount found in /proc/self/mounts
 * @entries: entries of egress_deny; 0 for ENF_EGRESS_DENY_MAX. A pinned
 *	map of another size is replaced (with a warning).
 */
struct enf_egress_opts {
	const char *pin_dir;
	const char *cgroup_path;
	__u32 entries;
};

struct enf_egress;

/**
 * enf_egress_open() - load the programs, open the maps, attach
 * @opts: may be NULL (all defaults: nothing pinned, the cgroup2 root)
 * @out: the handle, NULL on error
 *
 * Reuses the pinned maps and links (see above) and pins what it made.
 * Return: 0; -ENOENT when no cgroup2 is mounted (@cgroup_path NULL);
 * -EMEDIUMTYPE when @cgroup_path is not a cgroup2 directory or the pin
 * directory not on a bpffs; -ENAMETOOLONG; -errno from the kernel (load,
 * map creation, attach, pin).
 */
int enf_egress_open(const struct enf_egress_opts *opts,
		    struct enf_egress **out);

/**
 * enf_egress_close() - free the handle
 * @e: the handle, or NULL
 *
 * What is pinned stays pinned and attached: enforcement goes on without
 * the daemon. Without a pin directory the programs are detached (their
 * links go with the handle).
 */
void enf_egress_close(struct enf_egress *e);

/**
 * enf_egress_detach() - stop enforcing and remove every pin of ours
 * @e: the handle
 *
 * Detaches both links from the cgroup (even if another process holds a
 * reference to them) and unlinks the link and map pins; the pin directory
 * itself stays (it may hold other pins). The handle's maps still answer
 * until enf_egress_close(), but nothing enforces them (enforcerd --detach).
 * Return: 0, or the first -errno met (the rest is still done).
 */
int enf_egress_detach(struct enf_egress *e);

/**
 * enf_egress_add() - deny a cgroup's connect()s to a destination
 * @e: the handle
 * @cgroup_id: cgroup v2 id of the process (bpf_get_current_cgroup_id());
 *	not 0
 * @family: AF_INET or AF_INET6
 * @addr: the destination address, network byte order, 4 or 16 bytes; a
 *	v4-mapped IPv6 address (::ffff:a.b.c.d) is stored as IPv4, so it
 *	denies IPv4 sockets and IPv6 sockets alike
 * @port_be: destination port (TCP or UDP), network byte order; 0: every
 *	port
 * @rule_id: the rule whose verdict asks for it (0: a manual entry)
 *
 * Adds the entry, or gives an existing one @rule_id.
 * Return: 0; -EINVAL for a 0 cgroup id, a NULL @addr or another family;
 * -E2BIG when the map is full (nothing changed); -errno.
 */
int enf_egress_add(struct enf_egress *e, __u64 cgroup_id, int family,
		   const void *addr, __u16 port_be, __u32 rule_id);

/*
 * enf_egress_add_many() - enf_egress_add() for @n entries (@ents, their
 * rule ids with them) in one BPF_MAP_UPDATE_BATCH where the kernel takes
 * it; each one's outcome in @err. Return: 0, or -ENOMEM (none written).
 */
struct enf_egress_entry;
int enf_egress_add_many(struct enf_egress *e,
			const struct enf_egress_entry *ents, size_t n,
			int *err);

/**
 * enf_egress_del() - lift an entry enf_egress_add() made
 * @e, @cgroup_id, @family, @addr, @port_be: as enf_egress_add() took them
 *	(a port-0 entry is lifted by port 0 only)
 *
 * Return: 0; -ENOENT when there is no such entry; -EINVAL; -errno.
 */
int enf_egress_del(struct enf_egress *e, __u64 cgroup_id, int family,
		   const void *addr, __u16 port_be);

/**
 * enf_egress_lookup() - read one entry (the exact key: no port-0 fallback)
 * @v: filled on success; may be NULL
 *
 * Return: 0; -ENOENT; -EINVAL; -errno.
 */
int enf_egress_lookup(struct enf_egress *e, __u64 cgroup_id, int family,
		      const void *addr, __u16 port_be,
		      struct enf_egress_value *v);

/**
 * struct enf_egress_entry - one entry, as enf_egress_foreach() gives it
 * @cgroup_id: the cgroup v2 id
 * @family: AF_INET or AF_INET6
 * @addr: the address, network byte order; 4 bytes used for AF_INET
 * @port: the port, network byte order; 0: every port
 * @rule_id: the rule that put it there
 */
struct enf_egress_entry {
	__u64 cgroup_id;
	int family;
	__u8 addr[16];
	__u16 port;
	__u32 rule_id;
};

typedef int (*enf_egress_cb)(const struct enf_egress_entry *ent, void *ctx);

/**
 * enf_egress_foreach() - call @cb for every entry
 *
 * Reads the map in batches; @cb may delete the entry it is given. A
 * non-zero return from @cb stops the walk and is returned.
 * Return: 0, what @cb returned, -errno.
 */
int enf_egress_foreach(struct enf_egress *e, enf_egress_cb cb, void *ctx);

/* Entries in egress_deny, into *@count. Return: 0, -errno. */
int enf_egress_count(struct enf_egress *e, __u32 *count);

/**
 * struct enf_egress_counters - denied connect()s since the map was made
 * @count: per enum enf_egress_stat, summed over CPUs
 * @denied: the sum of @count
 */
struct enf_egress_counters {
	__u64 count[ENF_EGRESS_STAT_MAX];
	__u64 denied;
};

/* Reads the counters (pinned: since the first run). Return: 0, -errno. */
int enf_egress_stats(struct enf_egress *e, struct enf_egress_counters *out);

/**
 * struct enf_egress_info - where and how the handle enforces
 * @cgroup_path: the cgroup the programs are attached to
 * @cgroup_id: its id
 * @entries: egress_deny's capacity
 * @pinned: maps and links are pinned
 * @map_reused: egress_deny was an earlier run's pinned map
 * @link_updated: per hook (0 connect4, 1 connect6): the earlier run's
 *	pinned link was kept and given the new program
 * @link_id: per hook, the kernel's id of the link in use
 */
struct enf_egress_info {
	char cgroup_path[PATH_MAX];
	__u64 cgroup_id;
	__u32 entries;
	bool pinned;
	bool map_reused;
	bool link_updated[2];
	__u32 link_id[2];
};

/* Fills *@out from the handle (no syscall). Return: 0. */
int enf_egress_info(const struct enf_egress *e, struct enf_egress_info *out);

/**
 * enf_egress_cgroup_id() - the cgroup v2 id of a cgroup directory
 * @path: a directory on a cgroup2 filesystem
 * @id: filled with what bpf_get_current_cgroup_id() answers for a task in
 *	that cgroup
 *
 * Return: 0; -EMEDIUMTYPE when @path is not on cgroup2; -errno.
 */
int enf_egress_cgroup_id(const char *path, __u64 *id);

/**
 * enf_egress_cgroup_gone() - whether the cgroup an entry names is gone
 * @e: the handle (it knows the cgroup2 mount: the first in
 *	/proc/self/mounts)
 * @id: the entry's cgroup v2 id
 * @path: that cgroup's path from the hierarchy's root
 *	("/system.slice/x.service"), as /proc/PID/cgroup shows it
 *
 * Return: 1 when no cgroup @path exists or it is another cgroup than @id
 * (one made again under the same name; ids are never reused), 0 when it
 * is there; -EINVAL for a @path not starting with '/' or a 0 @id;
 * -ENOENT when no cgroup2 is mounted; -errno when it cannot be told.
 */
int enf_egress_cgroup_gone(const struct enf_egress *e, __u64 id,
			   const char *path);

#endif /* ENFORCER_LOADER_EGRESS_H */
