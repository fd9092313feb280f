/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet walk both XDP programs are built from: one template, two
 * variants (xdp-tools' xdpfilt_prog.h model). bpf/xdp_offload.bpf.c and
 * bpf/xdp_host.bpf.c include it and supply three checks and the counter:
 *
 *   enf_verdict(action, stat)  counts the packet in @stat, returns @action
 *   enf_check_src4(t)          t->family and t->saddr are set
 *   enf_check_src6(t)
 *   enf_check_flow(t)          the whole tuple is set
 *
 * A check returns ENF_CONTINUE when nothing matched, or what enf_verdict()
 * returned for its drop. Every stat passed to enf_verdict() is a constant
 * at its call site: the NFP JIT takes atomic adds only at constant offsets.
 *
 * What is parsed, and when each check runs:
 * - Ethernet, then at most one 802.1Q or 802.1ad tag; any other ethertype
 *   after it (a second tag too) is not IP: PASS_NON_IP.
 * - IPv4: version 4, IHL 5..15 and the whole header present, else
 *   PASS_MALFORMED. Then the source check, whatever the length field says.
 *   Then the total length must cover the header and lie within the frame
 *   (PASS_MALFORMED otherwise; Ethernet padding after it is fine). A
 *   fragment with a non-zero offset has no L4 header: PASS. Neither TCP nor
 *   UDP: PASS.
 * - IPv6: version 6 and the fixed header present, else PASS_MALFORMED.
 *   Then the source check. Then the payload length must lie within the
 *   frame. Up to ENF_IPV6_EXT_MAX extension headers are walked (hop-by-hop,
 *   routing, fragment, destination options, AH), each of which must lie
 *   within the payload (PASS_MALFORMED otherwise); a fragment header with a
 *   non-zero offset ends the walk: PASS. Still an extension header after
 *   the last one walked: PASS_EXT_LIMIT. Neither TCP nor UDP: PASS.
 * - TCP (data offset 5..15, the header and its options within the IP
 *   payload) or UDP (8 bytes within it), else PASS_MALFORMED; then the flow
 *   check; PASS when nothing matched.
 * Exactly one counter moves per packet.
 */
#ifndef ENFORCER_BPF_XDP_PARSE_H
#define ENFORCER_BPF_XDP_PARSE_H

#include "bpf_common.h"

#include "enforcer/xdp.h"

#define ENF_CONTINUE (-1)

#define ENF_IPV4_FRAG_OFFSET 0x1fff /* offset bits of iphdr.frag_off */
#define ENF_IPV6_FRAG_OFFSET 0xfff8 /* offset bits of frag_hdr.frag_off */

/* IPv6 next-header values walked as extension headers. */
#define ENF_NH_HOPOPTS 0
#define ENF_NH_ROUTING 43
#define ENF_NH_FRAGMENT 44
#define ENF_NH_AH 51
#define ENF_NH_DSTOPTS 60

/* Supplied by the program that includes this file (see above). */
static __always_inline int enf_verdict(int action, __u32 stat);
static __always_inline int enf_check_src4(struct enf_tuple *t);
static __always_inline int enf_check_src6(struct enf_tuple *t);
static __always_inline int enf_check_flow(struct enf_tuple *t);

static __always_inline int enf_malformed(void)
{
	return enf_verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
}

static __always_inline int enf_pass(void)
{
	return enf_verdict(XDP_PASS, ENF_XDP_PASS);
}

/*
 * @l4: start of the TCP or UDP header; @ip_end: end of the IP payload by
 * its length field, already known to be within @data_end.
 */
static __always_inline int enf_parse_l4(void *l4, void *ip_end, void *data_end,
					struct enf_tuple *t)
{
	__u8 *h = l4;
	__u32 hlen = 8;
	int ret;

	if ((void *)(h + 8) > data_end)
		return enf_malformed();
	if (t->proto == IPPROTO_TCP) {
		if ((void *)(h + 20) > data_end)
			return enf_malformed();
		/* Data offset from the byte itself: no bitfield order. */
		hlen = (h[12] >> 4) * 4;
		if (hlen < 20)
			return enf_malformed();
	}
	if (l4 + hlen > ip_end)
		return enf_malformed();
	__builtin_memcpy(&t->sport, h, sizeof(t->sport));
	__builtin_memcpy(&t->dport, h + 2, sizeof(t->dport));

	ret = enf_check_flow(t);
	if (ret != ENF_CONTINUE)
		return ret;
	return enf_pass();
}

/*
 * A 16-bit length field, in host order and bounded for the verifier: the
 * 6.1 verifier (Debian 12's kernel) forgets a register's bounds across a
 * byte swap and then refuses to add it to a packet pointer ("math between
 * pkt pointer and register with unbounded min value"). The mask is in asm
 * so that the compiler cannot drop it as redundant.
 */
static __always_inline __u64 enf_len16(__be16 v)
{
	__u64 n = bpf_ntohs(v);

	asm volatile("%0 &= 0xffff" : "+r"(n));
	return n;
}

static __always_inline int enf_parse_ipv4(void *l3, void *data_end,
					  struct enf_tuple *t)
{
	struct iphdr *ip = l3;
	__u32 hlen, tot_len;
	__u8 vihl;
	int ret;

	if ((void *)(ip + 1) > data_end)
		return enf_malformed();
	/* Version and IHL from the byte itself: no bitfield order. */
	vihl = *(__u8 *)ip;
	if ((vihl >> 4) != 4 || (vihl & 0xf) < 5)
		return enf_malformed();
	hlen = (vihl & 0xf) * 4;
	if (l3 + hlen > data_end)
		return enf_malformed();

	/* The header is whole: the source decides first, whatever the
	 * length field says (a GRO'd BIG TCP packet even has it zero).
	 */
	t->family = ENF_FAMILY_V4;
	__builtin_memcpy(t->saddr, &ip->saddr, 4);
	ret = enf_check_src4(t);
	if (ret != ENF_CONTINUE)
		return ret;

	tot_len = enf_len16(ip->tot_len);
	if (tot_len < hlen || l3 + tot_len > data_end)
		return enf_malformed();
	/* Later fragments carry no L4 header: judged on the source only. */
	if (ip->frag_off & bpf_htons(ENF_IPV4_FRAG_OFFSET))
		return enf_pass();
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return enf_pass();
	t->proto = ip->protocol;
	__builtin_memcpy(t->daddr, &ip->daddr, 4);
	return enf_parse_l4(l3 + hlen, l3 + tot_len, data_end, t);
}

static __always_inline bool enf_ipv6_is_ext(__u8 nh)
{
	return nh == ENF_NH_HOPOPTS || nh == ENF_NH_ROUTING ||
	       nh == ENF_NH_FRAGMENT || nh == ENF_NH_AH || nh == ENF_NH_DSTOPTS;
}

static __always_inline int enf_parse_ipv6(void *l3, void *data_end,
					  struct enf_tuple *t)
{
	struct ipv6hdr *ip6 = l3;
	void *cur, *ip_end;
	__u8 nh;
	int ret;

	if ((void *)(ip6 + 1) > data_end)
		return enf_malformed();
	if ((*(__u8 *)ip6 >> 4) != 6)
		return enf_malformed();

	t->family = ENF_FAMILY_V6;
	__builtin_memcpy(t->saddr, &ip6->saddr, 16);
	ret = enf_check_src6(t);
	if (ret != ENF_CONTINUE)
		return ret;

	cur = ip6 + 1;
	ip_end = cur + enf_len16(ip6->payload_len);
	if (ip_end > data_end)
		return enf_malformed();
	nh = ip6->nexthdr;

	/* Unrolled: the NFP JIT takes no back-edges. */
#pragma unroll
	for (int i = 0; i < ENF_IPV6_EXT_MAX; i++) {
		__u8 *h = cur;
		__u32 len;

		if (!enf_ipv6_is_ext(nh))
			break;
		/* Every extension header is at least 8 bytes. */
		if ((void *)(h + 8) > data_end || (void *)(h + 8) > ip_end)
			return enf_malformed();
		if (nh == ENF_NH_FRAGMENT) {
			/* A later fragment: no L4 header, source only. */
			if ((h[2] << 8 | h[3]) & ENF_IPV6_FRAG_OFFSET)
				return enf_pass();
			len = 8;
		} else if (nh == ENF_NH_AH) {
			len = (h[1] + 2) * 4;
		} else {
			len = (h[1] + 1) * 8;
		}
		nh = h[0];
		cur += len;
		if (cur > ip_end)
			return enf_malformed();
	}
	if (enf_ipv6_is_ext(nh))
		return enf_verdict(XDP_PASS, ENF_XDP_PASS_EXT_LIMIT);
	if (nh != IPPROTO_TCP && nh != IPPROTO_UDP)
		return enf_pass();
	t->proto = nh;
	__builtin_memcpy(t->daddr, &ip6->daddr, 16);
	return enf_parse_l4(cur, ip_end, data_end, t);
}

/* The whole walk: the one entry point both programs call. */
static __always_inline int enf_xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	struct enf_tuple t;
	__be16 proto;

	__builtin_memset(&t, 0, sizeof(t));
	if (l3 > data_end)
		return enf_malformed();
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) ||
	    proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return enf_malformed();
		proto = vh->h_vlan_encapsulated_proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return enf_parse_ipv4(l3, data_end, &t);
	if (proto == bpf_htons(ETH_P_IPV6))
		return enf_parse_ipv6(l3, data_end, &t);
	return enf_verdict(XDP_PASS, ENF_XDP_PASS_NON_IP);
}

#endif /* ENFORCER_BPF_XDP_PARSE_H */
