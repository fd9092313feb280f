// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Differential test of the XDP programs: 100,000 frames, valid ones built
 * at random and then mutated (bytes flipped, frames cut, length fields,
 * IHL, data offset and next-header chains changed, tags inserted, padding
 * added) and plain random bytes, through BPF_PROG_TEST_RUN of xdp_host
 * (check_primary true and false) and xdp_offload, against a reference
 * classifier written here from the specification in bpf/xdp_parse.h, over
 * byte offsets and plain arrays (no kernel structs, no maps), with the same
 * deny entries. Every run must agree on the verdict and on the one counter
 * that moved. The seed is printed; ENF_XDP_DIFF_SEED sets another and
 * ENF_XDP_DIFF_COUNT another number of frames. Run twice: with deny_fast4
 * as the loader sizes it (IPv4 sources found in the table, inline), and
 * with a table of one window, where most IPv4 sources overflow and are
 * found through deny_src4 (dp_config's count): the same verdicts either
 * way. Needs root (exit 77).
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

#include "test_xdp_common.h"

#define DEFAULT_SEED 0x5eed2024ULL
#define DEFAULT_COUNT 100000
#define MAX_REPORTED 20 /* disagreements printed in full */

#define P_TCP 6
#define P_UDP 17
#define P_ICMP 1
#define P_ICMP6 58

/* ---- a small deterministic generator ------------------------------------ */

static __u64 rng_state;

static __u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rn(100) < percent;
}

/* ---- the deny entries, as the reference sees them ----------------------- */

#define N_SRC 8
#define N_CIDR 4
#define N_FLOW 16
#define N_SPILL_SRC 4
#define N_SPILL_FLOW 8
#define N_DST 2

struct ref_flow {
	int v6;
	__u8 src[16], dst[16];
	__u16 sport, dport; /* host order */
	__u8 proto;
};

static struct {
	__u8 src4[N_SRC][4], src6[N_SRC][16];
	__u8 cidr4[N_CIDR][4], cidr6[N_CIDR][16];
	unsigned int cidr4_len[N_CIDR], cidr6_len[N_CIDR];
	__u8 spill4[N_SPILL_SRC][4], spill6[N_SPILL_SRC][16];
	struct ref_flow flow[N_FLOW], spill_flow[N_SPILL_FLOW];
	__u8 dst4[N_DST][4], dst6[N_DST][16];
} R;

static const unsigned int cidr4_lens[N_CIDR] = { 8, 16, 24, 31 };
static const unsigned int cidr6_lens[N_CIDR] = { 32, 48, 64, 127 };

static void rnd_bytes(__u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd();
}

static void mask_prefix(__u8 *a, size_t alen, unsigned int plen)
{
	for (unsigned int bit = plen; bit < alen * 8; bit++)
		a[bit / 8] &= ~(0x80 >> (bit % 8));
}

/* ---- the reference classifier ------------------------------------------- */

static unsigned int be16at(const __u8 *b, size_t off)
{
	return (unsigned int)b[off] << 8 | b[off + 1];
}

static bool prefix_match(const __u8 *a, const __u8 *net, unsigned int plen)
{
	for (unsigned int bit = 0; bit < plen; bit++) {
		__u8 m = 0x80 >> (bit % 8);

		if ((a[bit / 8] & m) != (net[bit / 8] & m))
			return false;
	}
	return true;
}

static bool in_list(const __u8 *a, const void *list, size_t n, size_t alen)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(a, (const __u8 *)list + i * alen, alen))
			return true;
	return false;
}

/* Source stage; -1 when nothing matched. */
static int ref_src(enum xdp_variant v, int v6, const __u8 *src)
{
	if (v != XV_HOST_NIC) {
		if (!v6 && in_list(src, R.src4, N_SRC, 4))
			return ENF_XDP_DROP_SRC4;
		if (v6 && in_list(src, R.src6, N_SRC, 16))
			return ENF_XDP_DROP_SRC6;
	}
	if (v != XV_OFFLOAD) {
		for (int i = 0; i < N_CIDR; i++) {
			if (!v6 &&
			    prefix_match(src, R.cidr4[i], R.cidr4_len[i]))
				return ENF_XDP_DROP_CIDR4;
			if (v6 && prefix_match(src, R.cidr6[i], R.cidr6_len[i]))
				return ENF_XDP_DROP_CIDR6;
		}
	}
	if (v == XV_HOST_NIC) {
		if (!v6 && in_list(src, R.spill4, N_SPILL_SRC, 4))
			return ENF_XDP_DROP_SPILL;
		if (v6 && in_list(src, R.spill6, N_SPILL_SRC, 16))
			return ENF_XDP_DROP_SPILL;
	}
	return -1;
}

