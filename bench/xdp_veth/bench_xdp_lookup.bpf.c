// SPDX-License-Identifier: GPL-2.0-only
/*
 * An informational contender of bench/xdp_veth (--lookup-floor): the least
 * a source check can do. It reads the IPv4 source, looks it up in
 * enforcer's deny_src4 (the loader's map, shared by fd before load), drops
 * a denied source and counts the drop in a per-CPU array, as xdp_drop_all
 * counts. Nothing else: no VLAN, IPv6, CIDR, flow or spill, no marker
 * handling beyond the flag test. Its cost over xdp_drop_all is one hash
 * lookup and a few loads; xdp_host's cost over it is the rest of its walk.
 */
#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "enforcer/xdp.h"

#define ETH_P_IPV4 0x0800

/* Replaced by enforcer's deny_src4 (bpf_map__reuse_fd) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_deny_value);
} src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drop_count SEC(".maps");

SEC("xdp")
int bench_xdp_lookup(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct enf_deny_value *v;
	__u32 saddr, key = 0;
	__u64 *cnt;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV4))
		return XDP_PASS;
	saddr = ip->saddr;
	v = bpf_map_lookup_elem(&src4, &saddr);
	if (!v || (v->flags & ENF_DENY_F_MARK))
		return XDP_PASS;
	cnt = bpf_map_lookup_elem(&drop_count, &key);
	if (cnt)
		*cnt += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
