// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XDP programs' walk and verdicts, by BPF_PROG_TEST_RUN over tables of
 * frames built here, through all three variants: xdp_host checking the
 * primary maps (an interface without offload), xdp_host beside a NIC
 * (check_primary false: tries and deny_spill) and xdp_offload. Each frame
 * form is run with every kind of source (allowed, denied, in a denied
 * prefix, spilled) and, where it has ports, every kind of flow (none,
 * denied, spilled); each run must give the expected verdict and move
 * exactly one counter, by one, in the expected slot.
 *
 * A form names its shape, which says what the walk reaches (xdp_parse.h):
 * the verdict per variant follows from it by expect() below. Flows are
 * written as the loader writes them, their sources marked (ENF_DENY_F_FLOWS;
 * a marker for an allowed source). test_flow_gate proves the mark is what
 * opens xdp_host's flow lookup. IPv4 sources are written as the loader
 * writes them into deny_fast4 too (the harness uses its placement);
 * test_fast4_inline proves xdp_host finds them there, inline, and reads
 * deny_src4 only as dp_config says, and test_fast4_overflow that a source
 * the table cannot place is found through deny_src4, its marks included.
 * Needs root; without it the test exits 77 (skipped).
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

#include <bpf/bpf.h>

#include "test_xdp_common.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

#define DPORT 443
#define SPORT 40001 /* no flow entry */
#define FLOW_SPORT 40000 /* deny_flow entries */
#define SPILL_SPORT 40002 /* FLOW entries in deny_spill */

/* Sources by class, IPv4 and IPv6; DST is the destination of every frame. */
enum src_class { S_ALLOWED = 0, S_DENIED, S_CIDR, S_SPILL, S_COUNT };
enum flow_class { F_NONE = 0, F_DENIED, F_SPILL, F_COUNT };

static const char *const src_name[S_COUNT] = { "allowed", "denied", "cidr",
					       "spilled" };
static const char *const flow_name[F_COUNT] = { "", " flow-denied",
						" flow-spilled" };
static const __u16 flow_sport[F_COUNT] = { SPORT, FLOW_SPORT, SPILL_SPORT };

static const char *const src4_text[S_COUNT] = { "192.0.2.1", "203.0.113.66",
						"198.18.200.3", "192.0.2.200" };
static const char *const src6_text[S_COUNT] = { "2001:db8::1",
						"2001:db8:bad::66",
						"2001:db8:c1d0:0:1::5",
						"2001:db8::200" };
#define CIDR4 "198.18.0.0" /* /15 */
#define CIDR6 "2001:db8:c1d0::" /* /48 */
#define DST4 "198.51.100.7"
#define DST6 "2001:db8::2"

/* What the walk reaches; see xdp_parse.h. */
enum shape {
	SH_NON_IP, /* not IPv4/IPv6: PASS_NON_IP */
	SH_MALF_EARLY, /* malformed before the source is known */
	SH_MALF_LATE, /* source checked, then malformed */
	SH_SRC_ONLY, /* source checked, no L4 to look at: PASS */
	SH_EXT_LIMIT, /* source checked, too many extension headers */
	SH_L4, /* source checked, then the 5-tuple */
};

static struct xdp_harness H;
static __u8 src4[S_COUNT][4], src6[S_COUNT][16], dst4[4], dst6[16];

/* The verdict of @v for a frame of @shape; returns the counter. */
static int expect(enum xdp_variant v, int family, enum shape shape,
		  enum src_class src, enum flow_class flow, __u32 *action)
{
	bool v4 = family == AF_INET;

	*action = XDP_DROP;
	if (shape == SH_NON_IP) {
		*action = XDP_PASS;
		return ENF_XDP_PASS_NON_IP;
	}
	if (shape == SH_MALF_EARLY) {
		*action = XDP_PASS;
		return ENF_XDP_PASS_MALFORMED;
	}
	/* The source stage: primary maps, then tries, then spill. */
	if (src == S_DENIED && v != XV_HOST_NIC)
		return v4 ? ENF_XDP_DROP_SRC4 : ENF_XDP_DROP_SRC6;
	if (src == S_CIDR && v != XV_OFFLOAD)
		return v4 ? ENF_XDP_DROP_CIDR4 : ENF_XDP_DROP_CIDR6;
	if (src == S_SPILL && v == XV_HOST_NIC)
		return ENF_XDP_DROP_SPILL;
	*action = XDP_PASS;
	switch (shape) {
	case SH_MALF_LATE:
		return ENF_XDP_PASS_MALFORMED;
	case SH_SRC_ONLY:
		return ENF_XDP_PASS;
	case SH_EXT_LIMIT:
		return ENF_XDP_PASS_EXT_LIMIT;
	default:
		break;
	}
	/* The 5-tuple stage. */
	*action = XDP_DROP;
	if (flow == F_DENIED && v != XV_HOST_NIC)
		return ENF_XDP_DROP_FLOW;
	if (flow == F_SPILL && v == XV_HOST_NIC)
		return ENF_XDP_DROP_SPILL;
	*action = XDP_PASS;
	return ENF_XDP_PASS;
}

