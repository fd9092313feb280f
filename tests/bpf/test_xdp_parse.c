// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xdp_offload's parser and verdicts, by BPF_PROG_TEST_RUN over tables of
 * packets built here: {name, packet, expected verdict, expected counter}.
 * Every run must move exactly one xdp_stats counter, by one, in the slot the
 * case expects. Needs root (BPF_PROG_TEST_RUN, map creation): without it the
 * test exits 77, which ctest reports as skipped.
 *
 * Decisions the tables pin down (see bpf/xdp_offload.bpf.c):
 * - one VLAN tag (802.1Q or 802.1ad) is parsed; a second tag (QinQ) makes the
 *   frame non-IP, even when the inner source is denied;
 * - a denied source is dropped as soon as the IP header is complete (IPv4:
 *   version 4, IHL 5..15 and all its words present), whatever its length
 *   field says and however short the rest; otherwise anything cut short or
 *   inconsistent passes as malformed;
 * - frames shorter than an Ethernet header never reach the program:
 *   BPF_PROG_TEST_RUN refuses them (EINVAL), and so does the kernel's RX path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/xdp.h"

#define PKT_MAX 256
#define SKIP_CODE 77

#define ALLOWED4 "192.0.2.1"
#define DENIED4 "203.0.113.66"
#define DST4 "198.51.100.7"
#define ALLOWED6 "2001:db8::1"
#define DENIED6 "2001:db8:bad::66"
#define DST6 "2001:db8::2"
#define SPORT 40001
#define FLOW_SPORT \
	40000 /* deny_flow holds ALLOWED -> DST, FLOW_SPORT -> DPORT */
#define DPORT 443

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

static const char *const stat_names[] = ENF_XDP_STAT_NAMES;

/* A frame being built, with the offsets the expectations are made from. */
struct pkt {
	__u8 b[PKT_MAX];
	size_t len;
	size_t l3; /* IP header */
	size_t l4; /* end of the IP header: L4 header */
	int family; /* AF_INET, AF_INET6, 0 */
	__u8 proto;
};

static void put(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->len + n <= PKT_MAX);
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void put16(struct pkt *p, __u16 v)
{
	__be16 be = htons(v);

	put(p, &be, sizeof(be));
}

static void set16(struct pkt *p, size_t off, __u16 v)
{
	__be16 be = htons(v);

	memcpy(p->b + off, &be, sizeof(be));
}

static void addr(int family, const char *s, void *out)
{
	assert_int_equal(inet_pton(family, s, out), 1);
}

/* Ethernet header with @n_tags VLAN tags (TPIDs outer first), then @type. */
static void pkt_eth(struct pkt *p, const __u16 *tpids, int n_tags, __u16 type)
{
	static const __u8 macs[12] = { 0x02, 0, 0, 0, 0, 0x01,
				       0x02, 0, 0, 0, 0, 0x02 };

	put(p, macs, sizeof(macs));
	for (int i = 0; i < n_tags; i++) {
		put16(p, tpids[i]);
		put16(p, 100 + i); /* VID */
	}
	put16(p, type);
}

/* IPv4 header of @ihl words; options are NOPs. Length set by pkt_finish(). */
static void pkt_ipv4(struct pkt *p, const char *src, const char *dst,
		     __u8 proto, int ihl)
{
	__u8 h[60] = { 0 };

	h[0] = 0x40 | ihl;
	h[8] = 64;
	h[9] = proto;
	addr(AF_INET, src, h + 12);
	addr(AF_INET, dst, h + 16);
	for (int i = 20; i < ihl * 4; i++)
		h[i] = 1; /* IPOPT_NOOP */
	p->l3 = p->len;
	put(p, h, ihl * 4);
	p->l4 = p->len;
	p->family = AF_INET;
	p->proto = proto;
}

static void pkt_ipv6(struct pkt *p, const char *src, const char *dst,
		     __u8 nexthdr)
{
	__u8 h[40] = { 0 };

	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	addr(AF_INET6, src, h + 8);
	addr(AF_INET6, dst, h + 24);
	p->l3 = p->len;
	put(p, h, sizeof(h));
	p->l4 = p->len;
	p->family = AF_INET6;
	p->proto = nexthdr;
}

