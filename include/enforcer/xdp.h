/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XDP data plane's maps: names, sizes, key and value layouts, and the
 * counters. bpf/xdp_offload.bpf.c (the part that can run in the NIC),
 * bpf/xdp_host.bpf.c (the part that runs in the driver or the stack) and the
 * loader all read this.
 *
 * Two programs, one classification:
 * - xdp_offload: deny_src4, deny_src6, deny_flow; counters in xdp_stats.
 *   Written to the NFP subset; with hardware offload its maps are bound to
 *   the NIC (one set per offloaded interface) and hold what the NIC can.
 * - xdp_host: deny_cidr4, deny_cidr6 (LPM tries) and deny_spill (what a NIC
 *   refused); and, on an interface without hardware offload, the primary
 *   maps deny_src4, deny_src6, deny_flow too (host copies, shared by every
 *   such interface), so one attach does everything; there deny_flow is
 *   looked up only for sources marked ENF_DENY_F_FLOWS (below), and IPv4
 *   sources are looked up first in deny_fast4, an open-addressed table in
 *   an ARRAY the verifier looks up inline, without a helper call (below).
 *   Counters in host_stats.
 */
#ifndef ENFORCER_XDP_H
#define ENFORCER_XDP_H

#include "enforcer/flow.h"
#include "enforcer/types.h"

#define ENF_MAP_DENY_SRC4 "deny_src4"
#define ENF_MAP_DENY_SRC6 "deny_src6"
#define ENF_MAP_DENY_FLOW "deny_flow"
#define ENF_MAP_XDP_STATS "xdp_stats"
#define ENF_MAP_DENY_CIDR4 "deny_cidr4"
#define ENF_MAP_DENY_CIDR6 "deny_cidr6"
#define ENF_MAP_DENY_SPILL "deny_spill"
#define ENF_MAP_HOST_STATS "host_stats"
#define ENF_MAP_DENY_FAST4 "deny_fast4"
#define ENF_MAP_DP_CONFIG "dp_config"

/*
 * Entry counts of the host maps (the loader may be configured larger; the
 * benchmarks use a million). An offloaded map asks for the same and is
 * halved until the device accepts it: NICs hold far fewer (netdevsim: 2).
 */
#define ENF_DENY_SRC4_MAX 65536
#define ENF_DENY_SRC6_MAX 65536
#define ENF_DENY_FLOW_MAX 65536
#define ENF_DENY_CIDR4_MAX 16384
#define ENF_DENY_CIDR6_MAX 16384
#define ENF_DENY_SPILL_MAX 65536

/* Key of deny_src6: the IPv6 source address. deny_src4 is keyed by __u32. */
struct enf_in6_key {
	__u8 addr[16];
};

/**
 * struct enf_deny_value - value of every deny map
 * @rule_id: the rule whose verdict put the entry there; 0 for manual blocks
 *	and for markers
 * @flags: ENF_DENY_F_*; set only in the host deny_src4/deny_src6, zero in
 *	every other map (NIC maps, deny_spill, deny_flow, the tries)
 *
 * Kept at 8 bytes so key + value stays within the NFP's 64-byte element.
 */
struct enf_deny_value {
	__u32 rule_id;
	__u32 flags;
};

/*
 * Flags of a host deny_src4/deny_src6 entry. xdp_host (check_primary) looks
 * deny_flow up only for a packet whose source entry carries F_FLOWS, so a
 * packet from a source with no flow entry makes two lookups (source, CIDR)
 * instead of three. The loader, the only writer, keeps F_FLOWS on the
 * source of every deny_flow entry, set before the flow is written and
 * cleared after its source's last flow is gone: a packet is dropped for its
 * 5-tuple exactly when that tuple is in deny_flow.
 *
 * ENF_DENY_F_MARK: the source itself is not denied; the entry exists only
 * to carry F_FLOWS (a marker). Markers take entries of the host source maps
 * (a full map refuses a flow from a source it does not hold yet) and are
 * never listed, counted or copied to a NIC.
 *
 * The NIC maps carry no flags and xdp_offload looks deny_flow up for every
 * TCP/UDP packet: a NIC holds few entries (netdevsim: 2 per map), which
 * markers would take from real denies.
 */
#define ENF_DENY_F_FLOWS 0x1u /* this source has entries in deny_flow */
#define ENF_DENY_F_MARK 0x2u /* not denied: only carries F_FLOWS */