enum tweak {
	T_NONE = 0,
	T_VERSION_SWAP, /* v4 ethertype with version 6, and the reverse */
	T_IHL_4,
	T_IHL_0,
	T_TOTLEN_LT_HLEN, /* IPv4 total length below the header */
	T_TOTLEN_0, /* IPv4 total length 0 (BIG TCP after GRO) */
	T_LEN_PLUS_1, /* IP length field one beyond the frame */
	T_LEN_CUTS_L4, /* IP length ends 4 bytes into the L4 header */
	T_PAD_10, /* 10 bytes of Ethernet padding after the IP packet */
	T_FRAG_FIRST, /* IPv4 MF set, offset 0 */
	T_FRAG_LATER, /* IPv4 offset 8 (bytes 64..) */
	T_DOFF_4, /* TCP data offset below 5 */
	T_DOFF_15, /* TCP data offset past the packet */
	T_DOFF_6, /* TCP data offset 6, its option bytes there */
	T_CUT_TAG, /* frame ends inside the VLAN tag */
	T_CUT_EXT, /* frame (and payload) end 4 bytes into the last ext */
	T_EXT_LEN_BEYOND, /* last extension header longer than the payload */
};

#define MAX_EXT (ENF_IPV6_EXT_MAX + 2)

struct form {
	const char *name;
	int fam; /* 4, 6, or 0 for both */
	enum shape shape;
	int tags;
	__u16 tpid[2];
	__u16 etype; /* 0: by family */
	__u8 proto; /* after the IP header and its extension headers */
	int ihl; /* IPv4; 0 means 5 */
	int n_ext;
	__u8 ext[MAX_EXT];
	__u16 ext_len[MAX_EXT]; /* 0: 8 */
	__u16 frag_off; /* of the fragment header, in 8-byte units */
	size_t payload;
	enum tweak tweak;
};

#define TCP .proto = IPPROTO_TCP_
#define UDP .proto = IPPROTO_UDP_
#define Q1 .tags = 1, .tpid = { TPID_8021Q }
#define AD1 .tags = 1, .tpid = { TPID_8021AD }
#define QINQ .tags = 2, .tpid = { TPID_8021AD, TPID_8021Q }
#define EXT(...) \
	.n_ext = sizeof((__u8[]){ __VA_ARGS__ }), .ext = { __VA_ARGS__ }