static void pkt_tcp(struct pkt *p, __u16 sport, __u16 dport)
{
	__u8 h[20] = { 0 };

	h[12] = 5 << 4; /* data offset */
	h[13] = 0x02; /* SYN */
	h[14] = 0xff;
	put(p, h, sizeof(h));
	set16(p, p->l4, sport);
	set16(p, p->l4 + 2, dport);
}

static void pkt_udp(struct pkt *p, __u16 sport, __u16 dport)
{
	__u8 h[8] = { 0 };

	put(p, h, sizeof(h));
	set16(p, p->l4, sport);
	set16(p, p->l4 + 2, dport);
}

static void pkt_payload(struct pkt *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__u8 c = 'a' + i % 26;

		put(p, &c, 1);
	}
}

/* Fills in the IP (and UDP) length fields from what was built. */
static void pkt_finish(struct pkt *p)
{
	if (p->family == AF_INET)
		set16(p, p->l3 + 2, p->len - p->l3);
	else if (p->family == AF_INET6)
		set16(p, p->l3 + 4, p->len - p->l4);
	if (p->proto == IPPROTO_UDP_ && p->len >= p->l4 + 8)
		set16(p, p->l4 + 4, p->len - p->l4);
}

/* ---- running and checking ---------------------------------------------- */

struct ctx {
	struct enf_xdp *x;
	int failures;
	int checks;
};

static const char *action_name(__u32 a)
{
	switch (a) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "?";
}