static bool flow_in(const struct ref_flow *list, size_t n, int v6,
		    const __u8 *src, const __u8 *dst, unsigned int sport,
		    unsigned int dport, unsigned int proto)
{
	size_t alen = v6 ? 16 : 4;

	for (size_t i = 0; i < n; i++) {
		const struct ref_flow *f = &list[i];

		if (f->v6 == v6 && f->proto == proto && f->sport == sport &&
		    f->dport == dport && !memcmp(f->src, src, alen) &&
		    !memcmp(f->dst, dst, alen))
			return true;
	}
	return false;
}

/* L4 stage: @cur where the TCP/UDP header starts, @end where the IP
 * payload ends (within the frame). */
static int ref_l4(enum xdp_variant v, int v6, const __u8 *b, size_t cur,
		  size_t end, unsigned int proto, const __u8 *src,
		  const __u8 *dst)
{
	unsigned int sport, dport;

	if (cur + 8 > end)
		return ENF_XDP_PASS_MALFORMED;
	if (proto == P_TCP) {
		size_t doff;

		if (cur + 20 > end)
			return ENF_XDP_PASS_MALFORMED;
		doff = (size_t)(b[cur + 12] >> 4) * 4;
		if (doff < 20 || cur + doff > end)
			return ENF_XDP_PASS_MALFORMED;
	}
	sport = be16at(b, cur);
	dport = be16at(b, cur + 2);
	if (v != XV_HOST_NIC &&
	    flow_in(R.flow, N_FLOW, v6, src, dst, sport, dport, proto))
		return ENF_XDP_DROP_FLOW;
	if (v == XV_HOST_NIC && flow_in(R.spill_flow, N_SPILL_FLOW, v6, src,
					dst, sport, dport, proto))
		return ENF_XDP_DROP_SPILL;
	return ENF_XDP_PASS;
}

static bool ref_is_ext(unsigned int nh)
{
	return nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_FRAGMENT ||
	       nh == NH_AH || nh == NH_DSTOPTS;
}

/* The counter a frame moves; the verdict is DROP for drop_* counters. */
static int ref_classify(enum xdp_variant v, const __u8 *b, size_t n)
{
	size_t off = 14;
	unsigned int type;
	int r;

	if (n < 14)
		return ENF_XDP_PASS_MALFORMED;
	type = be16at(b, 12);
	if (type == TPID_8021Q || type == TPID_8021AD) {
		if (n < 18)
			return ENF_XDP_PASS_MALFORMED;
		type = be16at(b, 16);
		off = 18;
	}
	if (type == ETYPE_IP) {
		size_t hl, tot;

		if (n < off + 20 || b[off] >> 4 != 4 || (b[off] & 15) < 5)
			return ENF_XDP_PASS_MALFORMED;
		hl = (size_t)(b[off] & 15) * 4;
		if (n < off + hl)
			return ENF_XDP_PASS_MALFORMED;
		r = ref_src(v, 0, b + off + 12);
		if (r >= 0)
			return r;
		tot = be16at(b, off + 2);
		if (tot < hl || off + tot > n)
			return ENF_XDP_PASS_MALFORMED;
		if (be16at(b, off + 6) & 0x1fff)
			return ENF_XDP_PASS;
		if (b[off + 9] != P_TCP && b[off + 9] != P_UDP)
			return ENF_XDP_PASS;
		return ref_l4(v, 0, b, off + hl, off + tot, b[off + 9],
			      b + off + 12, b + off + 16);
	}
	if (type == ETYPE_IPV6) {
		size_t end, cur = off + 40;
		unsigned int nh;

		if (n < off + 40 || b[off] >> 4 != 6)
			return ENF_XDP_PASS_MALFORMED;
		r = ref_src(v, 1, b + off + 8);
		if (r >= 0)
			return r;
		end = off + 40 + be16at(b, off + 4);
		if (end > n)
			return ENF_XDP_PASS_MALFORMED;
		nh = b[off + 6];
		for (int i = 0; i < ENF_IPV6_EXT_MAX && ref_is_ext(nh); i++) {
			size_t len;

			if (cur + 8 > end)
				return ENF_XDP_PASS_MALFORMED;
			if (nh == NH_FRAGMENT) {
				if (be16at(b, cur + 2) & 0xfff8)
					return ENF_XDP_PASS;
				len = 8;
			} else if (nh == NH_AH) {
				len = ((size_t)b[cur + 1] + 2) * 4;
			} else {
				len = ((size_t)b[cur + 1] + 1) * 8;
			}
			nh = b[cur];
			cur += len;
			if (cur > end)
				return ENF_XDP_PASS_MALFORMED;
		}
		if (ref_is_ext(nh))
			return ENF_XDP_PASS_EXT_LIMIT;
		if (nh != P_TCP && nh != P_UDP)
			return ENF_XDP_PASS;
		return ref_l4(v, 1, b, cur, end, nh, b + off + 8, b + off + 24);
	}
	return ENF_XDP_PASS_NON_IP;
}