static const struct form forms[] = {
	/* Both families. */
	{ "tcp", 0, SH_L4, TCP, .payload = 16 },
	{ "udp", 0, SH_L4, UDP, .payload = 16 },
	{ "tcp no payload", 0, SH_L4, TCP },
	{ "udp no payload", 0, SH_L4, UDP },
	{ "tcp 802.1Q", 0, SH_L4, TCP, Q1, .payload = 8 },
	{ "udp 802.1ad", 0, SH_L4, UDP, AD1, .payload = 8 },
	{ "tcp QinQ (not looked into)", 0, SH_NON_IP, TCP, QINQ },
	{ "cut inside the tag", 0, SH_MALF_EARLY, TCP, Q1, .tweak = T_CUT_TAG },
	{ "tcp data offset 6 with options", 0, SH_L4, TCP, .payload = 4,
	  .tweak = T_DOFF_6 },
	{ "tcp data offset 4", 0, SH_MALF_LATE, TCP, .payload = 8,
	  .tweak = T_DOFF_4 },
	{ "tcp data offset past the packet", 0, SH_MALF_LATE, TCP, .payload = 8,
	  .tweak = T_DOFF_15 },
	{ "ethernet padding", 0, SH_L4, UDP, .payload = 2, .tweak = T_PAD_10 },
	{ "length one beyond the frame", 0, SH_MALF_LATE, UDP, .payload = 4,
	  .tweak = T_LEN_PLUS_1 },
	{ "length ends inside tcp", 0, SH_MALF_LATE, TCP, .payload = 8,
	  .tweak = T_LEN_CUTS_L4 },
	{ "length ends inside udp", 0, SH_MALF_LATE, UDP, .payload = 8,
	  .tweak = T_LEN_CUTS_L4 },
	{ "version swapped", 0, SH_MALF_EARLY, TCP, .tweak = T_VERSION_SWAP },
	/* IPv4. */
	{ "icmp", 4, SH_SRC_ONLY, .proto = IPPROTO_ICMP_, .payload = 8 },
	{ "ihl 6", 4, SH_L4, TCP, .ihl = 6, .payload = 4 },
	{ "ihl 15", 4, SH_L4, UDP, .ihl = 15, .payload = 4 },
	{ "ihl 15 802.1Q", 4, SH_L4, TCP, Q1, .ihl = 15 },
	{ "ihl 4", 4, SH_MALF_EARLY, TCP, .tweak = T_IHL_4 },
	{ "ihl 0", 4, SH_MALF_EARLY, TCP, .tweak = T_IHL_0 },
	{ "total length below header", 4, SH_MALF_LATE, TCP,
	  .tweak = T_TOTLEN_LT_HLEN },
	{ "total length zero", 4, SH_MALF_LATE, TCP, .tweak = T_TOTLEN_0 },
	{ "first fragment", 4, SH_L4, TCP, .payload = 8,
	  .tweak = T_FRAG_FIRST },
	{ "later fragment", 4, SH_SRC_ONLY, TCP, .payload = 8,
	  .tweak = T_FRAG_LATER },
	{ "later fragment 802.1ad", 4, SH_SRC_ONLY, UDP, AD1, .payload = 8,
	  .tweak = T_FRAG_LATER },
	/* IPv6. */
	{ "icmpv6", 6, SH_SRC_ONLY, .proto = IPPROTO_ICMPV6_, .payload = 8 },
	{ "no next header", 6, SH_SRC_ONLY, .proto = NH_NONE },
	{ "hop-by-hop, icmpv6", 6, SH_SRC_ONLY, .proto = IPPROTO_ICMPV6_,
	  EXT(NH_HOPOPTS), .payload = 8 },
	{ "1 ext: hop-by-hop", 6, SH_L4, TCP, EXT(NH_HOPOPTS) },
	{ "1 ext: routing", 6, SH_L4, UDP, EXT(NH_ROUTING) },
	{ "1 ext: destination options 24", 6, SH_L4, TCP, EXT(NH_DSTOPTS),
	  .ext_len = { 24 } },
	{ "1 ext: AH 12", 6, SH_L4, TCP, EXT(NH_AH), .ext_len = { 12 } },
	{ "1 ext: first fragment", 6, SH_L4, UDP, EXT(NH_FRAGMENT) },
	{ "1 ext: later fragment", 6, SH_SRC_ONLY, UDP, EXT(NH_FRAGMENT),
	  .frag_off = 3, .payload = 8 },
	{ "2 ext: hop, later fragment", 6, SH_SRC_ONLY, TCP,
	  EXT(NH_HOPOPTS, NH_FRAGMENT), .frag_off = 1 },
	{ "2 ext: hop, dst", 6, SH_L4, TCP, EXT(NH_HOPOPTS, NH_DSTOPTS),
	  .payload = 4 },
	{ "3 ext: hop, routing, fragment", 6, SH_L4, UDP,
	  EXT(NH_HOPOPTS, NH_ROUTING, NH_FRAGMENT) },
	{ "4 ext: hop, dst, routing, AH", 6, SH_L4, TCP,
	  EXT(NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH) },
	{ "4 ext: hop, dst, routing, later fragment", 6, SH_SRC_ONLY, TCP,
	  EXT(NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_FRAGMENT),
	  .frag_off = 100 },
	{ "4 ext, 802.1Q", 6, SH_L4, UDP, Q1,
	  EXT(NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS) },
	{ "5 ext: past the limit", 6, SH_EXT_LIMIT, TCP,
	  EXT(NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH, NH_DSTOPTS) },
	{ "5 ext, fragment 5th: past the limit", 6, SH_EXT_LIMIT, UDP,
	  EXT(NH_HOPOPTS, NH_DSTOPTS, NH_ROUTING, NH_AH, NH_FRAGMENT),
	  .frag_off = 9 },
	{ "6 ext: past the limit", 6, SH_EXT_LIMIT, UDP,
	  EXT(NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS, NH_DSTOPTS,
	      NH_DSTOPTS) },
	{ "ext cut short", 6, SH_MALF_LATE, TCP, EXT(NH_HOPOPTS, NH_ROUTING),
	  .tweak = T_CUT_EXT },
	{ "ext longer than the payload", 6, SH_MALF_LATE, TCP, EXT(NH_HOPOPTS),
	  .tweak = T_EXT_LEN_BEYOND },
	{ "2nd ext longer than the payload", 6, SH_MALF_LATE, UDP,
	  EXT(NH_DSTOPTS, NH_ROUTING), .tweak = T_EXT_LEN_BEYOND },
	/* Not IP at all. */
	{ "arp", 0, SH_NON_IP, .etype = ETYPE_ARP, .payload = 28 },
	{ "arp 802.1Q", 0, SH_NON_IP, Q1, .etype = ETYPE_ARP, .payload = 28 },
};

static void src_dst(int family, enum src_class s, const __u8 **src,
		    const __u8 **dst)
{
	*src = family == AF_INET ? src4[s] : src6[s];
	*dst = family == AF_INET ? dst4 : dst6;
}

