/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XDP deny maps: names, sizes, key and value layouts, and the counters in
 * xdp_stats. Both bpf/xdp_offload.bpf.c and the loader read this.
 */
#ifndef ENFORCER_XDP_H
#define ENFORCER_XDP_H

#include "enforcer/flow.h"
#include "enforcer/types.h"

#define ENF_MAP_DENY_SRC4 "deny_src4"
#define ENF_MAP_DENY_SRC6 "deny_src6"
#define ENF_MAP_DENY_FLOW "deny_flow"
#define ENF_MAP_XDP_STATS "xdp_stats"

/*
 * Entry counts. Offloaded maps live in NIC memory; these are what the host
 * asks for and what the host copies hold. The NIC may hold fewer (the loader
 * spills the rest to the host).
 */
#define ENF_DENY_SRC4_MAX 65536
#define ENF_DENY_SRC6_MAX 65536
#define ENF_DENY_FLOW_MAX 65536

/* Key of deny_src6: the IPv6 source address. deny_src4 is keyed by __u32. */
struct enf_in6_key {
	__u8 addr[16];
};

/**
 * struct enf_deny_value - value of every deny map
 * @rule_id: the rule whose verdict put the entry there; 0 for manual blocks
 * @flags: ENF_DENY_F_*, reserved for later use, zero today
 *
 * Kept at 8 bytes so key + value stays within the NFP's 64-byte element.
 */
struct enf_deny_value {
	__u32 rule_id;
	__u32 flags;
};

/* Indices into xdp_stats (an array of __u64); names in ENF_XDP_STAT_NAMES. */
enum enf_xdp_stat {
	ENF_XDP_PASS = 0, /* passed: parsed and not denied */
	ENF_XDP_PASS_NON_IP, /* passed: not IPv4/IPv6 (ARP, LLDP, ...) */
	ENF_XDP_PASS_MALFORMED, /* passed: truncated or invalid headers */
	ENF_XDP_DROP_SRC4, /* dropped: IPv4 source in deny_src4 */
	ENF_XDP_DROP_SRC6, /* dropped: IPv6 source in deny_src6 */
	ENF_XDP_DROP_FLOW, /* dropped: TCP/UDP 5-tuple in deny_flow */
	ENF_XDP_STAT_MAX,
};

/* The counters' names as status shows them, indexed by enum enf_xdp_stat. */
#define ENF_XDP_STAT_NAMES                                                      \
	{                                                                       \
		[ENF_XDP_PASS] = "pass", [ENF_XDP_PASS_NON_IP] = "pass_non_ip", \
		[ENF_XDP_PASS_MALFORMED] = "pass_malformed",                    \
		[ENF_XDP_DROP_SRC4] = "drop_src4",                              \
		[ENF_XDP_DROP_SRC6] = "drop_src6",                              \
		[ENF_XDP_DROP_FLOW] = "drop_flow",                              \
	}

#endif /* ENFORCER_XDP_H */
