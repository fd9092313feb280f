// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_host: the part of the data plane that runs in the driver or the
 * stack. The walk is xdp_parse.h's, the same as xdp_offload's; the checks
 * differ, set by check_primary before load:
 *
 * - check_primary (an interface without hardware offload: this program is
 *   all there is): the host deny_src4/deny_src6/deny_flow, as xdp_offload
 *   checks them, and the CIDR tries.
 * - !check_primary (xdp_offload runs in the NIC and checked the primary
 *   maps already): the CIDR tries, and deny_spill, which holds what the
 *   NIC refused.
 *
 * Order once the source is known: deny_src4/6 (DROP_SRC4/6), then
 * deny_cidr4/6 (DROP_CIDR4/6), then a SRC entry in deny_spill (DROP_SPILL);
 * the first match decides and its counter moves. Once the 5-tuple is known:
 * deny_flow (DROP_FLOW), then a FLOW entry in deny_spill (DROP_SPILL).
 *
 * With check_primary, deny_flow is looked up only when the source's entry
 * in deny_src4/6 carries ENF_DENY_F_FLOWS (enforcer/xdp.h): the loader
 * marks the source of every flow it denies, with a marker entry
 * (ENF_DENY_F_MARK, which does not drop) when the source itself is not
 * denied. A packet from a source in no map thus costs two lookups, not
 * three; what is dropped is the same.
 *
 * With check_primary, an IPv4 source is looked up in deny_fast4 first
 * (enforcer/xdp.h): an open-addressed copy of deny_src4 in an ARRAY, whose
 * lookups the verifier inlines, so a source found there, or absent from
 * it and from deny_src4, costs no helper call. deny_src4 itself is looked
 * up only after a deny_fast4 miss while dp_config counts entries the
 * table could not place, or when dp_config says the table is not live (a
 * loader that does not fill it; an earlier run's table once a new one is
 * built). A deny_fast4 entry carries the deny_src4 entry's flags, used
 * the same way. fast4_bits, the table's size, is set through rodata.
 *
 * Counters are per CPU in host_stats, one slot per enum enf_xdp_stat, and
 * exactly one moves per packet; the loader loads this program once per
 * interface, so they are per interface too.
 */
#include "bpf_common.h"
#include "xdp_deny_maps.h"
#include "xdp_parse.h"

/* Set through rodata before load; see above. */
const volatile bool check_primary = true;
/* log2 of deny_fast4's slots; the loader sizes the map to match. */
const volatile __u32 fast4_bits = ENF_FAST4_MIN_BITS;

/* Written by the loader through its mapping, one 8-byte store a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1u << ENF_FAST4_MIN_BITS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} deny_fast4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_dp_config);
} dp_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, ENF_DENY_CIDR4_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_cidr4_key);
	__type(value, struct enf_deny_value);
} deny_cidr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, ENF_DENY_CIDR6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct enf_cidr6_key);
	__type(value, struct enf_deny_value);
} deny_cidr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_SPILL_MAX);
	__type(key, struct enf_spill_key);
	__type(value, struct enf_deny_value);
} deny_spill SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} host_stats SEC(".maps");

static __always_inline int enf_verdict(int action, __u32 stat)
{
	__u64 *cnt = bpf_map_lookup_elem(&host_stats, &stat);

	if (cnt)
		*cnt += 1;
	return action;
}

static __always_inline int spill_src(struct enf_tuple *t)
{
	struct enf_spill_key k;

	__builtin_memset(&k, 0, sizeof(k));
	k.t.family = t->family;
	__builtin_memcpy(k.t.saddr, t->saddr, sizeof(k.t.saddr));
	k.kind = ENF_SPILL_SRC;
	if (bpf_map_lookup_elem(&deny_spill, &k))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_SPILL);
	return ENF_CONTINUE;
}

/*
 * Whether the source's entry carries ENF_DENY_F_FLOWS travels from the
 * source check to the flow check in the tuple's first pad byte: the
 * template hands both the same tuple, and nothing else reads it before
 * enf_check_flow() zeroes the byte again to use the tuple as a key.
 */
#define T_HAS_FLOWS(t) ((t)->pad[0])

/* A source entry with @flags: drops unless it is a marker. */
static __always_inline int src_hit(struct enf_tuple *t, __u32 flags, __u32 stat)
{
	if (!(flags & ENF_DENY_F_MARK))
		return enf_verdict(XDP_DROP, stat);
	if (flags & ENF_DENY_F_FLOWS)
		T_HAS_FLOWS(t) = 1;
	return ENF_CONTINUE;
}