static void build(struct pkt *p, const struct form *f, int family,
		  enum src_class s, __u16 sport)
{
	__u16 etype = f->etype		? f->etype :
		      family == AF_INET ? ETYPE_IP :
					  ETYPE_IPV6;
	const __u8 *src, *dst;
	size_t ext_start = 0;

	memset(p, 0, sizeof(*p));
	src_dst(family, s, &src, &dst);
	pkt_eth(p, f->tags, f->tpid, etype);
	if (f->etype) {
		pkt_payload(p, f->payload);
		return;
	}
	if (family == AF_INET) {
		pkt_ipv4(p, src, dst, f->proto, f->ihl ? f->ihl : 5);
	} else {
		pkt_ipv6(p, src, dst, f->proto);
		ext_start = p->len;
		for (int i = 0; i < f->n_ext; i++) {
			__u8 next = i + 1 < f->n_ext ? f->ext[i + 1] : f->proto;
			size_t len = f->ext_len[i] ? f->ext_len[i] : 8;

			ext_start = p->len;
			pkt_ext(p, f->ext[i], next, len, f->frag_off, true);
		}
	}
	if (f->proto == IPPROTO_TCP_) {
		pkt_tcp(p, sport, DPORT);
		if (f->tweak == T_DOFF_6) {
			p->b[p->l4 + 12] = 6 << 4;
			pkt_payload(p, 4);
		}
	} else if (f->proto == IPPROTO_UDP_) {
		pkt_udp(p, sport, DPORT);
	}
	pkt_payload(p, f->payload);
	pkt_finish(p);

	switch (f->tweak) {
	case T_VERSION_SWAP:
		p->b[p->l3] = (family == AF_INET ? 0x60 : 0x40) |
			      (p->b[p->l3] & 0xf);
		break;
	case T_IHL_4:
		p->b[p->l3] = 0x44;
		break;
	case T_IHL_0:
		p->b[p->l3] = 0x40;
		break;
	case T_TOTLEN_LT_HLEN:
		pkt_set16(p, p->l3 + 2, 19);
		break;
	case T_TOTLEN_0:
		pkt_set16(p, p->l3 + 2, 0);
		break;
	case T_LEN_PLUS_1:
		if (family == AF_INET)
			pkt_set16(p, p->l3 + 2, p->len - p->l3 + 1);
		else
			pkt_set16(p, p->l3 + 4, p->len - p->l3 - 40 + 1);
		break;
	case T_LEN_CUTS_L4:
		if (family == AF_INET)
			pkt_set16(p, p->l3 + 2, p->l4 + 4 - p->l3);
		else
			pkt_set16(p, p->l3 + 4, p->l4 + 4 - p->l3 - 40);
		break;
	case T_PAD_10:
		pkt_payload(p, 10);
		break;
	case T_FRAG_FIRST:
		pkt_set16(p, p->l3 + 6, 0x2000);
		break;
	case T_FRAG_LATER:
		pkt_set16(p, p->l3 + 6, 8);
		break;
	case T_DOFF_4:
		p->b[p->l4 + 12] = 4 << 4;
		break;
	case T_DOFF_15:
		p->b[p->l4 + 12] = 15 << 4;
		break;
	case T_CUT_TAG:
		p->len = 14 + 2;
		break;
	case T_CUT_EXT:
		p->len = ext_start + 4;
		pkt_set16(p, p->l3 + 4, p->len - p->l3 - 40);
		break;
	case T_EXT_LEN_BEYOND:
		p->b[ext_start + 1] = 200;
		break;
	default:
		break;
	}
}

struct tally {
	int checks;
	int failures;
};

static void check_one(struct tally *t, const char *name, enum xdp_variant v,
		      const void *data, size_t len, __u32 want_action,
		      int want_stat)
{
	__u32 action;
	int err, moved;

	t->checks++;
	err = xh_run(&H, v, data, len, &action, &moved);
	if (err) {
		print_error("FAIL %s [%s]: run: %s\n", name, xv_name[v],
			    strerror(-err));
		t->failures++;
		return;
	}
	if (action != want_action || moved != want_stat) {
		print_error(
			"FAIL %s [%s]: %s, counter %s; want %s, counter %s\n",
			name, xv_name[v], xdp_action_name(action),
			moved >= 0	       ? xdp_stat_names[moved] :
			moved == XH_MOVED_NONE ? "(none)" :
						 "(several)",
			xdp_action_name(want_action),
			xdp_stat_names[want_stat]);
		t->failures++;
	}
}

static void report(struct tally *t, const char *what)
{
	print_message("%s: %d runs checked, %d failures\n", what, t->checks,
		      t->failures);
	assert_int_equal(t->failures, 0);
	assert_true(t->checks > 0);
}