/*
 * deny_fast4: the host deny_src4 again, as an open-addressed table that
 * xdp_host (check_primary) reads without a helper call. A call costs about
 * 16 ns on a kernel with the SRSO mitigation in software (bench/README.md);
 * the verifier inlines bpf_map_lookup_elem() on an ARRAY into a bounds
 * check and an add, so a probe here is a few instructions and one load.
 *
 * The table is derived state: deny_src4 stays the source of truth and
 * holds every entry; the loader (enforcer/loader/fast4.h has the
 * placement, enforcer/loader/dataplane.c the writes) builds a new table
 * from it at every start and keeps the two in step. It is an ARRAY of
 * 2^bits __u64 slots (BPF_F_MMAPABLE: the loader writes a slot with one
 * aligned 8-byte store into its mapping, which no reader can see torn):
 *
 *   bits 0..31   the IPv4 address as in packets (network byte order),
 *                read as a native __u32
 *   bits 32..63  meta: ENF_FAST4_VALID, ENF_FAST4_TOMB, and the entry's
 *                ENF_DENY_F_* flags in the low bits
 *
 * A slot is EMPTY (0), VALID (an entry) or TOMB (an entry was deleted
 * there). The address's home slot is enf_fast4_home(); the address lives
 * in one of the ENF_FAST4_PROBES slots from its home on (mod the size),
 * never behind an EMPTY slot of that window. A lookup scans the window and
 * stops at the first EMPTY slot or at the address; a VALID slot with the
 * address is a hit and its flags are used exactly as the deny_src4
 * entry's. An address whose window has no room stays in deny_src4 alone
 * (an overflow), counted in dp_config, and on a miss the program looks
 * deny_src4 up only while that count is not zero.
 *
 * IPv6 sources stay on deny_src6 alone: a 16-byte address and its flags
 * cannot be written in one store, so a reader could see a slot half
 * written.
 */
#define ENF_FAST4_PROBES 8 /* slots in a window, unrolled in the program */
#define ENF_FAST4_VALID 0x80000000u /* meta: the slot holds an entry */
#define ENF_FAST4_TOMB 0x40000000u /* meta: an entry was deleted here */
#define ENF_FAST4_FLAGS (ENF_DENY_F_FLOWS | ENF_DENY_F_MARK) /* meta */
/*
 * Sizes: the loader makes the table at least ENF_FAST4_SLOTS_PER_ENTRY
 * times deny_src4's capacity, so it stays at most a quarter full (at half
 * full, one window in a few hundred is full and its address overflows);
 * 2^ENF_FAST4_MAX_BITS slots at most (128 MiB): beyond 4M entries the
 * table fills up and the rest overflows to deny_src4.
 */
#define ENF_FAST4_SLOTS_PER_ENTRY 4
#define ENF_FAST4_MIN_BITS 3 /* one window */
#define ENF_FAST4_MAX_BITS 24
/* Fibonacci hashing: 2^32 / golden ratio, odd, so invertible mod 2^32. */
#define ENF_FAST4_MULT 0x9E3779B1u

/* The slot of @addr (as in packets) with @meta; 0 is never an entry's. */
#define ENF_FAST4_SLOT(addr, meta) ((__u64)(meta) << 32 | (__u32)(addr))
/* The bits a lookup compares: VALID and the address. */
#define ENF_FAST4_MATCH_MASK ENF_FAST4_SLOT(0xffffffffu, ENF_FAST4_VALID)

/**
 * enf_fast4_home() - the home slot of an IPv4 address in deny_fast4
 * @addr: the address as in packets (network byte order), read as a __u32
 * @bits: log2 of the table's slots, ENF_FAST4_MIN_BITS..ENF_FAST4_MAX_BITS
 *
 * Multiplicative (Fibonacci) hashing: the top @bits bits of the product,
 * which every bit of the address reaches. The program and the loader must
 * agree on it, hence here.
 *
 * Return: 0..2^@bits - 1.
 */
static inline __attribute__((always_inline)) __u32 enf_fast4_home(__u32 addr,
								  __u32 bits)
{
	return (__u32)(addr * ENF_FAST4_MULT) >> (32 - bits);
}

