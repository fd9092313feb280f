/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loader of bpf/xdp_offload.bpf.c: load with pinned maps, attach in a mode
 * with fallback, detach what this process attached, and read and write the
 * deny maps and counters. Map layouts are in include/enforcer/xdp.h.
 *
 * Identity: a program on an interface counts as enforcer's own when its name
 * is "xdp_offload" and it is either the program pinned in the pin directory
 * before this load or uses one of this load's maps (which are the pinned
 * ones, reused). Anything else is foreign and is never replaced or removed.
 */
#ifndef ENFORCER_LOADER_XDP_H
#define ENFORCER_LOADER_XDP_H

#include <stdbool.h>
#include <stddef.h>

#include "enforcer/xdp.h"

/* File name of the pinned program in the pin directory. */
#define ENF_XDP_PROG_PIN "xdp_offload_prog"
/* Interfaces one handle attaches to, at most. */
#define ENF_XDP_MAX_IFACES 64

/* How the program is attached (the daemon maps its config's modes here). */
enum enf_xdp_mode {
	ENF_XDP_MODE_AUTO = 0, /* native, falling back to generic */
	ENF_XDP_MODE_NATIVE, /* in the driver: XDP_FLAGS_DRV_MODE */
	ENF_XDP_MODE_GENERIC, /* in the stack: XDP_FLAGS_SKB_MODE */
	ENF_XDP_MODE_HW, /* in the NIC: XDP_FLAGS_HW_MODE, not yet supported */
};

struct enf_xdp;

/* "auto", "native", "generic", "hw"; "?" for anything else. */
const char *enf_xdp_mode_name(enum enf_xdp_mode mode);

/**
 * enf_xdp_open() - load xdp_offload with its maps pinned under @pin_dir
 * @pin_dir: bpffs directory (created, and bpffs mounted, if needed); NULL
 *	loads with private maps and pins nothing (tests, one-shot tools)
 * @out: receives the handle
 *
 * Maps already pinned in @pin_dir are reused, so deny entries and counters
 * survive a daemon restart; a pinned map whose layout differs from this
 * build's (an upgrade) is replaced with a fresh one, with a warning: the
 * policy database is what the daemon restores entries from. Maps not yet
 * pinned are pinned. The program is pinned as ENF_XDP_PROG_PIN, replacing
 * an earlier pin; the earlier program's id is remembered so that
 * enf_xdp_attach() can recognise it on an interface.
 *
 * Return: 0, or -errno (the reason is logged).
 */
int enf_xdp_open(const char *pin_dir, struct enf_xdp **out);

/**
 * enf_xdp_open_pinned() - open only the maps pinned under @pin_dir
 * @pin_dir: where enf_xdp_open() pinned them
 * @read_only: open the maps read-only (adding or deleting then fails -EPERM)
 * @out: receives the handle
 *
 * For enforcerctl and tests: no program is loaded, so the handle cannot
 * attach. Each map's type and key and value sizes are checked against this
 * build's.
 *
 * Return: 0; -ENOENT if a map is not pinned there, -EINVAL if one does not
 * have the expected layout or @pin_dir is NULL, or another -errno.
 */
int enf_xdp_open_pinned(const char *pin_dir, bool read_only,
			struct enf_xdp **out);

/**
 * enf_xdp_close() - free a handle
 * @x: the handle, or NULL
 *
 * Detaches nothing: programs stay attached, pinned maps stay pinned, so
 * enforcement goes on. Call enf_xdp_detach_all() first to stop it.
 */
void enf_xdp_close(struct enf_xdp *x);

/**
 * enf_xdp_prog_fd() - the loaded program's fd, for BPF_PROG_TEST_RUN
 * @x: the handle
 *
 * Return: the fd, or -1 for a handle from enf_xdp_open_pinned().
 */
int enf_xdp_prog_fd(const struct enf_xdp *x);