/* Every form x family x source class x flow class x variant. */
static void test_forms(void **state)
{
	struct tally t = { 0 };
	struct pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const struct form *f = &forms[i];

		for (int fam = 0; fam < 2; fam++) {
			int family = fam ? AF_INET6 : AF_INET;

			if (f->fam && f->fam != (fam ? 6 : 4))
				continue;
			for (int s = 0; s < S_COUNT; s++) {
				for (int fl = 0; fl < F_COUNT; fl++) {
					char name[160];

					if (fl && f->shape != SH_L4 &&
					    f->shape != SH_MALF_LATE)
						continue;
					build(&p, f, family, s, flow_sport[fl]);
					snprintf(name, sizeof(name),
						 "ipv%d %s, %s source%s",
						 fam ? 6 : 4, f->name,
						 src_name[s], flow_name[fl]);
					for (int v = 0; v < XV_COUNT; v++) {
						__u32 a;
						int st = expect(v, family,
								f->shape, s, fl,
								&a);

						check_one(&t, name, v, p.b,
							  p.len, a, st);
					}
				}
			}
		}
	}
	report(&t, "forms");
}

/*
 * A valid frame cut at every length from the Ethernet header on (the IP
 * length field left as it was): malformed before the IP header is whole,
 * the source decides from there on, and only the whole frame reaches the
 * flow check. Shorter than Ethernet, the kernel refuses the run.
 */
static void test_truncated(void **state)
{
	static const struct form tcp = { "tcp", 0, SH_L4, TCP, .payload = 6 };
	static const struct form vlan6 = {
		"udp 802.1Q with 2 ext",     6, SH_L4, UDP, Q1,
		EXT(NH_HOPOPTS, NH_FRAGMENT)
	};
	static const struct form ihl7 = { "tcp ihl 7", 4, SH_L4, TCP,
					  .ihl = 7 };
	const struct form *list[] = { &tcp, &vlan6, &ihl7 };
	struct tally t = { 0 };
	struct pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		for (int fam = 0; fam < 2; fam++) {
			int family = fam ? AF_INET6 : AF_INET;

			if (list[i]->fam && list[i]->fam != (fam ? 6 : 4))
				continue;
			for (int s = 0; s < S_COUNT; s++) {
				size_t ip_hdr;

				build(&p, list[i], family, s,
				      flow_sport[F_DENIED]);
				ip_hdr = p.l3 + (family == AF_INET ?
							 (p.b[p.l3] & 0xf) * 4 :
							 40);
				for (size_t len = 0; len <= p.len; len++) {
					enum shape sh =
						len < ip_hdr ? SH_MALF_EARLY :
						len < p.len  ? SH_MALF_LATE :
							       SH_L4;
					char name[160];

					snprintf(
						name, sizeof(name),
						"ipv%d %s, %s source, cut at %zu of %zu",
						fam ? 6 : 4, list[i]->name,
						src_name[s], len, p.len);
					for (int v = 0; v < XV_COUNT; v++) {
						__u32 a;
						int st = expect(v, family, sh,
								s, F_DENIED,
								&a);
						int err, moved;

						if (len >= 14) {
							check_one(&t, name, v,
								  p.b, len, a,
								  st);
							continue;
						}
						t.checks++;
						err = xh_run(&H, v, p.b, len,
							     &a, &moved);
						if (err != -EINVAL ||
						    moved != XH_MOVED_NONE) {
							print_error(
								"FAIL %s [%s]: run gave %d, counter %d; want -EINVAL, none\n",
								name,
								xv_name[v], err,
								moved);
							t.failures++;
						}
					}
				}
			}
		}
	}
	report(&t, "truncated");
}

/* One UDP frame @src:@sport -> DST:DPORT through @v: its counter. */
static void udp_check(struct tally *t, const char *test, const char *what,
		      int family, const __u8 *src, __u16 sport,
		      enum xdp_variant v, int want_stat)
{
	struct pkt p = { 0 };
	char name[160];

	pkt_eth(&p, 0, NULL, family == AF_INET ? ETYPE_IP : ETYPE_IPV6);
	if (family == AF_INET)
		pkt_ipv4(&p, src, dst4, IPPROTO_UDP_, 5);
	else
		pkt_ipv6(&p, src, dst6, IPPROTO_UDP_);
	pkt_udp(&p, sport, DPORT);
	pkt_payload(&p, 16);
	pkt_finish(&p);
	snprintf(name, sizeof(name), "ipv%d %s: %s", family == AF_INET ? 4 : 6,
		 test, what);
	check_one(t, name, v, p.b, p.len,
		  want_stat >= ENF_XDP_DROP_SRC4 ? XDP_DROP : XDP_PASS,
		  want_stat);
}

static void gate_check(struct tally *t, const char *what, int family,
		       const __u8 *src, __u16 sport, enum xdp_variant v,
		       int want_stat)
{
	udp_check(t, "flow gate", what, family, src, sport, v, want_stat);
}

