// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deliberately non-fitting XDP object for the offload-fit checker's test
 * (test_offload_check.c), which names what each program must be refused
 * for. It is compiled (for cpu v3, so that a fetching atomic compiles) and
 * never loaded.
 *
 * bad_offload breaks the rules of ARCHITECTURE.md's NFP subset: an LRU map,
 * a map with BPF_F_NO_PREALLOC, a map whose key + value exceed 64 bytes,
 * bpf_ktime_get_ns, bpf_map_update_elem, a tail call and an atomic
 * fetch-add. bad_jit breaks what the NFP JIT and its verifier hook refuse
 * in code: a context field other than data/data_end, a divide by a
 * variable, a plain store into a map value, a counter both read and added
 * to atomically, a stack array indexed by a variable; and it calls a
 * function with its own stack frame, which the stack count must include.
 */
#include <linux/bpf.h>

#include <bpf/bpf_helpers.h>

struct wide_key {
	__u8 bytes[48];
};

struct wide_value {
	__u8 bytes[24];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} lru_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} sparse_flows SEC(".maps");

/* 48 + 24 = 72 bytes of element: over 64. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct wide_key);
	__type(value, struct wide_value);
} wide_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jump_table SEC(".maps");

/* Fit: plain arrays of counters. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} budget SEC(".maps");

SEC("xdp")
int bad_offload(struct xdp_md *ctx)
{
	struct wide_key wk = {};
	__u32 key = 0;
	__u64 now, *cnt, *seen;

	now = bpf_ktime_get_ns();
	cnt = bpf_map_lookup_elem(&counters, &key);
	/* The old value is used: a fetching atomic. */
	if (cnt && __sync_fetch_and_add(cnt, 1) > 1000)
		return XDP_DROP;
	seen = bpf_map_lookup_elem(&sparse_flows, &key);
	if (seen)
		return XDP_DROP;
	if (bpf_map_lookup_elem(&wide_flows, &wk))
		return XDP_DROP;
	bpf_map_update_elem(&lru_flows, &key, &now, BPF_ANY);
	bpf_tail_call(ctx, &jump_table, 0);
	return XDP_PASS;
}

/* A function of its own (not inlined), with a frame of its own. */
static __attribute__((noinline)) int spread(__u32 seed)
{
	volatile __u32 scratch[24];

	for (int i = 0; i < 24; i++)
		scratch[i] = seed + i;
	return scratch[seed % 24];
}

SEC("xdp")
int bad_jit(struct xdp_md *ctx)
{
	__u32 key = 1, queue = ctx->rx_queue_index;
	__u64 *cnt, *left;

	/* Read and counted atomically: the NFP keeps the two apart. */
	left = bpf_map_lookup_elem(&budget, &key);
	if (left) {
		if (*left > 1000)
			return XDP_DROP;
		__sync_fetch_and_add(left, 1);
	}
	cnt = bpf_map_lookup_elem(&counters, &key);
	if (!cnt)
		return XDP_PASS;
	/* A plain store into a map value, and divides by something only
	 * known at run time. */
	*cnt = ctx->data_end - ctx->data;
	if ((ctx->data_end - ctx->data) % (queue + 1) == 3)
		return XDP_DROP;
	if (100000 / (queue + 1) == 7)
		return XDP_DROP;
	return spread(queue) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