/* ---- frames --------------------------------------------------------------- */

/* A source from the deny pools half the time, else anything. */
static void pick_src(int v6, __u8 *out)
{
	size_t alen = v6 ? 16 : 4;

	switch (rn(6)) {
	case 0:
		memcpy(out, v6 ? R.src6[rn(N_SRC)] : R.src4[rn(N_SRC)], alen);
		return;
	case 1: {
		int i = rn(N_CIDR);

		rnd_bytes(out, alen);
		/* Inside the prefix, or one bit outside it. */
		for (unsigned int bit = 0;
		     bit < (v6 ? R.cidr6_len[i] : R.cidr4_len[i]); bit++) {
			__u8 m = 0x80 >> (bit % 8);
			const __u8 *net = v6 ? R.cidr6[i] : R.cidr4[i];

			out[bit / 8] = (out[bit / 8] & ~m) | (net[bit / 8] & m);
		}
		if (chance(20))
			out[0] ^= 0x80;
		return;
	}
	case 2:
		memcpy(out,
		       v6 ? R.spill6[rn(N_SPILL_SRC)] :
			    R.spill4[rn(N_SPILL_SRC)],
		       alen);
		return;
	case 3: {
		const struct ref_flow *f =
			chance(50) ? &R.flow[rn(N_FLOW)] :
				     &R.spill_flow[rn(N_SPILL_FLOW)];

		memcpy(out, f->src, alen);
		return;
	}
	default:
		rnd_bytes(out, alen);
	}
}

/* Ports and addresses of a listed flow half the time. */
static void pick_flow(int v6, __u8 proto, __u8 *src, __u8 *dst, __u16 *sport,
		      __u16 *dport)
{
	size_t alen = v6 ? 16 : 4;

	pick_src(v6, src);
	memcpy(dst, v6 ? R.dst6[rn(N_DST)] : R.dst4[rn(N_DST)], alen);
	*sport = rn(65536);
	*dport = chance(50) ? 443 : rn(65536);
	if (chance(50)) {
		const struct ref_flow *f =
			chance(50) ? &R.flow[rn(N_FLOW)] :
				     &R.spill_flow[rn(N_SPILL_FLOW)];

		if (f->v6 == v6 && (f->proto == proto || chance(20))) {
			memcpy(src, f->src, alen);
			memcpy(dst, f->dst, alen);
			*sport = f->sport;
			*dport = f->dport;
		}
	}
}

static const __u8 ext_types[] = { NH_HOPOPTS, NH_ROUTING, NH_FRAGMENT, NH_AH,
				  NH_DSTOPTS };