/*
 * xdp_host (check_primary) looks deny_flow up only for a source marked
 * ENF_DENY_F_FLOWS: a flow whose source carries no mark is not matched
 * (xdp_offload, which looks every flow up, drops it), a marker without
 * F_FLOWS opens nothing, and with the mark the flow is dropped while the
 * marked source's other traffic passes. A source in no map reaches the
 * flow stage and passes.
 */
static void test_flow_gate(void **state)
{
	static const char *const g4_text = "192.0.2.77";
	static const char *const g6_text = "2001:db8::77";
	struct tally t = { 0 };

	(void)state;
	for (int fam = 0; fam < 2; fam++) {
		int family = fam ? AF_INET6 : AF_INET;
		size_t alen = fam ? 16 : 4;
		const struct enf_deny_value mark_only = {
			.flags = ENF_DENY_F_MARK
		};
		struct enf_tuple tu = { 0 };
		__u8 g[16] = { 0 };

		assert_int_equal(inet_pton(family, fam ? g6_text : g4_text, g),
				 1);
		memcpy(tu.saddr, g, alen);
		memcpy(tu.daddr, fam ? dst6 : dst4, alen);
		tu.sport = htons(FLOW_SPORT);
		tu.dport = htons(DPORT);
		tu.proto = IPPROTO_UDP_;
		tu.family = fam ? ENF_FAMILY_V6 : ENF_FAMILY_V4;

		assert_int_equal(xh_deny_flow_unmarked(&H, &tu), 0);
		gate_check(&t, "unmarked source, its flow", family, g,
			   FLOW_SPORT, XV_HOST, ENF_XDP_PASS);
		gate_check(&t, "unmarked source, its flow", family, g,
			   FLOW_SPORT, XV_OFFLOAD, ENF_XDP_DROP_FLOW);
		gate_check(&t, "unmarked source, its flow", family, g,
			   FLOW_SPORT, XV_HOST_NIC, ENF_XDP_PASS);

		assert_int_equal(xh_src_put(&H, family, g, &mark_only), 0);
		gate_check(&t, "marker without F_FLOWS, the flow", family, g,
			   FLOW_SPORT, XV_HOST, ENF_XDP_PASS);
		assert_int_equal(xh_src_del(&H, family, g), 0);

		assert_int_equal(xh_mark_src(&H, family, g), 0);
		gate_check(&t, "marked source, its flow", family, g, FLOW_SPORT,
			   XV_HOST, ENF_XDP_DROP_FLOW);
		gate_check(&t, "marked source, another port", family, g, SPORT,
			   XV_HOST, ENF_XDP_PASS);
		gate_check(&t, "marked source, its flow", family, g, FLOW_SPORT,
			   XV_HOST_NIC, ENF_XDP_PASS);

		/* Unmarked again: unmatched again. */
		assert_int_equal(xh_src_del(&H, family, g), 0);
		gate_check(&t, "mark removed, the flow", family, g, FLOW_SPORT,
			   XV_HOST, ENF_XDP_PASS);
	}
	report(&t, "flow gate");
}

/* One IPv4 UDP frame from @src (4 bytes) through @v: its counter. */
static void src4_check(struct tally *t, const char *what, const __u8 *src,
		       __u16 sport, enum xdp_variant v, int want_stat)
{
	udp_check(t, "fast4", what, AF_INET, src, sport, v, want_stat);
}

/*
 * xdp_host takes IPv4 sources from deny_fast4, inline: with the table live
 * and nothing overflowed, an entry put in deny_src4 alone (as the loader
 * never does) is not matched, and one whose deny_src4 entry is gone while
 * its slot stays still is. deny_src4 is read after a miss once dp_config
 * counts an overflow, and alone when it says the table is not live.
 */
