/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The egress data plane (enforce:egress): a deny map of (cgroup,
 * destination) pairs that bpf/egress.bpf.c checks at every connect() of a
 * process in the cgroup the loader attaches it to (and its descendants),
 * and the counters it keeps. bpf/egress.bpf.c and enforcer/loader/egress.c
 * read this.
 *
 * A connect() is denied (the program answers 0, and the kernel answers the
 * caller EPERM) when egress_deny holds
 *   (cgroup of the calling task, family, address, port), or
 *   (cgroup of the calling task, family, address, 0): every port.
 * The cgroup is the calling task's own cgroup v2 (bpf_get_current_cgroup_id,
 * the cgroup directory's inode number); an entry does not reach a child
 * cgroup. Ports are TCP or UDP alike: the connect hooks do not tell them
 * apart by the key. An IPv6 connect() to a v4-mapped address
 * (::ffff:a.b.c.d) is looked up as the IPv4 entry, which the loader is the
 * only one to write (it stores a v4-mapped address given to it as IPv4).
 */
#ifndef ENFORCER_EGRESS_H
#define ENFORCER_EGRESS_H

#include "enforcer/flow.h"
#include "enforcer/types.h"

#define ENF_MAP_EGRESS_DENY "egress_deny"
#define ENF_MAP_EGRESS_STATS "egress_stats"

/* Entries of egress_deny (the loader may be configured otherwise). */
#define ENF_EGRESS_DENY_MAX 16384

/**
 * struct enf_egress_key - key of egress_deny (HASH)
 * @cgroup_id: cgroup v2 id of the process whose connect()s are denied
 * @port: destination port, network byte order; 0: every port
 * @family: ENF_FAMILY_V4 or ENF_FAMILY_V6 (never a v4-mapped IPv6 address)
 * @pad: zero
 * @addr: destination address, network byte order; IPv4 in the first 4
 *	bytes, the rest zero
 *
 * 32 bytes with no implicit padding, so it can be hashed as bytes: both
 * sides zero the whole key before filling it.
 */
struct enf_egress_key {
	__u64 cgroup_id;
	__u16 port;
	__u8 family;
	__u8 pad[5];
	__u8 addr[16];
};

/**
 * struct enf_egress_value - value of egress_deny
 * @rule_id: the rule whose verdict put the entry there; 0 for manual ones
 * @flags: zero; no flag is defined yet (the program does not read it)
 */
struct enf_egress_value {
	__u32 rule_id;
	__u32 flags;
};

/*
 * Counters of egress_stats, a PERCPU_ARRAY of __u64, one slot each. One
 * moves per denied connect(); nothing counts the connect()s let through
 * (the hook runs at every connect() on the host).
 */
enum enf_egress_stat {
	ENF_EGRESS_DENY4 = 0, /* an IPv4 connect() denied */
	ENF_EGRESS_DENY6, /* an IPv6 connect() denied */
	ENF_EGRESS_DENY_MAPPED, /* an IPv6 connect() to ::ffff:a.b.c.d denied
				 * by an IPv4 entry */
	ENF_EGRESS_STAT_MAX,
};

/* The counters' names as status shows them, indexed by enum enf_egress_stat. */
#define ENF_EGRESS_STAT_NAMES                                               \
	{                                                                   \
		[ENF_EGRESS_DENY4] = "deny4", [ENF_EGRESS_DENY6] = "deny6", \
		[ENF_EGRESS_DENY_MAPPED] = "deny_mapped",                   \
	}

#endif /* ENFORCER_EGRESS_H */