/* A lookup in deny_src4/6: a hit drops unless the entry is a marker. */
static __always_inline int primary_src(struct enf_tuple *t, void *map,
				       __u32 stat)
{
	struct enf_deny_value *v = bpf_map_lookup_elem(map, t->saddr);

	if (!v)
		return ENF_CONTINUE;
	/* Once: the loader may rewrite the value meanwhile. */
	return src_hit(t, *(volatile __u32 *)&v->flags, stat);
}

/*
 * The IPv4 source in deny_fast4: the window of ENF_FAST4_PROBES slots from
 * its home, unrolled, each probe an inlined ARRAY lookup and one 8-byte
 * load; the first EMPTY slot ends it (the loader's invariant,
 * enforcer/loader/fast4.h). deny_src4 after a miss only as dp_config says.
 */
static __always_inline int fast_src4(struct enf_tuple *t)
{
	const __u32 mask = (1u << fast4_bits) - 1;
	struct enf_dp_config *cfg;
	__u32 zero = 0, addr, home;
	__u64 want;

	cfg = bpf_map_lookup_elem(&dp_config, &zero);
	if (!cfg || !cfg->fast4_live)
		return primary_src(t, &deny_src4, ENF_XDP_DROP_SRC4);
	__builtin_memcpy(&addr, t->saddr, sizeof(addr));
	home = enf_fast4_home(addr, fast4_bits);
	want = ENF_FAST4_SLOT(addr, ENF_FAST4_VALID);
#pragma unroll
	for (__u32 i = 0; i < ENF_FAST4_PROBES; i++) {
		__u32 idx = (home + i) & mask;
		__u64 *slot = bpf_map_lookup_elem(&deny_fast4, &idx);
		__u64 s;

		if (!slot)
			break;
		/* Once: the loader may store to it meanwhile. */
		s = *(volatile __u64 *)slot;
		if (!s)
			break;
		if ((s & ENF_FAST4_MATCH_MASK) == want)
			return src_hit(t, (__u32)(s >> 32) & ENF_FAST4_FLAGS,
				       ENF_XDP_DROP_SRC4);
	}
	if (cfg->src4_overflow)
		return primary_src(t, &deny_src4, ENF_XDP_DROP_SRC4);
	return ENF_CONTINUE;
}

static __always_inline int enf_check_src4(struct enf_tuple *t)
{
	struct enf_cidr4_key ck = { .prefixlen = 32 };
	int ret;

	if (check_primary) {
		ret = fast_src4(t);
		if (ret != ENF_CONTINUE)
			return ret;
	}
	__builtin_memcpy(ck.addr, t->saddr, sizeof(ck.addr));
	if (bpf_map_lookup_elem(&deny_cidr4, &ck))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_CIDR4);
	if (!check_primary)
		return spill_src(t);
	return ENF_CONTINUE;
}

static __always_inline int enf_check_src6(struct enf_tuple *t)
{
	struct enf_cidr6_key ck = { .prefixlen = 128 };
	int ret;

	if (check_primary) {
		ret = primary_src(t, &deny_src6, ENF_XDP_DROP_SRC6);
		if (ret != ENF_CONTINUE)
			return ret;
	}
	__builtin_memcpy(ck.addr, t->saddr, sizeof(ck.addr));
	if (bpf_map_lookup_elem(&deny_cidr6, &ck))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_CIDR6);
	if (!check_primary)
		return spill_src(t);
	return ENF_CONTINUE;
}

static __always_inline int enf_check_flow(struct enf_tuple *t)
{
	struct enf_spill_key k;

	if (check_primary) {
		/* No flow from this source is denied: no lookup. */
		if (!T_HAS_FLOWS(t))
			return ENF_CONTINUE;
		T_HAS_FLOWS(t) = 0;
		if (bpf_map_lookup_elem(&deny_flow, t))
			return enf_verdict(XDP_DROP, ENF_XDP_DROP_FLOW);
		return ENF_CONTINUE;
	}
	__builtin_memset(&k, 0, sizeof(k));
	k.t = *t;
	k.kind = ENF_SPILL_FLOW;
	if (bpf_map_lookup_elem(&deny_spill, &k))
		return enf_verdict(XDP_DROP, ENF_XDP_DROP_SPILL);
	return ENF_CONTINUE;
}

SEC("xdp")
int xdp_host(struct xdp_md *ctx)
{
	return enf_xdp_parse(ctx);
}

char LICENSE[] SEC("license") = "GPL";