static void test_fast4_inline(void **state)
{
	static const char *const p_text = "192.0.2.99";
	const struct enf_deny_value v = { .rule_id = 7 };
	int sfd = xh_host_src_fd(&H, AF_INET);
	struct enf_dp_config c;
	struct tally t = { 0 };
	__u8 p[4];

	(void)state;
	assert_int_equal(inet_pton(AF_INET, p_text, p), 1);
	assert_int_equal(xh_config_read(&H, &c), 0);
	assert_int_equal(c.fast4_live, 1);
	assert_int_equal(c.src4_overflow, 0);
	assert_true(enf_fast4_find(&H.fast4, *(__u32 *)src4[S_DENIED], NULL) >=
		    0);

	/* In deny_src4 only: the program does not see it. */
	assert_int_equal(bpf_map_update_elem(sfd, p, &v, BPF_NOEXIST), 0);
	src4_check(&t, "deny_src4 alone, table live", p, SPORT, XV_HOST,
		   ENF_XDP_PASS);
	/* An overflow counted: after the table's miss, deny_src4. */
	assert_int_equal(xh_config(&H, 1, 1), 0);
	src4_check(&t, "deny_src4 alone, overflow counted", p, SPORT, XV_HOST,
		   ENF_XDP_DROP_SRC4);
	src4_check(&t, "a table hit, overflow counted", src4[S_DENIED], SPORT,
		   XV_HOST, ENF_XDP_DROP_SRC4);
	src4_check(&t, "in no map, overflow counted", src4[S_ALLOWED], SPORT,
		   XV_HOST, ENF_XDP_PASS);
	/* Not live: deny_src4 alone, as before the table. */
	assert_int_equal(xh_config(&H, 0, 0), 0);
	src4_check(&t, "deny_src4 alone, table not live", p, SPORT, XV_HOST,
		   ENF_XDP_DROP_SRC4);
	assert_int_equal(xh_config(&H, 1, 0), 0);
	src4_check(&t, "deny_src4 alone, live again", p, SPORT, XV_HOST,
		   ENF_XDP_PASS);
	assert_int_equal(bpf_map_delete_elem(sfd, p), 0);

	/* The slot alone (its deny_src4 entry taken away behind the
	 * harness's back) still drops: the table is what answers. */
	assert_int_equal(bpf_map_delete_elem(sfd, src4[S_DENIED]), 0);
	src4_check(&t, "the slot alone", src4[S_DENIED], SPORT, XV_HOST,
		   ENF_XDP_DROP_SRC4);
	assert_int_equal(xh_config(&H, 0, 0), 0);
	src4_check(&t, "the slot alone, table not live", src4[S_DENIED], SPORT,
		   XV_HOST, ENF_XDP_PASS);
	assert_int_equal(xh_config(&H, 1, 0), 0);
	assert_int_equal(bpf_map_update_elem(sfd, src4[S_DENIED], &v, BPF_ANY),
			 0);
	report(&t, "fast4 inline");
}

/* Whether @a lies in the test's denied IPv4 prefix, CIDR4/15. */
static bool in_cidr4(const __u8 *a)
{
	__u8 net[4];

	inet_pton(AF_INET, CIDR4, net);
	return a[0] == net[0] && (a[1] & 0xfe) == net[1];
}

/*
 * A window filled with denied sources of one home: the next one with
 * that home overflows (deny_src4 only, counted in dp_config) and is still
 * dropped; a source of that home in no map still passes; a source whose
 * marker overflowed has its flow dropped and its other traffic passed;
 * the count goes back to 0 as they go.
 */
static void test_fast4_overflow(void **state)
{
	const __u32 bits = H.fast4.bits;
	const int n = ENF_FAST4_PROBES;
	__u8 a[ENF_FAST4_PROBES + 2][4];
	struct enf_tuple tu = { 0 };
	struct enf_dp_config c;
	struct tally t = { 0 };
	__u32 home = 1000;
	char what[96];

	(void)state;
	/* A home whose window and what follows are EMPTY. */
	for (;; home += 2 * n) {
		bool empty = true;

		for (int i = 0; i < 2 * n; i++)
			empty &= !H.fast4.slots[(home + i) & H.fast4.mask];
		if (empty)
			break;
	}
	for (int i = 0; i < n + 2; i++) {
		__u32 x = enf_fast4_addr_at(bits, home, i);

		memcpy(a[i], &x, 4);
		assert_false(in_cidr4(a[i]));
	}
	for (int i = 0; i <= n; i++)
		assert_int_equal(xh_deny_src(&H, AF_INET, a[i]), 0);
	assert_int_equal(H.fast4.overflow, 1);
	assert_int_equal(enf_fast4_find(&H.fast4, *(__u32 *)a[n], NULL),
			 -ENOENT);
	assert_int_equal(xh_config_read(&H, &c), 0);
	assert_int_equal(c.src4_overflow, 1);
	for (int i = 0; i <= n; i++) {
		snprintf(what, sizeof(what), "same home, %s %d",
			 i < n ? "in the table" : "overflowed", i);
		src4_check(&t, what, a[i], SPORT, XV_HOST, ENF_XDP_DROP_SRC4);
		src4_check(&t, what, a[i], SPORT, XV_OFFLOAD,
			   ENF_XDP_DROP_SRC4);
	}
	src4_check(&t, "same home, in no map", a[n + 1], SPORT, XV_HOST,
		   ENF_XDP_PASS);

	/* A flow from a source of that home: its marker overflows too, and
	 * the mark still gates the flow. */
	memcpy(tu.saddr, a[n + 1], 4);
	memcpy(tu.daddr, dst4, 4);
	tu.sport = htons(FLOW_SPORT);
	tu.dport = htons(DPORT);
	tu.proto = IPPROTO_UDP_;
	tu.family = ENF_FAMILY_V4;
	assert_int_equal(xh_deny_flow(&H, &tu), 0);
	assert_int_equal(H.fast4.overflow, 2);
	src4_check(&t, "overflowed marker, its flow", a[n + 1], FLOW_SPORT,
		   XV_HOST, ENF_XDP_DROP_FLOW);
	src4_check(&t, "overflowed marker, another port", a[n + 1], SPORT,
		   XV_HOST, ENF_XDP_PASS);
	assert_int_equal(xh_undeny_flow(&H, &tu), 0);
	assert_int_equal(xh_src_del(&H, AF_INET, a[n + 1]), 0);
	assert_int_equal(H.fast4.overflow, 1);

	/* The overflowed source lifted: the count is 0 again, and the
	 * program no longer reads deny_src4 after a miss. */
	assert_int_equal(xh_undeny_src(&H, AF_INET, a[n]), 0);
	assert_int_equal(xh_config_read(&H, &c), 0);
	assert_int_equal(c.src4_overflow, 0);
	src4_check(&t, "overflowed source lifted", a[n], SPORT, XV_HOST,
		   ENF_XDP_PASS);
	for (int i = 0; i < n; i++)
		assert_int_equal(xh_undeny_src(&H, AF_INET, a[i]), 0);
	src4_check(&t, "window emptied", a[0], SPORT, XV_HOST, ENF_XDP_PASS);
	assert_int_equal(H.fast4.overflow, 0);
	report(&t, "fast4 overflow");
}