static void gen_valid(struct pkt *p)
{
	static const __u16 tpids[] = { TPID_8021Q, TPID_8021AD };
	__u16 tp[2] = { tpids[rn(2)], tpids[rn(2)] };
	int tags = chance(70) ? 0 : chance(85) ? 1 : 2;
	int kind = rn(20); /* 0: not IP, 1..9: IPv4, 10..19: IPv6 */
	__u8 src[16], dst[16], proto;
	__u16 sport, dport;
	int v6 = kind >= 10;

	memset(p, 0, sizeof(*p));
	if (kind == 0) {
		pkt_eth(p, tags, tp, rn(65536));
		pkt_payload(p, rn(60));
		return;
	}
	switch (rn(10)) {
	case 0:
		proto = v6 ? P_ICMP6 : P_ICMP;
		break;
	case 1:
		proto = rn(256);
		break;
	default:
		proto = chance(50) ? P_TCP : P_UDP;
	}
	pick_flow(v6, proto, src, dst, &sport, &dport);
	pkt_eth(p, tags, tp, v6 ? ETYPE_IPV6 : ETYPE_IP);
	if (!v6) {
		pkt_ipv4(p, src, dst, proto, chance(80) ? 5 : 6 + rn(10));
	} else {
		int n_ext = chance(40) ? 0 : rn(ENF_IPV6_EXT_MAX + 3);
		__u8 types[ENF_IPV6_EXT_MAX + 2];

		for (int i = 0; i < n_ext; i++)
			types[i] = ext_types[rn(sizeof(ext_types))];
		pkt_ipv6(p, src, dst, n_ext ? types[0] : proto);
		for (int i = 0; i < n_ext; i++) {
			__u8 next = i + 1 < n_ext ? types[i + 1] : proto;
			size_t len = types[i] == NH_AH ? 8 + 4 * rn(4) :
							 8 * (1 + rn(3));

			pkt_ext(p, types[i], next, len,
				chance(70) ? 0 : 1 + rn(100), chance(50));
		}
	}
	if (proto == P_TCP)
		pkt_tcp(p, sport, dport);
	else if (proto == P_UDP)
		pkt_udp(p, sport, dport);
	pkt_payload(p, rn(48));
	pkt_finish(p);
	if (!v6 && chance(20))
		pkt_set16(p, p->l3 + 6,
			  chance(50) ? 0x2000 : (__u16)(1 + rn(0x1fff)));
}

static void mutate(struct pkt *p)
{
	int n = 1 + rn(3);

	for (int i = 0; i < n; i++) {
		switch (rn(9)) {
		case 0: /* flip a byte, mostly in the headers */
			if (p->len)
				p->b[chance(80) ? rn(p->len < 96 ? p->len : 96) :
						  rn(p->len)] ^= 1 + rn(255);
			break;
		case 1: /* cut */
			p->len = 14 + rn(p->len > 14 ? p->len - 14 : 1);
			break;
		case 2: /* IP length field */
			if (p->family && p->l3 + 6 <= p->len)
				pkt_set16(
					p,
					p->l3 + (p->family == AF_INET ? 2 : 4),
					chance(50) ?
						rn(65536) :
						be16at(p->b,
						       p->l3 + (p->family == AF_INET ?
									2 :
									4)) +
							rn(9) - 4);
			break;
		case 3: /* IHL or version */
			if (p->family && p->l3 < p->len)
				p->b[p->l3] = chance(50) ? (p->b[p->l3] &
							    0xf0) | rn(16) :
							   rn(256);
			break;
		case 4: /* a next-header byte of the chain */
			if (p->family == AF_INET6 && p->nh_off < p->len)
				p->b[p->nh_off] =
					chance(70) ?
						ext_types[rn(sizeof(ext_types))] :
						rn(256);
			break;
		case 5: /* TCP data offset */
			if (p->l4 + 12 < p->len)
				p->b[p->l4 + 12] = rn(16) << 4;
			break;
		case 6: /* insert a tag after the MACs */
			if (p->len + 4 <= PKT_MAX && p->len >= 12) {
				memmove(p->b + 16, p->b + 12, p->len - 12);
				pkt_set16(p, 12,
					  chance(50) ? TPID_8021Q :
						       TPID_8021AD);
				pkt_set16(p, 14, rn(4096));
				p->len += 4;
				p->l3 += 4;
				p->l4 += 4;
				p->nh_off += 4;
			}
			break;
		case 7: /* padding */
			if (p->len + 16 <= PKT_MAX)
				pkt_payload(p, rn(16));
			break;
		default: /* an extension header's length byte */
			if (p->family == AF_INET6 && p->l3 + 41 < p->len)
				p->b[p->l3 + 41 + 8 * rn(4) < p->len ?
					     p->l3 + 41 + 8 * rn(4) :
					     p->l3 + 41] = rn(8);
			break;
		}
	}
}

static void gen(struct pkt *p)
{
	if (chance(5)) {
		memset(p, 0, sizeof(*p));
		p->len = 14 + rn(200);
		rnd_bytes(p->b, p->len);
		if (chance(50))
			pkt_set16(p, 12, chance(50) ? ETYPE_IP : ETYPE_IPV6);
		return;
	}
	gen_valid(p);
	if (chance(60))
		mutate(p);
	if (p->len < 14)
		p->len = 14;
}

