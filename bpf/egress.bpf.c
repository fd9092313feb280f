// SPDX-License-Identifier: GPL-2.0-only
/*
 * egress: enforce:egress, at connect() time. Attached to a cgroup v2 (the
 * root by default) as cgroup/connect4 and cgroup/connect6, so it runs in
 * the task that calls connect() (TCP or UDP), before any packet leaves;
 * answering 0 makes the kernel fail the call with EPERM. A datagram sent
 * with sendto() on an unconnected UDP socket is not seen here (that would
 * be cgroup/sendmsg4/6). enforcer/egress.h has the map and the rule:
 *
 *   (cgroup, family, address, port), then (cgroup, family, address, 0)
 *
 * the first hit denies and counts. A connect6 to ::ffff:a.b.c.d goes to the
 * IPv4 stack and is looked up as the IPv4 entry: the loader stores every
 * v4-mapped address as IPv4, so one entry denies both kinds of socket.
 *
 * Anything else is let through (1); other programs attached to the cgroup
 * or its ancestors still have their say (links attach with
 * BPF_F_ALLOW_MULTI semantics, and every program must allow).
 */
#include "bpf_common.h"
#include "enforcer/egress.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_EGRESS_DENY_MAX);
	__type(key, struct enf_egress_key);
	__type(value, struct enf_egress_value);
} egress_deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_EGRESS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} egress_stats SEC(".maps");

#define VERDICT_DENY 0
#define VERDICT_ALLOW 1

/* @k filled but for the port, which is @port_be, then 0. */
static __always_inline int check(struct enf_egress_key *k, __u16 port_be,
				 __u32 stat)
{
	__u64 *cnt;

	k->port = port_be;
	if (!bpf_map_lookup_elem(&egress_deny, k)) {
		if (!port_be)
			return VERDICT_ALLOW;
		k->port = 0;
		if (!bpf_map_lookup_elem(&egress_deny, k))
			return VERDICT_ALLOW;
	}
	cnt = bpf_map_lookup_elem(&egress_stats, &stat);
	if (cnt)
		*cnt += 1;
	return VERDICT_DENY;
}

/*
 * user_port is read whole (4 bytes) and cut: the low 16 bits hold the
 * port as in sin_port, whatever the host's byte order.
 */
SEC("cgroup/connect4")
int egress_connect4(struct bpf_sock_addr *ctx)
{
	struct enf_egress_key k;
	__u32 ip = ctx->user_ip4;

	__builtin_memset(&k, 0, sizeof(k));
	k.cgroup_id = bpf_get_current_cgroup_id();
	k.family = ENF_FAMILY_V4;
	__builtin_memcpy(k.addr, &ip, sizeof(ip));
	return check(&k, (__u16)ctx->user_port, ENF_EGRESS_DENY4);
}

SEC("cgroup/connect6")
int egress_connect6(struct bpf_sock_addr *ctx)
{
	struct enf_egress_key k;
	__u32 w[4];

	/* One 4-byte load a word: the only width the context allows. */
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	__builtin_memset(&k, 0, sizeof(k));
	k.cgroup_id = bpf_get_current_cgroup_id();
	if (!w[0] && !w[1] && w[2] == bpf_htonl(0x0000ffff)) {
		k.family = ENF_FAMILY_V4;
		__builtin_memcpy(k.addr, &w[3], sizeof(w[3]));
		return check(&k, (__u16)ctx->user_port, ENF_EGRESS_DENY_MAPPED);
	}
	k.family = ENF_FAMILY_V6;
	__builtin_memcpy(k.addr, w, sizeof(w));
	return check(&k, (__u16)ctx->user_port, ENF_EGRESS_DENY6);
}

char LICENSE[] SEC("license") = "GPL";