/**
 * struct enf_dp_config - the one value of dp_config (ARRAY, host only)
 * @fast4_live: 1 while deny_fast4 holds every deny_src4 entry but the
 *	@src4_overflow ones; 0 (the value of a new map, and of an earlier
 *	run's table once a new one is built) makes xdp_host look deny_src4 up
 *	alone, as if there were no table
 * @src4_overflow: deny_src4 entries that are not in deny_fast4; xdp_host
 *	looks deny_src4 up after a deny_fast4 miss only while it is not 0
 *
 * Made new with each deny_fast4 and pinned beside it; only the loader
 * writes it.
 */
struct enf_dp_config {
	__u32 fast4_live;
	__u32 src4_overflow;
};

/* Keys of the LPM tries: the prefix length, then the address bytes. */
struct enf_cidr4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct enf_cidr6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* What a deny_spill entry denies. */
enum enf_spill_kind {
	ENF_SPILL_SRC = 1, /* a source address: only t.family and t.saddr */
	ENF_SPILL_FLOW = 2, /* a 5-tuple, as in deny_flow */
};

/**
 * struct enf_spill_key - key of deny_spill, host only
 * @t: the tuple; for ENF_SPILL_SRC everything but family and saddr is zero
 * @kind: enum enf_spill_kind
 * @pad: zero
 */
struct enf_spill_key {
	struct enf_tuple t;
	__u8 kind;
	__u8 pad[3];
};

/*
 * Verdict reasons, one counter each. The first ENF_XDP_STAT_NIC_MAX are the
 * ones xdp_offload can reach and counts in xdp_stats; xdp_host counts all of
 * them in host_stats. Exactly one counter moves per packet and program.
 */
enum enf_xdp_stat {
	ENF_XDP_PASS = 0, /* passed: parsed and not denied */
	ENF_XDP_PASS_NON_IP, /* passed: not IPv4/IPv6 (ARP, LLDP, QinQ) */
	ENF_XDP_PASS_MALFORMED, /* passed: truncated or invalid headers */
	ENF_XDP_PASS_EXT_LIMIT, /* passed: more IPv6 extension headers than
				 * walked; the source was still checked */
	ENF_XDP_DROP_SRC4, /* dropped: IPv4 source denied */
	ENF_XDP_DROP_SRC6, /* dropped: IPv6 source denied */
	ENF_XDP_DROP_FLOW, /* dropped: TCP/UDP 5-tuple denied */
	ENF_XDP_DROP_CIDR4, /* dropped: IPv4 source in a denied prefix */
	ENF_XDP_DROP_CIDR6, /* dropped: IPv6 source in a denied prefix */
	ENF_XDP_DROP_SPILL, /* dropped: entry a NIC could not hold */
	ENF_XDP_STAT_MAX,
};

#define ENF_XDP_STAT_NIC_MAX (ENF_XDP_DROP_FLOW + 1)

/*
 * Value of xdp_stats, an ARRAY of one entry: every NIC counter in one
 * element, since NICs hold few entries per map (netdevsim: 2). 4-byte key
 * rounded to 8 plus 56 bytes of value: the NFP's 64-byte element exactly.
 */
struct enf_xdp_nic_stats {
	__u64 count[ENF_XDP_STAT_NIC_MAX];
};

/* How many IPv6 extension headers the programs walk before giving up. */
#define ENF_IPV6_EXT_MAX 4

/* The counters' names as status shows them, indexed by enum enf_xdp_stat. */
#define ENF_XDP_STAT_NAMES                                                      \
	{                                                                       \
		[ENF_XDP_PASS] = "pass", [ENF_XDP_PASS_NON_IP] = "pass_non_ip", \
		[ENF_XDP_PASS_MALFORMED] = "pass_malformed",                    \
		[ENF_XDP_PASS_EXT_LIMIT] = "pass_ext_limit",                    \
		[ENF_XDP_DROP_SRC4] = "drop_src4",                              \
		[ENF_XDP_DROP_SRC6] = "drop_src6",                              \
		[ENF_XDP_DROP_FLOW] = "drop_flow",                              \
		[ENF_XDP_DROP_CIDR4] = "drop_cidr4",                            \
		[ENF_XDP_DROP_CIDR6] = "drop_cidr6",                            \
		[ENF_XDP_DROP_SPILL] = "drop_spill",                            \
	}

#endif /* ENFORCER_XDP_H */
