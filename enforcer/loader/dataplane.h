/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XDP data plane: the host maps (pinned), and per interface the
 * programs that enforce them, attached in the best mode the interface
 * offers. This is the only code that writes the deny maps.
 *
 * Per interface, in the mode in effect:
 * - hw (NIC offload, e.g. nfp, netdevsim): xdp_offload runs in the NIC with
 *   its own device-bound maps (deny_src4, deny_src6, deny_flow, xdp_stats;
 *   sized by what the device accepts), and xdp_host runs in the driver at
 *   the same time, checking the CIDR tries and deny_spill.
 * - native or generic: xdp_host alone, checking the host copies of
 *   deny_src4, deny_src6, deny_flow as well as the CIDR tries (one attach).
 *
 * A deny entry is always written to the host copy (used by every
 * non-offloaded interface) and, for every offloaded interface, to its NIC
 * map; when a device refuses (full: E2BIG/ENOSPC/ENOMEM; unsupported), the
 * entry goes to deny_spill instead for that device, and the spill is
 * counted. CIDR entries live in the host tries only.
 *
 * Flow marks: xdp_host looks deny_flow up only for a packet whose source's
 * host deny_src4/6 entry carries ENF_DENY_F_FLOWS (enforcer/xdp.h). So a
 * flow added marks its source first, with a marker entry (ENF_DENY_F_MARK:
 * not denied) when the source is not denied itself, and the source's last
 * flow removed takes the mark with it; a source deny added over a marker
 * replaces it, one lifted while flows remain leaves the marker. The handle
 * counts flows per source, rebuilt at open from the pinned deny_flow, which
 * also marks the flows of maps pinned by a run that knew no marks. Markers
 * are never listed, counted, found by a lookup or copied to a NIC; NIC maps
 * and deny_spill carry no flags (xdp_offload looks every flow up).
 *
 * Threads: deny entries may be added and removed, and interfaces read, from
 * several threads at once; attach, detach and close from one, while no
 * other call runs.
 *
 * IPv4 sources: xdp_host looks them up in deny_fast4 first, a table in an
 * ARRAY the verifier looks up inline (enforcer/xdp.h), which this handle
 * builds from the host deny_src4 at open (a new map, never an earlier
 * run's: until attach replaces an earlier run's xdp_host, that one reads
 * deny_src4 alone) and keeps in step with every deny_src4 write; entries
 * it cannot place stay in deny_src4 alone, counted in dp_config.
 *
 * Pins, under the pin directory (default /sys/fs/bpf/enforcer):
 *   deny_src4 deny_src6 deny_flow deny_cidr4 deny_cidr6 deny_spill
 *   deny_fast4 dp_config (replaced at each open)
 *   <ifname>/xdp_host <ifname>/host_stats
 *   <ifname>/xdp_offload <ifname>/deny_src4 ... <ifname>/xdp_stats (hw)
 * Maps already pinned are reused, so entries survive a restart. One
 * handle per pin directory at a time.
 */
#ifndef ENFORCER_LOADER_DATAPLANE_H
#define ENFORCER_LOADER_DATAPLANE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "enforcer/xdp.h"

/* Interfaces one data plane serves at most. */
#define ENF_DP_MAX_IFACES 16

enum enf_xdp_mode {
	ENF_XDP_MODE_AUTO = 0, /* hw where offered, else native, else generic */
	ENF_XDP_MODE_HW, /* XDP_FLAGS_HW_MODE plus xdp_host in the driver */
	ENF_XDP_MODE_NATIVE, /* XDP_FLAGS_DRV_MODE */
	ENF_XDP_MODE_GENERIC, /* XDP_FLAGS_SKB_MODE */
};

/* "auto", "hw", "native", "generic"; parse returns -EINVAL otherwise. */
const char *enf_xdp_mode_name(enum enf_xdp_mode mode);
int enf_xdp_mode_parse(const char *s, enum enf_xdp_mode *out);

/**
 * struct enf_dp_opts - how the data plane is set up
 * @pin_dir: bpffs directory (bpffs is mounted and the directory made when
 *	missing); NULL: private maps, nothing pinned (tests)
 * @host_entries: entries of the host deny_src4/deny_src6/deny_flow/
 *	deny_spill maps; 0 for the defaults in enforcer/xdp.h. A pinned map of
 *	another size or layout is replaced (with a warning).
 */
struct enf_dp_opts {
	const char *pin_dir;
	__u32 host_entries;
};