/**
 * enf_xdp_prog_id() - the loaded program's kernel id
 * @x: the handle
 *
 * Return: the id, or 0 for a handle from enf_xdp_open_pinned().
 */
__u32 enf_xdp_prog_id(const struct enf_xdp *x);

/**
 * enf_xdp_attach() - attach the program to an interface
 * @x: a handle from enf_xdp_open()
 * @ifname: interface name
 * @want: ENF_XDP_MODE_AUTO tries native, then generic (logging why native
 *	failed); NATIVE and GENERIC try only that mode
 * @got: receives the mode in effect on success; may be NULL
 *
 * An enforcer program already on the interface (from an earlier run, or this
 * one in another mode) is replaced: atomically when it is in the mode
 * wanted, otherwise it is detached first and put back if no mode works. A
 * foreign program in native or generic mode is left alone and the call
 * fails. The interface is remembered for enf_xdp_detach_all().
 *
 * Return: 0; -ENODEV if there is no such interface; -EBUSY if a foreign
 * program is attached (logged with its id and name); -EOPNOTSUPP for
 * ENF_XDP_MODE_HW or a handle without a program; -ENOSPC if the handle
 * already holds ENF_XDP_MAX_IFACES interfaces; else the last mode's -errno.
 */
int enf_xdp_attach(struct enf_xdp *x, const char *ifname,
		   enum enf_xdp_mode want, enum enf_xdp_mode *got);

/**
 * enf_xdp_detach() - detach this handle's program from one interface
 * @x: the handle
 * @ifname: an interface enf_xdp_attach() succeeded on
 *
 * Only removes the program if it is still this handle's: if something else
 * replaced it meanwhile, that is left in place. The interface is forgotten
 * either way.
 *
 * Return: 0 (also if the interface is gone); -ENOENT if this handle did not
 * attach to @ifname; -EEXIST if another program had replaced ours; -errno.
 */
int enf_xdp_detach(struct enf_xdp *x, const char *ifname);

/**
 * enf_xdp_detach_all() - detach from every interface this handle attached to
 * @x: the handle
 *
 * Same rules as enf_xdp_detach(); goes through all interfaces even when one
 * fails.
 *
 * Return: 0, or the first -errno met.
 */
int enf_xdp_detach_all(struct enf_xdp *x);

/**
 * enf_xdp_attached() - list the interfaces this handle is attached to
 * @x: the handle
 * @i: index, from 0
 * @ifname: receives the interface name (valid until the next attach or
 *	detach); may be NULL
 * @mode: receives its mode; may be NULL
 *
 * Return: true if there is an @i-th interface.
 */
bool enf_xdp_attached(const struct enf_xdp *x, size_t i, const char **ifname,
		      enum enf_xdp_mode *mode);

/**
 * enf_xdp_deny_add() - drop everything from a source address
 * @x: the handle
 * @family: AF_INET or AF_INET6
 * @addr: 4 bytes (struct in_addr) or 16 bytes (struct in6_addr), network
 *	byte order
 * @rule_id: the rule responsible, 0 for a manual block
 *
 * Adds the entry or overwrites its rule id.
 *
 * Return: 0; -EAFNOSUPPORT for another family; -E2BIG when the map is
 * full; -EPERM on a read-only handle; another -errno.
 */
int enf_xdp_deny_add(struct enf_xdp *x, int family, const void *addr,
		     __u32 rule_id);

/**
 * enf_xdp_deny_del() - stop dropping a source address
 * @x: the handle
 * @family: AF_INET or AF_INET6
 * @addr: as for enf_xdp_deny_add()
 *
 * Return: 0; -ENOENT if it was not denied; -EAFNOSUPPORT; -errno.
 */
int enf_xdp_deny_del(struct enf_xdp *x, int family, const void *addr);

