// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_offload: the part of the data plane that can run in the NIC. Drops
 * packets whose IPv4 or IPv6 source is in deny_src4/deny_src6, or whose
 * TCP/UDP 5-tuple is in deny_flow; passes everything else. The walk and the
 * order of checks are in xdp_parse.h. Every packet moves exactly one
 * counter in xdp_stats.
 *
 * Kept to the NFP JIT's subset (ARCHITECTURE.md; the kernel's
 * nfp/bpf/verifier.c): HASH and ARRAY maps with map_flags 0, key + value
 * within 64 bytes; no helper but bpf_map_lookup_elem; map keys on the
 * stack at 4-byte aligned, constant offsets; no loops, no calls, no global
 * data; counters by non-fetching atomic add at constant offsets of one
 * ARRAY value (xdp_stats holds one entry, so it fits a device with two per
 * map).
 */
#include "bpf_common.h"
#include "xdp_deny_maps.h"
#include "xdp_parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_xdp_nic_stats);
} xdp_stats SEC(".maps");

static __always_inline int enf_verdict(int action, __u32 stat)
{
	__u32 key = 0;
	struct enf_xdp_nic_stats *s = bpf_map_lookup_elem(&xdp_stats, &key);

	/* Result unused on purpose: this is the plain atomic add (XADD)
	 * the NFP JIT takes, not a fetching atomic.
	 */
	if (s)
		__sync_fetch_and_add(&s->count[stat], 1);
	return action;
}

static __always_inline int enf_check_src4(struct enf_tuple *t)
{
	if (bpf_map_lookup_elem(&deny_src4, t->saddr))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_SRC4);
	return ENF_CONTINUE;
}

static __always_inline int enf_check_src6(struct enf_tuple *t)
{
	if (bpf_map_lookup_elem(&deny_src6, t->saddr))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_SRC6);
	return ENF_CONTINUE;
}

/*
 * Every TCP/UDP packet is looked up here, unlike in xdp_host, which looks
 * only marked sources up (ENF_DENY_F_FLOWS, enforcer/xdp.h): a NIC holds
 * few entries per map, and markers in its deny_src4/6 would take them from
 * real denies, so the NIC maps carry no marks.
 */
static __always_inline int enf_check_flow(struct enf_tuple *t)
{
	if (bpf_map_lookup_elem(&deny_flow, t))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_FLOW);
	return ENF_CONTINUE;
}

SEC("xdp")
int xdp_offload(struct xdp_md *ctx)
{
	return enf_xdp_parse(ctx);
}

char LICENSE[] SEC("license") = "GPL";