struct enf_dp;

int enf_dp_open(const struct enf_dp_opts *opts, struct enf_dp **out);

/* Frees the handle; programs stay attached and pins stay (enforcement goes
 * on without the daemon). Accepts NULL. */
void enf_dp_close(struct enf_dp *dp);

/**
 * enf_dp_attach() - enforce on an interface
 * @want: AUTO tries hw, then native, then generic, and logs why each step
 *	that failed failed; the others try only their mode
 * @got: the mode in effect
 *
 * Replaces programs of ours already on the interface (from an earlier run)
 * atomically where the kernel allows; never touches a foreign program
 * (-EBUSY, logged with its id and name).
 * Return: 0, -ENODEV, -EBUSY, -EOPNOTSUPP (hw asked, not offered), -errno.
 */
int enf_dp_attach(struct enf_dp *dp, const char *ifname, enum enf_xdp_mode want,
		  enum enf_xdp_mode *got);

/* Detaches our programs from one interface / every interface this handle
 * attached, and removes that interface's pins (NIC maps included). The
 * host maps stay pinned. */
int enf_dp_detach(struct enf_dp *dp, const char *ifname);
int enf_dp_detach_all(struct enf_dp *dp);

/* Removes the host maps' pins and the pin directory, after
 * enf_dp_detach_all(): nothing of ours is left (enforcerd --detach). */
int enf_dp_unpin_all(struct enf_dp *dp);

/* What a deny entry names. */
enum enf_deny_kind {
	ENF_DENY_SRC = 1, /* a source address */
	ENF_DENY_CIDR, /* a source prefix */
	ENF_DENY_FLOW, /* a TCP or UDP 5-tuple, peer as source */
};

/**
 * struct enf_deny - one deny entry
 * @kind: enum enf_deny_kind
 * @family: AF_INET or AF_INET6 (SRC, CIDR)
 * @addr: address, network byte order, 4 or 16 bytes used (SRC, CIDR)
 * @prefixlen: 0..32 or 0..128 (CIDR); host bits must be zero
 * @flow: the tuple (FLOW), as enf_xdp_flow_add() always took it
 */
struct enf_deny {
	int kind;
	int family;
	__u8 addr[16];
	__u8 prefixlen;
	struct enf_tuple flow;
};

/* Where an entry is enforced, per interface. */
enum enf_deny_where {
	ENF_WHERE_NONE = 0,
	ENF_WHERE_HOST, /* host map, checked by xdp_host */
	ENF_WHERE_NIC, /* the interface's NIC map */
	ENF_WHERE_SPILL /* deny_spill, because the NIC refused it */
};

/**
 * struct enf_deny_result - where enf_dp_deny_add() put an entry
 * @host: true when in the host maps (always, unless an error)
 * @n_nic: offloaded interfaces that took it in their NIC map
 * @n_spill: offloaded interfaces that refused it (it is in deny_spill)
 */
struct enf_deny_result {
	bool host;
	unsigned int n_nic;
	unsigned int n_spill;
};

/**
 * enf_dp_deny_add() - deny @d everywhere it can be enforced
 * Adds or refreshes (rule id) the entry: host map, then every NIC map,
 * spilling per device. A new flow needs room for its source's mark in the
 * host deny_src4/6 unless the source is there already (denied or marked).
 * Return: 0; -EINVAL for a malformed entry; -E2BIG when the host map (for a
 * flow: deny_flow, or the source map for its mark) is full, and then
 * nothing changed; -errno. @res may be NULL.
 */
int enf_dp_deny_add(struct enf_dp *dp, const struct enf_deny *d, __u32 rule_id,
		    struct enf_deny_result *res);

/**
 * enf_dp_deny_add_many() - enf_dp_deny_add() for @n entries at once
 * @d: the entries; @rule_id: each one's rule id
 * @err: each one's outcome, as enf_dp_deny_add() returns it
 * @res: where each one went
 *
 * Each host map takes its entries in one BPF_MAP_UPDATE_BATCH (where the
 * kernel offers batches), after the lookups deny_flow's bookkeeping needs
 * (one per flow) and deny_src4's when its fast table overflowed; NIC maps,
 * which take no batches, and deny_spill one by one. An entry given twice
 * is written once: the later ones share the first's outcome and rule id.
 * Return: 0 (each entry's outcome in @err), -ENOMEM (none written).
 */