static void add_flows(int family, enum src_class s)
{
	const __u8 *src, *dst;
	const __u8 protos[] = { IPPROTO_TCP_, IPPROTO_UDP_ };
	size_t alen = family == AF_INET ? 4 : 16;

	src_dst(family, s, &src, &dst);
	for (int i = 0; i < 2; i++) {
		struct enf_spill_key sk = { 0 };
		struct enf_tuple t = { 0 };

		memcpy(t.saddr, src, alen);
		memcpy(t.daddr, dst, alen);
		t.sport = htons(FLOW_SPORT);
		t.dport = htons(DPORT);
		t.proto = protos[i];
		t.family = family == AF_INET ? ENF_FAMILY_V4 : ENF_FAMILY_V6;
		assert_int_equal(xh_deny_flow(&H, &t), 0);
		sk.t = t;
		sk.t.sport = htons(SPILL_SPORT);
		sk.kind = ENF_SPILL_FLOW;
		assert_int_equal(xh_deny_spill(&H, &sk), 0);
	}
}

static int setup(void **state)
{
	(void)state;
	for (int s = 0; s < S_COUNT; s++) {
		if (inet_pton(AF_INET, src4_text[s], src4[s]) != 1 ||
		    inet_pton(AF_INET6, src6_text[s], src6[s]) != 1)
			return -1;
	}
	if (inet_pton(AF_INET, DST4, dst4) != 1 ||
	    inet_pton(AF_INET6, DST6, dst6) != 1)
		return -1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flow_gate),
		cmocka_unit_test(test_fast4_inline),
		cmocka_unit_test(test_fast4_overflow),
	};
	struct enf_spill_key sk4 = { 0 }, sk6 = { 0 };
	__u8 c4[4], c6[16];
	int err, rc;

	if (geteuid() != 0) {
		fprintf(stderr,
			"test_xdp_parse: needs root (BPF_PROG_TEST_RUN); skipped\n");
		return SKIP_CODE;
	}
	if (setup(NULL))
		return 1;
	err = xh_open(&H);
	if (err) {
		fprintf(stderr, "test_xdp_parse: loading the programs: %s\n",
			strerror(-err));
		return 1;
	}
	/* The deny entries every table runs against. */
	inet_pton(AF_INET, CIDR4, c4);
	inet_pton(AF_INET6, CIDR6, c6);
	sk4.kind = ENF_SPILL_SRC;
	sk4.t.family = ENF_FAMILY_V4;
	memcpy(sk4.t.saddr, src4[S_SPILL], 4);
	sk6.kind = ENF_SPILL_SRC;
	sk6.t.family = ENF_FAMILY_V6;
	memcpy(sk6.t.saddr, src6[S_SPILL], 16);
	if (xh_deny_src(&H, AF_INET, src4[S_DENIED]) ||
	    xh_deny_src(&H, AF_INET6, src6[S_DENIED]) ||
	    xh_deny_cidr(&H, AF_INET, c4, 15) ||
	    xh_deny_cidr(&H, AF_INET6, c6, 48) || xh_deny_spill(&H, &sk4) ||
	    xh_deny_spill(&H, &sk6)) {
		fprintf(stderr,
			"test_xdp_parse: writing deny entries failed\n");
		xh_close(&H);
		return 1;
	}
	for (int s = 0; s < S_COUNT; s++) {
		add_flows(AF_INET, s);
		add_flows(AF_INET6, s);
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xh_close(&H);
	return rc;
}