/* ---- the entries, into the programs and the reference ------------------- */

static struct xdp_harness H;

static void make_flow(struct ref_flow *f)
{
	size_t alen;

	f->v6 = chance(50);
	alen = f->v6 ? 16 : 4;
	memset(f->src, 0, sizeof(f->src));
	memset(f->dst, 0, sizeof(f->dst));
	if (chance(50))
		memcpy(f->src, f->v6 ? R.src6[rn(N_SRC)] : R.src4[rn(N_SRC)],
		       alen);
	else
		rnd_bytes(f->src, alen);
	memcpy(f->dst, f->v6 ? R.dst6[rn(N_DST)] : R.dst4[rn(N_DST)], alen);
	f->sport = rn(65536);
	f->dport = chance(50) ? 443 : rn(65536);
	f->proto = chance(50) ? P_TCP : P_UDP;
}

static void flow_key(const struct ref_flow *f, struct enf_tuple *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->saddr, f->src, f->v6 ? 16 : 4);
	memcpy(t->daddr, f->dst, f->v6 ? 16 : 4);
	t->sport = htons(f->sport);
	t->dport = htons(f->dport);
	t->proto = f->proto;
	t->family = f->v6 ? ENF_FAMILY_V6 : ENF_FAMILY_V4;
}

static int load_entries(void)
{
	int err = 0;

	for (int i = 0; i < N_DST; i++) {
		rnd_bytes(R.dst4[i], 4);
		rnd_bytes(R.dst6[i], 16);
	}
	for (int i = 0; i < N_SRC; i++) {
		rnd_bytes(R.src4[i], 4);
		rnd_bytes(R.src6[i], 16);
		err = err ?: xh_deny_src(&H, AF_INET, R.src4[i]);
		err = err ?: xh_deny_src(&H, AF_INET6, R.src6[i]);
	}
	for (int i = 0; i < N_CIDR; i++) {
		R.cidr4_len[i] = cidr4_lens[i];
		R.cidr6_len[i] = cidr6_lens[i];
		rnd_bytes(R.cidr4[i], 4);
		rnd_bytes(R.cidr6[i], 16);
		mask_prefix(R.cidr4[i], 4, R.cidr4_len[i]);
		mask_prefix(R.cidr6[i], 16, R.cidr6_len[i]);
		err = err   ?:
			      xh_deny_cidr(&H, AF_INET, R.cidr4[i],
					   R.cidr4_len[i]);
		err = err   ?:
			      xh_deny_cidr(&H, AF_INET6, R.cidr6[i],
					   R.cidr6_len[i]);
	}
	for (int i = 0; i < N_SPILL_SRC; i++) {
		struct enf_spill_key k4 = { .kind = ENF_SPILL_SRC };
		struct enf_spill_key k6 = { .kind = ENF_SPILL_SRC };

		rnd_bytes(R.spill4[i], 4);
		rnd_bytes(R.spill6[i], 16);
		k4.t.family = ENF_FAMILY_V4;
		memcpy(k4.t.saddr, R.spill4[i], 4);
		k6.t.family = ENF_FAMILY_V6;
		memcpy(k6.t.saddr, R.spill6[i], 16);
		err = err ?: xh_deny_spill(&H, &k4);
		err = err ?: xh_deny_spill(&H, &k6);
	}
	for (int i = 0; i < N_FLOW; i++) {
		struct enf_tuple t;

		make_flow(&R.flow[i]);
		flow_key(&R.flow[i], &t);
		err = err ?: xh_deny_flow(&H, &t);
	}
	for (int i = 0; i < N_SPILL_FLOW; i++) {
		struct enf_spill_key k = { .kind = ENF_SPILL_FLOW };

		make_flow(&R.spill_flow[i]);
		flow_key(&R.spill_flow[i], &k.t);
		err = err ?: xh_deny_spill(&H, &k);
	}
	return err;
}

static void hexdump(const __u8 *b, size_t n)
{
	char line[3 * 32 + 1];

	for (size_t i = 0; i < n; i += 32) {
		size_t k = 0;

		for (size_t j = i; j < n && j < i + 32; j++)
			k += snprintf(line + k, sizeof(line) - k, "%02x ",
				      b[j]);
		print_message("    %04zx: %s\n", i, line);
	}
}