int enf_dp_deny_add_many(struct enf_dp *dp, const struct enf_deny *d,
			 const __u32 *rule_id, size_t n, int *err,
			 struct enf_deny_result *res);

/* Removes @d from the host map, every NIC map and deny_spill (a source
 * with denied flows keeps its marker in the host map).
 * Return: 0, -ENOENT when it was nowhere, -EINVAL, -errno. */
int enf_dp_deny_del(struct enf_dp *dp, const struct enf_deny *d);

/* 0 when @d is in the host maps (and *@v filled: rule_id, flags 0),
 * -ENOENT (a source only marked for its flows too), -errno. */
int enf_dp_deny_lookup(struct enf_dp *dp, const struct enf_deny *d,
		       struct enf_deny_value *v);

/* Walks the host maps: sources (not markers), prefixes, flows; values with
 * flags 0. Non-zero from @cb stops. */
typedef int (*enf_dp_deny_cb)(const struct enf_deny *d,
			      const struct enf_deny_value *v, void *ctx);
int enf_dp_deny_foreach(struct enf_dp *dp, enf_dp_deny_cb cb, void *ctx);

/*
 * Walks what the offloaded interfaces' NIC maps (@where: the interface's
 * name) and deny_spill (@where: "deny_spill") hold, as entries (src,
 * flow). Non-zero from @cb stops.
 */
typedef int (*enf_dp_offload_cb)(const struct enf_deny *d,
				 const struct enf_deny_value *v,
				 const char *where, void *ctx);
int enf_dp_deny_offload_foreach(struct enf_dp *dp, enf_dp_offload_cb cb,
				void *ctx);

/*
 * The offloaded interfaces whose NIC map lacks @d (a src or flow entry)
 * while deny_spill does not hold it either: the NIC lost it. Their names,
 * comma-separated, into @buf. Return: how many (0 for a prefix, which the
 * host alone holds), -EINVAL.
 */
int enf_dp_deny_nic_missing(struct enf_dp *dp, const struct enf_deny *d,
			    char *buf, size_t len);

/**
 * struct enf_dp_if_info - one interface as status shows it
 * @name: interface name
 * @ifindex: its index
 * @driver: its driver (ethtool), "" when unknown
 * @mode: the mode in effect
 * @offloaded: xdp_offload runs in the NIC
 * @nic_capacity: entries each NIC map accepted at creation (hw)
 * @nic_entries: entries in the NIC's deny_src4, deny_src6, deny_flow (hw)
 * @spilled: entries this device refused since start (hw)
 * @nic_stats: xdp_offload's counters, read from the NIC (hw)
 * @host_stats: xdp_host's counters on this interface, summed over CPUs
 */
struct enf_dp_if_info {
	char name[IF_NAMESIZE];
	int ifindex;
	char driver[32];
	enum enf_xdp_mode mode;
	bool offloaded;
	__u32 nic_capacity[3];
	__u32 nic_entries[3];
	__u64 spilled;
	__u64 nic_stats[ENF_XDP_STAT_NIC_MAX];
	__u64 host_stats[ENF_XDP_STAT_MAX];
};

/* Interfaces attached, and each one's state (read from the kernel). */
size_t enf_dp_if_count(const struct enf_dp *dp);
int enf_dp_if_info(struct enf_dp *dp, size_t i, struct enf_dp_if_info *out);

/**
 * struct enf_dp_host_counts - entries in the host maps, markers left out
 */
struct enf_dp_host_counts {
	__u32 src4, src6, flow, cidr4, cidr6, spill;
};
int enf_dp_host_counts(struct enf_dp *dp, struct enf_dp_host_counts *out);

/**
 * struct enf_dp_fast4_info - deny_fast4, the inline IPv4 source table
 * @slots: its size (enforcer/xdp.h: four per deny_src4 entry, capped)
 * @used: host deny_src4 entries in it (markers included)
 * @tombs: slots of deleted entries, reused by later ones
 * @overflow: deny_src4 entries it could not place: while not 0, a packet
 *	whose source misses the table costs a deny_src4 lookup too
 * @moves: entries moved to make room since open
 */
struct enf_dp_fast4_info {
	__u32 slots, used, tombs, overflow;
	__u64 moves;
};

/* Reads the table's counts (from this handle; no syscall). Return: 0. */
int enf_dp_fast4_info(struct enf_dp *dp, struct enf_dp_fast4_info *out);

#endif /* ENFORCER_LOADER_DATAPLANE_H */
