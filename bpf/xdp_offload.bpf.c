// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_offload: the first line of enforcement. Drops packets whose IPv4 or
 * IPv6 source is in deny_src4/deny_src6, or whose TCP/UDP 5-tuple is in
 * deny_flow; passes everything else. Every packet moves exactly one counter
 * in xdp_stats.
 *
 * The same object runs in the NIC (NFP offload), in the driver or in generic
 * mode, so it keeps to the NFP JIT's subset (see ARCHITECTURE.md): HASH and
 * ARRAY maps created with map_flags 0, key + value within 64 bytes, no helper
 * but bpf_map_lookup_elem, no tail calls, no loops, counters by atomic add on
 * ARRAY values, a small stack.
 *
 * What is parsed: Ethernet, at most one 802.1Q or 802.1ad tag, IPv4 (IHL 5 to
 * 15) or the IPv6 fixed header, then the TCP or UDP header. A second tag (QinQ)
 * is not looked into: the frame counts as non-IP and passes; the host program
 * is where deeper parsing belongs. IPv6 extension headers are not walked: a
 * packet with one is judged on its source only.
 *
 * The source decision needs only a complete IP header (IPv4: version 4, IHL
 * 5 to 15 and every header word present; IPv6: version 6 and the fixed
 * header): a packet from a denied source is dropped even when its length
 * field is nonsense or its L4 header or payload is cut short. Packets that
 * are not dropped and are cut short or inconsistent pass and are counted as
 * malformed; the host stack deals with them.
 */
#include "bpf_common.h"

#include "enforcer/xdp.h"

#define IPV4_HLEN_MIN 20
#define IPV4_FRAG_OFFSET 0x1fff /* fragment offset bits of frag_off */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_SRC4_MAX);
	__type(key, __u32); /* IPv4 source, network byte order */
	__type(value, struct enf_deny_value);
} deny_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_SRC6_MAX);
	__type(key, struct enf_in6_key);
	__type(value, struct enf_deny_value);
} deny_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_FLOW_MAX);
	__type(key, struct enf_tuple);
	__type(value, struct enf_deny_value);
} deny_flow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} xdp_stats SEC(".maps");

/* Counts the packet in @stat and returns @action. */
static __always_inline int verdict(int action, __u32 stat)
{
	__u64 *cnt = bpf_map_lookup_elem(&xdp_stats, &stat);

	/* Result unused on purpose: this compiles to the plain atomic add
	 * (BPF_XADD) the NFP JIT accepts, not to a fetching atomic.
	 */
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	return action;
}

/*
 * The L4 part shared by IPv4 and IPv6: @l4 is where the TCP or UDP header
 * starts, @ip_end where the IP packet ends by its own length field (already
 * known to be within @data_end). @key has addresses, protocol and family set.
 */
static __always_inline int l4_verdict(void *l4, void *ip_end, void *data_end,
				      struct enf_tuple *key)
{
	if (key->proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		__u32 doff;

		if ((void *)(th + 1) > data_end || (void *)(th + 1) > ip_end)
			return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
		/* The data offset must cover the fixed header and the
		 * options it announces must be there.
		 */
		doff = th->doff * 4;
		if (doff < sizeof(*th) || l4 + doff > ip_end)
			return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
		key->sport = th->source;
		key->dport = th->dest;
	} else {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end || (void *)(uh + 1) > ip_end)
			return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
		key->sport = uh->source;
		key->dport = uh->dest;
	}

	if (bpf_map_lookup_elem(&deny_flow, key))
		return verdict(XDP_DROP, ENF_XDP_DROP_FLOW);
	return verdict(XDP_PASS, ENF_XDP_PASS);
}

static __always_inline int ipv4_verdict(void *l3, void *data_end)
{
	struct iphdr *ip = l3;
	struct enf_tuple key;
	__u32 hlen, tot_len;
	__u32 saddr;
	__u8 vihl;

	if ((void *)(ip + 1) > data_end)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
	/* Version and IHL from the byte itself: no bitfield order to trust. */
	vihl = *(__u8 *)ip;
	if ((vihl >> 4) != 4 || (vihl & 0xf) < IPV4_HLEN_MIN / 4)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
	hlen = (vihl & 0xf) * 4;
	if (l3 + hlen > data_end)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);

	/* The header is all there: the source decides first, whatever the
	 * length field says (a GRO'd BIG TCP packet even has it zero). Map
	 * keys are copied to the stack: the NFP JIT takes no other kind.
	 */
	saddr = ip->saddr;
	if (bpf_map_lookup_elem(&deny_src4, &saddr))
		return verdict(XDP_DROP, ENF_XDP_DROP_SRC4);

	/* Shorter than its own header, or than it says it is (cut short on
	 * the way). Longer is fine: Ethernet pads short frames.
	 */
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < hlen || l3 + tot_len > data_end)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
	/* Later fragments carry no L4 header to read ports from. */
	if (ip->frag_off & bpf_htons(IPV4_FRAG_OFFSET))
		return verdict(XDP_PASS, ENF_XDP_PASS);
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return verdict(XDP_PASS, ENF_XDP_PASS);

	__builtin_memset(&key, 0, sizeof(key));
	__builtin_memcpy(key.saddr, &saddr, sizeof(saddr));
	__builtin_memcpy(key.daddr, &ip->daddr, sizeof(ip->daddr));
	key.proto = ip->protocol;
	key.family = ENF_FAMILY_V4;
	return l4_verdict(l3 + hlen, l3 + tot_len, data_end, &key);
}

static __always_inline int ipv6_verdict(void *l3, void *data_end)
{
	struct ipv6hdr *ip6 = l3;
	struct enf_in6_key saddr;
	struct enf_tuple key;
	void *ip_end;

	if ((void *)(ip6 + 1) > data_end)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
	if ((*(__u8 *)ip6 >> 4) != 6)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);

	__builtin_memcpy(&saddr, &ip6->saddr, sizeof(saddr));
	if (bpf_map_lookup_elem(&deny_src6, &saddr))
		return verdict(XDP_DROP, ENF_XDP_DROP_SRC6);

	ip_end = (void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len);
	if (ip_end > data_end)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
	if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP)
		return verdict(XDP_PASS, ENF_XDP_PASS);

	__builtin_memset(&key, 0, sizeof(key));
	__builtin_memcpy(key.saddr, &saddr, sizeof(key.saddr));
	__builtin_memcpy(key.daddr, &ip6->daddr, sizeof(key.daddr));
	key.proto = ip6->nexthdr;
	key.family = ENF_FAMILY_V6;
	return l4_verdict(ip6 + 1, ip_end, data_end, &key);
}

SEC("xdp")
int xdp_offload(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__be16 proto;

	if (l3 > data_end)
		return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
	proto = eth->h_proto;

	/* One tag, 802.1Q or 802.1ad; whatever follows it is the L3 type. */
	if (proto == bpf_htons(ETH_P_8021Q) ||
	    proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return verdict(XDP_PASS, ENF_XDP_PASS_MALFORMED);
		proto = vh->h_vlan_encapsulated_proto;
		l3 = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP))
		return ipv4_verdict(l3, data_end);
	if (proto == bpf_htons(ETH_P_IPV6))
		return ipv6_verdict(l3, data_end);
	return verdict(XDP_PASS, ENF_XDP_PASS_NON_IP);
}

char LICENSE[] SEC("license") = "GPL";