static void case_fail(struct ctx *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void case_fail(struct ctx *c, const char *name, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("FAIL %s: %s\n", name, msg);
	c->failures++;
}

/*
 * Runs @len bytes of @data once and checks the verdict and that exactly the
 * counter @stat moved, by one. With @stat < 0 the kernel must refuse the run
 * and no counter may move.
 */
static void check_run(struct ctx *c, const char *name, const void *data,
		      size_t len, __u32 action, int stat)
{
	__u64 before[ENF_XDP_STAT_MAX], after[ENF_XDP_STAT_MAX];
	__u8 out[PKT_MAX + 64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int err;

	c->checks++;
	assert_int_equal(enf_xdp_stats_read(c->x, before), 0);
	err = bpf_prog_test_run_opts(enf_xdp_prog_fd(c->x), &o);
	assert_int_equal(enf_xdp_stats_read(c->x, after), 0);

	if (stat < 0) {
		if (err != -EINVAL)
			case_fail(c, name,
				  "run of %zu bytes: got %d, want -EINVAL", len,
				  err);
	} else if (err) {
		case_fail(c, name, "run failed: %s", strerror(-err));
		return;
	} else if (o.retval != action) {
		case_fail(c, name, "verdict %s, want %s", action_name(o.retval),
			  action_name(action));
	}
	for (int i = 0; i < ENF_XDP_STAT_MAX; i++) {
		__u64 want = i == stat ? 1 : 0;

		if (after[i] - before[i] != want)
			case_fail(c, name,
				  "counter %s moved by %llu, want %llu",
				  stat_names[i],
				  (unsigned long long)(after[i] - before[i]),
				  (unsigned long long)want);
	}
}

static void check_pkt(struct ctx *c, const char *name, const struct pkt *p,
		      __u32 action, int stat)
{
	check_run(c, name, p->b, p->len, action, stat);
}

static void report(struct ctx *c, const char *what)
{
	int failures = c->failures;

	print_message("%s: %d packets checked, %d failures\n", what, c->checks,
		      failures);
	c->failures = 0;
	c->checks = 0;
	assert_int_equal(failures, 0);
}

/* ---- the named table ----------------------------------------------------- */

enum tweak {
	T_NONE = 0,
	T_IHL_4, /* IHL below 5 */
	T_IHL_0,
	T_V4_VERSION_6, /* ethertype IPv4, version nibble 6 */
	T_V6_VERSION_4, /* ethertype IPv6, version nibble 4 */
	T_TOTLEN_LT_HLEN, /* total length smaller than the header */
	T_TOTLEN_0, /* total length zero (BIG TCP after GRO looks so) */
	T_TOTLEN_PLUS_1, /* total length one beyond the frame */
	T_PAD_10, /* 10 bytes of Ethernet padding after the IP packet */
	T_FRAG_LATER, /* fragment offset 8 (bytes 64..), payload only */
	T_FRAG_FIRST, /* MF set, offset 0: the L4 header is there */
	T_DOFF_4, /* TCP data offset below 5 */
	T_DOFF_15, /* TCP data offset beyond the packet */
	T_DOFF_6, /* TCP data offset 6 with its 4 option bytes present */
	T_PAYLEN_PLUS_1, /* IPv6 payload length one beyond the frame */
	T_CUT_L4, /* frame cut 10 bytes into the L4 header */
	T_CUT_L3, /* frame cut 10 bytes into the IP header */
	T_TOTLEN_CUTS_L4, /* total length ends 4 bytes into the L4 header */
	T_CUT_TAG, /* frame cut in the middle of the VLAN tag */
	T_ETH_ONLY, /* frame cut right after the Ethernet header */
};

struct pcase {
	const char *name;
	int n_tags;
	__u16 tpid[2];
	__u16 type; /* ethertype after the tags */
	int ihl; /* IPv4 header words; 0 means 5 */
	__u8 proto;
	bool denied; /* source is the denied one */
	bool flow; /* ports are the denied flow's */
	size_t payload;
	enum tweak tweak;
	__u32 action;
	int stat;
};

#define PASS XDP_PASS, ENF_XDP_PASS
#define NON_IP XDP_PASS, ENF_XDP_PASS_NON_IP
#define MALFORMED XDP_PASS, ENF_XDP_PASS_MALFORMED
#define DROP4 XDP_DROP, ENF_XDP_DROP_SRC4
#define DROP6 XDP_DROP, ENF_XDP_DROP_SRC6
#define DROPFLOW XDP_DROP, ENF_XDP_DROP_FLOW
#define V4 .type = ETH_P_IP
#define V6 .type = ETH_P_IPV6
#define TCP .proto = IPPROTO_TCP_
#define UDP .proto = IPPROTO_UDP_
#define DOT1Q .n_tags = 1, .tpid = { ETH_P_8021Q }
#define DOT1AD .n_tags = 1, .tpid = { ETH_P_8021AD }
#define QINQ .n_tags = 2, .tpid = { ETH_P_8021AD, ETH_P_8021Q }

static const struct pcase cases[] = {
	{ "ipv4 tcp", V4, TCP, .payload = 16, .action = PASS },
	{ "ipv4 udp", V4, UDP, .payload = 16, .action = PASS },
	{ "ipv4 icmp", V4, .proto = IPPROTO_ICMP_, .payload = 8,
	  .action = PASS },
	{ "ipv4 tcp no payload", V4, TCP, .action = PASS },
	{ "ipv4 ihl 4", V4, TCP, .tweak = T_IHL_4, .action = MALFORMED },
	{ "ipv4 ihl 0", V4, TCP, .tweak = T_IHL_0, .action = MALFORMED },
	{ "ipv4 ihl 4 denied", V4, TCP, .denied = true, .tweak = T_IHL_4,
	  .action = MALFORMED },
	{ "ipv4 version 6", V4, TCP, .tweak = T_V4_VERSION_6,
	  .action = MALFORMED },
	{ "ipv4 total length below header", V4, TCP, .tweak = T_TOTLEN_LT_HLEN,
	  .action = MALFORMED },
	{ "ipv4 total length below header denied", V4, TCP, .denied = true,
	  .tweak = T_TOTLEN_LT_HLEN, .action = DROP4 },
	{ "ipv4 total length zero", V4, TCP, .tweak = T_TOTLEN_0,
	  .action = MALFORMED },
	{ "ipv4 total length zero denied", V4, TCP, .denied = true,
	  .tweak = T_TOTLEN_0, .action = DROP4 },
	{ "ipv4 total length beyond frame", V4, UDP, .payload = 4,
	  .tweak = T_TOTLEN_PLUS_1, .action = MALFORMED },
	{ "ipv4 total length beyond frame denied", V4, UDP, .payload = 4,
	  .denied = true, .tweak = T_TOTLEN_PLUS_1, .action = DROP4 },
	{ "ipv4 total length ends inside tcp header", V4, TCP, .payload = 8,
	  .tweak = T_TOTLEN_CUTS_L4, .action = MALFORMED },
	{ "ipv4 ethernet padding", V4, UDP, .payload = 2, .tweak = T_PAD_10,
	  .action = PASS },
	{ "ipv4 later fragment", V4, TCP, .payload = 8, .tweak = T_FRAG_LATER,
	  .action = PASS },
	{ "ipv4 later fragment denied", V4, TCP, .payload = 8, .denied = true,
	  .tweak = T_FRAG_LATER, .action = DROP4 },
	{ "ipv4 first fragment", V4, TCP, .payload = 8, .tweak = T_FRAG_FIRST,
	  .action = PASS },
	{ "ipv4 later fragment of denied flow", V4, TCP, .flow = true,
	  .payload = 8, .tweak = T_FRAG_LATER, .action = PASS },
	{ "tcp data offset 4", V4, TCP, .payload = 8, .tweak = T_DOFF_4,
	  .action = MALFORMED },
	{ "tcp data offset past packet", V4, TCP, .payload = 8,
	  .tweak = T_DOFF_15, .action = MALFORMED },
	{ "tcp data offset 6 with options", V4, TCP, .payload = 8,
	  .tweak = T_DOFF_6, .action = PASS },
	{ "ipv4 denied", V4, TCP, .denied = true, .payload = 16,
	  .action = DROP4 },
	{ "ipv4 udp denied", V4, UDP, .denied = true, .action = DROP4 },
	{ "ipv4 icmp denied", V4, .proto = IPPROTO_ICMP_, .denied = true,
	  .payload = 8, .action = DROP4 },
	{ "ipv4 denied, tcp cut short", V4, TCP, .denied = true,
	  .tweak = T_CUT_L4, .action = DROP4 },
	{ "ipv4 denied, udp cut short", V4, UDP, .denied = true,
	  .tweak = T_CUT_L4, .action = DROP4 },
	{ "ipv4 tcp cut short", V4, TCP, .tweak = T_CUT_L4,
	  .action = MALFORMED },
	{ "ipv4 denied, ip header cut short", V4, TCP, .denied = true,
	  .tweak = T_CUT_L3, .action = MALFORMED },

	{ "ipv6 tcp", V6, TCP, .payload = 16, .action = PASS },
	{ "ipv6 udp", V6, UDP, .payload = 16, .action = PASS },
	{ "ipv6 icmpv6", V6, .proto = IPPROTO_ICMPV6_, .payload = 8,
	  .action = PASS },
	{ "ipv6 hop-by-hop not walked", V6, .proto = IPPROTO_HOPOPTS_,
	  .payload = 8, .action = PASS },
	{ "ipv6 version 4", V6, TCP, .tweak = T_V6_VERSION_4,
	  .action = MALFORMED },
	{ "ipv6 version 4 denied", V6, TCP, .denied = true,
	  .tweak = T_V6_VERSION_4, .action = MALFORMED },
	{ "ipv6 payload length beyond frame", V6, UDP, .payload = 4,
	  .tweak = T_PAYLEN_PLUS_1, .action = MALFORMED },
	{ "ipv6 payload length beyond frame denied", V6, UDP, .payload = 4,
	  .denied = true, .tweak = T_PAYLEN_PLUS_1, .action = DROP6 },
	{ "ipv6 ethernet padding", V6, UDP, .payload = 2, .tweak = T_PAD_10,
	  .action = PASS },
	{ "ipv6 denied", V6, TCP, .denied = true, .payload = 16,
	  .action = DROP6 },
	{ "ipv6 udp denied", V6, UDP, .denied = true, .action = DROP6 },
	{ "ipv6 icmpv6 denied", V6, .proto = IPPROTO_ICMPV6_, .denied = true,
	  .payload = 8, .action = DROP6 },
	{ "ipv6 denied, tcp cut short", V6, TCP, .denied = true,
	  .tweak = T_CUT_L4, .action = DROP6 },
	{ "ipv6 tcp cut short", V6, TCP, .tweak = T_CUT_L4,
	  .action = MALFORMED },
	{ "ipv6 denied, ip header cut short", V6, TCP, .denied = true,
	  .tweak = T_CUT_L3, .action = MALFORMED },

	{ "802.1q ipv4 tcp", DOT1Q, V4, TCP, .payload = 16, .action = PASS },
	{ "802.1q ipv6 udp", DOT1Q, V6, UDP, .payload = 16, .action = PASS },
	{ "802.1ad ipv4 udp", DOT1AD, V4, UDP, .payload = 16, .action = PASS },
	{ "802.1q ipv4 denied", DOT1Q, V4, TCP, .denied = true,
	  .action = DROP4 },
	{ "802.1q ipv6 denied", DOT1Q, V6, UDP, .denied = true,
	  .action = DROP6 },
	{ "802.1ad ipv6 denied", DOT1AD, V6, TCP, .denied = true,
	  .action = DROP6 },
	{ "802.1q ipv4 denied, tcp cut short", DOT1Q, V4, TCP, .denied = true,
	  .tweak = T_CUT_L4, .action = DROP4 },
	{ "802.1q ipv4 ihl 4", DOT1Q, V4, TCP, .tweak = T_IHL_4,
	  .action = MALFORMED },
	{ "qinq ipv4: inner tag not parsed", QINQ, V4, TCP, .payload = 16,
	  .action = NON_IP },
	{ "qinq ipv4 denied: inner tag not parsed", QINQ, V4, TCP,
	  .denied = true, .action = NON_IP },
	{ "qinq ipv6 denied: inner tag not parsed", QINQ, V6, UDP,
	  .denied = true, .action = NON_IP },

	{ "arp", .type = ETH_P_ARP, .payload = 28, .action = NON_IP },
	{ "802.1q arp", DOT1Q, .type = ETH_P_ARP, .payload = 28,
	  .action = NON_IP },
	{ "lldp", .type = 0x88cc, .payload = 20, .action = NON_IP },
	{ "ipv4 ethernet header only", V4, TCP, .tweak = T_ETH_ONLY,
	  .action = MALFORMED },
	{ "ipv6 ethernet header only", V6, UDP, .tweak = T_ETH_ONLY,
	  .action = MALFORMED },
	{ "802.1q tag cut short", DOT1Q, V4, TCP, .tweak = T_CUT_TAG,
	  .action = MALFORMED },
	{ "802.1q ethernet header only", DOT1Q, V4, TCP, .tweak = T_ETH_ONLY,
	  .action = MALFORMED },

	{ "ipv4 tcp denied flow", V4, TCP, .flow = true, .payload = 16,
	  .action = DROPFLOW },
	{ "ipv4 udp, same ports as denied tcp flow", V4, UDP, .flow = true,
	  .action = PASS },
	{ "ipv4 tcp denied flow, tcp cut short", V4, TCP, .flow = true,
	  .tweak = T_CUT_L4, .action = MALFORMED },
	{ "802.1q ipv4 tcp denied flow", DOT1Q, V4, TCP, .flow = true,
	  .action = DROPFLOW },
	{ "ipv6 udp denied flow", V6, UDP, .flow = true, .payload = 16,
	  .action = DROPFLOW },
	{ "ipv6 tcp, same ports as denied udp flow", V6, TCP, .flow = true,
	  .action = PASS },
	{ "802.1q ipv6 udp denied flow", DOT1Q, V6, UDP, .flow = true,
	  .action = DROPFLOW },
};

static void build_case(struct pkt *p, const struct pcase *k)
{
	int ihl = k->ihl ? k->ihl : 5;
	__u16 sport = k->flow ? FLOW_SPORT : SPORT;

	memset(p, 0, sizeof(*p));
	pkt_eth(p, k->tpid, k->n_tags, k->type);
	if (k->type == ETH_P_IP) {
		pkt_ipv4(p, k->denied ? DENIED4 : ALLOWED4, DST4, k->proto,
			 ihl);
	} else if (k->type == ETH_P_IPV6) {
		pkt_ipv6(p, k->denied ? DENIED6 : ALLOWED6, DST6, k->proto);
	} else {
		pkt_payload(p, k->payload);
		return;
	}
	if (k->proto == IPPROTO_TCP_) {
		pkt_tcp(p, sport, DPORT);
		if (k->tweak == T_DOFF_6) {
			static const __u8 nops[4] = { 1, 1, 1, 1 };

			put(p, nops, sizeof(nops));
		}
	} else if (k->proto == IPPROTO_UDP_) {
		pkt_udp(p, sport, DPORT);
	}
	pkt_payload(p, k->payload);
	pkt_finish(p);

	switch (k->tweak) {
	case T_NONE:
		break;
	case T_IHL_4:
		p->b[p->l3] = 0x44;
		break;
	case T_IHL_0:
		p->b[p->l3] = 0x40;
		break;
	case T_V4_VERSION_6:
		p->b[p->l3] = 0x60 | ihl;
		break;
	case T_V6_VERSION_4:
		p->b[p->l3] = 0x40;
		break;
	case T_TOTLEN_LT_HLEN:
		set16(p, p->l3 + 2, ihl * 4 - 1);
		break;
	case T_TOTLEN_0:
		set16(p, p->l3 + 2, 0);
		break;
	case T_TOTLEN_PLUS_1:
		set16(p, p->l3 + 2, p->len - p->l3 + 1);
		break;
	case T_PAYLEN_PLUS_1:
		set16(p, p->l3 + 4, p->len - p->l4 + 1);
		break;
	case T_PAD_10:
		for (int i = 0; i < 10; i++)
			p->b[p->len++] = 0;
		break;
	case T_FRAG_LATER:
		/* Offset 8 units: what follows the IP header is payload. */
		set16(p, p->l3 + 6, 8);
		p->len = p->l4 + 8;
		set16(p, p->l3 + 2, p->len - p->l3);
		break;
	case T_FRAG_FIRST:
		set16(p, p->l3 + 6, 0x2000); /* MF */
		break;
	case T_DOFF_4:
		p->b[p->l4 + 12] = 4 << 4;
		break;
	case T_DOFF_15:
		p->b[p->l4 + 12] = 15 << 4;
		break;
	case T_DOFF_6:
		p->b[p->l4 + 12] = 6 << 4;
		break;
	case T_CUT_L4:
		p->len = p->l4 + (k->proto == IPPROTO_UDP_ ? 4 : 10);
		break;
	case T_CUT_L3:
		p->len = p->l3 + 10;
		break;
	case T_CUT_TAG:
		p->len = ETH_HLEN + 2;
		break;
	case T_ETH_ONLY:
		p->len = ETH_HLEN;
		break;
	case T_TOTLEN_CUTS_L4:
		set16(p, p->l3 + 2, p->l4 - p->l3 + 4);
		break;
	}
}

/* ---- fixtures ------------------------------------------------------------ */

static int group_setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct enf_tuple t4 = { .proto = IPPROTO_TCP_,
				.family = ENF_FAMILY_V4,
				.sport = htons(FLOW_SPORT),
				.dport = htons(DPORT) };
	struct enf_tuple t6 = { .proto = IPPROTO_UDP_,
				.family = ENF_FAMILY_V6,
				.sport = htons(FLOW_SPORT),
				.dport = htons(DPORT) };
	__u8 a6[16], swapped[4];
	__u32 a4;
	int err;

	if (!c)
		return -1;
	err = enf_xdp_open(NULL, &c->x);
	if (err) {
		print_error("enf_xdp_open: %s\n", strerror(-err));
		free(c);
		return -1;
	}
	addr(AF_INET, DENIED4, &a4);
	assert_int_equal(enf_xdp_deny_add(c->x, AF_INET, &a4, 7), 0);
	addr(AF_INET6, DENIED6, a6);
	assert_int_equal(enf_xdp_deny_add(c->x, AF_INET6, a6, 8), 0);
	/* Decoys: ALLOWED4 byte-swapped, and DENIED6's neighbour. A parser or
	 * loader that got byte order or key width wrong hits one of them.
	 */
	addr(AF_INET, ALLOWED4, &a4);
	for (int i = 0; i < 4; i++)
		swapped[i] = ((__u8 *)&a4)[3 - i];
	assert_int_equal(enf_xdp_deny_add(c->x, AF_INET, swapped, 9), 0);
	addr(AF_INET6, DENIED6, a6);
	a6[15] ^= 1;
	assert_int_equal(enf_xdp_deny_add(c->x, AF_INET6, a6, 9), 0);

	addr(AF_INET, ALLOWED4, t4.saddr);
	addr(AF_INET, DST4, t4.daddr);
	assert_int_equal(enf_xdp_flow_add(c->x, &t4, 10), 0);
	addr(AF_INET6, ALLOWED6, t6.saddr);
	addr(AF_INET6, DST6, t6.daddr);
	assert_int_equal(enf_xdp_flow_add(c->x, &t6, 11), 0);
	*state = c;
	return 0;
}

static int group_teardown(void **state)
{
	struct ctx *c = *state;

	if (c)
		enf_xdp_close(c->x);
	free(c);
	return 0;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_named_cases(void **state)
{
	struct ctx *c = *state;
	struct pkt p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_case(&p, &cases[i]);
		check_pkt(c, cases[i].name, &p, cases[i].action, cases[i].stat);
	}
	report(c, "named cases");
}

/* IPv4 with every header length the IHL field allows, TCP and UDP. */
static void test_ipv4_options(void **state)
{
	struct ctx *c = *state;
	char name[96];
	struct pkt p;

	for (int ihl = 5; ihl <= 15; ihl++) {
		for (int d = 0; d < 2; d++) {
			for (int udp = 0; udp < 2; udp++) {
				memset(&p, 0, sizeof(p));
				pkt_eth(&p, NULL, 0, ETH_P_IP);
				pkt_ipv4(&p, d ? DENIED4 : ALLOWED4, DST4,
					 udp ? IPPROTO_UDP_ : IPPROTO_TCP_,
					 ihl);
				if (udp)
					pkt_udp(&p, SPORT, DPORT);
				else
					pkt_tcp(&p, SPORT, DPORT);
				pkt_payload(&p, 12);
				pkt_finish(&p);
				snprintf(name, sizeof(name), "ipv4 ihl %d %s%s",
					 ihl, udp ? "udp" : "tcp",
					 d ? " denied" : "");
				if (d)
					check_pkt(c, name, &p, DROP4);
				else
					check_pkt(c, name, &p, PASS);

				/* The same with the L4 header cut in two. */
				p.len = p.l4 + 4;
				snprintf(name, sizeof(name),
					 "ipv4 ihl %d %s%s, l4 cut short", ihl,
					 udp ? "udp" : "tcp",
					 d ? " denied" : "");
				if (d)
					check_pkt(c, name, &p, DROP4);
				else
					check_pkt(c, name, &p, MALFORMED);
			}
		}
	}
	/* Flow deny behind options: the L4 offset follows IHL. */
	for (int ihl = 5; ihl <= 15; ihl++) {
		memset(&p, 0, sizeof(p));
		pkt_eth(&p, NULL, 0, ETH_P_IP);
		pkt_ipv4(&p, ALLOWED4, DST4, IPPROTO_TCP_, ihl);
		pkt_tcp(&p, FLOW_SPORT, DPORT);
		pkt_finish(&p);
		snprintf(name, sizeof(name), "ipv4 ihl %d tcp denied flow",
			 ihl);
		check_pkt(c, name, &p, DROPFLOW);
	}
	report(c, "ipv4 options");
}

/*
 * Every prefix of @full, from 0 bytes to one short of whole, then the whole
 * frame. What each must give follows from where the headers end:
 * shorter than Ethernet - refused by the kernel; before the IP header is
 * complete - malformed; after that - dropped if the source is denied, else
 * malformed until the frame is whole.
 */
static void sweep(struct ctx *c, const char *what, const struct pkt *full,
		  bool denied)
{
	__u32 drop_stat = full->family == AF_INET ? ENF_XDP_DROP_SRC4 :
						    ENF_XDP_DROP_SRC6;
	char name[96];

	for (size_t len = 0; len <= full->len; len++) {
		__u32 action = XDP_PASS;
		int stat;

		if (len < ETH_HLEN)
			stat = -1;
		else if (len < full->l4)
			stat = ENF_XDP_PASS_MALFORMED;
		else if (denied)
			action = XDP_DROP, stat = drop_stat;
		else if (len < full->len)
			stat = ENF_XDP_PASS_MALFORMED;
		else
			stat = ENF_XDP_PASS;
		snprintf(name, sizeof(name), "%s%s cut to %zu of %zu bytes",
			 what, denied ? " denied" : "", len, full->len);
		check_run(c, name, full->b, len, action, stat);
	}
}

static void test_truncation_ipv4_tcp(void **state)
{
	struct ctx *c = *state;
	struct pkt p;

	for (int d = 0; d < 2; d++) {
		memset(&p, 0, sizeof(p));
		pkt_eth(&p, NULL, 0, ETH_P_IP);
		pkt_ipv4(&p, d ? DENIED4 : ALLOWED4, DST4, IPPROTO_TCP_, 5);
		pkt_tcp(&p, SPORT, DPORT);
		pkt_payload(&p, 6);
		pkt_finish(&p);
		sweep(c, "ipv4 tcp", &p, d);
	}
	report(c, "truncation ipv4 tcp");
}

static void test_truncation_ipv6_udp(void **state)
{
	struct ctx *c = *state;
	struct pkt p;

	for (int d = 0; d < 2; d++) {
		memset(&p, 0, sizeof(p));
		pkt_eth(&p, NULL, 0, ETH_P_IPV6);
		pkt_ipv6(&p, d ? DENIED6 : ALLOWED6, DST6, IPPROTO_UDP_);
		pkt_udp(&p, SPORT, DPORT);
		pkt_payload(&p, 6);
		pkt_finish(&p);
		sweep(c, "ipv6 udp", &p, d);
	}
	report(c, "truncation ipv6 udp");
}

static void test_truncation_vlan_ipv4_tcp(void **state)
{
	static const __u16 tpid = ETH_P_8021Q;
	struct ctx *c = *state;
	struct pkt p;

	for (int d = 0; d < 2; d++) {
		memset(&p, 0, sizeof(p));
		pkt_eth(&p, &tpid, 1, ETH_P_IP);
		pkt_ipv4(&p, d ? DENIED4 : ALLOWED4, DST4, IPPROTO_TCP_, 5);
		pkt_tcp(&p, SPORT, DPORT);
		pkt_payload(&p, 6);
		pkt_finish(&p);
		sweep(c, "802.1q ipv4 tcp", &p, d);
	}
	report(c, "truncation 802.1q ipv4 tcp");
}

/* Entries taken out stop dropping at once; counters keep counting. */
static void test_deny_removed(void **state)
{
	struct ctx *c = *state;
	__u8 a6[16];
	struct pkt p;
	__u32 a4;

	memset(&p, 0, sizeof(p));
	pkt_eth(&p, NULL, 0, ETH_P_IP);
	pkt_ipv4(&p, DENIED4, DST4, IPPROTO_UDP_, 5);
	pkt_udp(&p, SPORT, DPORT);
	pkt_finish(&p);
	addr(AF_INET, DENIED4, &a4);
	check_pkt(c, "ipv4 denied before removal", &p, DROP4);
	assert_int_equal(enf_xdp_deny_del(c->x, AF_INET, &a4), 0);
	check_pkt(c, "ipv4 after removal", &p, PASS);
	assert_int_equal(enf_xdp_deny_add(c->x, AF_INET, &a4, 7), 0);
	check_pkt(c, "ipv4 denied again", &p, DROP4);

	memset(&p, 0, sizeof(p));
	pkt_eth(&p, NULL, 0, ETH_P_IPV6);
	pkt_ipv6(&p, DENIED6, DST6, IPPROTO_TCP_);
	pkt_tcp(&p, SPORT, DPORT);
	pkt_finish(&p);
	addr(AF_INET6, DENIED6, a6);
	check_pkt(c, "ipv6 denied before removal", &p, DROP6);
	assert_int_equal(enf_xdp_deny_del(c->x, AF_INET6, a6), 0);
	check_pkt(c, "ipv6 after removal", &p, PASS);
	assert_int_equal(enf_xdp_deny_add(c->x, AF_INET6, a6, 8), 0);
	check_pkt(c, "ipv6 denied again", &p, DROP6);
	report(c, "deny removal");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_cases),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_truncation_ipv4_tcp),
		cmocka_unit_test(test_truncation_ipv6_udp),
		cmocka_unit_test(test_truncation_vlan_ipv4_tcp),
		cmocka_unit_test(test_deny_removed),
	};

	if (geteuid() != 0) {
		fprintf(stderr,
			"skipped: loading BPF and BPF_PROG_TEST_RUN need root\n");
		return SKIP_CODE;
	}
	enf_log_init(ENF_LOG_WARN, "test_xdp_parse");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
