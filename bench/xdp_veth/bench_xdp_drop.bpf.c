// SPDX-License-Identifier: GPL-2.0-only
/*
 * The baseline of bench/xdp_veth: drops every packet and counts it, one
 * per-CPU counter, as xdp_host counts its drops in host_stats.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drop_count SEC(".maps");

SEC("xdp")
int bench_xdp_drop(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *cnt = bpf_map_lookup_elem(&drop_count, &key);

	if (cnt)
		*cnt += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