/**
 * enf_xdp_deny_lookup() - read one source entry
 * @x: the handle
 * @family: AF_INET or AF_INET6
 * @addr: as for enf_xdp_deny_add()
 * @val: receives the entry; may be NULL
 *
 * Return: 0 if denied; -ENOENT if not; -EAFNOSUPPORT; -errno.
 */
int enf_xdp_deny_lookup(struct enf_xdp *x, int family, const void *addr,
			struct enf_deny_value *val);

/*
 * Called once per entry by enf_xdp_deny_foreach(): @addr is 4 or 16 bytes as
 * @family says. Returning non-zero stops the walk.
 */
typedef int (*enf_xdp_deny_cb)(int family, const void *addr,
			       const struct enf_deny_value *val, void *ctx);

/**
 * enf_xdp_deny_foreach() - walk the source entries
 * @x: the handle
 * @family: AF_INET, AF_INET6, or AF_UNSPEC for both (IPv4 first)
 * @cb: called per entry
 * @ctx: passed to @cb
 *
 * Entries added or deleted during the walk may or may not be seen; an entry
 * may be seen twice if the one last seen is deleted meanwhile. The walk
 * makes at most as many steps as the map has room for.
 *
 * Return: 0 after the whole walk; what @cb returned if it stopped it;
 * -EAFNOSUPPORT; -errno.
 */
int enf_xdp_deny_foreach(struct enf_xdp *x, int family, enf_xdp_deny_cb cb,
			 void *ctx);

/**
 * enf_xdp_flow_add() - drop one TCP or UDP flow
 * @x: the handle
 * @t: the flow as its packets arrive (source = the remote peer), with
 *	@t->pad and, for IPv4, bytes 4..15 of both addresses zero
 * @rule_id: the rule responsible, 0 for a manual block
 *
 * Return: 0; -EINVAL if @t is not a key the program can ever build (family
 * not V4/V6, protocol not TCP/UDP, stray non-zero bytes); -E2BIG when full;
 * -errno.
 */
int enf_xdp_flow_add(struct enf_xdp *x, const struct enf_tuple *t,
		     __u32 rule_id);

/**
 * enf_xdp_flow_del() - stop dropping a flow
 * @x: the handle
 * @t: as for enf_xdp_flow_add()
 *
 * Return: 0; -ENOENT if it was not denied; -EINVAL; -errno.
 */
int enf_xdp_flow_del(struct enf_xdp *x, const struct enf_tuple *t);

/**
 * enf_xdp_flow_lookup() - read one flow entry
 * @x: the handle
 * @t: as for enf_xdp_flow_add()
 * @val: receives the entry; may be NULL
 *
 * Return: 0 if denied; -ENOENT if not; -EINVAL; -errno.
 */
int enf_xdp_flow_lookup(struct enf_xdp *x, const struct enf_tuple *t,
			struct enf_deny_value *val);

/* Called once per entry by enf_xdp_flow_foreach(); non-zero stops it. */
typedef int (*enf_xdp_flow_cb)(const struct enf_tuple *t,
			       const struct enf_deny_value *val, void *ctx);

/**
 * enf_xdp_flow_foreach() - walk the flow entries
 * @x: the handle
 * @cb: called per entry
 * @ctx: passed to @cb
 *
 * Same guarantees as enf_xdp_deny_foreach().
 *
 * Return: 0 after the whole walk; what @cb returned if it stopped it; -errno.
 */
int enf_xdp_flow_foreach(struct enf_xdp *x, enf_xdp_flow_cb cb, void *ctx);

/**
 * enf_xdp_stats_read() - read the xdp_stats counters
 * @x: the handle
 * @out: receives one value per enum enf_xdp_stat
 *
 * Counters only grow; they start at zero when the map is first created and
 * survive restarts with it.
 *
 * Return: 0 or -errno.
 */
int enf_xdp_stats_read(struct enf_xdp *x, __u64 out[ENF_XDP_STAT_MAX]);

#endif /* ENFORCER_LOADER_XDP_H */