/* The whole run, against H as loaded. */
static void run_diff(void)
{
	__u64 seen[XV_COUNT][ENF_XDP_STAT_MAX] = { { 0 } };
	const char *env_seed = getenv("ENF_XDP_DIFF_SEED");
	const char *env_count = getenv("ENF_XDP_DIFF_COUNT");
	__u64 seed = env_seed ? strtoull(env_seed, NULL, 0) : DEFAULT_SEED;
	long count = env_count ? strtol(env_count, NULL, 0) : DEFAULT_COUNT;
	unsigned long disagreements = 0;
	struct pkt p;

	print_message("seed %#llx (ENF_XDP_DIFF_SEED), %ld frames\n",
		      (unsigned long long)seed, count);
	rng_state = seed ? seed : 1;
	assert_int_equal(load_entries(), 0);
	print_message("deny_fast4: %u slots, %u sources in it, %u overflowed\n",
		      H.fast4.mask + 1, H.fast4.used, H.fast4.overflow);

	for (long i = 0; i < count; i++) {
		gen(&p);
		for (int v = 0; v < XV_COUNT; v++) {
			int want = ref_classify(v, p.b, p.len);
			__u32 want_action =
				want >= ENF_XDP_DROP_SRC4 ? XDP_DROP : XDP_PASS;
			__u32 action;
			int err, moved;

			err = xh_run(&H, v, p.b, p.len, &action, &moved);
			assert_int_equal(err, 0);
			if (action == want_action && moved == want) {
				seen[v][want]++;
				continue;
			}
			if (++disagreements <= MAX_REPORTED) {
				print_error(
					"DISAGREE frame %ld [%s]: program %s/%s, reference %s/%s\n",
					i, xv_name[v], xdp_action_name(action),
					moved >= 0 ? xdp_stat_names[moved] :
						     "(counters)",
					xdp_action_name(want_action),
					xdp_stat_names[want]);
				hexdump(p.b, p.len);
			}
		}
	}

	for (int v = 0; v < XV_COUNT; v++) {
		print_message("%s: %ld frames agreed:", xv_name[v], count);
		for (int s = 0; s < ENF_XDP_STAT_MAX; s++)
			if (seen[v][s])
				print_message(" %s %llu", xdp_stat_names[s],
					      (unsigned long long)seen[v][s]);
		print_message("\n");
	}
	print_message("%lu disagreements\n", disagreements);
	assert_int_equal(disagreements, 0);

	/* The mix must reach every verdict each program can give. */
	for (int s = 0; s < ENF_XDP_STAT_MAX; s++) {
		bool host_nic_only = s == ENF_XDP_DROP_SPILL;
		bool primary_only = s == ENF_XDP_DROP_SRC4 ||
				    s == ENF_XDP_DROP_SRC6 ||
				    s == ENF_XDP_DROP_FLOW;
		bool host_only = s == ENF_XDP_DROP_CIDR4 ||
				 s == ENF_XDP_DROP_CIDR6;

		if (!host_nic_only && !host_only && count >= 10000)
			assert_true(seen[XV_OFFLOAD][s] > 0);
		if (!host_nic_only && count >= 10000)
			assert_true(seen[XV_HOST][s] > 0);
		if (!primary_only && count >= 10000)
			assert_true(seen[XV_HOST_NIC][s] > 0);
	}
}

/* deny_fast4 as the loader sizes it: every source placed. */
static void test_diff(void **state)
{
	(void)state;
	assert_int_equal(H.fast4.bits, enf_fast4_bits(ENF_DENY_SRC4_MAX));
	run_diff();
	assert_int_equal(H.fast4.overflow, 0);
	assert_true(H.fast4.used > 0);
}

/* A table of one window: the rest overflows, through deny_src4. */
static void test_diff_overflow(void **state)
{
	(void)state;
	xh_close(&H);
	assert_int_equal(xh_open_bits(&H, ENF_FAST4_MIN_BITS), 0);
	run_diff();
	assert_true(H.fast4.overflow > 0);
	assert_int_equal(H.fast4.used, 1u << ENF_FAST4_MIN_BITS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_overflow),
	};
	int err, rc;

	if (geteuid() != 0) {
		fprintf(stderr,
			"test_xdp_diff: needs root (BPF_PROG_TEST_RUN); skipped\n");
		return SKIP_CODE;
	}
	err = xh_open(&H);
	if (err) {
		fprintf(stderr, "test_xdp_diff: loading the programs: %s\n",
			strerror(-err));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	xh_close(&H);
	return rc;
}
